"""The second pass: every record loaded, references resolved both ways.

Record pages show what points at them (the incidents of a target, the responses
about an operator), which no single record holds; this index is built once from
the whole valid set, after followthemoney's rule that references are resolved
after everything is loaded. It reads the models of any format version: fields new
in 1.1 are looked up with `getattr`, so a 1.0 set reads as one without them.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

from sarschema.site.strings import LABELS

KINDS = ("incident", "target", "operator", "response")
#: The folder of each kind's pages (`incidents/<id>.html`); also its list page's name.
FOLDERS = {kind: f"{kind}s" for kind in KINDS}

#: The filters of each list, in the order shown.
FACETS: dict[str, tuple[str, ...]] = {
    "incident": ("status", "operator", "country", "year", "role"),
    "target": ("role", "country", "status", "operator", "year"),
    "operator": ("type", "country"),
    "response": ("type", "operator", "country", "year"),
}

#: The evidence ladder's steps, lowest first (status `unknown` is off the ladder).
LADDER = ("selected", "targeted", "attempted", "infected")
_STATUS_ORDER = {**{step: n for n, step in enumerate(LADDER)}, "unknown": len(LADDER)}


def plain(value: Any) -> str:
    """An enum member or a string as its plain value."""
    return str(getattr(value, "value", value))


def fold(text: str) -> str:
    """Text as the search compares it: lower case, accents dropped, as `site.js` does
    (`lower`, not `casefold`, which JavaScript has not: "ß" stays "ß" in both), so
    that "Maati" finds "Maâti".

    >>> fold("Maâti Monjib")
    'maati monjib'
    """
    decomposed = unicodedata.normalize("NFKD", text.lower())
    if decomposed.isascii():  # no marks to drop
        return decomposed
    return decomposed.translate(_NO_MARKS)


class _NoMarks(dict[int, int | None]):
    """A `str.translate` table that drops marks (Unicode categories M*), filled on
    first use of each character: one pass in C instead of a call per character."""

    LIMIT = 1 << 16  # characters remembered; rarer ones are looked up each time

    def __missing__(self, code: int) -> int | None:
        out = None if unicodedata.category(chr(code)).startswith("M") else code
        if len(self) < self.LIMIT:
            self[code] = out
        return out


_NO_MARKS = _NoMarks()


def label(vocabulary: str, value: Any) -> str:
    """A vocabulary value as the site shows it (`strings.LABELS`)."""
    return LABELS[vocabulary][plain(value)]


@lru_cache(maxsize=1024)  # a page names a few of a few hundred codes, many times
def country_name(code: str) -> str:
    """An ISO 3166-1 alpha-2 code's short name (pycountry), Kosovo's user-assigned XK
    included."""
    import pycountry

    found = pycountry.countries.get(alpha_2=code)
    if found is None:
        return "Kosovo" if code == "XK" else code
    return str(getattr(found, "common_name", None) or found.name)


@lru_cache(maxsize=1024)  # a page names a few of a few hundred codes, many times
def language_name(code: str) -> str:
    """An ISO 639-1 code's English name (pycountry)."""
    import pycountry

    found = pycountry.languages.get(alpha_2=code)
    return str(found.name) if found is not None else code


def when(record: Any) -> dt.date:
    """The first day a record's main date covers: an incident's `date`, else its
    `revealed`; a response's `date`."""
    date = getattr(record, "date", None) or getattr(record, "revealed", None)
    return date.earliest() if date is not None else dt.date.min


def year_of(record: Any) -> str | None:
    date = getattr(record, "date", None) or getattr(record, "revealed", None)
    return str(date.year) if date is not None else None


def role_of(entry: Any) -> str:
    """A role of a 1.0 or 1.1 target (a 1.1 role may be held at a date)."""
    return plain(getattr(entry, "role", entry))


@dataclass
class Related:
    """A response and why it concerns the page it is shown on."""

    response: Any
    why: str  # a key of STRINGS: about_incident, about_target, ...


@dataclass
class SiteIndex:
    """The whole record set, by kind and id, with every reference followed back."""

    records: Sequence[Any]
    by_kind: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: product id -> (product, vendor's operator id)
    products: dict[str, tuple[Any, str]] = field(default_factory=dict)
    incidents_of_target: dict[str, list[Any]] = field(default_factory=lambda: defaultdict(list))
    incidents_of_operator: dict[str, list[tuple[Any, str]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    incidents_of_product: dict[str, list[Any]] = field(default_factory=lambda: defaultdict(list))
    #: (kind, id) -> responses whose `about` names it; kind is also "product"
    responses_about: dict[tuple[str, str], list[Any]] = field(
        default_factory=lambda: defaultdict(list)
    )
    #: (kind, id) -> responses whose `by` names it
    responses_by: dict[tuple[str, str], list[Any]] = field(
        default_factory=lambda: defaultdict(list)
    )
    children: dict[str, list[Any]] = field(default_factory=lambda: defaultdict(list))
    related_from: dict[str, list[tuple[Any, str]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    _facets: dict[tuple[str, str], dict[str, list[str]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_kind = {kind: {} for kind in KINDS}
        for record in self.records:
            self.by_kind[record.kind][record.id] = record
        for operator in self.sorted("operator"):
            for product in operator.products or ():
                self.products[product.id] = (product, operator.id)
            if operator.parent:
                self.children[operator.parent].append(operator)
        for incident in self.sorted("incident"):
            for target in incident.targets:
                self.incidents_of_target[target].append(incident)
            for alleged in incident.alleged_operators or ():
                self.incidents_of_operator[alleged.operator].append(
                    (incident, plain(alleged.attribution))
                )
            for product in incident.spyware or ():
                self.incidents_of_product[product].append(incident)
        for target in self.sorted("target"):
            for entry in target.related or ():
                other = getattr(entry, "target", None)
                if other is not None:
                    self.related_from[other].append((target, plain(entry.relation)))
        for response in self.sorted("response"):
            about = response.about
            for kind, ids in (
                ("incident", about.incidents),
                ("target", about.targets),
                ("operator", about.operators),
                ("product", getattr(about, "products", None)),
            ):
                for ref in dict.fromkeys(ids or ()):
                    self.responses_about[kind, ref].append(response)
            named = (
                (kind, getattr(by, kind, None))
                for by in response.by
                for kind in ("target", "operator")
            )
            # once each, in the order named (a check of the lists so far was quadratic)
            for kind, ref in dict.fromkeys(named):
                if ref is not None:
                    self.responses_by[kind, ref].append(response)

    def sorted(self, kind: str) -> list[Any]:
        """A kind's records in the order of its list page: incidents and responses by
        date (then id), targets and operators by name."""
        return self._sorted[kind]

    @cached_property
    def _sorted(self) -> dict[str, list[Any]]:
        out = {}
        for kind, records in self.by_kind.items():
            if kind in ("incident", "response"):
                out[kind] = sorted(records.values(), key=lambda r: (when(r), r.id))
            else:
                out[kind] = sorted(records.values(), key=lambda r: (fold(r.name), r.id))
        return out

    def get(self, kind: str, record_id: str) -> Any:
        return self.by_kind[kind][record_id]

    def name(self, kind: str, record_id: str) -> str:
        """How a record is named in links: a target's or operator's name, an incident's
        or response's title; a product's name."""
        if kind == "product":
            return str(self.products[record_id][0].name)
        record = self.by_kind[kind][record_id]
        return str(getattr(record, "name", None) or record.title)

    def counts(self) -> dict[str, int]:
        return {kind: len(records) for kind, records in self.by_kind.items()}

    # -- what concerns a record -------------------------------------------------

    def incident_responses(self, incident: Any) -> list[Related]:
        """Responses about the incident itself, a target of it, an operator alleged for
        it or the spyware named: the first reason found, once each, by date."""
        seen: dict[str, Related] = {}
        reasons: list[tuple[str, Iterable[str], str]] = [
            ("incident", [incident.id], "about_incident"),
            ("target", incident.targets, "about_target"),
            ("operator", [a.operator for a in incident.alleged_operators or ()], "about_operator"),
            ("product", incident.spyware or (), "about_product"),
        ]
        for kind, ids, why in reasons:
            for ref in ids:
                for response in self.responses_about.get((kind, ref), ()):
                    seen.setdefault(response.id, Related(response, why))
        return sorted(seen.values(), key=lambda r: (when(r.response), r.response.id))

    def operator_responses(self, related: list[Related], operator_id: str) -> list[Any]:
        """What an operator said that concerns an incident: its responses among those
        the incident page lists (`related`, from `incident_responses`)."""
        mine = {r.id for r in self.responses_by.get(("operator", operator_id), ())}
        return [r.response for r in related if r.response.id in mine]

    def target_responses(self, target_id: str) -> list[Any]:
        """Responses about the target or about an incident concerning them."""
        found = {r.id: r for r in self.responses_about.get(("target", target_id), ())}
        for incident in self.incidents_of_target.get(target_id, ()):
            for response in self.responses_about.get(("incident", incident.id), ()):
                found.setdefault(response.id, response)
        return sorted(found.values(), key=lambda r: (when(r), r.id))

    def operator_responses_about(self, operator: Any) -> list[Any]:
        found = {r.id: r for r in self.responses_about.get(("operator", operator.id), ())}
        for product in operator.products or ():
            for response in self.responses_about.get(("product", product.id), ()):
                found.setdefault(response.id, response)
        return sorted(found.values(), key=lambda r: (when(r), r.id))

    # -- filters ----------------------------------------------------------------

    def facets(self, record: Any) -> dict[str, list[str]]:
        """The filter values of a record on its list page (each a list: an incident may
        have several operators); worked out once per record (the overview counts them
        too)."""
        key = (record.kind, record.id)
        if key not in self._facets:
            self._facets[key] = self._facets_of(record)
        return self._facets[key]

    def _facets_of(self, record: Any) -> dict[str, list[str]]:
        kind = record.kind
        out: dict[str, list[str]]
        if kind == "incident":
            countries = [record.location] if record.location else []
            roles: list[str] = []
            for target_id in record.targets:
                target = self.by_kind["target"][target_id]
                countries += target.nationalities or ()
                roles += (role_of(r) for r in target.roles)
            out = {
                "status": [plain(record.status)],
                "operator": [a.operator for a in record.alleged_operators or ()],
                "country": countries,
                "year": [y for y in [year_of(record)] if y],
                "role": roles,
            }
        elif kind == "target":
            incidents = self.incidents_of_target.get(record.id, ())
            out = {
                "role": [role_of(r) for r in record.roles],
                "country": [*(record.nationalities or ()), *filter(None, [record.residence])],
                "status": [plain(i.status) for i in incidents],
                "operator": [a.operator for i in incidents for a in i.alleged_operators or ()],
                "year": [y for i in incidents for y in [year_of(i)] if y],
            }
        elif kind == "operator":
            out = {"type": [plain(record.type)], "country": [c for c in [record.country] if c]}
        else:
            operators = [b.operator for b in record.by if getattr(b, "operator", None)]
            operators += record.about.operators or ()
            countries = [b.country for b in record.by if getattr(b, "country", None)]
            for ref in operators:
                country = self.by_kind["operator"][ref].country
                if country:
                    countries.append(country)
            out = {
                "type": [plain(record.type)],
                "operator": operators,
                "country": countries,
                "year": [str(record.date.year)],
            }
        return {name: list(dict.fromkeys(values)) for name, values in out.items()}

    def facet_label(self, kind: str, facet: str, value: str) -> str:
        """How a filter value reads on a list of `kind`."""
        if facet == "type":
            return label("OperatorType" if kind == "operator" else "ResponseType", value)
        if facet == "status":
            return label("Status", value)
        if facet == "operator":
            return self.name("operator", value)
        if facet == "country":
            return country_name(value)
        if facet == "role":
            return label("Role", value)
        return value

    def search_text(self, record: Any) -> str:
        """What the search box looks through: names, aliases and titles, in every
        language given."""
        parts = [getattr(record, "name", None) or record.title, record.id]
        parts += getattr(record, "aliases", None) or ()
        for translation in (getattr(record, "translations", None) or {}).values():
            parts += [t for t in [translation.title] if t]
        if record.kind == "incident":
            parts += (self.name("target", t) for t in record.targets)
        return fold(" ".join(parts))
