"""The controlled vocabularies of the record format, each value with its meaning.

The meanings are part of the contract: they go into the JSON Schema and the
data dictionary, so a partner's tool shows the same definition a contributor
reads here.
"""

from __future__ import annotations

from enum import StrEnum


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
