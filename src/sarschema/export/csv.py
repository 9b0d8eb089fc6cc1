"""All records as a CSV data package: tables a spreadsheet or a database can load.

`write_csv(records, out)` writes into the folder `out`:

- one table per kind: `incidents.csv`, `targets.csv`, `operators.csv`,
  `responses.csv`, one row per record;
- `products.csv`, one row per product of a vendor (product ids share one id
  space with records);
- `sources.csv` (every source of every record) and `translations.csv`;
- link tables for every other list of references or structured entries:
  `incident_targets`, `incident_operators`, `incident_spyware`,
  `incident_forensic_analyses`, `target_roles`, `target_related`,
  `target_aliases`, `target_affiliations`, `operator_aliases`, `response_by`,
  `response_about`, `response_demands`;
- `datapackage.json`, a Frictionless tabular data package describing every
  table: columns, types, primary and foreign keys, and (`sarschema.format_version`)
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

The tables are made from the record models (`package()`): every field's marker
says whether it is a cell, two cells (a date and its precision), a `;`-joined
cell, the cells of a model held whole or a table of its own, so a field added to
a model reaches the package with no edit here. `export_to(paths, CSVExporter,
out)` validates and writes.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, Self, TextIO

from sarschema.__about__ import FORMAT_VERSION, __version__
from sarschema.errors import InternalError
from sarschema.export.common import Exporter, one_version, version_of
from sarschema.export.tables import Cell, Column, Row, Table, package, record_rows

if TYPE_CHECKING:
    from sarschema.models import Record

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
    constraints: dict[str, Any] = {}
    if column.required:
        constraints["required"] = True
    if column.pattern:
        constraints["pattern"] = column.pattern
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

    def writerow(self, row: Iterable[str], /) -> object: ...


class CSVExporter(Exporter):
    """One CSV file per table and `datapackage.json`, in `folder`.

    Every table's file is created (with its header) at once, so a table with
    no rows is still there for the package; use as a context manager, or call
    `finalize` (or `close` on failure), to close the files.
    """

    prepare = staticmethod(record_rows)

    def __init__(self, folder: Path, *, raw: bool = False) -> None:
        super().__init__(folder)
        self.raw = raw
        self.tables = {t.name: t for t in package().tables}
        self.rows: dict[str, int] = dict.fromkeys(self.tables, 0)
        folder.mkdir(parents=True, exist_ok=True)
        self._files: dict[str, TextIO] = {}
        self._writers: dict[str, _RowWriter] = {}
        try:
            for table in self.tables.values():
                handle = (folder / f"{table.name}.csv").open("w", encoding=ENCODING, newline="")
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

    def write(self, payload: list[tuple[str, Row]]) -> None:
        """Rows made from a record by `record_rows` (maybe in another process)."""
        for name, row in payload:
            table = self.tables[name]
            unknown = row.keys() - set(table.header)
            if unknown:  # a programming error: the row and the table disagree
                raise InternalError(f"{table.name} has no column {sorted(unknown)}")
            self._writers[table.name].writerow([self.cell(row.get(c)) for c in table.header])
            self.rows[table.name] += 1

    def descriptor(self) -> dict[str, Any]:
        """The Frictionless tabular data package describing the tables."""
        rules = policy(raw=self.raw)
        version = self.version()
        tables = (
            ""
            if version == FORMAT_VERSION
            else f", in the tables of format {FORMAT_VERSION} (what was added since "
            f"{version} is empty)"
        )
        return {
            "profile": "tabular-data-package",
            "name": PACKAGE_NAME,
            "title": "Surveillance abuse records (sarschema)",
            "description": f"Records of the sarschema format {version}{tables}: one table "
            f"per kind plus sources, products, translations and link tables. {rules}",
            "sarschema": {
                # the records' version (their set's); the tables follow the newest
                "format_version": version,
                "tables_format_version": FORMAT_VERSION,
                "generator": f"sarschema {__version__}",
                "neutralised": not self.raw,
            },
            "resources": [_resource(table, rules) for table in self.tables.values()],
        }

    def close(self) -> None:
        for handle in self._files.values():
            handle.close()

    def finalize(self) -> list[Path]:
        self.close()
        descriptor = self.folder / PACKAGE_FILE
        with descriptor.open("w", encoding="utf-8", newline="\n") as handle:
            json.dump(self.descriptor(), handle, ensure_ascii=False, indent=2)
            handle.write("\n")
        return [*(self.folder / f"{t.name}.csv" for t in self.tables.values()), descriptor]


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
            exporter.write(record_rows(record))
        exporter.format_version = one_version(versions)
        return exporter.finalize()
