"""All records as a CSV data package: tables a spreadsheet or a database can load.

`write_csv(records, out)` writes into the folder `out`:

- one table per kind: `incidents.csv`, `targets.csv`, `operators.csv`,
  `responses.csv`, one row per record;
- `products.csv`, one row per product of a vendor (product ids share one id
  space with records);
- `sources.csv` (every source of every record) and `translations.csv`;
- link tables for every other list of references or structured entries:
  `incident_targets`, `incident_operators`, `incident_spyware`,
  `incident_forensic_analyses`, `target_related`, `target_aliases`,
  `target_affiliations`, `operator_aliases`, `response_by`, `response_about`,
  `response_demands`;
- `datapackage.json`, a Frictionless tabular data package describing every
  table: columns, types, primary and foreign keys.

Policies, also stated in `datapackage.json`:

- **Lists.** A list of vocabulary values or country codes (`evidence`,
  `vectors`, `platforms`, `roles`, `nationalities`) is one cell of the kind's
  table, its values joined with `;` in the order written (none of them can
  contain `;`). A list of free text or of references goes to a link table, one
  row per entry, with a `position` column: the 0-based index in the list, as in
  the field paths of validation messages (`sources[0]` is the first source).
  An empty list is written like an absent one.
- **Dates** are written exactly as precise as recorded (`2021`, `2021-07`,
  `2021-07-19`), each with a `<field>_precision` column (`year`, `month`,
  `day`).
- **Empty cells** are absent optional values; no recorded text is empty.
  Booleans are `true` or `false`.
- **Encoding.** UTF-8 with a byte-order mark, so Excel shows accents and
  Arabic; comma-separated, fields quoted only when needed, `\\r\\n` line ends
  (RFC 4180).
- **Formula injection.** Unless `raw=True`, a cell that starts with `=`, `+`,
  `-`, `@`, a tab, a carriage return or a line feed, or with a single quote
  `'`, gets a single quote `'` in front, as OWASP recommends, so a spreadsheet
  shows it as text instead of running it. Quoting the values that already
  start with `'` keeps the rule reversible: `restore_cell` removes the leading
  `'` when the rest starts with one of those characters (quote included),
  giving back exactly the recorded value. Apply `restore_cell` to every cell of
  a package written with `raw=False` (ids, dates, codes and numbers never start
  with those characters, so they pass unchanged), and to none of a raw one.

The exporter follows the pattern of followthemoney's exporters: make a
`CSVExporter`, `write(record)` each record, then `finalize()`.
"""

from __future__ import annotations

import csv
import json
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Protocol, Self, TextIO

from sarschema.__about__ import FORMAT_VERSION, __version__
from sarschema.models import Incident, Operator, RecordBase, Response, Target
from sarschema.models.base import Source, Translations
from sarschema.types import PartialDate
from sarschema.vocab import (
    Attribution,
    Evidence,
    ForensicResult,
    Kind,
    LegalStatus,
    OperatorType,
    Platform,
    Relation,
    ResponderType,
    ResponseType,
    Role,
    Status,
    TargetType,
    Vector,
    Visibility,
)

# --------------------------------------------------------------------------
# Cells: formula neutralisation and its inverse

#: A cell starting with one of these is run as a formula by some spreadsheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
#: The prefix that neutralises a cell.
ESCAPE = "'"
_NEEDS_ESCAPE = (*FORMULA_STARTS, ESCAPE)

ENCODING = "utf-8-sig"
DELIMITER = ","
QUOTE_CHAR = '"'
LINE_TERMINATOR = "\r\n"
LIST_SEPARATOR = ";"


def neutralise_cell(value: str) -> str:
    """`'` in front of a value that starts a formula or already starts with `'`."""
    return ESCAPE + value if value.startswith(_NEEDS_ESCAPE) else value


def restore_cell(value: str) -> str:
    """Undo `neutralise_cell`: the recorded value of a cell written with `raw=False`.

    >>> restore_cell("'=1+1"), restore_cell("''quoted"), restore_cell("plain")
    ('=1+1', "'quoted", 'plain')
    """
    if value.startswith(ESCAPE) and value[1:].startswith(_NEEDS_ESCAPE):
        return value[1:]
    return value


# --------------------------------------------------------------------------
# Table descriptions

FieldType = Literal["string", "integer", "boolean"]
Cell = str | int | bool | None
Row = dict[str, Cell]

ID_PATTERN = "[a-z0-9]+(-[a-z0-9]+)*"
DATE_PATTERN = "[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?"
COUNTRY_PATTERN = "[A-Z]{2}"
LANGUAGE_PATTERN = "[a-z]{2}"
URL_PATTERN = "https?://\\S+"
PRECISIONS = ("year", "month", "day")


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a table, and its Frictionless field descriptor."""

    name: str
    description: str
    type: FieldType = "string"
    required: bool = False
    pattern: str | None = None
    enum: tuple[str, ...] = ()

    def descriptor(self) -> dict[str, Any]:
        field: dict[str, Any] = {
            "name": self.name,
            "type": self.type,
            "description": self.description,
        }
        if self.type == "boolean":
            field |= {"trueValues": ["true"], "falseValues": ["false"]}
        constraints: dict[str, Any] = {}
        if self.required:
            constraints["required"] = True
        if self.pattern:
            constraints["pattern"] = self.pattern
        if self.enum:
            constraints["enum"] = list(self.enum)
        if self.type == "integer":
            constraints["minimum"] = 0
        if constraints:
            field["constraints"] = constraints
        return field


@dataclass(frozen=True, slots=True)
class Table:
    """One CSV file of the package."""

    name: str
    description: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    #: (column, resource): the column holds an `id` of that resource's table
    foreign_keys: tuple[tuple[str, str], ...] = ()

    @property
    def path(self) -> str:
        return f"{self.name}.csv"

    @property
    def header(self) -> list[str]:
        return [c.name for c in self.columns]

    def descriptor(self, rules: str) -> dict[str, Any]:
        schema: dict[str, Any] = {
            "fields": [c.descriptor() for c in self.columns],
            "missingValues": [""],
            "primaryKey": list(self.primary_key),
        }
        if self.foreign_keys:
            schema["foreignKeys"] = [
                {
                    "fields": column,
                    # an empty resource name refers to this table itself
                    "reference": {"resource": "" if ref == self.name else ref, "fields": "id"},
                }
                for column, ref in self.foreign_keys
            ]
        return {
            "name": self.name,
            "path": self.path,
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "description": f"{self.description} {rules}",
            "dialect": {
                "delimiter": DELIMITER,
                "quoteChar": QUOTE_CHAR,
                "doubleQuote": True,
                "lineTerminator": LINE_TERMINATOR,
                "skipInitialSpace": False,
                "header": True,
            },
            "schema": schema,
        }


def _values(vocab: type[StrEnum]) -> tuple[str, ...]:
    return tuple(v.value for v in vocab)


def _id(name: str, description: str, *, required: bool = True) -> Column:
    return Column(name, description, required=required, pattern=ID_PATTERN)


def _text(name: str, description: str, *, required: bool = False) -> Column:
    return Column(name, description, required=required)


def _vocab(
    name: str, vocab: type[StrEnum] | tuple[str, ...], description: str, *, required: bool = False
) -> Column:
    values = vocab if isinstance(vocab, tuple) else _values(vocab)
    return Column(name, description, required=required, enum=values)


def _vocab_list(
    name: str, vocab: type[StrEnum] | None, description: str, *, required: bool = False
) -> Column:
    """A list of vocabulary values (or of country codes) joined with `;`."""
    one = COUNTRY_PATTERN if vocab is None else "(" + "|".join(_values(vocab)) + ")"
    return Column(
        name,
        f"{description} Several values are joined with `;`, in the order recorded.",
        required=required,
        pattern=f"{one}(;{one})*",
    )


def _country(name: str, description: str, *, required: bool = False) -> Column:
    return Column(
        name, f"{description} ISO 3166-1 alpha-2 code.", required=required, pattern=COUNTRY_PATTERN
    )


def _url(name: str, description: str) -> Column:
    return Column(name, description, pattern=URL_PATTERN)


def _date(name: str, description: str, *, required: bool = False) -> tuple[Column, Column]:
    """A partial date and its precision: two columns."""
    return (
        Column(
            name,
            f"{description} A partial date YYYY, YYYY-MM or YYYY-MM-DD, as precise as recorded.",
            required=required,
            pattern=DATE_PATTERN,
        ),
        Column(
            f"{name}_precision",
            f"Precision of `{name}`: year, month or day.",
            required=required,
            enum=PRECISIONS,
        ),
    )


def _position(of: str) -> Column:
    return Column(
        "position",
        f"0-based index in the record's list of {of}, as in validation field paths.",
        type="integer",
        required=True,
    )


_NOTES = _text("notes", "Free notes.")

INCIDENTS = Table(
    "incidents",
    "Incidents: one act of surveillance against one or more targets; one row per record.",
    (
        _id("id", "The incident's id."),
        _text("title", "Title.", required=True),
        _text("summary", "Summary.", required=True),
        *_date("date", "When it happened or began.", required=True),
        *_date("date_end", "With `date`, the span in which it happened or lasted."),
        _vocab("status", Status, "The furthest step shown.", required=True),
        _vocab_list("evidence", Evidence, "Kinds of evidence.", required=True),
        _vocab_list("vectors", Vector, "Infection vectors."),
        _vocab_list("platforms", Platform, "Platforms."),
        _country("location", "Where the target was."),
        _NOTES,
    ),
    ("id",),
)
TARGETS = Table(
    "targets",
    "Targets: people and organisations that were targeted; one row per record.",
    (
        _id("id", "The target's id."),
        _text("name", "The public name, or a pseudonym.", required=True),
        _vocab("visibility", Visibility, "Public name or pseudonym.", required=True),
        _vocab("type", TargetType, "Person or organisation.", required=True),
        _vocab_list("roles", Role, "Roles.", required=True),
        _vocab_list("nationalities", None, "Nationalities, ISO 3166-1 alpha-2 codes."),
        _country("residence", "Country of residence."),
        Column(
            "exiled",
            "Lives outside the country that persecutes them; empty when not recorded.",
            type="boolean",
        ),
        _NOTES,
    ),
    ("id",),
)
OPERATORS = Table(
    "operators",
    "Operators: states, agencies and companies alleged to operate or supply spyware; "
    "one row per record.",
    (
        _id("id", "The operator's id."),
        _text("name", "Name.", required=True),
        _vocab("type", OperatorType, "Type of operator.", required=True),
        _country("country", "A state's own country; a company's seat."),
        _id("parent", "Id of the parent operator.", required=False),
        _NOTES,
    ),
    ("id",),
    (("parent", "operators"),),
)
RESPONSES = Table(
    "responses",
    "Responses: what someone did about surveillance; one row per record.",
    (
        _id("id", "The response's id."),
        _text("title", "Title.", required=True),
        _text("summary", "Summary.", required=True),
        _vocab("type", ResponseType, "Type of response.", required=True),
        *_date("date", "When it happened.", required=True),
        _vocab("status", LegalStatus, "For legal and official processes."),
        _NOTES,
    ),
    ("id",),
)
PRODUCTS = Table(
    "products",
    "Products listed by vendors; product ids share one id space with records.",
    (
        _id("id", "The product's id."),
        _id("operator_id", "Id of the vendor (operator) that lists the product."),
        _position("products"),
        _text("name", "Product name.", required=True),
    ),
    ("id",),
    (("operator_id", "operators"),),
)
SOURCES = Table(
    "sources",
    "Sources: the public reporting each record rests on, one row per source.",
    (
        _id("record_id", "Id of the record (of any kind) that cites the source."),
        _vocab("record_kind", Kind, "Kind of that record.", required=True),
        _position("sources"),
        _text("title", "Headline as published.", required=True),
        _text("publisher", "Outlet or organisation.", required=True),
        *_date("published", "Publication date.", required=True),
        Column("language", "ISO 639-1 language code.", required=True, pattern=LANGUAGE_PATTERN),
        _url("url", "Where it was published."),
        _url("archived_url", "A web-archive copy."),
        _url("translation_of", "The original, when this source is a translation."),
        _text("notes", "Notes on the source."),
    ),
    ("record_id", "position"),
)
TRANSLATIONS = Table(
    "translations",
    "Titles and summaries of incidents and responses in other languages.",
    (
        _id("record_id", "Id of the incident or response."),
        _vocab(
            "record_kind",
            (Kind.INCIDENT.value, Kind.RESPONSE.value),
            "Kind of that record.",
            required=True,
        ),
        Column("language", "ISO 639-1 language code.", required=True, pattern=LANGUAGE_PATTERN),
        _text("title", "The title in this language."),
        _text("summary", "The summary in this language."),
    ),
    ("record_id", "language"),
)
INCIDENT_TARGETS = Table(
    "incident_targets",
    "The targets of each incident.",
    (
        _id("incident_id", "Id of the incident."),
        _position("targets"),
        _id("target_id", "Id of the target."),
    ),
    ("incident_id", "position"),
    (("incident_id", "incidents"), ("target_id", "targets")),
)
INCIDENT_OPERATORS = Table(
    "incident_operators",
    "The operators alleged for each incident (`alleged_operators`).",
    (
        _id("incident_id", "Id of the incident."),
        _position("alleged operators"),
        _id("operator_id", "Id of the operator."),
        _vocab("attribution", Attribution, "How firmly it is attributed.", required=True),
    ),
    ("incident_id", "position"),
    (("incident_id", "incidents"), ("operator_id", "operators")),
)
INCIDENT_SPYWARE = Table(
    "incident_spyware",
    "The spyware products used in each incident.",
    (
        _id("incident_id", "Id of the incident."),
        _position("spyware"),
        _id("product_id", "Id of the product."),
    ),
    ("incident_id", "position"),
    (("incident_id", "incidents"), ("product_id", "products")),
)
INCIDENT_FORENSIC_ANALYSES = Table(
    "incident_forensic_analyses",
    "The forensic analyses of each incident.",
    (
        _id("incident_id", "Id of the incident."),
        _position("forensic analyses"),
        _text("by", "Who made the analysis.", required=True),
        _vocab("result", ForensicResult, "What it found.", required=True),
        *_date("date", "When the analysis was made."),
        _text("method", "How, e.g. the tool used."),
        _text("peer_review", "Who reviewed the findings."),
    ),
    ("incident_id", "position"),
    (("incident_id", "incidents"),),
)
TARGET_RELATED = Table(
    "target_related",
    "People related to each target: exactly one of `related_target_id` and "
    "`related_name` is filled.",
    (
        _id("target_id", "Id of the target."),
        _position("related entries"),
        _id("related_target_id", "Id of the other target's record.", required=False),
        _text("related_name", "Name of a person who has no target record."),
        _vocab("relation", Relation, "What the other person is to this target.", required=True),
    ),
    ("target_id", "position"),
    (("target_id", "targets"), ("related_target_id", "targets")),
)
TARGET_ALIASES = Table(
    "target_aliases",
    "Other spellings and transliterations of each target's name.",
    (
        _id("target_id", "Id of the target."),
        _position("aliases"),
        _text("alias", "An alias.", required=True),
    ),
    ("target_id", "position"),
    (("target_id", "targets"),),
)
TARGET_AFFILIATIONS = Table(
    "target_affiliations",
    "Outlets and organisations each target is affiliated with.",
    (
        _id("target_id", "Id of the target."),
        _position("affiliations"),
        _text("affiliation", "An affiliation.", required=True),
    ),
    ("target_id", "position"),
    (("target_id", "targets"),),
)
OPERATOR_ALIASES = Table(
    "operator_aliases",
    "Other names of each operator.",
    (
        _id("operator_id", "Id of the operator."),
        _position("aliases"),
        _text("alias", "An alias.", required=True),
    ),
    ("operator_id", "position"),
    (("operator_id", "operators"),),
)
RESPONSE_BY = Table(
    "response_by",
    "Who made each response: exactly one of `operator_id`, `target_id` or `name` "
    "(with `type` and optionally `country`) is filled.",
    (
        _id("response_id", "Id of the response."),
        _position("responders (`by`)"),
        _id("operator_id", "Id of an operator record.", required=False),
        _id("target_id", "Id of a target record.", required=False),
        _text("name", "A responder with no record of its own."),
        _vocab("type", ResponderType, "Type of the named responder."),
        _country("country", "Country of the named responder."),
    ),
    ("response_id", "position"),
    (("response_id", "responses"), ("operator_id", "operators"), ("target_id", "targets")),
)
RESPONSE_ABOUT = Table(
    "response_about",
    "What each response is about: `id` is the id of a record of the kind `kind`.",
    (
        _id("response_id", "Id of the response."),
        _vocab(
            "kind",
            (Kind.INCIDENT.value, Kind.TARGET.value, Kind.OPERATOR.value),
            "Kind of the record (from `about.incidents`, `about.targets`, `about.operators`).",
            required=True,
        ),
        _position("ids of this kind in `about`"),
        _id("id", "Id of the incident, target or operator."),
    ),
    ("response_id", "kind", "position"),
    (("response_id", "responses"),),
)
RESPONSE_DEMANDS = Table(
    "response_demands",
    "The demands of each response.",
    (
        _id("response_id", "Id of the response."),
        _position("demands"),
        _text("demand", "A demand.", required=True),
    ),
    ("response_id", "position"),
    (("response_id", "responses"),),
)

#: Every table, in the order of `datapackage.json`.
TABLES: tuple[Table, ...] = (
    INCIDENTS,
    TARGETS,
    OPERATORS,
    RESPONSES,
    PRODUCTS,
    SOURCES,
    TRANSLATIONS,
    INCIDENT_TARGETS,
    INCIDENT_OPERATORS,
    INCIDENT_SPYWARE,
    INCIDENT_FORENSIC_ANALYSES,
    TARGET_RELATED,
    TARGET_ALIASES,
    TARGET_AFFILIATIONS,
    OPERATOR_ALIASES,
    RESPONSE_BY,
    RESPONSE_ABOUT,
    RESPONSE_DEMANDS,
)
#: The table of each record kind.
KIND_TABLES: dict[Kind, Table] = {
    Kind.INCIDENT: INCIDENTS,
    Kind.TARGET: TARGETS,
    Kind.OPERATOR: OPERATORS,
    Kind.RESPONSE: RESPONSES,
}

PACKAGE_NAME = "sarschema-records"
PACKAGE_FILE = "datapackage.json"


def policy(*, raw: bool) -> str:
    """The writing rules, for the package's and every table's description."""
    cells = (
        "Cells were written raw: a cell may start a spreadsheet formula, so do not "
        "open these files in a spreadsheet unless you trust every record."
        if raw
        else "Formula injection: a cell that starts with =, +, -, @, a tab, a carriage "
        "return, a line feed or a single quote ' was written with a single quote ' in "
        "front (OWASP); to get the recorded value back, remove the leading ' when the "
        "rest of the cell starts with one of those characters "
        "(sarschema.export.csv.restore_cell)."
    )
    return (
        "Files are UTF-8 with a byte-order mark, RFC 4180 CSV. Empty cells are absent "
        "optional values. Lists of vocabulary values or country codes are joined with "
        "`;`; other lists are link tables, `position` being the 0-based index in the "
        "list. Dates are as precise as recorded, each with a `_precision` column. " + cells
    )


# --------------------------------------------------------------------------
# Records to rows


def _date_cells(name: str, value: PartialDate | None) -> Row:
    if value is None:
        return {name: None, f"{name}_precision": None}
    return {name: str(value), f"{name}_precision": value.precision}


def _joined(values: Sequence[str] | None) -> str | None:
    return LIST_SEPARATOR.join(str(v) for v in values) if values else None


def _enum(value: StrEnum | None) -> str | None:
    return None if value is None else value.value


def _items(
    table: Table, owner: str, owner_id: str, column: str, values: Sequence[str] | None
) -> Iterator[tuple[Table, Row]]:
    for position, value in enumerate(values or ()):
        yield table, {owner: owner_id, "position": position, column: value}


def _source_rows(record: RecordBase, kind: Kind) -> Iterator[tuple[Table, Row]]:
    for position, source in enumerate(record.sources):
        yield SOURCES, _source_row(record.id, kind, position, source)


def _source_row(record_id: str, kind: Kind, position: int, source: Source) -> Row:
    return {
        "record_id": record_id,
        "record_kind": kind.value,
        "position": position,
        "title": source.title,
        "publisher": source.publisher,
        **_date_cells("published", source.published),
        "language": source.language,
        "url": source.url,
        "archived_url": source.archived_url,
        "translation_of": source.translation_of,
        "notes": source.notes,
    }


def _translation_rows(
    record_id: str, kind: Kind, translations: Translations | None
) -> Iterator[tuple[Table, Row]]:
    for language, translation in (translations or {}).items():
        yield (
            TRANSLATIONS,
            {
                "record_id": record_id,
                "record_kind": kind.value,
                "language": language,
                "title": translation.title,
                "summary": translation.summary,
            },
        )


def _incident_rows(r: Incident) -> Iterator[tuple[Table, Row]]:
    yield (
        INCIDENTS,
        {
            "id": r.id,
            "title": r.title,
            "summary": r.summary,
            **_date_cells("date", r.date),
            **_date_cells("date_end", r.date_end),
            "status": r.status.value,
            "evidence": _joined(r.evidence),
            "vectors": _joined(r.vectors),
            "platforms": _joined(r.platforms),
            "location": r.location,
            "notes": r.notes,
        },
    )
    yield from _items(INCIDENT_TARGETS, "incident_id", r.id, "target_id", r.targets)
    for position, alleged in enumerate(r.alleged_operators or ()):
        yield (
            INCIDENT_OPERATORS,
            {
                "incident_id": r.id,
                "position": position,
                "operator_id": alleged.operator,
                "attribution": alleged.attribution.value,
            },
        )
    yield from _items(INCIDENT_SPYWARE, "incident_id", r.id, "product_id", r.spyware)
    for position, analysis in enumerate(r.forensic_analyses or ()):
        yield (
            INCIDENT_FORENSIC_ANALYSES,
            {
                "incident_id": r.id,
                "position": position,
                "by": analysis.by,
                "result": analysis.result.value,
                **_date_cells("date", analysis.date),
                "method": analysis.method,
                "peer_review": analysis.peer_review,
            },
        )
    yield from _translation_rows(r.id, Kind.INCIDENT, r.translations)


def _target_rows(r: Target) -> Iterator[tuple[Table, Row]]:
    yield (
        TARGETS,
        {
            "id": r.id,
            "name": r.name,
            "visibility": r.visibility.value,
            "type": r.type.value,
            "roles": _joined(r.roles),
            "nationalities": _joined(r.nationalities),
            "residence": r.residence,
            "exiled": r.exiled,
            "notes": r.notes,
        },
    )
    yield from _items(TARGET_ALIASES, "target_id", r.id, "alias", r.aliases)
    yield from _items(TARGET_AFFILIATIONS, "target_id", r.id, "affiliation", r.affiliations)
    for position, related in enumerate(r.related or ()):
        yield (
            TARGET_RELATED,
            {
                "target_id": r.id,
                "position": position,
                "related_target_id": getattr(related, "target", None),
                "related_name": getattr(related, "name", None),
                "relation": related.relation.value,
            },
        )


def _operator_rows(r: Operator) -> Iterator[tuple[Table, Row]]:
    yield (
        OPERATORS,
        {
            "id": r.id,
            "name": r.name,
            "type": r.type.value,
            "country": r.country,
            "parent": r.parent,
            "notes": r.notes,
        },
    )
    yield from _items(OPERATOR_ALIASES, "operator_id", r.id, "alias", r.aliases)
    for position, product in enumerate(r.products or ()):
        yield (
            PRODUCTS,
            {
                "id": product.id,
                "operator_id": r.id,
                "position": position,
                "name": product.name,
            },
        )


def _response_rows(r: Response) -> Iterator[tuple[Table, Row]]:
    yield (
        RESPONSES,
        {
            "id": r.id,
            "title": r.title,
            "summary": r.summary,
            "type": r.type.value,
            **_date_cells("date", r.date),
            "status": _enum(r.status),
            "notes": r.notes,
        },
    )
    for position, by in enumerate(r.by):
        yield (
            RESPONSE_BY,
            {
                "response_id": r.id,
                "position": position,
                "operator_id": getattr(by, "operator", None),
                "target_id": getattr(by, "target", None),
                "name": getattr(by, "name", None),
                "type": _enum(getattr(by, "type", None)),
                "country": getattr(by, "country", None),
            },
        )
    about: Mapping[Kind, list[str] | None] = {
        Kind.INCIDENT: r.about.incidents,
        Kind.TARGET: r.about.targets,
        Kind.OPERATOR: r.about.operators,
    }
    for kind, ids in about.items():
        for position, about_id in enumerate(ids or ()):
            yield (
                RESPONSE_ABOUT,
                {
                    "response_id": r.id,
                    "kind": kind.value,
                    "position": position,
                    "id": about_id,
                },
            )
    yield from _items(RESPONSE_DEMANDS, "response_id", r.id, "demand", r.demands)
    yield from _translation_rows(r.id, Kind.RESPONSE, r.translations)


def rows_of(record: RecordBase) -> Iterator[tuple[Table, Row]]:
    """Every row a record gives, with the table it goes to."""
    match record:
        case Incident():
            kind, rows = Kind.INCIDENT, _incident_rows(record)
        case Target():
            kind, rows = Kind.TARGET, _target_rows(record)
        case Operator():
            kind, rows = Kind.OPERATOR, _operator_rows(record)
        case Response():
            kind, rows = Kind.RESPONSE, _response_rows(record)
        case _:
            raise TypeError(f"not a record of a known kind: {type(record).__name__}")
    yield from rows
    yield from _source_rows(record, kind)


def record_rows(record: RecordBase) -> list[tuple[str, Row]]:
    """`rows_of` with table names: plain data, cheap to send between processes."""
    return [(table.name, row) for table, row in rows_of(record)]


# --------------------------------------------------------------------------
# Exporters


class _RowWriter(Protocol):
    """What `csv.writer` returns (its class has no public name)."""

    def writerow(self, row: Iterable[str], /) -> object: ...


class Exporter(ABC):
    """Feed records one at a time with `write`, then call `finalize` once."""

    @abstractmethod
    def write(self, record: RecordBase) -> None: ...

    @abstractmethod
    def finalize(self) -> list[Path]:
        """Finish the output; return the files written."""


_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}


class CSVExporter(Exporter):
    """One CSV file per table and `datapackage.json`, in the folder `out`.

    Every table's file is created (with its header) at once, so a table with
    no rows is still there for the package; use as a context manager, or call
    `finalize` (or `close` on failure), to close the files.
    """

    def __init__(self, out: Path, *, raw: bool = False) -> None:
        self.out = out
        self.raw = raw
        self.rows: dict[str, int] = {t.name: 0 for t in TABLES}
        out.mkdir(parents=True, exist_ok=True)
        self._files: dict[str, TextIO] = {}
        self._writers: dict[str, _RowWriter] = {}
        try:
            for table in TABLES:
                handle = (out / table.path).open("w", encoding=ENCODING, newline="")
                self._files[table.name] = handle
                writer = csv.writer(
                    handle,
                    delimiter=DELIMITER,
                    quotechar=QUOTE_CHAR,
                    doublequote=True,
                    lineterminator=LINE_TERMINATOR,
                    quoting=csv.QUOTE_MINIMAL,
                )
                writer.writerow(table.header)
                self._writers[table.name] = writer
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def cell(self, value: Cell) -> str:
        """The text of a cell: empty for None, true/false, neutralised text."""
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int):
            return str(value)
        return value if self.raw else neutralise_cell(value)

    def write(self, record: RecordBase) -> None:
        self.write_rows(record_rows(record))

    def write_rows(self, rows: Iterable[tuple[str, Row]]) -> None:
        """Rows already made from a record (by `record_rows`, maybe in another process)."""
        for name, row in rows:
            table = _BY_NAME[name]
            unknown = row.keys() - set(table.header)
            if unknown:  # a programming error: the row and the table disagree
                raise KeyError(f"{table.name} has no column {sorted(unknown)}")
            self._writers[table.name].writerow([self.cell(row.get(c)) for c in table.header])
            self.rows[table.name] += 1

    def descriptor(self) -> dict[str, Any]:
        """The Frictionless tabular data package describing the tables."""
        rules = policy(raw=self.raw)
        return {
            "profile": "tabular-data-package",
            "name": PACKAGE_NAME,
            "title": "Surveillance abuse records (sarschema)",
            "description": "Records of the sarschema format "
            f"{FORMAT_VERSION}, one table per kind plus sources, products, translations "
            f"and link tables. {rules}",
            "sarschema": {
                "format_version": FORMAT_VERSION,
                "generator": f"sarschema {__version__}",
                "neutralised": not self.raw,
            },
            "resources": [table.descriptor(rules) for table in TABLES],
        }

    def close(self) -> None:
        for handle in self._files.values():
            handle.close()

    def finalize(self) -> list[Path]:
        self.close()
        package = self.out / PACKAGE_FILE
        with package.open("w", encoding="utf-8", newline="\n") as handle:
            json.dump(self.descriptor(), handle, ensure_ascii=False, indent=2)
            handle.write("\n")
        return [*(self.out / t.path for t in TABLES), package]


def write_csv(records: Sequence[RecordBase], out: Path, *, raw: bool = False) -> list[Path]:
    """Write one CSV table per kind, a sources table, link tables and datapackage.json into `out`; return the files written."""
    with CSVExporter(out, raw=raw) as exporter:
        for record in records:
            exporter.write(record)
        return exporter.finalize()
