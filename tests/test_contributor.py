"""A contributor's first pull request, walked as CONTRIBUTING.md tells it.

An incident, its target and its operator from `sarschema new`, filled in with six
mistakes people make. The first run must report every one of them (no second round
after fixing the first), errors before warnings, and each fix must follow from the
message and hint alone.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sarschema.api import validate_paths
from sarschema.cli import app

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()

TARGET = """\
id: jane-doe
kind: target
name: Jane Doe
visibility: public
type: person
roles: [journalist]
nationalities: [UK]
related:
  - name: John Doe
    relation: father
sources:
  - title: "Example report: journalists on a leaked list"
    publisher: Example Rights Group
    published: 19/07/2021
    language: en
"""
OPERATOR = """\
id: state-z
kind: operator
name: Kingdom of Zedland
type: state
country: MA
sources:
  - title: "Example report: journalists on a leaked list"
    publisher: Example Rights Group
    published: 2021-07-19
    language: en
"""
INCIDENT = """\
id: jane-doe-2021
kind: incident
title: Alleged selection of Jane Doe's phone
summary: According to Example Rights Group, the phone was analysed.
date: 2021-07
targets:
  - jane-deo
status: attempted
evidence:
  - forensic-analysis
alleged_operators:
  - operator: state-y
    attribution: reported
sources:
  - title: "Example report: journalists on a leaked list"
    publisher: Example Rights Group
    published: 2021-07-19
    language: en
"""

#: (code, file, what a person would change after reading the message and hint)
MISTAKES = [
    ("SAR106", "jane-doe.yaml", ("nationalities: [UK]", "nationalities: [GB]")),
    ("SAR103", "jane-doe.yaml", ("relation: father", "relation: parent")),
    ("SAR105", "jane-doe.yaml", ("published: 19/07/2021", "published: 2021-07-19")),
    (
        "SAR024",
        "jane-doe-2021-pegasus.yaml",
        ("id: jane-doe-2021\n", "id: jane-doe-2021-pegasus\n"),
    ),
    (
        "SAR121",
        "jane-doe-2021-pegasus.yaml",
        (
            "status: attempted",
            "status: attempted\nforensic_analyses:\n  - by: Example Lab\n    result: attempt-found",
        ),
    ),
    ("SAR201", "jane-doe-2021-pegasus.yaml", ("  - jane-deo", "  - jane-doe")),
    ("SAR201", "jane-doe-2021-pegasus.yaml", ("operator: state-y", "operator: state-z")),
]


def _write(records: Path) -> None:
    for kind, record_id, text in (
        ("target", "jane-doe", TARGET),
        ("operator", "state-z", OPERATOR),
        ("incident", "jane-doe-2021-pegasus", INCIDENT),
    ):
        done = runner.invoke(app, ["new", kind, record_id, "--records", str(records)])
        assert done.exit_code == 0, done.output
        path = next(records.glob(f"*/{record_id}.yaml"))
        path.write_text(text, encoding="utf-8")


def test_the_first_run_reports_every_mistake_with_a_hint(base_tree: Path) -> None:
    _write(base_tree)
    report = validate_paths([str(base_tree)])
    errors = sorted((d.code, Path(d.file).name) for d in report.diagnostics if d.level == "error")
    assert errors == sorted((code, file) for code, file, _ in MISTAKES)
    for d in report.diagnostics:
        if d.level == "error":
            assert d.hint and d.line, d
    father = next(d for d in report.diagnostics if d.code == "SAR103")
    assert "`parent`" in (father.hint or "") and "partner" not in (father.hint or "")
    typo = next(d for d in report.diagnostics if d.code == "SAR201" and "jane-deo" in d.message)
    assert "`jane-doe`" in (typo.hint or "")
    # each fix as the messages say, and nothing is left
    for _, file, (old, new) in MISTAKES:
        path = next(base_tree.glob(f"*/{file}"))
        text = path.read_text(encoding="utf-8")
        assert old in text, (file, old)
        path.write_text(text.replace(old, new), encoding="utf-8")
    fixed = validate_paths([str(base_tree)])
    assert [d for d in fixed.diagnostics if d.level == "error"] == []


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


def test_errors_come_first_and_others_warnings_are_counted(tmp_path: Path) -> None:
    """A set's many warnings do not drown a contributor's one error. The shipped set
    with its accept lines removed has a warning for each source without URL."""
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "records", repo / "records")
    unaccepted = 0
    for path in (repo / "records").glob("*/*.yaml"):
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        kept = [line for line in lines if "# sarschema: accept" not in line]
        unaccepted += len(lines) - len(kept)
        path.write_text("".join(kept), encoding="utf-8")
    assert unaccepted > 20
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "records")
    mine = repo / "records" / "incidents" / "omar-brouksy-maati-monjib-pegasus.yaml"
    text = mine.read_text(encoding="utf-8")
    assert "status: unknown" in text
    mine.write_text(text.replace("status: unknown", "status: unknwn"))
    done = subprocess.run(
        ["sarschema", "validate", "records", "--no-cache"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
        env={**_env(), "GITHUB_BASE_REF": ""},
    )
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert "error SAR103" in lines[0]
    mine_warnings = [line for line in lines if "warning SAR400" in line]
    assert mine_warnings and all("omar-brouksy-maati-monjib" in line for line in mine_warnings)
    counted = next(line for line in lines if "on files you did not change" in line)
    total = int(lines[-1].split(": 1 error(s), ")[1].split(" ")[0])
    assert int(counted.split()[0]) == total - len(mine_warnings)
    assert any(line.strip().startswith("SAR400 source-without-url:") for line in lines)
    assert len(lines) < 20
    shown = subprocess.run(
        ["sarschema", "validate", "records", "--no-cache", "--show-warnings"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
        env=_env(),
    )
    assert sum("warning SAR400" in line for line in shown.stdout.splitlines()) == total
    github = subprocess.run(
        ["sarschema", "validate", "records", "--no-cache", "--format", "github"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
        env=_env(),
    )
    annotations = [line for line in github.stdout.splitlines() if line.startswith("::")]
    assert annotations[0].startswith("::error")
    assert all("omar-brouksy-maati-monjib" in line for line in annotations)


def _env() -> dict[str, str]:
    import os
    import sys

    return {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}


def test_stats_add_up_and_count_accepted_warnings(base_tree: Path) -> None:
    import json

    denial = base_tree / "responses" / "denial-a.yaml"
    text = denial.read_text(encoding="utf-8").replace(
        "    url: https://example.org/news/denial\n", ""
    )
    denial.write_text("# sarschema: accept SAR400 read out on television, never online\n" + text)
    done = runner.invoke(app, ["stats", str(base_tree), "--format", "json"])
    assert done.exit_code == 0, done.output
    counts = json.loads(done.output)
    assert counts["warnings accepted per code"] == {"SAR400": 1}
    shipped = json.loads(runner.invoke(app, ["stats", str(ROOT / "records"), "-f", "json"]).output)
    from sarschema import read_records

    none_named = sum(
        1
        for raw in read_records([ROOT / "records" / "incidents"])
        if raw.data and not raw.data.get("alleged_operators")
    )
    assert none_named > 0
    assert shipped["incidents per alleged operator"]["(none named)"] == none_named
    assert "github" not in runner.invoke(app, ["stats", "--help"]).output


def test_changed_files_follow_git_renames_and_new_files(tmp_path: Path) -> None:
    from sarschema.changes import changed_files

    repo = tmp_path / "repo"
    (repo / "records" / "targets").mkdir(parents=True)
    for name in ("a-one.yaml", "b-two.yaml"):
        (repo / "records" / "targets" / name).write_text("id: x\n")
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "two")
    _git(repo, "mv", "records/targets/a-one.yaml", "records/targets/a-renamed.yaml")
    (repo / "records" / "targets" / "c-new.yaml").write_text("id: y\n")
    changed = changed_files([str(repo / "records")])
    assert changed is not None
    names = {Path(p).name for p in changed}
    assert names == {"a-renamed.yaml", "c-new.yaml"}
    assert changed_files([str(tmp_path)]) is None  # not a git work tree: not known


def test_changed_files_since_a_branch_point_from_a_subfolder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--since REF` adds what the branch committed since it left REF; the names are
    the root's even when asked from a subfolder, and even with `diff.relative` on."""
    from sarschema.changes import changed_files

    monkeypatch.delenv("GITHUB_BASE_REF", raising=False)
    repo = tmp_path / "repo"
    targets = repo / "records" / "targets"
    targets.mkdir(parents=True)
    for name in ("a-one.yaml", "b-two.yaml", "c-three.yaml"):
        (targets / name).write_text("id: x\n")
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "config", "diff.relative", "true")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "three")
    _git(repo, "checkout", "-qb", "work")
    (targets / "b-two.yaml").write_text("id: y\n")
    _git(repo, "commit", "-qam", "b changed on the branch")
    (targets / "c-three.yaml").write_text("id: z\n")  # changed, not committed
    changed = changed_files([str(targets)], since="main")
    assert changed == {str((targets / name).resolve()) for name in ("b-two.yaml", "c-three.yaml")}
    assert changed_files([str(targets)]) == {str((targets / "c-three.yaml").resolve())}
    assert changed_files([str(targets)], since="no-such-branch") is None  # git fails: not known
