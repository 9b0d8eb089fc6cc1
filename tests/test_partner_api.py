"""Partners reading raw records: as `sarschema validate` reads them, not as YAML 1.1 does."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml
from typer.testing import CliRunner

from sarschema import RawRecord, read_records
from sarschema.cli import app

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def test_read_records_gives_json_ready_values_as_typed() -> None:
    raws = list(read_records([ROOT / "records"]))
    assert len(raws) >= 70
    assert all(isinstance(r, RawRecord) and r.problems == [] for r in raws)
    json.dumps([r.data for r in raws])  # JSON-ready, unlike a YAML 1.1 loader's output
    by_id = {r.data["id"]: r for r in raws if r.data}
    year_only = next(r for r in raws if r.data and r.data.get("date") == "2016")
    assert year_only.position("date") is not None
    line, column = year_only.position("date") or (0, 0)
    text = Path(year_only.file).read_text(encoding="utf-8").splitlines()[line - 1]
    assert text[column - 1 :].startswith("2016")
    assert by_id["omar-radi"].position("name", key=True) is not None


def test_yaml_1_1_loaders_change_what_was_typed(tmp_path: Path) -> None:
    """The README's warning, shown: PyYAML's safe_load is YAML 1.1."""
    record = tmp_path / "records" / "operators" / "state-z.yaml"
    record.parent.mkdir(parents=True)
    record.write_text(
        "id: state-z\nkind: operator\nname: Example state\ntype: state\ncountry: NO\n"
        "sources:\n  - title: Example\n    publisher: Example Group\n"
        "    published: 2021-07-18\n    language: en\n"
    )
    typed = yaml.safe_load(record.read_text())
    assert typed["country"] is False  # Norway lost
    raw = next(read_records([tmp_path / "records"]))
    assert raw.data is not None
    assert raw.data["country"] == "NO"
    assert raw.data["sources"][0]["published"] == "2021-07-18"


def test_read_records_reports_a_broken_file(tmp_path: Path) -> None:
    record = tmp_path / "records" / "targets" / "broken-one.yaml"
    record.parent.mkdir(parents=True)
    record.write_text("id: [unclosed\n")
    raw = next(read_records([tmp_path / "records"]))
    assert raw.data is None
    assert [p.code for p in raw.problems] == ["SAR006"]


def test_a_partial_set_exports_with_warnings(tmp_path: Path) -> None:
    one = tmp_path / "records" / "incidents"
    one.mkdir(parents=True)
    shutil.copy(ROOT / "records" / "incidents" / "omar-radi-2020-nso-spyware.yaml", one)
    shutil.copy(ROOT / "records" / "sarschema.yaml", one.parent)  # the set's version, too
    out = tmp_path / "one.json"
    refused = runner.invoke(app, ["export", "json", "--out", str(out), str(tmp_path / "records")])
    assert refused.exit_code == 1
    assert not out.exists()
    done = runner.invoke(
        app, ["export", "json", "--partial", "--out", str(out), str(tmp_path / "records")]
    )
    assert done.exit_code == 0, done.output
    assert "SAR201" in done.output  # the references it lacks, as warnings
    document = json.loads(out.read_text(encoding="utf-8"))
    assert [r["id"] for r in document["records"]] == ["omar-radi-2020-nso-spyware"]
