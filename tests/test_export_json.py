"""The JSON export names the format version of the records it holds: their set's.

A 1.0 set (no version file) gives `"format_version": "1.0"` and its records as
they are; a 1.1 set gives "1.1"; sets of two versions are not exported together.
The CSV package's descriptor follows the same rule when written by `export_to`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from records_v11 import write_v11
from sarschema.api import validate_paths
from sarschema.cli import main
from sarschema.errors import UsageError
from sarschema.export.common import export_to, set_version, version_of
from sarschema.export.csv import CSVExporter
from sarschema.export.json import JsonExporter, to_document
from sarschema.versions import VERSION_FILE, SetVersion, version_text

ROOT = Path(__file__).resolve().parent.parent


def exported(root: Path, out: Path) -> tuple[bytes, dict[str, Any]]:
    report = export_to([root], JsonExporter, out, single_file=True, jobs=1)
    assert report.ok, report.diagnostics
    data = out.read_bytes()
    return data, json.loads(data)


@pytest.fixture
def other_set(tmp_path: Path) -> Path:
    """A 1.1 set whose ids differ from the base set's, to export beside it."""
    root = tmp_path / "other" / "records"
    (root / "operators").mkdir(parents=True)
    (root / VERSION_FILE).write_text(version_text("1.1"), encoding="utf-8")
    (root / "operators" / "state-b.yaml").write_text(
        """\
id: state-b
kind: operator
name: Republic of Otherland
type: state
country: FR
sources:
  - title: Otherland's surveillance
    publisher: Example Rights Group
    published: 2022
    language: en
    url: https://example.org/otherland
""",
        encoding="utf-8",
    )
    return root


def test_a_1_0_set_is_exported_as_1_0(base_tree: Path, tmp_path: Path) -> None:
    data, document = exported(base_tree, tmp_path / "records.json")
    assert document["format_version"] == "1.0"
    assert data.startswith(
        b'{\n  "format_version": "1.0",\n  "generator": "sarschema 0.1.0",\n  "records": [\n'
    )
    assert data.endswith(b'\n  ],\n  "count": 8\n}\n')
    report = validate_paths([base_tree])
    assert {version_of(r) for r in report.records} == {"1.0"}
    assert document == to_document(report.records)  # the library says the same
    (target,) = [r for r in document["records"] if r["id"] == "journalist-a"]
    assert target["roles"] == ["journalist", "editor"]  # as written, never as mappings


def test_a_1_1_set_is_exported_as_1_1_with_its_records_as_they_are(
    base_tree: Path, tmp_path: Path
) -> None:
    tree = write_v11(base_tree)
    data, document = exported(tree, tmp_path / "records.json")
    assert document["format_version"] == "1.1"
    assert data.startswith(b'{\n  "format_version": "1.1",\n')
    report = validate_paths([tree])
    assert document == to_document(report.records)
    records = {r["id"]: r for r in document["records"]}
    person = records["person-e"]
    assert person["roles"] == [
        {"role": "government-official", "held": "former", "as_of": "2021-07"},
        "journalist",
        {"role": "politician", "held": "current", "as_of": "2022"},
    ]
    assert [s.get("translation_of") for s in person["sources"]] == [
        {
            "url": "https://example.org/reports/leaked-list",
            "language": "en",
            "publisher": "Example Rights Group",
            "title": "Example report: journalists on a leaked list",
            "published": "2021-07-18",
        },
        "https://example.org/reports/leaked-list",
        {"language": "ar", "published": "2021-06"},
    ]
    assert "date" not in records["person-e-2022"]
    assert records["person-e-2022"]["revealed"] == "2022-03"
    assert records["licence-a"]["about"] == {
        "operators": ["vendor-a"],
        "products": ["spyware-a"],
        "subjects": ["surveillance-trade", "unnamed-people"],
    }


def test_an_empty_export_is_a_whole_document(tmp_path: Path) -> None:
    exporter = JsonExporter(tmp_path)
    exporter.format_version = "1.1"
    (path,) = exporter.finalize()
    assert path.read_text(encoding="utf-8") == (
        '{\n  "format_version": "1.1",\n  "generator": "sarschema 0.1.0",\n'
        '  "records": [],\n  "count": 0\n}\n'
    )
    assert [p.name for p in tmp_path.iterdir()] == ["records.json"]  # no part file left


def test_the_csv_package_names_the_set_version(base_tree: Path, tmp_path: Path) -> None:
    def version(tree: Path, out: Path) -> str:
        assert export_to([tree], CSVExporter, out, jobs=1).ok
        package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
        return str(package["sarschema"]["format_version"])

    assert version(base_tree, tmp_path / "old") == "1.0"
    assert version(write_v11(base_tree), tmp_path / "new") == "1.1"


@pytest.mark.parametrize("exporter", [JsonExporter, CSVExporter])
def test_sets_of_two_versions_are_refused_and_nothing_is_written(
    exporter: type[JsonExporter] | type[CSVExporter],
    base_tree: Path,
    other_set: Path,
    tmp_path: Path,
) -> None:
    assert validate_paths([base_tree, other_set]).ok  # valid together, versions apart
    out = tmp_path / "out" / "export"
    with pytest.raises(UsageError) as caught:
        export_to([base_tree, other_set], exporter, out, single_file=exporter is JsonExporter)
    message = str(caught.value)
    assert f"{base_tree}: format 1.0 (no {VERSION_FILE}, so 1.0)" in message
    assert f"{other_set}: format 1.1 (stated in {other_set / VERSION_FILE})" in message
    assert "sarschema migrate --to 1.1" in message
    assert not (tmp_path / "out").exists()
    assert not list(tmp_path.rglob(".sarschema-export-*"))


def test_the_cli_reports_sets_of_two_versions_as_a_usage_error(
    base_tree: Path,
    other_set: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "records.json"
    args = ["export", "json", str(base_tree), str(other_set), "--out", str(out)]
    monkeypatch.setattr("sys.argv", ["sarschema", *args])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 2
    assert "sarschema: error: the records are of several format versions" in (
        capsys.readouterr().err
    )
    assert not out.exists()


def test_one_version_for_sets() -> None:
    assert set_version([]) == "1.0"  # no set states one: 1.0, as a set without the file
    same = [SetVersion("a", "1.1", "a/sarschema.yaml"), SetVersion("b", "1.1", "b/x")]
    assert set_version(same) == "1.1"
    with pytest.raises(UsageError, match="several format versions"):
        set_version([SetVersion("a", "1.0"), SetVersion("b", "1.1", "b/sarschema.yaml")])


def test_the_library_refuses_records_of_two_versions(base_tree: Path, other_set: Path) -> None:
    records = validate_paths([base_tree]).records + validate_paths([other_set]).records
    with pytest.raises(UsageError, match=r"8 record\(s\) of format 1\.0; 1 record\(s\) of"):
        to_document(records)


def test_the_shipped_records_are_exported_as_their_set_states() -> None:
    report = validate_paths([ROOT / "records"])
    (record_set,) = report.sets
    assert to_document(report.records)["format_version"] == record_set.version
