"""All records as one normalised JSON document, carrying the format version.

Each entry of `records` validates against `schema/record.schema.json`; dates
keep the precision written; optional fields that are absent are left out.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TextIO

from sarschema.__about__ import FORMAT_VERSION, __version__
from sarschema.models import RecordBase


def to_document(records: Sequence[RecordBase]) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "generator": f"sarschema {__version__}",
        "count": len(records),
        "records": [_ordered(r.model_dump(mode="json", exclude_none=True)) for r in records],
    }


def _ordered(data: dict[str, Any]) -> dict[str, Any]:
    """`id` and `kind` first, as people write them."""
    return {"id": data["id"], "kind": data["kind"], **data}


def write_json(records: Sequence[RecordBase], out: TextIO) -> int:
    """Write the document; return the number of records written."""
    document = to_document(records)
    json.dump(document, out, ensure_ascii=False, indent=2)
    out.write("\n")
    return int(document["count"])
