"""Everything that can be checked with one file alone.

Read, load (`loader`), personal-data guard (`pii`), models (Pydantic), the
per-file rules (id and file name, kind and folder, no future date, sources
with a URL), and the `Summary` the rules across records need.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from functools import cache
from typing import Any

from pydantic import BaseModel, ValidationError

from sarschema.__about__ import FORMAT_VERSION
from sarschema.codes import CODES, Code, Severity
from sarschema.diagnostics import Diagnostic, FieldPath, echo, format_field
from sarschema.discovery import RecordFile
from sarschema.fields import Pattern, Slot, fields_of, names_with, values, with_role
from sarschema.loader import MAX_FILE_BYTES, Loaded, load, too_large
from sarschema.markers import Role
from sarschema.models import VERSIONS, Record, record_adapter
from sarschema.names import name_key
from sarschema.pii import scan
from sarschema.results import Defined, FileResult, Link, Name, Ref, Summary, Where
from sarschema.safeio import NotRegular, read_regular
from sarschema.schema_errors import translate
from sarschema.types import PartialDate
from sarschema.types.slug import ID_PATTERN
from sarschema.versions import UNSTATED
from sarschema.vocab import FOLDER_OF, FOLDERS, Kind


def check_file(record_file: RecordFile, *, today: dt.date, data: bytes | None = None) -> FileResult:
    """Everything that can be checked with one file alone: its bytes are read, unless
    given (`data`, as `read_record` read them)."""
    if data is None or len(data) > MAX_FILE_BYTES:
        read = read_record(record_file)
        if isinstance(read, FileResult):
            return read
        data = read
    label = record_file.label  # no `Path` made: two a file cost more than its read
    return check_bytes(
        data,
        label,
        folder=record_file.folder,
        stem=_stem(label),
        today=today,
        version=record_file.version,
    )


def _stem(label: str) -> str:
    return os.path.basename(label).removesuffix(".yaml")  # noqa: PTH119


def read_record(record_file: RecordFile) -> bytes | FileResult:
    """The file's bytes, or the result of a file that cannot be read."""
    label = record_file.label
    try:
        data = read_regular(label, MAX_FILE_BYTES)  # never a link, FIFO or device
        if len(data) > MAX_FILE_BYTES:  # read no further than the limit
            size = record_file.path.lstat().st_size
            return _unread(label, too_large(label, size))
    except NotRegular as exc:
        code = Code.SYMLINK if exc.what == "a symbolic link" else Code.NOT_A_REGULAR_FILE
        message = f"this is {exc.what}, not a file; it was not read."
        hint = "replace it with the record file itself."
        return _unread(label, Diagnostic(label, None, None, code, message, hint=hint))
    except OSError as exc:
        message = f"the file cannot be read: {exc.strerror or exc}."
        hint = "check that the file exists and that you may read it."
        return _unread(label, Diagnostic(label, None, None, Code.UNREADABLE, message, hint=hint))
    return data


def _unread(label: str, diagnostic: Diagnostic) -> FileResult:
    """The result of a file that was not read: its one problem, and a summary by its
    name (the stem stands for its id)."""
    stem = _stem(label)
    return FileResult(label, [diagnostic], Summary(label, stem, None, stem, valid=False))


def check_bytes(
    data: bytes,
    label: str,
    *,
    folder: str | None,
    stem: str,
    today: dt.date,
    version: str = FORMAT_VERSION,
) -> FileResult:
    """Per-file checks on bytes already read (also the fuzzing entry point), against
    the models of format `version`."""
    loaded = load(data, label)
    diagnostics = [*loaded.diagnostics, *scan(loaded, label), *_cut_by_comment(loaded, label)]
    raw = loaded.data
    if raw is None:
        return FileResult(label, diagnostics, Summary(label, stem, None, stem, valid=False))
    accepted, bad = _acknowledgements(loaded.text, label)
    diagnostics += bad

    raw_id = raw.get("id") if isinstance(raw.get("id"), str) else None
    raw_kind = raw.get("kind") if isinstance(raw.get("kind"), str) else None
    id_pos = _pos(loaded, ("id",))
    if raw_id is not None and raw_id != stem:
        diagnostics.append(
            Diagnostic.at(
                label,
                id_pos,
                Code.ID_NOT_FILE_NAME,
                field="id",
                id=echo(raw_id),
            )
        )
    expected = FOLDERS.get(folder or "")
    if raw_kind in _KINDS and expected is not None and raw_kind != expected:
        diagnostics.append(
            Diagnostic.at(
                label,
                _pos(loaded, ("kind",)),
                Code.KIND_NOT_FOLDER,
                field="kind",
                kind=raw_kind,
                right=FOLDER_OF[Kind(raw_kind)],
                folder=folder,
            )
        )

    try:
        record = record_adapter(version).validate_python(raw)
    except ValidationError as exc:
        diagnostics += translate(exc.errors(include_url=False), loaded, label, version)
        summary = Summary(label, raw_id or stem, raw_kind, stem, id_pos, valid=False)
        summary.loose_refs = tuple(sorted(set(_strings(raw))))
        summary.accepted = accepted
        # The references it makes are checked all the same, so that a contributor
        # sees every problem in one run, not the mistyped id after the next one; the
        # ids it defines are known, so references to them are not reported.
        _fill(summary, raw, raw, loaded, version)
        diagnostics += _sources_without_url(raw.get("sources"), loaded, label)
        return FileResult(label, diagnostics, summary)

    diagnostics += _future_dates(record, loaded, label, today)
    diagnostics += _sources_without_url(raw.get("sources"), loaded, label)
    summary = Summary(label, record.id, record.kind, stem, id_pos)
    summary = _fill(summary, raw, record, loaded, version)
    summary.accepted = accepted
    summary.schema_ref, summary.schema_ref_column = _modeline(loaded.text)
    if version != UNSTATED:  # 1.0 has no word for a lawyer's client
        summary.links = tuple(
            Link(
                entry.target,
                str(entry.relation),
                _pos(loaded, ("related", i, "relation")),
                f"related[{i}].relation",
            )
            for i, entry in enumerate(getattr(record, "related", None) or ())
            if getattr(entry, "target", None)
        )
    return FileResult(label, diagnostics, summary, record)


_MODELINE = re.compile(r"#[ \t]*yaml-language-server:[ \t]*\$schema=(\S+)")


def _modeline(text: str) -> tuple[str | None, int | None]:
    """The schema an editor modeline on the first line names, and its column."""
    start = 1 if text.startswith("\ufeff") else 0  # columns start after a byte-order mark
    if not text.startswith("#", start):
        return None, None
    end = text.find("\n")
    match = _MODELINE.match(text, start, len(text) if end < 0 else end)
    return (match.group(1), match.start(1) + 1 - start) if match else (None, None)


_ACCEPT = re.compile(r"^[ \t]*#[ \t]*sarschema:[ \t]*accept\b(.*)$", re.MULTILINE)


def _accept_lines(text: str) -> Iterator[re.Match[str]]:
    """`_ACCEPT.finditer(text)`, looked for only on the lines that hold `sarschema:`
    (the expression tried at every character took 0.09 s of the per-file rules' 0.63 s
    on 10,000 copies of the shipped records)."""
    end = 0
    while (found := text.find("sarschema:", end)) >= 0:
        start = text.rfind("\n", 0, found) + 1
        end = text.find("\n", found)
        end = len(text) if end < 0 else end
        match = _ACCEPT.match(text, start, end)
        if match is not None:
            yield match


def _acknowledgements(text: str, label: str) -> tuple[dict[str, str], list[Diagnostic]]:
    """`# sarschema: accept SAR400 <reason>` lines: warnings a person decided to keep,
    with the reason in the record itself, where review sees it."""
    if "sarschema:" not in text:
        return {}, []
    accepted: dict[str, str] = {}
    bad: list[Diagnostic] = []
    line, counted_to = 1, 0  # lines counted as the matches come: linear in the text
    for match in _accept_lines(text):
        words = match.group(1).split(None, 1)
        code = words[0] if words else ""
        reason = words[1].strip() if len(words) > 1 else ""
        known = CODES.get(code)
        if known is None or known.severity is not Severity.WARNING or len(reason) < 10:
            line += text.count("\n", counted_to, match.start())
            counted_to = match.start()
            bad.append(
                Diagnostic(
                    label,
                    line,
                    1,
                    Code.BAD_ACKNOWLEDGEMENT,
                    Code.BAD_ACKNOWLEDGEMENT.message(),
                )
            )
            continue
        accepted[code] = reason
    return accepted, bad


def _cut_by_comment(loaded: Loaded, label: str) -> list[Diagnostic]:
    out = []
    for path in loaded.commented:
        name = next((p for p in reversed(path) if isinstance(p, str)), "")
        if name in names_with(Role.TEXT):
            field = format_field(path)
            out.append(
                Diagnostic.at(
                    label,
                    _pos(loaded, path),
                    Code.TEXT_CUT_BY_COMMENT,
                    field=field,
                    name=field,
                )
            )
    return out


_ID_LIKE = re.compile(ID_PATTERN)
_KINDS = frozenset(Kind)


def _sources_without_url(sources: Any, loaded: Loaded, label: str) -> list[Diagnostic]:
    return [
        Diagnostic.at(
            label,
            _pos(loaded, ("sources", index)),
            Code.SOURCE_WITHOUT_URL,
            field=f"sources[{index}]",
        )
        for index, source in enumerate(sources if isinstance(sources, list) else ())
        if isinstance(source, dict) and "url" not in source
    ]


def _strings(value: Any) -> Iterator[str]:
    """Every text in raw data: the ids a broken record may refer to."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _pos(loaded: Loaded, path: FieldPath) -> Where:
    return loaded.position(path) or (None, None)


def _dates(record: Record) -> Iterator[tuple[FieldPath, PartialDate]]:
    for pattern in with_role(type(record), Role.DATE):
        yield from values(record, pattern)


def _future_dates(record: Record, loaded: Loaded, label: str, today: dt.date) -> list[Diagnostic]:
    out = []
    for path, date in _dates(record):
        if date.earliest() > today:
            name = format_field(path)
            out.append(
                Diagnostic.at(
                    label,
                    _pos(loaded, path),
                    Code.FUTURE_DATE,
                    field=name,
                    name=name,
                    date=date,
                    today=today.isoformat(),
                )
            )
    return out


@cache
def _summarised(model: type[BaseModel]) -> tuple[tuple[Pattern, Slot], ...]:
    """The fields `_fill` reads (about one in eight): references, ids, names."""
    return tuple(
        (pattern, slot)
        for pattern, slot in fields_of(model)
        if slot.refers_to is not None or slot.defines is not None or slot.record_name
    )


def _fill(
    summary: Summary, raw: dict[str, Any], node: Any, loaded: Loaded, version: str
) -> Summary:
    """What the rules across records need: the references the record makes (read
    from the raw data), the ids it defines and, when it is valid, its names, all
    found through the models' field markers."""
    model = VERSIONS[version].get(summary.kind or "")
    for pattern, slot in _summarised(model) if model is not None else ():
        if slot.refers_to is not None:
            for path, value in values(raw, pattern):
                if isinstance(value, str) and _ID_LIKE.fullmatch(value):
                    where = _pos(loaded, path)
                    ref = Ref(format_field(path) or "", value, slot.refers_to.kind, where)
                    if slot.refers_to.hierarchy:
                        summary.parent = ref
                    else:
                        summary.refs.append(ref)
        elif slot.defines is not None:
            summary.products += tuple(
                Defined(value, _pos(loaded, path))
                for path, value in values(node, pattern)
                if isinstance(value, str)
            )
        elif slot.record_name and summary.valid:
            summary.names += [
                Name(format_field(path) or "", name, _pos(loaded, path), name_key(name))
                for path, name in values(node, pattern)
            ]
    return summary
