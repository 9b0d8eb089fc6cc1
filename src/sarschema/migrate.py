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

import copy
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from sarschema.__about__ import FORMAT_VERSION, FORMAT_VERSIONS
from sarschema.diagnostics import FieldPath, format_field
from sarschema.discovery import discover
from sarschema.errors import InternalError, UsageError
from sarschema.results import Report, Summary
from sarschema.versions import (
    MAX_VERSION_FILE_BYTES,
    VERSION_FILE,
    SetVersion,
    set_root,
    version_file,
    version_text,
)

if TYPE_CHECKING:
    from sarschema.loader import Loaded


@dataclass(frozen=True, slots=True)
class Placed:
    """A place in a file: the value at `path`, at its line and column once read."""

    file: str
    path: FieldPath
    line: int | None = field(default=None, kw_only=True)
    column: int | None = field(default=None, kw_only=True)

    @property
    def field(self) -> str:
        return format_field(self.path) or ""


@dataclass(frozen=True, slots=True)
class Edit(Placed):
    """One value replaced where it stands."""

    old: str
    new: str
    why: str


@dataclass(frozen=True, slots=True)
class Note(Placed):
    """Something a person should decide: nothing was changed for it."""

    text: str


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
    #: `{file: its new bytes}` for files edited in place, made and checked in memory
    contents: dict[str, bytes] = field(default_factory=dict)

    @property
    def changes(self) -> list[str]:
        """The files that would change, in a stable order."""
        return sorted({*self.created, *self.contents})


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


def _step_1_0_to_1_1(records: list[tuple[str, Any]], plan: Plan, *, notes: bool = True) -> None:
    """1.0 to 1.1. With `notes=False`, only the certain edits: run again on a set that
    is at 1.1 already, they finish a migration that was cut short."""
    by_id = {record.id: (file, record) for file, record in records}
    clients: dict[str, dict[str, None]] = {}  # a lawyer's id -> who names them `lawyer`
    reports: dict[str, list[Any]] = {}  # an incident's id -> technical reports about it
    for _, record in records:
        if record.kind == "response" and record.type == "technical-report":
            for incident_id in record.about.incidents or ():
                reports.setdefault(incident_id, []).append(record)
        for entry in getattr(record, "related", None) or ():
            target = getattr(entry, "target", None)
            if target and target != record.id and entry.relation == "lawyer":
                clients.setdefault(target, {})[record.id] = None
    #: sources that may be translations, the same source once: one decision for all
    translated: dict[tuple[str, ...], list[tuple[str, int]]] = {}
    kept: list[Note] = []
    for file, record in records:
        kind = record.kind
        if kind == "target":
            _client_links(file, record, list(clients.get(record.id, {})), by_id, plan, kept)
            _former_roles(file, record, kept)
        elif kind == "incident":
            _hedges_and_revelation(file, record, reports.get(record.id, []), kept)
        elif kind == "response":
            _stand_in_about(file, record, by_id, kept)
        for index, source in enumerate(record.sources):
            if source.notes and _TRANSLATED.search(source.notes):
                key = (source.title, source.publisher, str(source.published), source.language)
                translated.setdefault(key, []).append((file, index))
    for places in translated.values():
        file, index = places[0]
        also = (
            f" The same source is cited in {len(places) - 1} other file(s)." if places[1:] else ""
        )
        kept.append(
            Note(
                file,
                ("sources", index),
                "its notes speak of a translation or another version: if this copy is a "
                "translation, describe the original with `translation_of:` (`language`, "
                f"the publisher's own name, `title`, `published`, `url`).{also}",
            )
        )
    if notes:
        plan.notes += kept


def _client_links(
    file: str,
    lawyer: Any,
    clients: list[str],
    by_id: dict[str, Any],
    plan: Plan,
    notes: list[Note],
) -> None:
    """Where this target is named someone's lawyer, its own link back to that person
    is a `client` link: certain when it says `associate`, 1.0's only word for it."""
    if not clients:
        return
    back_to: dict[str, list[tuple[int, Any]]] = {}  # indexed once: linear in both lists
    for index, entry in enumerate(lawyer.related or ()):
        back_to.setdefault(getattr(entry, "target", None) or "", []).append((index, entry))
    for other_id in clients:
        other_file = by_id[other_id][0]
        back = back_to.get(other_id, [])
        if not back:
            notes.append(
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
                why = f"{other_file} names {lawyer.id} as `lawyer`"
                plan.edits.append(Edit(file, path, "associate", "client", why))
            elif entry.relation != "client":
                notes.append(
                    Note(
                        file,
                        path,
                        f"{other_id} names {lawyer.id} as `lawyer`, and this says "
                        f"`{entry.relation}`: 1.1's inverse of `lawyer` is `client`.",
                    )
                )


# Notes name the word they found, never quote the text around it: a record's free
# text is for the record, not for a terminal or a CI log.


def _former_roles(file: str, target: Any, notes: list[Note]) -> None:
    match = _FORMER.search(target.notes or "")
    if match is not None:
        notes.append(
            Note(
                file,
                ("roles",),
                f'its notes use "{match.group(0).lower()}": where the sources describe a '
                "role as held before or at a given time, write it as "
                "`{role: ..., held: current|former, as_of: <the source's date>}`.",
            )
        )


def _hedges_and_revelation(file: str, incident: Any, reports: list[Any], notes: list[Note]) -> None:
    for name in ("summary", "notes"):
        match = _HEDGE.search(getattr(incident, name) or "")
        if match is not None:
            notes.append(
                Note(
                    file,
                    (name,),
                    f'it uses "{match.group(0).lower()}": if the sources hedge the incident '
                    "itself, add `certainty: likely` or `certainty: possible` (or `stated` "
                    "where they do not).",
                )
            )
            break
    match = _REVEALED.search(incident.notes or "")
    if match is not None:
        notes.append(
            Note(
                file,
                ("date",),
                f'its notes use "{match.group(0).lower()}": if `date` is when the '
                "surveillance was made public rather than when it happened, move it to "
                "`revealed:` (and keep `date` only if a source gives it).",
            )
        )
    elif reports:
        first = min(reports, key=lambda r: r.date.earliest())
        notes.append(
            Note(
                file,
                ("date",),
                f"the technical report {first.id} ({first.date}) is about it: if that report "
                f"made it public, add `revealed: {first.date}`, and keep `date` only if a "
                "source says when it happened.",
            )
        )


def _stand_in_about(file: str, response: Any, by_id: dict[str, Any], notes: list[Note]) -> None:
    about = response.about
    if about.incidents or about.targets or not about.operators:
        return
    vendors = [op for op in about.operators if op in by_id and by_id[op][1].type == "vendor"]
    if len(vendors) == len(about.operators):
        notes.append(
            Note(
                file,
                ("about", "operators"),
                f"it is about a vendor only ({', '.join(vendors)}): if the sources speak of "
                "the spyware or of the trade rather than of the company, use "
                "`about.products` or `about.subjects` (surveillance-trade, unnamed-people).",
            )
        )


class Step(Protocol):
    def __call__(
        self, records: list[tuple[str, Any]], plan: Plan, *, notes: bool = True
    ) -> None: ...


#: Each step from one version to the next.
STEPS: dict[tuple[str, str], Step] = {
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
    is not valid in its own version, `UsageError` for an unknown or older version.
    Every edit is made in memory and checked here, so `--check` sees what a run does."""
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
    summaries_by_root: dict[str, list[Summary]] = {}
    for summary in report.summaries:
        summaries_by_root.setdefault(os.path.realpath(set_root(summary.file)), []).append(summary)
    order = FORMAT_VERSIONS.index
    for record_set in report.sets:
        root = os.path.realpath(record_set.root)
        records = records_by_root.get(root, [])
        if order(record_set.version) > order(to):
            raise UsageError(
                f"{record_set.root} is in format {record_set.version}, newer than {to}: "
                "sarschema does not move a set back."
            )
        if record_set.version == to:
            result.current.append(record_set)
            # the certain edits of the step into this version, once more: they finish a
            # migration that was cut short, and change nothing after a whole one
            for step in _steps(FORMAT_VERSIONS[max(0, order(to) - 1)], to):
                STEPS[step](records, result, notes=False)
            continue
        result.moving.append(record_set)
        for step in _steps(record_set.version, to):
            STEPS[step](records, result)
        _version(record_set, to, result)
        _modelines(record_set, summaries_by_root.get(root, []), to, result)
    _prepare(result)
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


def _modelines(record_set: SetVersion, summaries: list[Summary], to: str, result: Plan) -> None:
    """A record's first-line editor modeline that `sarschema new` wrote for the old
    version's schema now names the new version's: certain, and read in the same pass."""
    from sarschema.export.schema import folder_of

    for summary in summaries:
        old = f"../../schema/{folder_of(record_set.version)}{summary.kind}.schema.json"
        if summary.schema_ref == old:
            new = f"../../schema/{folder_of(to)}{summary.kind}.schema.json"
            why = "the editor's schema: the set's new version"
            column = summary.schema_ref_column
            result.edits.append(Edit(summary.file, (), old, new, why, line=1, column=column))


def _prepare(result: Plan) -> None:
    """Place each edit and make it in memory, file by file (only the files with edits
    or notes are read again, each once). An edit is kept only when reading the edited
    file gives exactly the old data with the planned values changed; otherwise nothing
    of that file is changed, and each of its edits becomes a note for a person."""
    from sarschema.loader import MAX_FILE_BYTES, load
    from sarschema.safeio import read_regular

    edits: dict[str, dict[FieldPath, Edit]] = {}
    for edit in result.edits:
        edits.setdefault(edit.file, {}).setdefault(edit.path, edit)  # once per place
    read: dict[str, tuple[bytes, Loaded]] = {}
    for file in sorted({*edits, *(n.file for n in result.notes)}):
        limit = MAX_VERSION_FILE_BYTES if Path(file).name == VERSION_FILE else MAX_FILE_BYTES
        data = read_regular(file, limit)
        read[file] = (data, load(data, file))
    kept: list[Edit] = []
    for file, planned in edits.items():
        placed = [_at(edit, read) for edit in planned.values()]
        data, before = read[file]
        try:
            changed = _replace_all(data, placed)
            _verify(before, changed, placed, file)
        except _Unsafe as unsafe:
            result.notes += [
                Note(
                    e.file,
                    e.path,
                    f"change `{e.old}` to `{e.new}` here by hand ({e.why}): sarschema "
                    f"could not change it in place safely ({unsafe}).",
                    line=e.line,
                    column=e.column,
                )
                for e in placed
            ]
            continue
        result.contents[file] = changed
        kept += placed
    result.edits = kept
    result.notes = sorted(
        (_at(n, read) for n in result.notes), key=lambda n: (n.file, n.line or 0, n.column or 0)
    )


def _at(item: Any, read: dict[str, tuple[bytes, Loaded]]) -> Any:
    from dataclasses import replace

    if item.line is not None:
        return item  # placed already (a modeline)
    where = read[item.file][1].position(item.path) if item.file in read else None
    if where is None:
        return item
    return replace(item, line=where[0], column=where[1])


class _Unsafe(Exception):
    """An edit that cannot be made where it stands with certainty."""


def _replace_all(data: bytes, edits: list[Edit]) -> bytes:
    """`data` with each edit's scalar replaced at its line and column, quoting kept;
    the lines are found once, so any number of edits costs one pass."""
    lines = data.splitlines(keepends=True)
    for edit in sorted(edits, key=lambda e: (e.line or 0, e.column or 0), reverse=True):
        if edit.line is None or edit.column is None or not 0 < edit.line <= len(lines):
            raise _Unsafe(f"no position for {edit.field or 'the first line'}")
        raw = lines[edit.line - 1]
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _Unsafe("the line is not text") from exc
        # columns count characters after a byte-order mark, as the loader does
        at = edit.column - 1 + (1 if edit.line == 1 and line.startswith("\ufeff") else 0)
        quote = line[at : at + 1] if line[at : at + 1] in ("'", '"') else ""
        at += len(quote)
        end = at + len(edit.old)
        after = line[end : end + 1]
        fits = after == quote if quote else after in ("", " ", "\t", ",", "}", "]", "\r", "\n")
        if line[at:end] != edit.old or not fits:
            raise _Unsafe(f"`{edit.old}` is not written plainly where it was read")
        lines[edit.line - 1] = (line[:at] + edit.new + line[end:]).encode("utf-8")
    return b"".join(lines)


def _verify(before: Loaded, new: bytes, edits: list[Edit], file: str) -> None:
    """Reading the new bytes gives the old data with exactly the planned changes."""
    from sarschema.loader import load

    after = load(new, file)
    expected = copy.deepcopy(before.data)
    for edit in edits:
        if not edit.path:  # a comment (the modeline): the data must not change at all
            continue
        node: Any = expected
        for part in edit.path[:-1]:
            node = node[part]
        if node[edit.path[-1]] != edit.old:
            raise _Unsafe(f"{edit.field} is not `{edit.old}`")
        node[edit.path[-1]] = edit.new
    if after.diagnostics or after.data != expected:
        raise _Unsafe("the edited file would not read as planned")
    modelines = [e for e in edits if not e.path]
    if modelines and not new.lstrip(b"\xef\xbb\xbf").startswith(b"#"):
        raise _Unsafe("the first line is no longer a comment")


def apply(result: Plan) -> list[str]:
    """Write the plan: every file staged beside its target first, then each moved into
    place, the version file first (a run cut short is finished by the next one, which
    makes the certain edits of a set at its version again). A write that fails is an
    environment problem, reported with what was written. Returns the files written."""
    from sarschema.errors import EnvironmentProblem

    new = dict(result.contents)
    for file, text in result.created.items():
        new[file] = text.encode("utf-8")
    order = sorted(new, key=lambda f: (Path(f).name != VERSION_FILE, f))
    staged: list[tuple[str, Path]] = []
    done: list[str] = []
    try:
        for file in order:
            staged.append((file, _stage(Path(file), new[file])))
        for file, temporary in staged:
            temporary.replace(file)
            done.append(file)
    except OSError as exc:
        for file, temporary in staged:
            if file not in done:
                temporary.unlink(missing_ok=True)
        raise EnvironmentProblem(
            f"could not write {exc.filename or 'a file'}: {exc.strerror or exc}. "
            f"Written before it: {', '.join(done) or 'nothing'}. Fix the cause and run "
            "`sarschema migrate` again: it finishes what is left."
        ) from exc
    return done


def _stage(path: Path, data: bytes) -> Path:
    """A new file beside `path` holding `data`, with `path`'s permissions (a new file:
    the usual ones); never through a link."""
    import tempfile

    from sarschema.safeio import refuse_link

    refuse_link(path, "record")
    try:
        mode = path.lstat().st_mode & 0o7777
    except FileNotFoundError:
        current = os.umask(0o022)
        os.umask(current)
        mode = 0o666 & ~current
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)


__all__ = ["STEPS", "Edit", "Note", "Plan", "Refused", "apply", "plan"]
