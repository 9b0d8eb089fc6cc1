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
the exporter keeps the records' plain data until `finalize`.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from sarschema.errors import InternalError, UsageError
from sarschema.export.common import Exporter, records_version
from sarschema.export.json import record_document
from sarschema.models import RecordBase

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
    """`<type>--<uuid5(NAMESPACE, name)>`."""
    return f"{stix_type}--{uuid.uuid5(NAMESPACE, name)}"


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


class _Mapper:
    """The bundle's objects, as plain STIX data, from every record's plain data."""

    def __init__(self, docs: Iterable[Doc], version: str) -> None:
        self.version = version
        self.docs: dict[str, dict[str, Doc]] = {
            kind: {} for kind in ("operator", "target", "incident", "response")
        }
        for doc in docs:
            self.docs[doc["kind"]][doc["id"]] = doc
        self.products = {
            product["id"]: vendor
            for vendor in self.docs["operator"].values()
            for product in vendor.get("products", [])
        }
        self.out: dict[str, Obj] = {}
        #: objects several records contribute to, merged once all are read
        self.shared: dict[str, list[Obj]] = {}

    def objects(self) -> list[Obj]:
        for kind, add in (
            ("operator", self.add_operator),
            ("target", self.add_target),
            ("incident", self.add_incident),
            ("response", self.add_response),
        ):
            for doc in self.docs[kind].values():
                add(doc)
        for versions in self.shared.values():
            self.emit(_merge(versions))
        return [self.out[ident] for ident in sorted(self.out)]

    # -- references (None: a record that is not in the set) ---------------------

    def operator(self, ident: str) -> str | None:
        doc = self.docs["operator"].get(ident)
        if doc is None:
            return None
        kind = "identity" if doc["type"] in SUPPLIERS else "threat-actor"
        return stix_id(kind, f"operator:{ident}")

    def target(self, ident: str) -> str | None:
        return stix_id("identity", f"target:{ident}") if ident in self.docs["target"] else None

    def incident(self, ident: str) -> str | None:
        known = ident in self.docs["incident"]
        return stix_id("incident", f"incident:{ident}") if known else None

    def product(self, ident: str) -> str | None:
        return stix_id("malware", f"product:{ident}") if ident in self.products else None

    def public(self, ident: str) -> bool:
        doc = self.docs["target"].get(ident)
        return doc is not None and doc["visibility"] == "public"

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
        if self.out.setdefault(obj["id"], obj) != obj:
            raise InternalError(f"two different STIX objects would have the id {obj['id']}")

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
                name = self.docs["target"][link["target"]]["name"]
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
                record = self.docs[kind].get(entry[kind])
                if record is not None:
                    authors.append(record["name"])
                by.append(f"{record['name'] if record else entry[kind]} ({kind} {entry[kind]})")
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


def bundle_text(documents: Iterable[Doc], version: str) -> str:
    """The bundle of the records' plain data (`record_document`), as written."""
    import stix2  # type: ignore[import-untyped]

    mapped = _Mapper(documents, version).objects()
    # the objects' data, serialised once here; the bundle serialises the objects
    data = json.dumps(mapped, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    ident = stix_id("bundle", "bundle:" + hashlib.sha256(data.encode("utf-8")).hexdigest())
    objects = [stix2.parse(obj, allow_custom=False, version="2.1") for obj in mapped]
    bundle = stix2.v21.Bundle(objects=objects, id=ident, allow_custom=False)
    return str(bundle.serialize(sort_keys=True, indent=2, ensure_ascii=False)) + "\n"


def to_bundle(records: Sequence[RecordBase]) -> str:
    """The bundle of records handed over directly (mixed versions are refused)."""
    return bundle_text(map(record_document, records), records_version(records))


class StixExporter(Exporter):
    """`bundle.json` in `folder`; the records are held until `finalize`, since the
    bundle is built from all of them at once."""

    FILE = "bundle.json"
    prepare = staticmethod(record_document)

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.documents: list[Doc] = []

    def write(self, payload: Doc) -> None:
        self.documents.append(payload)

    def finalize(self) -> list[Path]:
        path = self.folder / self.FILE
        text = bundle_text(self.documents, self.version())
        with path.open("w", encoding="utf-8", newline="\n") as out:
            out.write(text)
        return [path]

    def close(self) -> None:
        self.documents = []


__all__ = ["CONFIDENCE", "NAMESPACE", "StixExporter", "bundle_text", "stix_id", "to_bundle"]
