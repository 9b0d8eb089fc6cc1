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
