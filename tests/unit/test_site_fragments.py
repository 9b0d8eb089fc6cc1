"""`sarschema.site.fragments`: the pieces of pages written in Python, not templates.

They replaced Jinja macros, so each must escape what it echoes exactly as
autoescape did: a record's text is a stranger's."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from markupsafe import Markup

from sarschema.site import fragments
from sarschema.types import PartialDate

HOSTILE = '<script>alert("x")</script> & "quoted"'


class _Index:
    """The two things `Links` asks of a `SiteIndex`."""

    def __init__(self, names: dict[tuple[str, str], str]) -> None:
        self.names = names
        self.products = {"pegasus": (SimpleNamespace(name="Pegasus"), "nso-group")}

    def name(self, kind: str, record_id: str) -> str:
        return self.names[(kind, record_id)]


def _links(root: str, names: dict[tuple[str, str], str]) -> fragments.Links:
    index: Any = _Index(names)
    return fragments.Links(root, index)


def test_a_record_name_is_escaped_in_its_link() -> None:
    ref = _links("../", {("target", "target-a"): HOSTILE}).ref("target", "target-a")
    assert isinstance(ref, Markup)
    assert ref == (
        '<a href="../targets/target-a.html">&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;'
        " &amp; &#34;quoted&#34;</a>"
    )


def test_a_product_links_into_its_vendor_page() -> None:
    links = _links("../../../", {})
    assert links.href("product", "pegasus") == ("../../../operators/nso-group.html#product-pegasus")
    assert links.href("incident", "incident-a") == "../../../incidents/incident-a.html"


def test_a_span_of_one_date_is_that_date() -> None:
    day = PartialDate(2021, 7, 18)
    assert fragments.span(day, None) == fragments.span(day, day) == fragments.when(day)
    assert fragments.when(day) == '<time datetime="2021-07-18">18 July 2021</time>'
    two = fragments.span(PartialDate(2019), PartialDate(2021, 7))
    assert two == ('<time datetime="2019">2019</time> – <time datetime="2021-07">July 2021</time>')


def test_badges_carry_the_value_as_class_and_its_label_as_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sarschema.site.strings import LABELS

    monkeypatch.setitem(LABELS["Status"], "infected", "Infected <b>")
    assert fragments.status_badge("infected") == (
        '<span class="badge status-infected">Infected &lt;b&gt;</span>'
    )
    assert fragments.type_badge("ResponseType", "denial") == (
        '<span class="badge type-denial">denial</span>'
    )


def _source(**fields: Any) -> SimpleNamespace:
    base: dict[str, Any] = {
        "title": "Report",
        "publisher": "Example Group",
        "published": PartialDate(2021, 7),
        "language": "en",
        "url": None,
        "archived_url": None,
        "translation_of": None,
        "notes": None,
    }
    return SimpleNamespace(**{**base, **fields})


def test_sources_write_every_part_a_source_has() -> None:
    original = SimpleNamespace(
        title=None,
        language="fr",
        publisher="Exemple Média",
        published=PartialDate(2021, 7, 18),
        url="https://example.org/fr",
    )
    record = SimpleNamespace(
        sources=[
            _source(notes="No address given."),
            _source(
                url="https://example.org/a",
                archived_url="https://archive.example/a",
                translation_of=original,
            ),
            _source(url="https://example.org/b", translation_of="https://example.org/orig"),
        ]
    )
    html = fragments.sources(record)
    assert isinstance(html, Markup)
    assert html == (
        '<section aria-labelledby="sources-h">\n<h2 id="sources-h">Sources</h2>\n'
        f'<p class="hint">{fragments.STRINGS["record_sources_intro"]}</p>\n'
        '<ol class="sources">\n'
        # no address: the words say so, and the notes follow
        '<li>\n<p class="source-title"><cite lang="en" dir="auto">Report</cite></p>\n'
        "<p>Published July 2021 by Example Group · Language: English</p>\n"
        '<p class="source-links">\nNo link recorded.</p>\n'
        '<p class="source-notes"><span class="label">Note:</span> No address given.</p></li>\n'
        # an address, an archived copy, and an original known by a mapping
        '<li>\n<p class="source-title"><cite lang="en" dir="auto">Report</cite></p>\n'
        "<p>Published July 2021 by Example Group · Language: English</p>\n"
        '<p class="source-links">\n'
        '<a href="https://example.org/a" rel="noopener noreferrer external">Read the source</a>'
        ' · <a href="https://archive.example/a" rel="noopener noreferrer external">'
        "Archived copy</a></p>\n"
        "<p>A translation of:\nthe original, Exemple Média, "
        '<time datetime="2021-07-18">18 July 2021</time> (French) · '
        '<a href="https://example.org/fr" rel="noopener noreferrer external">Read the source</a>'
        "</p>\n</li>\n"
        # an original known by its address only
        '<li>\n<p class="source-title"><cite lang="en" dir="auto">Report</cite></p>\n'
        "<p>Published July 2021 by Example Group · Language: English</p>\n"
        '<p class="source-links">\n'
        '<a href="https://example.org/b" rel="noopener noreferrer external">Read the source</a>'
        "</p>\n<p>A translation of:\n"
        '<a href="https://example.org/orig" rel="noopener noreferrer external">the original</a>'
        "\n</p>\n</li>\n"
        "</ol>\n</section>\n"
    )


def test_sources_translations_and_notes_escape_what_they_echo() -> None:
    original = SimpleNamespace(
        title=HOSTILE, language="fr", publisher=HOSTILE, published=None, url=None
    )
    record = SimpleNamespace(
        sources=[_source(title=HOSTILE, publisher=HOSTILE, notes=HOSTILE, translation_of=original)],
        translations={"fr": SimpleNamespace(title=HOSTILE, summary=HOSTILE)},
        notes=HOSTILE,
    )
    escaped = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#34;quoted&#34;"
    for html in (
        fragments.sources(record),
        fragments.translations(record),
        fragments.notes(record),
    ):
        assert "<script>" not in html
        assert escaped in html
        # the pieces' own markup stays markup: nothing is escaped twice
        assert "&lt;p" not in html and "&lt;li" not in html and "&amp;lt;" not in html
    assert fragments.sources(record).count(escaped) == 5  # title, publisher twice, notes


def test_a_record_without_translations_or_notes_has_no_such_section() -> None:
    record = SimpleNamespace(translations=None, notes=None)
    assert fragments.translations(record) == fragments.notes(record) == ""
    record = SimpleNamespace(translations={"ar": SimpleNamespace(title=None, summary="ملخص")})
    assert fragments.translations(record) == (
        '<section aria-labelledby="translations-h">\n<h2 id="translations-h">'
        f"{fragments.STRINGS['record_translations']}</h2>\n"
        '<div class="translation" lang="ar" dir="auto">\n'
        '<h3><span lang="en" dir="ltr">Arabic:</span> </h3>\n<p>ملخص</p></div>\n</section>\n'
    )


def test_response_and_incident_lines_link_and_escape() -> None:
    names = {("incident", "incident-a"): "x"}
    links = _links("../", names)
    response = SimpleNamespace(
        id="response-a", title=HOSTILE, type="denial", date=PartialDate(2021, 7, 19)
    )
    line = links.response_line(response, "about_target")
    assert line.startswith('<a href="../responses/response-a.html">&lt;script&gt;')
    assert line.endswith(
        '<time datetime="2021-07-19">19 July 2021</time>'
        f' <span class="why">({fragments.STRINGS["about_target"]})</span>'
    )
    listed = links.response_list([response])
    assert listed.startswith('<ul class="records">\n<li class="denial"><a href=')
    assert listed.endswith("</li>\n</ul>\n")
    assert links.response_list([]) == f"<p>{fragments.STRINGS['record_none']}</p>"
    incident = SimpleNamespace(
        id="incident-a",
        title=HOSTILE,
        status="infected",
        date=None,
        date_end=None,
        revealed=PartialDate(2021),
    )
    line = links.incident_line(incident, "alleged")
    assert "&lt;script&gt;" in line and "<script>" not in line
    assert '<span class="badge status-infected">' in line
    assert '<span class="attribution">' in line
    assert line.endswith(
        '<span class="revealed">'
        + fragments.STRINGS["timeline_revealed"].format(date="2021")
        + "</span>"
    )


def test_a_list_item_escapes_once_what_it_echoes() -> None:
    """Names, search text and filter values are a stranger's text; a country name
    with an apostrophe is escaped once, not twice."""
    names = {
        ("operator", "operator-a"): HOSTILE,
        ("target", "target-a"): HOSTILE,
        ("response", "response-a"): "Denial",
    }
    links = _links("<ROOT>", names)
    operator = SimpleNamespace(
        kind="operator", id="operator-a", type="law-enforcement", country="CI"
    )
    item = links.list_item(operator, {"country": ["CI"], "type": ["law-enforcement"]}, HOSTILE)
    assert item == (
        '<li data-country="CI" data-type="law-enforcement"'
        ' data-text="&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#34;quoted&#34;">\n'
        '<a href="<ROOT>operators/operator-a.html" dir="auto">'
        "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#34;quoted&#34;</a>\n"
        '<span class="meta">law enforcement · Côte d&#39;Ivoire</span>\n</li>'
    )
    target = SimpleNamespace(
        kind="target",
        id="target-a",
        roles=["journalist", SimpleNamespace(role="lawyer")],
        nationalities=["CI"],
    )
    item = links.list_item(target, {"role": ['a"b']}, "t")
    assert 'data-role="a&#34;b"' in item
    assert '<span class="meta">journalist, lawyer · Côte d&#39;Ivoire</span>' in item
    response = SimpleNamespace(
        kind="response", id="response-a", type="denial", date=PartialDate(2021, 7, 19)
    )
    item = links.list_item(response, {}, "denial")
    assert item.startswith('<li data-text="denial" class="denial">\n')
    assert item.endswith('<time datetime="2021-07-19">19 July 2021</time>\n</li>')


def test_a_timeline_row_says_what_and_when_and_draws_its_bars() -> None:
    from sarschema.site.timeline import Row, Span

    links = _links("", {})
    incident = SimpleNamespace(
        kind="incident",
        id="incident-a",
        title=HOSTILE,
        status="targeted",
        date=None,
        date_end=None,
        revealed=PartialDate(2021, 7),
    )
    row = links.timeline_row(Row(incident, None, Span(12.5, 3.0)))
    assert row == (
        '<li class="tl-row incident">\n<p class="tl-text">\n'
        '<span class="tl-kind">Incident</span>\n'
        '<a href="incidents/incident-a.html" dir="auto">'
        "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#34;quoted&#34;</a>"
        ' <span class="badge status-targeted">targeted</span>\n'
        f'<span class="tl-dates">{fragments.STRINGS["timeline_undated"]} · '
        f"{fragments.STRINGS['timeline_revealed'].format(date='')}"
        '<time datetime="2021-07">July 2021</time></span>\n</p>\n'
        '<svg class="track" viewBox="0 0 1000 12" preserveAspectRatio="none"'
        ' aria-hidden="true" focusable="false">\n'
        '<rect x="12.5" y="2" width="3.0" height="8" class="tl-revealed"'
        ' vector-effect="non-scaling-stroke"></rect></svg>\n</li>\n'
    )
    response = SimpleNamespace(
        kind="response", id="response-a", title="Denial", type="denial", date=PartialDate(2021)
    )
    row = links.timeline_row(Row(response, Span(0.0, 40.12), None))
    assert '<rect x="0.0" y="2" width="40.12" height="8" class="tl-response"></rect>' in row
    assert '<span class="tl-dates"><time datetime="2021">2021</time></span>' in row


URL = "https://example.org/a?x=1&y=\"2\"<'b'>"
URL_ESCAPED = "https://example.org/a?x=1&amp;y=&#34;2&#34;&lt;&#39;b&#39;&gt;"


def test_every_address_is_escaped_in_its_attribute() -> None:
    """An address may hold quotes and angle brackets and still be valid: in an
    attribute unescaped, it would end the attribute and start markup of its own."""
    original = SimpleNamespace(
        title="Original", language=None, publisher=None, published=None, url=URL
    )
    record = SimpleNamespace(
        sources=[
            _source(url=URL, archived_url=URL, translation_of=original),
            _source(url=URL, translation_of=URL),
        ]
    )
    html = fragments.sources(record)
    assert html.count(f'href="{URL_ESCAPED}"') == 5
    assert "<'b'>" not in html and '"2"' not in html
    # an original with a title and no language has no empty `lang`
    assert '<cite dir="auto">Original</cite> · <a href=' in html


def test_lines_of_an_incident_and_a_response_in_full() -> None:
    links = _links("../", {})
    response = SimpleNamespace(
        id="response-a", title="Denial", type="denial", date=PartialDate(2021, 7, 19)
    )
    assert links.response_line(response) == (
        '<a href="../responses/response-a.html">Denial</a>\n'
        '<span class="badge type-denial">denial</span> '
        '<time datetime="2021-07-19">19 July 2021</time>'
    )
    incident = SimpleNamespace(
        id="incident-a",
        title="Incident",
        status="infected",
        date=PartialDate(2019),
        date_end=PartialDate(2021, 7),
        revealed=PartialDate(2021),
    )
    assert links.incident_line(incident) == (
        '<a href="../incidents/incident-a.html">Incident</a>\n'
        '<span class="badge status-infected">infected</span> '
        '<time datetime="2019">2019</time> – <time datetime="2021-07">July 2021</time>'
    )


def test_an_incident_on_its_list_and_on_the_timeline_in_full() -> None:
    from sarschema.site.timeline import Row, Span

    names = {
        ("incident", "incident-a"): "Incident",
        ("target", "target-a"): "A & B",
        ("target", "target-b"): "C",
        ("operator", "operator-a"): "O'Neil",
    }
    links = _links("", names)
    incident = SimpleNamespace(
        kind="incident",
        id="incident-a",
        title="Incident",
        status="infected",
        date=PartialDate(2019),
        date_end=PartialDate(2021, 7),
        revealed=PartialDate(2021, 7, 18),
        targets=["target-a", "target-b"],
        alleged_operators=[SimpleNamespace(operator="operator-a", attribution="alleged")],
    )
    dates = '<time datetime="2019">2019</time> – <time datetime="2021-07">July 2021</time>'
    assert links.list_item(incident, {"status": ["infected"]}, "incident") == (
        '<li data-status="infected" data-text="incident">\n'
        '<a href="incidents/incident-a.html" dir="auto">Incident</a>\n'
        f'<span class="badge status-infected">infected</span>\n{dates}'
        '<span class="meta">A &amp; B, C · O&#39;Neil (alleged)</span>\n</li>'
    )
    row = links.timeline_row(Row(incident, Span(1.5, 2.25), Span(9.0, 3.0)))
    happened = fragments.STRINGS["timeline_happened"].format(date="")
    revealed = fragments.STRINGS["timeline_revealed"].format(date="")
    assert (
        f'<span class="tl-dates">{happened}{dates} · {revealed}'
        '<time datetime="2021-07-18">18 July 2021</time></span>'
    ) in row
    assert '<rect x="1.5" y="2" width="2.25" height="8" class="tl-event"></rect>' in row
    assert '<rect x="9.0" y="2" width="3.0" height="8" class="tl-revealed"' in row
