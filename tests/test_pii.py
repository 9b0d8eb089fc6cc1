"""The personal-data guard (docs/personal-data.md): each form, both ways, in linear time.

Every number and address here is fictional: Ofcom's drama ranges (020 7946 0xxx,
07700 900xxx, 01632 960xxx), ARCEP's fiction ranges (01 99 00 xx xx, 06 39 98 xx xx),
US 555-01xx, the ACMA's 0491 570 156, example.org and the documentation IMEI.
Time bounds are hang guards, not speed targets (benchmarks/adversarial.py times).
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sarschema.api import validate_paths
from sarschema.diagnostics import echo, format_field, is_safe
from sarschema.pii import (
    _JOIN,
    _RUN,
    _TOKEN_MARK,
    _find,
    could_hold_personal_data,
    find_personal_data,
    holds_personal_data,
    normalise,
)
from sarschema.report import RENDERERS
from sarschema.types.slug import suggest_slug

ROOT = Path(__file__).resolve().parent.parent
ADVERSARIAL = ROOT / "benchmarks" / "adversarial.py"
HANG = 10.0  # seconds, per 1 MiB input

PHONE, EMAIL, IMEI = "SAR300", "SAR301", "SAR302"

MUST_FAIL: list[tuple[str, tuple[str, ...], str]] = [
    # what passed before
    ("01\u200999\u200900\u200912\u200934", ("FR",), PHONE),  # thin space
    ("01\u202f99\u202f00\u202f12\u202f34", ("FR",), PHONE),  # narrow no-break space
    ("01\u00a099\u00a000\u00a012\u00a034", ("FR",), PHONE),  # no-break space
    ("020\u20137946\u20130958", (), PHONE),  # en dash
    ("020\u20147946\u20140958", (), PHONE),  # em dash
    ("020\u22127946\u22120958", (), PHONE),  # minus sign
    ("020_7946_0958", (), PHONE),
    ("020\u200b7946\u200b0958", (), PHONE),  # zero-width space
    ("020\u00ad7946\u00ad0958", (), PHONE),  # soft hyphen
    ("020\u20607946\u20600958", (), PHONE),  # word joiner
    ("\uff10\uff12\uff10 \uff17\uff19\uff14\uff16 \uff10\uff19\uff15\uff18", (), PHONE),
    ("\u0660\u0667\u0667\u0660\u0660 \u0669\u0660\u0660\u0661\u0662\u0663", (), PHONE),
    ("+44 7700 900123", (), PHONE),  # drama range: not valid in the metadata
    ("07700 900123", ("GB",), PHONE),
    ("01632 960123", ("GB",), PHONE),
    ("06 39 98 12 34", ("FR",), PHONE),
    ("(202) 555-0143", ("MA",), PHONE),  # a US format in a record about Morocco
    ("202.555.0143", (), PHONE),
    ("+44 (0)20 7946 0958", (), PHONE),
    ("(+44) 20 7946 0958", (), PHONE),
    ("+1 (202) 555-0143", (), PHONE),
    ("(020) 7946 0958", (), PHONE),
    ("Mobile 0491 570 156", (), PHONE),
    ("Call +44 20\n7946 0958 today", (), PHONE),  # as a `|` block is parsed
    ("Call +44 20\n\n      7946 0958 today", (), PHONE),
    ("https://wa.me/447700900123", (), PHONE),
    ("see https://wa.me/447700900123 for the group", (), PHONE),
    ("wa.me/447700900123", (), PHONE),
    ("tel:+447700900123", (), PHONE),
    ("tel:07700900123", (), PHONE),
    ("https://example.org/contact/+44-20-7946-0958", (), PHONE),
    ("https://example.org/u/%2B447700900123", (), PHONE),
    ("https://api.whatsapp.com/send?phone=447700900123", (), PHONE),
    ("https://t.me/+447700900123", (), PHONE),
    ("49/015420/323751/8", (), IMEI),
    ("49.015420.323751.8", (), IMEI),
    ("49\u00a0015420\u00a0323751\u00a08", (), IMEI),
    ("49-015420-323751-23", (), IMEI),  # a 16-digit IMEISV
    ("IMEI 490154203237518", (), IMEI),
    ("case no. 490154203237518", (), IMEI),  # no exception for an IMEI
    ("someone (at) example (dot) org", (), EMAIL),
    ("someone [at] example [dot] org", (), EMAIL),
    ("someone[at]example.org", (), EMAIL),
    ("someone {AT} example {DOT} org", (), EMAIL),
    ("someone(@)example.org", (), EMAIL),
    ("someone @ example.org", (), EMAIL),
    ("someone\uff20example.org", (), EMAIL),
    ("someone\ufe6bexample.org", (), EMAIL),
    ("someone at example dot org", (), EMAIL),
    ("someone AT example [.] org", (), EMAIL),
    ("mailto:someone@example.org", (), EMAIL),
    ("https://example.org/?contact=someone%40example.org", (), EMAIL),
    ("some\u200bone@exam\u00adple.org", (), EMAIL),
    # what failed before and still must
    ("+44 20 7946 0958", (), PHONE),
    ("+33 1 99 00 12 34", (), PHONE),
    ("0044 20 7946 0958", (), PHONE),
    ("01 99 00 12 34", ("FR",), PHONE),
    ("020.7946.0958", ("GB",), PHONE),
    ("+44 20 7946 0958journalist-b", (), PHONE),
    ("her number 0639981234", (), PHONE),
    ("son n° 06 39 98 12 34", (), PHONE),
    ("tel. 0044 20 7946 0958", (), PHONE),
    ("someone@example.org", (), EMAIL),
    ("Example Lab (someone@example.org)", (), EMAIL),
    ("49-015420-323751-8", (), IMEI),
    # six digits: where a country the record names has six-digit numbers
    ("012 345", ("AD",), PHONE),  # six digits (not valid in Andorra: none starts with 0)
    ("+43 0000", (), PHONE),  # four digits: possible in Austria
]

MUST_PASS: list[tuple[str, tuple[str, ...]]] = [
    ("2016\u20132021", ("DE",)),
    ("2016\u20142021", ("DE",)),
    ("2016-2021", ("DE",)),
    ("2016 \u2212 2021", ("DE",)),
    ("2016 - 2021", ("DE",)),
    ("2019/20", ("DE",)),
    ("2021-07-18", ("DE",)),
    ("18/07/2021", ("DE",)),
    ("18.07.2021", ("DE",)),
    ("07/18/2021", ("DE",)),
    ("2021-07", ("DE",)),
    ("2021-07-18 12:30", ("DE",)),
    ("2021-07-18 \u2013 2021-08-01", ("DE",)),
    ("\u0662\u0660\u0662\u0661-\u0660\u0667-\u0661\u0668", ("DE",)),
    ("Founded 1909-01-01; reorganised 2012-2018 and on 2019-07.", ("BM",)),
    ("Budget of USD 1,500,000", ()),
    ("a list of 50,000 numbers", ()),
    ("\u20ac 2 345 678", ()),
    ("3.456.789 EUR", ()),
    ("7\u202f500\u202f000 dirhams", ()),
    ("1 000 000 people", ()),
    ("ISBN 978-0-306-40615-7", ()),
    ("978-0-306-40615-7", ()),
    ("ISBN 0-306-40615-2", ()),
    ("doi:10.1000/182", ()),
    ("https://doi.org/10.1145/3319535.3354237", ()),
    ("10.1145/3319535.3354237", ()),
    ("case no. 2021/123456", ("DE",)),
    ("Case No.: 2021-1234567", ()),
    ("case 2021/123", ()),
    ("ref. 12345678", ()),
    ("Ref: 00123456", ()),
    ("report 2021-123456", ("DE",)),
    ("complaint n\u00b0 21.123.456.789", ()),
    ("loi n\u00b0 2016-1547", ()),
    ("pp. 1234-1256", ()),
    ("KB5005565", ()),
    ("CVE-2021-30860", ("DE",)),
    ("cve-2023-41064", ()),
    ("https://web.archive.org/web/20210718123456/https://example.org/news/1234567", ()),
    ("https://example.org/2021/07/18/article-1234567890?id=20210718123456", ()),
    ("www.example.org/p/98765432", ()),
    ("https://example.org/search?q=spyware+2021", ()),
    ("sha256 4495991f0a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5", ()),
    ("12345678-1234-4123-8123-123456789012", ()),
    ("192.168.100.200", ()),
    ("192.0.2[.]10/24", ()),
    ("Seen in 2021. 180 journalists were named.", ()),
    ("Active 2016-2021 (5 years), named 2021 (180 journalists).", ("DE",)),
    ("Amnesty International, Index: MDE 29/4491/2021", ()),
    ("Company No. 12345678", ()),
    ("codes MA EH FR GB US", ()),
    ("the report was published at example.org", ()),
    ("relayed by @example.group", ()),
    ("https://medium.com/@example/post-1234", ()),
    ("iOS 14.7.1 and 14.8", ()),
    ("123456", ("FR",)),  # six digits, and France has none
    ("12345", ("AD",)),
    ("+4912", ()),  # only dialable locally
    ("+2021", ()),
    ("2019 + 2021-07-18", ()),
    ("", ()),
    ("Journalist A", ()),
]


@pytest.mark.parametrize(("text", "regions", "code"), MUST_FAIL, ids=repr)
def test_personal_data_is_found(text: str, regions: tuple[str, ...], code: str) -> None:
    assert code in find_personal_data(text, regions)
    assert could_hold_personal_data(text)


@pytest.mark.parametrize(("text", "regions"), MUST_PASS, ids=repr)
def test_what_is_not_personal_data_passes(text: str, regions: tuple[str, ...]) -> None:
    assert find_personal_data(text, regions) == []


def test_an_imei_is_not_also_a_phone_number() -> None:
    assert find_personal_data("Handset 49-015420-323751-8") == [IMEI]


def test_every_kind_is_reported_once() -> None:
    text = "+44 20 7946 0958, someone@example.org, 490154203237518 and 020 7946 0959"
    assert find_personal_data(text) == [PHONE, EMAIL, IMEI]


def test_digits_next_to_a_hash_still_count() -> None:
    sha = "4495991f0a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5"
    assert find_personal_data(f"sha256 {sha}") == []
    assert find_personal_data(f"0639981234 {sha}") == [PHONE]
    assert find_personal_data(f"{sha} 0639981234") == [PHONE]
    assert find_personal_data("12345678-1234-4123-8123-123456789012 0639981234") == [PHONE]


TEXTS = st.lists(
    st.one_of(
        st.text(alphabet=" 0123456789.-/()[]+@:#atdoATDOcsenrf\n\u2013\u00a0\u200b", max_size=40),
        st.sampled_from([form for form, _, _ in MUST_FAIL] + [form for form, _ in MUST_PASS]),
    ),
    max_size=8,
)


@settings(max_examples=400)
@given(texts=TEXTS, six=st.booleans())
def test_the_joined_pass_finds_what_each_text_holds(texts: list[str], six: bool) -> None:
    """`scan` looks at all the texts of a record joined before it looks at each: no
    finding in one text may be lost by the joining."""
    one_by_one = set().union(*(_find(text, six) for text in texts))
    joined = set(_find(_JOIN.join(texts), six))
    assert one_by_one <= joined


def _reference_fold(char: str) -> str:
    kind = unicodedata.category(char)
    if kind in ("Zs", "Zl", "Zp"):
        return " "
    if kind == "Nd":
        return str(unicodedata.decimal(char))
    return {"Cf": "", "Pd": "-"}.get(kind, char)


_REFERENCE_SPACES = re.compile(r"[^\S ]\s*| \s+")  # the rule: every other run of spaces is one


@settings(max_examples=600)
@given(
    text=st.text(
        alphabet=" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\u00a0\u2028\u3000a1\u0661-\u2013\u200b@"
    )
)
def test_normalising_folds_white_space_as_the_rule_says(text: str) -> None:
    """`normalise` folds white space by replacing each kind and halving pairs of
    spaces, not with the regular expression the rule is written as: both must give
    one text, ends included, whatever the runs' lengths."""
    folded = normalise(text)
    if not text.isascii():
        text = "".join(map(_reference_fold, unicodedata.normalize("NFKC", text)))
    assert folded == _REFERENCE_SPACES.sub(" ", text)


@settings(max_examples=600)
@given(text=st.text(alphabet="0123456789\u0660\u0669\u06f5\u0966\uff11\U0001d7d9+-. ()[]/_a"))
def test_runs_of_digits_are_found_in_normalised_text_as_unicode_digits_would_be(
    text: str,
) -> None:
    """The run expression reads only ASCII digits (for speed): normalising leaves no
    other decimal digit, so it finds what the same expression over every Unicode
    digit finds."""
    folded = normalise(text)
    assert not any(ch.isdecimal() and not ch.isascii() for ch in folded)
    unicode_run = re.compile(_RUN.pattern)
    assert [m.span() for m in _RUN.finditer(folded)] == [
        m.span() for m in unicode_run.finditer(folded)
    ]


_REFERENCE_MARK = re.compile(r"://|www\.|10\.\d{4,9}/", re.IGNORECASE)


@settings(max_examples=600)
@given(text=st.text(alphabet="wW.:/10234 a"))
def test_links_and_dois_are_marked_as_the_rule_says(text: str) -> None:
    """The token mark is written to start with a character class (for speed): it
    must find what the plain alternation finds."""
    assert [m.span() for m in _TOKEN_MARK.finditer(text)] == [
        m.span() for m in _REFERENCE_MARK.finditer(text)
    ]


def test_six_digits_count_only_where_the_record_names_such_a_country() -> None:
    assert find_personal_data("Flat 123456", ("FR",)) == []
    assert find_personal_data("Flat 012345", ("FR", "AD")) == [PHONE]
    assert find_personal_data("Flat 123456", ("AQ",)) == []  # no phone metadata at all


# --- nothing repeats personal data ---------------------------------------------------

UNSAFE = [
    "someone@example.org",
    "someone at example dot org",
    "someone (at) example (dot) org",
    "+44 20 7946 0958",
    "490154203237518",
    "Journalist A 07700 900123",
]


@pytest.mark.parametrize("value", UNSAFE)
def test_personal_data_is_never_safe_to_repeat(value: str) -> None:
    assert holds_personal_data(value)
    assert not is_safe(value)
    assert value not in echo(value)
    assert suggest_slug(value) == ""  # no slug is built from it
    assert format_field(("notes", value)) == "notes.<key>"


def test_safe_values_and_their_slugs_are_kept() -> None:
    assert is_safe("journalist-a") and is_safe("Hatice Cengiz") and is_safe("at")
    assert suggest_slug("Hatice Cengiz") == "hatice-cengiz"
    assert suggest_slug("Journalist_B") == "journalist-b"


def _render_all(root: Path) -> tuple[set[str], str]:
    report = validate_paths([str(root)])
    outputs = []
    for render in RENDERERS.values():
        out = io.StringIO()
        render(report, out)
        outputs.append(out.getvalue())
    return {d.code for d in report.diagnostics}, "\n".join(outputs)


def _assert_not_repeated(value: str, output: str) -> None:
    assert value not in output
    digits = re.sub(r"\D", "", value)
    if len(digits) >= 7:
        assert digits not in re.sub(r"\D", "", output)
    slug = suggest_slug(value) or re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")
    if len(slug) > 12:
        assert slug not in output


OUTPUT_FORMS = [
    ("01\u202f99\u202f00\u202f12\u202f34", PHONE),
    ("020\u20137946\u20130958", PHONE),
    ("https://wa.me/447700900123", PHONE),
    ("49/015420/323751/8", IMEI),
    ("someone (at) example (dot) org", EMAIL),
    ("someone at example dot org", EMAIL),
    ("someone\uff20example.org", EMAIL),
]


@pytest.mark.parametrize(("value", "code"), OUTPUT_FORMS, ids=repr)
@pytest.mark.parametrize("where", ["notes", "key", "target", "id"])
def test_no_output_format_repeats_the_value(
    base_tree: Path, value: str, code: str, where: str
) -> None:
    """In a text, as a key, as a reference and as an id (both with slug hints): found,
    and repeated by no output format (text, json, github)."""
    record = base_tree / "targets" / "journalist-b.yaml"
    text = record.read_text(encoding="utf-8")
    quoted = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if where == "notes":
        text = text.replace("roles: [journalist]\n", f"roles: [journalist]\nnotes: {quoted}\n")
    elif where == "key":
        text = text.replace("roles: [journalist]\n", f"roles: [journalist]\n{quoted}: x\n")
    elif where == "target":
        text = text.replace("  - name: Person C\n", f"  - target: {quoted}\n")
    else:
        text = text.replace("id: journalist-b\n", f"id: {quoted}\n")
    record.write_text(text, encoding="utf-8")
    codes, output = _render_all(base_tree)
    assert code in codes
    _assert_not_repeated(value, output)


@pytest.mark.parametrize(
    "url",
    [
        "https://wa.me/447700900123",
        "https://example.org/contact/+44-20-7946-0958",
        "https://example.org/?contact=someone%40example.org",
        "tel:+442079460958",
    ],
)
def test_no_output_format_repeats_a_link_in_a_url_field(base_tree: Path, url: str) -> None:
    record = base_tree / "targets" / "journalist-b.yaml"
    text = record.read_text(encoding="utf-8")
    record.write_text(text.replace("https://example.org/reports/leaked-list", url), "utf-8")
    codes, output = _render_all(base_tree)
    assert codes & {PHONE, EMAIL}
    _assert_not_repeated(url, output)
    _assert_not_repeated(url.rsplit("/", 1)[-1], output)


# --- linear time ---------------------------------------------------------------------


def _adversarial(*args: str, inputs: int) -> dict[str, float]:
    """Run benchmarks/adversarial.py in a child process; seconds per input."""
    done = subprocess.run(
        [sys.executable, str(ADVERSARIAL), "--inline", *args],
        capture_output=True,
        text=True,
        timeout=HANG * inputs,
        check=True,
    )
    rows = [line.split("|") for line in done.stdout.splitlines()[2:]]
    return {row[1].strip(): float(row[3]) for row in rows}


def test_adversarial_texts_take_linear_time() -> None:
    """1 MiB texts shaped to make careless patterns backtrack, or a careless loop run
    once per country: `aaa…@bbb…`, one long URL-like token, long runs of digits and
    separators, a record naming every country, ..."""
    sys.path.insert(0, str(ADVERSARIAL.parent))
    try:
        from adversarial import INPUTS
    finally:
        sys.path.remove(str(ADVERSARIAL.parent))
    seconds = _adversarial("--via", "pii", inputs=len(INPUTS))
    assert set(seconds) == set(INPUTS)
    slow = {name: s for name, s in seconds.items() if s > HANG}
    assert not slow


def test_adversarial_records_take_linear_time_through_the_file_check() -> None:
    names = [
        "email-a-at-b",
        "url-long-token",
        "digits-spaced",
        "countries-250",
        "spaces-one-run",
        "comment-lines",
    ]
    seconds = _adversarial("--via", "file", "--only", *names, inputs=len(names))
    assert set(seconds) == set(names)
    assert all(s <= HANG for s in seconds.values())
