"""`export.cells`: a record's rows as cells, by functions made from the tables' plans.

Every record of every set the tests have (both format versions, every 1.1 construct,
the shipped records, a generated set) gives exactly the cells of the generic walk
(`rows_of`, then `Table.values`), of the same types; the made functions' text holds
no name of a field, column or table, only constants bound beside it.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sarschema.api import validate_paths
from sarschema.errors import InternalError
from sarschema.export import cells
from sarschema.export.sqlite import none_bound_at_once
from sarschema.export.tables import package, rows_of
from sarschema.models import Record

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from records_v11 import write_v11  # noqa: E402


def _records(*paths: Path) -> list[Record]:
    report = validate_paths(paths)
    assert report.ok, [d.message for d in report.diagnostics][:3]
    return list(report.records)


@pytest.fixture(scope="module")
def every_set(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Record]]:
    from generate import generate

    base = ROOT / "tests" / "cases" / "_base" / "records"
    v11 = tmp_path_factory.mktemp("v11") / "records"
    shutil.copytree(base, v11)
    write_v11(v11)
    generated = tmp_path_factory.mktemp("gen") / "records"
    generate(generated, 1500, 11)
    sets = [_records(base), _records(v11), _records(ROOT / "records"), _records(generated)]
    yield [record for records in sets for record in records]


def _generic(record: Record) -> list[tuple[str, tuple[Any, ...]]]:
    return [(table.name, table.values(row)) for table, row in rows_of(record)]


def test_the_cells_are_the_generic_walks(every_set: list[Record]) -> None:
    kinds = set()
    for record in every_set:
        made, generic = cells.record_cells(record), _generic(record)
        assert made == generic, record.id
        # the same types too (True == 1, "a" == StrEnum("a"))
        assert [tuple(map(type, c)) for _, c in made] == [
            tuple(map(type, c)) for _, c in generic
        ], record.id
        kinds.add(record.kind)
    assert kinds == set(package().parts)
    tables = {name for record in every_set for name, _ in cells.record_cells(record)}
    assert tables == {table.name for table in package().tables}


def test_older_records_leave_the_newer_cells_empty(every_set: list[Record]) -> None:
    # the base set has no version file: 1.0, whose models lack 1.1's fields
    incidents = [r for r in every_set if r.kind == "incident" and "revealed" not in r.__dict__]
    assert incidents
    header = next(t for t in package().tables if t.name == "incidents").header
    for record in incidents:
        row = dict(zip(header, cells.record_cells(record)[0][1], strict=True))
        assert row["revealed"] is None and row["certainty"] is None


NAMES = re.compile(r"[A-Za-z_]\w*")
#: What a made function's text may name: its parameters, its locals (`v<n>`), its
#: constants (`_c<n>`), the helpers in its scope, and Python's words.
ALLOWED = {
    "def", "made", "return", "None", "if", "else", "isinstance",
    "record", "record_id", "key", "entry", "position", "value",
    "_E", "_as_model", "_getter", "_date", "_join",
}  # fmt: skip


def test_no_name_reaches_the_text(monkeypatch: pytest.MonkeyPatch) -> None:
    texts: list[str] = []

    def spy(text: str, *args: Any) -> Any:
        texts.append(text)
        return compile(text, *args)

    monkeypatch.setattr(cells, "_made", None)  # made again, and dropped after
    monkeypatch.setattr(cells, "compile", spy, raising=False)
    for kind in package().parts:
        cells.makers(kind)
    assert len(texts) >= len(package().tables)
    for text in texts:
        assert "'" not in text and '"' not in text, text  # no literal of any kind
        names = set(NAMES.findall(text))
        odd = {n for n in names if n not in ALLOWED and not re.fullmatch(r"(_c|v)\d+", n)}
        assert not odd, text


def test_a_cell_of_no_column_is_our_bug() -> None:
    table = package().tables[0]
    with pytest.raises(InternalError, match="has no column"):
        cells._Source().make(table, "record", {"no_such_column": "None"})


def test_empty_cells_bound_as_null_and_the_adapter_taken_away() -> None:
    key = (type(None), sqlite3.PrepareProtocol)
    assert key not in sqlite3.adapters
    db = sqlite3.connect(":memory:")
    with none_bound_at_once():
        assert key in sqlite3.adapters
        assert db.execute("SELECT typeof(?), ? IS NULL", [None, None]).fetchone() == ("null", 1)
    assert key not in sqlite3.adapters
    with pytest.raises(RuntimeError), none_bound_at_once():
        raise RuntimeError
    assert key not in sqlite3.adapters


def test_a_processs_own_adapter_is_left_alone() -> None:
    key = (type(None), sqlite3.PrepareProtocol)

    def own(value: None) -> str:
        return "none"

    sqlite3.register_adapter(type(None), own)
    try:
        db = sqlite3.connect(":memory:")
        with none_bound_at_once():
            assert sqlite3.adapters[key] is own
            assert db.execute("SELECT ?", [None]).fetchone() == ("none",)
        assert sqlite3.adapters[key] is own
    finally:
        sqlite3.adapters.pop(key, None)


def test_an_adapter_registered_meanwhile_is_left_in_place() -> None:
    key = (type(None), sqlite3.PrepareProtocol)

    def theirs(value: None) -> str:
        return "theirs"

    try:
        with none_bound_at_once():
            sqlite3.adapters[key] = theirs  # another thread, a plugin imported
        assert sqlite3.adapters[key] is theirs
    finally:
        sqlite3.adapters.pop(key, None)


def test_the_exporter_binds_its_rows_with_the_adapter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sarschema.export.sqlite import SQLiteExporter, write_sqlite

    key = (type(None), sqlite3.PrepareProtocol)
    seen: list[bool] = []
    flush = SQLiteExporter._flush_rows

    def spy(self: SQLiteExporter) -> None:
        seen.append(key in sqlite3.adapters)
        flush(self)

    monkeypatch.setattr(SQLiteExporter, "_flush_rows", spy)
    write_sqlite(_records(ROOT / "records"), tmp_path / "r.db")
    assert seen and all(seen)
    assert key not in sqlite3.adapters


def test_a_made_functions_code_shows_in_a_traceback() -> None:
    import traceback

    table = package().tables[0]
    made = cells._Source().make(table, "record", {table.header[0]: "record.no_such_field"})
    with pytest.raises(AttributeError) as caught:
        made(object())
    assert "record.no_such_field" in "".join(traceback.format_tb(caught.value.__traceback__))
