"""Pydantic validation errors -> located, plain-language diagnostics.

Pydantic's `loc` mixes field names with union tags (`('incident', 'by', 0,
'operator', ...)`), so we walk the model types alongside the location to drop
the tags, find the model that owns a field (for "did you mean") and the
vocabulary of a value.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Iterable, Mapping
from dataclasses import replace
from enum import Enum, StrEnum
from typing import Any

from pydantic import BaseModel, Discriminator, Tag, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

from sarschema.__about__ import FORMAT_VERSION, FORMAT_VERSIONS
from sarschema.codes import CODES, Code
from sarschema.diagnostics import Diagnostic, FieldPath, echo, format_field, is_safe
from sarschema.loader import Loaded
from sarschema.models import VERSIONS, any_record
from sarschema.results import Pos
from sarschema.vocab import suggest

_SHAPES = {
    "string_type": "text",
    "list_type": "a list",
    "dict_type": "a mapping of `key: value` lines",
    "model_type": "a mapping of `key: value` lines",
    "model_attributes_type": "a mapping of `key: value` lines",
}


def _found(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "text"


# --- walking the model types along a pydantic location ----------------------


def _tagged_union(tp: Any) -> dict[str, Any] | None:
    """`{tag: type}` when `tp` is a tagged union (by `kind` or by a callable)."""
    if typing.get_origin(tp) is not typing.Annotated:
        return None
    inner, *meta = typing.get_args(tp)
    field_disc = next(
        (m.discriminator for m in meta if isinstance(m, FieldInfo) and m.discriminator), None
    )
    if not any(isinstance(m, Discriminator) for m in meta) and not field_disc:
        return None
    branches: dict[str, Any] = {}
    for arg in typing.get_args(inner):
        if typing.get_origin(arg) is typing.Annotated:
            model, *tags = typing.get_args(arg)
            tag = next((t.tag for t in tags if isinstance(t, Tag)), None)
            if tag is not None:
                branches[tag] = model
        elif isinstance(field_disc, str) and isinstance(arg, type) and issubclass(arg, BaseModel):
            (literal,) = typing.get_args(arg.model_fields[field_disc].annotation)
            branches[literal] = arg
    return branches


def _bare(tp: Any) -> Any:
    """Drop `Annotated` metadata and `| None`."""
    while True:
        if typing.get_origin(tp) is typing.Annotated and _tagged_union(tp) is None:
            tp = typing.get_args(tp)[0]
            continue
        if typing.get_origin(tp) in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(args) == 1:
                tp = args[0]
                continue
        return tp


class _Walk:
    __slots__ = ("key", "leaf", "owner", "path")

    def __init__(self) -> None:
        self.path: list[str | int] = []
        self.owner: type[BaseModel] | None = None
        self.leaf: Any = None
        #: the error is about a mapping key (`translations: {zz: ...}`), not its value
        self.key = False


def _walk(loc: Iterable[str | int], version: str) -> _Walk:
    result = _Walk()
    tp: Any = any_record(version)
    for element in loc:
        tp = _bare(tp)
        branches = _tagged_union(tp)
        if branches is not None:
            if isinstance(element, str) and element in branches:
                tp = branches[element]
                continue
            tp = None
        origin = typing.get_origin(tp)
        if element == "[key]":
            tp = None
            result.key = True
            continue
        if isinstance(tp, type) and issubclass(tp, BaseModel) and isinstance(element, str):
            result.owner = tp
            field = tp.model_fields.get(element)
            tp = field.annotation if field is not None else None
            if field is not None and field.metadata:
                tp = typing.Annotated[(tp, *field.metadata)]
        elif origin is list and isinstance(element, int):
            tp = typing.get_args(tp)[0]
        elif origin is dict:
            tp = typing.get_args(tp)[1]
        else:
            tp = None
        result.path.append(element)
    result.leaf = _bare(tp) if tp is not None else None
    return result


def _vocabulary(leaf: Any) -> list[str]:
    if isinstance(leaf, type) and issubclass(leaf, Enum):
        return [str(m.value) for m in leaf]
    if typing.get_origin(leaf) is typing.Literal:
        return [str(a) for a in typing.get_args(leaf)]
    return []


def _did_you_mean(value: Any, options: Iterable[str]) -> str | None:
    if not isinstance(value, str):
        return None
    choices = list(options)
    match = difflib.get_close_matches(value.strip().lower(), choices, n=1, cutoff=0.6)
    return f"did you mean `{match[0]}`?" if match else None


def _vocabulary_hint(value: Any, leaf: Any, options: list[str]) -> str | None:
    """Synonyms and near misspellings only: in vocabularies of relations, roles and
    statuses a guess from spelling alone (`father` -> `partner`) changes the meaning."""
    if not (isinstance(leaf, type) and issubclass(leaf, StrEnum)):
        return _did_you_mean(value, options)  # a fixed word such as a kind
    found = suggest(value, leaf)
    if found is None:
        return None
    choice, synonym = found
    if synonym:
        return f"use `{choice}`: the format's word for {echo(value, 'this')}."
    return f"did you mean `{choice}`?"


def _dropped(path: FieldPath, dropped: set[FieldPath]) -> bool:
    return any(path[: len(d)] == d for d in dropped)


# --- the translation ---------------------------------------------------------


def translate(
    errors: list[ErrorDetails], loaded: Loaded, file: str, version: str = FORMAT_VERSION
) -> list[Diagnostic]:
    """Turn `ValidationError.errors()` (of format `version`'s models) into
    diagnostics, one per real problem."""
    out: list[Diagnostic] = []
    seen: set[tuple[str, str | None, int | None, int | None]] = set()
    later = _fine_later(errors, loaded.data, version)
    for err in errors:
        diag = _one(err, loaded, file, version)
        if diag is None:
            continue
        newer = later.get(tuple(_walk(err["loc"], version).path))
        if newer is not None:
            diag = replace(
                diag,
                hint=f"this is valid in format {newer}, and this record set is written in "
                f"{version}; run `sarschema migrate --to {newer}` to move the set to {newer}.",
            )
        key = (diag.code, diag.field, diag.line, diag.column)
        if key not in seen:
            seen.add(key)
            out.append(diag)
    return out


def _one(err: ErrorDetails, loaded: Loaded, file: str, version: str) -> Diagnostic | None:
    kind = err["type"]
    walk = _walk(err["loc"], version)
    models = VERSIONS[version]
    path: FieldPath = tuple(walk.path)
    if _dropped(path, loaded.dropped):
        return None
    value = err.get("input")
    ctx = err.get("ctx") or {}
    name = format_field(path)
    where = _located(loaded, path, key=walk.key)  # a diagnostic about a key points at it

    if kind in ("union_tag_not_found", "union_tag_invalid") and not path:
        kinds = ", ".join(models)
        if "kind" not in (loaded.data or {}):
            return Diagnostic.at(
                file,
                _located(loaded, ()),
                Code.BAD_KIND,
                "the record has no `kind`.",
                field="kind",
                hint=f"add a line `kind: ...` with one of: {kinds}.",
            )
        return Diagnostic.at(
            file,
            _located(loaded, ("kind",)),
            Code.BAD_KIND,
            f"`kind` must be one of {kinds}.",
            field="kind",
            hint=_did_you_mean(ctx.get("tag"), models),
        )
    if kind == "missing":
        parent = path[:-1]
        return Diagnostic.at(
            file,
            _located(loaded, parent),
            Code.MISSING_FIELD,
            f"the required field {echo(path[-1])} is missing"
            + (f" from `{format_field(parent)}`." if parent else "."),
            field=name,
            hint=f"add a line `{path[-1]}: ...`.",
        )
    if kind == "extra_forbidden":
        owner = walk.owner
        allowed = list(owner.model_fields) if owner is not None else []
        what = _owner_name(owner, models)
        hint = _did_you_mean(path[-1], allowed)
        if hint is None and allowed:
            hint = "the fields allowed here are: " + ", ".join(f"`{a}`" for a in allowed) + "."
        return Diagnostic.at(
            file,
            _located(loaded, path, key=True),
            Code.UNKNOWN_FIELD,
            f"{echo(path[-1], 'this key')} is not a field of {what}.",
            field=name,
            hint=hint,
        )
    if kind in CODES:  # raised by the types and models with the code itself
        code = Code(kind)
        target_field = ctx.get("field")
        if target_field and code in (
            Code.FORENSIC_MISSING,
            Code.COUNTRY_REQUIRED,
            Code.END_WITHOUT_DATE,
        ):  # a missing field: at the mapping that lacks it, as SAR100
            full = (*path, target_field)
            return Diagnostic.at(
                file,
                where,
                code,
                err["msg"] + ".",
                field=format_field(full),
                hint=_custom_hint(code, ctx),
            )
        if target_field:
            full = (*path, target_field)
            return Diagnostic.at(
                file,
                _located(loaded, full, key=True),
                code,
                err["msg"] + ".",
                field=format_field(full),
                hint=_custom_hint(code, ctx),
            )
        if code is Code.ONE_OF and isinstance(value, dict):
            keys = str(ctx.get("keys", "")).split(", ")
            given = [k for k in value if k in keys]
            if len(given) > 1:
                # At a key that is one too many: the first one given that is not the
                # first alternative, as editors (which try the alternatives in order) do.
                kept = min(given, key=keys.index)
                other = next(k for k in given if k != kept)
                extra = (*path, other)
                return Diagnostic.at(
                    file,
                    _located(loaded, extra, key=True),
                    code,
                    err["msg"] + f"; this one gives both `{kept}` and `{other}`.",
                    field=format_field(extra),
                    hint=_custom_hint(code, ctx),
                )
        safe = code not in (Code.DATE_ORDER, Code.EMPTY_TEXT) and is_safe(value)
        message = err["msg"] + (f": {echo(value)}." if safe else ".")
        return Diagnostic.at(
            file,
            where,
            code,
            message,
            field=name,
            hint=_custom_hint(code, ctx),
        )
    if kind == "enum" or kind == "literal_error":
        options = _vocabulary(walk.leaf) or re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        shown = echo(value)
        hint = _vocabulary_hint(value, walk.leaf, options)
        listed = ", ".join(options)
        return Diagnostic.at(
            file,
            where,
            Code.BAD_VOCABULARY,
            f"{shown} is not allowed in `{name}`; use one of: {listed}.",
            field=name,
            hint=hint,
        )
    if kind == "bool_type":
        return Diagnostic.at(
            file,
            where,
            Code.BAD_BOOLEAN,
            f"`{name}` takes `true` or `false`.",
            field=name,
        )
    if kind in _SHAPES:
        expected = _SHAPES[kind]
        hint = None
        if kind == "list_type":
            hint = "write `[a, b]` or one `- item` per line, even for a single item."
        elif kind == "string_type" and isinstance(value, (list, dict)):
            hint = "write the value on the same line after the colon."
        elif kind == "string_type":
            hint = "put the value in double quotes."
        return Diagnostic.at(
            file,
            where,
            Code.WRONG_TYPE,
            f"`{name}` should be {expected}, but it is {_found(value)}.",
            field=name,
            hint=hint,
        )
    if kind == "string_too_short":
        return Diagnostic.at(
            file,
            where,
            Code.EMPTY_TEXT,
            f"`{name}` is empty.",
            field=name,
        )
    if kind == "too_short":
        return Diagnostic.at(
            file,
            where,
            Code.TOO_FEW_ITEMS,
            f"`{name}` needs at least one entry.",
            field=name,
        )
    return Diagnostic.at(file, where, Code.WRONG_TYPE, f"`{name}`: {err['msg']}.", field=name)


def _fine_later(errors: list[ErrorDetails], data: Any, version: str) -> dict[FieldPath, str]:
    """The places of these errors where a later format version finds nothing wrong
    (`client`, a held role, a new field...), each with the first such version; checked
    only for a record that has errors, and only when a later version exists."""
    from sarschema.models import record_adapter

    fine: dict[FieldPath, str] = {}
    paths = {tuple(_walk(err["loc"], version).path) for err in errors}
    for later in FORMAT_VERSIONS[FORMAT_VERSIONS.index(version) + 1 :]:
        try:
            record_adapter(later).validate_python(data)
            wrong: set[FieldPath] = set()
        except ValidationError as exc:
            wrong = {tuple(_walk(e["loc"], later).path) for e in exc.errors(include_url=False)}
        for path in paths - wrong - set(fine):
            if not any(path[: len(w)] == w or w[: len(path)] == path for w in wrong):
                fine[path] = later
    return fine


def _owner_name(owner: type[BaseModel] | None, models: Mapping[str, type[BaseModel]]) -> str:
    if owner is None:
        return "this mapping"
    for kind, model in models.items():
        if model is owner:
            return f"a record of kind {kind}"
    words = re.sub(r"(?<!^)([A-Z])", r" \1", owner.__name__).lower()
    return f"{'an' if words[0] in 'aeiou' else 'a'} {words} entry"


def _custom_hint(code: Code, ctx: dict[str, Any]) -> str | None:
    """The code's hint from the table, or one the type worked out (a suggested id,
    the code for a country's name)."""
    if code is Code.BAD_ID:
        suggestion = ctx.get("suggestion")
        return f"for example {echo(suggestion)}." if suggestion and is_safe(suggestion) else None
    if code in (Code.BAD_COUNTRY, Code.BAD_LANGUAGE):
        hint = ctx.get("hint")
        return f"{hint}." if hint else None
    return code.hint(**ctx)


def _located(loaded: Loaded, path: FieldPath, *, key: bool = False) -> Pos | tuple[None, None]:
    pos = loaded.position(path, key=key)
    return pos if pos is not None else (None, None)
