"""The smallest pieces of the pages, written in Python rather than as template macros.

A date, a badge or a link to a record appears dozens of times on a page, and a
Jinja macro call costs several times what the piece itself does (100,000 records:
over 100,000 pages). Each function escapes what it echoes, as autoescape does, and
returns `Markup`, which the templates then write as it is. `Links` holds the pieces
that depend on where the page is (`root`, the way back to the site's top).
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

from sarschema.site.index import FOLDERS, SiteIndex, label
from sarschema.site.wording import date_text


def when(date: Any) -> Markup:
    """A date at its precision, with its machine-readable form.

    >>> from sarschema.types import PartialDate
    >>> when(PartialDate(2021, 7))
    Markup('<time datetime="2021-07">July 2021</time>')
    """
    return Markup(f'<time datetime="{escape(date)}">{escape(date_text(date))}</time>')


def span(start: Any, end: Any) -> Markup:
    """`start`, or `start` – `end` when the end is another date."""
    if end and end != start:
        return Markup(f"{when(start)} – {when(end)}")
    return when(start)


def status_badge(status: Any) -> Markup:
    return Markup(
        f'<span class="badge status-{escape(status)}">{escape(label("Status", status))}</span>'
    )


def type_badge(vocabulary: str, value: Any) -> Markup:
    return Markup(
        f'<span class="badge type-{escape(value)}">{escape(label(vocabulary, value))}</span>'
    )


class Links:
    """`href(kind, id)` and `ref(kind, id)` (a link named after the record) for pages
    at one depth. Plain methods: a function Jinja must hand the page's context to
    costs a context of its own at each call in a loop."""

    def __init__(self, root: str, index: SiteIndex) -> None:
        self.root = Markup(root)  # the site's own (a mark in `lists`), and ids are slugs
        self.index = index

    def href(self, kind: str, record_id: str) -> Markup:
        if kind == "product":
            vendor = self.index.products[record_id][1]
            return self.root + f"operators/{vendor}.html#product-{record_id}"
        return self.root + f"{FOLDERS[kind]}/{record_id}.html"

    def ref(self, kind: str, record_id: str) -> Markup:
        return Markup(
            f'<a href="{self.href(kind, record_id)}">{escape(self.index.name(kind, record_id))}</a>'
        )
