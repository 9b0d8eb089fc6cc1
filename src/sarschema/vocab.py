"""The controlled vocabularies of the record format, each value with its meaning.

The meanings are part of the contract: they go into the JSON Schema and the
data dictionary, so a partner's tool shows the same definition a contributor
reads here.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from typing import TYPE_CHECKING, Any


class Kind(StrEnum):
    INCIDENT = "incident"
    TARGET = "target"
    OPERATOR = "operator"
    RESPONSE = "response"


#: Folder under records/ for each kind.
FOLDERS: dict[str, Kind] = {
    "incidents": Kind.INCIDENT,
    "targets": Kind.TARGET,
    "operators": Kind.OPERATOR,
    "responses": Kind.RESPONSE,
}
FOLDER_OF: dict[Kind, str] = {kind: folder for folder, kind in FOLDERS.items()}


class Status(StrEnum):
    SELECTED = "selected"
    TARGETED = "targeted"
    ATTEMPTED = "attempted"
    INFECTED = "infected"
    UNKNOWN = "unknown"


class Evidence(StrEnum):
    FORENSIC_ANALYSIS = "forensic-analysis"
    LEAKED_DATA = "leaked-data"
    VENDOR_NOTIFICATION = "vendor-notification"
    COURT_RECORD = "court-record"
    TESTIMONY = "testimony"
    MEDIA_REPORT = "media-report"


class Attribution(StrEnum):
    CONFIRMED = "confirmed"
    HIGH_CONFIDENCE = "high-confidence"
    REPORTED = "reported"
    ALLEGED = "alleged"


class ForensicResult(StrEnum):
    INFECTION_CONFIRMED = "infection-confirmed"
    ATTEMPT_FOUND = "attempt-found"
    INCONCLUSIVE = "inconclusive"
    NO_TRACE = "no-trace"


class Vector(StrEnum):
    ZERO_CLICK = "zero-click"
    ONE_CLICK = "one-click"
    NETWORK_INJECTION = "network-injection"
    PHYSICAL_ACCESS = "physical-access"
    UNKNOWN = "unknown"


class Platform(StrEnum):
    IOS = "ios"
    ANDROID = "android"
    OTHER = "other"


class Visibility(StrEnum):
    PUBLIC = "public"
    PSEUDONYMOUS = "pseudonymous"


class TargetType(StrEnum):
    PERSON = "person"
    ORGANISATION = "organisation"


class Role(StrEnum):
    JOURNALIST = "journalist"
    EDITOR = "editor"
    HUMAN_RIGHTS_DEFENDER = "human-rights-defender"
    ACTIVIST = "activist"
    LAWYER = "lawyer"
    ACADEMIC = "academic"
    POLITICIAN = "politician"
    HEAD_OF_STATE = "head-of-state"
    HEAD_OF_GOVERNMENT = "head-of-government"
    GOVERNMENT_OFFICIAL = "government-official"
    DIPLOMAT = "diplomat"
    MILITARY_OFFICER = "military-officer"
    BUSINESS_PERSON = "business-person"
    RELIGIOUS_LEADER = "religious-leader"
    FAMILY_MEMBER = "family-member"
    ASSOCIATE = "associate"
    DISSIDENT = "dissident"
    OTHER = "other"


class Relation(StrEnum):
    SPOUSE = "spouse"
    PARTNER = "partner"
    FIANCE = "fiance"
    CHILD = "child"
    PARENT = "parent"
    SIBLING = "sibling"
    RELATIVE = "relative"
    COLLEAGUE = "colleague"
    LAWYER = "lawyer"
    FRIEND = "friend"
    ASSOCIATE = "associate"


if TYPE_CHECKING:
    RelationV11 = Relation  # to the type checker, a relation like any other
else:
    # Format 1.1's relations: 1.0's and `client`, the inverse of `lawyer`. Built from
    # 1.0's, under the same name, so that the 1.0 schema stays as published and 1.1's
    # reads `Relation` all the same.
    RelationV11 = StrEnum(
        "Relation",
        {**{m.name: m.value for m in Relation}, "CLIENT": "client"},
        module=__name__,
        qualname="Relation",
    )

    def _reduce_relation_v11(member: RelationV11, protocol: int) -> tuple[Any, tuple[str]]:
        # By its name, a member would be read back as 1.0's `Relation`, which pickle
        # refuses: records kept from worker processes (the site) failed to come back.
        return relation_v11, (member.value,)

    RelationV11.__reduce_ex__ = _reduce_relation_v11


def relation_v11(value: str) -> RelationV11:
    """A 1.1 relation by its value: how a member is pickled (`RelationV11`)."""
    return RelationV11(value)


class Certainty(StrEnum):
    """New in 1.1: how the sources word the incident's own status."""

    STATED = "stated"
    LIKELY = "likely"
    POSSIBLE = "possible"


class Held(StrEnum):
    """New in 1.1: whether the sources describe a role as held or left."""

    CURRENT = "current"
    FORMER = "former"


class Subject(StrEnum):
    """New in 1.1: what a response is about when it names no record."""

    SURVEILLANCE_TRADE = "surveillance-trade"
    UNNAMED_PEOPLE = "unnamed-people"


class OperatorType(StrEnum):
    STATE = "state"
    GOVERNMENT_AGENCY = "government-agency"
    INTELLIGENCE_AGENCY = "intelligence-agency"
    LAW_ENFORCEMENT = "law-enforcement"
    MILITARY = "military"
    VENDOR = "vendor"
    BROKER = "broker"
    PRIVATE_COMPANY = "private-company"
    UNKNOWN = "unknown"


class ResponseType(StrEnum):
    STATEMENT = "statement"
    CALL_TO_ACTION = "call-to-action"
    DENIAL = "denial"
    ACKNOWLEDGEMENT = "acknowledgement"
    LEGAL_COMPLAINT = "legal-complaint"
    LAWSUIT = "lawsuit"
    CRIMINAL_INVESTIGATION = "criminal-investigation"
    PARLIAMENTARY_INQUIRY = "parliamentary-inquiry"
    COURT_RULING = "court-ruling"
    SANCTION = "sanction"
    EXPORT_CONTROL = "export-control"
    LEGISLATION = "legislation"
    TECHNICAL_REPORT = "technical-report"
    OTHER = "other"


class ResponderType(StrEnum):
    NGO = "ngo"
    COALITION = "coalition"
    GOVERNMENT = "government"
    PROSECUTOR = "prosecutor"
    COURT = "court"
    MEDIA = "media"
    COMPANY = "company"
    INTERGOVERNMENTAL = "intergovernmental"
    INDIVIDUAL = "individual"
    OTHER = "other"


class LegalStatus(StrEnum):
    ONGOING = "ongoing"
    CONCLUDED = "concluded"
    DISMISSED = "dismissed"
    UNKNOWN = "unknown"


#: Meaning of each vocabulary value, for the schema and the data dictionary.
MEANINGS: dict[type[StrEnum], dict[str, str]] = {
    Kind: {
        "incident": "One act of surveillance against one or more targets.",
        "target": "A person or organisation that was targeted.",
        "operator": "A state, agency or company alleged to operate or supply spyware.",
        "response": "What someone did about surveillance.",
    },
    Status: {
        "selected": "Chosen as a potential target (for example a number on a leaked list).",
        "targeted": "Sent a malicious message or link.",
        "attempted": "Traces of an infection attempt were found.",
        "infected": "A confirmed infection.",
        "unknown": "The sources do not show how far the surveillance went.",
    },
    Evidence: {
        "forensic-analysis": "A technical examination of a device or its backups.",
        "leaked-data": "Leaked records, such as a list of selected numbers.",
        "vendor-notification": "A notice from a platform or vendor (e.g. a threat notification).",
        "court-record": "Documents or findings of a court.",
        "testimony": "An account by the target or a witness.",
        "media-report": "Reporting by journalists.",
    },
    Attribution: {
        "confirmed": "Admitted by the operator or established by a court.",
        "high-confidence": "Technical attribution by forensic researchers.",
        "reported": "Named in credible reporting, such as an analysis of leaked data.",
        "alleged": "Claimed without published evidence.",
    },
    ForensicResult: {
        "infection-confirmed": "The analysis found a confirmed infection.",
        "attempt-found": "The analysis found traces of an infection attempt.",
        "inconclusive": "The analysis could neither confirm nor rule out an infection.",
        "no-trace": "The analysis found no trace.",
    },
    Vector: {
        "zero-click": "Infection without any action by the target.",
        "one-click": "Infection after the target opened a link or file.",
        "network-injection": "Traffic redirected on the network to deliver the spyware.",
        "physical-access": "Installed by someone holding the device.",
        "unknown": "The infection vector is not known.",
    },
    Platform: {
        "ios": "Apple iOS.",
        "android": "Google Android.",
        "other": "Any other platform.",
    },
    Visibility: {
        "public": "The target is named publicly in the sources.",
        "pseudonymous": "The record uses a pseudonym such as 'Journalist A'.",
    },
    TargetType: {
        "person": "A natural person.",
        "organisation": "An organisation, outlet or group.",
    },
    Role: {
        "journalist": "Journalist.",
        "editor": "Editor of a publication.",
        "human-rights-defender": "Human-rights defender.",
        "activist": "Activist.",
        "lawyer": "Lawyer.",
        "academic": "Academic or researcher.",
        "politician": "Politician (in office or in opposition).",
        "head-of-state": "Head of state.",
        "head-of-government": "Head of government.",
        "government-official": "Government official.",
        "diplomat": "Diplomat.",
        "military-officer": "Military officer.",
        "business-person": "Business person.",
        "religious-leader": "Religious leader.",
        "family-member": "Family member of another target or person of interest.",
        "associate": "Friend, colleague or associate of another target or person of interest.",
        "dissident": "Dissident.",
        "other": "Another role.",
    },
    Relation: {
        "spouse": "Spouse.",
        "partner": "Partner.",
        "fiance": "Fiancé or fiancée.",
        "child": "Child.",
        "parent": "Parent.",
        "sibling": "Brother or sister.",
        "relative": "Other relative.",
        "colleague": "Colleague.",
        "lawyer": "Lawyer.",
        "friend": "Friend.",
        "associate": "Associate.",
    },
    Certainty: {
        "stated": "The sources state it without a hedge.",
        "likely": "The sources call it likely or probable.",
        "possible": 'The sources call it possible ("may", "it is possible that").',
    },
    Held: {
        "current": "The sources describe the role as held when they were written.",
        "former": 'The sources describe the role as held before ("former", "ex-").',
    },
    Subject: {
        "surveillance-trade": "The making, sale, export or use of surveillance technology "
        "in general.",
        "unnamed-people": "People the sources describe without naming them.",
    },
    OperatorType: {
        "state": "A state as a whole (its government).",
        "government-agency": "A government agency or ministry.",
        "intelligence-agency": "An intelligence or security service.",
        "law-enforcement": "Police or another law-enforcement body.",
        "military": "Armed forces.",
        "vendor": "A company that makes and sells spyware.",
        "broker": "A company that resells or brokers spyware or exploits.",
        "private-company": "Another private company.",
        "unknown": "An operator whose identity or nature is unknown.",
    },
    ResponseType: {
        "statement": "A public statement.",
        "call-to-action": "A call on others to act, usually with demands.",
        "denial": "A denial of the allegations.",
        "acknowledgement": "An admission or acknowledgement.",
        "legal-complaint": "A complaint filed with a prosecutor or court.",
        "lawsuit": "A civil lawsuit.",
        "criminal-investigation": "A criminal investigation by a prosecutor or police.",
        "parliamentary-inquiry": "An inquiry by a parliament.",
        "court-ruling": "A decision of a court.",
        "sanction": "A sanction such as an entity listing.",
        "export-control": "An export-control measure.",
        "legislation": "A law or regulation.",
        "technical-report": "A technical or forensic report.",
        "other": "Any other response.",
    },
    ResponderType: {
        "ngo": "A non-governmental organisation.",
        "coalition": "A coalition of organisations.",
        "government": "A government or head of state or government.",
        "prosecutor": "A public prosecutor's office.",
        "court": "A court.",
        "media": "A media outlet.",
        "company": "A company.",
        "intergovernmental": "An intergovernmental body such as a UN organ.",
        "individual": "A private individual.",
        "other": "Another kind of responder.",
    },
    LegalStatus: {
        "ongoing": "The process is under way.",
        "concluded": "The process has ended.",
        "dismissed": "The process was dismissed or dropped.",
        "unknown": "The state of the process is not known.",
    },
}


MEANINGS[RelationV11] = {
    **MEANINGS[Relation],
    "client": "Client, of a target who is a lawyer (the inverse of `lawyer`).",
}


#: Words people type for a vocabulary value, lower case. A hint from spelling alone
#: would make `father` a `partner`: these say what the word means instead. Words whose
#: meaning is not clear (`hacked`: attempted or infected? `likely`: which level?) are
#: deliberately absent, so they get the list of values and no guess.
SYNONYMS: dict[type[StrEnum], dict[str, str]] = {
    Relation: {
        **dict.fromkeys(("father", "mother", "dad", "mum", "mom", "stepfather"), "parent"),
        **dict.fromkeys(("stepmother", "parents"), "parent"),
        **dict.fromkeys(("son", "daughter", "children", "kid", "stepson"), "child"),
        "stepdaughter": "child",
        **dict.fromkeys(("wife", "husband", "spouses", "widow", "widower"), "spouse"),
        **dict.fromkeys(("brother", "sister", "siblings", "half-brother"), "sibling"),
        "half-sister": "sibling",
        **dict.fromkeys(("boyfriend", "girlfriend", "companion"), "partner"),
        **dict.fromkeys(("fiancé", "fiancée", "fiancee", "betrothed"), "fiance"),
        **dict.fromkeys(
            ("cousin", "uncle", "aunt", "niece", "nephew", "grandfather", "grandmother"),
            "relative",
        ),
        **dict.fromkeys(("grandson", "granddaughter", "in-law", "family"), "relative"),
        **dict.fromkeys(("coworker", "co-worker", "colleagues"), "colleague"),
        **dict.fromkeys(("attorney", "counsel", "advocate", "solicitor", "barrister"), "lawyer"),
        "friends": "friend",
    },
    Role: {
        **dict.fromkeys(("reporter", "correspondent", "journalists"), "journalist"),
        **dict.fromkeys(
            ("hrd", "human-rights-activist", "rights-defender"), "human-rights-defender"
        ),
        "human rights defender": "human-rights-defender",
        **dict.fromkeys(("attorney", "counsel", "advocate", "solicitor", "barrister"), "lawyer"),
        **dict.fromkeys(("professor", "researcher", "scholar", "scientist"), "academic"),
        **dict.fromkeys(("president", "king", "queen", "monarch", "emir"), "head-of-state"),
        **dict.fromkeys(("prime-minister", "prime minister", "premier"), "head-of-government"),
        **dict.fromkeys(("minister", "official", "civil-servant"), "government-official"),
        **dict.fromkeys(("ambassador", "consul", "envoy"), "diplomat"),
        **dict.fromkeys(("officer", "general", "colonel", "soldier"), "military-officer"),
        **dict.fromkeys(("businessman", "businesswoman", "executive"), "business-person"),
        **dict.fromkeys(("imam", "priest", "rabbi", "bishop", "cleric"), "religious-leader"),
        **dict.fromkeys(
            ("relative", "family", "wife", "husband", "son", "daughter"), "family-member"
        ),
        **dict.fromkeys(("mp", "deputy", "senator", "parliamentarian"), "politician"),
        **dict.fromkeys(("opposition", "exile", "opponent"), "dissident"),
    },
    Status: {
        "selection": "selected",
        "target": "targeted",
        "attempt": "attempted",
        "infection": "infected",
    },
    Evidence: {
        **dict.fromkeys(("forensic", "forensics", "forensic-analyses"), "forensic-analysis"),
        **dict.fromkeys(("leak", "leaked-list", "leaks"), "leaked-data"),
        **dict.fromkeys(("press", "news", "media", "article"), "media-report"),
        **dict.fromkeys(("court", "judgment", "judgement", "ruling"), "court-record"),
        **dict.fromkeys(("witness", "interview", "statement"), "testimony"),
        **dict.fromkeys(
            ("notification", "threat-notification", "apple-notification"), "vendor-notification"
        ),
    },
    ResponseType: {
        **dict.fromkeys(("denied", "deny", "denies"), "denial"),
        **dict.fromkeys(("complaint", "legal-action"), "legal-complaint"),
        **dict.fromkeys(("suit", "lawsuits", "litigation"), "lawsuit"),
        **dict.fromkeys(("call", "appeal", "petition"), "call-to-action"),
        **dict.fromkeys(("ruling", "judgment", "judgement", "verdict"), "court-ruling"),
        **dict.fromkeys(("sanctions", "blacklist", "entity-list"), "sanction"),
        **dict.fromkeys(("law", "bill", "regulation"), "legislation"),
        **dict.fromkeys(("report", "research", "analysis"), "technical-report"),
        **dict.fromkeys(("inquiry", "parliamentary-investigation"), "parliamentary-inquiry"),
        "acknowledgment": "acknowledgement",
        "admission": "acknowledgement",
    },
    OperatorType: {
        **dict.fromkeys(("country", "government"), "state"),
        **dict.fromkeys(("agency", "ministry"), "government-agency"),
        **dict.fromkeys(("intelligence", "spy-agency", "secret-service"), "intelligence-agency"),
        **dict.fromkeys(("police", "law-enforcement-agency"), "law-enforcement"),
        **dict.fromkeys(("army", "armed-forces"), "military"),
        **dict.fromkeys(("company", "firm"), "private-company"),
        **dict.fromkeys(("seller", "manufacturer", "developer"), "vendor"),
        **dict.fromkeys(("reseller", "intermediary", "middleman"), "broker"),
    },
    TargetType: {
        **dict.fromkeys(("individual", "human", "people"), "person"),
        **dict.fromkeys(("organization", "group", "ngo", "outlet", "company"), "organisation"),
    },
    Platform: {"iphone": "ios", "apple": "ios", "google": "android"},
    Visibility: {"named": "public", "anonymous": "pseudonymous", "pseudonym": "pseudonymous"},
}


SYNONYMS[RelationV11] = {
    **SYNONYMS[Relation],
    **dict.fromkeys(("clients", "customer", "represented", "represented-by"), "client"),
}


def suggest(value: object, vocab: type[StrEnum]) -> tuple[str, bool] | None:
    """A value to suggest that never changes what a contributor meant: a known synonym
    (`(value, True)`), a near misspelling, one or two typing slips (`(value, False)`),
    or nothing.

    >>> suggest("Father", Relation)
    ('parent', True)
    >>> suggest("infectd", Status)
    ('infected', False)
    >>> suggest("hacked", Status) is None
    True
    """
    if not isinstance(value, str):
        return None
    word = " ".join(value.strip().lower().split())
    synonyms = SYNONYMS.get(vocab, {})
    synonym = synonyms.get(word) or synonyms.get(word.replace(" ", "-"))
    if synonym is not None:
        return synonym, True
    if word in _known_words():
        return None  # a word that means something else (`brother` is not `other`)
    import jellyfish

    slips = 1 if len(word) <= 6 else 2
    close = [
        member.value
        for member in vocab
        if member.value[:1] == word[:1]  # a slip rarely hits the first letter
        and jellyfish.damerau_levenshtein_distance(word, member.value) <= slips
    ]
    return (close[0], False) if len(close) == 1 else None


@cache
def _known_words() -> frozenset[str]:
    """Every value of every vocabulary and every synonym: words with a meaning."""
    return frozenset(
        {m.value for vocab in MEANINGS for m in vocab}
        | {word for table in SYNONYMS.values() for word in table}
    )
