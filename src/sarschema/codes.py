"""Stable diagnostic codes, and what each one says, as data.

A code never changes meaning once released: partners filter CI output and
spreadsheets on them. New problems get new codes; retired codes are not reused.
`Code` is the typed handle every check uses (a misspelt code fails type
checking, not a run); `Spec` holds its name, severity, one-line summary and the
hint a contributor is shown (a template, filled from the error's context).
`docs/diagnostics.md` is generated from this table (`sarschema docs`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


class Code(StrEnum):
    """Every diagnostic code; the value is the code people see (`SAR105`)."""

    # Reading the file
    FILE_TOO_LARGE = "SAR001"
    NOT_UTF8 = "SAR002"
    UTF16 = "SAR003"
    CONTROL_CHARACTER = "SAR004"
    TAB_INDENT = "SAR005"
    YAML_SYNTAX = "SAR006"
    EMPTY_FILE = "SAR007"
    NOT_A_MAPPING = "SAR008"
    MULTIPLE_DOCUMENTS = "SAR009"
    DIRECTIVE = "SAR010"
    TAG = "SAR011"
    ANCHOR_ALIAS = "SAR012"
    MERGE_KEY = "SAR013"
    DUPLICATE_KEY = "SAR014"
    TOO_DEEP = "SAR015"
    EMPTY_VALUE = "SAR016"
    BAD_KEY = "SAR017"
    TOO_MANY_NODES = "SAR018"
    # Files and folders
    STRAY_FILE = "SAR020"
    YML_EXTENSION = "SAR021"
    OUTSIDE_KIND_FOLDER = "SAR022"
    SYMLINK = "SAR023"
    ID_NOT_FILE_NAME = "SAR024"
    KIND_NOT_FOLDER = "SAR025"
    UNREADABLE = "SAR026"
    NO_RECORDS = "SAR027"
    NOT_A_REGULAR_FILE = "SAR028"
    HIDDEN_FILE = "SAR029"
    VERSION_FILE = "SAR030"
    UNKNOWN_VERSION = "SAR031"
    # Fields of one record
    MISSING_FIELD = "SAR100"
    UNKNOWN_FIELD = "SAR101"
    WRONG_TYPE = "SAR102"
    BAD_VOCABULARY = "SAR103"
    BAD_ID = "SAR104"
    BAD_DATE = "SAR105"
    BAD_COUNTRY = "SAR106"
    BAD_LANGUAGE = "SAR107"
    BAD_URL = "SAR108"
    EMPTY_TEXT = "SAR109"
    TOO_FEW_ITEMS = "SAR110"
    BAD_BOOLEAN = "SAR111"
    BAD_KIND = "SAR112"
    ID_LENGTH = "SAR113"
    # Rules within one record
    DATE_ORDER = "SAR120"
    FORENSIC_MISSING = "SAR121"
    ABOUT_EMPTY = "SAR122"
    COUNTRY_REQUIRED = "SAR123"
    PRODUCTS_NOT_VENDOR = "SAR124"
    ONE_OF = "SAR125"
    FUTURE_DATE = "SAR126"
    DATE_OR_REVEALED = "SAR127"
    END_WITHOUT_DATE = "SAR128"
    AFTER_REVEALED = "SAR129"
    ORIGINAL_EMPTY = "SAR130"
    TRANSLATION_LANGUAGE = "SAR131"
    # Rules across records
    DUPLICATE_ID = "SAR200"
    DANGLING_REFERENCE = "SAR201"
    WRONG_KIND_REFERENCE = "SAR202"
    PARENT_CYCLE = "SAR203"
    # Personal data
    PHONE_NUMBER = "SAR300"
    EMAIL_ADDRESS = "SAR301"
    IMEI = "SAR302"
    # Warnings
    SOURCE_WITHOUT_URL = "SAR400"
    UNREFERENCED = "SAR401"
    SIMILAR_NAMES = "SAR402"
    TEXT_CUT_BY_COMMENT = "SAR403"
    BAD_ACKNOWLEDGEMENT = "SAR404"
    UNMATCHED_RELATION = "SAR405"

    @property
    def spec(self) -> Spec:
        return _SPECS[self]

    @property
    def severity(self) -> Severity:
        return _SPECS[self].severity

    def hint(self, **context: object) -> str | None:
        """The code's hint, filled from the error's context (`{keys}`, ...)."""
        template = _SPECS[self].hint
        return None if template is None else template.format(**context)

    def message(self, **context: object) -> str:
        """The code's message, filled from the context (values already made safe to
        repeat: see `diagnostics.echo`)."""
        template = _SPECS[self].message
        if template is None:
            raise ValueError(f"{self} has no message template; pass the message")
        return template.format(**context)


@dataclass(frozen=True, slots=True)
class Spec:
    code: Code
    severity: Severity
    summary: str
    group: str
    hint: str | None = None
    #: the message, when the code has one form (`{...}` filled from the context)
    message: str | None = None

    @property
    def name(self) -> str:
        """The code's stable short name (`file-too-large`)."""
        return self.code.name.lower().replace("_", "-")


_E = Severity.ERROR
_W = Severity.WARNING

_TABLE: tuple[Spec, ...] = (
    # Reading the file
    Spec(Code.FILE_TOO_LARGE, _E, "The file is larger than 1 MiB.", "file"),
    Spec(Code.NOT_UTF8, _E, "The file is not valid UTF-8 text.", "file"),
    Spec(Code.UTF16, _E, "The file is saved as UTF-16; save it as UTF-8.", "file"),
    Spec(
        Code.CONTROL_CHARACTER,
        _E,
        "The file contains a NUL byte or another control character.",
        "file",
    ),
    Spec(Code.TAB_INDENT, _E, "A tab is used for indentation; use spaces.", "file"),
    Spec(Code.YAML_SYNTAX, _E, "The YAML cannot be read (a syntax error).", "file"),
    Spec(Code.EMPTY_FILE, _E, "The file is empty or holds only comments.", "file"),
    Spec(
        Code.NOT_A_MAPPING,
        _E,
        "The top level of a record must be a mapping of fields (`key: value` lines).",
        "file",
    ),
    Spec(Code.MULTIPLE_DOCUMENTS, _E, "The file holds more than one YAML document.", "file"),
    Spec(Code.DIRECTIVE, _E, "YAML directives (`%YAML`, `%TAG`) are not allowed.", "file"),
    Spec(Code.TAG, _E, "YAML tags (`!!str`, `!custom`, ...) are not allowed.", "file"),
    Spec(Code.ANCHOR_ALIAS, _E, "YAML anchors (`&x`) and aliases (`*x`) are not allowed.", "file"),
    Spec(Code.MERGE_KEY, _E, "YAML merge keys (`<<`) are not allowed.", "file"),
    Spec(Code.DUPLICATE_KEY, _E, "A key appears twice in the same mapping.", "file"),
    Spec(Code.TOO_DEEP, _E, "Nesting is deeper than 20 levels.", "file"),
    Spec(
        Code.EMPTY_VALUE,
        _E,
        "A field has an empty value, `~` or `null`.",
        "file",
        hint="fill it in, or delete the line if the field is optional.",
    ),
    Spec(Code.BAD_KEY, _E, "A mapping key is a list, a mapping or empty.", "file"),
    Spec(Code.TOO_MANY_NODES, _E, "The file holds more than 10,000 values.", "file"),
    # Files and folders
    Spec(
        Code.STRAY_FILE,
        _E,
        "A file under records/ that is not a record.",
        "files",
        hint="remove it, or convert it into a `.yaml` record.",
        message="this file is not a record; only `.yaml` records, README.md and hidden files may be here.",
    ),
    Spec(
        Code.YML_EXTENSION,
        _E,
        "A record file ends in `.yml`; use `.yaml`.",
        "files",
        message="record files must end in `.yaml`, not `.yml`.",
        hint="rename it to {stem}.yaml.",
    ),
    Spec(
        Code.OUTSIDE_KIND_FOLDER,
        _E,
        "A record is not inside incidents/, targets/, operators/ or responses/.",
        "files",
        message="this record is not directly inside a kind folder, so it is not checked as one.",
        hint="move it into one of {kinds}.",
    ),
    Spec(
        Code.SYMLINK,
        _E,
        "A symbolic link under records/.",
        "files",
        hint="replace the link with the file itself.",
        message="symbolic links are not allowed under records/.",
    ),
    Spec(
        Code.ID_NOT_FILE_NAME,
        _E,
        "The record's `id` differs from its file name.",
        "files",
        hint="rename the file to the id followed by .yaml, or change `id` to the file name.",
        message="the id {id} differs from the file name.",
    ),
    Spec(
        Code.KIND_NOT_FOLDER,
        _E,
        "The record's `kind` does not match its folder.",
        "files",
        message="a record of kind {kind} must be in {right}/, not in {folder}/.",
        hint="move the file to {right}/, or fix `kind`.",
    ),
    Spec(Code.UNREADABLE, _E, "The file cannot be read (permissions or I/O error).", "files"),
    Spec(
        Code.NO_RECORDS,
        _E,
        "A path given holds no record files.",
        "files",
        hint="records live in incidents/, targets/, operators/ and responses/ folders.",
        message="no record files were found here.",
    ),
    Spec(
        Code.NOT_A_REGULAR_FILE,
        _E,
        "A FIFO, device or socket under records/: never read.",
        "files",
        hint="remove it: only regular `.yaml` files belong under records/.",
        message="this is {what}, not a file; it was not read.",
    ),
    Spec(
        Code.HIDDEN_FILE,
        _E,
        "A hidden file or folder under records/ (only git's own, such as `.gitkeep`).",
        "files",
    ),
    Spec(
        Code.VERSION_FILE,
        _E,
        'The record set\'s `sarschema.yaml` is not one `format_version: "X.Y"` line '
        "(comments aside).",
        "files",
        hint='write one line, `format_version: "1.1"` (with the quotes), and nothing else '
        "but comments.",
        message="this file states the record set's format version: one line (comments "
        "aside), `format_version`, and nothing else.",
    ),
    Spec(
        Code.UNKNOWN_VERSION,
        _E,
        "The record set states a format version this sarschema does not know.",
        "files",
        hint="write one of {known}, or install a newer sarschema.",
        message="format version {version} is not one this sarschema knows.",
    ),
    # Fields of one record
    Spec(Code.MISSING_FIELD, _E, "A required field is missing.", "schema"),
    Spec(Code.UNKNOWN_FIELD, _E, "A field that the format does not define.", "schema"),
    Spec(
        Code.WRONG_TYPE,
        _E,
        "A value of the wrong shape (text where a list is expected, ...).",
        "schema",
    ),
    Spec(Code.BAD_VOCABULARY, _E, "A value that is not in the field's vocabulary.", "schema"),
    Spec(Code.BAD_ID, _E, "An id that is not a lower-case slug of 3 to 80 characters.", "schema"),
    Spec(
        Code.BAD_DATE,
        _E,
        "Not a date `YYYY`, `YYYY-MM` or `YYYY-MM-DD` from 1900 on.",
        "schema",
        hint="write YYYY, YYYY-MM or YYYY-MM-DD; a less precise date is fine.",
    ),
    Spec(Code.BAD_COUNTRY, _E, "Not a current ISO 3166-1 alpha-2 country code.", "schema"),
    Spec(Code.BAD_LANGUAGE, _E, "Not a current ISO 639-1 language code.", "schema"),
    Spec(
        Code.BAD_URL,
        _E,
        "Not an absolute http or https URL.",
        "schema",
        hint="copy the full address from the browser, starting with https://.",
    ),
    Spec(
        Code.EMPTY_TEXT,
        _E,
        "A text field holds only spaces or nothing.",
        "schema",
        hint="write the text, or delete the line if the field is optional.",
    ),
    Spec(
        Code.TOO_FEW_ITEMS,
        _E,
        "A list needs at least one entry.",
        "schema",
        hint="add an entry on a line starting with `- `.",
    ),
    Spec(
        Code.BAD_BOOLEAN,
        _E,
        "A yes/no field takes `true` or `false`.",
        "schema",
        hint="write true or false in lower case, without quotes.",
    ),
    Spec(Code.BAD_KIND, _E, "`kind` is missing or not one of the four kinds.", "schema"),
    Spec(Code.ID_LENGTH, _E, "An id shorter than 3 or longer than 80 characters.", "schema"),
    # Rules within one record
    Spec(
        Code.DATE_ORDER,
        _E,
        "`date_end` is before `date`.",
        "rules",
        hint="swap the two dates, or correct the one that is wrong.",
    ),
    Spec(
        Code.FORENSIC_MISSING,
        _E,
        "`evidence` lists forensic-analysis but `forensic_analyses` is missing.",
        "rules",
        hint="add `forensic_analyses:` with `by:` (who analysed the device) and `result:`, or remove forensic-analysis from `evidence`.",
    ),
    Spec(
        Code.ABOUT_EMPTY,
        _E,
        "`about` names nothing the response is about.",
        "rules",
        hint="add {keys} with at least one entry.",
    ),
    Spec(
        Code.COUNTRY_REQUIRED,
        _E,
        "An operator other than `unknown` needs a `country`.",
        "rules",
        hint="add `country: XX` with the state's or company's country code.",
    ),
    Spec(
        Code.PRODUCTS_NOT_VENDOR,
        _E,
        "Only an operator of type `vendor` may list products.",
        "rules",
        hint="move the products to the vendor's record, or set `type: vendor`.",
    ),
    Spec(
        Code.ONE_OF,
        _E,
        "An entry must have exactly one of the alternative keys (`target` or `name`, ...).",
        "rules",
        hint="keep exactly one of: {keys}.",
    ),
    Spec(
        Code.FUTURE_DATE,
        _E,
        "A date after today (UTC).",
        "rules",
        hint="check the year; records describe what has happened.",
        message="`{name}` ({date}) is after today ({today}, UTC).",
    ),
    Spec(
        Code.DATE_OR_REVEALED,
        _E,
        "An incident has neither `date` nor `revealed` (format 1.1).",
        "rules",
        hint="add `date:` (when it happened) if the sources give it, else `revealed:` "
        "(when it was made public).",
    ),
    Spec(
        Code.END_WITHOUT_DATE,
        _E,
        "An incident has `date_end` but no `date` (format 1.1).",
        "rules",
        hint="add `date:`, the start of the span, or remove `date_end`.",
    ),
    Spec(
        Code.AFTER_REVEALED,
        _E,
        "`date` or `date_end` is after `revealed` (format 1.1).",
        "rules",
        hint="surveillance is made public after it happens: correct the date that is wrong.",
    ),
    Spec(
        Code.ORIGINAL_EMPTY,
        _E,
        "`translation_of` is a mapping with no key (format 1.1).",
        "rules",
        hint="give the original's `url`, `language`, `publisher`, `title` or `published`, "
        "or remove `translation_of`.",
    ),
    Spec(
        Code.TRANSLATION_LANGUAGE,
        _E,
        "A translation's original is in the translation's own language (format 1.1).",
        "rules",
        hint="`translation_of.language` is the original's language; `language` is this copy's.",
    ),
    # Rules across records
    Spec(
        Code.DUPLICATE_ID,
        _E,
        "Two records or products share an id.",
        "references",
        hint="choose another id, or merge the two records if they describe the same thing.",
        message="the id {id} is already used in {other}; ids must be unique across all records and products.",
    ),
    Spec(
        Code.DANGLING_REFERENCE,
        _E,
        "A reference to an id that no record has.",
        "references",
        message="`{name}` refers to {target}, but no {kind} has that id.",
    ),
    Spec(
        Code.WRONG_KIND_REFERENCE,
        _E,
        "A reference to a record of the wrong kind.",
        "references",
        message="`{name}` must refer to {wanted}, but {target} is {found} ({other}).",
    ),
    Spec(
        Code.PARENT_CYCLE,
        _E,
        "Operators whose `parent` links form a cycle.",
        "references",
        hint="an operator cannot be its own ancestor; remove one of the `parent` lines.",
        message="the `parent` links form a cycle: {loop}.",
    ),
    # Personal data
    Spec(Code.PHONE_NUMBER, _E, "Text contains what looks like a phone number.", "personal-data"),
    Spec(
        Code.EMAIL_ADDRESS, _E, "Text contains what looks like an e-mail address.", "personal-data"
    ),
    Spec(Code.IMEI, _E, "Text contains what looks like a device IMEI.", "personal-data"),
    # Warnings
    Spec(
        Code.SOURCE_WITHOUT_URL,
        _W,
        "A source has no `url`.",
        "warnings",
        hint="add `url:` (and `archived_url:` for a web-archive copy) when the document is online.",
        message="this source has no `url`; readers cannot check it.",
    ),
    Spec(
        Code.UNREFERENCED,
        _W,
        "A target, operator or product nothing refers to.",
        "warnings",
        message="no other record refers to the {kind} {id}.",
    ),
    Spec(
        Code.SIMILAR_NAMES,
        _W,
        "Two targets or operators whose names look alike.",
        "warnings",
        hint="if they are the same, merge the records and keep the other spelling under `aliases`.",
        message="{name} looks like {others}; they may be the same.",
    ),
    Spec(
        Code.TEXT_CUT_BY_COMMENT,
        _W,
        "A ` #` after unquoted text starts a comment: the text may be cut there.",
        "warnings",
        hint='if the # belongs to the text, put the whole value in double quotes: title: "Attack #2".',
        message="the text of `{name}` stops where ` #` starts a comment; the rest of the line is not part of it.",
    ),
    Spec(
        Code.BAD_ACKNOWLEDGEMENT,
        _E,
        "A `# sarschema: accept` line names no warning code or gives no reason.",
        "warnings",
        hint="only warnings (SAR4xx) can be accepted, never errors; say why in a few words, e.g. `the seed document is not online`.",
        message="an acknowledgement needs a warning code and a reason: `# sarschema: accept SAR400 <why this warning is kept>`.",
    ),
    Spec(
        Code.UNMATCHED_RELATION,
        _W,
        "Two targets link each other as lawyer and other than client (format 1.1).",
        "warnings",
        hint="write `relation: {inverse}` here, or correct the other record.",
        message="{other} names {this} as `{relation}`, and this names {other} as "
        "`{found}`; the inverse of `{relation}` is `{inverse}`.",
    ),
)
_SPECS: dict[Code, Spec] = {spec.code: spec for spec in _TABLE}
#: By the code's text, e.g. for a code read from a record's acknowledgement line.
CODES: dict[str, Spec] = {str(spec.code): spec for spec in _TABLE}

GROUP_TITLES: dict[str, str] = {
    "file": "Reading the file",
    "files": "Files and folders",
    "schema": "Fields of one record",
    "rules": "Rules within one record",
    "references": "Rules across records",
    "personal-data": "Personal data",
    "warnings": "Warnings (errors with --strict)",
}
