"""Property tests: generated valid records round-trip; mutated files never crash."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from sarschema.api import validate_paths
from sarschema.codes import CODES
from sarschema.filecheck import check_bytes
from sarschema.models import record_adapter
from sarschema.types.country import country_codes
from sarschema.types.language import language_codes
from sarschema.vocab import (
    Attribution,
    Evidence,
    ForensicResult,
    LegalStatus,
    OperatorType,
    Platform,
    Relation,
    ResponderType,
    ResponseType,
    Role,
    Status,
    TargetType,
    Vector,
    Visibility,
)

BASE = Path(__file__).parent / "cases" / "_base" / "records"

TODAY = dt.date(2026, 1, 1)
TRICKY = [
    "NO",
    "yes",
    "on",
    "off",
    "true",
    "null",
    "~",
    "0755",
    "1:20",
    "1e3",
    ".inf",
    "a: b",
    "x # y",
    "- item",
    "'quoted'",
    '"double"',
    "&anchor",
    "*alias",
    "!tag",
    "%percent",
    "<<",
    "أخبار اليوم",
    "Lénaïg Bredoux",
    "Ça va?",
    "multi\nline",
]

# Realistic slugs: at most one group of up to four digits (a year). Six digits or
# more can be a phone number in some country (Andorra's have six), which the guard
# rightly refuses.
ids = st.from_regex(r"\A[a-z]{3,10}(-[a-z]{1,8}){0,2}(-[0-9]{1,4})?\Z")
word = st.text(
    alphabet=st.characters(categories=("Lu", "Ll", "Lo"), max_codepoint=0x6FF),
    min_size=1,
    max_size=10,
)
text = st.one_of(
    st.lists(word, min_size=1, max_size=6).map(" ".join),
    st.sampled_from(TRICKY),
)
countries = st.sampled_from(sorted(country_codes()))
languages = st.sampled_from(sorted(language_codes()))


@st.composite
def dates(draw: Any, low: dt.date = dt.date(1900, 1, 1)) -> str:
    day = draw(st.dates(min_value=low, max_value=TODAY))
    precision = draw(st.sampled_from(["year", "month", "day"]))
    return {"year": f"{day:%Y}", "month": f"{day:%Y-%m}", "day": day.isoformat()}[precision]


def vocab(enum: Any) -> Any:
    return st.sampled_from([m.value for m in enum])


def some(strategy: Any, min_size: int = 0) -> Any:
    return st.lists(strategy, min_size=min_size, max_size=3)


@st.composite
def sources(draw: Any) -> dict[str, Any]:
    src = {
        "title": draw(text),
        "publisher": draw(text),
        "published": draw(dates()),
        "language": draw(languages),
    }
    if draw(st.booleans()):
        src["url"] = "https://example.org/" + draw(ids)
    if draw(st.booleans()):
        src["notes"] = draw(text)
    return src


def optional(draw: Any, out: dict[str, Any], key: str, strategy: Any) -> None:
    if draw(st.booleans()):
        out[key] = draw(strategy)


@st.composite
def records(draw: Any) -> dict[str, Any]:
    kind = draw(st.sampled_from(["incident", "target", "operator", "response"]))
    rec: dict[str, Any] = {"id": draw(ids), "kind": kind}
    if kind == "incident":
        rec |= {
            "title": draw(text),
            "summary": draw(text),
            "date": draw(dates()),
            "targets": draw(some(ids, 1)),
            "status": draw(vocab(Status)),
        }
        evidence = draw(some(vocab(Evidence), 1))
        rec["evidence"] = evidence
        if "forensic-analysis" in evidence:
            rec["forensic_analyses"] = [{"by": draw(text), "result": draw(vocab(ForensicResult))}]
        optional(
            draw,
            rec,
            "alleged_operators",
            some(st.fixed_dictionaries({"operator": ids, "attribution": vocab(Attribution)})),
        )
        optional(draw, rec, "spyware", some(ids))
        optional(draw, rec, "vectors", some(vocab(Vector)))
        optional(draw, rec, "platforms", some(vocab(Platform)))
        optional(draw, rec, "location", countries)
        optional(
            draw,
            rec,
            "translations",
            st.dictionaries(languages, st.fixed_dictionaries({"title": text}), max_size=2),
        )
    elif kind == "target":
        rec |= {
            "name": draw(text),
            "visibility": draw(vocab(Visibility)),
            "type": draw(vocab(TargetType)),
            "roles": draw(some(vocab(Role), 1)),
        }
        optional(draw, rec, "aliases", some(text))
        optional(draw, rec, "nationalities", some(countries))
        optional(draw, rec, "exiled", st.booleans())
        optional(
            draw,
            rec,
            "related",
            some(
                st.one_of(
                    st.fixed_dictionaries({"target": ids, "relation": vocab(Relation)}),
                    st.fixed_dictionaries({"name": text, "relation": vocab(Relation)}),
                )
            ),
        )
    elif kind == "operator":
        op_type = draw(vocab(OperatorType))
        rec |= {"name": draw(text), "type": op_type}
        if op_type != "unknown" or draw(st.booleans()):
            rec["country"] = draw(countries)
        if op_type == "vendor":
            optional(draw, rec, "products", some(st.fixed_dictionaries({"id": ids, "name": text})))
        optional(draw, rec, "parent", ids)
    else:
        rec |= {
            "title": draw(text),
            "summary": draw(text),
            "type": draw(vocab(ResponseType)),
            "date": draw(dates()),
            "by": draw(
                some(
                    st.one_of(
                        st.fixed_dictionaries({"operator": ids}),
                        st.fixed_dictionaries({"target": ids}),
                        st.fixed_dictionaries({"name": text, "type": vocab(ResponderType)}),
                    ),
                    1,
                )
            ),
            "about": {"incidents": draw(some(ids, 1))},
        }
        optional(draw, rec, "demands", some(text))
        optional(draw, rec, "status", vocab(LegalStatus))
    rec["sources"] = draw(some(sources(), 1))
    optional(draw, rec, "notes", text)
    return rec


FOLDER = {
    "incident": "incidents",
    "target": "targets",
    "operator": "operators",
    "response": "responses",
}


@given(records(), st.booleans())
def test_generated_records_round_trip(record: dict[str, Any], flow: bool) -> None:
    """A valid record, dumped to YAML in block or flow style, reads back unchanged."""
    expected = record_adapter().validate_python(record)
    data = yaml.safe_dump(
        record, allow_unicode=True, sort_keys=False, default_flow_style=flow
    ).encode()
    result = check_bytes(
        data, "x.yaml", folder=FOLDER[record["kind"]], stem=record["id"], today=TODAY
    )
    assert [d for d in result.diagnostics if d.code != "SAR400"] == []
    assert result.record == expected


BASE_FILES = sorted(BASE.glob("*/*.yaml"))
TOKENS = [
    b": ",
    b"- ",
    b"&a ",
    b"*a",
    b"!!str ",
    b"!!python/object/apply:os.system ",
    b"\t",
    b"[",
    b"]",
    b"{",
    b"}",
    b'"',
    b"'",
    b"#",
    b"\n---\n",
    b"%YAML 1.2\n",
    b"<<: ",
    b"~",
    b"\x00",
    b"\xff",
    b"\xef\xbb\xbf",
    b"\r\n",
    b"  ",
    b"\n",
    b"? ",
    b"|",
    b">",
    b"null",
    b"+44 20 7946 0958",
    b"\xe2\x80\xae",
    b"\x07",
]


@st.composite
def mutated(draw: Any) -> tuple[Path, bytes]:
    path = draw(st.sampled_from(BASE_FILES))
    data = bytearray(path.read_bytes())
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data)))
        op = draw(st.sampled_from(["insert", "delete", "replace", "byte"]))
        if op == "insert":
            data[at:at] = draw(st.sampled_from(TOKENS))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 20))]
        elif op == "replace":
            data[at : at + 1] = draw(st.sampled_from(TOKENS))
        else:
            data[at:at] = bytes([draw(st.integers(0, 255))])
    return path, bytes(data)


@given(mutated())
def test_mutated_files_only_yield_diagnostics(case: tuple[Path, bytes]) -> None:
    """Random byte and token mutations: diagnostics only, never another exception."""
    path, data = case
    result = check_bytes(data, "x.yaml", folder=path.parent.name, stem=path.stem, today=TODAY)
    for diag in result.diagnostics:
        assert diag.level is CODES[diag.code].severity  # per-file checks never escalate
        assert diag.line is None or diag.line >= 1
        assert diag.column is None or diag.column >= 1
        for text in (diag.message, diag.hint or "", diag.field or ""):
            assert "7946" not in text, "a phone number was repeated in a diagnostic"


@settings(max_examples=40)
@given(mutated())
def test_mutated_trees_through_validate_paths(case: tuple[Path, bytes]) -> None:
    """The public entry point, on a whole tree with one mutated file: nothing lost."""
    import shutil
    import tempfile

    path, data = case
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "records"
        shutil.copytree(BASE, root)
        (root / path.parent.name / path.name).write_bytes(data)
        report = validate_paths([str(root)], today=TODAY)
    assert all(d.level is CODES[d.code].severity for d in report.diagnostics)  # not strict
    assert report.files == 8 and len(report.read) == 8
    failed = set(report.read) - set(report.valid_files)
    errors = {d.file for d in report.diagnostics if d.level == "error"}
    assert failed <= errors
