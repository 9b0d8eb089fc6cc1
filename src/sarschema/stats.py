"""`sarschema stats`: what a record set holds, counted."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, assert_never

from sarschema.terminal import inert

if TYPE_CHECKING:
    from sarschema.diagnostics import Diagnostic
    from sarschema.models import Record

#: The row of incidents whose sources name no operator.
NO_OPERATOR = "(none named)"


def _year(incident: Any) -> str:
    """The year it happened, or for a 1.1 incident dated only by its revelation, that
    year marked as such (never counted as the year it happened)."""
    date = getattr(incident, "date", None)
    if date is not None:
        return str(date.year)
    return f"(not dated; revealed {incident.revealed.year})"


def compute(
    records: Sequence[Record], accepted: Sequence[Diagnostic] = ()
) -> dict[str, dict[str, int]]:
    """Counts per kind; incidents per status, operator and year; targets per role and
    nationality; responses per type. Each table is sorted by count, then name."""
    kinds: Counter[str] = Counter()
    status: Counter[str] = Counter()
    operators: Counter[str] = Counter()
    years: Counter[str] = Counter()
    roles: Counter[str] = Counter()
    countries: Counter[str] = Counter()
    responses: Counter[str] = Counter()
    from sarschema.models import Incident, Operator, Response, Target

    for record in records:
        kinds[record.kind] += 1
        match record:
            case Incident():
                status[str(record.status)] += 1
                years[_year(record)] += 1
                for op in record.alleged_operators or ():
                    operators[op.operator] += 1
                if not record.alleged_operators:
                    operators[NO_OPERATOR] += 1  # so that the counts add up to the incidents
            case Target():
                # a 1.1 role may be held at a date: counted by the role itself
                roles.update(str(getattr(r, "role", r)) for r in record.roles)
                countries.update(record.nationalities or ())
            case Response():
                responses[str(record.type)] += 1
            case Operator():
                pass
            case _:
                assert_never(record)

    def ordered(counter: Counter[str], *, by_name: bool = False) -> dict[str, int]:
        items = (
            sorted(counter.items())
            if by_name
            else sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
        )
        return dict(items)

    return {
        "records per kind": ordered(kinds),
        "incidents per status": ordered(status),
        "incidents per alleged operator": ordered(operators),
        "incidents per year": ordered(years, by_name=True),
        "targets per role": ordered(roles),
        "targets per nationality": ordered(countries),
        "responses per type": ordered(responses),
        "warnings accepted per code": ordered(Counter(d.code for d in accepted)),
    }


def render_tables(stats: dict[str, dict[str, int]]) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text  # plain text: no markup from a record is interpreted

    console = Console()
    for title, counts in stats.items():
        table = Table(title=title, title_justify="left", min_width=len(title) + 4)
        table.add_column(title.split(" per ")[-1])
        table.add_column("count", justify="right")
        for name, count in counts.items():
            table.add_row(Text(inert(name)), str(count))
        if not counts:
            table.add_row("(none)", "0")
        console.print(table)
