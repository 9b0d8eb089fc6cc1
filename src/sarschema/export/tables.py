"""The tables of a package of records, made from the record models.

Every field's markers (`sarschema.fields`) say where it goes: a cell (two for a
date: the value as precise as recorded, and its precision), a `;`-joined cell
(a list of vocabulary values or codes, which cannot contain `;`), the cells of
its fields (one model held whole, such as a source's `translation_of`: columns
`<field>_<name>`), or a table of its own (any other list, a map, a group of
lists by kind), one row per entry with a `position` (the 0-based index, as in
validation field paths). What every kind shares (`sources`, `translations`) is
one table with the record's id and kind.

A field that takes a bare value or a mapping (`roles` items, `translation_of`
in 1.1) is written as the mapping: the bare value is the model with only the
field of its type filled (`sarschema.fields.Slot.fills`), so a bare role is a
row of `target_roles` with `role` alone, and a bare URL fills the URL column.

The tables follow the newest format (`MODELS`); a record of an older version
(its model lacks the fields added since) leaves the new cells empty, as every
older record is a valid record of the newest version. A field added to a model
therefore reaches every table exporter (CSV now, SQLite next) with no edit here;
only a few published names differ from the rule (`_TABLE_NAMES`,
`_COLUMN_NAMES`).
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
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

FieldType = Literal["string", "integer", "boolean", "date"]
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
    #: the column names in order, as a dict's keys: `values` asks for them every row
    _names: dict[str, None] = dataclasses.field(init=False, repr=False, compare=False)
    #: the positions of the boolean columns, and of the first days of dates
    #: (`<date>_earliest`): what writing each row asks, worked out once
    boolean_columns: tuple[int, ...] = dataclasses.field(init=False, repr=False, compare=False)
    first_day_columns: tuple[int, ...] = dataclasses.field(init=False, repr=False, compare=False)
    #: the columns that hold ids of the table's own rows (`operators.parent`): its rows
    #: are written parents first
    self_references: tuple[str, ...] = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        def where(test: Callable[[Column], bool]) -> tuple[int, ...]:
            return tuple(i for i, column in enumerate(self.columns) if test(column))

        object.__setattr__(self, "_names", dict.fromkeys(c.name for c in self.columns))
        object.__setattr__(self, "boolean_columns", where(lambda c: c.type == "boolean"))
        object.__setattr__(self, "first_day_columns", where(lambda c: c.name.endswith("_earliest")))
        own = tuple(column for column, ref in self.foreign_keys if ref == self.name)
        object.__setattr__(self, "self_references", own)
        twice = [name for name, n in Counter(self.header).items() if n > 1]
        if twice:  # two fields named alike by the rules: one would overwrite the other
            raise InternalError(f"{self.name} has the column(s) {twice} twice")

    @property
    def header(self) -> list[str]:
        return [c.name for c in self.columns]

    def values(self, row: Row) -> tuple[Cell, ...]:
        """The row's cells in the order of `header`; a cell of no column is a
        programming error (the row and the table disagree)."""
        header = self._names
        if not row.keys() <= header.keys():
            unknown = row.keys() - header.keys()
            raise InternalError(f"{self.name} has no column {sorted(unknown)}")
        return tuple(map(row.get, header))


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
            Column(
                f"{name}_earliest",
                f"The first day `{name}` covers, an ISO date (`2021` gives 2021-01-01): "
                "sort and compare by it, never read it as the recorded date.",
                type="date",
                required=required,
            ),
            Column(
                f"{name}_latest",
                f"The last day `{name}` covers, an ISO date (`2021` gives 2021-12-31).",
                type="date",
                required=required,
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


def _is_cell(slot: Slot) -> bool:
    """A value written in one cell (two for a date): no model, at most a list of
    vocabulary values or codes."""
    return not slot.models and not slot.keyed and (not slot.many or _in_cell(slot))


@cache
def _date_cells(name: str) -> tuple[str, str, str, str]:
    return (name, f"{name}_precision", f"{name}_earliest", f"{name}_latest")


_NO_DATE: tuple[None, None, None, None] = (None, None, None, None)


def date_values(value: Any) -> tuple[Cell, Cell, Cell, Cell]:
    """A partial date's four cells, for the columns `_date_cells` names."""
    if value is None:
        return _NO_DATE
    return (str(value), value.precision, value.earliest().isoformat(), value.latest().isoformat())


def joined(value: Any) -> str | None:
    """A list kept in one cell."""
    return LIST_SEPARATOR.join(str(v) for v in value) if value else None


def field_getter(node: Any) -> Callable[[str], Any]:
    """The `get` of a model's fields (its instance dict: one lookup instead of an
    attribute's, pydantic v2), a mapping's, or nothing's. An older version's model
    lacks the newer fields: None."""
    return (node if isinstance(node, dict) else {} if node is None else node.__dict__).get


def _fill(row: Row, slot: Slot, name: str, value: Any) -> None:
    """Put a value's cell (four for a date) into `row`, in place: a row is built
    from many fields, and a dict per field was a sixth of the time making them."""
    if slot.role is Role.DATE:
        row.update(zip(_date_cells(name), date_values(value), strict=True))
    elif slot.many:
        row[name] = joined(value)
    else:
        row[name] = value.value if isinstance(value, StrEnum) else value


def _value(node: Any, name: str) -> Any:
    """A field's value in a model (or a mapping); None when absent, also when the
    node's model lacks the field: a record of an older format version, whose
    model is older than the tables' (`MODELS`, the newest), lacks the new fields."""
    if node is None:
        return None
    if isinstance(node, dict):
        return node.get(name)
    return getattr(node, name, None)


def _as_model(slot: Slot, value: Any) -> Any:
    """A bare value as the model it stands for: the mapping of its one field
    (`journalist` is `{role: journalist}`); a model or nothing as it is."""
    if value is None or isinstance(value, BaseModel | dict) or slot.fills is None:
        return value
    return {slot.fills.name: value}


def _singular(name: str) -> str:
    return name.removesuffix("es") if name.endswith("ses") else name.removesuffix("s")


#: The few names that differ from the rule (`<kind>_<field>`, `<field>_id`), kept
#: as published.
_TABLE_NAMES = {"incident_alleged_operators": "incident_operators"}
_COLUMN_NAMES = {
    "target_related": {"target_id": "related_target_id", "name": "related_name"},
    # not `name`/`type`/`country`, which `operators` has: a join would mix them up
    "response_by": {"name": "by_name", "type": "by_type", "country": "by_country"},
}


@dataclass(frozen=True, slots=True)
class _Field:
    """Where one field goes in a row: its cell (two for a date), or, for one model
    held whole (`translation_of`), the cells of that model's fields (`inner`)."""

    slot: Slot
    column: str
    inner: tuple[_Field, ...] = ()
    #: the field's name in its model
    name: str = dataclasses.field(init=False, repr=False, compare=False)
    #: one cell holding the value as it is (or an enum member's value)
    plain: bool = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", self.slot.name)
        simple = not self.inner and self.slot.role is not Role.DATE and not self.slot.many
        object.__setattr__(self, "plain", simple)

    def fill(self, row: Row, value: Any) -> None:
        """Put the field's cells into `row`."""
        if not self.inner:
            _fill(row, self.slot, self.column, value)
            return
        _fill_fields(row, self.inner, _as_model(self.slot, value))


def _fill_fields(row: Row, fields: tuple[_Field, ...], node: Any) -> None:
    """`field.fill(row, _value(node, field.name))` for each field, plain cells
    filled here: a row is made of many fields, and four calls a field were most
    of the time making rows (no node: every field empty)."""
    get = field_getter(node)
    for field in fields:
        value = get(field.name)
        if field.plain:
            row[field.column] = value.value if isinstance(value, StrEnum) else value
        else:
            field.fill(row, value)


def _no_rule(where: str) -> InternalError:
    return InternalError(f"no table rule for `{where}`")


def _flat(
    slot: Slot, column: str, *, required: bool, where: str
) -> tuple[list[Column], list[tuple[str, str]], _Field]:
    """One model held whole (not a list), written as the cells of its fields in the
    row of the record or entry that holds it: `<column>_<field>`, or `<column>`
    itself for the field a bare value fills (a bare URL in `translation_of` and a
    mapping's `url` are one column, the URL of the original).

    Columns rather than a table of its own: there is at most one such model per row,
    so a spreadsheet user reads it beside what it describes, with no join and no key
    to match; and a bare value keeps the column it had before it could be a mapping.
    """
    if len(slot.models) != 1 or (slot.bare is not None and slot.fills is None):
        raise _no_rule(where)
    fills = slot.fills
    columns: list[Column] = []
    keys: list[tuple[str, str]] = []
    inner: list[_Field] = []
    for field in slots(slot.models[0]):
        if not _is_cell(field):
            raise _no_rule(f"{where}.{field.name}")
        bare = fills is not None and field.name == fills.name
        name = column if bare else f"{column}_{field.name}"
        about = (
            f"`{slot.name}` written as a bare value, or its `{field.name}`: {field.description}"
            if bare
            else f"`{slot.name}.{field.name}`: {field.description}"
        )
        needed = required and (bare if slot.bare is not None else field.required)
        columns += _columns(field, name, required=needed, about=about)
        if field.refers_to is not None:
            keys.append((name, table_of(field.refers_to.kind)))
        inner.append(_Field(field, name))
    return columns, keys, _Field(slot, column, tuple(inner))


class _Part(ABC):
    """One table of the package and how a record gives its rows."""

    table: Table

    @abstractmethod
    def rows(self, record: Record) -> Iterator[Row]: ...


@dataclass(frozen=True, slots=True)
class _KindPart(_Part):
    """The kind's own table: one row per record, a cell or two per field."""

    table: Table
    fields: tuple[_Field, ...]

    def rows(self, record: Record) -> Iterator[Row]:
        row: Row = {}
        _fill_fields(row, self.fields, record)
        yield row


@dataclass(frozen=True, slots=True)
class _ListPart(_Part):
    """A list of texts or of references: one row per entry."""

    table: Table
    owner: str
    slot: Slot
    column: str

    def rows(self, record: Record) -> Iterator[Row]:
        for position, value in enumerate(_value(record, self.slot.name) or ()):
            yield {self.owner: record.id, "position": position, self.column: value}


#: Each member model of a list's entries, with where its fields go.
_Plans = tuple[tuple[type[BaseModel], tuple[_Field, ...]], ...]


@dataclass(frozen=True, slots=True)
class _EntriesPart(_Part):
    """A list (or, with `keyed`, a map) of structured entries: one row per entry, a
    cell or two per field of the entry's own model. A bare value (a role in 1.1's
    `roles`) is the model with only the field of its type filled."""

    table: Table
    owner: str
    slot: Slot
    plans: _Plans
    kind_column: bool = False  #: a table shared by several kinds: say which

    def plan_index(self, entry: Any) -> int:
        """Which of `plans` writes `entry`."""
        if not isinstance(entry, BaseModel):
            return 0  # a bare value: one model (checked in `package`)
        for i, (model, _) in enumerate(self.plans):
            # an older version's entry: its model is a base class of the newest one's
            if isinstance(entry, model) or issubclass(model, type(entry)):
                return i
        raise InternalError(f"{self.table.name}: no columns for {type(entry).__name__}")

    def _plan(self, entry: Any) -> tuple[_Field, ...]:
        return self.plans[self.plan_index(entry)][1]

    def rows(self, record: Record) -> Iterator[Row]:
        value: Any = _value(record, self.slot.name)
        keyed_by = self.slot.keyed_by
        key_column = str(keyed_by.role) if keyed_by is not None else "position"
        entries = (value or {}).items() if keyed_by is not None else enumerate(value or ())
        for key, entry in entries:
            row: Row = {self.owner: record.id}
            if self.kind_column:
                row["record_kind"] = record.kind
                row[f"{record.kind}_id"] = record.id  # the typed id, with its foreign key
            row[key_column] = key
            _fill_fields(row, self._plan(entry), _as_model(self.slot, entry))
            yield row


@dataclass(frozen=True, slots=True)
class _GroupsPart(_Part):
    """A mapping of lists by kind (`about`): one row per value, with its kind (the
    kind of the records or products a list refers to, else the list's own name in
    the singular, such as `subject`)."""

    table: Table
    owner: str
    slot: Slot
    lists: tuple[tuple[str, str], ...]  #: (field name, kind)
    typed: dict[str, str]  #: the typed column of each kind (`incident_id`, `subject`)

    def rows(self, record: Record) -> Iterator[Row]:
        group = _value(record, self.slot.name)
        for name, kind in self.lists:
            for position, item in enumerate(_value(group, name) or ()):
                value = item.value if isinstance(item, StrEnum) else item
                yield {
                    self.owner: record.id,
                    "kind": kind,
                    "position": position,
                    "id": value,
                    self.typed[kind]: value,
                }


@dataclass(frozen=True, slots=True)
class Package:
    """Every table, in the order of `datapackage.json`, and how each kind fills them."""

    tables: tuple[Table, ...]
    parts: dict[str, tuple[_Part, ...]]


def _member_columns(
    slot: Slot, renames: dict[str, str], where: str
) -> tuple[list[Column], list[tuple[str, str]], dict[str, str], _Plans]:
    """The columns of a list of entries: every field of every member model (of a
    union such as `by`), those all members share last, each required only where
    every member requires it (and, when an entry may be a bare value, only the
    field it fills); references end in `_id`; a model held whole is flattened
    (`_flat`)."""
    if slot.bare is not None and slot.fills is None:
        raise _no_rule(where)  # a bare value that stands for no one field
    fills = slot.fills.name if slot.fills is not None else None
    columns: dict[str, tuple[bool, Column]] = {}
    keys: list[tuple[str, str]] = []
    names: dict[str, str] = {}
    plans: list[tuple[type[BaseModel], tuple[_Field, ...]]] = []
    members = [slots(model) for model in slot.models]
    for model, member in zip(slot.models, members, strict=True):
        fields: list[_Field] = []
        for inner in member:
            name = f"{inner.name}_id" if inner.refers_to else inner.name
            name = renames.get(name, name)
            names[inner.name] = name
            shared = all(any(s.name == inner.name for s in m) for m in members)
            everywhere = all(any(s.name == inner.name and s.required for s in m) for m in members)
            if fills is not None:
                everywhere = everywhere and inner.name == fills
            if _is_cell(inner):
                made, made_keys, field = (
                    list(_columns(inner, name, required=everywhere)),
                    [(name, table_of(inner.refers_to.kind))] if inner.refers_to else [],
                    _Field(inner, name),
                )
            elif inner.models and not inner.many and not inner.keyed:
                made, made_keys, field = _flat(
                    inner, name, required=everywhere, where=f"{where}.{inner.name}"
                )
            else:
                raise _no_rule(f"{where}.{inner.name}")
            fields.append(field)
            if made[0].name in columns:
                continue  # a field several members share: one column
            for column in made:
                columns[column.name] = (shared, column)
            keys += made_keys
        plans.append((model, tuple(fields)))
    ordered = sorted(columns.values(), key=lambda entry: entry[0])
    return [column for _, column in ordered], keys, names, tuple(plans)


def _entries_text(slot: Slot, names: dict[str, str]) -> str:
    """What a table of entries holds: the entry model's docstring, or for a union
    the field's description and which column tells the members apart; and what a
    bare value (rather than a mapping) is."""
    if len(slot.models) == 1:
        text = (slot.models[0].__doc__ or slot.description).strip()
        if slot.fills is not None:
            text += (
                f" An entry written as a bare value rather than a mapping is a row with "
                f"`{names[slot.fills.name]}` alone."
            )
        return text
    firsts = [f"`{names[next(iter(slots(m))).name]}`" for m in slot.models]
    return (
        f"{slot.description} Exactly one of {', '.join(firsts[:-1])} or {firsts[-1]} "
        "is filled in each row."
    )


def _typed_ids(kinds: tuple[str, ...], of: str) -> tuple[Column, ...]:
    """One id column per kind, filled only in the rows of that kind: a column that
    holds ids of one kind can have a foreign key, which a shared id column cannot."""
    return tuple(
        _id_column(
            f"{kind}_id",
            f"`{of}` when it is the id of a {kind} (a row of `{table_of(kind)}`), else "
            "empty: the column to join on, with a foreign key.",
            required=False,
        )
        for kind in kinds
    )


def _kinds_text(kinds: tuple[str, ...], every: int) -> str:
    if len(kinds) == every:
        return "every record"
    return f"every {', '.join(kinds[:-1])} and {kinds[-1]}"


def _defined(slot: Slot) -> Slot | None:
    """The field of a list's entries that defines ids (a vendor's product ids)."""
    if not slot.many or len(slot.models) != 1 or slot.bare is not None:
        return None
    return next((s for s in slots(slot.models[0]) if s.defines is not None), None)


def _group(slot: Slot) -> tuple[Slot, ...]:
    """The lists of a model held whole whose every field is a list of references or
    of vocabulary values (`about`); empty when it is not such a group."""
    if len(slot.models) != 1 or slot.bare is not None or slot.many or slot.keyed:
        return ()
    group = slots(slot.models[0])
    if all(s.many and (s.refers_to is not None or s.vocabulary is not None) for s in group):
        return group
    return ()


def _group_kind(slot: Slot) -> str:
    """The kind a group's list holds: what its references refer to, else its name."""
    return slot.refers_to.kind if slot.refers_to is not None else _singular(slot.name)


def _typed_name(kind: str, slot: Slot) -> str:
    """A group's typed column: `<kind>_id` for references, the kind for values."""
    return f"{kind}_id" if slot.refers_to is not None else kind


def _group_table(name: str, kind: str, owner: str, slot: Slot, group: tuple[Slot, ...]) -> Table:
    kinds = tuple(_group_kind(s) for s in group)
    if len(set(kinds)) != len(kinds):
        raise _no_rule(f"{kind}.{slot.name}")  # two lists of one kind: positions clash
    vocabularies = [s for s in group if s.vocabulary is not None]
    values = [v.value for s in vocabularies for v in s.vocabulary or ()]
    id_pattern = _unanchored(ID_PATTERN)
    pattern = f"(?:{'|'.join([f'(?:{id_pattern})', *values])})" if values else id_pattern
    listed = ", ".join(f"`{_group_kind(s)}`" for s in vocabularies)
    values_text = f"; for the kind {listed}, the value itself" if vocabularies else ""
    return Table(
        name,
        f"`{slot.name}` of each {kind}: {slot.description} One row per value of each of "
        f"its lists; `id` is the id of a record (or product) of the kind `kind`"
        f"{values_text}.",
        (
            _id_column(owner, f"Id of the {kind}."),
            Column("kind", "What `id` is: the kind of the list.", required=True, enum=kinds),
            _position(f"{slot.name}.<kind>s"),
            Column(
                "id",
                f"The id of the record or product{values_text}.",
                required=True,
                pattern=pattern,
            ),
            *(
                _id_column(
                    _typed_name(_group_kind(s), s),
                    f"`id` when `kind` is `{_group_kind(s)}`, else empty: the column to join "
                    f"on (`{table_of(_group_kind(s))}.id`), with a foreign key.",
                    required=False,
                )
                if s.refers_to is not None
                else Column(
                    _group_kind(s),
                    f"`id` when `kind` is `{_group_kind(s)}`, else empty.",
                    enum=tuple(v.value for v in s.vocabulary or ()),
                )
                for s in group
            ),
        ),
        (owner, "kind", "position"),
        (
            (owner, table_of(kind)),
            *(
                (f"{_group_kind(s)}_id", table_of(_group_kind(s)))
                for s in group
                if s.refers_to is not None
            ),
        ),
    )


@cache
def package() -> Package:
    """The tables, made from the newest format's models (`MODELS`): a field is a
    cell (or two for a date), a `;`-joined cell (a list of vocabulary values or
    codes), the cells of a model held whole, or a table of its own (any other list,
    a map, a group); what all kinds share is one table."""
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
        cells: list[_Field] = [_Field(fields["id"], "id")]
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
            where = f"{kind}.{slot.name}"
            defined = _defined(slot)
            group = _group(slot)
            if _is_cell(slot):
                cells.append(_Field(slot, slot.name))
                columns += _columns(slot)
                if slot.refers_to is not None:
                    keys.append((slot.name, table_of(slot.refers_to.kind)))
            elif defined is not None:  # entities of their own, in the shared id space
                assert defined.defines is not None
                member, member_keys, names, plans = _member_columns(slot, {}, where)
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
                parts[kind].append(_EntriesPart(table, owner, slot, plans))
            elif slot.many and slot.models:
                renames = _COLUMN_NAMES.get(name, {})
                member, member_keys, names, plans = _member_columns(slot, renames, where)
                table = Table(
                    name,
                    f"`{slot.name}` of each {kind}, one row per entry: {_entries_text(slot, names)}",
                    (_id_column(owner, f"Id of the {kind}."), _position(slot.name), *member),
                    (owner, "position"),
                    ((owner, table_of(kind)), *member_keys),
                )
                links.append(table)
                parts[kind].append(_EntriesPart(table, owner, slot, plans))
            elif slot.many and not slot.keyed:
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
            elif group:  # one entry holding lists by kind (`about`)
                table = _group_table(name, kind, owner, slot, group)
                links.append(table)
                lists = tuple((s.name, _group_kind(s)) for s in group)
                typed = {
                    k: _typed_name(k, s) for k, s in zip((k for _, k in lists), group, strict=True)
                }
                parts[kind].append(_GroupsPart(table, owner, slot, lists, typed))
            elif slot.models and not slot.many and not slot.keyed:  # one model held whole
                flat, flat_keys, field = _flat(slot, slot.name, required=slot.required, where=where)
                cells.append(field)
                columns += flat
                keys += flat_keys
            else:
                raise _no_rule(where)
        doc = (model.__doc__ or "").strip().rstrip(".")
        table = Table(
            table_of(kind),
            f"{table_of(kind).capitalize()}: {doc[:1].lower()}{doc[1:]}; one row per record.",
            tuple(columns),
            ("id",),
            tuple(keys),
        )
        own.append(table)
        parts[kind].insert(0, _KindPart(table, tuple(cells)))

    common: list[Table] = []
    for field_name, (slot, kinds) in sorted(shared.items(), key=lambda s: s[0] not in base):
        member, _, names, plans = _member_columns(slot, {}, field_name)
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
                *_typed_ids(kinds, "record_id"),
                key,
                *member,
            ),
            ("record_id", key.name),
            tuple((f"{kind}_id", table_of(kind)) for kind in kinds),
        )
        common.append(table)
        for kind in kinds:
            parts[kind].append(_EntriesPart(table, "record_id", slot, plans, kind_column=True))
    tables = table_order((*own, *entities, *common, *links))
    return Package(tuple(tables), {k: tuple(v) for k, v in parts.items()})


def table_order(tables: Iterable[Table]) -> list[Table]:
    """The tables, each after every table it refers to (itself aside), otherwise in
    the given order; a cycle between tables cannot be inserted with foreign keys on."""
    left = list(tables)
    names = {t.name for t in left}
    for table in left:
        unknown = {ref for _, ref in table.foreign_keys} - names
        if unknown:
            raise InternalError(f"{table.name} refers to no table {sorted(unknown)}")
    placed: list[Table] = []
    done: set[str] = set()
    while left:
        ready = next(
            (t for t in left if {r for _, r in t.foreign_keys if r != t.name} <= done), None
        )
        if ready is None:
            raise InternalError(f"the tables {[t.name for t in left]} refer to each other")
        placed.append(ready)
        done.add(ready.name)
        left.remove(ready)
    return placed


# --------------------------------------------------------------------------
# Records to rows


def rows_of(record: Record) -> Iterator[tuple[Table, Row]]:
    """Every row a record gives, with the table it goes to: the generic walk of the
    plans, which the exporters' faster `cells.record_cells` gives the same cells as
    (tested on every set the tests have)."""
    for part in package().parts[record.kind]:
        for row in part.rows(record):
            yield part.table, row


def record_rows(record: Record) -> list[tuple[str, Row]]:
    """`rows_of` with table names: plain data, cheap to send between processes."""
    return [(table.name, row) for table, row in rows_of(record)]


def parents_first(table: Table, rows: list[Row]) -> list[Row]:
    """The rows with each row after the rows it refers to (`operators.parent`), else
    in the order given: a database that checks a foreign key row by row (DuckDB,
    SQLite with immediate keys) refuses a child loaded before its parent. Validation
    refuses cycles, so one is an internal error."""
    columns = table.self_references
    if not columns:
        return rows
    by_id = {row["id"]: row for row in rows}
    placed: set[Cell] = set()
    ordered: list[Row] = []
    for row in rows:
        chain: list[Row] = []
        in_chain: set[Cell] = set()
        node: Row | None = row
        while node is not None and node["id"] not in placed:
            if node["id"] in in_chain:
                raise InternalError(f"{table.name}: a cycle through {node['id']}")
            chain.append(node)
            in_chain.add(node["id"])
            parent = next((node[c] for c in columns if node.get(c) is not None), None)
            node = by_id.get(parent) if parent is not None else None
        for item in reversed(chain):
            placed.add(item["id"])
            ordered.append(item)
    return ordered
