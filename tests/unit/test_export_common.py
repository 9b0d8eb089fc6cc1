"""`export_to`: a library caller gets the CLI's guarantees."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sarschema.errors import UsageError
from sarschema.export.common import export_to
from sarschema.export.csv import CSVExporter
from sarschema.export.json import JsonExporter


def _break(tree: Path) -> None:
    record = tree / "targets" / "journalist-b.yaml"
    text = record.read_text(encoding="utf-8").replace("type: person", "type: human")
    record.write_text(text, encoding="utf-8")


def test_a_valid_set_is_written_into_the_folder(base_tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "new" / "csv"
    report = export_to([base_tree], CSVExporter, out)
    assert report.ok and report.files == 8
    assert (out / "datapackage.json").is_file()
    assert len((out / "targets.csv").read_text(encoding="utf-8-sig").splitlines()) == 3
    assert not list(tmp_path.rglob(".sarschema-export-*"))  # no staging left


def test_nothing_is_written_unless_every_record_is_valid(base_tree: Path, tmp_path: Path) -> None:
    _break(base_tree)
    out = tmp_path / "new" / "records.json"
    report = export_to([base_tree], JsonExporter, out, single_file=True)
    assert not report.ok
    assert [d.code for d in report.diagnostics if d.level == "error"] == ["SAR103"]
    assert not (tmp_path / "new").exists()  # not even the parent folder


def test_an_existing_output_is_kept_when_the_export_is_refused(
    base_tree: Path, tmp_path: Path
) -> None:
    out = tmp_path / "records.json"
    assert export_to([base_tree], JsonExporter, out, single_file=True).ok
    before = out.read_bytes()
    assert json.loads(before)["count"] == 8
    _break(base_tree)
    assert not export_to([base_tree], JsonExporter, out, single_file=True).ok
    assert out.read_bytes() == before


def test_a_link_at_the_output_is_refused(
    base_tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "out").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(UsageError):
        export_to([base_tree], CSVExporter, Path("out"))
    assert not list((tmp_path / "elsewhere").iterdir())
