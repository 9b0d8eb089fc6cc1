"""sarschema: an open record format for documenting the abuse of surveillance technology.

The library API is imported lazily so that `sarschema --help` stays fast:

    from sarschema import validate_paths
    report = validate_paths(["records"])
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sarschema.__about__ import FORMAT_VERSION, __version__

if TYPE_CHECKING:
    from sarschema.api import RawRecord, Report, read_records, validate_paths
    from sarschema.diagnostics import Diagnostic

__all__ = [
    "FORMAT_VERSION",
    "Diagnostic",
    "RawRecord",
    "Report",
    "__version__",
    "read_records",
    "validate_paths",
]


def __getattr__(name: str) -> Any:
    if name in ("validate_paths", "Report", "read_records", "RawRecord"):
        from sarschema import api

        return getattr(api, name)
    if name == "Diagnostic":
        from sarschema.diagnostics import Diagnostic

        return Diagnostic
    raise AttributeError(name)
