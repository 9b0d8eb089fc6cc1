"""The SQLite database: every row in, keys declared and enforced, search, views, Datasette.

The shipped records are exported once (module fixture) through `export_to`, as the
CLI does; the tests read the database with the sqlite3 module, compare it with the
rows `record_rows` gives (so a value lost or changed fails), and serve it with
Datasette's own internal client (no network).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import re
import shutil
import sqlite3
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sarschema.api import validate_paths
from sarschema.errors import EnvironmentProblem, InternalError, UsageError
from sarschema.export.cells import record_cells
from sarschema.export.common import DATA_LICENSE, DATA_LICENSE_URL, export_to, records_version
from sarschema.export.sqlite import (
    INFO_TABLE,
    METADATA_FILE,
    SQLiteExporter,
    export_sqlite,
    ordered_rows,
    searched,
    views,
    write_sqlite,
)
from sarschema.export.tables import (
    Cell,
    Column,
    Table,
    package,
    record_rows,
    table_order,
)
from sarschema.models import Record

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "records"
sys.path.insert(0, str(ROOT / "benchmarks"))


@pytest.fixture(scope="module")
def records() -> list[Record]:
    report = validate_paths([SHIPPED])
    assert report.ok
    return list(report.records)


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped records' database, exported with `export_to` into a folder."""
    out = tmp_path_factory.mktemp("sqlite") / "build"
    report = export_to([SHIPPED], SQLiteExporter, out)
    assert report.ok and report.files == 75
    assert sorted(p.name for p in out.iterdir()) == ["metadata.json", "records.db"]
    return out / "records.db"


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path)
    db.execute("PRAGMA foreign_keys = ON")
    return db


def _cell(value: Cell) -> Cell:
    return int(value) if isinstance(value, bool) else value


def _expected(records: list[Record]) -> dict[str, Counter[tuple[Cell, ...]]]:
    """Every table's rows, as `record_rows` gives them (booleans as 0/1)."""
    headers = {t.name: t.header for t in package().tables}
    rows: dict[str, Counter[tuple[Cell, ...]]] = {name: Counter() for name in headers}
    for record in records:
        for name, row in record_rows(record):
            rows[name][tuple(_cell(row.get(c)) for c in headers[name])] += 1
    return rows


# --------------------------------------------------------------------------
# Rows and keys


def test_every_row_is_in_its_table_unchanged(shipped: Path, records: list[Record]) -> None:
    db = _connect(shipped)
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    kinds = Counter(record.kind for record in records)
    for kind, count in kinds.items():
        assert db.execute(f"SELECT count(*) FROM {kind}s").fetchone() == (count,)
    for table, rows in _expected(records).items():
        columns = ", ".join(
            f"[{c}]" for c in next(t for t in package().tables if t.name == table).header
        )
        found = Counter(db.execute(f"SELECT {columns} FROM [{table}]").fetchall())
        assert found == rows, table
    # partial dates stay as recorded, beside their precision; booleans are 0/1
    precisions: set[str] = set()
    for table in package().tables:
        for column in table.header:
            if f"{column}_precision" in table.header:
                query = f"SELECT [{column}], [{column}_precision] FROM [{table.name}]"
                for value, precision in db.execute(query):
                    if value is not None:
                        assert {4: "year", 7: "month", 10: "day"}[len(value)] == precision
                        precisions.add(precision)
    assert precisions == {"year", "month", "day"}
    assert {v for (v,) in db.execute("SELECT DISTINCT exiled FROM targets")} <= {0, 1, None}


def test_keys_and_types_are_declared(shipped: Path) -> None:
    db = _connect(shipped)
    for table in package().tables:
        info = db.execute(f"PRAGMA table_info([{table.name}])").fetchall()
        assert [r[1] for r in info] == table.header
        types = {r[1]: r[2] for r in info}
        for column in table.columns:
            wanted = "INTEGER" if column.type in ("integer", "boolean") else "TEXT"
            assert types[column.name] == wanted, (table.name, column.name)
        assert {r[1] for r in info if r[3]} == {c.name for c in table.columns if c.required}
        assert tuple(r[1] for r in sorted(info, key=lambda r: r[5]) if r[5]) == table.primary_key
        keys = db.execute(f"PRAGMA foreign_key_list([{table.name}])").fetchall()
        assert sorted((k[3], k[2], k[4]) for k in keys) == sorted(
            (column, ref, "id") for column, ref in table.foreign_keys
        )
        schema = db.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table.name,))
        assert "CHECK" not in schema.fetchone()[0].upper()
    assert ("target_id", "targets", "id") in {
        (k[3], k[2], k[4]) for k in db.execute("PRAGMA foreign_key_list(incident_targets)")
    }
    assert ("parent", "operators", "id") in {
        (k[3], k[2], k[4]) for k in db.execute("PRAGMA foreign_key_list(operators)")
    }


def test_a_dangling_reference_is_refused(shipped: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.db"
    shutil.copyfile(shipped, copy)
    db = _connect(copy)
    incident = db.execute("SELECT id FROM incidents LIMIT 1").fetchone()[0]
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        db.execute(
            "INSERT INTO incident_targets (incident_id, position, target_id) VALUES (?, 99, ?)",
            (incident, "nobody-at-all"),
        )
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        db.execute(
            "INSERT INTO operators (id, name, type, parent) VALUES ('x', 'X', 'state', 'nobody')"
        )
    # an absent optional value is NULL and passes every constraint
    db.execute("INSERT INTO operators (id, name, type) VALUES ('x', 'X', 'state')")


def test_tables_and_rows_go_in_after_what_they_refer_to() -> None:
    tables = table_order(package().tables)
    seen: set[str] = set()
    for table in tables:
        assert {ref for _, ref in table.foreign_keys if ref != table.name} <= seen, table.name
        seen.add(table.name)
    assert [t.name for t in tables] == [t.name for t in package().tables]  # already ordered

    child = Table("b", "", (Column("id", ""),), ("id",), (("a_id", "a"),))
    parent = Table("a", "", (Column("id", ""),), ("id",))
    assert [t.name for t in table_order([child, parent])] == ["a", "b"]
    loop = Table("c", "", (Column("id", ""),), ("id",), (("b_id", "b"),))
    with pytest.raises(Exception, match="refer to each other"):
        table_order([Table("b", "", (Column("id", ""),), ("id",), (("c_id", "c"),)), loop])

    operators = next(t for t in package().tables if t.name == "operators")
    at = {c: i for i, c in enumerate(operators.header)}

    def row(ident: str, parent: str | None) -> tuple[Cell, ...]:
        cells: list[Cell] = [None] * len(at)
        cells[at["id"]], cells[at["parent"]] = ident, parent
        return tuple(cells)

    rows = [row("a-unit", "m-agency"), row("m-agency", "z-state"), row("z-state", None)]
    rows.append(row("b-unit", None))
    order = [r[at["id"]] for r in ordered_rows(operators, reversed(rows))]
    assert order == ["z-state", "m-agency", "a-unit", "b-unit"]


@given(
    keys=st.lists(
        st.tuples(
            st.one_of(st.none(), st.sampled_from("abc")), st.one_of(st.none(), st.integers(0, 3))
        ),
        max_size=8,
    )
)
def test_rows_are_sorted_by_key_with_empty_cells_last(
    keys: list[tuple[str | None, int | None]],
) -> None:
    """Keys are compared in C unless an empty cell meets another: the order is the
    one `_sort_key` gives (empty cells last) either way."""
    table = Table("t", "", (Column("a", ""), Column("n", ""), Column("x", "")), ("a", "n"))
    rows = [(a, n, str(i)) for i, (a, n) in enumerate(keys)]
    expected = sorted(rows, key=lambda r: tuple((v is None, "" if v is None else v) for v in r[:2]))
    assert ordered_rows(table, rows) == expected


def test_a_partial_set_is_refused_as_the_database_enforces_references(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    with pytest.raises(UsageError, match="whole record set") as refused:
        export_to([SHIPPED / "incidents"], SQLiteExporter, out, partial=True)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []  # no staging folder or file left
    # each table with rows that name a record not exported, by column, never by value
    said = str(refused.value)
    assert re.search(
        r"incident_targets: \d+ row\(s\) whose target_id names no row of targets", said
    )
    targets = {p.stem for p in (SHIPPED / "targets").glob("*.yaml")}
    assert not [t for t in targets if t in said]


def test_an_sqlite_without_vacuum_into_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 26, 0))
    with pytest.raises(EnvironmentProblem, match=r"SQLite 3\.27\.0 or later"):
        export_to([SHIPPED], SQLiteExporter, tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------
# Search and views


def test_full_text_search_finds_titles_names_and_aliases(
    shipped: Path, records: list[Record]
) -> None:
    db = _connect(shipped)
    expected = {
        "incidents": ["title", "summary"],
        "responses": ["title", "summary"],
        "targets": ["name"],
        "operators": ["name"],
        "target_aliases": ["alias"],
        "operator_aliases": ["alias"],
        "sources": ["title"],
    }
    for name, columns in expected.items():
        assert searched(next(t for t in package().tables if t.name == name)) == columns

    def search(table: str, column: str, words: str) -> set[Any]:
        query = (
            f"SELECT {column} FROM [{table}] WHERE rowid IN "
            f"(SELECT rowid FROM [{table}_fts] WHERE [{table}_fts] MATCH ?)"
        )
        return {value for (value,) in db.execute(query, (words,))}

    for record in records:
        if record.kind in ("incident", "response"):
            word = max(re.findall(r"\w+", record.title), key=len)
            assert record.id in search(f"{record.kind}s", "id", f'"{word}"'), record.id
    aliases = db.execute("SELECT target_id, alias FROM target_aliases").fetchall()
    assert aliases
    for target, alias in aliases:
        assert target in search("target_aliases", "target_id", f'"{alias}"')
    # accents are ignored: `Lenaig` finds `Lénaïg`
    assert "lenaig-bredoux" in search("targets", "id", "lenaig")


def test_every_view_answers(shipped: Path, records: list[Record]) -> None:
    db = _connect(shipped)
    names = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='view'")}
    assert names == {view.name for view in views()}
    for name in names:
        assert db.execute(f"SELECT count(*) FROM [{name}]").fetchone()[0] > 0, name

    incidents = [r for r in records if r.kind == "incident"]
    rows = db.execute("SELECT id, targets, operators FROM incidents_with_targets_and_operators")
    by_id = {row[0]: row[1:] for row in rows}
    assert len(by_id) == len(incidents)
    assert sum(1 for _ in db.execute("SELECT 1 FROM incidents_with_targets_and_operators")) == len(
        incidents
    )
    names_of = dict(db.execute("SELECT id, name FROM targets"))
    for incident in incidents:
        assert by_id[incident.id][0] == "; ".join(names_of[t] for t in incident.targets)

    denials = {r.id for r in records if r.kind == "response" and r.type == "denial"}
    assert {r for (r,) in db.execute("SELECT response_id FROM denials")} == denials
    for kind in ("operator", "target"):
        expected = dict.fromkeys([i for (i,) in db.execute(f"SELECT id FROM {kind}s")], 0)
        for incident in incidents:
            named = (
                {o.operator for o in incident.alleged_operators or ()}
                if kind == "operator"
                else set(incident.targets)
            )
            for ident in named:
                expected[ident] += 1
        counted = dict(db.execute(f"SELECT {kind}_id, incidents FROM incidents_per_{kind}"))
        assert counted == expected, kind


# --------------------------------------------------------------------------
# Datasette and its metadata


def test_datasette_serves_the_database_with_its_metadata(shipped: Path) -> None:
    from datasette.app import Datasette

    metadata = json.loads((shipped.parent / METADATA_FILE).read_text(encoding="utf-8"))
    assert metadata["license"] == DATA_LICENSE and metadata["license_url"] == DATA_LICENSE_URL
    assert metadata["source"] == "sarschema records"
    assert metadata["sarschema"]["format_version"] == "1.1"
    described = metadata["databases"]["records"]["tables"]
    for table in package().tables:
        assert described[table.name]["description"] == table.description
        assert described[table.name]["columns"] == {c.name: c.description for c in table.columns}
    for view in views():
        assert described[view.name]["description"]
    for name in ("incidents", "targets", "target_aliases"):
        assert described[name]["fts_table"] == f"{name}_fts"
        assert described[name]["searchmode"] == "escaped"
    assert {"status", "certainty"} <= set(described["incidents"]["facets"])
    assert "type" in described["responses"]["facets"] and "type" in described["operators"]["facets"]

    async def serve() -> dict[str, Any]:
        ds = Datasette([str(shipped)], metadata=metadata)
        await ds.invoke_startup()
        answers: dict[str, Any] = {}
        for key, path in {
            "database": "/records.json",
            "facets": "/records/incidents.json?_facet=status&_extra=facet_results",
            "search": "/records/incidents.json?_search=Mansoor&_shape=objects",
            "alias": "/records/target_aliases.json?_search=Lenaig&_shape=objects",
            "view": "/records/denials.json?_shape=objects",
            "metadata": "/-/metadata.json",
        }.items():
            response = await ds.client.get(path)
            assert response.status_code == 200, (path, response.text[:500])
            answers[key] = response.json()
        page = await ds.client.get("/records/incidents")
        answers["page"] = page.text
        return answers

    answers = asyncio.run(serve())
    visible = {t["name"] for t in answers["database"]["tables"] if not t["hidden"]}
    assert visible == {t.name for t in package().tables} | {INFO_TABLE}
    assert {v["name"] for v in answers["database"]["views"]} == {v.name for v in views()}
    statuses = answers["facets"]["facet_results"]["status"]["results"]
    assert sum(s["count"] for s in statuses) == 22
    assert [r["id"] for r in answers["search"]["rows"]] == ["ahmed-mansoor-2016-pegasus"]
    assert "lenaig-bredoux" in {r["target_id"] for r in answers["alias"]["rows"]}
    assert answers["view"]["rows"]
    assert answers["metadata"]["databases"]["records"]["tables"]["incidents"]["columns"]["title"]
    title = described["incidents"]["columns"]["title"]
    assert title in answers["page"] and DATA_LICENSE in answers["page"]


# --------------------------------------------------------------------------
# Writing: the two files, determinism, refusals


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_cli_layout_and_a_byte_identical_re_export(
    tmp_path: Path, records: list[Record]
) -> None:
    out = tmp_path / "build" / "records.db"
    assert export_sqlite([SHIPPED], out).ok
    metadata = out.with_name(METADATA_FILE)
    first = (_digest(out), _digest(metadata))
    assert export_sqlite([SHIPPED], out, jobs=1).ok  # replaced, in another file order
    assert (_digest(out), _digest(metadata)) == first
    assert sorted(p.name for p in out.parent.iterdir()) == ["metadata.json", "records.db"]
    assert not list(tmp_path.rglob(".sarschema-export-*"))
    # records handed over directly, in another order, give the same bytes
    direct = tmp_path / "direct" / "records.db"
    assert write_sqlite(reversed(records), direct) == [direct, direct.with_name(METADATA_FILE)]
    assert (_digest(direct), _digest(direct.with_name(METADATA_FILE))) == first
    # the database is named in the metadata as Datasette names it: the file's stem
    other = tmp_path / "other" / "sar.sqlite"
    assert export_sqlite([SHIPPED], other).ok
    assert list(json.loads(other.with_name(METADATA_FILE).read_text())["databases"]) == ["sar"]


def test_an_invalid_set_writes_nothing(tmp_path: Path) -> None:
    tree = tmp_path / "records"
    shutil.copytree(SHIPPED, tree)
    target = tree / "targets" / "ahmed-mansoor.yaml"
    target.write_text(
        target.read_text(encoding="utf-8").replace("type: person", "type: human"),
        encoding="utf-8",
    )
    out = tmp_path / "build" / "records.db"
    report = export_sqlite([tree], out)
    assert not report.ok
    assert not out.exists() and not out.with_name(METADATA_FILE).exists()
    assert not (tmp_path / "build").exists()
    # an earlier export stays as it was
    out.parent.mkdir()
    out.write_bytes(b"earlier")
    assert not export_sqlite([tree], out).ok
    assert out.read_bytes() == b"earlier" and not out.with_name(METADATA_FILE).exists()


def test_links_and_folders_are_refused(tmp_path: Path, base_tree: Path) -> None:
    build = tmp_path / "build"
    build.mkdir()
    (build / METADATA_FILE).symlink_to(tmp_path / "elsewhere.json")
    with pytest.raises(UsageError, match="symbolic link"):
        export_sqlite([base_tree], build / "records.db")
    assert not (build / "records.db").exists() and not (tmp_path / "elsewhere.json").exists()
    with pytest.raises(UsageError, match="folder"):
        export_sqlite([base_tree], build)
    with pytest.raises(UsageError, match="metadata"):
        export_sqlite([base_tree], tmp_path / "x" / METADATA_FILE)


def test_an_older_set_names_its_version(base_tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "old.db"
    assert export_sqlite([base_tree], out).ok
    info = dict(sqlite3.connect(out).execute(f"SELECT key, value FROM {INFO_TABLE}"))
    assert info["format_version"] == "1.0" and info["tables_format_version"] == "1.1"
    assert info["license"] == DATA_LICENSE
    metadata = json.loads(out.with_name(METADATA_FILE).read_text(encoding="utf-8"))
    assert metadata["sarschema"]["format_version"] == "1.0"
    assert "format 1.0, in the tables of format 1.1" in metadata["description"]


def _build(records: list[Record], folder: Path) -> SQLiteExporter:
    exporter = SQLiteExporter(folder)
    exporter.format_version = records_version(records)
    try:
        for record in records:
            exporter.write(record_cells(record))
        exporter.finalize()
    finally:
        exporter.close()
    return exporter


@pytest.mark.parametrize("flush", [1, 3, SQLiteExporter.FLUSH])
@pytest.mark.parametrize("order", ["files", "reversed", "shuffled"])
def test_rows_straight_in_or_sorted_at_the_end_give_the_same_bytes(
    shipped: Path,
    records: list[Record],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    flush: int,
    order: str,
) -> None:
    """A table's rows go straight in while its keys rise, else through the staging
    file, with the rows it already holds moved there (with `FLUSH` at 1 every
    record's rows are written before the next comes): whatever the mix, the database
    is the one `export_to` wrote, byte for byte."""
    chosen = list(records)  # file order, as `export_to` gives them
    if order == "reversed":
        chosen.reverse()
    elif order == "shuffled":
        random.Random(flush).shuffle(chosen)
    monkeypatch.setattr(SQLiteExporter, "FLUSH", flush)
    exporter = _build(chosen, tmp_path)
    assert _digest(tmp_path / "records.db") == _digest(shipped)
    assert "operators" in exporter.sorted_at_end  # parents first: always sorted at the end
    # in file order, incidents' ids rise; otherwise their table turns at some record
    assert ("incidents" in exporter.sorted_at_end) is (order != "files")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["metadata.json", "records.db"]


def test_a_key_twice_or_a_required_cell_empty_is_an_internal_error(
    records: list[Record], tmp_path: Path
) -> None:
    incident = next(r for r in records if r.kind == "incident")
    with pytest.raises(InternalError, match="UNIQUE"):
        _build([incident, incident], tmp_path / "twice")  # the second does not rise
    header = next(t.header for t in package().tables if t.name == "incidents")
    title = header.index("title")
    payload = [
        (name, (*cells[:title], None, *cells[title + 1 :]) if name == "incidents" else cells)
        for name, cells in record_cells(incident)
    ]
    exporter = SQLiteExporter(tmp_path / "empty")
    exporter.format_version = records_version([incident])
    try:
        exporter.write(payload)
        with pytest.raises(InternalError, match="NOT NULL"):
            exporter.finalize()
    finally:
        exporter.close()
    assert not [p for p in (tmp_path / "empty").iterdir() if p.suffix == ".sqlite3"]


def test_a_thousand_generated_records(tmp_path: Path) -> None:
    from generate import generate

    counts = generate(tmp_path / "gen", 1000, 7)
    out = tmp_path / "gen.db"
    report = export_sqlite([tmp_path / "gen"], out)
    assert report.ok and report.files == sum(counts.values()) == 1000
    db = _connect(out)
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    for table, count in counts.items():
        assert db.execute(f"SELECT count(*) FROM {table}").fetchone() == (count,)
    for view in views():
        assert db.execute(f"SELECT count(*) FROM [{view.name}]").fetchone()[0] > 0, view.name
