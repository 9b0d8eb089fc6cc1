"""All records as one normalised JSON document, carrying the records' format version.

`format_version` is the version the records are written in and were validated
against: their record set's (`sarschema.yaml`; 1.0 when there is none), not the
newest version this sarschema knows. The records are dumped as they are, so each
entry of `records` validates against that version's `record.schema.json`; dates
keep the precision written; optional fields that are absent are left out.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from sarschema.__about__ import __version__
from sarschema.export.common import Exporter, indented_json, records_version
from sarschema.models import RecordBase


def to_document(records: Sequence[RecordBase]) -> dict[str, Any]:
    """The document; `format_version` is the records' own (`records_version`: the
    version whose models they are instances of), and mixed versions are refused."""
    return {
        "format_version": records_version(records),
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


def _head(format_version: str) -> str:
    head = {"format_version": format_version, "generator": f"sarschema {__version__}"}
    return json.dumps(head, ensure_ascii=False, indent=2)[:-2] + ',\n  "records": ['


def record_text(record: RecordBase) -> str:
    """One record's entry in the document, indented at its depth: made in the worker
    processes."""
    return _text(record_document(record))


def _text(document: dict[str, Any]) -> str:
    return indented_json(document, "    ")


def _entry(text: str, index: int) -> str:
    return ("," if index else "") + "\n    " + text


def _tail(count: int) -> str:
    return ("\n  ]" if count else "]") + f',\n  "count": {count}\n}}\n'


class JsonStream:
    """Writes the document record by record (the count comes last), never holding
    all records; `write` each record's `record_document`, then `finalize`."""

    def __init__(self, out: TextIO, format_version: str) -> None:
        self.out = out
        self.count = 0
        out.write(_head(format_version))

    def write(self, document: dict[str, Any]) -> None:
        self.out.write(_entry(_text(document), self.count))
        self.count += 1

    def finalize(self) -> int:
        self.out.write(_tail(self.count))
        return self.count


class JsonExporter(Exporter):
    """`records.json` in `folder`, streamed record by record.

    The version comes first in the document but is known only once the whole set
    is validated (`export_to` sets `format_version`), so the records are streamed
    into a part file beside it, and `finalize` writes the head, copies them after
    it and ends the document: never all records in memory.
    """

    FILE = "records.json"
    PART = "records.json.part"
    prepare = staticmethod(record_text)

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.count = 0
        self.body = (folder / self.PART).open("w", encoding="utf-8", newline="\n")

    def write(self, payload: str) -> None:
        """A record's `record_text` (made in another process, maybe)."""
        self.body.write(_entry(payload, self.count))
        self.count += 1

    def finalize(self) -> list[Path]:
        self.close()
        head = _head(self.version())
        path, part = self.folder / self.FILE, self.folder / self.PART
        with (
            path.open("w", encoding="utf-8", newline="\n") as out,
            part.open(encoding="utf-8", newline="") as body,
        ):
            out.write(head)
            shutil.copyfileobj(body, out)
            out.write(_tail(self.count))
        part.unlink()
        return [path]

    def close(self) -> None:
        self.body.close()


def write_json(records: Sequence[RecordBase], out: TextIO) -> int:
    """Write the document; return the number of records written."""
    document = to_document(records)
    json.dump(document, out, ensure_ascii=False, indent=2)
    out.write("\n")
    return int(document["count"])
