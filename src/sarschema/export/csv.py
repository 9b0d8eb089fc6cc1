"""All records as a CSV data package: tables a spreadsheet or a database can load.

`write_csv(records, out)` writes into the folder `out`:

- one table per kind: `incidents.csv`, `targets.csv`, `operators.csv`,
  `responses.csv`, one row per record;
- `products.csv`, one row per product of a vendor (product ids share one id
  space with records);
- `sources.csv` (every source of every record) and `translations.csv`, which
  name their record in `record_id` and again in the id column of its kind
  (`incident_id`, ...), so that each has a foreign key;
- link tables for every other list of references or structured entries:
  `incident_targets`, `incident_operators`, `incident_spyware`,
  `incident_forensic_analyses`, `target_roles`, `target_related`,
  `target_aliases`, `target_affiliations`, `operator_aliases`, `response_by`,
  `response_about`, `response_demands`;
- `incidents_flat.csv`, one row per incident with its targets, operators,
  spyware and number of sources joined in (`sarschema.export.flat`);
- `schema.sql`, `CREATE TABLE` statements with primary and foreign keys, in an
  order where each table follows those it refers to;
- `datapackage.json`, a Frictionless tabular data package describing every
  table: columns, types, primary and foreign keys, the data's licence, version
  (a digest of the tables) and creation time, and (`sarschema.format_version`)
  the format version of the records.

**Versions.** The tables follow the newest format version this sarschema knows
(`sarschema.tables_format_version` in `datapackage.json`), whatever the version of
the records: every format change so far adds to the format, so a record of an
older version is a valid newer record, and it simply leaves the newer columns
empty (1.0 records: `revealed`, `certainty`, `held`, `as_of`, the details of
`translation_of`, products and subjects in `about`). `sarschema.format_version`
is the records' own version, the one their record set states; records of sets of
different versions are not exported together (`sarschema.export.common`).

Policies, also stated in `datapackage.json`:

- **Lists.** A list of vocabulary values or country codes (`evidence`,
  `vectors`, `platforms`, `nationalities`) is one cell of the kind's table, its
  values joined with `;` in the order written (none of them can contain `;`).
  A list of free text, of references or of structured entries goes to a link
  table, one row per entry, with a `position` column: the 0-based index in the
  list, as in the field paths of validation messages (`sources[0]` is the first
  source). An empty list is written like an absent one.
- **A bare value or a mapping.** Where the format takes either (1.1's `roles`
  items, a source's `translation_of`), the bare value is written as the mapping
  with only the field of its type: a bare role is a row of `target_roles` with
  `role` alone (`held` and `as_of` empty), and a bare URL in `translation_of` is
  the `translation_of` column (the original's URL), the mapping's other fields
  being the `translation_of_<field>` columns of `sources`.
- **`about`** of a response is one table, `response_about`: one row per id (or
  subject) with its `kind` (`incident`, `target`, `operator`, `product`, or
  `subject`, whose `id` is the subject value itself).
- **Dates** are written exactly as precise as recorded (`2021`, `2021-07`,
  `2021-07-19`), each with a `<field>_precision` column (`year`, `month`,
  `day`) and the ISO dates of the first and last day it covers
  (`<field>_earliest`, `<field>_latest`).
- **Order.** Rows are in the order of the records, except that a table that
  refers to itself (`operators.parent`) lists a parent before its children, for
  databases that check a key row by row.
- **Constraints** that a database could turn into a CHECK (a `pattern`) are
  given only for columns that are never empty.
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

The tables are made from the record models (`package()`): every field's marker
says whether it is a cell, two cells (a date and its precision), a `;`-joined
cell, the cells of a model held whole or a table of its own, so a field added to
a model reaches the package with no edit here. `export_to(paths, CSVExporter,
out)` validates and writes.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from itertools import chain
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, Self, TextIO

from sarschema.__about__ import FORMAT_VERSION, __version__
from sarschema.export.cells import record_cells, tables_by_name
from sarschema.export.common import (
    DATA_LICENSE,
    DATA_LICENSE_TITLE,
    DATA_LICENSE_URL,
    Exporter,
    created_at,
    one_version,
    version_of,
)
from sarschema.export.flat import FLAT_SOURCES, FlatIncidents, FlatPart, flat_part, flat_table
from sarschema.export.tables import (
    Cell,
    Column,
    Row,
    Table,
    package,
    parents_first,
)

if TYPE_CHECKING:
    from sarschema.models import Record

# --------------------------------------------------------------------------
# Cells: formula neutralisation and its inverse
#: A cell starting with one of these is run as a formula by some spreadsheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
#: The prefix that neutralises a cell.
ESCAPE = "'"
_NEEDS_ESCAPE = (*FORMULA_STARTS, ESCAPE)

#: Written first, then UTF-8: the bytes of `utf-8-sig` (the mark spreadsheet programs
#: look for), without its encoder, which is Python code run at every write (a fifth of
#: the writing process' time on the tables).
_BOM = "\ufeff"
#: Characters of rows held before they are written to their files.
_PENDING_LIMIT = 1 << 20
DELIMITER = ","
QUOTE_CHAR = '"'
LINE_TERMINATOR = "\r\n"


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


def _field(column: Column) -> dict[str, Any]:
    """A column's Frictionless field descriptor."""
    field: dict[str, Any] = {
        "name": column.name,
        "type": column.type,
        "description": column.description,
    }
    if column.type == "boolean":
        field |= {"trueValues": ["true"], "falseValues": ["false"]}
    if column.type == "date":
        field["format"] = "default"  # ISO 8601, YYYY-MM-DD
    constraints: dict[str, Any] = {}
    if column.required:
        constraints["required"] = True
    if column.pattern and column.required:
        # Only where a cell is never empty: tools that turn a pattern into a CHECK
        # constraint (Frictionless publishing to SQL) fail it on an empty optional cell.
        # Plain groups, not `(?:`: SQLAlchemy reads `:19` in `(?:19` as a parameter,
        # and the CHECK it writes then rejects every date.
        constraints["pattern"] = column.pattern.replace("(?:", "(")
    if column.enum:
        constraints["enum"] = list(column.enum)
    if column.type == "integer":
        constraints["minimum"] = 0
    if constraints:
        field["constraints"] = constraints
    return field


def _resource(table: Table, rules: str) -> dict[str, Any]:
    """A table's Frictionless tabular data resource."""
    schema: dict[str, Any] = {
        "fields": [_field(c) for c in table.columns],
        "missingValues": [""],
        "primaryKey": list(table.primary_key),
    }
    if table.foreign_keys:
        schema["foreignKeys"] = [
            {
                "fields": column,
                # an empty resource name refers to this table itself
                "reference": {"resource": "" if ref == table.name else ref, "fields": "id"},
            }
            for column, ref in table.foreign_keys
        ]
    return {
        "name": table.name,
        "path": f"{table.name}.csv",
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "description": f"{table.description} {rules}",
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


PACKAGE_NAME = "sarschema-records"
PACKAGE_FILE = "datapackage.json"
SQL_FILE = "schema.sql"
_SQL_TYPES = {"string": "TEXT", "integer": "INTEGER", "boolean": "BOOLEAN", "date": "DATE"}


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def create_statements(tables: Iterable[Table]) -> str:
    """`CREATE TABLE` statements for the tables, in an order where every table comes
    after those it refers to: plain SQL that DuckDB, SQLite and PostgreSQL run, with
    primary and foreign keys, so a partner loads the CSV files into the tables."""
    out: list[str] = []
    for table in tables:
        lines = [
            f"  {_quoted(c.name)} {_SQL_TYPES[c.type]}{' NOT NULL' if c.required else ''}"
            for c in table.columns
        ]
        lines.append(f"  PRIMARY KEY ({', '.join(_quoted(k) for k in table.primary_key)})")
        lines += [
            f"  FOREIGN KEY ({_quoted(column)}) REFERENCES {_quoted(ref)} ({_quoted('id')})"
            for column, ref in table.foreign_keys
        ]
        out.append(f"CREATE TABLE {_quoted(table.name)} (\n" + ",\n".join(lines) + "\n);\n")
    return "\n".join(out)


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
        "list. Where the format takes a bare value or a mapping, the bare value is "
        "written as the mapping with only the field of its type. Dates are as precise as "
        "recorded, each with a `_precision` column. " + cells
    )


# --------------------------------------------------------------------------
# The exporter


class _RowWriter(Protocol):
    """What `csv.writer` returns (its class has no public name)."""

    def writerow(self, row: Iterable[Cell], /) -> object: ...

    def writerows(self, rows: Iterable[Iterable[Cell]], /) -> object: ...


class _Writable(Protocol):
    def write(self, text: str, /) -> object: ...


def _writer(handle: _Writable) -> _RowWriter:
    return csv.writer(
        handle,
        delimiter=DELIMITER,
        quotechar=QUOTE_CHAR,
        doublequote=True,
        lineterminator=LINE_TERMINATOR,
        quoting=csv.QUOTE_MINIMAL,
    )


def _table_file(path: Path, header: list[str]) -> tuple[TextIO, _RowWriter]:
    """A table's file opened for writing, its byte-order mark and header written."""
    handle = path.open("w", encoding="utf-8", newline="")
    try:
        handle.write(_BOM)
        writer = _writer(handle)
        writer.writerow(header)
    except BaseException:
        handle.close()
        raise
    return handle, writer


def package_files() -> list[str]:
    """The names of the files a package has: a CSV file per table, the flat table,
    `schema.sql` and `datapackage.json`."""
    tables = [*package().tables, flat_table()]
    return [*(f"{t.name}.csv" for t in tables), SQL_FILE, PACKAGE_FILE]


def content_version(files: Iterable[Path]) -> str:
    """The data set's version: a digest of the tables' bytes, so it changes exactly
    when the data does (and two exports of the same records agree)."""
    digest = hashlib.sha256()
    _digest_files(digest, files)
    return _version(digest)


class _Digest(Protocol):
    """What `hashlib.sha256()` gives (its class has no public name)."""

    def update(self, data: bytes, /) -> None: ...

    def hexdigest(self) -> str: ...


def _digest_files(digest: _Digest, files: Iterable[Path]) -> None:
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")


def _version(digest: _Digest) -> str:
    return f"sha256-{digest.hexdigest()[:16]}"


def cell_text(value: Cell, *, raw: bool = False) -> str:
    """The text of a cell: empty for None, true/false, neutralised text (unless `raw`).

    >>> cell_text(None), cell_text(True), cell_text(3), cell_text("=1+1")
    ('', 'true', '3', "'=1+1")
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return value if raw else neutralise_cell(value)


# A cell that may need the formula guard, in a row's cells joined after \x1f each.
_MAYBE_FORMULA = re.compile("\x1f[=+\\-@\t\r\n']")


def _texts(cells: tuple[Cell, ...], booleans: tuple[int, ...], raw: bool) -> list[Cell]:
    """A row's cells as `cell_text` gives them, for `csv.writer` (which writes None
    as an empty cell and a number as its digits). One look at the whole row first:
    almost no row needs the formula guard, and `cell_text` per cell was most of
    the time making a row's texts."""
    if not raw and _MAYBE_FORMULA.search("\x1f" + "\x1f".join(map(str, cells))):
        return [cell_text(value) for value in cells]
    out: list[Cell] = list(cells)
    for index in booleans:
        value = out[index]
        if value is not None:
            out[index] = "true" if value else "false"
    return out


#: What the workers send for one record: for each table, its rows as CSV text and
#: how many; the rows of tables written parents first at the end; what the flat
#: table needs of it; and the newest first-day date the rows give.
Payload = tuple[list[tuple[str, str, int]], list[tuple[str, Row]], FlatPart, str | None]


class _Lines(list[str]):
    """What a `csv.writer` writes, a row's text at a time (it writes each row whole)."""

    write = list.append  # the list's own method: no Python call a row


def _row_text(writer: _RowWriter, written: _Lines, cells: Iterable[Cell]) -> str:
    """Cells' CSV text as it stands in a longer row, the line end left off: a lone
    empty cell, which CSV writes `""` to tell it from an empty line, is nothing."""
    writer.writerow(cells)
    text = "".join(written)[: -len(LINE_TERMINATOR)]
    written.clear()
    return "" if text == '""' else text


def _payload(record: Record, raw: bool) -> Payload:
    lines: dict[str, list[tuple[tuple[Cell, ...], tuple[int, ...]]]] = {}
    kept: list[tuple[str, Row]] = []
    joined: list[tuple[str, Row]] = []
    newest: str | None = None
    tables = tables_by_name()
    for name, cells in record_cells(record):
        table = tables[name]
        for index in table.first_day_columns:
            value = cells[index]
            if isinstance(value, str) and (newest is None or value > newest):
                newest = value
        if name in FLAT_SOURCES:
            joined.append((name, dict(zip(table.header, cells, strict=True))))
        if table.self_references:
            kept.append((name, dict(zip(table.header, cells, strict=True))))
        else:
            lines.setdefault(name, []).append((cells, table.boolean_columns))
    # The formula guard looked for once in the whole record's texts (as `_texts` does
    # in a row's): almost no record needs it.
    every = chain.from_iterable(cells for rows in lines.values() for cells, _ in rows)
    guard = not raw and _MAYBE_FORMULA.search("\x1f" + "\x1f".join(map(str, every)))
    texts: list[tuple[str, str, int]] = []
    written = _Lines()
    writer = _writer(written)  # one for the record: a writer per table cost 4 us a record
    for name, rows in lines.items():
        # Written here as the file will hold it: `csv.writer` per row was most of
        # the work of the one process that writes every file.
        writer.writerows(_texts(cells, booleans, not guard) for cells, booleans in rows)
        texts.append((name, "".join(written), len(rows)))
        written.clear()

    def line(cells: tuple[Cell, ...], booleans: tuple[int, ...]) -> str:
        # The flat table's cells are the incident's own, or its links' joined (a
        # joined cell starts as its first does): the record's guard covers them.
        return _row_text(writer, written, _texts(cells, booleans, not guard))

    return texts, kept, flat_part(joined, line, DELIMITER), newest


def csv_payload(record: Record) -> Payload:
    """`CSVExporter.prepare`, in the worker processes: the cells' texts are made there,
    in parallel, and are cheaper to send than the rows."""
    return _payload(record, False)


def raw_csv_payload(record: Record) -> Payload:
    """`csv_payload` for a raw package (cells unchanged)."""
    return _payload(record, True)


class CSVExporter(Exporter):
    """One CSV file per table and `datapackage.json`, in `folder`.

    Every table's file is created (with its header) at once, so a table with
    no rows is still there for the package; use as a context manager, or call
    `finalize` (or `close` on failure), to close the files.
    """

    prepare = staticmethod(csv_payload)

    def __init__(self, folder: Path, *, raw: bool = False) -> None:
        super().__init__(folder)
        self.raw = raw
        self.tables = {t.name: t for t in package().tables}
        self.flat = FlatIncidents()
        #: the newest date any row gives (`created` when SOURCE_DATE_EPOCH is unset),
        #: from the positions of each table's first-day columns
        self.newest: str | None = None
        self.rows: dict[str, int] = dict.fromkeys(self.tables, 0)
        folder.mkdir(parents=True, exist_ok=True)
        self._files: dict[str, TextIO] = {}
        #: rows of tables that refer to themselves, written parents first at the end
        self._held: dict[str, list[Row]] = {
            t.name: [] for t in self.tables.values() if t.self_references
        }
        self._writers: dict[str, _RowWriter] = {}
        #: rows' texts not yet written, a few records' worth at a time: one write per
        #: table and record was a quarter of the writing process' work
        self._pending: dict[str, list[str]] = {name: [] for name in self.tables}
        self._pending_size = 0
        try:
            for table in self.tables.values():
                handle, writer = _table_file(folder / f"{table.name}.csv", table.header)
                self._files[table.name] = handle
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

    def preparer(self) -> Callable[[Record], Payload]:
        return raw_csv_payload if self.raw else csv_payload

    def write(self, payload: Payload) -> None:
        """What `preparer()` made of a record (maybe in another process)."""
        texts, held, flat, newest = payload
        self.flat.add(flat)
        if newest is not None and (self.newest is None or newest > self.newest):
            self.newest = newest
        for name, row in held:
            self._held[name].append(row)
        pending, rows = self._pending, self.rows
        for name, text, count in texts:
            pending[name].append(text)
            rows[name] += count
            self._pending_size += len(text)
        if self._pending_size > _PENDING_LIMIT:
            self._flush()

    def _flush(self) -> None:
        for name, texts in self._pending.items():
            if texts:
                self._files[name].write("".join(texts))
                texts.clear()
        self._pending_size = 0

    def _write_cells(self, table: Table, cells: tuple[Cell, ...]) -> None:
        self._writers[table.name].writerow(_texts(cells, table.boolean_columns, self.raw))
        self.rows[table.name] += 1

    def descriptor(
        self, tables: list[Table], files: list[Path], digest: str | None = None
    ) -> dict[str, Any]:
        """The Frictionless tabular data package describing the tables (`digest`:
        `content_version(files)`, when already known)."""
        rules = policy(raw=self.raw)
        version = self.version()
        older = (
            ""
            if version == FORMAT_VERSION
            else f", in the tables of format {FORMAT_VERSION} (what was added since "
            f"{version} is empty)"
        )
        return {
            "profile": "tabular-data-package",
            "name": PACKAGE_NAME,
            "title": "Surveillance abuse records (sarschema)",
            "version": digest or content_version(files),
            "created": created_at(self.newest),
            "licenses": [
                {"name": DATA_LICENSE, "path": DATA_LICENSE_URL, "title": DATA_LICENSE_TITLE}
            ],
            "description": f"Records of the sarschema format {version}{older}: one table "
            f"per kind plus sources, products, translations and link tables. {rules}",
            "sarschema": {
                # the records' version (their set's); the tables follow the newest
                "format_version": version,
                "tables_format_version": FORMAT_VERSION,
                "generator": f"sarschema {__version__}",
                "neutralised": not self.raw,
                "version_is": "a digest of the tables' bytes: it changes exactly when the data does",
                "created_is": "SOURCE_DATE_EPOCH when the exporter had it, else the newest "
                "date the records give (so that unchanged records give the same package)",
                "schema_sql": SQL_FILE,
            },
            "resources": [_resource(table, rules) for table in tables],
        }

    def close(self) -> None:
        for handle in self._files.values():
            handle.close()

    def finalize(self) -> list[Path]:
        self._flush()
        for name, rows in self._held.items():
            table = self.tables[name]
            for row in parents_first(table, rows):
                self._write_cells(table, table.values(row))
        self.close()
        flat = flat_table()
        tables = [*self.tables.values(), flat]
        files = [self.folder / f"{t.name}.csv" for t in tables]
        # The tables' digest is taken in a thread while the flat table is written
        # (reading and hashing release the interpreter's lock), and the flat
        # table's bytes added after: the same digest, a second core's work. (If the
        # flat table fails, that error is the one raised, once the thread is done.)
        digest = hashlib.sha256()
        with ThreadPoolExecutor(max_workers=1) as pool:
            hashed = pool.submit(_digest_files, digest, files[:-1])
            self._write_flat(files[-1], flat)
            hashed.result()
        _digest_files(digest, files[-1:])
        sql = self.folder / SQL_FILE
        sql.write_text(create_statements(tables), encoding="utf-8", newline="\n")
        descriptor = self.folder / PACKAGE_FILE
        with descriptor.open("w", encoding="utf-8", newline="\n") as handle:
            content = self.descriptor(tables, files, _version(digest))
            json.dump(content, handle, ensure_ascii=False, indent=2)
            handle.write("\n")
        return [*files, sql, descriptor]

    def _write_flat(self, path: Path, table: Table) -> None:
        written = _Lines()
        writer = _writer(written)
        raw = self.raw

        def cell(value: Cell) -> str:
            return _row_text(writer, written, (cell_text(value, raw=raw),))

        out, _ = _table_file(path, table.header)
        with out:
            out.writelines(line + LINE_TERMINATOR for line in self.flat.lines(cell))


def write_csv(records: Iterable[Record], out: Path, *, raw: bool = False) -> list[Path]:
    """Write the package into `out` directly (records already validated); return the
    files written. `export_to` with a `CSVExporter` validates as well, and writes
    nothing unless every record is valid. The package names the records' format
    version, the one whose models they are instances of (`version_of`); records of
    several versions are refused (`UsageError`; no `datapackage.json` is written)."""
    versions: Counter[str] = Counter()
    with CSVExporter(out, raw=raw) as exporter:
        for record in records:
            versions[version_of(record)] += 1
            exporter.write(exporter.preparer()(record))
        exporter.format_version = one_version(versions)
        return exporter.finalize()
