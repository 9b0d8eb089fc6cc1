"""A field added to a model reaches every consumer with no other edit.

The fixture registers a subclass of the newest `Incident` (format 1.1) with four
new fields of existing types (a date, a country, a list of target references, a
free text) in place of it, the way a format change would edit the model; the
tests then check the data dictionary, the JSON Schema, the CSV tables, the
personal-data guard, and the date, reference and comment checks of `sarschema
validate`, on a record set that states the newest version (a set that states
none is 1.0, validated with the 1.0 models, which the fixture leaves alone).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest
from pydantic import Field

from sarschema import pii
from sarschema.api import validate_paths
from sarschema.dictionary import record_format_markdown
from sarschema.errors import InternalError
from sarschema.export import tables
from sarschema.export.csv import write_csv
from sarschema.export.schema import build_schemas
from sarschema.fields import Slot, names_with, read_slot, references, values, walk, with_role
from sarschema.markers import RefersTo, Role
from sarschema.models import MODELS, VERSIONS, Incident, record_adapter, v1_1
from sarschema.models.base import Model, TargetId
from sarschema.types import Country, Date, Text
from sarschema.versions import VERSION_FILE, version_text

TODAY = dt.date(2026, 1, 1)


class WitnessedIncident(v1_1.Incident):
    """One act of surveillance against one or more targets (with witnesses)."""

    witnessed: Date | None = Field(None, description="When a witness saw it.")
    seen_in: Country | None = Field(None, description="Where the witness was.")
    observers: list[TargetId] | None = Field(None, description="Targets who saw it too.")
    remark: Text | None = Field(None, description="A remark on the account.")


def _clear() -> None:
    for cached in (record_adapter, tables.package, names_with):
        cached.cache_clear()


@pytest.fixture
def extended(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setitem(MODELS, "incident", WitnessedIncident)
    _clear()
    yield
    monkeypatch.undo()
    _clear()


def _tree(base_tree: Path, extra: str) -> Path:
    """The base set in the newest format, whose models the fixture extends, with
    `extra` added to an incident."""
    (base_tree / VERSION_FILE).write_text(version_text("1.1"), encoding="utf-8")
    incident = base_tree / "incidents" / "journalist-a-2020.yaml"
    incident.write_text(incident.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return base_tree


def test_the_markers_are_read_from_the_annotations() -> None:
    slot = read_slot("observers", WitnessedIncident.model_fields["observers"])
    assert slot.many and slot.role is Role.ID
    assert slot.refers_to == RefersTo("target")
    assert with_role(WitnessedIncident, Role.DATE)[-1] == ("witnessed",)
    assert (("observers", "*"), RefersTo("target")) in references(WitnessedIncident)
    found = dict(walk(WitnessedIncident))
    assert isinstance(found[("seen_in",)], Slot) and found[("seen_in",)].role is Role.COUNTRY


def test_values_follow_a_pattern_in_raw_data_and_in_models() -> None:
    raw = {"forensic_analyses": [{"date": "2021"}, {"by": "x"}, {"date": "2022-05"}]}
    assert list(values(raw, ("forensic_analyses", "*", "date"))) == [
        (("forensic_analyses", 0, "date"), "2021"),
        (("forensic_analyses", 2, "date"), "2022-05"),
    ]
    assert list(
        values({"translations": {"fr": {"title": "t"}}}, ("translations", "*", "title"))
    ) == [(("translations", "fr", "title"), "t")]


@pytest.mark.usefixtures("extended")
def test_the_data_dictionary_lists_the_new_fields() -> None:
    text = record_format_markdown()
    assert "| `witnessed` | date | no | When a witness saw it. |" in text
    assert "| `seen_in` | country | no | Where the witness was. |" in text
    assert "| `observers` | list of id | no | Targets who saw it too. |" in text
    assert "| `remark` | text | no | A remark on the account. |" in text


@pytest.mark.usefixtures("extended")
def test_the_json_schema_types_the_new_fields() -> None:
    schema = build_schemas()["incident.schema.json"]
    properties = schema["$defs"]["WitnessedIncident"]["properties"]
    assert {"witnessed", "seen_in", "observers", "remark"} <= properties.keys()
    validator = jsonschema.Draft202012Validator(schema)
    record = {
        "id": "x-2020",
        "kind": "incident",
        "title": "t",
        "summary": "s",
        "date": "2020",
        "targets": ["journalist-a"],
        "status": "targeted",
        "evidence": ["leaked-data"],
        "sources": [{"title": "t", "publisher": "p", "published": "2020", "language": "en"}],
    }
    assert not list(validator.iter_errors(record))
    bad = record | {"witnessed": "2020-13", "seen_in": "UK", "observers": ["Not An Id"]}
    wrong = {tuple(e.absolute_path)[:1] for e in validator.iter_errors(bad)}
    assert wrong == {("witnessed",), ("seen_in",), ("observers",)}


@pytest.mark.usefixtures("extended")
def test_the_csv_tables_take_the_new_fields(base_tree: Path, tmp_path: Path) -> None:
    package = tables.package()
    incidents = next(t for t in package.tables if t.name == "incidents")
    assert {"witnessed", "witnessed_precision", "seen_in", "remark"} <= set(incidents.header)
    observers = next(t for t in package.tables if t.name == "incident_observers")
    assert observers.header == ["incident_id", "position", "target_id"]
    assert ("target_id", "targets") in observers.foreign_keys
    tree = _tree(base_tree, "witnessed: 2021-02\nseen_in: FR\nobservers: [journalist-b]\n")
    report = validate_paths([tree], today=TODAY, jobs=1)
    assert report.ok, report.diagnostics
    write_csv(report.records, tmp_path / "csv")
    with (tmp_path / "csv" / "incidents.csv").open(encoding="utf-8-sig", newline="") as handle:
        row = next(r for r in csv.DictReader(handle) if r["id"] == "journalist-a-2020")
    assert (row["witnessed"], row["witnessed_precision"], row["seen_in"]) == (
        "2021-02",
        "month",
        "FR",
    )
    with (tmp_path / "csv" / "incident_observers.csv").open(encoding="utf-8-sig") as handle:
        assert list(csv.reader(handle))[1:] == [["journalist-a-2020", "0", "journalist-b"]]


@pytest.mark.usefixtures("extended")
def test_the_sqlite_tables_take_the_new_fields(base_tree: Path, tmp_path: Path) -> None:
    # after a first export, whose rows' functions (`export.cells`) must not outlive
    # the tables they were made for
    import sqlite3

    from sarschema.export.sqlite import write_sqlite

    plain = validate_paths([base_tree], today=TODAY, jobs=1)
    _clear()
    MODELS["incident"] = v1_1.Incident
    write_sqlite(plain.records, tmp_path / "before.db")
    MODELS["incident"] = WitnessedIncident
    _clear()
    tree = _tree(base_tree, "witnessed: 2021-02\nseen_in: FR\nobservers: [journalist-b]\n")
    report = validate_paths([tree], today=TODAY, jobs=1)
    assert report.ok, report.diagnostics
    write_sqlite(report.records, tmp_path / "after.db")
    db = sqlite3.connect(tmp_path / "after.db")
    query = "SELECT witnessed, witnessed_precision, seen_in, remark FROM incidents WHERE id = ?"
    assert db.execute(query, ["journalist-a-2020"]).fetchone() == ("2021-02", "month", "FR", None)
    observers = db.execute("SELECT * FROM incident_observers").fetchall()
    assert observers == [("journalist-a-2020", 0, "journalist-b")]


@pytest.mark.usefixtures("extended")
def test_the_personal_data_guard_knows_the_new_country_field() -> None:
    assert "seen_in" in pii.country_fields()


@pytest.mark.usefixtures("extended")
def test_validation_checks_the_new_fields(base_tree: Path) -> None:
    tree = _tree(
        base_tree, "witnessed: 2027-05\nobservers: [journalist-b, nobody-here]\nremark: Attack #2\n"
    )
    report = validate_paths([tree], today=TODAY, jobs=1)
    found = {(d.code, d.field) for d in report.diagnostics}
    assert ("SAR126", "witnessed") in found  # the date check: after today
    assert ("SAR201", "observers[1]") in found  # the reference check: no such target
    assert ("SAR403", "remark") in found  # free text cut by a comment


def test_without_the_fixture_the_shipped_model_is_back(base_tree: Path) -> None:
    assert MODELS["incident"] is v1_1.Incident
    assert VERSIONS["1.0"]["incident"] is Incident
    tree = _tree(base_tree, "witnessed: 2021\n")
    report = validate_paths([tree], today=TODAY, jobs=1)
    assert ("SAR101", "witnessed") in {(d.code, d.field) for d in report.diagnostics}


class Place(Model):
    """Where, as one model held whole (not a list)."""

    city: Text = Field(description="A city.")
    country: Country | None = Field(None, description="Its country.")


class Venue(Model):
    """Where, as a named venue."""

    venue: Text = Field(description="A venue.")


class PlacedIncident(v1_1.Incident):
    place: Place | None = Field(None, description="Where.")


class VenuedIncident(v1_1.Incident):
    place: Place | Venue | None = Field(None, description="Where, one way or another.")


@pytest.fixture
def placed(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setitem(MODELS, "incident", PlacedIncident)
    _clear()
    yield
    monkeypatch.undo()
    _clear()


@pytest.mark.usefixtures("placed")
def test_a_model_held_whole_is_written_as_columns(base_tree: Path, tmp_path: Path) -> None:
    """The rule that writes a source's `translation_of`, taken by any model held whole."""
    incidents = next(t for t in tables.package().tables if t.name == "incidents")
    assert {"place_city", "place_country"} <= set(incidents.header)
    tree = _tree(base_tree, "place:\n  city: Rabat\n")
    report = validate_paths([tree], today=TODAY, jobs=1)
    assert report.ok, report.diagnostics
    write_csv(report.records, tmp_path / "csv")
    with (tmp_path / "csv" / "incidents.csv").open(encoding="utf-8-sig", newline="") as handle:
        row = next(r for r in csv.DictReader(handle) if r["id"] == "journalist-a-2020")
    assert (row["place_city"], row["place_country"]) == ("Rabat", "")


def test_a_field_no_table_rule_covers_is_an_internal_error_not_lost_data(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One value that is either of two models: no rule says which columns it takes."""
    monkeypatch.setitem(MODELS, "incident", VenuedIncident)
    tables.package.cache_clear()
    try:
        with pytest.raises(InternalError, match=r"no table rule for `incident.place`"):
            tables.package()
    finally:
        monkeypatch.undo()
        tables.package.cache_clear()
