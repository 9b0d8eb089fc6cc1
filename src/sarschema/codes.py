"""Stable diagnostic codes.

A code never changes meaning once released: partners filter CI output and
spreadsheets on them. New problems get new codes; retired codes are not reused.
`docs/diagnostics.md` is generated from this table (`sarschema docs`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Code:
    code: str
    name: str
    severity: Severity
    summary: str
    group: str


_E = Severity.ERROR
_W = Severity.WARNING

_TABLE: tuple[Code, ...] = (
    # Reading the file
    Code("SAR001", "file-too-large", _E, "The file is larger than 1 MiB.", "file"),
    Code("SAR002", "not-utf8", _E, "The file is not valid UTF-8 text.", "file"),
    Code("SAR003", "utf16", _E, "The file is saved as UTF-16; save it as UTF-8.", "file"),
    Code(
        "SAR004",
        "control-character",
        _E,
        "The file contains a NUL byte or another control character.",
        "file",
    ),
    Code("SAR005", "tab-indent", _E, "A tab is used for indentation; use spaces.", "file"),
    Code("SAR006", "yaml-syntax", _E, "The YAML cannot be read (a syntax error).", "file"),
    Code("SAR007", "empty-file", _E, "The file is empty or holds only comments.", "file"),
    Code(
        "SAR008",
        "not-a-mapping",
        _E,
        "The top level of a record must be a mapping of fields (`key: value` lines).",
        "file",
    ),
    Code("SAR009", "multiple-documents", _E, "The file holds more than one YAML document.", "file"),
    Code("SAR010", "directive", _E, "YAML directives (`%YAML`, `%TAG`) are not allowed.", "file"),
    Code("SAR011", "tag", _E, "YAML tags (`!!str`, `!custom`, ...) are not allowed.", "file"),
    Code(
        "SAR012",
        "anchor-alias",
        _E,
        "YAML anchors (`&x`) and aliases (`*x`) are not allowed.",
        "file",
    ),
    Code("SAR013", "merge-key", _E, "YAML merge keys (`<<`) are not allowed.", "file"),
    Code("SAR014", "duplicate-key", _E, "A key appears twice in the same mapping.", "file"),
    Code("SAR015", "too-deep", _E, "Nesting is deeper than 20 levels.", "file"),
    Code("SAR016", "empty-value", _E, "A field has an empty value, `~` or `null`.", "file"),
    Code("SAR017", "bad-key", _E, "A mapping key is a list, a mapping or empty.", "file"),
    Code("SAR018", "too-many-nodes", _E, "The file holds more than 10,000 values.", "file"),
    # Files and folders
    Code("SAR020", "stray-file", _E, "A file under records/ that is not a record.", "files"),
    Code("SAR021", "yml-extension", _E, "A record file ends in `.yml`; use `.yaml`.", "files"),
    Code(
        "SAR022",
        "outside-kind-folder",
        _E,
        "A record is not inside incidents/, targets/, operators/ or responses/.",
        "files",
    ),
    Code("SAR023", "symlink", _E, "A symbolic link under records/.", "files"),
    Code(
        "SAR024", "id-not-file-name", _E, "The record's `id` differs from its file name.", "files"
    ),
    Code(
        "SAR025", "kind-not-folder", _E, "The record's `kind` does not match its folder.", "files"
    ),
    Code(
        "SAR026", "unreadable", _E, "The file cannot be read (permissions or I/O error).", "files"
    ),
    Code("SAR027", "no-records", _E, "A path given holds no record files.", "files"),
    Code(
        "SAR028",
        "not-a-regular-file",
        _E,
        "A FIFO, device or socket under records/: never read.",
        "files",
    ),
    Code(
        "SAR029",
        "hidden-file",
        _E,
        "A hidden file or folder under records/ (only git's own, such as `.gitkeep`).",
        "files",
    ),
    # Fields of one record
    Code("SAR100", "missing-field", _E, "A required field is missing.", "schema"),
    Code("SAR101", "unknown-field", _E, "A field that the format does not define.", "schema"),
    Code(
        "SAR102",
        "wrong-type",
        _E,
        "A value of the wrong shape (text where a list is expected, ...).",
        "schema",
    ),
    Code(
        "SAR103", "bad-vocabulary", _E, "A value that is not in the field's vocabulary.", "schema"
    ),
    Code(
        "SAR104",
        "bad-id",
        _E,
        "An id that is not a lower-case slug of 3 to 80 characters.",
        "schema",
    ),
    Code(
        "SAR105",
        "bad-date",
        _E,
        "Not a date `YYYY`, `YYYY-MM` or `YYYY-MM-DD` from 1900 on.",
        "schema",
    ),
    Code("SAR106", "bad-country", _E, "Not a current ISO 3166-1 alpha-2 country code.", "schema"),
    Code("SAR107", "bad-language", _E, "Not a current ISO 639-1 language code.", "schema"),
    Code("SAR108", "bad-url", _E, "Not an absolute http or https URL.", "schema"),
    Code("SAR109", "empty-text", _E, "A text field holds only spaces or nothing.", "schema"),
    Code("SAR110", "too-few-items", _E, "A list needs at least one entry.", "schema"),
    Code("SAR111", "bad-boolean", _E, "A yes/no field takes `true` or `false`.", "schema"),
    Code("SAR112", "bad-kind", _E, "`kind` is missing or not one of the four kinds.", "schema"),
    Code("SAR113", "id-length", _E, "An id shorter than 3 or longer than 80 characters.", "schema"),
    Code("SAR120", "date-order", _E, "`date_end` is before `date`.", "rules"),
    Code(
        "SAR121",
        "forensic-missing",
        _E,
        "`evidence` lists forensic-analysis but `forensic_analyses` is missing.",
        "rules",
    ),
    Code("SAR122", "about-empty", _E, "`about` names no incident, target or operator.", "rules"),
    Code(
        "SAR123",
        "country-required",
        _E,
        "An operator other than `unknown` needs a `country`.",
        "rules",
    ),
    Code(
        "SAR124",
        "products-not-vendor",
        _E,
        "Only an operator of type `vendor` may list products.",
        "rules",
    ),
    Code(
        "SAR125",
        "one-of",
        _E,
        "An entry must have exactly one of the alternative keys (`target` or `name`, ...).",
        "rules",
    ),
    Code("SAR126", "future-date", _E, "A date after today (UTC).", "rules"),
    # Across records
    Code("SAR200", "duplicate-id", _E, "Two records or products share an id.", "references"),
    Code(
        "SAR201", "dangling-reference", _E, "A reference to an id that no record has.", "references"
    ),
    Code(
        "SAR202",
        "wrong-kind-reference",
        _E,
        "A reference to a record of the wrong kind.",
        "references",
    ),
    Code(
        "SAR203", "parent-cycle", _E, "Operators whose `parent` links form a cycle.", "references"
    ),
    # Personal data
    Code(
        "SAR300",
        "phone-number",
        _E,
        "Text contains what looks like a phone number.",
        "personal-data",
    ),
    Code(
        "SAR301",
        "email-address",
        _E,
        "Text contains what looks like an e-mail address.",
        "personal-data",
    ),
    Code("SAR302", "imei", _E, "Text contains what looks like a device IMEI.", "personal-data"),
    # Warnings
    Code("SAR400", "source-without-url", _W, "A source has no `url`.", "warnings"),
    Code(
        "SAR401", "unreferenced", _W, "A target, operator or product nothing refers to.", "warnings"
    ),
    Code(
        "SAR402",
        "similar-names",
        _W,
        "Two targets or operators whose names look alike.",
        "warnings",
    ),
    Code(
        "SAR403",
        "text-cut-by-comment",
        _W,
        "A ` #` after unquoted text starts a comment: the text may be cut there.",
        "warnings",
    ),
    Code(
        "SAR404",
        "bad-acknowledgement",
        _E,
        "A `# sarschema: accept` line names no warning code or gives no reason.",
        "warnings",
    ),
)

CODES: dict[str, Code] = {c.code: c for c in _TABLE}

GROUP_TITLES: dict[str, str] = {
    "file": "Reading the file",
    "files": "Files and folders",
    "schema": "Fields of one record",
    "rules": "Rules within one record",
    "references": "Rules across records",
    "personal-data": "Personal data",
    "warnings": "Warnings (errors with --strict)",
}
