"""The one place the package version and the record-format version live."""

__version__ = "0.1.0"
#: The newest record-format version; a record set states its own (`sarschema.yaml`).
FORMAT_VERSION = "1.1"
#: Every version this sarschema validates, oldest first.
FORMAT_VERSIONS = ("1.0", "1.1")
