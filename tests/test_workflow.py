"""Contributor workflow: `sarschema new`, `sarschema stats`, pre-commit and CI files."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from sarschema.api import validate_paths
from sarschema.cli import app
from sarschema.vocab import Kind

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()

#: What a contributor would type into each empty field of the templates.
FILL = {
    "title": "Alleged surveillance of Journalist B",
    "summary": "According to Example Lab, the phone was selected.",
    "date": "2021-07",
    "status": "selected",
    "name": "Journalist Z",
    "visibility": "pseudonymous",
    "type": {"target": "person", "operator": "state", "response": "statement", "by": "ngo"},
    "country": "MA",
    "publisher": "Example Rights Group",
    "published": "2021-07-18",
    "language": "en",
    "url": "https://example.org/report",
}
ITEMS = {
    "targets": "journalist-b",
    "evidence": "leaked-data",
    "roles": "journalist",
    "incidents": "journalist-a-2020",
}


def fill(text: str, kind: str) -> str:
    """Fill every empty `key:` and `-` line of a template, as a person would."""
    out, parent, in_by = [], "", False
    for line in text.splitlines():
        key = re.match(r"^(\s*)(- )?(\w+):\s*(#.*)?$", line)
        item = re.match(r"^(\s*)-\s*$", line)
        if key and not line.lstrip().startswith("#"):
            indent, dash, name = key.group(1), key.group(2) or "", key.group(3)
            if name == "by":
                in_by = True
            elif indent == "" and name != "by":
                in_by = False
            value = FILL.get(name)
            if isinstance(value, dict):
                value = value["by" if in_by else kind]
            if value is not None:
                line = f"{indent}{dash}{name}: {value}"
            parent = name
        elif item:
            line = f"{item.group(1)}- {ITEMS[parent]}"
        out.append(line)
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("version", ["1.0", "1.1"])
@pytest.mark.parametrize("kind", list(Kind))
def test_new_template_fails_empty_and_passes_filled(
    base_tree: Path, kind: Kind, version: str
) -> None:
    if version != "1.0":
        (base_tree / "sarschema.yaml").write_text(f'format_version: "{version}"\n')
    result = runner.invoke(app, ["new", kind.value, "new-record", "--records", str(base_tree)])
    assert result.exit_code == 0, result.output
    path = next(base_tree.glob("*/new-record.yaml"))
    text = path.read_text(encoding="utf-8")
    folder = "" if version == "1.0" else f"{version}/"
    schema = f"../../schema/{folder}{kind.value}.schema.json"
    assert text.startswith(f"# yaml-language-server: $schema={schema}")
    assert ("revealed:" in text) == (version == "1.1" and kind is Kind.INCIDENT)
    empty = validate_paths([str(base_tree)])
    assert not empty.ok
    assert {d.code for d in empty.diagnostics if d.file.endswith("new-record.yaml")} >= {"SAR016"}
    path.write_text(fill(text, kind.value), encoding="utf-8")
    filled = validate_paths([str(base_tree)])
    errors = [f"{d.line}: {d.code} {d.message}" for d in filled.diagnostics if d.level == "error"]
    assert errors == []
    assert filled.files == 9


@pytest.mark.parametrize("version", ["1.0", "1.1"])
def test_schema_line_points_at_the_committed_schema(version: str) -> None:
    from sarschema.scaffold import template

    for kind in Kind:
        first = template(kind, "x-y-z", version).splitlines()[0]
        relative = first.split("$schema=", 1)[1]
        schema = (ROOT / "records" / "targets" / relative).resolve()
        assert schema.is_file()
        assert schema.relative_to(ROOT / "schema").parts == (
            (f"{kind.value}.schema.json",)
            if version == "1.0"
            else (version, f"{kind.value}.schema.json")
        )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["target", "journalist-a"], "already used"),
        (["incident", "spyware-a"], "already used by a product"),
        (["target", "Journalist_A"], "not a valid id"),
        (["person", "someone-new"], "unknown kind"),
    ],
)
def test_new_refuses(
    base_tree: Path, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    import sys

    from sarschema import cli

    old = sys.argv
    sys.argv = ["sarschema", "new", *args, "--records", str(base_tree)]
    try:
        with pytest.raises(SystemExit) as exit_info:
            cli.main()
    finally:
        sys.argv = old
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err
    assert len(list(base_tree.glob("*/*.yaml"))) == 8


def test_stats_json_counts(base_tree: Path) -> None:
    result = runner.invoke(app, ["stats", str(base_tree), "--format", "json"])
    assert result.exit_code == 0, result.output
    stats = json.loads(result.output)
    assert stats["records per kind"] == {"operator": 3, "response": 2, "target": 2, "incident": 1}
    assert stats["incidents per status"] == {"infected": 1}
    assert stats["incidents per alleged operator"] == {"agency-a": 1}
    assert stats["incidents per year"] == {"2020": 1}
    assert stats["targets per role"] == {"journalist": 2, "editor": 1}
    assert stats["targets per nationality"] == {"MA": 1}
    assert stats["responses per type"] == {"call-to-action": 1, "denial": 1}


def test_stats_table(base_tree: Path) -> None:
    result = runner.invoke(app, ["stats", str(base_tree)])
    assert result.exit_code == 0
    assert "records per kind" in result.output and "infected" in result.output


def test_stats_refuses_records_with_errors(base_tree: Path) -> None:
    (base_tree / "targets" / "broken.yaml").write_text("id: broken\n")
    assert runner.invoke(app, ["stats", str(base_tree)]).exit_code == 1


@pytest.mark.parametrize("command", ["new", "stats"])
def test_help_shows_an_example(command: str) -> None:
    result = runner.invoke(app, [command, "--help"])
    assert f"sarschema {command}" in result.output


def _workflow(name: str) -> dict[str, object]:
    data = yaml.safe_load((ROOT / ".github" / "workflows" / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_pull_request_workflow_annotates_and_checks_freshness() -> None:
    workflow = _workflow("validate.yml")
    assert "pull_request" in workflow[True]  # type: ignore[operator]  # YAML 1.1 reads `on` as True
    steps = workflow["jobs"]["validate"]["steps"]  # type: ignore[index]
    commands = [s["run"] for s in steps if "run" in s]
    assert "sarschema validate records --format github" in commands
    assert "sarschema export schema --check" in commands
    assert "sarschema docs --check" in commands


def test_workflow_steps_pass_locally() -> None:
    """The workflow's own commands, run here as the runner would (after installing)."""
    import os
    import subprocess
    import sys

    steps = _workflow("validate.yml")["jobs"]["validate"]["steps"]  # type: ignore[index]
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    for step in steps:
        command = step.get("run")
        if command is None or "pip install" in command:
            continue
        done = subprocess.run(
            command, shell=True, cwd=ROOT, env=env, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, (command, done.stdout[-2000:], done.stderr[-2000:])


def test_reusable_workflow_is_callable() -> None:
    workflow = _workflow("sarschema-reusable.yml")
    inputs = workflow[True]["workflow_call"]["inputs"]  # type: ignore[index]
    assert set(inputs) == {"records", "strict", "sarschema-ref", "sarschema-repository"}
    # The caller names the commit to install: there is no default to fall back on.
    assert inputs["sarschema-ref"]["required"] is True
    assert "default" not in inputs["sarschema-ref"]
    steps = workflow["jobs"]["validate"]["steps"]  # type: ignore[index]
    assert any("--format github" in s.get("run", "") for s in steps)


# --- Workflow security (what zizmor checks in .ci/run, kept here as promises) -----------

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
#: `uses: owner/repo@<40 hex> # v1.2.3`, as the line is written in the file.
PINNED_USES = re.compile(
    r"^\s*(?:-\s+)?uses:\s*[\w.-]+/[\w./-]+@[0-9a-f]{40}\s+#\s*v\d+(?:\.\d+)*\s*$"
)


def _steps(workflow: dict[str, object]) -> list[dict[str, object]]:
    jobs = workflow["jobs"]
    assert isinstance(jobs, dict)
    return [step for job in jobs.values() for step in job.get("steps", [])]


def _with(step: dict[str, object]) -> dict[str, object]:
    value = step.get("with", {})
    assert isinstance(value, dict)
    return value


def test_there_are_workflows_to_check() -> None:
    names = {path.name for path in WORKFLOWS}
    assert {"tests.yml", "validate.yml", "sarschema-reusable.yml"} <= names


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
def test_actions_are_pinned_to_a_commit_with_the_version_in_a_comment(path: Path) -> None:
    lines = [
        line
        for line in path.read_text(encoding="utf-8").splitlines()
        if re.match(r"^\s*(?:-\s+)?uses:", line)
    ]
    assert lines, "no `uses:` line found"
    unpinned = [line.strip() for line in lines if not PINNED_USES.match(line)]
    assert unpinned == []
    # The YAML agrees with the lines read above (no `uses:` hidden in flow style).
    uses = [step["uses"] for step in _steps(_workflow(path.name)) if "uses" in step]
    assert len(uses) == len(lines)
    assert all(re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", str(use)) for use in uses)


#: The one job that may write: publishing the site to GitHub Pages. It runs no code of
#: the checkout, only the pinned deploy action on what the read-only build uploaded.
PUBLISHERS = {("pages.yml", "deploy"): {"pages": "write", "id-token": "write"}}


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
def test_workflow_token_is_read_only(path: Path) -> None:
    workflow = _workflow(path.name)
    top = workflow.get("permissions")
    # read-only for the whole workflow, or nothing, and then each job says what it reads
    assert top in ({"contents": "read"}, {})
    jobs = workflow["jobs"]
    assert isinstance(jobs, dict)
    for name, job in jobs.items():
        publisher = PUBLISHERS.get((path.name, name))
        if publisher is not None:
            assert job.get("permissions") == publisher, name
            steps = job["steps"]
            assert [str(s.get("uses", "")).split("@")[0] for s in steps] == [
                "actions/deploy-pages"
            ], name
            assert not any("run" in s for s in steps), name
        elif top == {}:
            assert job.get("permissions") == {"contents": "read"}, name
        else:
            assert job.get("permissions") in (None, {"contents": "read"}), name


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
def test_checkouts_do_not_persist_credentials(path: Path) -> None:
    checkouts = [
        step
        for step in _steps(_workflow(path.name))
        if str(step.get("uses", "")).startswith("actions/checkout@")
    ]
    assert checkouts
    for step in checkouts:
        assert _with(step).get("persist-credentials") is False, step


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
def test_expressions_reach_scripts_only_through_env(path: Path) -> None:
    scripts = [str(step["run"]) for step in _steps(_workflow(path.name)) if "run" in step]
    assert scripts
    assert [script for script in scripts if "${{" in script] == []


def test_reusable_workflow_installs_sarschema_from_the_pinned_commit() -> None:
    workflow = _workflow("sarschema-reusable.yml")
    steps = _steps(workflow)
    text = (ROOT / ".github" / "workflows" / "sarschema-reusable.yml").read_text(encoding="utf-8")
    # Never a bare name that anyone could register on a package index.
    assert not re.search(r"pip3?\s+install\b[^\n]*(?<![\w./-])sarschema\b(?![\w./-])", text)
    tool = [step for step in steps if _with(step).get("path") == ".sarschema-tool"]
    assert len(tool) == 1
    assert _with(tool[0]) == {
        "repository": "${{ inputs.sarschema-repository }}",
        "ref": "${{ inputs.sarschema-ref }}",
        "path": ".sarschema-tool",
        "persist-credentials": False,
    }
    installs = [str(s["run"]) for s in steps if "pip install" in str(s.get("run", ""))]
    assert installs and all("pip install ./.sarschema-tool" in run for run in installs)
    # The SHA check runs before anything is checked out or installed.
    assert "sarschema-ref" in str(steps[0].get("name", ""))


def _run_step(step: dict[str, object], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run one `run:` step with bash, as the runner would (`shell: bash`)."""
    import os
    import sys

    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", str(step["run"])],
        cwd=ROOT,
        env={**os.environ, "PATH": path, **env},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    ("ref", "ok"),
    [
        ("11d5960a326750d5838078e36cf38b85af677262", True),
        ("v0.1.0", False),
        ("main", False),
        ("11d5960", False),
        ("11d5960a326750d5838078e36cf38b85af677262\n", False),
        ("", False),
    ],
)
def test_reusable_workflow_refuses_a_ref_that_is_not_a_commit(ref: str, ok: bool) -> None:
    step = _steps(_workflow("sarschema-reusable.yml"))[0]
    assert step["env"] == {"SARSCHEMA_REF": "${{ inputs.sarschema-ref }}"}
    done = _run_step(step, {"SARSCHEMA_REF": ref})
    assert (done.returncode == 0) is ok, (done.stdout, done.stderr)


@pytest.mark.parametrize(("strict", "code"), [("false", 0), ("true", 1)])
def test_reusable_workflow_validates_through_env(base_tree: Path, strict: str, code: int) -> None:
    """The validate step, run here with its inputs in env as the runner would pass them."""
    steps = _steps(_workflow("sarschema-reusable.yml"))
    (step,) = [s for s in steps if s.get("name") == "Validate records"]
    assert step["env"] == {"RECORDS": "${{ inputs.records }}", "STRICT": "${{ inputs.strict }}"}
    # One warning (a source without `url:`): an error only with `strict: true`.
    record = base_tree / "targets" / "journalist-b.yaml"
    text = record.read_text(encoding="utf-8")
    broken = text.replace("    url: https://example.org/reports/leaked-list\n", "")
    assert broken != text
    record.write_text(broken, encoding="utf-8")
    done = _run_step(step, {"RECORDS": str(base_tree), "STRICT": strict})
    assert "::warning file=" in done.stdout or "::error file=" in done.stdout, done.stdout
    assert done.returncode == code, (done.stdout[-2000:], done.stderr[-2000:])


def test_pre_commit_hooks() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert {h["id"] for h in hooks} == {"sarschema-validate", "sarschema-validate-strict"}
    for hook in hooks:
        assert hook["entry"].startswith("sarschema validate")
        assert hook["language"] == "python" and hook["pass_filenames"] is False
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    entries = {h["entry"] for repo in config["repos"] for h in repo["hooks"]}
    assert entries == {
        ".ci/with-venv sarschema validate",
        ".ci/with-venv sarschema export schema --check",
        ".ci/with-venv sarschema docs --check",
        ".ci/with-venv ruff check src tests benchmarks .ci",
        ".ci/with-venv ruff format --check src tests benchmarks .ci",
        ".ci/with-venv mypy",
    }
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    for entry in entries - {e for e in entries if "sarschema" in e}:  # as CI runs them
        assert entry.replace(".ci/with-venv ", ".venv/bin/") in ci, entry
    assert {h["language"] for repo in config["repos"] for h in repo["hooks"]} == {"script"}


def test_own_hooks_run_from_a_terminal_without_the_venv(tmp_path: Path) -> None:
    """A new terminal: the venv not active, its bin/ not on PATH."""
    import os
    import shutil
    import subprocess
    import sys

    checkout = tmp_path / "checkout"
    (checkout / ".ci").mkdir(parents=True)
    shutil.copy(ROOT / ".ci" / "with-venv", checkout / ".ci" / "with-venv")
    bare = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    script = str(checkout / ".ci" / "with-venv")
    missing = subprocess.run(
        [script, "sarschema", "--version"], capture_output=True, text=True, env=bare, check=False
    )
    assert missing.returncode == 1
    assert "python3 -m venv .venv && .venv/bin/pip install -e ." in missing.stderr
    venv_bin = checkout / ".venv" / "bin"
    venv_bin.mkdir(parents=True)
    (venv_bin / "sarschema").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m sarschema "$@"\n')
    (venv_bin / "sarschema").chmod(0o755)
    found = subprocess.run(
        [script, "sarschema", "--version"],
        capture_output=True,
        text=True,
        env={**bare, "PYTHONPATH": os.pathsep.join(sys.path)},
        check=False,
    )
    assert found.returncode == 0, found.stderr
    assert found.stdout.startswith("sarschema ")


def test_the_pythons_claimed_are_the_pythons_tested() -> None:
    """pyproject.toml's classifiers and the tests workflow's matrix say the same."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    claimed = {
        c.rsplit(" :: ", 1)[1]
        for c in project["classifiers"]
        if c.startswith("Programming Language :: Python :: 3.")
    }
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "tests.yml").read_text())
    matrix = workflow["jobs"]["tests"]["strategy"]["matrix"]["include"]
    assert {m["python"] for m in matrix if m["dependencies"] == "newest"} == claimed
    lowest_python = min(claimed, key=lambda v: tuple(map(int, v.split("."))))
    assert {m["python"] for m in matrix if m["dependencies"] == "lowest"} == {lowest_python}
    assert project["requires-python"] == f">={lowest_python}"


def test_stats_of_a_1_1_set_count_held_roles_by_role_and_undated_incidents_apart(
    base_tree: Path,
) -> None:
    from records_v11 import write_v11

    write_v11(base_tree)
    result = runner.invoke(app, ["stats", str(base_tree), "--format", "json"])
    assert result.exit_code == 0, result.output
    stats = json.loads(result.output)
    roles = stats["targets per role"]
    assert roles["government-official"] == 1 and roles["politician"] == 1
    assert all("held" not in role for role in roles)
    years = stats["incidents per year"]
    assert any(year.startswith("(not dated; revealed ") for year in years)
    assert sum(years.values()) == stats["records per kind"]["incident"]
