"""Case folders under tests/cases/, found and run automatically.

Each case is a folder with `expected.yaml` and a `records/` tree. With
`base: true` the tree is laid over a copy of `tests/cases/_base/records` (a
small valid record set), so a case holds only the files it changes.

expected.yaml keys:
  about:        what the case proves (one line)
  base:         lay the case's records over the base set (default false)
  remove:       files of the base set to delete (paths relative to records/)
  strict:       run with --strict (default false)
  warnings:     compare warnings too (default false: only errors are compared)
  diagnostics:  the exact list of {code, file, line} expected (file relative to records/)
  values:       for accepted cases, {file, field, value} read from the records
  secrets:      strings that must appear in no output format (personal data)
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from sarschema.api import Report, validate_paths
from sarschema.codes import CODES, Severity
from sarschema.report import RENDERERS

CASES_DIR = Path(__file__).parent / "cases"
BASE = CASES_DIR / "_base" / "records"
CASES = sorted(p for p in CASES_DIR.iterdir() if (p / "expected.yaml").is_file())
TODAY = dt.date(2026, 1, 1)


def build_tree(case: Path, spec: dict[str, Any], tmp_path: Path) -> Path:
    root = tmp_path / "records"
    if spec.get("base"):
        shutil.copytree(BASE, root, symlinks=True)
    if (case / "records").is_dir():
        shutil.copytree(case / "records", root, symlinks=True, dirs_exist_ok=True)
    root.mkdir(exist_ok=True)
    for rel in spec.get("remove", []):
        (root / rel).unlink()
    return root


def run_case(case: Path, tmp_path: Path) -> tuple[dict[str, Any], Path, Report]:
    spec = yaml.safe_load((case / "expected.yaml").read_text(encoding="utf-8")) or {}
    root = build_tree(case, spec, tmp_path)
    report = validate_paths([str(root)], strict=bool(spec.get("strict")), today=TODAY)
    return spec, root, report


def field_value(record: Any, field: str) -> Any:
    value = record
    for part in field.replace("]", "").replace("[", ".").split("."):
        value = value[int(part)] if part.isdigit() else getattr(value, part)
    return value


STRAY = {"SAR020", "SAR021", "SAR022", "SAR023", "SAR028", "SAR029"}


def assert_nothing_lost(report: Report) -> None:
    """Files found = record files read + files reported; every record file read
    ends as a validated record or with at least one error naming it."""
    stray = {d.file for d in report.diagnostics if d.code in STRAY}
    assert report.files_seen == report.files + len(stray) == len(set(report.read)) + len(stray)
    with_errors = {d.file for d in report.diagnostics if d.level is Severity.ERROR}
    for file in report.read:
        assert file in report.valid_files or file in with_errors, f"{file} vanished"
    assert len(report.valid_files) == len(report.records)


#: Codes whose hint depends on the value found: there may be none to give (no
#: close vocabulary word, no slug to suggest).
MAY_HAVE_NO_HINT = {"SAR103", "SAR104", "SAR113"}


def assert_every_problem_says_how_to_fix_it(report: Report) -> None:
    """Contributors are told how to fix each problem, not only what it is."""
    silent = {d.code for d in report.diagnostics if not d.hint} - MAY_HAVE_NO_HINT
    assert not silent, f"diagnostics without a hint: {sorted(silent)}"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case(case: Path, tmp_path: Path) -> None:
    spec, root, report = run_case(case, tmp_path)
    with_warnings = bool(spec.get("warnings")) or bool(spec.get("strict"))
    got = sorted(
        (d.code, Path(d.file).relative_to(root).as_posix(), d.line)
        for d in report.diagnostics
        if with_warnings or d.level is Severity.ERROR
    )
    expected = sorted((d["code"], d["file"], d.get("line")) for d in spec.get("diagnostics") or [])
    assert got == expected, "\n".join(
        f"{d.file}:{d.line}: {d.code} {d.message}" for d in report.diagnostics
    )
    # the verdict the case's author wrote down: valid unless an expected code is an
    # error (or any is, under --strict)
    expect_valid = not any(
        spec.get("strict") or CODES[d["code"]].severity is Severity.ERROR
        for d in spec.get("diagnostics") or []
    )
    assert report.ok is expect_valid
    assert_nothing_lost(report)
    assert_every_problem_says_how_to_fix_it(report)
    for want in spec.get("values") or []:
        stem = Path(want["file"]).stem
        (record,) = [r for r in report.records if r.id == stem]
        assert str(field_value(record, want["field"])) == str(want["value"])
    for secret in spec.get("secrets") or []:
        for name, render in RENDERERS.items():
            out = io.StringIO()
            render(report, out)
            assert secret not in out.getvalue(), f"{name} output repeats personal data"
            digits = "".join(ch for ch in secret if ch.isdigit())
            if len(digits) >= 7:
                flat = "".join(ch for ch in out.getvalue() if ch.isdigit())
                assert digits not in flat, f"{name} output repeats the digits of personal data"


def test_every_case_folder_has_expectations() -> None:
    """A case folder without expected.yaml would be skipped in silence."""
    for folder in CASES_DIR.iterdir():
        if folder.is_dir() and folder.name != "_base":
            assert (folder / "expected.yaml").is_file(), folder


def test_base_set_is_valid_and_warning_free() -> None:
    report = validate_paths([str(BASE)], strict=True, today=TODAY)
    assert report.diagnostics == []
    assert report.files == len(report.records) == 8
