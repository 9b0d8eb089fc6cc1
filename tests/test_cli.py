"""The command line: output formats, exit codes, help examples, error paths."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sarschema import cli
from sarschema.cli import app

runner = CliRunner()


def break_record(root: Path) -> None:
    path = root / "incidents" / "journalist-a-2020.yaml"
    path.write_text(path.read_text().replace("status: infected", "status: infectd"))


def test_valid_tree_exits_0(base_tree: Path) -> None:
    result = runner.invoke(app, ["validate", str(base_tree)])
    assert result.exit_code == 0, result.output
    assert "0 error(s)" in result.output


def test_text_format_names_file_line_column_code_field(base_tree: Path) -> None:
    break_record(base_tree)
    result = runner.invoke(app, ["validate", str(base_tree)])
    assert result.exit_code == 1
    expected = f"{base_tree}/incidents/journalist-a-2020.yaml:14:9: error SAR103 status: "
    assert expected in result.output
    assert "hint: did you mean `infected`?" in result.output


def test_json_format_has_exactly_the_documented_keys(base_tree: Path) -> None:
    break_record(base_tree)
    result = runner.invoke(app, ["validate", str(base_tree), "--format", "json"])
    assert result.exit_code == 1
    document = json.loads(result.output)
    (diag,) = document["diagnostics"]
    assert set(diag) == {"file", "line", "column", "severity", "code", "field", "message"}
    assert diag == {
        "file": f"{base_tree}/incidents/journalist-a-2020.yaml",
        "line": 14,
        "column": 9,
        "severity": "error",
        "code": "SAR103",
        "field": "status",
        "message": diag["message"],
    }
    assert "did you mean `infected`?" in diag["message"]
    assert document["summary"]["errors"] == 1
    assert document["summary"]["records"] == 8
    assert document["summary"]["valid_records"] == 7  # all but the broken one


def test_json_file_is_the_path_as_given(base_tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    break_record(base_tree)
    monkeypatch.chdir(base_tree.parent)
    result = runner.invoke(app, ["validate", "./records", "--format", "json"])
    (diag,) = json.loads(result.output)["diagnostics"]
    assert diag["file"] == "./records/incidents/journalist-a-2020.yaml"


def test_github_format_annotates(base_tree: Path) -> None:
    break_record(base_tree)
    result = runner.invoke(app, ["validate", str(base_tree), "--format", "github"])
    assert result.exit_code == 1
    line = result.output.splitlines()[0]
    assert line.startswith(
        f"::error file={base_tree}/incidents/journalist-a-2020.yaml,line=14,col=9,title=SAR103 status::"
    )


def test_warnings_pass_unless_strict(base_tree: Path) -> None:
    denial = base_tree / "responses" / "denial-a.yaml"
    denial.write_text(denial.read_text().replace("    url: https://example.org/news/denial\n", ""))
    relaxed = runner.invoke(app, ["validate", str(base_tree)])
    assert relaxed.exit_code == 0
    assert "warning SAR400" in relaxed.output
    strict = runner.invoke(app, ["validate", str(base_tree), "--strict"])
    assert strict.exit_code == 1
    assert "error SAR400" in strict.output


def test_missing_path_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        run_main(["validate", str(tmp_path / "nope")])
    assert exit_info.value.code == 2
    assert "path not found" in capsys.readouterr().err


def test_unknown_option_is_a_usage_error() -> None:
    result = runner.invoke(app, ["validate", "--bogus"])
    assert result.exit_code == 2


def run_main(args: list[str]) -> None:
    old = sys.argv
    sys.argv = ["sarschema", *args]
    try:
        cli.main()
    finally:
        sys.argv = old


def test_internal_error_exits_2_and_asks_for_a_report(
    base_tree: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import sarschema.api

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(sarschema.api, "validate_paths", boom)
    monkeypatch.delenv("SARSCHEMA_DEBUG", raising=False)
    with pytest.raises(SystemExit) as exit_info:
        run_main(["validate", str(base_tree)])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "internal error (RuntimeError)" in err
    assert "bug in sarschema" in err
    assert "Traceback" not in err


def test_default_path_is_records(base_tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(base_tree.parent)
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 0
    assert "8 record file(s) checked" in result.output


@pytest.mark.parametrize("command", ["validate", "docs"])
def test_each_command_help_shows_an_example(command: str) -> None:
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output
    assert f"sarschema {command}" in result.output


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.startswith("sarschema ")


def test_python_dash_m(base_tree: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "sarschema", "validate", str(base_tree), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["valid"] is True


@pytest.mark.parametrize("kind", ["json", "csv"])
def test_exports_refuse_records_with_errors(base_tree: Path, tmp_path: Path, kind: str) -> None:
    break_record(base_tree)
    out = tmp_path / "out"
    args = ["export", kind, str(base_tree), "--out", str(out / "x.json" if kind == "json" else out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert "export refused" in result.output
    assert "SAR103" in result.output
    assert not out.exists()


def test_export_json_counts_every_record(base_tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "records.json"
    result = runner.invoke(app, ["export", "json", str(base_tree), "--out", str(out)])
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["count"] == len(document["records"]) == 8
    assert [r["id"] for r in document["records"]][:1] == ["journalist-a-2020"]
    assert list(document["records"][0])[:2] == ["id", "kind"]


def test_export_schema_check_detects_stale_files(tmp_path: Path) -> None:
    assert runner.invoke(app, ["export", "schema", "--out", str(tmp_path)]).exit_code == 0
    assert (
        runner.invoke(app, ["export", "schema", "--out", str(tmp_path), "--check"]).exit_code == 0
    )
    (tmp_path / "target.schema.json").write_text("{}\n")
    stale = runner.invoke(app, ["export", "schema", "--out", str(tmp_path), "--check"])
    assert stale.exit_code == 1
    assert "target.schema.json" in stale.output


def test_docs_check_detects_stale_files(tmp_path: Path) -> None:
    assert runner.invoke(app, ["docs", "--out", str(tmp_path)]).exit_code == 0
    (tmp_path / "record-format.md").write_text("old\n")
    assert runner.invoke(app, ["docs", "--out", str(tmp_path), "--check"]).exit_code == 1


@pytest.mark.parametrize("command", ["schema", "csv", "json"])
def test_each_export_help_shows_an_example(command: str) -> None:
    result = runner.invoke(app, ["export", command, "--help"])
    assert result.exit_code == 0
    assert f"sarschema export {command}" in result.output


def test_quiet_shows_errors_only_but_counts_warnings(base_tree: Path) -> None:
    break_record(base_tree)
    denial = base_tree / "responses" / "denial-a.yaml"
    denial.write_text(denial.read_text().replace("    url: https://example.org/news/denial\n", ""))
    result = runner.invoke(app, ["validate", str(base_tree), "--quiet", "--format", "json"])
    document = json.loads(result.output)
    assert [d["code"] for d in document["diagnostics"]] == ["SAR103"]
    assert document["summary"]["warnings"] == 1
    assert result.exit_code == 1


def test_streamed_exports_equal_the_library_exports(tmp_path: Path) -> None:
    """The CLI streams records from worker processes; the result is the same as
    exporting the validated models in one process (450 records: the parallel path)."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from generate import generate

    from sarschema.api import validate_paths
    from sarschema.export.csv import write_csv
    from sarschema.export.json import to_document

    records = tmp_path / "records"
    generate(records, 450)
    out = tmp_path / "out"
    assert (
        runner.invoke(app, ["export", "json", str(records), "--out", str(out / "r.json")]).exit_code
        == 0
    )
    assert (
        runner.invoke(app, ["export", "csv", str(records), "--out", str(out / "csv")]).exit_code
        == 0
    )
    report = validate_paths([str(records)])
    assert json.loads((out / "r.json").read_text(encoding="utf-8")) == json.loads(
        json.dumps(to_document(report.records))
    )
    for path in write_csv(report.records, tmp_path / "library"):
        assert (out / "csv" / path.name).read_bytes() == path.read_bytes(), path.name


def test_validate_names_each_sets_version_even_when_its_file_is_wrong(base_tree: Path) -> None:
    (base_tree / "sarschema.yaml").write_text('format_version: "1.2"\n')
    result = runner.invoke(app, ["validate", str(base_tree)])
    assert result.exit_code == 1
    assert "SAR031" in result.output
    assert f"{base_tree}: format 1.1 ({base_tree}/sarschema.yaml states no version it knows" in (
        result.output
    )
    (base_tree / "sarschema.yaml").write_text('format_version: "1.0"\n')
    as_json = runner.invoke(app, ["validate", str(base_tree), "--format", "json"])
    sets = json.loads(as_json.output)["sets"]
    assert sets == [
        {
            "root": str(base_tree),
            "format_version": "1.0",
            "stated_in": f"{base_tree}/sarschema.yaml",
        }
    ]


@pytest.mark.parametrize(
    ("command", "lines"),
    [
        (
            ["validate"],
            ["sarschema validate records --format github", "sarschema validate records --watch"],
        ),
        (
            ["export", "sqlite"],
            [
                "sarschema export sqlite --out build/records.db",
                "datasette build/records.db -m build/metadata.json",
            ],
        ),
    ],
)
def test_an_example_of_several_lines_keeps_its_lines(command: list[str], lines: list[str]) -> None:
    """Help text is wrapped as prose, which ran two commands into one line."""
    result = runner.invoke(app, [*command, "--help"], terminal_width=100)
    assert result.exit_code == 0
    shown = [line.strip() for line in result.output.splitlines()]
    for line in lines:
        assert line in shown
