"""Renderers of a validation report, chosen by name from a small registry."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

from sarschema.changes import is_changed
from sarschema.codes import CODES, Severity
from sarschema.diagnostics import Diagnostic
from sarschema.results import Report
from sarschema.terminal import inert, inert_json


def _summary(report: Report) -> dict[str, int]:
    return {
        "files": report.files_seen,
        "records": report.files,
        "valid_records": len(report.valid_files),  # records may not be kept
        "errors": report.errors,
        "warnings": report.warnings,
        "accepted_warnings": len(report.accepted),
    }


@dataclass(frozen=True, slots=True)
class View:
    """What a renderer shows; the report itself always holds everything.

    `warnings`: "all" in full, "summary" (in full only on the files the contributor
    changed, the rest counted by code), or "none". `changed`: real paths of the
    changed files, None when not known (then every file counts as changed).
    `one_line`: JSON on one line (`validate --watch` writes a report per line)."""

    warnings: str = "all"
    changed: frozenset[str] | None = None
    one_line: bool = False


def _line(d: Diagnostic) -> str:
    where = inert(d.file)
    if d.line is not None:
        where += f":{d.line}"
        if d.column is not None:
            where += f":{d.column}"
    field = f" {inert(d.field)}:" if d.field else ""
    text = f"{where}: {d.level} {d.code}{field} {inert(d.message)}\n"
    return text + (f"    hint: {inert(d.hint)}\n" if d.hint else "")


def _split(
    report: Report, view: View
) -> tuple[list[Diagnostic], list[Diagnostic], list[Diagnostic]]:
    """(errors, warnings shown in full, warnings only counted)."""
    errors = [d for d in report.diagnostics if d.level is Severity.ERROR]
    warnings = [d for d in report.diagnostics if d.level is Severity.WARNING]
    if view.warnings == "all":
        return errors, warnings, []
    if view.warnings == "none":
        return errors, [], []
    shown: list[Diagnostic] = []
    counted: list[Diagnostic] = []
    for d in warnings:  # one pass: linear in the warnings, however many
        (shown if is_changed(d.file, view.changed) else counted).append(d)
    return errors, shown, counted


def render_text(report: Report, out: TextIO, view: View = View()) -> None:
    """Errors first, in full; then warnings as the view says; then the verdict."""
    errors, full, counted = _split(report, view)
    for d in errors:
        out.write(_line(d))
    if full and errors:
        out.write("\nwarnings on the files you changed:\n" if view.warnings == "summary" else "\n")
    for d in full:
        out.write(_line(d))
    if counted:
        by_code = Counter(d.code for d in counted)
        files = len({d.file for d in counted})
        where = "on files you did not change" if view.changed is not None else "in all"
        out.write(f"\n{len(counted)} warning(s) {where} ({files} file(s)), by code:\n")
        for code, count in sorted(by_code.items()):
            out.write(f"  {code} {CODES[code].name}: {count}  ({CODES[code].summary})\n")
        out.write(
            "  (`--show-warnings` lists each one; `docs/diagnostics.md` explains the codes)\n"
        )
    if report.accepted:
        out.write(
            f"\n{len(report.accepted)} warning(s) accepted by `# sarschema: accept` lines "
            "in the records (each with its reason).\n"
        )
    for record_set in report.sets:
        out.write(f"{inert(record_set.describe())}\n")
    s = _summary(report)
    verdict = "valid" if report.ok else "not valid"
    out.write(
        f"{s['records']} record file(s) checked: {s['errors']} error(s), "
        f"{s['warnings']} warning(s); {verdict}.\n"
    )


def render_json(report: Report, out: TextIO, view: View = View()) -> None:
    shown = [d for d in report.diagnostics if view.warnings != "none" or d.level is Severity.ERROR]
    document = {
        "diagnostics": [d.to_json() for d in shown],
        "summary": _summary(report),
        "sets": [
            {"root": s.root, "format_version": s.version, "stated_in": s.declared_in}
            for s in report.sets
        ],
        "valid": report.ok,
    }
    indent = None if view.one_line else 2
    out.write(inert_json(json.dumps(document, ensure_ascii=False, indent=indent)))
    out.write("\n")


def _escape_data(text: str) -> str:
    """GitHub's own escapes, after every control character is made visible."""
    return inert(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_line(d: Diagnostic) -> str:
    props = [f"file={_escape_property(d.file)}"]
    if d.line is not None:
        props.append(f"line={d.line}")
    if d.column is not None:
        props.append(f"col={d.column}")
    props.append(f"title={_escape_property(d.code + (' ' + d.field if d.field else ''))}")
    message = d.message + (f" Hint: {d.hint}" if d.hint else "")
    return f"::{d.level} {','.join(props)}::{_escape_data(message)}"


def render_github(report: Report, out: TextIO, view: View = View()) -> None:
    """Annotations: every error; warnings only on the pull request's changed files
    when those are known, so that nobody's pull request shows others' warnings."""
    for d in report.diagnostics:
        if d.level is Severity.ERROR or (
            view.warnings != "none" and is_changed(d.file, view.changed)
        ):
            out.write(github_line(d) + "\n")
    for record_set in report.sets:
        out.write(f"{_escape_data(record_set.describe())}\n")
    s = _summary(report)
    out.write(
        f"{s['records']} record file(s) checked: {s['errors']} error(s), "
        f"{s['warnings']} warning(s).\n"
    )


RENDERERS: dict[str, Callable[[Report, TextIO, View], None]] = {
    "text": render_text,
    "json": render_json,
    "github": render_github,
}
