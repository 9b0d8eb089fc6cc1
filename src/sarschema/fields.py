"""What every field of the format is, read once from the models' annotations.

The one walker over the models (after followthemoney's property types): each
field's `Annotated` metadata says what its values are (`sarschema.markers`),
and every consumer asks here (the date and reference checks, the personal-data
guard, the look-alike names, the data dictionary, the CSV tables) instead of
keeping its own list of field names.

>>> from sarschema.models import Incident
>>> [p for p, s in walk(Incident) if s.role is Role.DATE]
[('sources', '*', 'published'), ('date',), ('date_end',), ('forensic_analyses', '*', 'date')]

A field that takes a bare value or a mapping (format 1.1's `roles` items) keeps
both: the models, and the bare value's own slot, which stands for the model with
only the field of its type filled (a bare role is `{role: ...}`).

>>> from sarschema.models import v1_1
>>> roles = next(s for s in slots(v1_1.Target) if s.name == "roles")
>>> roles.models, roles.bare.vocabulary.__name__, roles.fills.name
((<class 'sarschema.models.v1_1.HeldRole'>,), 'Role', 'role')
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from sarschema.markers import Defines, Marker, RecordName, RefersTo, Role

#: A field path with `*` for every item of a list and every value of a mapping.
Pattern = tuple[str, ...]
#: A concrete path: mapping keys and 0-based list indices.
Path = tuple[str | int, ...]
EACH = "*"


@dataclass(frozen=True, slots=True)
class Slot:
    """One field of a model, as its consumers need it."""

    name: str
    info: FieldInfo
    #: what each value is (for a list or mapping, each item), when a marker says so
    role: Role | None = None
    #: the pattern each value's text matches (from the role's marker)
    pattern: str | None = None
    refers_to: RefersTo | None = None
    defines: Defines | None = None
    record_name: bool = False
    vocabulary: type[StrEnum] | None = None
    #: the models of each value (several for a union such as `by`)
    models: tuple[type[BaseModel], ...] = ()
    many: bool = False  #: a list
    keyed_by: Slot | None = None  #: a mapping, and what its keys are
    literal: tuple[str, ...] = ()
    boolean: bool = False
    #: a union of a bare value and model(s) (`roles` items, `translation_of` in 1.1):
    #: the slot of the bare value (its role, pattern or vocabulary); `role` and
    #: `vocabulary` above stay those of the field as a whole (none)
    bare: Slot | None = None
    #: with `bare` and one model: the model's field the bare value stands for (the one
    #: field of the bare value's vocabulary or role), so a bare role is `{role: ...}`
    fills: Slot | None = None

    @property
    def required(self) -> bool:
        return self.info.is_required()

    @property
    def description(self) -> str:
        return self.info.description or ""

    @property
    def keyed(self) -> bool:
        return self.keyed_by is not None

    def item(self) -> Slot:
        """The slot of one value of a list or mapping."""
        return dataclasses.replace(self, many=False, keyed_by=None)


def _fills(models: tuple[type[BaseModel], ...], bare: Slot) -> Slot | None:
    """The field of the model that a bare value stands for: the one field of the
    model (when there is one model) that takes a single value of the bare value's
    type, the same vocabulary or role; None when there is no such field, or several."""
    if len(models) != 1:
        return None
    matching = [
        s
        for s in slots(models[0])
        if not s.many
        and not s.keyed
        and not s.models
        and (
            s.vocabulary is bare.vocabulary
            if bare.vocabulary is not None
            else (bare.role is not None and s.role is bare.role)
        )
    ]
    return matching[0] if len(matching) == 1 else None


def _unwrapped(option: Any) -> Any:
    while typing.get_origin(option) is typing.Annotated:
        option = typing.get_args(option)[0]
    return option


def _is_model(option: Any) -> bool:
    option = _unwrapped(option)
    return isinstance(option, type) and issubclass(option, BaseModel)


def _bare_models(options: Iterable[Any]) -> tuple[type[BaseModel], ...]:
    return tuple(_unwrapped(option) for option in options if _is_model(option))


def read_slot(name: str, info: FieldInfo) -> Slot:
    """The slot of a model field: its annotation unwrapped, its markers collected."""
    found: dict[str, Any] = {}

    def collect(items: Iterable[object]) -> None:
        for item in items:
            if isinstance(item, Marker):
                found["role"], found["pattern"] = item.role, item.pattern
            elif isinstance(item, RefersTo):
                found["refers_to"] = item
            elif isinstance(item, Defines):
                found["defines"] = item
            elif isinstance(item, RecordName):
                found["record_name"] = True

    collect(info.metadata)
    annotation: Any = info.annotation
    while True:
        origin, args = typing.get_origin(annotation), typing.get_args(annotation)
        if origin is typing.Annotated:
            collect(args[1:])
            annotation = args[0]
        elif origin in (typing.Union, types.UnionType):
            options = [a for a in args if a is not type(None)]
            if len(options) != 1:
                found["models"] = _bare_models(options)
                scalars = [option for option in options if not _is_model(option)]
                if found["models"] and len(scalars) == 1:
                    bare = read_slot(name, FieldInfo.from_annotation(scalars[0]))
                    found["bare"], found["fills"] = bare, _fills(found["models"], bare)
                break
            annotation = options[0]
        elif origin is list:
            found["many"] = True
            annotation = args[0]
        elif origin is dict:
            found["keyed_by"] = read_slot("", FieldInfo.from_annotation(args[0]))
            annotation = args[1]
        elif origin is typing.Literal:
            found["literal"] = tuple(str(a) for a in args)
            break
        else:
            if annotation is bool:
                found["boolean"] = True
            elif isinstance(annotation, type) and issubclass(annotation, StrEnum):
                found["vocabulary"] = annotation
            elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
                found["models"] = (annotation,)
            break
    return Slot(name, info, **found)


@cache
def slots(model: type[BaseModel]) -> tuple[Slot, ...]:
    """The model's fields in declaration order (a base class's fields first)."""
    return tuple(read_slot(name, info) for name, info in model.model_fields.items())


def walk(model: type[BaseModel], prefix: Pattern = ()) -> Iterator[tuple[Pattern, Slot]]:
    """Every field of the model and of the models it holds, each with the pattern of
    the paths to its values (`*` for each item), in document order. A field that
    several members of a union share is given once."""
    seen: set[Pattern] = set()
    for pattern, slot in _walk(model, prefix):
        if pattern not in seen:
            seen.add(pattern)
            yield pattern, slot


@cache
def fields_of(model: type[BaseModel]) -> tuple[tuple[Pattern, Slot], ...]:
    """`walk(model)`, kept: the per-file checks ask it for every record."""
    return tuple(walk(model))


def _walk(model: type[BaseModel], prefix: Pattern) -> Iterator[tuple[Pattern, Slot]]:
    for slot in slots(model):
        pattern = (*prefix, slot.name, *((EACH,) if slot.many or slot.keyed else ()))
        yield pattern, slot
        for inner in slot.models:
            yield from _walk(inner, pattern)


def values(node: Any, pattern: Pattern, path: Path = ()) -> list[tuple[Path, Any]]:
    """The values at the paths that match `pattern`, in raw data (mappings and lists)
    or in validated models alike, in document order; absent fields give nothing.
    Level by level rather than a generator per level: the per-file checks ask this
    about forty times a file."""
    found: list[tuple[Path, Any]] = [(path, node)]
    for step in pattern:
        deeper: list[tuple[Path, Any]] = []
        for at, value in found:
            if step == EACH:
                if isinstance(value, list):
                    deeper += [((*at, index), item) for index, item in enumerate(value)]
                elif isinstance(value, dict):
                    deeper += [((*at, key), item) for key, item in value.items()]
            elif isinstance(value, dict):
                if step in value:
                    deeper.append(((*at, step), value[step]))
            elif isinstance(value, BaseModel):
                item = getattr(value, step, None)
                if item is not None:
                    deeper.append(((*at, step), item))
        if not deeper:
            return deeper
        found = deeper
    return found


def models_within(roots: Iterable[type[BaseModel]]) -> tuple[type[BaseModel], ...]:
    """The roots and every model they hold, breadth first, each once."""
    order: list[type[BaseModel]] = list(dict.fromkeys(roots))
    for model in order:  # grows as it goes
        for slot in slots(model):
            order += [m for m in slot.models if m not in order]
    return tuple(order)


def record_models(version: str | None = None) -> tuple[type[BaseModel], ...]:
    """The record kinds of format `version` (the newest when None)."""
    from sarschema.models import MODELS, VERSIONS

    return tuple((MODELS if version is None else VERSIONS[version]).values())


@cache
def names_with(role: Role) -> frozenset[str]:
    """The names of the fields, in any registered model, whose values have `role`."""
    return frozenset(
        slot.name
        for model in models_within(record_models())
        for slot in slots(model)
        if slot.role is role
    )


@cache
def references(model: type[BaseModel]) -> tuple[tuple[Pattern, RefersTo], ...]:
    """Where a record of this model refers to other records, and to which kind."""
    return tuple(
        (pattern, slot.refers_to) for pattern, slot in walk(model) if slot.refers_to is not None
    )


@cache
def with_role(model: type[BaseModel], role: Role) -> tuple[Pattern, ...]:
    """The patterns of the values that have `role` in a record of this model."""
    return tuple(pattern for pattern, slot in walk(model) if slot.role is role)
