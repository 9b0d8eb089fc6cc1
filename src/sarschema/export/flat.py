"""`incidents_flat`: one row per incident with its targets, operators, spyware and
sources joined in, for a spreadsheet user who cannot join tables.

Made from the same rows as the other tables (`record_rows`), collected while they
are written and joined at the end, since an incident's targets are named in other
records. The ids columns are exact (ids cannot contain `;`); the names columns are
for reading (a name may contain `;`), so a program joins on the ids.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache

from sarschema.export.tables import Cell, Column, Row, Table, package

NAME = "incidents_flat"
#: Joins the names of one cell, for reading.
NAMES_SEPARATOR = "; "
_LEFT_OUT = frozenset({"notes"})  # long text that is not what a spreadsheet row is for
_NAMED = ("targets", "operators", "products")
_LINKS = ("incident_targets", "incident_operators", "incident_spyware")
#: The tables whose rows `FlatIncidents.needed` may keep something of.
FLAT_SOURCES = frozenset({"incidents", *_NAMED, *_LINKS, "sources"})


@cache
def flat_table() -> Table:
    """The table: every column of `incidents` but `notes`, then the joined ones."""
    incidents = next(t for t in package().tables if t.name == "incidents")

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
            *(c for c in incidents.columns if c.name not in _LEFT_OUT),
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


@dataclass
class FlatIncidents:
    """Collects what the flat table needs from the rows written; `rows` joins it."""

    incidents: list[Row] = field(default_factory=list)
    names: dict[str, dict[Cell, Cell]] = field(
        default_factory=lambda: {"targets": {}, "operators": {}, "products": {}}
    )
    links: dict[str, dict[Cell, list[Row]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )
    sources: dict[Cell, int] = field(default_factory=lambda: defaultdict(int))

    @staticmethod
    def needed(table: str, row: Row) -> Row | None:
        """What `add` keeps of a row, or None: in the workers, so that only that
        is sent."""
        if table == "incidents":
            return {k: v for k, v in row.items() if k not in _LEFT_OUT}
        if table in _NAMED:
            return {"id": row["id"], "name": row["name"]}
        if table in _LINKS:
            return row
        if table == "sources" and row.get("incident_id") is not None:
            return {"incident_id": row["incident_id"]}  # counted, no more
        return None

    def add(self, table: str, row: Row) -> None:
        """Keep a row as `needed(table, row)` gave it (in a worker)."""
        if table == "incidents":
            self.incidents.append(row)
        elif table in self.names:
            self.names[table][row["id"]] = row["name"]
        elif table in _LINKS:
            self.links[table][row["incident_id"]].append(row)
        elif table == "sources" and row.get("incident_id") is not None:
            self.sources[row["incident_id"]] += 1

    def _joined(self, table: str, incident: Cell, column: str, names: str) -> Row:
        rows = self.links[table].get(incident, [])
        if len(rows) > 1:
            rows = sorted(rows, key=lambda r: r["position"] or 0)
        ids = [r[column] for r in rows]
        name = self.names[names].get
        return {
            "ids": ";".join(map(str, ids)) or None,
            "names": NAMES_SEPARATOR.join(map(str, map(name, ids, ids))) or None,
            "attributions": ";".join(str(r.get("attribution") or "") for r in rows) or None,
        }

    def rows(self) -> list[Row]:
        out: list[Row] = []
        for incident in self.incidents:
            key = incident["id"]
            targets = self._joined("incident_targets", key, "target_id", "targets")
            operators = self._joined("incident_operators", key, "operator_id", "operators")
            spyware = self._joined("incident_spyware", key, "product_id", "products")
            out.append(
                incident
                | {
                    "target_ids": targets["ids"],
                    "target_names": targets["names"],
                    "operator_ids": operators["ids"],
                    "operator_names": operators["names"],
                    "attributions": operators["attributions"],
                    "spyware_ids": spyware["ids"],
                    "spyware_names": spyware["names"],
                    "source_count": self.sources.get(key, 0),
                }
            )
        return out
