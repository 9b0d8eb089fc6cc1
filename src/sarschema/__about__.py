"""The one place the package version and the record-format version live."""

__version__ = "0.1.0"
FORMAT_VERSION = "1.0"
