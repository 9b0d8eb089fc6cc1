"""Renderers of a validation report, chosen by name from a small registry."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TextIO

from sarschema.api import Report
from sarschema.diagnostics import Diagnostic
from sarschema.terminal import inert, inert_json


def _summary(report: Report) -> dict[str, int]:
    return {
        "files": report.files_seen,
        "records": report.files,
        "valid_records": len(report.records),
        "errors": report.errors,
        "warnings": report.warnings,
    }


def render_text(report: Report, out: TextIO) -> None:
    for d in report.diagnostics:
        where = inert(d.file)
        if d.line is not None:
            where += f":{d.line}"
            if d.column is not None:
                where += f":{d.column}"
        field = f" {inert(d.field)}:" if d.field else ""
        out.write(f"{where}: {d.level} {d.code}{field} {inert(d.message)}\n")
        if d.hint:
            out.write(f"    hint: {inert(d.hint)}\n")
    s = _summary(report)
    verdict = "valid" if report.ok else "not valid"
    out.write(
        f"{s['records']} record file(s) checked: {s['errors']} error(s), "
        f"{s['warnings']} warning(s); {verdict}.\n"
    )


def render_json(report: Report, out: TextIO) -> None:
    document = {
        "diagnostics": [d.to_json() for d in report.diagnostics],
        "summary": _summary(report),
        "valid": report.ok,
    }
    out.write(inert_json(json.dumps(document, ensure_ascii=False, indent=2)))
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


def render_github(report: Report, out: TextIO) -> None:
    for d in report.diagnostics:
        out.write(github_line(d) + "\n")
    s = _summary(report)
    out.write(
        f"{s['records']} record file(s) checked: {s['errors']} error(s), "
        f"{s['warnings']} warning(s).\n"
    )


RENDERERS: dict[str, Callable[[Report, TextIO], None]] = {
    "text": render_text,
    "json": render_json,
    "github": render_github,
}
