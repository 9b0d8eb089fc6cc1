"""All records as one SQLite database, for Datasette, sqlite-utils and any SQLite client.

`export_sqlite(paths, Path("build/records.db"))` validates and writes two files:
the database `build/records.db` and, beside it, `build/metadata.json` for
Datasette (`datasette build/records.db -m build/metadata.json`). Nothing is written
unless every record is valid; re-running replaces both files by renaming.

**Tables.** The tables of the CSV package (`sarschema.export.tables.package()`),
with its columns, in its order: a column of type integer or boolean is INTEGER
(booleans 0/1), any other TEXT; primary and foreign keys are declared, required
columns are NOT NULL, and there is no CHECK constraint (an absent optional value
is NULL). The foreign keys are checked once every row is in (`PRAGMA
foreign_key_check`): a row that refers to a record not exported (a partial set) is
a `UsageError`. Rows are in the order of their primary key, whatever order the
records came in (a table that refers to itself, an operator's `parent`, takes its
rows parents first); the file is a compacted copy of the database as built, and
nothing records a time: the same records give the same bytes. Values are the
CSV's, unneutralised (a database does not run formulas): lists of vocabulary values
or codes joined with `;`, dates as precise as recorded with their `_precision`
column.

Besides them: `sarschema_export` (key, value: the records' format version, the
tables' version, the generator, the data licence), so the database names its
version without its metadata; an index on every foreign key column that is not the
first column of its table's primary key; full-text search (FTS5, diacritics
ignored) on every column named `title`, `summary`, `name` or `alias`; and the
views of `VIEWS`, the first questions partners ask.

**Metadata.** `metadata.json` gives Datasette the title, the licence, the source,
the records' format version (`sarschema`), and for the database (named as Datasette
names it: the file name's stem) every table's and column's description, suggested
facets (vocabulary and country columns) and the full-text search table, and every
view's description.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sarschema.__about__ import FORMAT_VERSION, __version__
from sarschema.errors import EnvironmentProblem, InternalError, UsageError
from sarschema.export.cells import record_cells
from sarschema.export.common import (
    DATA_LICENSE,
    DATA_LICENSE_URL,
    BackgroundImport,
    Exporter,
    export_to,
    one_version,
    version_of,
)
from sarschema.export.tables import (
    Cell,
    Table,
    package,
    parents_first,
)
from sarschema.safeio import refuse_link

if TYPE_CHECKING:
    import datetime as dt

    from sqlite_utils import Database
    from sqlite_utils.db import Table as SQLiteTable

    from sarschema.models import Record
    from sarschema.results import Report

DATABASE_FILE = "records.db"
METADATA_FILE = "metadata.json"
#: The key/value table that names the records' version inside the database.
INFO_TABLE = "sarschema_export"
#: Columns given full-text search, wherever a table has them.
SEARCHED = ("title", "summary", "name", "alias")
#: FTS5 tokenizer: Unicode words, accents ignored (`Lenaig` finds `Lénaïg`).
TOKENIZE = "unicode61 remove_diacritics 2"
#: Code columns worth a facet besides every vocabulary column.
FACETED_CODES = ("country", "location", "residence", "language")
#: What every foreign key refers to, as in `datapackage.json`.
REFERENCED = "id"
#: The first SQLite with `VACUUM INTO` (2019), which writes the database out.
VACUUM_INTO = (3, 27, 0)
#: Joins several names in one cell of a view.
JOIN = "; "


#: What `sqlite3` looks an adapter up by, for an empty cell.
_NONE_KEY = (type(None), sqlite3.PrepareProtocol)


@contextmanager
def none_bound_at_once() -> Iterator[None]:
    """Empty cells bound for less, within the block: `sqlite3` (Python 3.11, where
    this was measured) looks for an adapter for every None it binds (a key made, a
    dict missed, two attributes looked for): 0.30 µs a cell, most of the binding of a
    row of 25 cells with 13 empty (`sources`). With an adapter registered that gives
    None back (`{}.get`, a call in C), 0.12 µs. Registered only when the process has
    none of its own, and taken away after: what is bound stays what it was (NULL)."""
    adapters = sqlite3.adapters
    if _NONE_KEY in adapters:
        yield
        return
    empty: dict[None, None] = {}
    ours = empty.get  # gives None back for None, in C
    adapters[_NONE_KEY] = ours
    try:
        yield
    finally:
        if adapters.get(_NONE_KEY) is ours:  # not one registered meanwhile
            del adapters[_NONE_KEY]


# --------------------------------------------------------------------------
# Order: by primary key, parent rows first, whatever order the records came in


def _sort_key(values: tuple[Cell, ...]) -> tuple[tuple[bool, Cell], ...]:
    return tuple((v is None, "" if v is None else v) for v in values)


def ordered_rows(table: Table, rows: Iterable[tuple[Cell, ...]]) -> list[tuple[Cell, ...]]:
    """Rows (cells in `table.header` order) sorted by primary key, a row that refers to
    another row of its own table (`parent`) after that row (`parents_first`)."""
    header = table.header
    pk = [header.index(c) for c in table.primary_key]
    rows = list(rows)
    try:
        # The same order as `_sort_key`'s wherever no key holds an empty cell (which
        # would meet a text or number here and raise), with keys made in C.
        by_key = sorted(rows, key=itemgetter(*pk))
    except TypeError:
        by_key = sorted(rows, key=lambda row: _sort_key(tuple(row[i] for i in pk)))
    if not table.self_references:
        return by_key
    named = [dict(zip(header, row, strict=True)) for row in by_key]
    return [tuple(row[c] for c in header) for row in parents_first(table, named)]


# --------------------------------------------------------------------------
# Views: made from the tables' real names, checked by querying them


@dataclass(frozen=True, slots=True)
class View:
    """A view, its description and its columns' descriptions (for Datasette)."""

    name: str
    description: str
    sql: str
    columns: dict[str, str]


def _label(table: Table) -> str:
    """The column naming a row of `table`: `title`, else `name`."""
    header = table.header
    for column in ("title", "name"):
        if column in header:
            return column
    raise InternalError(f"{table.name} has no title or name column for a view")


def _column(table: Table, *candidates: str) -> str:
    """The first of `candidates` that `table` has (names differ between releases)."""
    found = next((c for c in candidates if c in table.header), None)
    if found is None:
        raise InternalError(f"a view needs one of {list(candidates)} in {table.name}")
    return found


def _names(select: str) -> str:
    """`select` (one column, `label`, in order) joined in one cell."""
    return f"(SELECT group_concat(label, '{JOIN}') FROM ({select}))"


def _slug(value: str) -> str:
    return value.replace("-", "_")


def _incidents_with_targets_and_operators(t: dict[str, Table]) -> View:
    wanted: tuple[str, ...] = (
        "id",
        "title",
        "date",
        "date_precision",
        "date_earliest",
        "date_latest",
    )
    wanted += ("date_end", "date_end_precision", "status", "certainty", "location")
    columns = [c for c in wanted if c in t["incidents"].header]
    targets = _names(
        "SELECT x.name AS label FROM incident_targets AS it JOIN targets AS x "
        "ON x.id = it.target_id WHERE it.incident_id = i.id ORDER BY it.position"
    )
    operators = _names(
        "SELECT x.name || ' (' || io.attribution || ')' AS label FROM incident_operators "
        "AS io JOIN operators AS x ON x.id = io.operator_id WHERE io.incident_id = i.id "
        "ORDER BY io.position"
    )
    spyware = _names(
        "SELECT x.name AS label FROM incident_spyware AS s JOIN products AS x "
        "ON x.id = s.product_id WHERE s.incident_id = i.id ORDER BY s.position"
    )
    sql = (
        f"SELECT {', '.join(f'i.{c}' for c in columns)},\n"
        f"  {targets} AS targets,\n"
        "  (SELECT count(*) FROM incident_targets AS it WHERE it.incident_id = i.id)"
        " AS target_count,\n"
        f"  {operators} AS operators,\n"
        f"  {spyware} AS spyware\n"
        "FROM incidents AS i\nORDER BY i.id"
    )
    described = {c.name: c.description for c in t["incidents"].columns if c.name in columns}
    return View(
        "incidents_with_targets_and_operators",
        "One row per incident: its targets' names, its alleged operators each with the "
        f"attribution in brackets, and the spyware used, each list in the order recorded "
        f"and joined with `{JOIN}`.",
        sql,
        described
        | {
            "targets": "Names of the incident's targets.",
            "target_count": "How many targets the incident lists.",
            "operators": "Names of the alleged operators, each with its attribution.",
            "spyware": "Names of the spyware products used.",
        },
    )


def _denials(t: dict[str, Table]) -> View:
    about = t["response_about"]
    kinds = next((c.enum for c in about.columns if c.name == "kind"), ())
    labels = [
        f"(SELECT x.{_label(t[f'{kind}s'])} FROM {kind}s AS x "
        f"WHERE x.id = a.id AND a.kind = '{kind}')"
        for kind in kinds
        if f"{kind}s" in t
    ]
    by_name = _column(t["response_by"], "by_name", "name")
    by = _names(
        f"SELECT coalesce(o.name, x.name, b.{by_name}) AS label FROM response_by AS b "
        "LEFT JOIN operators AS o ON o.id = b.operator_id LEFT JOIN targets AS x "
        "ON x.id = b.target_id WHERE b.response_id = r.id ORDER BY b.position"
    )
    sql = (
        "SELECT r.id AS response_id, r.title, r.date, r.date_precision, r.status,\n"
        f"  {by} AS by_names,\n"
        "  a.kind AS about_kind, a.id AS about_id,\n"
        f"  coalesce({', '.join([*labels, 'a.id'])}) AS about_label\n"
        "FROM responses AS r\n"
        "LEFT JOIN response_about AS a ON a.response_id = r.id\n"
        "WHERE r.type = 'denial'\n"
        "ORDER BY r.date, r.id, a.kind, a.position"
    )
    return View(
        "denials",
        "Responses of the type denial, one row per thing each is about (a denial about "
        "nothing recorded has one row with empty `about_*`).",
        sql,
        {
            "response_id": "Id of the response.",
            "title": "Title of the response.",
            "date": "Date of the response, as precise as recorded.",
            "date_precision": "Precision of `date`: year, month or day.",
            "status": "Status of the response.",
            "by_names": f"Who issued the denial (operators, targets, others), joined with `{JOIN}`.",
            "about_kind": "What `about_id` is: incident, target, operator, product or subject.",
            "about_id": "Id of what the denial is about (or the subject itself).",
            "about_label": "Title or name of what the denial is about.",
        },
    )


def _incidents_per_operator(t: dict[str, Table]) -> View:
    levels = next((c.enum for c in t["incident_operators"].columns if c.name == "attribution"), ())
    counts = "".join(
        f"  count(DISTINCT CASE WHEN io.attribution = '{level}' THEN io.incident_id END)"
        f" AS {_slug(level)},\n"
        for level in levels
    )
    sql = (
        "SELECT o.id AS operator_id, o.name AS operator_name, o.type, o.country, o.parent,\n"
        "  count(DISTINCT io.incident_id) AS incidents,\n"
        f"{counts}"
        "  (SELECT count(DISTINCT s.incident_id) FROM incident_spyware AS s JOIN products AS p"
        " ON p.id = s.product_id WHERE p.operator_id = o.id) AS incidents_with_its_spyware,\n"
        "  min(i.date) AS first_date,\n"
        "  max(coalesce(i.date_end, i.date)) AS last_date\n"
        "FROM operators AS o\n"
        "LEFT JOIN incident_operators AS io ON io.operator_id = o.id\n"
        "LEFT JOIN incidents AS i ON i.id = io.incident_id\n"
        "GROUP BY o.id\n"
        "ORDER BY incidents DESC, o.id"
    )
    return View(
        "incidents_per_operator",
        "One row per operator: how many incidents name it as an alleged operator, by "
        "attribution, how many used spyware it sells, and the dates of the first and last.",
        sql,
        {
            "operator_id": "Id of the operator.",
            "operator_name": "Name of the operator.",
            "type": "Type of the operator.",
            "country": "Country of the operator.",
            "parent": "Id of the operator it is part of.",
            "incidents": "Incidents naming it as an alleged operator.",
            **{
                _slug(level): f"Of those, incidents attributing it as `{level}`."
                for level in levels
            },
            "incidents_with_its_spyware": "Incidents in which one of its products was used.",
            "first_date": "Earliest `date` of those incidents, as recorded (partial dates "
            "sort before the full dates within them).",
            "last_date": "Latest `date_end` (else `date`) of those incidents, as recorded.",
        },
    )


def _incidents_per_target(t: dict[str, Table]) -> View:
    operators = _names(
        "SELECT DISTINCT x.name AS label FROM incident_targets AS it2 JOIN incident_operators "
        "AS io ON io.incident_id = it2.incident_id JOIN operators AS x ON x.id = io.operator_id "
        "WHERE it2.target_id = t.id ORDER BY x.name"
    )
    spyware = _names(
        "SELECT DISTINCT x.name AS label FROM incident_targets AS it2 JOIN incident_spyware "
        "AS s ON s.incident_id = it2.incident_id JOIN products AS x ON x.id = s.product_id "
        "WHERE it2.target_id = t.id ORDER BY x.name"
    )
    sql = (
        "SELECT t.id AS target_id, t.name AS target_name, t.type, t.visibility,\n"
        "  count(DISTINCT it.incident_id) AS incidents,\n"
        "  min(i.date) AS first_date,\n"
        "  max(coalesce(i.date_end, i.date)) AS last_date,\n"
        f"  {operators} AS operators,\n"
        f"  {spyware} AS spyware\n"
        "FROM targets AS t\n"
        "LEFT JOIN incident_targets AS it ON it.target_id = t.id\n"
        "LEFT JOIN incidents AS i ON i.id = it.incident_id\n"
        "GROUP BY t.id\n"
        "ORDER BY incidents DESC, t.id"
    )
    return View(
        "incidents_per_target",
        "One row per target: how many incidents list it, the dates of the first and last, "
        "and the operators and spyware named in them.",
        sql,
        {
            "target_id": "Id of the target.",
            "target_name": "Name of the target (a pseudonym when `visibility` says so).",
            "type": "Type of the target.",
            "visibility": "Whether the name is public or a pseudonym.",
            "incidents": "Incidents listing it as a target.",
            "first_date": "Earliest `date` of those incidents, as recorded.",
            "last_date": "Latest `date_end` (else `date`) of those incidents, as recorded.",
            "operators": f"Alleged operators of those incidents, by name, joined with `{JOIN}`.",
            "spyware": f"Spyware used in those incidents, by name, joined with `{JOIN}`.",
        },
    )


def _incidents_per_spyware(t: dict[str, Table]) -> View:
    sql = (
        "SELECT p.id AS product_id, p.name AS product_name, p.operator_id AS vendor_id,\n"
        "  o.name AS vendor_name,\n"
        "  count(DISTINCT s.incident_id) AS incidents,\n"
        "  count(DISTINCT it.target_id) AS targets,\n"
        "  min(i.date) AS first_date,\n"
        "  max(coalesce(i.date_end, i.date)) AS last_date\n"
        "FROM products AS p\n"
        "JOIN operators AS o ON o.id = p.operator_id\n"
        "LEFT JOIN incident_spyware AS s ON s.product_id = p.id\n"
        "LEFT JOIN incidents AS i ON i.id = s.incident_id\n"
        "LEFT JOIN incident_targets AS it ON it.incident_id = s.incident_id\n"
        "GROUP BY p.id\n"
        "ORDER BY incidents DESC, p.id"
    )
    return View(
        "incidents_per_spyware",
        "One row per spyware product: its vendor, how many incidents used it, how many "
        "targets those incidents list, and the dates of the first and last.",
        sql,
        {
            "product_id": "Id of the product.",
            "product_name": "Name of the product.",
            "vendor_id": "Id of the operator that sells it.",
            "vendor_name": "Name of that operator.",
            "incidents": "Incidents in which it was used.",
            "targets": "Distinct targets of those incidents.",
            "first_date": "Earliest `date` of those incidents, as recorded.",
            "last_date": "Latest `date_end` (else `date`) of those incidents, as recorded.",
        },
    )


#: The views, made from the tables (by name) when the database is built.
VIEWS: tuple[Callable[[dict[str, Table]], View], ...] = (
    _incidents_with_targets_and_operators,
    _denials,
    _incidents_per_operator,
    _incidents_per_target,
    _incidents_per_spyware,
)


def views() -> list[View]:
    """The views of the current tables; an `InternalError` when a view names a table
    that is gone (a column that is gone shows when the view is queried)."""
    tables = {t.name: t for t in package().tables}
    try:
        return [make(tables) for make in VIEWS]
    except KeyError as exc:
        raise InternalError(f"a view needs the table {exc}, which the package lacks") from None


# --------------------------------------------------------------------------
# The exporter


def searched(table: Table) -> list[str]:
    """The text columns of `table` given full-text search."""
    return [c.name for c in table.columns if c.name in SEARCHED and c.type == "string"]


def facets(table: Table) -> list[str]:
    """Columns worth a facet: vocabulary values (not a date's precision) and codes."""
    return [
        c.name
        for c in table.columns
        if (c.enum and not c.name.endswith("_precision")) or c.name in FACETED_CODES
    ]


def _sql_type(column_type: str) -> type:
    return int if column_type in ("integer", "boolean") else str


class _Staging:
    """Rows that cannot go straight into their table (`_Direct`), in an SQLite file
    beside the database, to be sorted there at the end: held in memory, they were the
    larger part of a large export's memory (100,000 records: 796 MB at the peak with
    them, about 490 MB without).

    Its columns have no type, so a cell keeps the type it was given until it goes
    into its table, or the type its table gave it, if it was moved from there
    (`SQLiteExporter._insert`): the same, for a key's cells of their column's type, as
    `record_cells` gives them."""

    def __init__(self, folder: Path, tables: Iterable[Table]) -> None:
        self.path = _new_file(folder, ".rows-")
        self.conn: sqlite3.Connection | None = sqlite3.connect(self.path, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode = OFF")
        self.conn.execute("PRAGMA synchronous = OFF")
        self.conn.execute("BEGIN")
        self.sql: dict[str, str] = {}
        for table in tables:
            self.conn.execute(f"CREATE TABLE [{table.name}] ({_columns(table)})")
            self.sql[table.name] = _insert_sql(table)

    def insert(self, table: str, rows: list[tuple[Cell, ...]]) -> None:
        if self.conn is None:
            raise InternalError("rows were added after the staging file was closed")
        self.conn.executemany(self.sql[table], rows)

    def finish(self) -> Path:
        """The file committed and closed, for the database to attach."""
        if self.conn is not None:
            self.conn.execute("COMMIT")
            self.conn.close()
            self.conn = None
        return self.path

    def discard(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None
        self.path.unlink(missing_ok=True)


def _new_file(folder: Path, prefix: str) -> Path:
    import os

    handle, name = tempfile.mkstemp(dir=folder, prefix=prefix, suffix=".sqlite3")
    os.close(handle)
    return Path(name)


def _columns(table: Table) -> str:
    return ", ".join(f"[{name}]" for name in table.header)


def _insert_sql(table: Table, schema: str = "") -> str:
    marks = ", ".join("?" * len(table.header))
    return f"INSERT INTO {schema}[{table.name}] ({_columns(table)}) VALUES ({marks})"


class _Lowest:
    """Below every key (through Python's reflected comparison): a table's first row
    rises."""

    __slots__ = ()

    def __lt__(self, other: object) -> bool:
        return True


class _Direct:
    """A table's rows while their keys rise: they go straight into the table, in
    the order `ordered_rows` would give them. Records come in file order, and a file
    is named after its record (SAR024), so most tables' keys rise all the way, and
    their rows need neither the staging file nor a sort. At the first key that does
    not rise (or cannot be compared) the table goes over to the staging file, with
    what it already holds, and is sorted there at the end.

    A key's order is Python's (`>`), which is SQLite's for cells of their
    column's type (text by character, integers by value), as `record_cells` gives
    them. A table that refers to itself (parents first) always goes through the
    staging file."""

    __slots__ = ("key", "last", "rows", "sql")

    def __init__(self, table: Table) -> None:
        self.key = itemgetter(*(table.header.index(c) for c in table.primary_key))
        self.last: Any = _Lowest()
        self.rows: list[tuple[Cell, ...]] = []  # not yet written
        self.sql = _insert_sql(table)


def _refused_references(db: sqlite3.Connection) -> str:
    """`PRAGMA foreign_key_check`'s findings as a sentence (no value echoed: only
    the names of the tables and columns, and how many rows)."""
    counts: Counter[tuple[str, str, str]] = Counter()
    for table, _, parent, fk in db.execute("PRAGMA foreign_key_check").fetchall():
        keys = db.execute(f"PRAGMA foreign_key_list([{table}])").fetchall()
        column = next(str(k[3]) for k in keys if k[0] == fk)
        counts[table, column, parent] += 1
    return "; ".join(
        f"{table}: {n} row(s) whose {column} names no row of {parent}"
        for (table, column, parent), n in sorted(counts.items())
    )


def _order_by(table: Table) -> str:
    """`ordered_rows`' order in SQL: by primary key, empty cells last (SQLite compares
    text by its UTF-8 bytes, which is the order of its characters, as Python does)."""
    return ", ".join(f"[{name}] IS NULL, [{name}]" for name in table.primary_key)


class SQLiteExporter(Exporter):
    """The database `filename` and `metadata.json`, in `folder`.

    Rows go into a database being built beside it as they come: straight into their
    table while its keys rise (`_Direct`), else into a staging file (`_Staging`)
    sorted at the end. `finalize` adds the sorted rows, checks every reference once,
    adds indexes, full-text search and views, then writes the database compacted
    (VACUUM INTO), whose bytes depend on the rows and not on the order they came in.
    """

    prepare = staticmethod(record_cells)

    #: rows held in memory before they are written
    FLUSH = 10_000

    def __init__(self, folder: Path, *, filename: str = DATABASE_FILE) -> None:
        super().__init__(folder)
        if Path(filename).name != filename or filename in ("", METADATA_FILE):
            raise UsageError(
                f"{filename!r} cannot name the database (a file name, not {METADATA_FILE})"
            )
        self.filename = filename
        self.tables = {t.name: t for t in package().tables}
        self._direct: dict[str, _Direct | None] = {
            name: None if t.self_references else _Direct(t) for name, t in self.tables.items()
        }
        self._staged: dict[str, list[tuple[Cell, ...]]] = {name: [] for name in self.tables}
        self._held = 0
        self._staging: _Staging | None = None
        self._build_path: Path | None = None
        self._db: Database | None = None
        self._sqlite_utils = BackgroundImport("sqlite_utils")

    @property
    def name(self) -> str:
        """The database's name in Datasette: the file name's stem."""
        return Path(self.filename).stem

    @property
    def sorted_at_end(self) -> list[str]:
        """The tables whose rows go through the staging file, to be sorted at the end."""
        return [name for name, rows in self._direct.items() if rows is None]

    def write(self, payload: list[tuple[str, tuple[Cell, ...]]]) -> None:
        """Rows made from a record by `record_cells` (maybe in another process)."""
        self._sqlite_utils.start()
        direct, staged = self._direct, self._staged
        for table, cells in payload:
            rows = direct[table]
            if rows is not None:
                key = rows.key(cells)
                try:
                    rising = key > rows.last
                except TypeError:  # an empty cell, or a number beside a text
                    rising = False
                if rising:
                    rows.last = key
                    rows.rows.append(cells)
                    continue
                self._stage(table, rows)
            staged[table].append(cells)
        self._held += len(payload)
        if self._held >= self.FLUSH:
            self._flush()

    def _stage(self, table: str, rows: _Direct) -> None:
        """`table` goes over to the staging file, with its rows not yet written (the
        ones written are moved at the end, `_insert`)."""
        self._staged[table].extend(rows.rows)
        rows.rows.clear()
        self._direct[table] = None

    def _flush(self) -> None:
        with none_bound_at_once():
            self._flush_rows()

    def _flush_rows(self) -> None:
        db = self._database().conn
        for table, rows in self._direct.items():
            if rows is not None and rows.rows:
                self._execute(table, db.executemany, rows.sql, rows.rows)
                rows.rows.clear()
        for table, staged in self._staged.items():
            if staged:
                if self._staging is None:
                    self._staging = _Staging(self.folder, self.tables.values())
                self._staging.insert(table, staged)
                staged.clear()
        self._held = 0

    def finalize(self) -> list[Path]:
        path = self.folder / self.filename
        if path.exists():
            raise InternalError(f"{path} exists: the database is built in a new folder")
        self._build(path)
        metadata = self.folder / METADATA_FILE
        with metadata.open("w", encoding="utf-8", newline="\n") as handle:
            json.dump(self.metadata(), handle, ensure_ascii=False, indent=2)
            handle.write("\n")
        return [path, metadata]

    def close(self) -> None:
        self._sqlite_utils.wait()
        if self._staging is not None:
            self._staging.discard()
            self._staging = None
        if self._db is not None:
            self._db.close()
            self._db = None
        if self._build_path is not None:
            self._build_path.unlink(missing_ok=True)
            self._build_path = None

    # -- the database

    def _database(self) -> Database:
        """The database being built, its tables made at the first call."""
        if self._db is not None:
            return self._db
        if sqlite3.sqlite_version_info < VACUUM_INTO:
            raise EnvironmentProblem(
                f"the SQLite export needs SQLite {'.'.join(map(str, VACUUM_INTO))} or "
                f"later (VACUUM INTO); this Python's sqlite3 module has {sqlite3.sqlite_version}"
            )
        self._sqlite_utils.wait()
        from sqlite_utils import Database

        self.folder.mkdir(parents=True, exist_ok=True)
        self._build_path = _new_file(self.folder, ".build-")
        db = self._db = Database(self._build_path)
        # A file discarded on failure and copied at the end: no journal, no syncing.
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("PRAGMA synchronous = OFF")
        # References are checked once, when every row is in (`_refused_references`),
        # by a check a SQLite built without foreign keys would skip without a word.
        db.execute("PRAGMA foreign_keys = ON")
        if db.execute("PRAGMA foreign_keys").fetchone()[0] != 1:
            raise EnvironmentProblem(
                "this Python's SQLite was built without foreign keys, which the SQLite "
                "export checks: use a Python whose sqlite3 module has them"
            )
        db.execute("PRAGMA foreign_keys = OFF")
        for table in self.tables.values():  # `package()` puts referenced tables first
            self._create(db, table)
        return db

    def _build(self, path: Path) -> None:
        self._flush()
        db = self._database()
        # Never none: `operators` refers to itself.
        staging = self._staging or _Staging(self.folder, self.tables.values())
        self._staging = staging
        db.conn.commit()  # ATTACH is refused inside a transaction
        db.execute("ATTACH DATABASE ? AS staging", [str(staging.finish())])
        with none_bound_at_once():
            for name in self.sorted_at_end:
                self._insert(db, self.tables[name])
        db.conn.commit()
        db.execute("DETACH DATABASE staging")
        staging.discard()
        self._staging = None
        refused = _refused_references(db.conn)
        if refused:
            raise UsageError(
                f"{refused}. These rows refer to records that are not exported (a partial "
                "set?): the database declares its references and is written only when they "
                "hold, so export the whole record set."
            )
        self._info(db)
        for table in self.tables.values():
            self._index(db, table)
        for table in self.tables.values():
            columns = searched(table)
            if columns:
                self._table(db, table.name).enable_fts(
                    columns, tokenize=TOKENIZE, create_triggers=True
                )
                self._table(db, table.name).optimize()
        for view in views():
            db.create_view(view.name, view.sql)
            try:  # SQLite resolves a view's names only when it is queried
                db.execute(f"SELECT * FROM [{view.name}] LIMIT 0").fetchall()
            except sqlite3.OperationalError as exc:
                raise InternalError(f"the view {view.name}: {exc}") from None
        db.conn.commit()  # some sqlite-utils releases leave a transaction open
        # A compacted copy, its pages in the order of the rows, whatever order they
        # were written in; the file's change counter is 1 (VACUUM's would count the
        # build's transactions).
        db.execute("VACUUM INTO ?", [str(path)])
        self.close()

    @staticmethod
    def _table(db: Database, name: str) -> SQLiteTable:
        """sqlite-utils' table (`db[name]` may also be a view, by its type)."""
        from sqlite_utils.db import Table as SQLiteTable

        return SQLiteTable(db, name)

    def _create(self, db: Database, table: Table) -> None:
        pk: str | tuple[str, ...] = (
            table.primary_key[0] if len(table.primary_key) == 1 else table.primary_key
        )
        self._table(db, table.name).create(
            {c.name: _sql_type(c.type) for c in table.columns},
            pk=pk,
            foreign_keys=[(column, ref, REFERENCED) for column, ref in table.foreign_keys],
            not_null=[c.name for c in table.columns if c.required],
        )

    @staticmethod
    def _execute(table: str, insert: Callable[..., object], *args: Any) -> None:
        """`insert(*args)` into `table`; a required cell empty or a key twice is our bug."""
        try:
            insert(*args)
        except sqlite3.IntegrityError as exc:
            raise InternalError(f"{table}: {exc}") from None

    def _insert(self, db: Database, table: Table) -> None:
        """A staged table's rows, sorted (`ordered_rows`), with those it wrote before it
        was staged (moved to the staging file first); SQLite sorts them, unless a row
        may refer to another of its table (parents first)."""
        columns = _columns(table)
        db.conn.execute(
            f"INSERT INTO staging.[{table.name}] ({columns}) "
            f"SELECT {columns} FROM main.[{table.name}]"
        )
        db.conn.execute(f"DELETE FROM main.[{table.name}]")
        read = f"SELECT {columns} FROM staging.[{table.name}]"
        if table.self_references:
            rows = ordered_rows(table, db.conn.execute(read).fetchall())
            self._execute(table.name, db.conn.executemany, _insert_sql(table, "main."), rows)
        else:
            insert = f"INSERT INTO main.[{table.name}] ({columns}) {read}"
            self._execute(table.name, db.conn.execute, f"{insert} ORDER BY {_order_by(table)}")

    def _index(self, db: Database, table: Table) -> None:
        """An index on every foreign key column, unless it leads the primary key."""
        for column, _ in table.foreign_keys:
            if table.primary_key[0] != column:
                self._table(db, table.name).create_index(
                    [column], index_name=f"idx_{table.name}_{column}"
                )

    def info(self) -> dict[str, str]:
        """What `sarschema_export` holds."""
        return {
            "format_version": self.version(),
            "tables_format_version": FORMAT_VERSION,
            "generator": f"sarschema {__version__}",
            "license": DATA_LICENSE,
            "license_url": DATA_LICENSE_URL,
        }

    def _info(self, db: Database) -> None:
        info = self._table(db, INFO_TABLE)
        info.create({"key": str, "value": str}, pk="key", not_null=["key", "value"])
        info.insert_all({"key": k, "value": v} for k, v in self.info().items())

    # -- Datasette's metadata

    def _describe(self) -> str:
        version = self.version()
        tables = (
            ""
            if version == FORMAT_VERSION
            else f", in the tables of format {FORMAT_VERSION} (what was added since "
            f"{version} is empty)"
        )
        bounded = any(
            c.type == "date" and c.name.endswith("_earliest")
            for t in self.tables.values()
            for c in t.columns
        )
        bounds = (
            " and the ISO dates of the first and last day it covers (`_earliest`, "
            "`_latest`), to sort and compare by"
            if bounded
            else ""
        )
        return (
            f"Records of the sarschema format {version}{tables}: one table per kind plus "
            "sources, products, translations and link tables, as the CSV package. Empty "
            "values are NULL; booleans are 0 or 1. Lists of vocabulary values or country "
            "codes are joined with `;`; other lists are link tables, `position` being the "
            "0-based index in the list. Dates are as precise as recorded, each with a "
            f"`_precision` column{bounds}. Full-text search covers titles, summaries, names "
            "and aliases."
        )

    def _table_metadata(self, table: Table) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "description": table.description,
            "columns": {c.name: c.description for c in table.columns},
        }
        suggested = facets(table)
        if suggested:
            entry["facets"] = suggested
        if searched(table):
            entry |= {"fts_table": f"{table.name}_fts", "fts_pk": "rowid", "searchmode": "escaped"}
        return entry

    def metadata(self) -> dict[str, Any]:
        """Datasette's metadata: licence, source, version, and every description."""
        tables = {t.name: self._table_metadata(t) for t in self.tables.values()}
        tables[INFO_TABLE] = {
            "description": "About this database: the records' format version "
            "(`format_version`), the version of the tables (`tables_format_version`), "
            "the generator and the data licence.",
            "columns": {"key": "What the value is.", "value": "The value."},
        }
        for view in views():
            tables[view.name] = {"description": view.description, "columns": view.columns}
        return {
            "title": "Surveillance abuse records (sarschema)",
            "description": self._describe(),
            "license": DATA_LICENSE,
            "license_url": DATA_LICENSE_URL,
            "source": "sarschema records",
            "sarschema": {
                "format_version": self.version(),
                "tables_format_version": FORMAT_VERSION,
                "generator": f"sarschema {__version__}",
            },
            "databases": {self.name: {"description": self._describe(), "tables": tables}},
        }


# --------------------------------------------------------------------------
# Writing


def metadata_path(database: Path) -> Path:
    """Where the metadata of `database` goes: `metadata.json` beside it."""
    return database.with_name(METADATA_FILE)


def _targets(out: Path) -> list[Path]:
    """The two files an export to `out` writes, refused when `out` cannot be one."""
    if out.name in ("", ".", "..") or out.is_dir():
        raise UsageError(f"{out} is a folder: give the database file, e.g. build/records.db")
    if out.name == METADATA_FILE:
        raise UsageError(
            f"{out}: {METADATA_FILE} is the metadata's name; name the database otherwise"
        )
    targets = [out, metadata_path(out)]
    for target in targets:
        refuse_link(target)
    return targets


def export_sqlite(
    paths: Sequence[str | Path],
    out: Path,
    *,
    today: dt.date | None = None,
    jobs: int | None = None,
) -> Report:
    """Validate the records under `paths` and write the database `out` and
    `metadata.json` beside it; nothing is written unless the report is `ok`.

    Example::

        report = export_sqlite(["records"], Path("build/records.db"))
        # datasette build/records.db -m build/metadata.json
    """
    _targets(out)
    return export_to(
        paths,
        lambda folder: SQLiteExporter(folder, filename=out.name),
        out.parent,  # a folder: each file keeps its name
        today=today,
        jobs=jobs,
    )


def write_sqlite(records: Iterable[Record], out: Path) -> list[Path]:
    """Write the database `out` and `metadata.json` beside it from records already
    validated; return both paths. Both are built in a staging folder and renamed
    into place. Records of several format versions are refused (`UsageError`)."""
    targets = _targets(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    versions: Counter[str] = Counter()
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".sarschema-export-") as staging:
        exporter = SQLiteExporter(Path(staging), filename=out.name)
        try:
            for record in records:
                versions[version_of(record)] += 1
                exporter.write(record_cells(record))
            exporter.format_version = one_version(versions)
            written = exporter.finalize()
        finally:
            exporter.close()
        for source in written:
            source.replace(out.parent / source.name)
    return targets
