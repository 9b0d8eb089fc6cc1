"""Charts drawn at build time, as data for the SVG macro in `templates/macros.html`:
no chart service, no script, nothing fetched. Each chart also carries its numbers,
which the page shows as a table (what a screen reader reads)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sarschema.site.strings import STRINGS

#: The drawing's width in SVG units (it scales to the page).
WIDTH = 460
LABEL_WIDTH = 190
ROW = 26
#: Bars drawn before the rest are summed into one "N more" bar.
LIMIT = 12
#: Characters of a label drawn in the SVG (the table gives it whole).
LABEL_CHARS = 26


@dataclass(frozen=True)
class Bar:
    label: str
    drawn: str  # the label as drawn, shortened
    count: int
    href: str | None
    y: int
    width: float


@dataclass(frozen=True)
class Chart:
    id: str
    caption: str
    bars: tuple[Bar, ...]
    rows: tuple[tuple[str, int, str | None], ...]  # every value, for the table
    height: int
    desc: str

    @property
    def bar_x(self) -> int:
        return LABEL_WIDTH

    @property
    def width(self) -> int:
        return WIDTH


def bar_chart(
    chart_id: str, caption: str, rows: Sequence[tuple[str, int, str | None]], *, limit: int = LIMIT
) -> Chart:
    """A horizontal bar chart of `(label, count, link)` rows, in the order given;
    past `limit` rows, the rest are one bar "N more"."""
    shown = list(rows[:limit])
    if len(rows) > limit:
        rest = sum(count for _, count, _ in rows[limit:])
        shown = [*shown, (STRINGS["chart_other"].format(n=len(rows) - limit), rest, None)]
    top = max((count for _, count, _ in shown), default=0) or 1
    room = WIDTH - LABEL_WIDTH - 48  # the count is written after the bar
    bars = tuple(
        Bar(
            label=name,
            drawn=name if len(name) <= LABEL_CHARS else name[: LABEL_CHARS - 1] + "…",
            count=count,
            href=href,
            y=n * ROW,
            width=round(max(room * count / top, 1.0), 1),
        )
        for n, (name, count, href) in enumerate(shown)
    )
    items = "; ".join(f"{name} {count}" for name, count, _ in rows) or STRINGS["chart_empty"]
    return Chart(
        id=chart_id,
        caption=caption,
        bars=bars,
        rows=tuple(rows),
        height=max(len(bars), 1) * ROW,
        desc=STRINGS["chart_desc"].format(caption=caption, items=items),
    )
