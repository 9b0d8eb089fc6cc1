"""The pieces of the pages that most pages repeat, written in Python rather than as
template macros.

A date, a badge or a link to a record appears dozens of times on a page, and the
sources, translations and notes close every record's page; a Jinja macro call
costs several times what a small piece itself does (100,000 records: over 100,000
pages). Each function escapes what it echoes, as autoescape does, and returns
`Markup`, which the templates then write as it is. `Links` holds the pieces
that depend on where the page is (`root`, the way back to the site's top).
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

from sarschema.site.index import FOLDERS, SiteIndex, country_name, label, language_name
from sarschema.site.strings import LANGUAGE, STRINGS
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


_EXTERNAL = 'rel="noopener noreferrer external"'


def sources(record: Any) -> Markup:
    """A record's sources, in order: title (in its language), publisher and date,
    links to the source and its archived copy, the original a translation was made
    from, and the source's notes."""
    words = STRINGS
    items = []
    for s in record.sources:
        published = words["source_published"].format(
            date=date_text(s.published), publisher=s.publisher
        )
        in_language = words["source_language"].format(language=language_name(s.language))
        item = (
            f'<li>\n<p class="source-title"><cite lang="{escape(s.language)}" dir="auto">'
            f"{escape(s.title)}</cite></p>\n"
            f"<p>{escape(published)} · {escape(in_language)}</p>\n"
            '<p class="source-links">\n'
        )
        if s.url:
            item += f'<a href="{escape(s.url)}" {_EXTERNAL}>{escape(words["source_link"])}</a>'
        else:
            item += f"{escape(words['source_no_link'])}"  # str: Markup + str would escape
        if s.archived_url:
            archived = escape(words["source_archived"])
            item += f' · <a href="{escape(s.archived_url)}" {_EXTERNAL}>{archived}</a>'
        item += "</p>\n"
        if s.translation_of:
            item += (
                f"<p>{escape(words['source_translation_of'])}:\n{_original(s.translation_of)}</p>\n"
            )
        if s.notes:
            item += (
                f'<p class="source-notes"><span class="label">{escape(words["source_notes"])}:'
                f"</span> {escape(s.notes)}</p>"
            )
        items.append(item + "</li>\n")
    return Markup(
        '<section aria-labelledby="sources-h">\n'
        f'<h2 id="sources-h">{escape(words["record_sources"])}</h2>\n'
        f'<p class="hint">{escape(words["record_sources_intro"])}</p>\n'
        f'<ol class="sources">\n{"".join(items)}</ol>\n</section>\n'
    )


def _original(original: Any) -> str:
    """What a translated source was translated from: its address, or what is known
    of it."""
    words = STRINGS
    if isinstance(original, str):
        return f'<a href="{escape(original)}" {_EXTERNAL}>{escape(words["source_original"])}</a>\n'
    if original.title:
        lang = f' lang="{escape(original.language)}"' if original.language else ""
        text = f'<cite{lang} dir="auto">{escape(original.title)}</cite>'
    else:
        text = f"{escape(words['source_original'])}"  # str: Markup + str would escape
    if original.publisher:
        text += f", {escape(original.publisher)}"
    if original.published:
        text += f", {when(original.published)}"
    if original.language:
        text += f" ({escape(language_name(original.language))})"
    if original.url:
        text += (
            f' · <a href="{escape(original.url)}" {_EXTERNAL}>{escape(words["source_link"])}</a>'
        )
    return text


def translations(record: Any) -> Markup:
    """A record's title and summary in other languages, each marked with its own."""
    if not record.translations:
        return Markup("")
    parts = [
        '<section aria-labelledby="translations-h">\n'
        f'<h2 id="translations-h">{escape(STRINGS["record_translations"])}</h2>\n'
    ]
    for code, tr in record.translations.items():
        title = escape(tr.title) if tr.title else ""
        summary = f"<p>{escape(tr.summary)}</p>" if tr.summary else ""
        parts.append(
            f'<div class="translation" lang="{escape(code)}" dir="auto">\n'
            f'<h3><span lang="{LANGUAGE}" dir="ltr">{escape(language_name(code))}:</span> '
            f"{title}</h3>\n{summary}</div>\n"
        )
    parts.append("</section>\n")
    return Markup("".join(parts))


def notes(record: Any) -> Markup:
    """A record's notes, when it has any."""
    if not record.notes:
        return Markup("")
    return Markup(
        '<section aria-labelledby="notes-h">\n'
        f'<h2 id="notes-h">{escape(STRINGS["record_notes"])}</h2>\n'
        f'<p class="notes">{escape(record.notes)}</p>\n</section>\n'
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

    def response_line(self, response: Any, why: str | None = None) -> Markup:
        """A response in a list: its title as a link, its type and its date, and why it
        is listed (`why`, a key of the site's words) when given."""
        line = (
            f'<a href="{self.href("response", response.id)}">{escape(response.title)}</a>\n'
            f"{type_badge('ResponseType', response.type)} {when(response.date)}"
        )
        if why:
            line += f' <span class="why">({escape(STRINGS[why])})</span>'
        return Markup(line)

    def response_list(self, responses: Any) -> Markup:
        """The responses as a list, a denial marked as one; or a line saying there are none."""
        if not responses:
            return Markup(f"<p>{escape(STRINGS['record_none'])}</p>")
        items = "".join(
            f"<li{_DENIAL if r.type == 'denial' else ''}>{self.response_line(r)}</li>\n"
            for r in responses
        )
        return Markup(f'<ul class="records">\n{items}</ul>\n')

    def incident_line(self, incident: Any, attribution: Any = None) -> Markup:
        """An incident in a list: its title as a link, its status, the attribution when
        given, and its dates (or when it was revealed)."""
        line = (
            f'<a href="{self.href("incident", incident.id)}">{escape(incident.title)}</a>\n'
            f"{status_badge(incident.status)}"
        )
        if attribution:
            line += f' <span class="attribution">{escape(label("Attribution", attribution))}</span>'
        if incident.date:
            line += f" {span(incident.date, incident.date_end)}"
        elif getattr(incident, "revealed", None):
            line += f" {_revealed(incident.revealed)}"
        return Markup(line)

    def list_item(self, record: Any, facets: dict[str, list[str]], text: str) -> Markup:
        """A record on its kind's list: its filter values and search text as data
        attributes (read by site.js), a link named after it, and what tells it apart."""
        name = self.index.name
        data = "".join(
            f' data-{facet}="{escape(" ".join(values))}"' for facet, values in facets.items()
        )
        denial = _DENIAL if record.kind == "response" and record.type == "denial" else ""
        html = (
            f'<li{data} data-text="{escape(text)}"{denial}>\n'
            f'<a href="{self.href(record.kind, record.id)}" dir="auto">'
            f"{escape(name(record.kind, record.id))}</a>\n"
        )
        kind = record.kind
        if kind == "incident":
            when_ = (
                span(record.date, record.date_end) if record.date else _revealed(record.revealed)
            )
            meta = ", ".join(escape(name("target", t)) for t in record.targets)
            if record.alleged_operators:
                meta += " · " + ", ".join(
                    f"{escape(name('operator', a.operator))}"
                    f" ({escape(label('Attribution', a.attribution))})"
                    for a in record.alleged_operators
                )
            html += f'{status_badge(record.status)}\n{when_}<span class="meta">{meta}</span>\n'
        elif kind == "target":
            meta = ", ".join(
                escape(label("Role", getattr(entry, "role", entry))) for entry in record.roles
            )
            if record.nationalities:
                meta += " · " + ", ".join(escape(country_name(c)) for c in record.nationalities)
            html += f'<span class="meta">{meta}</span>\n'
        elif kind == "operator":
            meta = f"{escape(label('OperatorType', record.type))}"  # str: Markup + str would escape
            if record.country:
                meta += f" · {escape(country_name(record.country))}"
            html += f'<span class="meta">{meta}</span>\n'
        else:
            html += f"{type_badge('ResponseType', record.type)} {when(record.date)}\n"
        return Markup(html + "</li>")

    def timeline_row(self, row: Any) -> Markup:
        """An incident or response on the timeline: what and when in words, then its
        bars on the track (`timeline.Row`)."""
        r = row.record
        words = STRINGS
        if r.kind == "incident":
            if r.date:
                happened = words["timeline_happened"].format(date="")
                dates = f"{escape(happened)}{span(r.date, r.date_end)}"
            else:
                dates = f"{escape(words['timeline_undated'])}"
            if getattr(r, "revealed", None):
                revealed = words["timeline_revealed"].format(date="")
                dates += f" · {escape(revealed)}{when(r.revealed)}"
            text = (
                f'<span class="tl-kind">{escape(words["kind_incident"])}</span>\n'
                f'<a href="{self.href("incident", r.id)}" dir="auto">{escape(r.title)}</a>'
                f' {status_badge(r.status)}\n<span class="tl-dates">{dates}</span>\n'
            )
            bar = "tl-event"
        else:
            text = (
                f'<span class="tl-kind">{escape(words["kind_response"])}</span>\n'
                f'<a href="{self.href("response", r.id)}" dir="auto">{escape(r.title)}</a>'
                f" {type_badge('ResponseType', r.type)}\n"
                f'<span class="tl-dates">{when(r.date)}</span>\n'
            )
            bar = "tl-response"
        track = ""
        if row.event:
            event = row.event
            track += (
                f'<rect x="{event.x}" y="2" width="{event.width}" height="8" class="{bar}"></rect>'
            )
        if row.revealed:
            revealed_bar = row.revealed
            track += (
                f'<rect x="{revealed_bar.x}" y="2" width="{revealed_bar.width}" height="8"'
                ' class="tl-revealed" vector-effect="non-scaling-stroke"></rect>'
            )
        return Markup(
            f'<li class="tl-row {escape(r.kind)}">\n<p class="tl-text">\n{text}</p>\n'
            '<svg class="track" viewBox="0 0 1000 12" preserveAspectRatio="none"'
            f' aria-hidden="true" focusable="false">\n{track}</svg>\n</li>\n'
        )


_DENIAL = ' class="denial"'


def _revealed(date: Any) -> str:
    """When an undated incident was made public, in words, for its lines in lists."""
    revealed = STRINGS["timeline_revealed"].format(date=date_text(date))
    return f'<span class="revealed">{escape(revealed)}</span>'
