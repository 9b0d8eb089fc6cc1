"""The shipped records validate; generated files are fresh; the install is sound."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from sarschema.api import validate_paths
from sarschema.docs import write_docs

ROOT = Path(__file__).resolve().parent.parent


def test_shipped_records_validate() -> None:
    report = validate_paths([str(ROOT / "records")])
    errors = [
        f"{d.file}:{d.line}: {d.code} {d.message}" for d in report.diagnostics if d.level == "error"
    ]
    assert errors == []
    assert report.files == len(report.records) >= 4
    kinds = {r.kind for r in report.records}  # type: ignore[attr-defined]
    assert kinds == {"incident", "target", "operator", "response"}


def test_shipped_warnings_are_all_accepted_and_listed() -> None:
    """Every warning left on the shipped set was accepted by a person, and
    records/README.md lists each record that accepts one, and no other."""
    report = validate_paths([str(ROOT / "records")])
    assert report.warnings == 0
    accepting = {Path(d.file).resolve() for d in report.accepted}
    assert accepting
    readme = (ROOT / "records" / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Accepted warnings", 1)[1].split("\n## ", 1)[0]
    listed = {
        (ROOT / "records" / f"{name}.yaml").resolve()
        for name in re.findall(r"^- `([a-z]+/[a-z0-9-]+)`$", section, re.MULTILINE)
    }
    assert listed == accepting


def test_generated_docs_are_fresh() -> None:
    stale = write_docs(ROOT / "docs", check=True)
    assert stale == [], "run `sarschema docs` and commit the result"


def test_every_code_is_documented() -> None:
    from sarschema.codes import CODES

    text = (ROOT / "docs" / "diagnostics.md").read_text(encoding="utf-8")
    for code in CODES:
        assert f"| {code} |" in text


def test_missing_libyaml_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    from sarschema import loader
    from sarschema.errors import EnvironmentProblem

    monkeypatch.setitem(sys.modules, "yaml._yaml", None)
    with pytest.raises(EnvironmentProblem, match="libyaml"):
        loader.load(b"a: 1\n", "f")


def test_importing_the_package_does_no_work() -> None:
    import subprocess

    code = (
        "import sys, sarschema; "
        "print(any(m.startswith(('pydantic', 'yaml', 'phonenumbers')) for m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


@pytest.mark.parametrize("warned", [False, True], ids=["shipped", "with-a-warning"])
def test_a_warm_validation_imports_no_pydantic(tmp_path: Path, warned: bool) -> None:
    """A warm `validate` of unchanged records needs no model, so it does not import
    Pydantic (0.07 s of its start-up; goal 5 of issue 19 is 0.2 s in all). Typer
    0.29 imports it to coerce every option, hence its bound in pyproject.toml. Nor
    does a warning that names a record (the personal-data guard judges each name
    it echoes, and took 0.09 s importing the country type and Pydantic with it)."""
    import os
    import shutil
    import subprocess

    records = tmp_path / "records"
    shutil.copytree(ROOT / "records", records)
    if warned:
        lone = records / "targets" / "abdullah-khashoggi.yaml"
        text = lone.read_text(encoding="utf-8").replace("abdullah-khashoggi", "a-lone-target")
        (records / "targets" / "a-lone-target.yaml").write_text(text, encoding="utf-8")

    code = (
        "import sys\n"
        "from sarschema.cli import main\n"
        "sys.argv[:] = ['sarschema', 'validate', sys.argv[1]]\n"
        "try:\n    main()\n"
        "except SystemExit as exit:\n    assert exit.code == 0, exit.code\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'pydantic', 'pydantic_core'}))"
    )
    env = {**os.environ, "SARSCHEMA_CACHE_DIR": str(tmp_path / "cache")}
    runs = [
        subprocess.run(
            [sys.executable, "-c", code, str(records)],
            capture_output=True,
            text=True,
            check=True,
            env=env,
            cwd=tmp_path,
        ).stdout.splitlines()
        for _ in range(2)
    ]
    assert [run[-1] for run in runs] == ["['pydantic', 'pydantic_core']", "[]"]  # cold, warm
    assert any("`a-lone-target`" in line for line in runs[1]) == warned  # the id echoed


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    command = next(
        line
        for line in readme.splitlines()
        if line.startswith("bash .ci/chromium && python3 -m venv") and "pytest" in line
    )
    assert f"{command} || exit 1" in ci  # bash ignores `set -e` inside a && chain


def test_readme_and_contributing_examples_match_the_tool(tmp_path: Path) -> None:
    """The example diagnostics shown to newcomers are what the tool really prints."""
    import shutil

    from typer.testing import CliRunner

    from sarschema.cli import app

    records = tmp_path / "records"
    shutil.copytree(ROOT / "records", records)
    radi = records / "incidents" / "omar-radi-2020-nso-spyware.yaml"
    radi.write_text(radi.read_text(encoding="utf-8").replace("status: targeted", "status: infectd"))
    runner = CliRunner()
    assert (
        runner.invoke(
            app, ["new", "incident", "jane-doe-2021-pegasus", "--records", str(records)]
        ).exit_code
        == 0
    )
    new = records / "incidents" / "jane-doe-2021-pegasus.yaml"
    new.write_text(new.read_text(encoding="utf-8").replace("\nstatus: \n", "\nstatus: infectd\n"))
    out = runner.invoke(app, ["validate", str(records), "--no-cache"]).output.replace(
        str(records), "records"
    )
    for doc in ("README.md", "CONTRIBUTING.md"):
        text = (ROOT / doc).read_text(encoding="utf-8")
        shown = [line for line in text.splitlines() if "error SAR103" in line]
        assert shown, doc
        for line in shown:
            assert line in out, (doc, line)


def _requirements() -> list[tuple[str, str]]:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lines = [("runtime", line) for line in project["dependencies"]]
    for extra, reqs in project["optional-dependencies"].items():
        lines += [(extra, line) for line in reqs if not line.startswith("sarschema")]
    return lines


@pytest.mark.parametrize(("group", "line"), _requirements())
def test_every_dependency_has_a_lower_and_an_upper_bound(group: str, line: str) -> None:
    """Both bounds are tested by .ci/run: newest releases, and the lowest allowed."""
    from packaging.requirements import Requirement

    operators = {spec.operator for spec in Requirement(line).specifier}
    assert operators in ({">=", "<"}, {"=="}), f"{group}: {line}"
    if group in ("runtime", "test"):
        assert operators == {">=", "<"}, f"{group}: {line} (pins belong to linters only)"


def test_lowest_constraints_pin_every_runtime_and_test_dependency() -> None:
    import subprocess

    from packaging.requirements import Requirement

    done = subprocess.run(
        [sys.executable, str(ROOT / ".ci" / "lowest_constraints.py"), "test"],
        capture_output=True,
        text=True,
        check=True,
    )
    pins = dict(line.split("==") for line in done.stdout.splitlines() if not line.startswith("#"))
    for group, line in _requirements():
        if group in ("runtime", "test"):
            req = Requirement(line)
            low = next(spec.version for spec in req.specifier if spec.operator == ">=")
            assert pins[req.name] == low
    assert "pytest" in pins and "pydantic" in pins
