"""Sentences generated from a record's fields, never stronger than they are.

The lead of an incident page says what the sources say, at the record's status,
hedged as the sources hedge (`certainty`, new in 1.1), and names each operator with
its attribution level. Every word comes from `strings`.
"""

from __future__ import annotations

from typing import Any

from sarschema.site.index import Related, SiteIndex, label, plain
from sarschema.site.strings import DATE_FORMATS, MONTHS, STRINGS
from sarschema.types import PartialDate

#: How many target names a lead lists before "and N others".
LEAD_NAMES = 4


def date_text(date: PartialDate) -> str:
    """A partial date at its precision, never padded to a day.

    >>> date_text(PartialDate(2021, 7)), date_text(PartialDate(2016))
    ('July 2021', '2016')
    """
    month = MONTHS[date.month - 1] if date.month else ""
    return DATE_FORMATS[date.precision].format(year=date.year, month=month, day=date.day)


def span_text(start: PartialDate, end: PartialDate | None) -> str:
    """`start`, or the span from `start` to `end`."""
    if end is None or end == start:
        return date_text(start)
    return DATE_FORMATS["span"].format(start=date_text(start), end=date_text(end))


def enumerate_names(names: list[str]) -> str:
    """ "A", "A and B", "A, B and C"; past `LEAD_NAMES`, "A, B, C, D and 3 others"."""
    if len(names) > LEAD_NAMES:
        names = [*names[:LEAD_NAMES], STRINGS["lead_more"].format(n=len(names) - LEAD_NAMES)]
    if len(names) <= 1:
        return "".join(names)
    return STRINGS["lead_list_sep"].join(names[:-1]) + STRINGS["lead_and"] + names[-1]


def lead(incident: Any, index: SiteIndex, related: list[Related]) -> list[str]:
    """The sentences that open an incident page: what happened, as the sources word
    it; the operators they name, each with its attribution; and any denial among the
    responses the page lists (`related`, from `SiteIndex.incident_responses`)."""
    names = [index.name("target", t) for t in incident.targets]
    certainty = getattr(incident, "certainty", None)
    hedge = STRINGS[f"lead_hedge_{plain(certainty) if certainty else 'none'}"]
    number = "one" if len(names) == 1 else "many"
    what = STRINGS[f"lead_{plain(incident.status)}_{number}"].format(targets=enumerate_names(names))
    sentences = [STRINGS["lead_intro"] + hedge + what]
    alleged = incident.alleged_operators or ()
    if alleged:
        items = [
            STRINGS["lead_operator_item"].format(
                operator=index.name("operator", a.operator),
                attribution=label("Attribution", a.attribution),
            )
            for a in alleged
        ]
        sentences.append(STRINGS["lead_operators"].format(operators=enumerate_names(items)))
    else:
        sentences.append(STRINGS["lead_no_operator"])
    deniers = []
    for item in related:
        if plain(item.response.type) == "denial":
            deniers += [by_name(by, index) for by in item.response.by]
    if deniers:
        unique = list(dict.fromkeys(deniers))
        sentences.append(STRINGS["lead_denials"].format(names=enumerate_names(unique)))
    return sentences


def by_name(by: Any, index: SiteIndex) -> str:
    """The name of a response's responder."""
    for kind in ("operator", "target"):
        ref = getattr(by, kind, None)
        if ref is not None:
            return index.name(kind, ref)
    return str(by.name)
