"""`sarschema.schema_errors.translate`: Pydantic errors -> located, plain diagnostics.

Each test drives the module the way `filecheck.check_bytes` does: YAML bytes through
`loader.load`, the data through the record adapter, the errors through `translate`;
and checks the exact code, field, line and column, and the words of message and hint.
The records are fictional; the one value shaped like personal data is made up and
only ever part of the input.
"""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from sarschema.codes import Code, Severity
from sarschema.diagnostics import Diagnostic
from sarschema.loader import Loaded, load
from sarschema.models import record_adapter
from sarschema.schema_errors import translate

FILE = "x.yaml"

# Line numbers below are counted in these texts; appended lines follow the last one.
SOURCE = """\
sources:
  - title: Report
    publisher: Example Rights Group
    published: 2021-07-18
    language: en
    url: https://example.org/r
"""
INCIDENT = (  # 14 lines
    """\
id: incident-a
kind: incident
title: An incident
summary: What happened.
date: 2020-03
targets: [journalist-a]
status: infected
evidence: [leaked-data]
"""
    + SOURCE
)
TARGET = (  # 12 lines
    """\
id: journalist-a
kind: target
name: Journalist A
visibility: pseudonymous
type: person
roles: [journalist]
"""
    + SOURCE
)
OPERATOR = (  # 11 lines
    """\
id: agency-a
kind: operator
name: Example Agency
type: intelligence-agency
country: MA
"""
    + SOURCE
)
RESPONSE = (  # 17 lines
    """\
id: call-a
kind: response
title: A call
summary: They called.
type: call-to-action
date: 2021-07-26
by:
  - name: Example Rights Group
    type: ngo
about:
  targets: [journalist-a]
"""
    + SOURCE
)

#: Made up, shaped like a phone number: it must never come back in any output.
SECRET = "call me at +33 6 12 34 56 78"


def edit(text: str, old: str, new: str) -> str:
    """`text` with `old` (which must occur exactly once) replaced."""
    assert text.count(old) == 1, old
    return text.replace(old, new)


def loaded_of(text: str) -> Loaded:
    loaded = load(text.encode("utf-8"), FILE)
    assert loaded.data is not None
    return loaded


def diagnose(
    text: str, *, loader_codes: tuple[str, ...] = (), version: str = "1.0"
) -> list[Diagnostic]:
    """The diagnostics `translate` makes of the record's validation errors (by default
    in format 1.0, which these tests were written for; 1.1 changes only what it adds)."""
    loaded = loaded_of(text)
    assert [d.code for d in loaded.diagnostics] == list(loader_codes)
    with pytest.raises(ValidationError) as exc:
        record_adapter(version).validate_python(loaded.data)
    return translate(exc.value.errors(include_url=False), loaded, FILE, version)


def only(text: str, version: str = "1.0") -> Diagnostic:
    diagnostics = diagnose(text, version=version)
    assert len(diagnostics) == 1, diagnostics
    return diagnostics[0]


def place(d: Diagnostic) -> tuple[str, str | None, int | None, int | None]:
    return (d.code, d.field, d.line, d.column)


@pytest.mark.parametrize("text", [INCIDENT, TARGET, OPERATOR, RESPONSE])
def test_the_records_the_tests_edit_are_valid(text: str) -> None:
    loaded = loaded_of(text)
    assert loaded.diagnostics == []
    record_adapter().validate_python(loaded.data)


# --- SAR100 missing field ----------------------------------------------------------


def test_a_missing_field_points_at_the_record() -> None:
    d = only(edit(INCIDENT, "title: An incident\n", ""))
    assert place(d) == (Code.MISSING_FIELD, "title", 1, 1)
    assert d.message == "the required field `title` is missing."
    assert d.hint == "add a line `title: ...`."
    assert d.file == FILE
    assert d.level is Severity.ERROR


def test_a_missing_nested_field_points_at_its_mapping() -> None:
    d = only(edit(INCIDENT, "    publisher: Example Rights Group\n", ""))
    # line 10 is `  - title: Report`: the mapping starts at `title`, column 5
    assert place(d) == (Code.MISSING_FIELD, "sources[0].publisher", 10, 5)
    assert d.message == "the required field `publisher` is missing from `sources[0]`."
    assert d.hint == "add a line `publisher: ...`."


def test_translate_labels_diagnostics_with_the_file_it_is_given() -> None:
    loaded = loaded_of(edit(INCIDENT, "title: An incident\n", ""))
    with pytest.raises(ValidationError) as exc:
        record_adapter().validate_python(loaded.data)
    (d,) = translate(exc.value.errors(include_url=False), loaded, "records/incidents/a.yaml")
    assert d.file == "records/incidents/a.yaml"


# --- SAR101 unknown field ----------------------------------------------------------


def test_a_misspelt_field_is_reported_at_its_key_with_did_you_mean() -> None:
    diagnostics = diagnose(edit(INCIDENT, "title: An incident", "titel: An incident"))
    assert [place(d) for d in diagnostics] == [
        (Code.MISSING_FIELD, "title", 1, 1),
        (Code.UNKNOWN_FIELD, "titel", 3, 1),
    ]
    unknown = diagnostics[1]
    assert unknown.message == "`titel` is not a field of a record of kind incident."
    assert unknown.hint == "did you mean `title`?"


def test_an_unknown_field_with_no_close_name_lists_the_allowed_fields() -> None:
    d = only(INCIDENT + "colour: blue\n")
    assert place(d) == (Code.UNKNOWN_FIELD, "colour", 15, 1)
    assert d.message == "`colour` is not a field of a record of kind incident."
    assert d.hint is not None
    assert d.hint.startswith("the fields allowed here are: `id`, `sources`, `notes`, `kind`, ")
    assert d.hint.endswith("`location`, `translations`.")


@pytest.mark.parametrize(
    ("text", "expected", "owner", "hint"),
    [
        (
            INCIDENT + "    pubisher: Example\n",
            (Code.UNKNOWN_FIELD, "sources[0].pubisher", 15, 5),
            "a source entry",
            "did you mean `publisher`?",
        ),
        (
            INCIDENT + "translations:\n  fr:\n    titel: Un incident\n",
            (Code.UNKNOWN_FIELD, "translations.fr.titel", 17, 5),
            "a translation entry",
            "did you mean `title`?",
        ),
    ],
    ids=["source", "translation"],
)
def test_an_unknown_nested_field_names_the_entry_it_is_in(
    text: str, expected: tuple[str, str, int, int], owner: str, hint: str
) -> None:
    d = only(text)
    assert place(d) == expected
    assert d.message.endswith(f"is not a field of {owner}.")
    assert d.hint == hint


# --- SAR102 wrong type ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "expected", "message", "hint"),
    [
        (
            "targets: [journalist-a]",
            "targets: journalist-a",
            (Code.WRONG_TYPE, "targets", 6, 10),
            "`targets` should be a list, but it is text.",
            "write `[a, b]` or one `- item` per line, even for a single item.",
        ),
        (
            "title: An incident",
            "title: [a, b]",
            (Code.WRONG_TYPE, "title", 3, 8),
            "`title` should be text, but it is a list.",
            "write the value on the same line after the colon.",
        ),
        (
            "title: An incident",
            "title:\n  a: b",
            (Code.WRONG_TYPE, "title", 4, 3),
            "`title` should be text, but it is a mapping.",
            "write the value on the same line after the colon.",
        ),
        (
            "id: incident-a",
            "id: true",
            (Code.WRONG_TYPE, "id", 1, 5),
            "`id` should be text, but it is true/false.",
            "put the value in double quotes.",
        ),
    ],
    ids=["text-for-list", "list-for-text", "mapping-for-text", "boolean-for-text"],
)
def test_a_value_of_the_wrong_shape(
    old: str, new: str, expected: tuple[str, str, int, int], message: str, hint: str
) -> None:
    d = only(edit(INCIDENT, old, new))
    assert place(d) == expected
    assert d.message == message
    assert d.hint == hint


def test_a_responder_given_as_text_is_a_wrong_shape_at_the_entry() -> None:
    d = only(edit(RESPONSE, "by:\n  - name: Example Rights Group\n    type: ngo\n", "by: [x-a]\n"))
    # the union tag (`operator`) that pydantic puts in the location is not a field
    assert place(d) == (Code.WRONG_TYPE, "by[0]", 7, 6)
    assert d.message == "`by[0]` should be a mapping of `key: value` lines, but it is text."


# --- SAR103 vocabulary ---------------------------------------------------------------

STATUSES = "selected, targeted, attempted, infected, unknown"


@pytest.mark.parametrize(
    ("typed", "hint"),
    [
        ("infection", "use `infected`: the format's word for `infection`."),
        ("infectd", "did you mean `infected`?"),
        ("hacked", None),  # attempted or infected? no guess
    ],
    ids=["synonym", "slip", "no-guess"],
)
def test_a_value_outside_the_vocabulary(typed: str, hint: str | None) -> None:
    d = only(edit(INCIDENT, "status: infected", f"status: {typed}"))
    assert place(d) == (Code.BAD_VOCABULARY, "status", 7, 9)
    assert d.message == f"`{typed}` is not allowed in `status`; use one of: {STATUSES}."
    assert d.hint == hint


def test_a_vocabulary_value_in_a_list_is_reported_at_its_item() -> None:
    d = only(edit(INCIDENT, "evidence: [leaked-data]", "evidence: [leaked-data, forensics]"))
    assert place(d) == (Code.BAD_VOCABULARY, "evidence[1]", 8, 25)
    assert d.message.startswith("`forensics` is not allowed in `evidence[1]`; use one of: ")
    assert d.hint == "use `forensic-analysis`: the format's word for `forensics`."


def test_a_relation_synonym_says_what_the_word_means_never_a_spelling_guess() -> None:
    d = only(TARGET + "related:\n  - name: Person C\n    relation: Father\n")
    assert place(d) == (Code.BAD_VOCABULARY, "related[0].relation", 15, 15)
    assert d.hint == "use `parent`: the format's word for `Father`."
    assert "partner" not in d.hint


def test_an_operator_type_synonym() -> None:
    d = only(edit(OPERATOR, "type: intelligence-agency", "type: police"))
    assert place(d) == (Code.BAD_VOCABULARY, "type", 4, 7)
    assert d.hint == "use `law-enforcement`: the format's word for `police`."


# --- SAR104 / SAR113 ids ---------------------------------------------------------------


def test_a_bad_id_suggests_a_slug() -> None:
    d = only(edit(INCIDENT, "id: incident-a", "id: Incident_A"))
    assert place(d) == (Code.BAD_ID, "id", 1, 5)
    assert d.message == (
        "not a valid id: use lower-case letters a-z, digits 0-9 and single hyphens: `Incident_A`."
    )
    assert d.hint == "for example `incident-a`."


def test_a_bad_reference_id_in_a_list() -> None:
    d = only(edit(INCIDENT, "targets: [journalist-a]", "targets: [Journalist A]"))
    assert place(d) == (Code.BAD_ID, "targets[0]", 6, 11)
    assert d.hint == "for example `journalist-a`."


def test_a_short_id() -> None:
    d = only(edit(INCIDENT, "id: incident-a", "id: ab"))
    assert place(d) == (Code.ID_LENGTH, "id", 1, 5)
    assert d.message == "an id must be 3 to 80 characters long (this one has 2): `ab`."


# --- SAR105 to SAR111: types -----------------------------------------------------------

DATE_HINT = "write YYYY, YYYY-MM or YYYY-MM-DD; a less precise date is fine."


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (
            "March 2020",
            "not a date: write YYYY, YYYY-MM or YYYY-MM-DD, such as 2021-07-19: `March 2020`.",
        ),
        ("1899", "dates before 1900 are not accepted: `1899`."),
        # five digits or more: not repeated (it could be part of a phone number)
        ("2020-13", "the month must be between 01 and 12."),
        ("2021-02-29", "this day does not exist in the calendar."),
    ],
)
def test_a_bad_date(typed: str, message: str) -> None:
    d = only(edit(INCIDENT, "date: 2020-03", f"date: {typed}"))
    assert place(d) == (Code.BAD_DATE, "date", 5, 7)
    assert d.message == message
    assert d.hint == DATE_HINT


@pytest.mark.parametrize(
    ("typed", "hint"),
    [
        ("UK", "use GB for the United Kingdom."),
        ("ma", "country codes are upper case: MA."),
        ("France", "the code for France is FR."),
        ("ZZ", "use a two-letter code such as MA, FR or GB."),
    ],
)
def test_a_bad_country_names_the_right_code(typed: str, hint: str) -> None:
    d = only(INCIDENT + f"location: {typed}\n")
    assert place(d) == (Code.BAD_COUNTRY, "location", 15, 11)
    assert d.message == f"not a current ISO 3166-1 alpha-2 country code: `{typed}`."
    assert d.hint == hint


@pytest.mark.parametrize(
    ("typed", "hint"),
    [
        ("iw", "`iw` was withdrawn; use `he`."),
        ("EN", "language codes are lower case: en."),
    ],
)
def test_a_bad_language_names_the_right_code(typed: str, hint: str) -> None:
    d = only(edit(INCIDENT, "language: en", f"language: {typed}"))
    assert place(d) == (Code.BAD_LANGUAGE, "sources[0].language", 13, 15)
    assert d.message == f"not a current ISO 639-1 language code: `{typed}`."
    assert d.hint == hint


def test_a_bad_language_as_a_mapping_key_points_at_the_key() -> None:
    d = only(INCIDENT + "translations:\n  iw:\n    title: Incident\n")
    assert place(d) == (Code.BAD_LANGUAGE, "translations.iw", 16, 3)
    assert d.hint == "`iw` was withdrawn; use `he`."


def test_a_bad_url() -> None:
    d = only(edit(INCIDENT, "url: https://example.org/r", "url: example.org/r"))
    assert place(d) == (Code.BAD_URL, "sources[0].url", 14, 10)
    assert d.message == "not an absolute web address starting with http:// or https://."
    assert d.hint == "copy the full address from the browser, starting with https://."


def test_empty_text() -> None:
    d = only(edit(INCIDENT, "title: An incident", 'title: "   "'))
    assert place(d) == (Code.EMPTY_TEXT, "title", 3, 8)
    assert d.message == "the text is empty."
    assert d.hint == "write the text, or delete the line if the field is optional."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            edit(INCIDENT, "targets: [journalist-a]", "targets: []"),
            (Code.TOO_FEW_ITEMS, "targets", 6, 10),
        ),
        (INCIDENT.replace(SOURCE, "sources: []\n"), (Code.TOO_FEW_ITEMS, "sources", 9, 10)),
    ],
    ids=["targets", "sources"],
)
def test_too_few_items(text: str, expected: tuple[str, str, int, int]) -> None:
    d = only(text)
    assert place(d) == expected
    assert d.message == f"`{expected[1]}` needs at least one entry."
    assert d.hint == "add an entry on a line starting with `- `."


@pytest.mark.parametrize("typed", ["yes", "'yes'", '"true"'])
def test_a_bad_boolean(typed: str) -> None:
    d = only(TARGET + f"exiled: {typed}\n")
    assert place(d) == (Code.BAD_BOOLEAN, "exiled", 13, 9)
    assert d.message == "`exiled` takes `true` or `false`."
    assert d.hint == "write true or false in lower case, without quotes."


# --- SAR112 kind -----------------------------------------------------------------------


def test_a_misspelt_kind() -> None:
    d = only(edit(INCIDENT, "kind: incident", "kind: incidnt"))
    assert place(d) == (Code.BAD_KIND, "kind", 2, 7)
    assert d.message == "`kind` must be one of incident, target, operator, response."
    assert d.hint == "did you mean `incident`?"


def test_a_missing_kind_points_at_the_record() -> None:
    d = only(edit(INCIDENT, "kind: incident\n", ""))
    assert place(d) == (Code.BAD_KIND, "kind", 1, 1)
    assert d.message == "the record has no `kind`."
    assert d.hint == "add a line `kind: ...` with one of: incident, target, operator, response."


# --- SAR120 to SAR125: rules within one record -----------------------------------------


def test_one_of_points_at_the_key_that_is_one_too_many() -> None:
    text = edit(
        RESPONSE,
        "  - name: Example Rights Group\n    type: ngo\n",
        "  - operator: agency-a\n    name: Example Rights Group\n    type: ngo\n",
    )
    d = only(text)
    assert place(d) == (Code.ONE_OF, "by[0].name", 9, 5)
    assert d.message == (
        "each `by` entry needs exactly one of `operator`, `target` or `name`; "
        "this one gives both `operator` and `name`."
    )
    assert d.hint == "keep exactly one of: operator, target, name."


def test_one_of_keeps_the_first_alternative_whatever_the_order_written() -> None:
    # `name` is written first, but `operator` comes first among the alternatives
    text = edit(RESPONSE, "    type: ngo\n", "    type: ngo\n    operator: agency-a\n")
    d = only(text)
    assert place(d) == (Code.ONE_OF, "by[0].name", 8, 5)
    assert d.message.endswith("this one gives both `operator` and `name`.")


def test_one_of_in_a_related_entry() -> None:
    d = only(
        TARGET + "related:\n  - target: journalist-b\n    name: Person C\n    relation: spouse\n"
    )
    assert place(d) == (Code.ONE_OF, "related[0].name", 15, 5)
    assert d.message == (
        "each related entry needs exactly one of `target` or `name`; "
        "this one gives both `target` and `name`."
    )
    assert d.hint == "keep exactly one of: target, name."


def test_one_of_with_none_of_the_keys_points_at_the_entry() -> None:
    d = only(edit(RESPONSE, "  - name: Example Rights Group\n    type: ngo\n", "  - type: ngo\n"))
    assert place(d) == (Code.ONE_OF, "by[0]", 8, 5)
    assert d.message == "each `by` entry needs exactly one of `operator`, `target` or `name`."
    assert d.hint == "keep exactly one of: operator, target, name."


def test_date_end_before_date() -> None:
    d = only(INCIDENT + "date_end: 2019-12\n")
    assert place(d) == (Code.DATE_ORDER, "date_end", 15, 11)
    assert d.message == "date_end (2019-12) is before date (2020-03)."  # the value not added again
    assert d.hint == "swap the two dates, or correct the one that is wrong."


def test_forensic_analyses_missing() -> None:
    d = only(edit(INCIDENT, "evidence: [leaked-data]", "evidence: [forensic-analysis]"))
    assert place(d) == (Code.FORENSIC_MISSING, "forensic_analyses", 1, 1)
    assert d.message == "evidence lists forensic-analysis, so forensic_analyses is required."
    assert d.hint is not None
    assert d.hint.startswith("add `forensic_analyses:` with `by:`")


@pytest.mark.parametrize(
    ("about", "where"),
    [("about:\n  targets: []\n", (11, 3)), ("about: {}\n", (10, 8))],
    ids=["empty-list", "empty-mapping"],
)
@pytest.mark.parametrize(
    ("version", "things", "keys"),
    [
        ("1.0", "incident, target or operator", "`incidents:`, `targets:` or `operators:`"),
        (
            "1.1",
            "incident, target, operator, product or subject",
            "`incidents:`, `targets:`, `operators:`, `products:` or `subjects:`",
        ),
    ],
)
def test_about_names_nothing(
    about: str, where: tuple[int, int], version: str, things: str, keys: str
) -> None:
    d = only(edit(RESPONSE, "about:\n  targets: [journalist-a]\n", about), version)
    assert place(d) == (Code.ABOUT_EMPTY, "about", *where)
    assert d.message == f"`about` must name at least one {things}."
    assert d.hint == f"add {keys} with at least one entry."


def test_a_field_of_a_newer_version_says_how_to_move() -> None:
    d = only(INCIDENT + "revealed: 2021-07\n")
    assert place(d) == (Code.UNKNOWN_FIELD, "revealed", 15, 1)
    assert d.hint == (
        "this is valid in format 1.1, and this record set is written in 1.0; "
        "run `sarschema migrate --to 1.1` to move the set to 1.1."
    )
    nested = only(RESPONSE.replace("about:\n", "about:\n  subjects: [surveillance-trade]\n"))
    assert nested.field == "about.subjects"
    assert nested.hint is not None and "valid in format 1.1" in nested.hint


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (
            "roles: [journalist]",
            "roles: [journalist]\nrelated: [{name: Person C, relation: client}]",
        ),
        ("roles: [journalist]", "roles: [{role: lawyer, held: former, as_of: 2021}]"),
    ],
    ids=["client", "held-role"],
)
def test_a_value_of_a_newer_version_says_how_to_move(old: str, new: str) -> None:
    assert old in TARGET
    found = diagnose(TARGET.replace(old, new))
    assert found
    for d in found:
        assert d.hint is not None and "valid in format 1.1" in d.hint, d


def test_a_value_wrong_in_every_version_gets_no_migrate_hint() -> None:
    text = TARGET.replace(
        "roles: [journalist]", "roles: [journalist]\nrelated: [{name: C, relation: clients}]"
    )
    d = only(text)
    assert d.code == Code.BAD_VOCABULARY
    assert d.hint is None or "format 1.1" not in d.hint


def test_a_mistake_in_every_version_keeps_its_own_hint() -> None:
    text = INCIDENT.replace("status: infected", "status: infectd") + "certainty: likely\n"
    by_field = {d.field: d for d in diagnose(text)}
    assert by_field["status"].hint == "did you mean `infected`?"
    certainty = by_field["certainty"].hint
    assert certainty is not None and "valid in format 1.1" in certainty


def test_an_operator_without_country() -> None:
    d = only(edit(OPERATOR, "country: MA\n", ""))
    assert place(d) == (Code.COUNTRY_REQUIRED, "country", 1, 1)
    assert d.message == "an operator of type intelligence-agency needs a country."
    assert d.hint == "add `country: XX` with the state's or company's country code."


def test_products_on_an_operator_that_is_not_a_vendor_point_at_the_key() -> None:
    d = only(OPERATOR + "products:\n  - id: spyware-a\n    name: Spyware A\n")
    assert place(d) == (Code.PRODUCTS_NOT_VENDOR, "products", 12, 1)
    assert d.message == (
        "only an operator of type vendor may list products (this one is intelligence-agency)."
    )
    assert d.hint == "move the products to the vendor's record, or set `type: vendor`."


# --- what translate leaves out -----------------------------------------------------------


def test_a_value_the_loader_dropped_is_not_reported_again() -> None:
    # `title: ~` is SAR016 from the loader: no "missing title" on top of it
    text = edit(INCIDENT, "title: An incident", "title: ~")
    assert diagnose(text, loader_codes=("SAR016",)) == []
    text = edit(INCIDENT, "targets: [journalist-a]", "targets: [journalist-a, ~]")
    assert diagnose(text, loader_codes=("SAR016",)) == []


def test_the_same_problem_is_reported_once() -> None:
    loaded = loaded_of(edit(INCIDENT, "status: infected", "status: infectd"))
    with pytest.raises(ValidationError) as exc:
        record_adapter().validate_python(loaded.data)
    errors = exc.value.errors(include_url=False)
    once = translate(errors, loaded, FILE)
    assert len(once) == 1
    assert translate(errors + errors, loaded, FILE) == once


def test_several_problems_keep_the_order_of_the_errors() -> None:
    text = edit(INCIDENT, "status: infected", "status: infectd")
    text = edit(text, "date: 2020-03", "date: 2020-13")
    assert [place(d) for d in diagnose(text)] == [
        (Code.BAD_DATE, "date", 5, 7),
        (Code.BAD_VOCABULARY, "status", 7, 9),
    ]


def test_an_error_type_without_its_own_wording_is_a_wrong_type_with_pydantics_message() -> None:
    loaded = loaded_of(INCIDENT)
    error: ErrorDetails = {
        "type": "int_parsing",
        "loc": ("incident", "title"),
        "msg": "Input should be a valid integer",
        "input": "An incident",
    }
    (d,) = translate([error], loaded, FILE)
    assert place(d) == (Code.WRONG_TYPE, "title", 3, 8)
    assert d.message == "`title`: Input should be a valid integer."


# --- personal data is never repeated -----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            edit(INCIDENT, "status: infected", f"status: {SECRET}"),
            (Code.BAD_VOCABULARY, "status", 7, 9),
        ),
        (
            TARGET + f"related:\n  - name: Person C\n    relation: {SECRET}\n",
            (Code.BAD_VOCABULARY, "related[0].relation", 15, 15),
        ),
        (INCIDENT + f"{SECRET}: x\n", (Code.UNKNOWN_FIELD, "<key>", 15, 1)),
        (edit(INCIDENT, "id: incident-a", f"id: {SECRET}"), (Code.BAD_ID, "id", 1, 5)),
        (
            edit(INCIDENT, "targets: [journalist-a]", f"targets: [{SECRET}]"),
            (Code.BAD_ID, "targets[0]", 6, 11),
        ),
        (edit(INCIDENT, "date: 2020-03", f"date: {SECRET}"), (Code.BAD_DATE, "date", 5, 7)),
        (INCIDENT + f"location: {SECRET}\n", (Code.BAD_COUNTRY, "location", 15, 11)),
        (
            edit(INCIDENT, "language: en", f"language: {SECRET}"),
            (Code.BAD_LANGUAGE, "sources[0].language", 13, 15),
        ),
        (
            INCIDENT + f'translations:\n  "{SECRET}":\n    title: Incident\n',
            (Code.BAD_LANGUAGE, "translations.<key>", 16, 3),
        ),
        (
            edit(INCIDENT, "url: https://example.org/r", f"url: {SECRET}"),
            (Code.BAD_URL, "sources[0].url", 14, 10),
        ),
        (edit(INCIDENT, "kind: incident", f"kind: {SECRET}"), (Code.BAD_KIND, "kind", 2, 7)),
        (
            edit(
                RESPONSE,
                "  - name: Example Rights Group\n",
                f"  - name: {SECRET}\n    target: x-a\n",
            ),
            (Code.ONE_OF, "by[0].name", 8, 5),
        ),
    ],
    ids=[
        "vocabulary",
        "relation",
        "unknown-key",
        "id",
        "reference",
        "date",
        "country",
        "language",
        "language-key",
        "url",
        "kind",
        "one-of",
    ],
)
def test_a_value_that_could_be_personal_data_is_never_echoed(
    text: str, expected: tuple[str, str, int, int]
) -> None:
    d = only(text)
    assert place(d) == expected
    for said in (d.message, d.hint or "", d.field or ""):
        assert SECRET not in said
        assert "12 34" not in said
        assert "+33" not in said


def test_an_unsafe_value_is_described_instead() -> None:
    d = only(edit(INCIDENT, "status: infected", f"status: {SECRET}"))
    assert d.message == f"this value is not allowed in `status`; use one of: {STATUSES}."
    assert d.hint is None
    d = only(INCIDENT + f"{SECRET}: x\n")
    assert d.message == "this key is not a field of a record of kind incident."
