"""The CSV package loads where partners load it: Frictionless into SQLite, DuckDB
with every foreign key, pandas as the README says; and it is the same byte for
byte when the records are."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest

from sarschema.api import validate_paths
from sarschema.export.common import export_to
from sarschema.export.csv import CSVExporter

ROOT = Path(__file__).resolve().parent.parent
NAMIBIA = """id: namibian-journalist
kind: target
name: Namibian Journalist A
visibility: pseudonymous
type: person
roles: [journalist]
nationalities: [NA]
exiled: true
sources:
  - title: "Example report: journalists on a leaked list"
    publisher: Example Rights Group
    published: 2021
    language: en
"""


def readme_code(marker: str) -> str:
    """The code block after `<!-- tested: marker -->` in the README."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(rf"<!-- tested: {marker} -->\n```python\n(.*?)```", text, re.DOTALL)
    assert found, marker
    return found.group(1)


@pytest.fixture
def tree(base_tree: Path) -> Path:
    """The base set (an operator listed before its parent by id: `agency-a` under
    `state-a`) with a Namibian target (`NA`) and a year-only date."""
    (base_tree / "targets" / "namibian-journalist.yaml").write_text(NAMIBIA, encoding="utf-8")
    incident = base_tree / "incidents" / "journalist-a-2020.yaml"
    text = incident.read_text(encoding="utf-8")
    incident.write_text(
        text.replace("  - journalist-a\n", "  - journalist-a\n  - namibian-journalist\n", 1)
    )
    return base_tree


def export(records: Path, out: Path, *, raw: bool = False) -> Path:
    report = export_to([records], lambda folder: CSVExporter(folder, raw=raw), out)
    assert report.ok, report.diagnostics
    return out


def test_operators_list_parents_first(tree: Path, tmp_path: Path) -> None:
    out = export(tree, tmp_path / "csv")
    lines = (out / "operators.csv").read_text(encoding="utf-8-sig").splitlines()
    ids = [line.split(",")[0] for line in lines[1:]]
    assert ids.index("state-a") < ids.index("agency-a")
    assert len(ids) == len(set(ids)) == 3


def test_frictionless_publishes_the_package_to_sqlite(tree: Path, tmp_path: Path) -> None:
    from frictionless import Package

    out = export(tree, tmp_path / "csv")
    database = tmp_path / "frictionless.db"
    Package(str(out / "datapackage.json")).publish(f"sqlite:///{database}")
    db = sqlite3.connect(database)
    assert db.execute("SELECT count(*) FROM incidents").fetchone() == (1,)
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    countries = db.execute("SELECT nationalities FROM targets WHERE id = 'namibian-journalist'")
    assert countries.fetchone() == ("NA",)
    # the typed id columns really carry foreign keys
    keys = {(row[3], row[2]) for row in db.execute("PRAGMA foreign_key_list(sources)")}
    assert {("incident_id", "incidents"), ("target_id", "targets")} <= keys


def test_frictionless_publishes_the_shipped_package(tmp_path: Path) -> None:
    from frictionless import Package

    out = export(ROOT / "records", tmp_path / "csv")
    database = tmp_path / "frictionless.db"
    Package(str(out / "datapackage.json")).publish(f"sqlite:///{database}")
    db = sqlite3.connect(database)
    report = validate_paths([str(ROOT / "records")])
    assert db.execute("SELECT count(*) FROM incidents_flat").fetchone() == (
        sum(r.kind == "incident" for r in report.records),
    )


@pytest.mark.parametrize("which", ["tree", "shipped"])
def test_the_readme_duckdb_example_loads_every_foreign_key(
    which: str, tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import duckdb

    records = tree if which == "tree" else ROOT / "records"
    monkeypatch.chdir(tmp_path)
    export(records, tmp_path / "build" / "csv", raw=True)
    exec(readme_code("csv-duckdb"), {})
    db = duckdb.connect(str(tmp_path / "build" / "records.duckdb"))
    report = validate_paths([str(records)])
    for kind in ("incident", "target", "operator", "response"):
        (count,) = db.execute(f"SELECT count(*) FROM {kind}s").fetchone() or (None,)
        assert count == sum(r.kind == kind for r in report.records), kind
    # the keys are enforced: a dangling reference is refused
    with pytest.raises(duckdb.ConstraintException):
        db.execute("INSERT INTO incident_targets VALUES ('journalist-a-2020', 99, 'nobody')")
    if which == "tree":
        row = db.execute(
            "SELECT nationalities, exiled FROM targets WHERE id = 'namibian-journalist'"
        ).fetchone()
        assert row == ("NA", True)
        (kind,) = db.execute("SELECT typeof(date_earliest) FROM incidents").fetchone() or ("",)
        assert kind == "DATE"


def test_the_readme_pandas_example_keeps_every_value(
    tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    export(tree, tmp_path / "build" / "csv")
    scope: dict[str, object] = {}
    exec(readme_code("csv-pandas"), scope)
    table = scope["table"]
    targets = table("targets")  # type: ignore[operator]
    assert targets.set_index("id").loc["namibian-journalist", "nationalities"] == "NA"
    exiled = targets.set_index("id")["exiled"]
    assert exiled.isna().tolist() == [t == "journalist-b" for t in exiled.index]  # empty: missing
    incidents = scope["incidents"]
    assert str(incidents["date_earliest"].dtype).startswith("datetime64")  # type: ignore[index]
    assert len(scope["per_operator"]) == 1  # type: ignore[arg-type]


def test_dates_have_their_bounds(tree: Path, tmp_path: Path) -> None:
    out = export(tree, tmp_path / "csv")
    sources = (out / "sources.csv").read_text(encoding="utf-8-sig")
    assert ",2021,year,2021-01-01,2021-12-31," in sources


def test_flat_incidents(tmp_path: Path) -> None:
    """One row per incident, names and attributions in the order of the ids."""
    out = export(ROOT / "records", tmp_path / "csv", raw=True)
    import csv

    with (out / "incidents_flat.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = {row["id"]: row for row in csv.DictReader(handle)}
    report = validate_paths([str(ROOT / "records")])
    incidents = {r.id: r for r in report.records if r.kind == "incident"}
    assert rows.keys() == incidents.keys()
    names = {r.id: getattr(r, "name", None) for r in report.records}
    for key, incident in incidents.items():
        row = rows[key]
        assert row["target_ids"] == ";".join(incident.targets)  # type: ignore[attr-defined]
        assert row["target_names"] == "; ".join(names[t] for t in incident.targets)  # type: ignore[attr-defined,misc]
        operators = incident.alleged_operators or []  # type: ignore[attr-defined]
        assert row["operator_ids"] == ";".join(o.operator for o in operators)
        assert row["attributions"] == ";".join(o.attribution.value for o in operators)
        assert int(row["source_count"]) == len(incident.sources)
    mansoor = rows["ahmed-mansoor-2016-pegasus"]
    assert (mansoor["operator_names"], mansoor["attributions"]) == (
        "United Arab Emirates",
        "reported",
    )
    assert mansoor["spyware_names"] == "Pegasus"


def test_package_names_licence_version_and_creation(
    tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    first = export(tree, tmp_path / "one")
    second = export(tree, tmp_path / "two")
    # unchanged records give the same package, byte for byte
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in second.iterdir())
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    package = json.loads((first / "datapackage.json").read_text(encoding="utf-8"))
    assert package["licenses"][0]["name"] == "CC-BY-4.0"
    assert package["created"] == "2021-07-26T00:00:00Z"  # the newest date the records give
    assert re.fullmatch(r"sha256-[0-9a-f]{16}", package["version"])
    # a changed record changes the version; SOURCE_DATE_EPOCH sets `created`
    journalist = tree / "targets" / "journalist-b.yaml"
    journalist.write_text(journalist.read_text(encoding="utf-8") + "notes: changed\n")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    third = export(tree, tmp_path / "three")
    changed = json.loads((third / "datapackage.json").read_text(encoding="utf-8"))
    assert changed["version"] != package["version"]
    assert changed["created"] == "2023-11-14T22:13:20Z"


def test_a_bad_source_date_epoch_is_a_usage_error(
    tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sarschema.errors import UsageError

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(UsageError, match="SOURCE_DATE_EPOCH"):
        export(tree, tmp_path / "csv")
    assert not (tmp_path / "csv").exists()


def test_schema_sql_runs_in_sqlite_with_the_keys(tree: Path, tmp_path: Path) -> None:
    out = export(tree, tmp_path / "csv")
    db = sqlite3.connect(":memory:")
    db.executescript((out / "schema.sql").read_text(encoding="utf-8"))
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("INSERT INTO operators (id, name, type) VALUES ('state-a', 'A', 'state')")
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("INSERT INTO operators (id, name, type, parent) VALUES ('b', 'B', 'state', 'x')")


def test_the_cli_writes_the_files_it_names(tree: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from sarschema.cli import app
    from sarschema.export.csv import package_files

    out = tmp_path / "csv"
    result = CliRunner().invoke(app, ["export", "csv", "--out", str(out), str(tree)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(package_files())
    assert f"into {len(package_files())} files" in result.output
