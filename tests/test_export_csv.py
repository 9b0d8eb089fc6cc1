"""The CSV data package: every value comes back, cells are safe, Frictionless accepts it.

The round trip rebuilds every record from the tables alone (read with the csv
module and `restore_cell`) and compares it, field by field, with
`record.model_dump(mode="json", exclude_none=True)`. Every non-empty cell must
be used by the rebuild, and every row must belong to a record, so a value
written nowhere or a row written twice fails the test.

The tables follow the newest format (1.1) for a set of either version: a 1.0
set leaves the 1.1 columns empty, and a 1.1 set (`records_v11`) fills them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from frictionless import Report, validate
from hypothesis import given
from hypothesis import strategies as st

from records_v11 import write_v11
from sarschema.__about__ import FORMAT_VERSION, __version__
from sarschema.api import validate_paths
from sarschema.errors import UsageError
from sarschema.export.csv import FORMULA_STARTS, neutralise_cell, restore_cell, write_csv
from sarschema.models import Operator, RecordBase
from sarschema.versions import VERSION_FILE, version_text

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "records"
BASE = ROOT / "tests" / "cases" / "_base" / "records"
BOM = b"\xef\xbb\xbf"
PRECISION = {4: "year", 7: "month", 10: "day"}
KIND_TABLES = {
    "incident": "incidents",
    "target": "targets",
    "operator": "operators",
    "response": "responses",
}

# Records whose texts hold what breaks naive CSV and spreadsheets: commas,
# double quotes, newlines, accents, Arabic, `;`, leading =, +, -, @ and '.
TRICKY = {
    "targets/tricky-target.yaml": """\
id: tricky-target
kind: target
name: "=1+1"
visibility: public
type: person
roles: [journalist, activist]
aliases:
  - "Omar, \\"the editor\\""
  - عمر الراضي
  - "'=quoted formula"
  - "+plus"
nationalities: [MA, FR]
residence: FR
exiled: false
affiliations:
  - "Le Desk; Mediapart"
  - "-minus, Lénaïg"
related:
  - target: journalist-a
    relation: friend
  - name: "@handle"
    relation: colleague
sources:
  - title: "\\"Quoted\\" title, with a comma; and a semicolon"
    publisher: Société générale de presse
    published: 2021
    language: fr
    url: https://example.org/a?b=1,2
    archived_url: https://web.archive.org/web/2021/https://example.org/a
    notes: |
      First line, with a comma.
      Second line: "quoted" and 'single'; then =SUM(A1:A2)
notes: "'just a leading quote"
""",
    "incidents/tricky-incident.yaml": """\
id: tricky-incident
kind: incident
title: "-Minus first, \\"quotes\\", accents: é à ü"
summary: |
  Line one, with a comma.
  Line two in Arabic: هذا نص عربي، مع فاصلة.
  =HYPERLINK("https://example.org","click"); @cmd
date: 2019
date_end: 2020-02
targets: [tricky-target, journalist-b]
alleged_operators:
  - operator: agency-a
    attribution: confirmed
  - operator: tricky-operator
    attribution: alleged
spyware: [spyware-a]
status: attempted
evidence: [testimony, forensic-analysis, media-report]
forensic_analyses:
  - by: "=Lab, \\"Example\\""
    result: attempt-found
    date: 2020
    method: "=cmd|' /C calc'!A0"
    peer_review: "@reviewer"
  - by: Second Lab
    result: inconclusive
vectors: [one-click, network-injection]
platforms: [android, ios]
location: EH
translations:
  ar:
    title: عنوان بالعربية
    summary: "ملخص، مع فاصلة; و\\"علامات\\""
  es: {}
  fr:
    summary: "+Résumé en français"
sources:
  - title: Original report
    publisher: Example Rights Group
    published: 2020-02-03
    language: en
    url: https://example.org/original
  - title: "@Traduction"
    publisher: Exemple Média
    published: 2020-02
    language: fr
    translation_of: https://example.org/original
""",
    "operators/tricky-operator.yaml": """\
id: tricky-operator
kind: operator
name: "+Unknown actor, \\"X\\""
type: unknown
aliases: ["-alias", "الجهة", "a;b"]
parent: state-a
sources:
  - title: Report
    publisher: "@Publisher"
    published: 2022-11
    language: ar
notes: |
  Two
  lines
""",
    "responses/tricky-response.yaml": """\
id: tricky-response
kind: response
title: "=Coalition demands, \\"now\\""
summary: "Arabic: بيان; accents: é"
type: call-to-action
date: 2022-03
by:
  - operator: vendor-a
  - target: tricky-target
  - name: "Coalition \\"Stop\\", Inc"
    type: coalition
  - name: "-Person"
    type: individual
    country: FR
about:
  incidents: [tricky-incident, journalist-a-2020]
  targets: [tricky-target]
  operators: [tricky-operator, vendor-a]
demands:
  - "=SUM(A1:A2)"
  - "Stop; now, please"
  - "'leading quote"
  - |
    Multi
    line
status: concluded
translations:
  ar:
    title: "@عنوان"
sources:
  - title: Statement
    publisher: Example Rights Group
    published: 2022-03-01
    language: en
    url: https://example.org/statement
""",
}


# --------------------------------------------------------------------------
# Helpers: read the package back, rebuild the records


def read_table(out: Path, name: str, *, restore: bool = True) -> list[dict[str, str]]:
    with (out / f"{name}.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    if restore:
        rows = [{k: restore_cell(v) for k, v in row.items()} for row in rows]
    return rows


class Row:
    """A row being read back; remembers which cells were used."""

    def __init__(self, cells: dict[str, str]) -> None:
        self.cells = cells
        self.used: set[str] = set()

    def get(self, name: str) -> str | None:
        self.used.add(name)
        return self.cells[name] or None

    def fields(self, *names: str) -> dict[str, Any]:
        return {n: v for n in names if (v := self.get(n)) is not None}

    def lists(self, *names: str) -> dict[str, Any]:
        return {n: v.split(";") for n in names if (v := self.get(n)) is not None}

    def date(self, name: str) -> dict[str, Any]:
        value, precision = self.get(name), self.get(f"{name}_precision")
        earliest, latest = self.get(f"{name}_earliest"), self.get(f"{name}_latest")
        if value is None:
            assert precision is None and earliest is None and latest is None
            return {}
        assert precision == PRECISION[len(value)], (name, value, precision)
        # the bounds: the first and last day the partial date covers, as ISO dates
        assert earliest is not None and latest is not None, name
        assert earliest.startswith(value) and latest.startswith(value), (value, earliest, latest)
        first, last = dt.date.fromisoformat(earliest), dt.date.fromisoformat(latest)
        assert first == dt.date(
            first.year, first.month if len(value) > 4 else 1, 1 if len(value) < 10 else first.day
        )
        assert (last + dt.timedelta(days=1)).isoformat()[: len(value)] != value
        return {name: value}

    def unused(self) -> set[str]:
        return {k for k, v in self.cells.items() if v and k not in self.used}


class Table:
    """The rows of one table grouped by owner, taken by the rebuild."""

    def __init__(self, out: Path, name: str, *key: str, ordered: bool = True) -> None:
        self.name = name
        self.ordered = ordered
        self.rows = [Row(cells) for cells in read_table(out, name)]
        self.groups: dict[tuple[str, ...], list[Row]] = defaultdict(list)
        for row in self.rows:
            self.groups[tuple(row.get(k) or "" for k in key)].append(row)

    def take(self, *key: str) -> list[Row]:
        rows = self.groups.pop(key, [])
        if self.ordered:
            rows.sort(key=lambda r: int(r.get("position") or "-1"))
            positions = [int(r.get("position") or "-1") for r in rows]
            assert positions == list(range(len(rows))), (self.name, key, positions)
        return rows

    def check_all_read(self) -> None:
        assert not self.groups, f"{self.name}: rows of no record: {list(self.groups)}"
        for row in self.rows:
            assert not row.unused(), f"{self.name}: cells not read back: {row.unused()}"


TYPED = ("incident_id", "target_id", "operator_id", "response_id")


def rebuild(out: Path) -> dict[str, dict[str, Any]]:
    """Every record as a dict, from the tables alone."""
    kinds = {kind: Table(out, table, "id", ordered=False) for kind, table in KIND_TABLES.items()}
    sources = Table(out, "sources", "record_id")
    translations = Table(out, "translations", "record_id", ordered=False)
    products = Table(out, "products", "operator_id")
    links = {
        name: Table(out, name, owner)
        for name, owner in [
            ("incident_targets", "incident_id"),
            ("incident_operators", "incident_id"),
            ("incident_spyware", "incident_id"),
            ("incident_forensic_analyses", "incident_id"),
            ("target_roles", "target_id"),
            ("target_related", "target_id"),
            ("target_aliases", "target_id"),
            ("target_affiliations", "target_id"),
            ("operator_aliases", "operator_id"),
            ("response_by", "response_id"),
            ("response_demands", "response_id"),
        ]
    }
    about = Table(out, "response_about", "response_id", "kind")

    def about_id(r: Row, kind: str) -> str:
        """`id`, also in the typed column of its kind, and in no other."""
        typed = "subject" if kind == "subject" else f"{kind}_id"
        assert r.get(typed) == r.get("id"), (kind, r.cells)
        others = ("incident_id", "target_id", "operator_id", "product_id", "subject")
        assert not [k for k in others if k != typed and r.get(k)]
        return r.get("id") or ""

    def each(table: Table) -> Iterator[tuple[str, Row]]:
        for key in list(table.groups):
            (row,) = table.take(*key)  # one row per id
            yield key[0], row

    def link(name: str, owner: str, column: str) -> list[str]:
        return [row.get(column) or "" for row in links[name].take(owner)]

    def original(s: Row) -> dict[str, Any]:
        """`translation_of`: a bare URL, unless another of its columns is filled."""
        url = s.get("translation_of")
        known = {
            name.removeprefix("translation_of_"): value
            for name, value in (
                s.fields("translation_of_language", "translation_of_publisher")
                | s.fields("translation_of_title")
                | s.date("translation_of_published")
            ).items()
        }
        if known:
            return {"translation_of": ({"url": url} if url else {}) | known}
        return {"translation_of": url} if url else {}

    def common(rid: str, kind: str) -> dict[str, Any]:
        listed = []
        for s in sources.take(rid):
            assert s.get("record_kind") == kind
            assert s.get(f"{kind}_id") == rid  # the typed id, and no other
            assert not [k for k in TYPED if k != f"{kind}_id" and s.cells.get(k)]
            listed.append(
                s.fields("title", "publisher")
                | s.date("published")
                | s.fields("language", "url", "archived_url", "notes")
                | original(s)
            )
        return {"id": rid, "kind": kind, "sources": listed}

    def translated(rid: str, kind: str) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for t in translations.take(rid):
            assert t.get("record_kind") == kind
            assert t.get(f"{kind}_id") == rid
            assert not [k for k in TYPED if k != f"{kind}_id" and t.cells.get(k)]
            found[t.get("language") or ""] = t.fields("title", "summary")
        return {"translations": found}

    records: dict[str, dict[str, Any]] = {}
    for rid, row in each(kinds["incident"]):
        records[rid] = (
            common(rid, "incident")
            | row.fields("title", "summary")
            | row.date("date")
            | row.date("date_end")
            | row.date("revealed")
            | row.fields("status", "location", "certainty", "notes")
            | row.lists("evidence", "vectors", "platforms")
            | {
                "targets": link("incident_targets", rid, "target_id"),
                "alleged_operators": [
                    r.fields("operator_id", "attribution")
                    for r in links["incident_operators"].take(rid)
                ],
                "spyware": link("incident_spyware", rid, "product_id"),
                "forensic_analyses": [
                    r.fields("by", "result") | r.date("date") | r.fields("method", "peer_review")
                    for r in links["incident_forensic_analyses"].take(rid)
                ],
            }
            | translated(rid, "incident")
        )
        for alleged in records[rid]["alleged_operators"]:
            alleged["operator"] = alleged.pop("operator_id")
    for rid, row in each(kinds["target"]):
        related = []
        for r in links["target_related"].take(rid):
            entry = r.fields("related_target_id", "related_name", "relation")
            assert ("related_target_id" in entry) != ("related_name" in entry)
            if "related_target_id" in entry:
                entry["target"] = entry.pop("related_target_id")
            else:
                entry["name"] = entry.pop("related_name")
            related.append(entry)
        roles: list[Any] = []
        for r in links["target_roles"].take(rid):
            entry = r.fields("role", "held") | r.date("as_of")
            roles.append(entry if len(entry) > 1 else entry["role"])  # a bare role: alone
        exiled = row.get("exiled")
        assert exiled in (None, "true", "false")
        records[rid] = (
            common(rid, "target")
            | row.fields("name", "visibility", "type", "residence", "notes")
            | row.lists("nationalities")
            | ({} if exiled is None else {"exiled": exiled == "true"})
            | {
                "roles": roles,
                "aliases": link("target_aliases", rid, "alias"),
                "affiliations": link("target_affiliations", rid, "affiliation"),
                "related": related,
            }
        )
    for rid, row in each(kinds["operator"]):
        records[rid] = (
            common(rid, "operator")
            | row.fields("name", "type", "country", "parent", "notes")
            | {
                "aliases": link("operator_aliases", rid, "alias"),
                "products": [p.fields("id", "name") for p in products.take(rid)],
            }
        )
    for rid, row in each(kinds["response"]):
        by = []
        for r in links["response_by"].take(rid):
            entry = {
                name.removeprefix("by_"): value
                for name, value in r.fields(
                    "operator_id", "target_id", "by_name", "by_type", "by_country"
                ).items()
            }
            if "operator_id" in entry:
                by.append({"operator": entry.pop("operator_id")})
            elif "target_id" in entry:
                by.append({"target": entry.pop("target_id")})
            else:
                by.append(entry)
            assert not entry.keys() & {"operator_id", "target_id"}
        records[rid] = (
            common(rid, "response")
            | row.fields("title", "summary", "type", "status", "notes")
            | row.date("date")
            | {
                "by": by,
                "about": {
                    f"{kind}s": [about_id(r, kind) for r in about.take(rid, kind)]
                    for kind in ("incident", "target", "operator", "product", "subject")
                },
                "demands": link("response_demands", rid, "demand"),
            }
            | translated(rid, "response")
        )

    tables = [*kinds.values(), sources, translations, products, about, *links.values()]
    for table in tables:
        table.check_all_read()
    assert len(records) == sum(len(t.rows) for t in kinds.values()), "an id in two tables"
    return {rid: without_empty(record) for rid, record in records.items()}


def without_empty(record: dict[str, Any]) -> dict[str, Any]:
    """Drop empty lists and maps: the package writes an empty list like an absent one."""
    out = {k: v for k, v in record.items() if v not in ([], {})}
    if "about" in out:
        out["about"] = {k: v for k, v in out["about"].items() if v != []}
    return out


def as_written(record: RecordBase) -> dict[str, Any]:
    """The record's data, with `translation_of: {url: X}` as the bare `X` it equals: the
    package writes a bare value as the mapping with only the field of its type, so the
    two spellings are one row. (A role mapping needs `held` and `as_of`: no such case.)"""
    data = without_empty(record.model_dump(mode="json", exclude_none=True))
    for source in data["sources"]:
        if isinstance(source.get("translation_of"), dict) and source["translation_of"].keys() == {
            "url"
        }:
            source["translation_of"] = source["translation_of"]["url"]
    return data


def assert_round_trip(records: list[RecordBase], out: Path) -> None:
    rebuilt = rebuild(out)
    assert sorted(rebuilt) == sorted(r.id for r in records)
    for record in records:
        expected = as_written(record)
        got = rebuilt[record.id]
        assert sorted(got) == sorted(expected), record.id
        for field, value in expected.items():
            assert got[field] == value, (record.id, field)


def valid_records(root: Path) -> list[RecordBase]:
    report = validate_paths([root])
    assert report.ok, [d.message for d in report.diagnostics]
    return report.records


def problems(report: Report) -> list[tuple[str, str, str]]:
    """(table, error type, message) of every error Frictionless found."""
    return [
        (task.name, error.type, error.message) for task in report.tasks for error in task.errors
    ] + [("package", error.type, error.message) for error in report.errors]


@pytest.fixture
def tricky_tree(base_tree: Path) -> Path:
    """The base set with tricky values, in the shipped set's format (1.1), so that both
    can be exported together (an export states one version)."""
    for name, text in TRICKY.items():
        (base_tree / name).write_text(text, encoding="utf-8")
    (base_tree / "sarschema.yaml").write_text('format_version: "1.1"\n', encoding="utf-8")
    return base_tree


@pytest.fixture
def v11_tree(base_tree: Path) -> Path:
    """The base set in format 1.1, with a record for every construct new in 1.1."""
    return write_v11(base_tree)


# --------------------------------------------------------------------------
# Tests


@pytest.mark.parametrize("which", ["shipped", "base", "tricky", "v11"])
def test_every_value_comes_back(which: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    root = {"shipped": SHIPPED, "base": BASE}.get(which) or request.getfixturevalue(f"{which}_tree")
    records = valid_records(root)
    out = tmp_path / "csv"
    written = write_csv(records, out)
    assert sorted(p.name for p in written) == sorted(p.name for p in out.iterdir())
    assert_round_trip(records, out)


def test_rows_held_back_are_written_in_order_whatever_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The exporter holds rows' texts before writing them; written after every record
    or once at the end, the package is the same, byte for byte."""
    import sarschema.export.csv as module

    records = valid_records(SHIPPED)
    monkeypatch.setattr(module, "_PENDING_LIMIT", 0)
    each = write_csv(records, tmp_path / "each")
    monkeypatch.setattr(module, "_PENDING_LIMIT", 1 << 40)
    once = write_csv(records, tmp_path / "once")
    assert [p.name for p in each] == [p.name for p in once]
    for a, b in zip(each, once, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    incidents = (tmp_path / "each" / "incidents.csv").read_bytes()
    assert incidents.count(b"\r\n") == 1 + sum(r.kind == "incident" for r in records)


def test_tricky_records_are_really_tricky(tricky_tree: Path, tmp_path: Path) -> None:
    """The tricky set holds every awkward character the round trip must survive."""
    records = valid_records(tricky_tree)
    texts = json.dumps([r.model_dump(mode="json") for r in records], ensure_ascii=False)
    for needle in [",", '\\"', "\\n", ";", "é", "ع", '"=', '"+', '"-', '"@', "\"'"]:
        assert needle in texts, needle
    out = tmp_path / "csv"
    write_csv(records, out)
    raw = (out / "target_aliases.csv").read_bytes().decode("utf-8-sig")
    assert ',"Omar, ""the editor"""\r\n' in raw  # quoted, inner quotes doubled (RFC 4180)
    raw = (out / "sources.csv").read_bytes().decode("utf-8-sig")
    assert '"First line, with a comma.\nSecond line' in raw  # the newline kept inside quotes


def test_rows_per_kind(tricky_tree: Path, tmp_path: Path) -> None:
    records = valid_records(SHIPPED) + valid_records(tricky_tree)
    out = tmp_path / "csv"
    write_csv(records, out)
    counts = Counter(r.model_dump(include={"kind"})["kind"] for r in records)
    for kind, table in KIND_TABLES.items():
        assert len(read_table(out, table)) == counts[kind], kind
    products = sum(len(r.products or ()) for r in records if isinstance(r, Operator))
    assert len(read_table(out, "products")) == products
    assert len(read_table(out, "sources")) == sum(len(r.sources) for r in records)


def test_formula_cells_are_neutralised(tricky_tree: Path, tmp_path: Path) -> None:
    records = valid_records(tricky_tree)
    safe, raw = tmp_path / "safe", tmp_path / "raw"
    write_csv(records, safe)
    write_csv(records, raw, raw=True)

    def name_of(out: Path) -> str:
        (row,) = [
            r for r in read_table(out, "targets", restore=False) if r["id"] == "tricky-target"
        ]
        return row["name"]

    assert name_of(safe) == "'=1+1"
    assert name_of(raw) == "=1+1"
    assert restore_cell(name_of(safe)) == "=1+1"
    starts = (*FORMULA_STARTS, "'")
    for out in (safe, raw):
        demands = [r["demand"] for r in read_table(out, "response_demands", restore=False)]
        if out == safe:
            assert "'=SUM(A1:A2)" in demands and "''leading quote" in demands
            for table in out.glob("*.csv"):
                for row in read_table(out, table.stem, restore=False):
                    for cell in row.values():
                        assert not cell.startswith(FORMULA_STARTS), (table.name, cell)
                        if cell.startswith("'"):
                            assert cell[1:].startswith(starts), (table.name, cell)
        else:
            assert "=SUM(A1:A2)" in demands and "'leading quote" in demands
    assert json.loads((safe / "datapackage.json").read_text("utf-8"))["sarschema"]["neutralised"]
    assert not json.loads((raw / "datapackage.json").read_text("utf-8"))["sarschema"]["neutralised"]


@given(st.text())
def test_neutralisation_is_reversible(value: str) -> None:
    cell = neutralise_cell(value)
    assert restore_cell(cell) == value
    assert not cell.startswith(FORMULA_STARTS)


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("\nx", "'\nx"),
        ("'=1+1", "''=1+1"),
        ("'plain", "''plain"),
        ("plain", "plain"),
        ("a=1", "a=1"),
        ("", ""),
    ],
)
def test_neutralisation_rule(value: str, cell: str) -> None:
    assert neutralise_cell(value) == cell
    assert restore_cell(cell) == value


def test_files_are_utf8_with_bom_and_crlf(tricky_tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "csv"
    written = write_csv(valid_records(tricky_tree), out)
    csvs = [p for p in written if p.suffix == ".csv"]
    assert len(csvs) == 20  # the 19 tables and incidents_flat
    for path in csvs:
        data = path.read_bytes()
        assert data.startswith(BOM), path.name
        header, _, _rest = data[len(BOM) :].partition(b"\r\n")
        assert b"\n" not in header and b"\r" not in header
        assert data.endswith(b"\r\n"), path.name
        data.decode("utf-8-sig")  # valid UTF-8
    arabic = (out / "translations.csv").read_bytes().decode("utf-8-sig")
    assert "عنوان بالعربية" in arabic


def test_dates_keep_their_precision(tricky_tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "csv"
    write_csv(valid_records(tricky_tree), out)
    (incident,) = [r for r in read_table(out, "incidents") if r["id"] == "tricky-incident"]
    assert (incident["date"], incident["date_precision"]) == ("2019", "year")
    assert (incident["date_end"], incident["date_end_precision"]) == ("2020-02", "month")
    seen: Counter[str] = Counter()
    for table in out.glob("*.csv"):
        for row in read_table(out, table.stem):
            for column, precision in row.items():
                if column.endswith("_precision"):
                    value = row[column.removesuffix("_precision")]
                    assert precision == (PRECISION[len(value)] if value else ""), (table, row)
                    seen[precision] += 1
    assert {"year", "month", "day"} <= set(seen)


@pytest.mark.parametrize("raw", [False, True])
def test_frictionless_validates_the_package(raw: bool, tricky_tree: Path, tmp_path: Path) -> None:
    records = valid_records(SHIPPED) + valid_records(tricky_tree)
    out = tmp_path / "csv"
    write_csv(records, out, raw=raw)
    report = validate(out / "datapackage.json")
    assert report.valid, problems(report)
    assert len(report.tasks) == 20
    assert all(task.stats["rows"] is not None for task in report.tasks)


def test_frictionless_catches_a_broken_foreign_key(base_tree: Path, tmp_path: Path) -> None:
    """The foreign keys are really checked: a dangling target id fails validation."""
    out = tmp_path / "csv"
    write_csv(valid_records(base_tree), out)
    path = out / "incident_targets.csv"
    path.write_bytes(path.read_bytes().replace(b",journalist-b\r\n", b",nobody-here\r\n"))
    report = validate(out / "datapackage.json")
    assert not report.valid
    ((table, kind, message),) = problems(report)
    assert (table, kind) == ("incident_targets", "foreign-key")
    assert '"nobody-here" not found in the lookup table "targets"' in message


def test_package_descriptor(tmp_path: Path, base_tree: Path) -> None:
    out = tmp_path / "csv"
    write_csv(valid_records(base_tree), out)
    package = json.loads((out / "datapackage.json").read_text("utf-8"))
    assert package["profile"] == "tabular-data-package"
    # the records' version (a set without a version file is 1.0); the tables' the newest
    assert package["sarschema"]["format_version"] == "1.0"
    assert package["sarschema"]["tables_format_version"] == FORMAT_VERSION == "1.1"
    assert package["description"].startswith(
        "Records of the sarschema format 1.0, in the tables of format 1.1"
    )
    assert __version__ in package["sarschema"]["generator"]
    assert "'" in package["description"] and ";" in package["description"]
    resources = {r["name"]: r for r in package["resources"]}
    for resource in resources.values():
        assert resource["encoding"] == "utf-8"
        assert resource["dialect"]["lineTerminator"] == "\r\n"
        assert (out / resource["path"]).exists()
        with (out / resource["path"]).open(encoding="utf-8-sig", newline="") as handle:
            header = next(csv.reader(handle))
        assert header == [f["name"] for f in resource["schema"]["fields"]]
        assert all(
            f["type"] in ("string", "integer", "boolean", "date")
            for f in resource["schema"]["fields"]
        )
        assert all(f.get("description") for f in resource["schema"]["fields"])
        assert resource["schema"]["primaryKey"]
    foreign = {
        (name, fk["fields"], fk["reference"]["resource"] or name)
        for name, r in resources.items()
        for fk in r["schema"].get("foreignKeys", [])
    }
    assert {
        ("incident_targets", "incident_id", "incidents"),
        ("incident_targets", "target_id", "targets"),
        ("incident_operators", "operator_id", "operators"),
        ("incident_spyware", "product_id", "products"),
        ("products", "operator_id", "operators"),
        ("operators", "parent", "operators"),
        ("target_related", "related_target_id", "targets"),
        ("target_roles", "target_id", "targets"),
        ("response_by", "operator_id", "operators"),
        ("response_by", "target_id", "targets"),
    } <= foreign
    date = next(f for f in resources["incidents"]["schema"]["fields"] if f["name"] == "date")
    assert date["type"] == "string" and "pattern" not in date.get("constraints", {})
    published = next(
        f for f in resources["sources"]["schema"]["fields"] if f["name"] == "published"
    )
    assert "(?:" not in published["constraints"]["pattern"]  # SQLAlchemy misreads `(?:19`
    bounds = [
        f for f in resources["incidents"]["schema"]["fields"] if f["name"].startswith("date_")
    ]
    assert [(f["name"], f["type"]) for f in bounds if f["type"] == "date"] == [
        ("date_earliest", "date"),
        ("date_latest", "date"),
        ("date_end_earliest", "date"),
        ("date_end_latest", "date"),
    ]


def test_empty_list_is_written_like_an_absent_one(base_tree: Path, tmp_path: Path) -> None:
    path = base_tree / "targets" / "journalist-b.yaml"
    path.write_text(path.read_text("utf-8") + "aliases: []\nnationalities: []\n", encoding="utf-8")
    records = valid_records(base_tree)
    out = tmp_path / "csv"
    write_csv(records, out)
    (row,) = [r for r in read_table(out, "targets") if r["id"] == "journalist-b"]
    assert row["nationalities"] == ""
    assert not [r for r in read_table(out, "target_aliases") if r["target_id"] == "journalist-b"]
    assert_round_trip(records, out)


# --------------------------------------------------------------------------
# Format 1.1


def rows_of(out: Path, table: str, **match: str) -> list[list[str]]:
    """The cells of the rows whose columns equal `match`, in file order, header first."""
    rows = read_table(out, table)
    header = list(rows[0]) if rows else []
    picked = [r for r in rows if all(r[k] == v for k, v in match.items())]
    return [header, *([r[c] for c in header] for r in picked)]


def test_a_1_1_set_fills_the_new_columns(v11_tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "csv"
    write_csv(valid_records(v11_tree), out)

    # roles: a table; a held role fills held and as_of, a bare role is `role` alone
    assert rows_of(out, "target_roles", target_id="person-e") == [
        [
            "target_id",
            "position",
            "role",
            "held",
            "as_of",
            "as_of_precision",
            "as_of_earliest",
            "as_of_latest",
        ],
        [
            "person-e",
            "0",
            "government-official",
            "former",
            "2021-07",
            "month",
            "2021-07-01",
            "2021-07-31",
        ],
        ["person-e", "1", "journalist", "", "", "", "", ""],
        ["person-e", "2", "politician", "current", "2022", "year", "2022-01-01", "2022-12-31"],
    ]
    assert "roles" not in read_table(out, "targets")[0]
    assert rows_of(out, "target_related", target_id="person-e")[1:] == [
        ["person-e", "0", "journalist-a", "", "client"],
        ["person-e", "1", "", "Person F", "lawyer"],
    ]

    # translation_of: a mapping, a bare URL and a mapping without a URL, as columns
    header, *sources = rows_of(out, "sources", record_id="person-e")
    assert header[header.index("archived_url") :] == [
        "archived_url",
        "translation_of",
        "translation_of_language",
        "translation_of_publisher",
        "translation_of_title",
        "translation_of_published",
        "translation_of_published_precision",
        "translation_of_published_earliest",
        "translation_of_published_latest",
        "notes",
    ]
    start = header.index("translation_of")
    assert [row[start:-1] for row in sources] == [
        [
            "https://example.org/reports/leaked-list",
            "en",
            "Example Rights Group",
            "Example report: journalists on a leaked list",
            "2021-07-18",
            "day",
            "2021-07-18",
            "2021-07-18",
        ],
        ["https://example.org/reports/leaked-list", "", "", "", "", "", "", ""],
        ["", "ar", "", "", "2021-06", "month", "2021-06-01", "2021-06-30"],
    ]

    # revealed without date, and certainty: cells of the incident
    incidents = {r["id"]: r for r in read_table(out, "incidents")}
    new = incidents["person-e-2022"]
    dates = ("date", "date_precision", "date_end", "date_end_precision")
    assert not any(new[c] for c in dates)
    assert (new["revealed"], new["revealed_precision"], new["certainty"]) == (
        "2022-03",
        "month",
        "possible",
    )
    old = incidents["journalist-a-2020"]
    assert (old["date"], old["revealed"], old["revealed_precision"], old["certainty"]) == (
        "2020-03",
        "2021-07-18",
        "day",
        "stated",
    )

    # about: products and subjects are kinds of `response_about`
    assert rows_of(out, "response_about", response_id="licence-a") == [
        # `id`, and the same in the column of its kind, which has a foreign key
        [
            "response_id",
            "kind",
            "position",
            "id",
            "incident_id",
            "target_id",
            "operator_id",
            "product_id",
            "subject",
        ],
        ["licence-a", "operator", "0", "vendor-a", "", "", "vendor-a", "", ""],
        ["licence-a", "product", "0", "spyware-a", "", "", "", "spyware-a", ""],
        ["licence-a", "subject", "0", "surveillance-trade", *[""] * 4, "surveillance-trade"],
        ["licence-a", "subject", "1", "unnamed-people", *[""] * 4, "unnamed-people"],
    ]
    package = json.loads((out / "datapackage.json").read_text("utf-8"))
    assert package["sarschema"]["format_version"] == "1.1"
    assert package["description"].startswith("Records of the sarschema format 1.1: ")


def test_a_1_0_set_leaves_the_new_columns_empty(base_tree: Path, tmp_path: Path) -> None:
    """The same records as a 1.0 set (1.0 models) and as a 1.1 set (1.1 models) give the
    same tables: only the descriptor's version differs."""
    old, new = tmp_path / "1.0", tmp_path / "1.1"
    records = valid_records(base_tree)
    assert {type(r).__module__ for r in records} != {"sarschema.models.v1_1"}
    write_csv(records, old)
    (base_tree / VERSION_FILE).write_text(version_text("1.1"), encoding="utf-8")
    records = valid_records(base_tree)
    assert {type(r).__module__ for r in records} == {"sarschema.models.v1_1"}
    write_csv(records, new)
    for path in sorted(new.glob("*.csv")):
        assert (old / path.name).read_bytes() == path.read_bytes(), path.name
    assert rows_of(old, "target_roles", target_id="journalist-a")[1:] == [
        ["journalist-a", "0", "journalist", "", "", "", "", ""],
        ["journalist-a", "1", "editor", "", "", "", "", ""],
    ]
    (translated,) = [r for r in read_table(old, "sources") if r["translation_of"]]
    assert translated["translation_of"] == "https://example.org/reports/leaked-list"
    assert not any(v for k, v in translated.items() if k.startswith("translation_of_"))
    assert not any(r["revealed"] or r["certainty"] for r in read_table(old, "incidents"))
    versions = [
        json.loads((out / "datapackage.json").read_text("utf-8"))["sarschema"]["format_version"]
        for out in (old, new)
    ]
    assert versions == ["1.0", "1.1"]


def test_frictionless_validates_a_1_1_package(v11_tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "csv"
    write_csv(valid_records(v11_tree), out)
    report = validate(out / "datapackage.json")
    assert report.valid, problems(report)


def test_frictionless_checks_the_new_columns(v11_tree: Path, tmp_path: Path) -> None:
    """The new columns carry constraints: a role outside the vocabulary and a subject
    that is neither an id nor a subject are caught."""
    out = tmp_path / "csv"
    write_csv(valid_records(v11_tree), out)
    roles = out / "target_roles.csv"
    roles.write_bytes(roles.read_bytes().replace(b",politician,", b",senator,"))
    about = out / "response_about.csv"
    about.write_bytes(about.read_bytes().replace(b"unnamed-people", b"Unnamed People"))
    report = validate(out / "datapackage.json")
    assert sorted((table, kind) for table, kind, _ in problems(report)) == [
        ("response_about", "constraint-error"),  # `id`
        ("response_about", "constraint-error"),  # `subject`, the typed column
        ("target_roles", "constraint-error"),
    ]


def test_records_of_two_versions_are_not_written_together(v11_tree: Path, tmp_path: Path) -> None:
    """A package states one version (`sarschema.export.common`)."""
    records = valid_records(BASE) + valid_records(v11_tree)
    with pytest.raises(UsageError, match=r"several format versions .*format 1\.0.*format 1\.1"):
        write_csv(records, tmp_path / "csv")
    assert not (tmp_path / "csv" / "datapackage.json").exists()


_CELL = st.one_of(
    st.none(),
    st.integers(-5, 5),
    st.text(alphabet="=+-@\t\r\n'\x1fa1 ", max_size=4),
)


@given(
    cells=st.lists(st.tuples(_CELL, st.booleans()), max_size=6),
    raw=st.booleans(),
)
def test_a_row_is_written_as_its_cells_one_by_one(cells: list[tuple[Any, bool]], raw: bool) -> None:
    """The workers look at a whole row before the formula guard looks at a cell, and
    leave empty cells and numbers to `csv.writer`: the bytes must be those of
    `cell_text` on every cell."""
    from sarschema.export.csv import _texts, cell_text

    row = tuple(bool(value) if is_boolean else value for value, is_boolean in cells)
    booleans = [index for index, (_, is_boolean) in enumerate(cells) if is_boolean]

    def written(values: list[Any]) -> str:
        out = io.StringIO()
        csv.writer(out).writerow(values)
        return out.getvalue()

    assert written(_texts(row, booleans, raw)) == written([cell_text(v, raw=raw) for v in row])


#: The one source the two records below cite.
_ONE_SOURCE = """\
sources:
  - title: Report
    publisher: Example Rights Group
    published: 2022
    language: en
    url: https://example.org/reports/bare
"""
#: An incident that names no operator and no spyware, and a target whose name needs
#: quoting and the formula guard: the flat table's empty and awkward joined cells.
BARE_INCIDENT = """\
id: bare-incident
kind: incident
title: Alleged targeting of a journalist
summary: According to a report, a journalist was targeted.
date: 2022
targets: [comma-target]
status: targeted
evidence: [media-report]
"""
BARE_INCIDENT += _ONE_SOURCE
COMMA_TARGET = """\
id: comma-target
kind: target
name: '=Doe, "the reporter"'
visibility: public
type: person
roles: [journalist]
"""
COMMA_TARGET += _ONE_SOURCE


def _flat_by_join(out: Path, *, raw: bool) -> dict[str, dict[str, str]]:
    """`incidents_flat` made again from the other tables as written: the oracle."""
    names = {
        table: {r["id"]: r["name"] for r in read_table(out, table, restore=False)}
        for table in ("targets", "operators", "products")
    }

    def links(table: str) -> dict[str, list[dict[str, str]]]:
        by: dict[str, list[dict[str, str]]] = defaultdict(list)
        for row in sorted(read_table(out, table, restore=False), key=lambda r: int(r["position"])):
            by[row["incident_id"]].append(row)
        return by

    def joined(rows: list[dict[str, str]], column: str, named: str) -> tuple[str, str]:
        ids = [r[column] for r in rows]
        if raw:
            return ";".join(ids), "; ".join(names[named][i] for i in ids)
        # the names joined as recorded, then guarded as one cell
        text = "; ".join(restore_cell(names[named][i]) for i in ids)
        return ";".join(ids), neutralise_cell(text) if text else ""

    targets, operators = links("incident_targets"), links("incident_operators")
    spyware = links("incident_spyware")
    sources = Counter(r["incident_id"] for r in read_table(out, "sources", restore=False))
    flat = {}
    for incident in read_table(out, "incidents", restore=False):
        key = incident.pop("id")
        del incident["notes"]
        target_ids, target_names = joined(targets[key], "target_id", "targets")
        operator_ids, operator_names = joined(operators[key], "operator_id", "operators")
        spyware_ids, spyware_names = joined(spyware[key], "product_id", "products")
        flat[key] = (
            {"id": key}
            | incident
            | {
                "target_ids": target_ids,
                "target_names": target_names,
                "operator_ids": operator_ids,
                "operator_names": operator_names,
                "attributions": ";".join(r["attribution"] for r in operators[key]),
                "spyware_ids": spyware_ids,
                "spyware_names": spyware_names,
                "source_count": str(sources[key]),
            }
        )
    return flat


@pytest.mark.parametrize("raw", [False, True])
def test_the_flat_table_is_the_join_of_the_others(
    raw: bool, tricky_tree: Path, tmp_path: Path
) -> None:
    """Each incident's flat row, made in the worker but for the names filled in at
    the end, is the join of the tables it comes from: every column, in order, with
    empty joined cells, quoted names and the formula guard."""
    (tricky_tree / "incidents" / "bare-incident.yaml").write_text(BARE_INCIDENT, "utf-8")
    (tricky_tree / "targets" / "comma-target.yaml").write_text(COMMA_TARGET, "utf-8")
    out = tmp_path / "csv"
    write_csv(valid_records(SHIPPED) + valid_records(tricky_tree), out, raw=raw)
    with (out / "incidents_flat.csv").open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
    expected = _flat_by_join(out, raw=raw)
    assert [r["id"] for r in rows] == list(expected)
    assert reader.fieldnames == list(next(iter(expected.values())))
    for row in rows:
        assert row == expected[row["id"]], row["id"]
    # and byte for byte what one CSV writer writes of the joined rows
    text = io.StringIO(newline="")
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(reader.fieldnames)
    writer.writerows(row.values() for row in expected.values())
    assert (out / "incidents_flat.csv").read_bytes() == BOM + text.getvalue().encode()
    bare = expected["bare-incident"]
    assert (bare["operator_ids"], bare["spyware_names"], bare["source_count"]) == ("", "", "1")
    assert bare["target_names"] == ('=Doe, "the reporter"' if raw else '\'=Doe, "the reporter"')
    assert expected["tricky-incident"]["title"].startswith("-" if raw else "'-")


def test_links_without_their_incident_are_an_internal_error() -> None:
    """The worker joins an incident's links from its own record: a link of another
    incident there would be a programming error, not a row quietly lost."""
    from sarschema.errors import InternalError
    from sarschema.export.flat import flat_part

    def line(cells: tuple[object, ...], booleans: tuple[int, ...]) -> str:
        return ",".join(map(str, cells))

    link = {"incident_id": "a", "position": 0, "target_id": "t"}
    with pytest.raises(InternalError, match="without it"):
        flat_part([("incident_targets", link)], line, ",")
    incident = {"id": "b", "title": "B"}
    with pytest.raises(InternalError, match="another incident"):
        flat_part([("incidents", incident), ("incident_targets", link)], line, ",")
    row, names = flat_part(
        [("incidents", incident | {"id": "a"}), ("incident_targets", link)], line, ","
    )
    assert row is not None and row.ids == (("t",), (), ()) and names == []
