"""`incidents_flat`: one row per incident with its targets, operators, spyware and
sources joined in, for a spreadsheet user who cannot join tables.

Made from the same rows as the other tables (`cells.record_cells`). An incident's links and
sources are in its own record, so the worker that makes its rows makes its flat
row too, as CSV text, all but the names of its targets, operators and spyware,
which other records give: those are filled in at the end (`FlatIncidents.lines`).
The ids columns are exact (ids cannot contain `;`); the names columns are for
reading (a name may contain `;`), so a program joins on the ids.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import NamedTuple, Protocol

from sarschema.errors import InternalError
from sarschema.export.tables import Cell, Column, Row, Table, package

NAME = "incidents_flat"
#: Joins the names of one cell, for reading.
NAMES_SEPARATOR = "; "
_LEFT_OUT = frozenset({"notes"})  # long text that is not what a spreadsheet row is for
_NAMED = ("targets", "operators", "products")


@dataclass(frozen=True, slots=True)
class _Joined:
    """One list the flat table joins: its link table, the column of the ids, and
    the table whose rows name them."""

    links: str
    column: str
    named: str


_JOINED = (
    _Joined("incident_targets", "target_id", "targets"),
    _Joined("incident_operators", "operator_id", "operators"),
    _Joined("incident_spyware", "product_id", "products"),
)
_LINKS = tuple(j.links for j in _JOINED)
#: The tables whose rows `flat_part` looks at.
FLAT_SOURCES = frozenset({"incidents", *_NAMED, *_LINKS, "sources"})


def _incidents() -> Table:
    return next(t for t in package().tables if t.name == "incidents")


@cache
def _own_columns() -> tuple[str, ...]:
    """The incident's own columns in the flat table, first in its rows."""
    return tuple(c.name for c in _incidents().columns if c.name not in _LEFT_OUT)


@cache
def flat_table() -> Table:
    """The table: every column of `incidents` but `notes`, then the joined ones."""
    incidents = _incidents()

    def ids(name: str, what: str) -> Column:
        return Column(
            name,
            f"Ids of the incident's {what}, joined with `;` in the order recorded "
            "(exact: join on these).",
        )

    def names(name: str, what: str) -> Column:
        return Column(
            name,
            f"Names of the incident's {what}, joined with `; ` in the same order (for "
            "reading: a name may itself contain `;`).",
        )

    return Table(
        NAME,
        "One row per incident with its targets, operators (with the attribution of "
        "each), spyware and number of sources joined in, for spreadsheets; the other "
        "tables hold the same data exactly.",
        (
            *(c for c in incidents.columns if c.name in _own_columns()),
            ids("target_ids", "targets"),
            names("target_names", "targets"),
            ids("operator_ids", "alleged operators"),
            names("operator_names", "alleged operators"),
            Column(
                "attributions",
                "The attribution of each alleged operator, in the order of `operator_ids`, "
                "joined with `;`.",
            ),
            ids("spyware_ids", "spyware products"),
            names("spyware_names", "spyware products"),
            Column("source_count", "How many sources the incident cites.", type="integer"),
        ),
        ("id",),
        (("id", "incidents"),),
    )


class FlatRow(NamedTuple):
    """An incident's row of the flat table as a worker makes it: the CSV text of its
    cells but the three names cells (`texts`: what comes before each of them, and
    after the last, delimiters included), and the ids whose names fill them at the
    end (`ids`), since those name other records. Most of the join is so done in
    parallel, and the process that writes the files keeps a few texts an incident,
    not its rows."""

    texts: tuple[str, str, str, str]
    ids: tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]


#: (table, id, name): a name a record gives the flat table (a target's, an
#: operator's, a product's).
Name = tuple[str, Cell, Cell]
#: What a worker sends for one record: its incident's row, if it is an incident,
#: and the names it gives.
FlatPart = tuple[FlatRow | None, list[Name]]


class Line(Protocol):
    """Writes cells as CSV (`booleans`: the positions of boolean cells) and returns
    the text as it stands in a longer row: its line end left off, a lone empty cell
    as nothing."""

    def __call__(self, cells: tuple[Cell, ...], booleans: tuple[int, ...], /) -> str: ...


def flat_part(rows: Iterable[tuple[str, Row]], line: Line, delimiter: str) -> FlatPart:
    """What the flat table needs of one record's rows (those of `FLAT_SOURCES`), in
    the worker that makes them: an incident's row, whose links are all in its own
    record, and the names a target, an operator or a vendor's products give
    (`line` writes cells as CSV text, `delimiter` parts them)."""
    incident: Row | None = None
    links: tuple[list[Row], ...] = tuple([] for _ in _JOINED)
    sources = 0
    names: list[Name] = []
    for table, row in rows:
        if table in _NAMED:
            names.append((table, row["id"], row["name"]))
        elif table == "incidents":
            incident = row
        elif table == "sources":
            sources += row.get("incident_id") is not None
        else:
            links[_LINKS.index(table)].append(row)
    if incident is None:
        if sources or any(links):
            raise InternalError("the flat table: links or sources of an incident, without it")
        return None, names
    key = incident["id"]
    ids: list[tuple[str, ...]] = []
    for joined, these in zip(_JOINED, links, strict=True):
        if len(these) > 1:
            these.sort(key=lambda r: r["position"] or 0)
        if any(r["incident_id"] != key for r in these):
            raise InternalError(f"the flat table: links of another incident in {key}")
        ids.append(tuple([str(r[joined.column]) for r in these]))
    targets, operators, spyware = ids
    attributions = ";".join([str(r.get("attribution") or "") for r in links[1]]) or None
    own = (*map(incident.get, _own_columns()), ";".join(targets) or None)
    texts = (
        line(own, flat_table().boolean_columns) + delimiter,
        delimiter + line((";".join(operators) or None,), ()) + delimiter,
        delimiter + line((attributions, ";".join(spyware) or None), ()) + delimiter,
        delimiter + str(sources),
    )
    return FlatRow(texts, (targets, operators, spyware)), names


@dataclass
class FlatIncidents:
    """Collects what the workers made of the flat table; `lines` writes it."""

    incidents: list[FlatRow] = field(default_factory=list)
    names: dict[str, dict[Cell, Cell]] = field(default_factory=lambda: {n: {} for n in _NAMED})

    def add(self, part: FlatPart) -> None:
        """Keep what `flat_part` made of a record."""
        row, names = part
        if row is not None:
            self.incidents.append(row)
        for table, key, name in names:
            self.names[table][key] = name

    def lines(self, cell: Callable[[Cell], str]) -> Iterator[str]:
        """Each incident's line, its names filled in (`cell`: a cell's CSV text)."""
        named = [self.names[j.named] for j in _JOINED]
        for texts, ids in self.incidents:
            filled = [
                cell(NAMES_SEPARATOR.join([str(names.get(i, i)) for i in these]) or None)
                for names, these in zip(named, ids, strict=True)
            ]
            yield texts[0] + filled[0] + texts[1] + filled[1] + texts[2] + filled[2] + texts[3]
