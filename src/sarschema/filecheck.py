"""Everything that can be checked with one file alone.

Read, load (`loader`), personal-data guard (`pii`), models (Pydantic), the
per-file rules (id and file name, kind and folder, no future date, sources
with a URL), and the `Summary` the rules across records need.
"""

from __future__ import annotations

import datetime as dt
import re
import typing
from collections.abc import Iterator
from functools import cache
from typing import Any

from pydantic import BaseModel, ValidationError

from sarschema.checks import PRODUCT, FileResult, Ref, Summary
from sarschema.codes import CODES, Severity
from sarschema.diagnostics import Diagnostic, FieldPath, echo, format_field
from sarschema.discovery import RecordFile
from sarschema.loader import MAX_FILE_BYTES, Loaded, load, too_large
from sarschema.models import Operator, RecordBase, Target, record_adapter
from sarschema.pii import scan
from sarschema.safeio import NotRegular, read_regular
from sarschema.schema_errors import translate
from sarschema.types import PartialDate
from sarschema.types.slug import ID_PATTERN
from sarschema.vocab import FOLDER_OF, FOLDERS, Kind


def check_file(record_file: RecordFile, *, today: dt.date) -> FileResult:
    """Everything that can be checked with one file alone."""
    label = record_file.label
    stem = record_file.path.name.removesuffix(".yaml")
    try:
        data = read_regular(record_file.path, MAX_FILE_BYTES)  # never a link, FIFO or device
        if len(data) > MAX_FILE_BYTES:  # read no further than the limit
            size = record_file.path.lstat().st_size
            return FileResult(
                label, [too_large(label, size)], Summary(label, stem, None, stem, valid=False)
            )
    except NotRegular as exc:
        code = "SAR023" if exc.what == "a symbolic link" else "SAR028"
        return _unread(
            label,
            stem,
            code,
            f"this is {exc.what}, not a file; it was not read.",
            "replace it with the record file itself.",
        )
    except OSError as exc:
        return _unread(
            label,
            stem,
            "SAR026",
            f"the file cannot be read: {exc.strerror or exc}.",
            "check that the file exists and that you may read it.",
        )
    return check_bytes(data, label, folder=record_file.folder, stem=stem, today=today)


def _unread(label: str, stem: str, code: str, message: str, hint: str) -> FileResult:
    diagnostic = Diagnostic(label, None, None, code, message, hint=hint)
    return FileResult(label, [diagnostic], Summary(label, stem, None, stem, valid=False))


def check_bytes(
    data: bytes, label: str, *, folder: str | None, stem: str, today: dt.date
) -> FileResult:
    """Per-file checks on bytes already read (also the fuzzing entry point)."""
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
                "SAR024",
                f"the id {echo(raw_id)} differs from the file name.",
                field="id",
                hint="rename the file to the id followed by .yaml, or change `id` to the file name.",
            )
        )
    expected = FOLDERS.get(folder or "")
    if raw_kind in set(Kind) and expected is not None and raw_kind != expected:
        diagnostics.append(
            Diagnostic.at(
                label,
                _pos(loaded, ("kind",)),
                "SAR025",
                f"a record of kind {raw_kind} must be in {FOLDER_OF[Kind(raw_kind)]}/, "
                f"not in {folder}/.",
                field="kind",
                hint=f"move the file to {FOLDER_OF[Kind(raw_kind)]}/, or fix `kind`.",
            )
        )

    try:
        record: RecordBase = record_adapter().validate_python(raw)
    except ValidationError as exc:
        diagnostics += translate(exc.errors(include_url=False), loaded, label)
        summary = Summary(label, raw_id or stem, raw_kind, stem, id_pos, valid=False)
        summary.loose_refs = set(_strings(raw))
        summary.accepted = accepted
        # The references it makes are checked all the same, so that a contributor
        # sees every problem in one run, not the mistyped id after the next one.
        summary.refs = list(_raw_refs(raw, raw_kind, loaded))
        diagnostics += _sources_without_url(raw.get("sources"), loaded, label)
        products = raw.get("products")
        if isinstance(products, list):  # known ids, so references to them are not reported
            summary.products = [
                (p["id"], _pos(loaded, ("products", i, "id")))
                for i, p in enumerate(products)
                if isinstance(p, dict) and isinstance(p.get("id"), str)
            ]
        return FileResult(label, diagnostics, summary)

    diagnostics += _future_dates(record, loaded, label, today)
    diagnostics += _sources_without_url(raw.get("sources"), loaded, label)
    summary = _summarise(record, raw, loaded, label, stem, id_pos)
    summary.accepted = accepted
    return FileResult(label, diagnostics, summary, record)


@cache
def _text_fields() -> frozenset[str]:
    from sarschema.dictionary import text_field_names

    return text_field_names()


_ACCEPT = re.compile(r"^[ \t]*#[ \t]*sarschema:[ \t]*accept\b(.*)$", re.MULTILINE)


def _acknowledgements(text: str, label: str) -> tuple[dict[str, str], list[Diagnostic]]:
    """`# sarschema: accept SAR400 <reason>` lines: warnings a person decided to keep,
    with the reason in the record itself, where review sees it."""
    if "sarschema:" not in text:
        return {}, []
    accepted: dict[str, str] = {}
    bad: list[Diagnostic] = []
    line, counted_to = 1, 0  # lines counted as the matches come: linear in the text
    for match in _ACCEPT.finditer(text):
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
                    "SAR404",
                    "an acknowledgement needs a warning code and a reason: "
                    "`# sarschema: accept SAR400 <why this warning is kept>`.",
                    hint="only warnings (SAR4xx) can be accepted, never errors; say why in a "
                    "few words, e.g. `the seed document is not online`.",
                )
            )
            continue
        accepted[code] = reason
    return accepted, bad


def _cut_by_comment(loaded: Loaded, label: str) -> list[Diagnostic]:
    out = []
    for path in loaded.commented:
        name = next((p for p in reversed(path) if isinstance(p, str)), "")
        if name in _text_fields():
            field = format_field(path)
            out.append(
                Diagnostic.at(
                    label,
                    _pos(loaded, path),
                    "SAR403",
                    f"the text of `{field}` stops where ` #` starts a comment; "
                    "the rest of the line is not part of it.",
                    field=field,
                    hint="if the # belongs to the text, put the whole value in double quotes: "
                    'title: "Attack #2".',
                )
            )
    return out


_ID_LIKE = re.compile(ID_PATTERN)

#: Where each kind refers to other records: a path (`*` for every list item) and the
#: kind the id must have. Read from the raw data, so that a record with errors elsewhere
#: still has its references checked.
REFERENCES: dict[str, tuple[tuple[tuple[str, ...], str], ...]] = {
    "incident": (
        (("targets", "*"), "target"),
        (("alleged_operators", "*", "operator"), "operator"),
        (("spyware", "*"), PRODUCT),
    ),
    "target": ((("related", "*", "target"), "target"),),
    "operator": (),  # `parent` is summarised on its own, for the cycle check
    "response": (
        (("by", "*", "operator"), "operator"),
        (("by", "*", "target"), "target"),
        (("about", "incidents", "*"), "incident"),
        (("about", "targets", "*"), "target"),
        (("about", "operators", "*"), "operator"),
    ),
}


def _raw_refs(raw: dict[str, Any], kind: str | None, loaded: Loaded) -> Iterator[Ref]:
    for pattern, target_kind in REFERENCES.get(kind or "", ()):
        for path, value in _follow(raw, pattern, ()):
            if isinstance(value, str) and _ID_LIKE.fullmatch(value):
                yield Ref(format_field(path) or "", value, target_kind, _pos(loaded, path))


def _follow(
    node: Any, pattern: tuple[str, ...], path: FieldPath
) -> Iterator[tuple[FieldPath, Any]]:
    if not pattern:
        yield path, node
        return
    step, rest = pattern[0], pattern[1:]
    if step == "*":
        for index, item in enumerate(node if isinstance(node, list) else ()):
            yield from _follow(item, rest, (*path, index))
    elif isinstance(node, dict) and step in node:
        yield from _follow(node[step], rest, (*path, step))


def _sources_without_url(sources: Any, loaded: Loaded, label: str) -> list[Diagnostic]:
    return [
        Diagnostic.at(
            label,
            _pos(loaded, ("sources", index)),
            "SAR400",
            "this source has no `url`; readers cannot check it.",
            field=f"sources[{index}]",
            hint="add `url:` (and `archived_url:` for a web-archive copy) when the document "
            "is online.",
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


def _pos(loaded: Loaded, path: FieldPath) -> tuple[int, int] | tuple[None, None]:
    return loaded.position(path) or (None, None)


@cache
def _date_plan(model: type[BaseModel]) -> tuple[tuple[str, type[BaseModel] | None], ...]:
    """For a model: its date fields (None) and its lists of models that hold dates."""
    from sarschema.dictionary import type_name

    plan: list[tuple[str, type[BaseModel] | None]] = []
    for name, info in model.model_fields.items():
        kind = type_name(info.annotation, info.metadata)
        if kind == "date":
            plan.append((name, None))
        elif kind.startswith("list of ["):
            inner = typing.get_args(_bare_list(info.annotation))[0]
            if isinstance(inner, type) and issubclass(inner, BaseModel) and _date_plan(inner):
                plan.append((name, inner))
    return tuple(plan)


def _bare_list(annotation: Any) -> Any:
    for arg in (annotation, *typing.get_args(annotation)):
        if typing.get_origin(arg) is list:
            return arg
    return annotation


def _dates(value: BaseModel, path: FieldPath) -> Iterator[tuple[FieldPath, PartialDate]]:
    for name, inner in _date_plan(type(value)):
        item = getattr(value, name)
        if item is None:
            continue
        if inner is None:
            yield (*path, name), item
        else:
            for index, entry in enumerate(item):
                yield from _dates(entry, (*path, name, index))


def _future_dates(
    record: RecordBase, loaded: Loaded, label: str, today: dt.date
) -> list[Diagnostic]:
    out = []
    for path, date in _dates(record, ()):
        if date.earliest() > today:
            name = format_field(path)
            out.append(
                Diagnostic.at(
                    label,
                    _pos(loaded, path),
                    "SAR126",
                    f"`{name}` ({date}) is after today ({today.isoformat()}, UTC).",
                    field=name,
                    hint="check the year; records describe what has happened.",
                )
            )
    return out


def _summarise(
    record: RecordBase, raw: dict[str, Any], loaded: Loaded, label: str, stem: str, id_pos: Any
) -> Summary:
    summary = Summary(label, record.id, _kind_of(record), stem, id_pos)
    summary.refs = list(_raw_refs(raw, summary.kind, loaded))
    if isinstance(record, Target):
        summary.names = _names(record.name, record.aliases, loaded)
    elif isinstance(record, Operator):
        summary.names = _names(record.name, record.aliases, loaded)
        if record.parent is not None:
            summary.parent = Ref("parent", record.parent, "operator", _pos(loaded, ("parent",)))
        summary.products = [
            (p.id, _pos(loaded, ("products", i, "id"))) for i, p in enumerate(record.products or ())
        ]
    return summary


def _names(name: str, aliases: list[str] | None, loaded: Loaded) -> list[Any]:
    """Names with their phonetic keys, computed here so that the cache keeps them."""
    from sarschema.names import name_key

    out = [("name", name, _pos(loaded, ("name",)), name_key(name))]
    out += [
        (f"aliases[{i}]", a, _pos(loaded, ("aliases", i)), name_key(a))
        for i, a in enumerate(aliases or ())
    ]
    return out


def _kind_of(record: RecordBase) -> str:
    return str(getattr(record, "kind"))  # noqa: B009 - every concrete record has `kind`
