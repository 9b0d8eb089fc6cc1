"""All records as one STIX 2.1 bundle, for CERTs and threat-intelligence platforms
(MISP, OpenCTI). `docs/stix-mapping.md` gives the mapping field by field, and what
is not carried; this module follows it.

The bundle is a function of the records alone, so an unchanged set re-exports to
the same bytes and a partner's platform updates its objects instead of adding
copies: every id is a UUIDv5 in `NAMESPACE` of a name made of record ids
(`incident--uuid5(NAMESPACE, "incident:<id>")`), `created` and `modified` come from
the dates of the record's sources (never the clock), and the objects are sorted by
id and written with sorted keys.

The bundle needs every record at once (a country or a spyware is shared by several
records, and the STIX type of a reference depends on the record referred to), so
the exporter keeps each record until `finalize`, in a file of a temporary folder
of its own, with in memory only what other records' objects need of it (`_Index`),
so memory stays flat however many records there are. `finalize` then maps the
records to objects, checks each against the `stix2` library's definition of its
type and writes it as stix2 writes it (`_checked`), in worker processes for a large
set; each process keeps the objects' texts in a file of its own in that folder
until all are written in id order (`_Bundle`). stix2's full check of every value
(0.17 ms an object, three quarters of a large export's time) runs in the tests, on
every bundle they make.
"""

from __future__ import annotations

import hashlib
import io
import marshal
import os
import shutil
import struct
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, partial
from operator import itemgetter
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from sarschema.errors import InternalError, UsageError
from sarschema.export.common import (
    BackgroundImport,
    Exporter,
    indented_json,
    records_version,
)
from sarschema.export.json import record_document

if TYPE_CHECKING:
    from sarschema.models import Record, RecordBase

#: The namespace of every id in the bundle; fixed, since changing it changes every id.
NAMESPACE = uuid.UUID("33d0958c-c4ea-45d3-8b04-129743120f91")

#: `attribution` -> the relationship's `confidence`: the Admiralty credibility scale
#: of STIX 2.1, Appendix A (1 confirmed by other sources 90, 2 probably true 70,
#: 3 possibly true 50, 4 doubtful 30).
CONFIDENCE = {"confirmed": 90, "high-confidence": 70, "reported": 50, "alleged": 30}

#: Operators that supply spyware rather than use it: an `identity`; any other
#: operator is a `threat-actor`.
SUPPLIERS = frozenset({"vendor", "broker"})
#: An operator's `type` -> `threat_actor_types`: a state and its organs are a
#: nation-state; a private company's type has no word in the vocabulary.
_ACTOR_TYPES = {
    "state": ["nation-state"],
    "government-agency": ["nation-state"],
    "intelligence-agency": ["nation-state"],
    "law-enforcement": ["nation-state"],
    "military": ["nation-state"],
    "unknown": ["unknown"],
}
_SECTORS = {
    "vendor": ["technology"],
    "ngo": ["non-profit"],
    "coalition": ["non-profit"],
    "government": ["government"],
    "prosecutor": ["government"],
    "court": ["government"],
}
#: A response's `type` -> the STIX object it becomes; any other type is a `note`.
RESPONSE_OBJECT = {
    "denial": "opinion",
    "acknowledgement": "opinion",
    "technical-report": "report",
    "criminal-investigation": "report",
    "parliamentary-inquiry": "report",
    "court-ruling": "report",
}
_OPINION = {"denial": "disagree", "acknowledgement": "agree"}
#: Forensic results that found the spyware itself, and so make a sighting.
_FOUND = frozenset({"infection-confirmed", "attempt-found"})

Doc = dict[str, Any]
Obj = dict[str, Any]


def stix_id(stix_type: str, name: str) -> str:
    """`<type>--<uuid5(NAMESPACE, name)>`, made as `uuid.uuid5` makes it (RFC 4122,
    section 4.3) without its `UUID` object: an export makes hundreds of thousands."""
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + name.encode("utf-8")).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # the RFC's variant
    h = digest.hex()
    return f"{stix_type}--{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


_NAMESPACE_BYTES = NAMESPACE.bytes


@cache
def _stamp(value: str) -> str:
    """A partial date's first day, as a STIX timestamp (`2021` is 2021-01-01)."""
    from sarschema.types import PartialDate

    return f"{PartialDate.parse(value).earliest().isoformat()}T00:00:00.000Z"


def _facts(*pairs: tuple[str, Any]) -> str:
    """Structured fields as `field: value` lines, in sarschema's own field names
    and values: the same in every language, so a translation keeps them."""
    lines = []
    for field, value in pairs:
        text = "; ".join(value) if isinstance(value, list) else value
        if text:
            lines.append(f"{field}: {text}")
    return "\n".join(lines)


def _text(*parts: str | None) -> str:
    return "\n\n".join(part.strip() for part in parts if part)


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _flag(value: bool | None) -> str | None:
    return None if value is None else str(value).lower()


def _compact(props: dict[str, Any]) -> dict[str, Any]:
    """Without absent values: STIX forbids empty lists and strings."""
    return {key: value for key, value in props.items() if value not in (None, [], "", {})}


#: The STIX types the mapping makes (docs/stix-mapping.md).
_TYPES = (
    "identity",
    "incident",
    "language-content",
    "location",
    "malware",
    "note",
    "opinion",
    "relationship",
    "report",
    "sighting",
    "threat-actor",
)

#: The kinds of record, in the order they are mapped.
KINDS = ("operator", "target", "incident", "response")


class _Index:
    """What a record's objects need of the other records: which are in the set, an
    operator's type (the STIX type of a reference to it), names, a target's
    visibility. Small, so it stays in memory while the records themselves do not."""

    def __init__(self) -> None:
        #: id -> (type, name, product ids...)
        self.operators: dict[str, tuple[str, ...]] = {}
        #: id -> (visibility, name)
        self.targets: dict[str, tuple[str, ...]] = {}
        self.incidents: set[str] = set()
        self.products: set[str] = set()

    @staticmethod
    def facts(doc: Doc) -> tuple[str, ...]:
        """What `add` keeps of a record."""
        if doc["kind"] == "operator":
            return (doc["type"], doc["name"], *(p["id"] for p in doc.get("products", [])))
        if doc["kind"] == "target":
            return (doc["visibility"], doc["name"])
        return ()

    def add(self, kind: str, ident: str, facts: tuple[str, ...]) -> None:
        """A record (a later record of the same id replaces it)."""
        if kind == "operator":
            self.operators[ident] = facts
        elif kind == "target":
            self.targets[ident] = facts
        elif kind == "incident":
            self.incidents.add(ident)

    def complete(self) -> None:
        """Once every record is added."""
        self.products = {p for facts in self.operators.values() for p in facts[2:]}


class _Mapper:
    """The objects of records, as plain STIX data, from their plain data and what
    they need of the other records (`_Index`). An object several records contribute
    to is left in `shared`, to be merged once all are mapped (`_merge`)."""

    def __init__(self, index: _Index, version: str) -> None:
        self.index = index
        self.version = version
        self.out: list[Obj] = []
        self.shared: dict[str, list[Obj]] = {}

    def add(self, doc: Doc) -> None:
        {
            "operator": self.add_operator,
            "target": self.add_target,
            "incident": self.add_incident,
            "response": self.add_response,
        }[doc["kind"]](doc)

    # -- references (None: a record that is not in the set) ---------------------

    def operator(self, ident: str) -> str | None:
        facts = self.index.operators.get(ident)
        if facts is None:
            return None
        kind = "identity" if facts[0] in SUPPLIERS else "threat-actor"
        return stix_id(kind, f"operator:{ident}")

    def target(self, ident: str) -> str | None:
        known = ident in self.index.targets
        return stix_id("identity", f"target:{ident}") if known else None

    def incident(self, ident: str) -> str | None:
        known = ident in self.index.incidents
        return stix_id("incident", f"incident:{ident}") if known else None

    def product(self, ident: str) -> str | None:
        return stix_id("malware", f"product:{ident}") if ident in self.index.products else None

    def public(self, ident: str) -> bool:
        facts = self.index.targets.get(ident)
        return facts is not None and facts[0] == "public"

    # -- what every record's object has ------------------------------------------

    @staticmethod
    def stamps(doc: Doc) -> dict[str, str]:
        """`created` and `modified`: the first and the last day on which the sources
        were published."""
        days = sorted(_stamp(source["published"]) for source in doc["sources"])
        return {"created": days[0], "modified": days[-1]}

    def references(self, doc: Doc, what: str, ident: str) -> list[Obj]:
        """The record itself, then each source (its archived copy after it)."""
        refs: list[Obj] = [
            {
                "source_name": "sarschema",
                "external_id": ident,
                "description": f"sarschema {what}, format {self.version}",
            }
        ]
        for source in doc["sources"]:
            about = f"{source['title']} ({source['published']}, {source['language']})"
            original = source.get("translation_of")
            if isinstance(original, str):
                about += f"; translation of {original}"
            elif original:
                keys = ("title", "publisher", "published", "language", "url")
                about += "; translation of: " + ", ".join(
                    f"{key} {original[key]}" for key in keys if key in original
                )
            ref = {"source_name": source["publisher"], "description": about}
            refs.append({**ref, "url": source["url"]} if "url" in source else ref)
            if "archived_url" in source:
                archived = f"archived copy of {about}"
                refs.append({**ref, "description": archived, "url": source["archived_url"]})
        return refs

    def record_object(self, doc: Doc, stix_type: str, **props: Any) -> Obj:
        """The record's own object; its `notes` become a `note` about it."""
        kind, ident = doc["kind"], doc["id"]
        obj = {
            "type": stix_type,
            "id": stix_id(stix_type, f"{kind}:{ident}"),
            **self.stamps(doc),
            "external_references": self.references(doc, kind, ident),
            **_compact(props),
        }
        self.emit(obj)
        if "notes" in doc and not (kind == "target" and doc["visibility"] != "public"):
            self.emit(
                {
                    "type": "note",
                    "id": stix_id("note", f"notes:{ident}"),
                    **self.stamps(doc),
                    "abstract": f"Notes of the sarschema {kind} {ident}",
                    "content": doc["notes"].strip(),
                    "object_refs": [obj["id"]],
                    "labels": ["record-notes"],
                }
            )
        return obj

    def emit(self, obj: Obj) -> None:
        self.out.append(obj)

    def relate(
        self, source: str, kind: str, target: str, stamps: dict[str, str], **props: Any
    ) -> Obj:
        rel = {
            "type": "relationship",
            "id": stix_id("relationship", f"relationship:{source}:{kind}:{target}"),
            **stamps,
            "relationship_type": kind,
            "source_ref": source,
            "target_ref": target,
            **_compact(props),
        }
        self.emit(rel)
        return rel

    def translate(self, doc: Doc, obj: Obj, fields: dict[str, Callable[[Doc], str | None]]) -> None:
        """`translations` as one `language-content` object: `fields` makes each
        translated property from a translation (None: it lacks what the property
        needs)."""
        contents = {}
        for language, translation in sorted(doc.get("translations", {}).items()):
            texts = _compact({prop: make(translation) for prop, make in fields.items()})
            if texts:
                contents[language] = texts
        if contents:
            self.emit(
                {
                    "type": "language-content",
                    "id": stix_id("language-content", f"translations:{doc['id']}"),
                    **self.stamps(doc),
                    "object_ref": obj["id"],
                    "object_modified": obj["modified"],
                    "contents": contents,
                }
            )

    def share(self, obj: Obj) -> str:
        self.shared.setdefault(obj["id"], []).append(obj)
        return str(obj["id"])

    def country(self, code: str, stamps: dict[str, str]) -> str:
        import pycountry

        found = pycountry.countries.get(alpha_2=code)
        name = "Kosovo" if found is None else getattr(found, "common_name", found.name)
        ident = stix_id("location", f"country:{code}")
        return self.share(
            {"type": "location", "id": ident, **stamps, "name": name, "country": code}
        )

    # -- the four kinds -----------------------------------------------------------

    def add_operator(self, doc: Doc) -> None:
        kind, products = doc["type"], doc.get("products", [])
        facts = [
            ("type", kind),
            ("country", doc.get("country")),
            ("parent", doc.get("parent")),
            ("products", [f"{p['name']} ({p['id']})" for p in products]),
        ]
        labels = [f"operator-type:{kind}"]
        if kind in SUPPLIERS:
            obj = self.record_object(
                doc,
                "identity",
                name=doc["name"],
                identity_class="organization",
                sectors=_SECTORS.get(kind),
                # an identity has no `aliases`
                description=_facts(*facts, ("aliases", doc.get("aliases"))),
                labels=labels,
            )
        else:
            obj = self.record_object(
                doc,
                "threat-actor",
                name=doc["name"],
                aliases=doc.get("aliases"),
                threat_actor_types=_ACTOR_TYPES.get(kind),
                description=_facts(*facts),
                labels=labels,
            )
        stamps = self.stamps(doc)
        if "country" in doc:
            self.relate(obj["id"], "located-at", self.country(doc["country"], stamps), stamps)
        parent = self.operator(doc.get("parent", ""))
        if parent is not None:
            self.relate(
                obj["id"],
                "related-to",
                parent,
                stamps,
                description="sarschema parent: the target is the source's parent",
            )
        for product in products:
            refs = self.references(doc, "product", product["id"])
            refs[0]["description"] += f", a product of the operator {doc['id']}"
            malware = {
                "type": "malware",
                "id": stix_id("malware", f"product:{product['id']}"),
                **stamps,
                "name": product["name"],
                "is_family": True,
                "malware_types": ["spyware"],
                "description": _facts(("vendor", f"{doc['name']} ({doc['id']})")),
                "external_references": refs,
            }
            self.emit(malware)
            self.relate(
                obj["id"],
                "related-to",
                malware["id"],
                stamps,
                description="sarschema products: the target is a product of the source",
            )

    def add_target(self, doc: Doc) -> None:
        kind = "individual" if doc["type"] == "person" else "organization"
        visibility = doc["visibility"]
        if visibility != "public":
            # The pseudonym, and nothing else that could lead back to the person.
            self.record_object(
                doc,
                "identity",
                name=doc["name"],
                identity_class=kind,
                description="The name is a pseudonym; nothing else of the record is exported.",
                labels=[f"visibility:{visibility}"],
            )
            return
        roles, described = [], []
        for role in doc["roles"]:
            if isinstance(role, str):
                roles.append(role)
                described.append(role)
            else:  # a held role: performed now only when `current`
                described.append(f"{role['role']} ({role['held']}, as of {role['as_of']})")
                if role["held"] == "current":
                    roles.append(role["role"])
        links: dict[str, list[str]] = {}
        related = []
        for link in doc.get("related", []):
            if "name" in link:
                related.append(f"{link['name']} ({link['relation']})")
            elif self.public(link["target"]):  # a pseudonym is never linked to a name
                name = self.index.targets[link["target"]][1]
                related.append(f"{name} ({link['relation']})")
                links.setdefault(link["target"], []).append(link["relation"])
        obj = self.record_object(
            doc,
            "identity",
            name=doc["name"],
            identity_class=kind,
            roles=_unique(roles),
            description=_facts(
                ("type", doc["type"]),
                ("roles", described),
                ("aliases", doc.get("aliases")),
                ("nationalities", doc.get("nationalities")),
                ("residence", doc.get("residence")),
                ("exiled", _flag(doc.get("exiled"))),
                ("affiliations", doc.get("affiliations")),
                ("related", related),
            ),
            labels=[f"visibility:{visibility}"],
        )
        for other, relations in links.items():
            self.relate(
                obj["id"],
                "related-to",
                stix_id("identity", f"target:{other}"),
                self.stamps(doc),
                description="sarschema related: the target is the source's "
                + ", ".join(_unique(relations)),
            )

    def add_incident(self, doc: Doc) -> None:
        analyses = [
            ", ".join(
                [f"{a['by']}: {a['result']}"]
                + [a[key] for key in ("date", "method") if key in a]
                + ([f"peer review: {a['peer_review']}"] if "peer_review" in a else [])
            )
            for a in doc.get("forensic_analyses", [])
        ]
        operators = {o["operator"]: o["attribution"] for o in doc.get("alleged_operators", [])}
        facts = _facts(
            ("date", doc.get("date")),
            ("date_end", doc.get("date_end")),
            ("revealed", doc.get("revealed")),
            ("status", doc["status"]),
            ("certainty", doc.get("certainty")),
            ("evidence", doc["evidence"]),
            ("forensic_analyses", analyses),
            ("alleged_operators", [f"{o} ({a})" for o, a in operators.items()]),
            ("vectors", doc.get("vectors")),
            ("platforms", doc.get("platforms")),
            ("location", doc.get("location")),
        )
        labels = [f"status:{doc['status']}"]
        labels += [f"certainty:{doc['certainty']}"] if "certainty" in doc else []
        labels += [f"evidence:{e}" for e in doc["evidence"]]
        labels += [f"vector:{v}" for v in doc.get("vectors", [])]
        labels += [f"platform:{p}" for p in doc.get("platforms", [])]
        obj = self.record_object(
            doc,
            "incident",
            name=doc["title"],
            description=_text(doc["summary"], facts),
            labels=_unique(labels),
        )
        self.translate(
            doc,
            obj,
            {
                "name": lambda t: t.get("title"),
                "description": lambda t: _text(t["summary"], facts) if "summary" in t else None,
            },
        )
        stamps = self.stamps(doc)
        targets = [t for t in map(self.target, _unique(doc["targets"])) if t]
        spyware = [p for p in map(self.product, _unique(doc.get("spyware", []))) if p]
        for target in targets:
            self.relate(obj["id"], "targets", target, stamps)
        for malware in spyware:
            self.relate(obj["id"], "uses", malware, stamps)
        for ident, attribution in operators.items():
            operator = self.operator(ident)
            if operator is None:
                continue
            confidence = CONFIDENCE[attribution]
            self.relate(
                obj["id"],
                "attributed-to",
                operator,
                stamps,
                confidence=confidence,
                description=f"sarschema attribution: {attribution}",
            )
            if operator.startswith("threat-actor--"):
                for malware in spyware:
                    self.share(
                        {
                            "type": "relationship",
                            "id": stix_id(
                                "relationship", f"relationship:{operator}:uses:{malware}"
                            ),
                            **stamps,
                            "relationship_type": "uses",
                            "source_ref": operator,
                            "target_ref": malware,
                            "confidence": confidence,
                            "description": f"{doc['id']} ({attribution})",
                        }
                    )
        found = [a for a in doc.get("forensic_analyses", []) if a["result"] in _FOUND]
        if found and len(targets) == 1:
            # Whose device an analysis examined is known only when there is one target.
            seen: dict[str, str] = {}
            if "date" in doc:
                seen = {
                    "first_seen": _stamp(doc["date"]),
                    "last_seen": _stamp(doc.get("date_end") or doc["date"]),
                }
            for malware in spyware:
                self.emit(
                    {
                        "type": "sighting",
                        "id": stix_id("sighting", f"sighting:{doc['id']}:{malware}"),
                        **stamps,
                        **seen,
                        "count": 1,
                        "sighting_of_ref": malware,
                        "where_sighted_refs": targets,
                        "description": _facts(
                            ("incident", doc["id"]), ("forensic_analyses", analyses)
                        ),
                    }
                )

    def add_response(self, doc: Doc) -> None:
        about = doc["about"]
        refs = [
            *(self.incident(i) for i in about.get("incidents", [])),
            *(self.target(t) for t in about.get("targets", [])),
            *(self.operator(o) for o in about.get("operators", [])),
            *(self.product(p) for p in about.get("products", [])),
        ]
        authors, by = [], []
        for entry in doc["by"]:
            if "name" in entry:
                authors.append(entry["name"])
                detail = ", ".join(x for x in (entry["type"], entry.get("country")) if x)
                by.append(f"{entry['name']} ({detail})")
            else:
                kind = "operator" if "operator" in entry else "target"
                known = (self.index.operators if kind == "operator" else self.index.targets).get(
                    entry[kind]
                )
                if known is not None:
                    authors.append(known[1])
                by.append(f"{known[1] if known else entry[kind]} ({kind} {entry[kind]})")
        # STIX needs a reference; when `about` names no record, the responders are
        # the only ones named.
        object_refs = _unique(r for r in refs if r) or self.responders(doc)
        if not object_refs:
            raise UsageError(
                f"response {doc['id']}: none of the records it names is among those exported"
            )
        kind = doc["type"]
        facts = _facts(
            ("type", kind),
            ("date", doc["date"]),
            ("by", by),
            ("subjects", about.get("subjects")),
            ("demands", [d.strip() for d in doc.get("demands", [])]),
            ("status", doc.get("status")),
        )
        labels = [f"response-type:{kind}"]
        labels += [f"legal-status:{doc['status']}"] if "status" in doc else []
        labels += [f"subject:{s}" for s in about.get("subjects", [])]
        stix_type = RESPONSE_OBJECT.get(kind, "note")
        common = {"object_refs": object_refs, "labels": labels}
        fields: dict[str, Callable[[Doc], str | None]]
        if stix_type == "opinion":
            obj = self.record_object(
                doc,
                "opinion",
                opinion=_OPINION[kind],
                explanation=_text(doc["title"], doc["summary"], facts),
                authors=_unique(authors),
                **common,
            )
            fields = {
                "explanation": lambda t: (
                    _text(t["title"], t["summary"], facts)
                    if "title" in t and "summary" in t
                    else None
                )
            }
        elif stix_type == "report":
            obj = self.record_object(
                doc,
                "report",
                name=doc["title"],
                description=_text(doc["summary"], facts),
                published=_stamp(doc["date"]),
                report_types=["threat-report"] if kind == "technical-report" else None,
                **common,
            )
            fields = {
                "name": lambda t: t.get("title"),
                "description": lambda t: _text(t["summary"], facts) if "summary" in t else None,
            }
        else:
            obj = self.record_object(
                doc,
                "note",
                abstract=doc["title"],
                content=_text(doc["summary"], facts),
                authors=_unique(authors),
                **common,
            )
            fields = {
                "abstract": lambda t: t.get("title"),
                "content": lambda t: _text(t["summary"], facts) if "summary" in t else None,
            }
        self.translate(doc, obj, fields)

    def responders(self, doc: Doc) -> list[str]:
        """The objects of a response's responders: an operator's or a target's, or an
        identity shared by every response naming the same responder."""
        refs = []
        for entry in doc["by"]:
            if "operator" in entry:
                refs.append(self.operator(entry["operator"]))
            elif "target" in entry:
                refs.append(self.target(entry["target"]))
            else:
                kind, country = entry["type"], entry.get("country")
                identity = {
                    "type": "identity",
                    "id": stix_id("identity", f"responder:{kind}:{country or ''}:{entry['name']}"),
                    **self.stamps(doc),
                    "name": entry["name"],
                    "identity_class": "individual" if kind == "individual" else "organization",
                    **_compact(
                        {
                            "sectors": _SECTORS.get(kind),
                            "description": _facts(("type", kind), ("country", country)),
                        }
                    ),
                }
                refs.append(self.share(identity))
        return _unique(r for r in refs if r)


def _merge(versions: list[Obj]) -> Obj:
    """One object several records contribute to: created by the first of them,
    modified by the last; a `uses` relationship keeps the highest confidence and
    lists the incidents it comes from."""
    merged = {
        **versions[0],
        "created": min(v["created"] for v in versions),
        "modified": max(v["modified"] for v in versions),
    }
    if merged["type"] == "relationship":
        merged["confidence"] = max(v["confidence"] for v in versions)
        incidents = sorted({v["description"] for v in versions})
        merged["description"] = "sarschema incidents naming the operator and the spyware: " + (
            "; ".join(incidents)
        )
    return merged


#: Below this many records, worker processes cost more than they save.
PARALLEL_MIN_RECORDS = 400
#: Records (or merged objects) per task, at the least (see `_Bundle.TASKS`): small
#: enough for the processes to finish together.
CHUNK = 200
#: Tasks sent ahead of the one awaited: enough to keep the workers busy.
AHEAD = 16

#: A record as the bundle keeps it: kind, id, `_Index.facts`, its plain data marshalled.
Entry = tuple[str, str, tuple[str, ...], bytes]
#: A checked object: id, its text in the bundle.
Checked = tuple[str, bytes]


def _entry(doc: Doc) -> Entry:
    # marshal: plain data only (reading it back can make no other object, so it
    # runs no code, whatever the bytes), any text held, unpaired surrogates
    # included; 11 µs a record to write and read back, against 20 µs for JSON.
    return doc["kind"], doc["id"], _Index.facts(doc), marshal.dumps(doc)


def _prepare(record: Record) -> Entry:
    """`StixExporter.prepare`, in the worker processes: bytes are cheap to send."""
    return _entry(record_document(record))


@dataclass(frozen=True, slots=True)
class _Shape:
    """What the stix2 library defines for one STIX type: the properties it has, those
    it requires, and the precision of each timestamp property."""

    name: str
    allowed: frozenset[str]
    required: frozenset[str]
    #: timestamp property -> stix2's property, and its precision and constraint
    stamps: dict[str, tuple[Any, str, str]]


@cache
def _shape(stix_type: str) -> _Shape:
    """The stix2 library's own definition of a STIX 2.1 type (an unknown type is a
    mapping bug)."""
    from stix2.properties import TimestampProperty  # type: ignore[import-untyped]
    from stix2.registry import class_for_type  # type: ignore[import-untyped]

    found = class_for_type(stix_type, "2.1") if isinstance(stix_type, str) else None
    if found is None:
        raise InternalError(f"STIX 2.1 has no object type {stix_type!r}")
    props = found._properties
    return _Shape(
        found.__name__,
        frozenset(props),
        frozenset(name for name, prop in props.items() if prop.required),
        {
            name: (prop, str(prop.precision), str(prop.precision_constraint))
            for name, prop in props.items()
            if isinstance(prop, TimestampProperty)
        },
    )


@cache
def _reference_shape() -> _Shape:
    from stix2.v21 import ExternalReference  # type: ignore[import-untyped]

    props = ExternalReference._properties
    required = frozenset(name for name, prop in props.items() if prop.required)
    return _Shape("ExternalReference", frozenset(props), required, {})


#: (precision, constraint, timestamp) -> the timestamp as stix2 writes it
_STAMPS: dict[tuple[str, str, str], str] = {}


def _stamp_as_stix2(stamp: tuple[Any, str, str], value: str) -> str:
    """A timestamp as stix2 writes it for a property of its precision (`2021-01-01T
    00:00:00Z` where any precision goes, `.000Z` where milliseconds are due), by
    stix2's own parsing and formatting: few distinct dates, so each is done once."""
    prop, precision, constraint = stamp
    known = _STAMPS.get((precision, constraint, value))
    if known is None:
        from stix2.serialization import format_datetime  # type: ignore[import-untyped]

        known = str(format_datetime(prop.clean(value, False)[0]))
        _STAMPS[precision, constraint, value] = known
    return known


def _refused(obj: Obj, why: str) -> InternalError:
    return InternalError(f"the STIX object {obj.get('id')} is not valid: {why}")


def _as_stix2_writes_it(obj: Obj) -> Obj:
    """The object as the stix2 library would make and write it, with a check of its
    properties by stix2's own definitions (known to its type, the required ones
    there): `spec_version` added, timestamps in the precision stix2 gives each
    property. What stix2 would check further of each value (0.17 ms an object, three
    quarters of a large export's time) the tests check instead: every bundle they
    make is compared, byte for byte, with stix2's own parsing and writing of it."""
    shape = _shape(obj.get("type"))
    written = {**obj, "spec_version": "2.1"}
    if not shape.allowed.issuperset(written):
        unexpected = ", ".join(sorted(written.keys() - shape.allowed))
        raise _refused(obj, f"Unexpected properties for {shape.name}: ({unexpected})")
    if not written.keys() >= shape.required:
        missing = ", ".join(sorted(shape.required - written.keys()))
        raise _refused(obj, f"No values for required properties for {shape.name}: ({missing})")
    for name, stamp in shape.stamps.items():
        if name not in written:
            continue
        try:
            written[name] = _stamp_as_stix2(stamp, written[name])
        except Exception as exc:  # stix2 raises its own and ValueError alike
            raise _refused(obj, f"{name}: {exc}") from exc
    references = _reference_shape()
    for reference in written.get("external_references", ()):
        if not isinstance(reference, dict) or not reference.keys() >= references.required:
            raise _refused(obj, f"an external reference without a source_name: {reference!r}")
        if not references.allowed.issuperset(reference):
            raise _refused(obj, f"unexpected properties for ExternalReference: {reference!r}")
    return written


def _checked(obj: Obj) -> Checked:
    """The object checked (`_as_stix2_writes_it`; an invalid one is a bug here) and
    written as stix2 writes it, indented as an object of the bundle: stix2's
    `Bundle.serialize(sort_keys=True, indent=2, ensure_ascii=False)` writes the same
    text at that depth."""
    text = "    " + indented_json(_as_stix2_writes_it(obj), "    ", sort_keys=True)
    return obj["id"], text.encode("utf-8")


class _Work:
    """What worker processes do (or this process, for a small set): map records to
    objects, check and write them; most of an export's own time, so it is shared
    between processes. Each process reads the records from the bundle's spool and
    writes the objects to a spool of its own, in the bundle's folder: only where
    they are goes back to the bundle, not the objects themselves (which were about
    a sixth of the export's own time to send back and store again)."""

    def __init__(self, folder: Path, index: _Index, version: str) -> None:
        self.folder = folder
        self.index = index
        self.version = version
        #: the process that opened `spools` (a forked worker opens its own)
        self.pid = 0
        self.spools: tuple[_Spool, _Spool] | None = None

    def _spools(self) -> tuple[_Spool, _Spool]:
        """(the records, this process's objects)."""
        if self.spools is None or self.pid != os.getpid():
            self.pid = os.getpid()
            records = _Spool(self.folder / _RECORDS, new=False)
            self.spools = records, _Spool(self.folder / f"objects-{self.pid}")
        return self.spools

    def map(self, places: list[tuple[int, int]]) -> tuple[Placed, dict[str, list[Obj]]]:
        """The objects of the records at `places` in the spool, checked and written,
        and their versions of shared objects."""
        records, _ = self._spools()
        mapper = _Mapper(self.index, self.version)
        for data in records.read_all(places):
            mapper.add(marshal.loads(data))
        return self.check(mapper.out), mapper.shared

    def check(self, objects: list[Obj]) -> Placed:
        """`objects` checked and written to this process's spool."""
        return _write(self._spools()[1], map(_checked, objects))

    def close(self) -> None:
        if self.spools is not None and self.pid == os.getpid():
            for spool in self.spools:
                spool.close()
        self.spools = None


#: In a spool of objects, each object packed: the two sizes (`_SIZES`), then the id
#: and the text. Where a `_Work` put its objects: the spool's name in the bundle's
#: folder, and for each bucket the (start, size) of its objects there.
Placed = tuple[str, dict[str, tuple[int, int]]]
_SIZES = struct.Struct("<II")
#: The records' spool in the bundle's folder.
_RECORDS = "records"


def _bucket(ident: str) -> str:
    """An id's type and the first two digits of its UUID (`note--3f`): the buckets'
    order, then the order of the ids within each, is the order of all ids. A bucket
    is read back in as many parts as tasks wrote to it (`_Bundle.TASKS`); with one
    digit, fewer parts, but buckets 16 times as large took longer to join, sort and
    write than the parts saved."""
    cut = ident.find("--")
    if cut < 0:
        raise InternalError(f"the STIX id {ident!r} has no type")
    return ident[: cut + 4]


def _tasks(places: list[tuple[int, int]], size: int, most: int) -> Iterator[list[tuple[int, int]]]:
    """`places` cut into tasks of `size` places, each cut short where its records would
    be more than `most` bytes (a task has one record at least)."""
    task: list[tuple[int, int]] = []
    held = 0
    for where in places:
        if task and (len(task) == size or held + where[1] > most):
            yield task
            task, held = [], 0
        task.append(where)
        held += where[1]
    if task:
        yield task


def _write(spool: _Spool, checked: Iterable[Checked]) -> Placed:
    """Objects written to `spool`, bucket after bucket (`_bucket`); where each
    bucket's part went."""
    buckets: dict[str, list[bytes]] = {}
    for ident, text in checked:
        name = ident.encode("utf-8")
        packed = b"".join((_SIZES.pack(len(name), len(text)), name, text))
        buckets.setdefault(_bucket(ident), []).append(packed)
    placed = {}
    for key, parts in buckets.items():
        blob = b"".join(parts)
        placed[key] = (spool.add(blob), len(blob))
    spool.flush()  # for the bundle to read
    return spool.path.name, placed


def _unpacked(blob: bytes) -> list[tuple[bytes, bytes]]:
    out = []
    at, end, head = 0, len(blob), _SIZES.size
    while at < end:
        a, b = _SIZES.unpack_from(blob, at)
        at += head
        out.append((blob[at : at + a], blob[at + a : at + a + b]))
        at += a + b
    return out


_WORK: _Work | None = None


def _start_worker(work: _Work) -> None:
    """A worker process's work; its cycle collector eased as in `sarschema.runner`
    (what it inherited is never traversed, and stix2 makes many short-lived
    objects): 15% of the check's time."""
    from sarschema.runner import collector_eased_for_good

    global _WORK
    _WORK = work
    collector_eased_for_good()


def _in_worker(method: str, chunk: list[Any]) -> Any:
    if _WORK is None:
        raise InternalError("a STIX worker process was not started")
    return getattr(_WORK, method)(chunk)


@contextmanager
def _pool(work: _Work, jobs: int) -> Iterator[ProcessPoolExecutor | None]:
    """Worker processes, forked where possible (as `sarschema.runner`); None for one."""
    if jobs <= 1:
        yield None
        return
    from sarschema.runner import process_context

    pool = ProcessPoolExecutor(
        jobs, mp_context=process_context(), initializer=_start_worker, initargs=(work,)
    )
    try:
        yield pool
    finally:  # after an error, the tasks sent ahead are dropped, not awaited
        pool.shutdown(cancel_futures=True)


def _in_order(
    work: _Work, method: str, chunks: Iterable[list[Any]], pool: ProcessPoolExecutor | None
) -> Iterator[Any]:
    """`work.<method>(chunk)` for each chunk, in order (so the bundle does not depend
    on the processes): in `pool` a few chunks ahead, not all at once, so that memory
    stays flat."""
    if pool is None:
        for chunk in chunks:
            yield getattr(work, method)(chunk)
        return
    from sarschema.runner import in_order

    yield from in_order(pool, partial(_in_worker, method), chunks, ahead=AHEAD)


#: `os.pread` where the system has it (not on Windows).
_PREAD: Callable[[int, int, int], bytes] | None = getattr(os, "pread", None)


class _Spool:
    """Bytes appended to a file of the bundle's own temporary folder, through a
    buffer: what a large set would otherwise hold in memory. Another process may
    open the same file to read what was flushed (`new=False`)."""

    #: Bytes held before they are written.
    BUFFER = 1 << 20

    def __init__(self, path: Path, *, new: bool = True) -> None:
        self.path = path
        # "x": never a file that is there already
        self.file = path.open("xb+" if new else "rb")
        self.size = 0  # written through this spool (none, read-only)
        self.buffer: list[bytes] = []
        self.buffered = 0

    def add(self, data: bytes) -> int:
        """Appends `data`; returns where it starts."""
        self.buffer.append(data)
        self.buffered += len(data)
        if self.buffered >= self.BUFFER:
            self.flush()
        return self.size + self.buffered - len(data)

    def flush(self) -> None:
        if self.buffer:
            self.file.seek(self.size)
            self.file.write(b"".join(self.buffer))
            self.file.flush()
            self.size += self.buffered
            self.buffer.clear()
            self.buffered = 0

    def read(self, start: int, size: int) -> bytes:
        self.flush()
        if _PREAD is not None:  # one call instead of a seek and a read (a third the time)
            data = _PREAD(self.file.fileno(), size, start)
        else:
            self.file.seek(start)
            data = self.file.read(size)
        if len(data) != size:
            raise InternalError(f"{self.path.name}: {len(data)} bytes read of {size}")
        return data

    def read_all(self, places: list[tuple[int, int]]) -> list[bytes]:
        """The data at each (start, size): in one read where they lie close together
        (records of a kind, added one after the other), which saves a seek and a
        read for each."""
        if not places:
            return []
        low = min(start for start, _ in places)
        high = max(start + size for start, size in places)
        if high - low > 2 * sum(size for _, size in places):
            return [self.read(*where) for where in places]
        span = memoryview(self.read(low, high - low))
        return [span[start - low : start - low + size].tobytes() for start, size in places]

    def close(self) -> None:
        self.file.close()


class _Bundle:
    """The bundle in the making, in a temporary folder of its own. Records wait
    marshalled in a `_Spool`, with what other records need of them in an `_Index`;
    once all are in, their objects are made and checked (in worker processes for a
    large set), each process writing them to a spool of its own, bucket by bucket
    (`_bucket`). Each bucket is then read whole from its parts, sorted and written:
    no object is read on its own, and memory holds the index, where each record and
    each bucket's part is, the objects several records share, and one bucket."""

    #: Tasks a large set's records are cut into (a bucket is read back in as many
    #: parts), unless a task would then have fewer than `CHUNK` records or more than
    #: `CHUNK_MOST` (the objects of a task are held in a worker's memory).
    TASKS = 100
    CHUNK_MOST = 2000
    #: A task's records, in bytes, at most (records of up to 1 MiB each)
    TASK_BYTES = 64 << 20

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="sarschema-stix-"))
        self.index = _Index()
        self.records = _Spool(self.folder / _RECORDS)
        self.placed_records: dict[str, dict[str, tuple[int, int]]] = {k: {} for k in KINDS}
        #: bucket -> (spool, start, size) of its parts
        self.parts: dict[str, list[tuple[str, int, int]]] = {}
        self.shared: dict[str, list[Obj]] = {}

    def add(self, entry: Entry) -> None:
        kind, ident, facts, data = entry
        self.index.add(kind, ident, facts)
        self.placed_records[kind][ident] = (self.records.add(data), len(data))

    def write(self, out: IO[bytes], version: str, jobs: int | None = None) -> None:
        """The bundle to `out`: `Bundle.serialize(sort_keys=True, indent=2,
        ensure_ascii=False)` and a final newline, byte for byte."""
        if not out.seekable():  # the bundle's id, written first, is known last
            with tempfile.TemporaryFile() as staged:
                self.write(staged, version, jobs)
                staged.seek(0)
                shutil.copyfileobj(staged, out, 1 << 20)
            return
        import stix2  # type: ignore[import-untyped]

        from sarschema.runner import default_jobs

        for stix_type in _TYPES:  # stix2 imported and read once, before any fork
            _shape(stix_type)
        _reference_shape()
        self.index.complete()
        self.records.flush()  # for the workers to read
        work = _Work(self.folder, self.index, version)
        places = [where for kind in KINDS for where in self.placed_records[kind].values()]
        jobs = default_jobs() if jobs is None else jobs
        size = min(max(CHUNK, -(-len(places) // self.TASKS)), self.CHUNK_MOST)
        try:
            with _pool(work, jobs if len(places) >= PARALLEL_MIN_RECORDS else 1) as pool:
                tasks = _tasks(places, size, self.TASK_BYTES)
                for placed, shared in _in_order(work, "map", tasks, pool):
                    self.place(placed)
                    for ident, versions in shared.items():
                        self.shared.setdefault(ident, []).extend(versions)
                merged = [_merge(versions) for versions in self.shared.values()]
                chunks = (merged[i : i + size] for i in range(0, len(merged), size))
                for placed in _in_order(work, "check", chunks, pool):
                    self.place(placed)
        finally:
            work.close()
        self.records.close()  # not needed again: gone from the disk now
        (self.folder / _RECORDS).unlink()

        # The objects in id order, after a header whose id is written last: it is
        # made of every byte between the objects list's brackets (of none for a
        # bundle without objects, which has no list).
        top = out.tell()
        placeholder = stix_id("bundle", "")
        digest = hashlib.sha256()
        count = 0
        for bucket in self.sorted_buckets():
            if count:
                piece = b",\n" + b",\n".join([text for _, text in bucket])
            else:
                out.write(f'{{\n  "id": "{placeholder}",\n  "objects": ['.encode())
                piece = b"\n" + b",\n".join([text for _, text in bucket])
            digest.update(piece)
            out.write(piece)
            count += len(bucket)
        if count:
            digest.update(b"\n  ")
        ident = stix_id("bundle", f"bundle:{digest.hexdigest()}")
        stix2.v21.Bundle(id=ident, allow_custom=False)  # the envelope checked too
        if not count:  # stix2 leaves out an empty list
            out.write(f'{{\n  "id": "{ident}",\n  "type": "bundle"\n}}\n'.encode())
            return
        out.write(b'\n  ],\n  "type": "bundle"\n}\n')
        end = out.tell()
        out.seek(top)
        out.write(f'{{\n  "id": "{ident}",'.encode())
        out.seek(end)

    def place(self, placed: Placed) -> None:
        name, buckets = placed
        for key, (start, size) in buckets.items():
            self.parts.setdefault(key, []).append((name, start, size))

    def sorted_buckets(self) -> Iterator[list[tuple[bytes, bytes]]]:
        """(id, text) of every object once, in id order, a bucket at a time (none
        empty); an id twice must be the same object twice."""
        spools: dict[str, _Spool] = {}
        try:
            last_id = last_text = b""
            for key in sorted(self.parts):
                parts = []
                for name, start, size in self.parts[key]:
                    spool = spools.get(name)
                    if spool is None:
                        spool = spools[name] = _Spool(self.folder / name, new=False)
                    parts.append(spool.read(start, size))
                entries = _unpacked(b"".join(parts))
                entries.sort(key=itemgetter(0))
                bucket = []
                for entry in entries:
                    ident, text = entry
                    if ident == last_id:
                        if text != last_text:
                            raise InternalError(
                                f"two different STIX objects would have the id {ident.decode()}"
                            )
                        continue
                    if ident < last_id:
                        raise InternalError(f"the STIX id {ident.decode()} is out of order")
                    last_id, last_text = ident, text
                    bucket.append(entry)
                yield bucket
        finally:
            for spool in spools.values():
                spool.close()

    def close(self) -> None:
        self.records.close()
        shutil.rmtree(self.folder, ignore_errors=True)


def bundle_text(documents: Iterable[Doc], version: str, *, jobs: int | None = None) -> str:
    """The bundle of the records' plain data (`record_document`), as written; `jobs`
    processes for a large set (default: the CPU count)."""
    bundle = _Bundle()
    try:
        for doc in documents:
            bundle.add(_entry(doc))
        out = io.BytesIO()
        bundle.write(out, version, jobs)
    finally:
        bundle.close()
    return out.getvalue().decode("utf-8")


def to_bundle(records: Sequence[RecordBase]) -> str:
    """The bundle of records handed over directly (mixed versions are refused)."""
    return bundle_text(map(record_document, records), records_version(records))


class StixExporter(Exporter):
    """`bundle.json` in `folder`. The bundle is made of all records at once, so each
    is kept until `finalize`, in a temporary folder (`_Bundle`)."""

    FILE = "bundle.json"
    prepare = staticmethod(_prepare)

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.bundle = _Bundle()
        self._stix2 = BackgroundImport("stix2")

    def write(self, payload: Entry) -> None:
        self._stix2.start()
        self.bundle.add(payload)

    def finalize(self) -> list[Path]:
        self._stix2.wait()
        path = self.folder / self.FILE
        with path.open("wb") as out:
            self.bundle.write(out, self.version())
        return [path]

    def close(self) -> None:
        try:
            self._stix2.wait()
        finally:  # the records in the bundle's folder go, whatever happens
            self.bundle.close()


__all__ = ["CONFIDENCE", "NAMESPACE", "StixExporter", "bundle_text", "stix_id", "to_bundle"]
