"""The timeline's geometry: every date drawn across the days it covers.

A date known to the year is a bar across the year, to the month a bar across the
month, to the day a short mark: never a point on 1 January. An incident's event
(`date` to `date_end`) and its revelation (`revealed`, new in 1.1) are drawn apart,
a filled bar and an outlined one, and told apart in words beside them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from sarschema.site.index import SiteIndex, when
from sarschema.types import PartialDate

#: The track's width in SVG units; every row's track shares the scale.
WIDTH = 1000
#: The narrowest mark drawn, so that a single day stays visible.
MIN_WIDTH = 3.0


@dataclass(frozen=True)
class Span:
    x: float
    width: float


@dataclass(frozen=True)
class Row:
    record: Any
    event: Span | None  # an incident's date to date_end, or a response's date
    revealed: Span | None


@dataclass(frozen=True)
class Timeline:
    first_year: int
    last_year: int
    ticks: tuple[tuple[float, int], ...]  # (x, year) at each year's start
    groups: tuple[tuple[int, tuple[Row, ...]], ...]  # rows by the year they start


class _Scale:
    def __init__(self, first: dt.date, last: dt.date) -> None:
        self.first = first
        self.days = max((last - first).days + 1, 1)

    def x(self, day: dt.date) -> float:
        return round(WIDTH * (day - self.first).days / self.days, 2)

    def span(self, start: PartialDate, end: PartialDate | None = None) -> Span:
        left = self.x(start.earliest())
        right = self.x((end or start).latest() + dt.timedelta(days=1))
        width = max(right - left, MIN_WIDTH)
        return Span(min(left, WIDTH - width), round(width, 2))


def _dates(record: Any) -> list[PartialDate]:
    return [
        d
        for d in (
            getattr(record, "date", None),
            getattr(record, "date_end", None),
            getattr(record, "revealed", None),
        )
        if d is not None
    ]


def build(index: SiteIndex) -> Timeline | None:
    """Incidents and responses in date order, grouped by the year they start; None
    when there is nothing to draw."""
    records = sorted(
        [*index.sorted("incident"), *index.sorted("response")],
        key=lambda r: (when(r), r.kind, r.id),
    )
    dates = [d for r in records for d in _dates(r)]
    if not dates:
        return None
    first_year = min(d.year for d in dates)
    last_year = max(d.year for d in dates)
    scale = _Scale(dt.date(first_year, 1, 1), dt.date(last_year, 12, 31))
    rows = []
    for record in records:
        date = getattr(record, "date", None)
        revealed = getattr(record, "revealed", None)
        rows.append(
            Row(
                record=record,
                event=scale.span(date, getattr(record, "date_end", None)) if date else None,
                revealed=scale.span(revealed) if revealed else None,
            )
        )
    ticks = tuple((scale.x(dt.date(year, 1, 1)), year) for year in range(first_year, last_year + 1))
    groups = tuple(
        (year, tuple(group)) for year, group in groupby(rows, key=lambda row: when(row.record).year)
    )
    return Timeline(first_year, last_year, ticks, groups)
