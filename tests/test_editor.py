"""What a contributor sees in VS Code: the real yaml-language-server, driven headlessly.

`sarschema new` writes a modeline pointing the editor at the committed schema. The
templates must complete at once (values offered right after `status: `), an empty
template is underlined where `sarschema validate` reports, and a filled one shows
nothing. The whole record corpus is compared in tests/test_yaml_interop.py.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from interop_lsp import editor_completions, editor_diagnostics
from sarschema.api import validate_paths
from sarschema.cli import app
from sarschema.vocab import FOLDER_OF, Kind, Status
from test_workflow import fill

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


@pytest.fixture
def workspace(tmp_path: Path, base_tree: Path) -> Path:
    """A checkout: records/ with the base set, and the committed schema/ beside it."""
    shutil.move(str(base_tree), tmp_path / "checkout" / "records")
    shutil.copytree(ROOT / "schema", tmp_path / "checkout" / "schema")
    return tmp_path / "checkout"


def _new(workspace: Path, kind: Kind) -> Path:
    records = workspace / "records"
    result = runner.invoke(app, ["new", kind.value, f"new-{kind.value}", "--records", str(records)])
    assert result.exit_code == 0, result.output
    return records / FOLDER_OF[kind] / f"new-{kind.value}.yaml"


def _line_of(path: Path, start: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if line.startswith(start))


def test_templates_are_underlined_where_sarschema_reports_and_clean_when_filled(
    workspace: Path,
) -> None:
    paths = {kind: _new(workspace, kind) for kind in Kind}
    empty = editor_diagnostics(list(paths.values()))  # found through the modeline
    report = validate_paths([str(workspace / "records")])
    for kind, path in paths.items():
        reported = {
            d.line for d in report.diagnostics if d.file == str(path) and d.code == "SAR016"
        }
        assert reported, kind
        assert reported <= {d["line"] for d in empty[str(path)]}, (kind, empty[str(path)])
    for kind, path in paths.items():
        path.write_text(fill(path.read_text(encoding="utf-8"), kind.value), encoding="utf-8")
    filled = editor_diagnostics(list(paths.values()))
    assert filled == {str(p): [] for p in paths.values()}
    assert validate_paths([str(workspace / "records")]).ok


def test_templates_offer_values_right_after_the_colon(workspace: Path) -> None:
    incident = _new(workspace, Kind.INCIDENT)
    target = _new(workspace, Kind.TARGET)
    status = _line_of(incident, "status: ")
    language = _line_of(incident, "    language: ")
    kind_of = _line_of(target, "type: ")
    offers = editor_completions(
        [
            (incident, status, len("status: ") + 1),
            (incident, language, len("    language: ") + 1),
            (target, kind_of, len("type: ") + 1),
        ]
    )
    assert offers[(incident, status, 9)] == [s.value for s in Status]
    assert {"en", "fr", "ar"} <= set(offers[(incident, language, 15)])
    assert offers[(target, kind_of, 7)] == ["person", "organisation"]


def test_field_names_offered_are_the_fields_once_each(workspace: Path) -> None:
    incident = _new(workspace, Kind.INCIDENT)
    text = fill(incident.read_text(encoding="utf-8"), "incident")
    incident.write_text(text + "\n", encoding="utf-8")
    last = len(text.splitlines()) + 1
    offers = editor_completions([(incident, last, 1)])[(incident, last, 1)]
    assert offers, "no field offered on an empty line"
    assert len(offers) == len(set(offers)), offers
    assert not [label for label in offers if "sarschema" in label or " " in label], offers
    assert "forensic_analyses" in offers and "alleged_operators" in offers
    assert "title" not in offers  # already there


def test_editor_messages_are_short_and_readable(workspace: Path) -> None:
    """Not the 400-character date pattern, not all 249 country codes."""
    incident = workspace / "records" / "incidents" / "journalist-a-2020.yaml"
    text = incident.read_text(encoding="utf-8")
    incident.write_text(
        text.replace("\ndate: 2020-03", "\ndate: 2021-02-30").replace(
            "\nlocation: MA", "\nlocation: UK"
        ),
        encoding="utf-8",
    )
    schemas = {str(workspace / "schema" / "record.schema.json"): ["**/records/**/*.yaml"]}
    shown = editor_diagnostics([incident], schemas=schemas)[str(incident)]
    by_line = {d["line"]: d["message"] for d in shown}
    date, location = _line_of(incident, "date: "), _line_of(incident, "location: ")
    assert by_line[date].startswith("Not a date") and len(by_line[date]) < 200
    assert by_line[location].startswith("Not a current country code")
    assert len(by_line[location]) < 200
