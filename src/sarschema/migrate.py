"""`sarschema migrate`: move record sets to a newer format version, in place.

A migration writes only what is certain: the version file, and values the data
itself establishes (in 1.1, `client` where the other record says `lawyer`).
Each such value is replaced where it stands, byte for byte, so comments, key
order, quoting and every other line stay as they were. What cannot be mapped
with certainty is left as it is and becomes a `Note` for a person, with its file
and line. A set that is not valid in its own version is refused, untouched:
migration checks the whole set first, in the same pass and with the same bounds
as `sarschema validate`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import pairwise
from pathlib import Path
from typing import Any

from sarschema.__about__ import FORMAT_VERSION, FORMAT_VERSIONS
from sarschema.diagnostics import FieldPath, format_field
from sarschema.discovery import discover
from sarschema.errors import InternalError, UsageError
from sarschema.results import Report
from sarschema.versions import VERSION_FILE, SetVersion, set_root, version_file, version_text


@dataclass(frozen=True, slots=True)
class Edit:
    """One value replaced where it stands."""

    file: str
    path: FieldPath
    old: str
    new: str
    why: str
    line: int | None = None
    column: int | None = None

    @property
    def field(self) -> str:
        return format_field(self.path) or ""


@dataclass(frozen=True, slots=True)
class Note:
    """Something a person should decide: nothing was changed for it."""

    file: str
    path: FieldPath
    text: str
    line: int | None = None
    column: int | None = None

    @property
    def field(self) -> str:
        return format_field(self.path) or ""


@dataclass(slots=True)
class Plan:
    """What migrating would do, set by set; `apply` does it."""

    to: str
    report: Report  #: the validation of the sets as they are
    moving: list[SetVersion] = field(default_factory=list)
    current: list[SetVersion] = field(default_factory=list)  #: already at `to`
    #: `{file: its whole new text}` for files written whole (the version file)
    created: dict[str, str] = field(default_factory=dict)
    edits: list[Edit] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)

    @property
    def changes(self) -> list[str]:
        """The files that would change, in a stable order."""
        return sorted({*self.created, *(e.file for e in self.edits)})


# --- one step: 1.0 -> 1.1 ---------------------------------------------------------

#: Words by which sources hedge a claim (format 1.1 `certainty`).
_HEDGE = re.compile(
    r"\b(it is possible|possibly|possible|likely|probably|may have|might have|"
    r"could have|suspected)\b",
    re.IGNORECASE,
)
#: Words by which notes say that `date` is when a report came out.
_REVEALED = re.compile(
    r"upper bound|\brevealed\b|revelation|date of the report|report's (?:month|date)|"
    r"\bpublished in\b|when (?:the|it) (?:report|list) was published",
    re.IGNORECASE,
)
_FORMER = re.compile(r"\bformer\b|\bat the time\b|\bthen[- ]|\bex-", re.IGNORECASE)
_TRANSLATED = re.compile(r"translat|\bversion\b|as given in the copy", re.IGNORECASE)


def _quote(text: str, match: re.Match[str]) -> str:
    """The words around a match, short: enough for a person to find the sentence."""
    start = max(0, text.rfind(" ", 0, max(0, match.start() - 30)) + 1)
    end = text.find(" ", match.end() + 30)
    end = len(text) if end == -1 else end
    snippet = " ".join(text[start:end].split())
    return ("..." if start else "") + snippet + ("..." if end < len(text) else "")


def _step_1_0_to_1_1(records: list[tuple[str, Any]], plan: Plan) -> None:
    by_id = {record.id: (file, record) for file, record in records}
    clients: dict[str, list[str]] = {}  # a lawyer's id -> who names them `lawyer`
    reports: dict[str, list[Any]] = {}  # an incident's id -> technical reports about it
    for _, record in records:
        if record.kind == "response" and record.type == "technical-report":
            for incident_id in record.about.incidents or ():
                reports.setdefault(incident_id, []).append(record)
        for entry in getattr(record, "related", None) or ():
            if getattr(entry, "target", None) and entry.relation == "lawyer":
                clients.setdefault(entry.target, []).append(record.id)
    #: sources that may be translations, the same source once: one decision for all
    translated: dict[tuple[str, ...], list[tuple[str, int]]] = {}
    for file, record in records:
        kind = record.kind
        if kind == "target":
            _client_links(file, record, clients.get(record.id, []), by_id, plan)
            _former_roles(file, record, plan)
        elif kind == "incident":
            _hedges_and_revelation(file, record, reports.get(record.id, []), plan)
        elif kind == "response":
            _stand_in_about(file, record, by_id, plan)
        for index, source in enumerate(record.sources):
            if source.notes and _TRANSLATED.search(source.notes):
                key = (source.title, source.publisher, str(source.published), source.language)
                translated.setdefault(key, []).append((file, index))
    for (title, *_), places in translated.items():
        file, index = places[0]
        also = f" It is cited, the same, in {len(places) - 1} other file(s)." if places[1:] else ""
        plan.notes.append(
            Note(
                file,
                ("sources", index),
                f"the notes of source {title!r} speak of a translation or another version: "
                "if this copy is a translation, describe the original with `translation_of:` "
                f"(`language`, the publisher's own name, `title`, `published`, `url`).{also}",
            )
        )


def _client_links(
    file: str, lawyer: Any, clients: list[str], by_id: dict[str, Any], plan: Plan
) -> None:
    """Where this target is named someone's lawyer, its own link back to that person
    is a `client` link: certain when it says `associate`, 1.0's only word for it."""
    for other_id in clients:
        other_file = by_id[other_id][0]
        back = [
            (i, r)
            for i, r in enumerate(lawyer.related or ())
            if getattr(r, "target", None) == other_id
        ]
        if not back:
            plan.notes.append(
                Note(
                    file,
                    ("related",) if lawyer.related else ("id",),
                    f"{other_id} names {lawyer.id} as `lawyer`; add "
                    f"`{{target: {other_id}, relation: client}}` if the sources support it.",
                )
            )
        for index, entry in back:
            path: FieldPath = ("related", index, "relation")
            if entry.relation == "associate":
                plan.edits.append(
                    Edit(
                        file,
                        path,
                        "associate",
                        "client",
                        f"{other_file} names {lawyer.id} as `lawyer`",
                    )
                )
            elif entry.relation != "client":
                plan.notes.append(
                    Note(
                        file,
                        path,
                        f"{other_id} names {lawyer.id} as `lawyer`, and this says "
                        f"`{entry.relation}`: 1.1's inverse of `lawyer` is `client`.",
                    )
                )


def _former_roles(file: str, target: Any, plan: Plan) -> None:
    match = _FORMER.search(target.notes or "")
    if match is not None:
        plan.notes.append(
            Note(
                file,
                ("roles",),
                f'its notes say "{_quote(target.notes, match)}": where the sources '
                "describe a role as held before or at a given time, write it as "
                "`{role: ..., held: current|former, as_of: <the source's date>}`.",
            )
        )


def _hedges_and_revelation(file: str, incident: Any, reports: list[Any], plan: Plan) -> None:
    for name in ("summary", "notes"):
        text = getattr(incident, name) or ""
        match = _HEDGE.search(text)
        if match is not None:
            plan.notes.append(
                Note(
                    file,
                    (name,),
                    f'"{_quote(text, match)}": if the sources hedge the incident itself, '
                    "add `certainty: likely` or `certainty: possible` (or `stated` where "
                    "they do not).",
                )
            )
            break
    notes = incident.notes or ""
    match = _REVEALED.search(notes)
    if match is not None:
        plan.notes.append(
            Note(
                file,
                ("date",),
                f'its notes say "{_quote(notes, match)}": if `date` is when the surveillance '
                "was made public rather than when it happened, move it to `revealed:` "
                "(and keep `date` only if a source gives it).",
            )
        )
    elif reports:
        first = min(reports, key=lambda r: r.date.earliest())
        plan.notes.append(
            Note(
                file,
                ("date",),
                f"the technical report {first.id} ({first.date}) is about it: if that report "
                f"made it public, add `revealed: {first.date}`, and keep `date` only if a "
                "source says when it happened.",
            )
        )


def _stand_in_about(file: str, response: Any, by_id: dict[str, Any], plan: Plan) -> None:
    about = response.about
    if about.incidents or about.targets or not about.operators:
        return
    vendors = [op for op in about.operators if op in by_id and by_id[op][1].type == "vendor"]
    if len(vendors) == len(about.operators):
        plan.notes.append(
            Note(
                file,
                ("about", "operators"),
                f"it is about a vendor only ({', '.join(vendors)}): if the sources speak of "
                "the spyware or of the trade rather than of the company, use "
                "`about.products` or `about.subjects` (surveillance-trade, unnamed-people).",
            )
        )


#: Each step from one version to the next.
STEPS: dict[tuple[str, str], Callable[[list[tuple[str, Any]], Plan], None]] = {
    ("1.0", "1.1"): _step_1_0_to_1_1,
}


# --- planning and applying ----------------------------------------------------------


class Refused(Exception):
    """The sets are not valid in their own versions: nothing is migrated."""

    def __init__(self, report: Report) -> None:
        super().__init__("the record set is not valid in its own format version")
        self.report = report


def plan(paths: Sequence[str | Path] = ("records",), *, to: str = FORMAT_VERSION) -> Plan:
    """What migrating the record sets under `paths` to `to` would do. The whole of each
    set is checked (a version is the set's), in one pass; raises `Refused` when a set
    is not valid in its own version, `UsageError` for an unknown or older version."""
    from sarschema.api import validate_paths

    if to not in FORMAT_VERSIONS:
        raise UsageError(f"unknown format version {to!r}; known: {', '.join(FORMAT_VERSIONS)}")
    roots = list(dict.fromkeys(s.root for s in discover([str(p) for p in paths]).sets))
    report = validate_paths(roots or [str(p) for p in paths], keep_records=True)
    if not report.ok:
        raise Refused(report)
    if len(report.records) != len(report.valid_files):
        raise InternalError("records and their files are out of step")
    result = Plan(to, report)
    records_by_root: dict[str, list[tuple[str, Any]]] = {}
    for file, record in zip(report.valid_files, report.records, strict=True):
        records_by_root.setdefault(os.path.realpath(set_root(file)), []).append((file, record))
    for record_set in report.sets:
        order = FORMAT_VERSIONS.index
        if order(record_set.version) > order(to):
            raise UsageError(
                f"{record_set.root} is in format {record_set.version}, newer than {to}: "
                "sarschema does not move a set back."
            )
        if record_set.version == to:
            result.current.append(record_set)
            continue
        result.moving.append(record_set)
        records = records_by_root.get(os.path.realpath(record_set.root), [])
        for step in _steps(record_set.version, to):
            STEPS[step](records, result)
        _version(record_set, to, result)
        _modelines(record_set, report, to, result)
    _locate(result)
    return result


def _steps(start: str, end: str) -> Iterator[tuple[str, str]]:
    versions = FORMAT_VERSIONS[FORMAT_VERSIONS.index(start) : FORMAT_VERSIONS.index(end) + 1]
    yield from pairwise(versions)


def _version(record_set: SetVersion, to: str, result: Plan) -> None:
    label = version_file(record_set.root)
    if record_set.declared_in is None:
        result.created[label] = version_text(to)
    else:
        result.edits.append(
            Edit(label, ("format_version",), record_set.version, to, "the set's version")
        )


def _modelines(record_set: SetVersion, report: Report, to: str, result: Plan) -> None:
    """A record's first-line editor modeline that `sarschema new` wrote for the old
    version's schema now names the new version's: certain, and read in the same pass."""
    from sarschema.export.schema import folder_of

    root = os.path.realpath(record_set.root)
    for summary in report.summaries:
        if summary.schema_ref is None or os.path.realpath(set_root(summary.file)) != root:
            continue
        old = f"../../schema/{folder_of(record_set.version)}{summary.kind}.schema.json"
        if summary.schema_ref == old:
            new = f"../../schema/{folder_of(to)}{summary.kind}.schema.json"
            why = "the editor's schema: the set's new version"
            result.edits.append(Edit(summary.file, (), old, new, why, 1, summary.schema_ref_column))


def _locate(result: Plan) -> None:
    """Lines and columns for the edits and notes: only their files are read again."""
    from sarschema.api import read_records
    from sarschema.loader import load
    from sarschema.safeio import read_regular

    files = sorted({*(e.file for e in result.edits), *(n.file for n in result.notes)})
    found: dict[str, Callable[[FieldPath], tuple[int, int] | None]] = {}
    for file in files:
        if Path(file).name == VERSION_FILE:
            found[file] = load(read_regular(file, 4096), file).position
        else:
            for raw in read_records([file]):
                found[file] = partial(_position, raw)
    result.edits = [_at(e, found) for e in result.edits]
    result.notes = sorted(
        (_at(n, found) for n in result.notes), key=lambda n: (n.file, n.line or 0, n.column or 0)
    )


def _position(raw: Any, path: FieldPath) -> tuple[int, int] | None:
    return raw.position(*path)  # type: ignore[no-any-return]


def _at(item: Any, found: dict[str, Callable[[FieldPath], tuple[int, int] | None]]) -> Any:
    from dataclasses import replace

    if item.line is not None:
        return item  # placed already (a modeline)
    where = found[item.file](item.path) if item.file in found else None
    if where is None:
        return item
    return replace(item, line=where[0], column=where[1])


def apply(result: Plan) -> list[str]:
    """Write the plan: each edited value replaced where it stands, each new file
    written whole, atomically; a value not found exactly as planned is an internal
    error, and nothing of that file is written. Returns the files written."""
    from sarschema.loader import MAX_FILE_BYTES
    from sarschema.safeio import atomic_writer, read_regular

    by_file: dict[str, list[Edit]] = {}
    for edit in result.edits:
        by_file.setdefault(edit.file, []).append(edit)
    new: dict[str, bytes] = {}
    for file, edits in by_file.items():
        data = read_regular(file, MAX_FILE_BYTES)
        for edit in sorted(edits, key=lambda e: (e.line or 0, e.column or 0), reverse=True):
            data = _replace(data, edit)
        new[file] = data
    for file, text in result.created.items():
        new[file] = text.encode("utf-8")
    for file, data in sorted(new.items()):
        with atomic_writer(Path(file), "wb") as handle:
            handle.write(data)
    return sorted(new)


def _replace(data: bytes, edit: Edit) -> bytes:
    """`data` with the scalar at the edit's line and column replaced, its quoting kept."""
    if edit.line is None or edit.column is None:
        raise InternalError(f"no position for {edit.field} in {edit.file}")
    start = 0
    for _ in range(edit.line - 1):
        start = data.index(b"\n", start) + 1
    end = data.find(b"\n", start)
    line = data[start : len(data) if end == -1 else end].decode("utf-8")
    at = edit.column - 1
    quote = line[at : at + 1] if line[at : at + 1] in ("'", '"') else ""
    at += len(quote)
    after = line[at + len(edit.old) : at + len(edit.old) + 1]
    if (
        line[at : at + len(edit.old)] != edit.old
        or (quote and after != quote)
        or (not quote and after not in ("", " ", ",", "}", "]", "\r"))
    ):
        raise InternalError(f"{edit.file}: {edit.field} is not `{edit.old}` where it was read")
    line = line[:at] + edit.new + line[at + len(edit.old) :]
    return data[:start] + line.encode("utf-8") + (b"" if end == -1 else data[end:])


__all__ = ["STEPS", "Edit", "Note", "Plan", "Refused", "apply", "plan"]
