"""All records as one normalised JSON document, carrying the format version.

Each entry of `records` validates against `schema/record.schema.json`; dates
keep the precision written; optional fields that are absent are left out.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from sarschema.__about__ import FORMAT_VERSION, __version__
from sarschema.export.common import Exporter
from sarschema.models import RecordBase


def to_document(records: Sequence[RecordBase]) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "generator": f"sarschema {__version__}",
        "count": len(records),
        "records": [record_document(r) for r in records],
    }


def _ordered(data: dict[str, Any]) -> dict[str, Any]:
    """`id` and `kind` first, as people write them."""
    return {"id": data["id"], "kind": data["kind"], **data}


def record_document(record: RecordBase) -> dict[str, Any]:
    """One record as plain JSON data (cheap to send between processes)."""
    return _ordered(record.model_dump(mode="json", exclude_none=True))


class JsonStream:
    """Writes the document record by record (the count comes last), never holding
    all records; `write` each record's `record_document`, then `finalize`."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.count = 0
        head = {"format_version": FORMAT_VERSION, "generator": f"sarschema {__version__}"}
        out.write(json.dumps(head, ensure_ascii=False, indent=2)[:-2] + ',\n  "records": [')

    def write(self, document: dict[str, Any]) -> None:
        text = json.dumps(document, ensure_ascii=False, indent=2).replace("\n", "\n    ")
        self.out.write(("," if self.count else "") + "\n    " + text)
        self.count += 1

    def finalize(self) -> int:
        self.out.write(("\n  ]" if self.count else "]") + f',\n  "count": {self.count}\n}}\n')
        return self.count


class JsonExporter(Exporter):
    """`records.json` in `folder`, streamed record by record."""

    FILE = "records.json"
    prepare = staticmethod(record_document)

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.handle = (folder / self.FILE).open("w", encoding="utf-8", newline="\n")
        self.stream = JsonStream(self.handle)

    def write(self, payload: dict[str, Any]) -> None:
        self.stream.write(payload)

    def finalize(self) -> list[Path]:
        self.stream.finalize()
        self.close()
        return [self.folder / self.FILE]

    def close(self) -> None:
        self.handle.close()


def write_json(records: Sequence[RecordBase], out: TextIO) -> int:
    """Write the document; return the number of records written."""
    document = to_document(records)
    json.dump(document, out, ensure_ascii=False, indent=2)
    out.write("\n")
    return int(document["count"])
