"""The tables of a package of records, made from the record models.

Every field's markers (`sarschema.fields`) say where it goes: a cell (two for a
date: the value as precise as recorded, and its precision), a `;`-joined cell
(a list of vocabulary values or codes, which cannot contain `;`), or a table of
its own (any other list, a map, a group of references), one row per entry with
a `position` (the 0-based index, as in validation field paths). What every kind
shares (`sources`, `translations`) is one table with the record's id and kind.
A field added to a model therefore reaches every table exporter (CSV now, SQLite
next) with no edit here; only a few published names differ from the rule
(`_TABLE_NAMES`, `_COLUMN_NAMES`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel

from sarschema.errors import InternalError
from sarschema.fields import Slot, slots
from sarschema.markers import Role
from sarschema.types.slug import ID_PATTERN

if TYPE_CHECKING:
    from sarschema.models import Record

#: Joins the values of a list kept in one cell.
LIST_SEPARATOR = ";"

FieldType = Literal["string", "integer", "boolean"]
Cell = str | int | bool | None
Row = dict[str, Cell]
PRECISIONS = ("year", "month", "day")
#: Codes kept in one cell when listed: they cannot contain the separator.
_IN_CELL = frozenset({Role.COUNTRY, Role.LANGUAGE})


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a table."""

    name: str
    description: str
    type: FieldType = "string"
    required: bool = False
    pattern: str | None = None
    enum: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Table:
    """One table of the package."""

    name: str
    description: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    #: (column, resource): the column holds an `id` of that resource's table
    foreign_keys: tuple[tuple[str, str], ...] = ()

    @property
    def header(self) -> list[str]:
        return [c.name for c in self.columns]


def table_of(kind: str) -> str:
    """The table that holds the ids of a kind (`target` -> `targets`)."""
    return f"{kind}s"


def _unanchored(pattern: str | None) -> str | None:
    """A validator's anchored pattern, for tools that match a cell whole."""
    return None if pattern is None else pattern.removeprefix("^").removesuffix("$")


def _columns(
    slot: Slot, name: str | None = None, *, required: bool | None = None, about: str = ""
) -> tuple[Column, ...]:
    """The column(s) of one field: a date is two (value and precision), a list of
    vocabulary values or codes is one `;`-joined cell."""
    name = name or slot.name
    required = slot.required if required is None else required
    text = about or slot.description
    if slot.role is Role.DATE:
        return (
            Column(
                name,
                f"{text} A partial date YYYY, YYYY-MM or YYYY-MM-DD, as precise as recorded.",
                required=required,
                pattern=_unanchored(slot.pattern),
            ),
            Column(
                f"{name}_precision",
                f"Precision of `{name}`: year, month or day.",
                required=required,
                enum=PRECISIONS,
            ),
        )
    vocabulary = tuple(v.value for v in slot.vocabulary) if slot.vocabulary else slot.literal
    if slot.many:
        one = f"({'|'.join(vocabulary)})" if vocabulary else _unanchored(slot.pattern)
        return (
            Column(
                name,
                f"{text} Several values are joined with `;`, in the order recorded.",
                required=required,
                pattern=f"{one}(;{one})*",
            ),
        )
    if vocabulary:
        return (Column(name, text, required=required, enum=vocabulary),)
    if slot.boolean:
        return (Column(name, f"{text} Empty when not recorded.", type="boolean"),)
    return (Column(name, text, required=required, pattern=_unanchored(slot.pattern)),)


def _id_column(name: str, description: str, *, required: bool = True) -> Column:
    return Column(name, description, required=required, pattern=_unanchored(ID_PATTERN))


def _position(of: str) -> Column:
    return Column(
        "position",
        f"0-based index in the record's list `{of}`, as in validation field paths.",
        type="integer",
        required=True,
    )


def _in_cell(slot: Slot) -> bool:
    return slot.many and (slot.vocabulary is not None or slot.role in _IN_CELL)


def _cells(slot: Slot, name: str, value: Any) -> Row:
    if slot.role is Role.DATE:
        if value is None:
            return {name: None, f"{name}_precision": None}
        return {name: str(value), f"{name}_precision": value.precision}
    if slot.many:
        return {name: LIST_SEPARATOR.join(str(v) for v in value) if value else None}
    return {name: value.value if isinstance(value, StrEnum) else value}


def _singular(name: str) -> str:
    return name.removesuffix("es") if name.endswith("ses") else name.removesuffix("s")


#: The few names that differ from the rule (`<kind>_<field>`, `<field>_id`), kept
#: as published.
_TABLE_NAMES = {"incident_alleged_operators": "incident_operators"}
_COLUMN_NAMES = {
    "target_related": {"target_id": "related_target_id", "name": "related_name"},
}


class _Part(ABC):
    """One table of the package and how a record gives its rows."""

    table: Table

    @abstractmethod
    def rows(self, record: Record) -> Iterator[Row]: ...


@dataclass(frozen=True, slots=True)
class _KindPart(_Part):
    """The kind's own table: one row per record, a cell or two per field."""

    table: Table
    fields: tuple[Slot, ...]

    def rows(self, record: Record) -> Iterator[Row]:
        row: Row = {}
        for slot in self.fields:
            row |= _cells(slot, slot.name, getattr(record, slot.name))
        yield row


@dataclass(frozen=True, slots=True)
class _ListPart(_Part):
    """A list of texts or of references: one row per entry."""

    table: Table
    owner: str
    slot: Slot
    column: str

    def rows(self, record: Record) -> Iterator[Row]:
        for position, value in enumerate(getattr(record, self.slot.name) or ()):
            yield {self.owner: record.id, "position": position, self.column: value}


@dataclass(frozen=True, slots=True)
class _EntriesPart(_Part):
    """A list (or, with `keyed`, a map) of structured entries: one row per entry, a
    cell or two per field of the entry's own model."""

    table: Table
    owner: str
    slot: Slot
    names: tuple[tuple[str, str], ...] = ()  #: field name -> column name
    kind_column: bool = False  #: a table shared by several kinds: say which

    def rows(self, record: Record) -> Iterator[Row]:
        names = dict(self.names)
        value: Any = getattr(record, self.slot.name)
        keyed_by = self.slot.keyed_by
        key_column = str(keyed_by.role) if keyed_by is not None else "position"
        entries = (value or {}).items() if keyed_by is not None else enumerate(value or ())
        for key, entry in entries:
            row: Row = {self.owner: record.id}
            if self.kind_column:
                row["record_kind"] = record.kind
            row[key_column] = key
            model: type[BaseModel] = type(entry)
            for inner in slots(model):
                name = names.get(inner.name, inner.name)
                row |= _cells(inner, name, getattr(entry, inner.name))
            yield row


@dataclass(frozen=True, slots=True)
class _GroupsPart(_Part):
    """A mapping of lists of references by kind (`about`): one row per id, with its
    kind."""

    table: Table
    owner: str
    slot: Slot

    def rows(self, record: Record) -> Iterator[Row]:
        group = getattr(record, self.slot.name)
        model: type[BaseModel] = type(group)
        for inner in slots(model):  # each a list of references (checked in `package`)
            assert inner.refers_to is not None
            for position, ident in enumerate(getattr(group, inner.name) or ()):
                yield {
                    self.owner: record.id,
                    "kind": inner.refers_to.kind,
                    "position": position,
                    "id": ident,
                }


@dataclass(frozen=True, slots=True)
class Package:
    """Every table, in the order of `datapackage.json`, and how each kind fills them."""

    tables: tuple[Table, ...]
    parts: dict[str, tuple[_Part, ...]]


def _member_columns(
    slot: Slot, renames: dict[str, str]
) -> tuple[list[Column], list[tuple[str, str]], dict[str, str]]:
    """The columns of a list of entries: every field of every member model (of a
    union such as `by`), those all members share last, each required only where
    every member requires it; references end in `_id`."""
    columns: dict[str, tuple[bool, Column]] = {}
    keys: list[tuple[str, str]] = []
    names: dict[str, str] = {}
    members = [slots(model) for model in slot.models]
    for member in members:
        for inner in member:
            name = f"{inner.name}_id" if inner.refers_to else inner.name
            name = renames.get(name, name)
            names[inner.name] = name
            if name in columns:
                continue
            shared = all(any(s.name == inner.name for s in m) for m in members)
            everywhere = all(any(s.name == inner.name and s.required for s in m) for m in members)
            for column in _columns(inner, name, required=everywhere):
                columns[column.name] = (shared, column)
            if inner.refers_to is not None:
                keys.append((name, table_of(inner.refers_to.kind)))
    ordered = sorted(columns.values(), key=lambda entry: entry[0])
    return [column for _, column in ordered], keys, names


def _entries_text(slot: Slot, names: dict[str, str]) -> str:
    """What a table of entries holds: the entry model's docstring, or for a union
    the field's description and which column tells the members apart."""
    if len(slot.models) == 1:
        return (slot.models[0].__doc__ or slot.description).strip()
    firsts = [f"`{names[next(iter(slots(m))).name]}`" for m in slot.models]
    return (
        f"{slot.description} Exactly one of {', '.join(firsts[:-1])} or {firsts[-1]} "
        "is filled in each row."
    )


def _kinds_text(kinds: tuple[str, ...], every: int) -> str:
    if len(kinds) == every:
        return "every record"
    return f"every {', '.join(kinds[:-1])} and {kinds[-1]}"


def _defined(slot: Slot) -> Slot | None:
    """The field of a list's entries that defines ids (a vendor's product ids)."""
    if not slot.many or len(slot.models) != 1:
        return None
    return next((s for s in slots(slot.models[0]) if s.defines is not None), None)


@cache
def package() -> Package:
    """The tables, made from the record models' fields: a field is a cell (or two for
    a date), a `;`-joined cell (a list of vocabulary values or codes), or a table of
    its own (any other list, a map, a group); what all kinds share is one table."""
    from sarschema.models import MODELS, RecordBase

    base = tuple(RecordBase.model_fields)
    own: list[Table] = []
    entities: list[Table] = []
    links: list[Table] = []
    shared: dict[str, tuple[Slot, tuple[str, ...]]] = {}
    parts: dict[str, list[_Part]] = {kind: [] for kind in MODELS}

    for kind, model in MODELS.items():
        owner = f"{kind}_id"
        fields = {s.name: s for s in slots(model)}
        ordered = [fields["id"], *(s for s in fields.values() if s.name not in base)]
        ordered += [s for s in fields.values() if s.name in base and s.name != "id"]
        cells: list[Slot] = []
        columns: list[Column] = [_id_column("id", f"The {kind}'s id.")]
        keys: list[tuple[str, str]] = []
        for slot in ordered[1:]:
            if slot.literal:
                continue  # the kind: the table says it
            if slot.models and (slot.name in base or slot.keyed):
                kinds = shared.get(slot.name, (slot, ()))[1]
                shared[slot.name] = (slot, (*kinds, kind))
                continue
            name = f"{kind}_{slot.name}"
            name = _TABLE_NAMES.get(name, name)
            defined = _defined(slot)
            if not slot.models and (not slot.many or _in_cell(slot)):
                cells.append(slot)
                columns += _columns(slot)
                if slot.refers_to is not None:
                    keys.append((slot.name, table_of(slot.refers_to.kind)))
            elif defined is not None:  # entities of their own, in the shared id space
                assert defined.defines is not None
                member, member_keys, names = _member_columns(slot, {})
                table = Table(
                    table_of(defined.defines.kind),
                    f"{_entries_text(slot, names)} One row per entry of `{slot.name}`; these "
                    "ids share one id space with records.",
                    (
                        member[0],
                        _id_column(owner, f"Id of the {kind} that lists it."),
                        _position(slot.name),
                        *member[1:],
                    ),
                    (defined.name,),
                    ((owner, table_of(kind)), *member_keys),
                )
                entities.append(table)
                parts[kind].append(_EntriesPart(table, owner, slot, tuple(names.items())))
            elif slot.many and slot.models:
                member, member_keys, names = _member_columns(slot, _COLUMN_NAMES.get(name, {}))
                table = Table(
                    name,
                    f"`{slot.name}` of each {kind}, one row per entry: {_entries_text(slot, names)}",
                    (_id_column(owner, f"Id of the {kind}."), _position(slot.name), *member),
                    (owner, "position"),
                    ((owner, table_of(kind)), *member_keys),
                )
                links.append(table)
                parts[kind].append(_EntriesPart(table, owner, slot, tuple(names.items())))
            elif slot.many:
                target = slot.refers_to
                column = f"{target.kind}_id" if target else _singular(slot.name)
                value = (
                    _id_column(column, f"Id of the {target.kind}.")
                    if target
                    else _columns(
                        slot.item(), column, required=True, about=f"One of `{slot.name}`."
                    )[0]
                )
                table = Table(
                    name,
                    f"`{slot.name}` of each {kind}: {slot.description}",
                    (_id_column(owner, f"Id of the {kind}."), _position(slot.name), value),
                    (owner, "position"),
                    ((owner, table_of(kind)),)
                    + (((column, table_of(target.kind)),) if target else ()),
                )
                links.append(table)
                parts[kind].append(_ListPart(table, owner, slot, column))
            else:  # one entry holding lists of references by kind (`about`)
                group = slots(slot.models[0]) if len(slot.models) == 1 else ()
                if not group or any(not s.many or s.refers_to is None for s in group):
                    raise InternalError(f"no table rule for `{kind}.{slot.name}`")
                kinds = tuple(s.refers_to.kind for s in group if s.refers_to is not None)
                table = Table(
                    name,
                    f"`{slot.name}` of each {kind}: {slot.description} `id` is the id of a "
                    "record of the kind `kind`.",
                    (
                        _id_column(owner, f"Id of the {kind}."),
                        Column("kind", "Kind of the record.", required=True, enum=kinds),
                        _position(f"{slot.name}.<kind>s"),
                        _id_column("id", "Id of the record."),
                    ),
                    (owner, "kind", "position"),
                    ((owner, table_of(kind)),),
                )
                links.append(table)
                parts[kind].append(_GroupsPart(table, owner, slot))
        doc = (model.__doc__ or "").strip().rstrip(".")
        table = Table(
            table_of(kind),
            f"{table_of(kind).capitalize()}: {doc[:1].lower()}{doc[1:]}; one row per record.",
            tuple(columns),
            ("id",),
            tuple(keys),
        )
        own.append(table)
        parts[kind].insert(0, _KindPart(table, (fields["id"], *cells)))

    common: list[Table] = []
    for field_name, (slot, kinds) in sorted(shared.items(), key=lambda s: s[0] not in base):
        member, _, names = _member_columns(slot, {})
        key = (
            _columns(slot.keyed_by, str(slot.keyed_by.role), required=True, about="The key.")[0]
            if slot.keyed_by is not None
            else _position(field_name)
        )
        table = Table(
            field_name,
            f"`{field_name}` of {_kinds_text(kinds, len(MODELS))}, one row per entry: "
            f"{_entries_text(slot, names)}",
            (
                _id_column("record_id", "Id of the record."),
                Column("record_kind", "Kind of that record.", required=True, enum=kinds),
                key,
                *member,
            ),
            ("record_id", key.name),
        )
        common.append(table)
        for kind in kinds:
            parts[kind].append(
                _EntriesPart(table, "record_id", slot, tuple(names.items()), kind_column=True)
            )
    return Package((*own, *entities, *common, *links), {k: tuple(v) for k, v in parts.items()})


# --------------------------------------------------------------------------
# Records to rows


def rows_of(record: Record) -> Iterator[tuple[Table, Row]]:
    """Every row a record gives, with the table it goes to."""
    for part in package().parts[record.kind]:
        for row in part.rows(record):
            yield part.table, row


def record_rows(record: Record) -> list[tuple[str, Row]]:
    """`rows_of` with table names: plain data, cheap to send between processes."""
    return [(table.name, row) for table, row in rows_of(record)]
