"""The exported schemas in partners' own tools: jsonschema and ajv, against the models.

For each format version, a corpus of single-record cases (every valid example,
plus single-field mutations) must get the same verdict from that version's
Pydantic models, from Python's jsonschema (with the format checker) and from ajv
(draft 2020-12, strict mode, ajv-formats) given that version's published schema,
except for the rules JSON Schema cannot express, listed below.
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from pydantic import ValidationError

from sarschema.__about__ import FORMAT_VERSIONS
from sarschema.api import validate_paths
from sarschema.export.schema import build_schemas, folder_of, write_schemas
from sarschema.models import record_adapter

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_ROOT = ROOT / "schema"
SCHEMA_DIR = SCHEMA_ROOT  # format 1.0's files, where partners pinned them
INTEROP = ROOT / "tests" / "interop"
BASE = ROOT / "tests" / "cases" / "_base" / "records"
#: A 1.1 set using every construct new in 1.1.
NEW_IN_1_1 = ROOT / "tests" / "cases" / "v11-accepted-every-new-construct" / "records"

#: Rules the models check and JSON Schema cannot express: cases breaking only
#: these are expected to be valid for the JSON Schema validators.
NOT_IN_SCHEMA = {"date-order", "after-revealed", "original-same-language"}
#: Values that sarschema never builds from YAML but that a YAML 1.2 core parser does
#: (a plain `12345` or `7` is a number to it, text to sarschema): the schema accepts
#: them, so that it describes records as editors and js-yaml read them, while the
#: models, given JSON, refuse a number where text is due (tests/test_yaml_interop.py
#: compares the raw YAML).
CORE_READINGS = {"core-number"}

Case = tuple[str, str, dict[str, Any], str | None]  # name, schema file, data, exception


def schema_dir(version: str) -> Path:
    return SCHEMA_ROOT / folder_of(version)


def _new_in_1_1_set(tmp: Path) -> Path:
    """The base set with the 1.1 case laid over it (as tests/test_cases.py does)."""
    root = tmp / "records"
    shutil.copytree(BASE, root, dirs_exist_ok=True)
    shutil.copytree(NEW_IN_1_1, root, dirs_exist_ok=True)
    return root


def valid_examples(version: str) -> list[dict[str, Any]]:
    """The base set (valid in every version), and for 1.1 the shipped records and
    every new construct; each example as its version's models dump it."""
    import tempfile

    paths = [str(BASE)]
    with tempfile.TemporaryDirectory() as tmp:
        if version != FORMAT_VERSIONS[0]:
            paths += [str(ROOT / "records"), str(_new_in_1_1_set(Path(tmp)))]
        records = [r for path in paths for r in validate_paths([path]).records]
    by_id = {r.id: r.model_dump(mode="json", exclude_none=True) for r in records}
    return list(by_id.values())


def _set(data: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(data)
    node = out
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return out


def _drop(data: dict[str, Any], path: tuple[Any, ...]) -> dict[str, Any]:
    out = copy.deepcopy(data)
    node = out
    for part in path[:-1]:
        node = node[part]
    del node[path[-1]]
    return out


REQUIRED = {
    "incident": [
        "id",
        "kind",
        "title",
        "summary",
        "date",
        "targets",
        "status",
        "evidence",
        "sources",
    ],
    "target": ["id", "name", "visibility", "type", "roles", "sources"],
    "operator": ["id", "name", "type"],
    "response": ["id", "title", "summary", "type", "date", "by", "about", "sources"],
}
VOCAB = {
    "incident": [("status",), ("evidence", 0)],
    "target": [("visibility",), ("type",), ("roles", 0)],
    "operator": [("type",)],
    "response": [("type",)],
}
DATES = {"incident": ("date",), "response": ("date",)}


def mutations(rec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], str | None]]:
    kind = rec["kind"]
    for field in REQUIRED[kind]:
        if field in rec:  # a 1.1 incident may have `revealed` instead of `date`
            yield f"missing-{field}", _drop(rec, (field,)), None
    yield "extra-field", _set(rec, ("unknown_field",), "x"), None
    yield "extra-field-in-source", _set(rec, ("sources", 0, "publisherr"), "x"), None
    for path in VOCAB[kind]:
        yield f"bad-vocab-{'.'.join(map(str, path))}", _set(rec, path, "not-a-value"), None
    yield "bad-kind", _set(rec, ("kind",), "incidents"), None
    yield "bad-id-upper", _set(rec, ("id",), "Bad_Id"), None
    yield "bad-id-short", _set(rec, ("id",), "ab"), None
    yield "id-not-text", _set(rec, ("id",), 12345), "core-number"
    yield "id-not-a-whole-number", _set(rec, ("id",), 123.5), None
    yield "empty-sources", _set(rec, ("sources",), []), None
    yield "sources-not-list", _set(rec, ("sources",), "a source"), None
    yield "source-title-blank", _set(rec, ("sources", 0, "title"), "   "), None
    yield "source-title-number", _set(rec, ("sources", 0, "title"), 7), "core-number"
    yield "source-title-list", _set(rec, ("sources", 0, "title"), ["x"]), None
    for bad in ("2021-13", "2021-02-30", "1899", "21-07-2021", "1900-02-29", "2021-7-1"):
        yield f"bad-published-{bad}", _set(rec, ("sources", 0, "published"), bad), None
    yield "leap-day", _set(rec, ("sources", 0, "published"), "2020-02-29"), None
    yield "leap-day-2000", _set(rec, ("sources", 0, "published"), "2000-02-29"), None
    for bad in ("iw", "EN", "eng", "xx"):
        yield f"bad-language-{bad}", _set(rec, ("sources", 0, "language"), bad), None
    yield "bad-url", _set(rec, ("sources", 0, "url"), "example.org/page"), None
    yield "ftp-url", _set(rec, ("sources", 0, "url"), "ftp://example.org/page"), None
    yield "good-url", _set(rec, ("sources", 0, "url"), "https://example.org/a?b=1#c"), None
    yield "null-notes", _set(rec, ("notes",), None), None
    if kind in DATES:
        yield "date-year-only", _set(rec, DATES[kind], "2019"), None
    if kind == "incident":
        yield (
            "date-order",
            _set(_set(rec, ("date",), "2020-05-01"), ("date_end",), "2020-04"),
            "date-order",
        )
        yield (
            "date-end-coarser",
            _set(_set(rec, ("date",), "2020-05-01"), ("date_end",), "2020-05"),
            None,
        )
        yield "empty-targets", _set(rec, ("targets",), []), None
        yield (
            "forensic-without-analyses",
            _drop(_set(rec, ("evidence",), ["forensic-analysis"]), ("forensic_analyses",))
            if "forensic_analyses" in rec
            else _set(rec, ("evidence",), ["forensic-analysis"]),
            None,
        )
        yield "bad-location", _set(rec, ("location",), "UK"), None
        yield "kosovo", _set(rec, ("location",), "XK"), None
        yield "bad-translation-language", _set(rec, ("translations",), {"zz": {"title": "x"}}), None
        yield "translation-extra", _set(rec, ("translations",), {"fr": {"titre": "x"}}), None
        yield (
            "bad-attribution",
            _set(rec, ("alleged_operators",), [{"operator": "nso-group", "attribution": "likely"}]),
            None,
        )
    if kind == "target":
        yield "exiled-string", _set(rec, ("exiled",), "true"), None
        yield "exiled-bool", _set(rec, ("exiled",), False), None
        yield (
            "related-both",
            _set(rec, ("related",), [{"target": "abc", "name": "X", "relation": "friend"}]),
            None,
        )
        yield "related-neither", _set(rec, ("related",), [{"relation": "friend"}]), None
        yield "bad-nationality", _set(rec, ("nationalities",), ["ma"]), None
    if kind == "operator":
        yield (
            "state-without-country",
            _drop(_set(rec, ("type",), "state"), ("country",))
            if "country" in rec
            else _set(rec, ("type",), "state"),
            None,
        )
        yield (
            "unknown-without-country",
            _drop(
                _set(_drop(rec, ("products",)) if "products" in rec else rec, ("type",), "unknown"),
                ("country",),
            )
            if "country" in rec
            else rec,
            None,
        )
        yield (
            "products-on-state",
            _set(_set(rec, ("type",), "state"), ("products",), [{"id": "tool-x", "name": "Tool"}]),
            None,
        )
        yield "bad-country-eu", _set(rec, ("country",), "EU"), None
    if kind == "response":
        yield "about-empty", _set(rec, ("about",), {}), None
        yield "about-empty-list", _set(rec, ("about",), {"targets": []}), None
        yield "by-both", _set(rec, ("by",), [{"operator": "abc", "target": "abd"}]), None
        yield "by-name-without-type", _set(rec, ("by",), [{"name": "X"}]), None
        yield "bad-legal-status", _set(rec, ("status",), "open"), None


def mutations_1_1(rec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], str | None]]:
    """The constructs new in 1.1: valid and broken forms of each."""
    kind = rec["kind"]
    source = ("sources", 0, "translation_of")
    yield "original-mapping", _set(rec, source, {"language": "ar", "publisher": "X"}), None
    yield "original-empty", _set(rec, source, {}), None
    yield "original-extra-key", _set(rec, source, {"langue": "ar"}), None
    yield "original-bad-language", _set(rec, source, {"language": "arabic"}), None
    yield "original-same-language", _set(rec, source, {"language": "en"}), "original-same-language"
    yield "original-url-only", _set(rec, source, {"url": "https://example.org/ar"}), None
    if kind == "incident":
        undated = _without(rec, "date", "date_end")
        yield "revealed-without-date", _set(undated, ("revealed",), "2021-07"), None
        yield "neither-date-nor-revealed", undated, None
        yield (
            "end-without-date",
            _set(_set(undated, ("revealed",), "2021-07"), ("date_end",), "2021"),
            None,
        )
        yield (
            "after-revealed",
            _set(_set(undated, ("date",), "2021-08"), ("revealed",), "2021-07"),
            "after-revealed",
        )
        yield "revealed-bad-date", _set(rec, ("revealed",), "July 2021"), None
        for value in ("stated", "likely", "possible", "certain"):
            yield f"certainty-{value}", _set(rec, ("certainty",), value), None
    if kind == "target":
        held = {"role": "head-of-government", "held": "former", "as_of": "2021-07"}
        yield "held-role", _set(rec, ("roles",), ["journalist", held]), None
        yield "held-role-bad-held", _set(rec, ("roles",), [{**held, "held": "past"}]), None
        yield (
            "held-role-no-as-of",
            _set(rec, ("roles",), [{"role": "lawyer", "held": "current"}]),
            None,
        )
        yield "held-role-extra", _set(rec, ("roles",), [{**held, "until": "2022"}]), None
        yield "held-role-bad-role", _set(rec, ("roles",), [{**held, "role": "king"}]), None
        yield "client", _set(rec, ("related",), [{"name": "Person C", "relation": "client"}]), None
    if kind == "response":
        yield "about-products", _set(rec, ("about",), {"products": ["spyware-a"]}), None
        yield "about-subjects", _set(rec, ("about",), {"subjects": ["unnamed-people"]}), None
        yield "about-bad-subject", _set(rec, ("about",), {"subjects": ["the-trade"]}), None
        yield "about-products-empty", _set(rec, ("about",), {"products": []}), None


def _without(rec: dict[str, Any], *fields: str) -> dict[str, Any]:
    out = copy.deepcopy(rec)
    for name in fields:
        out.pop(name, None)
    return out


def corpus(version: str) -> list[Case]:
    cases: list[Case] = []
    examples = valid_examples(version)
    for index, rec in enumerate(examples):
        cases.append((f"{rec['id']}#valid", "record.schema.json", rec, None))
        # the full mutation set on the base examples and on one shipped record of each kind
        if index < 8 or rec["id"] in {
            "hatice-cengiz-2018-pegasus",
            "omar-radi",
            "nso-group",
            "morocco-government-denial-2021",
        }:
            # 1.1's mutations go to 1.0 too, where each new construct must be refused
            for name, data, exception in [*mutations(rec), *mutations_1_1(rec)]:
                schema = f"{rec['kind']}.schema.json" if index % 2 else "record.schema.json"
                cases.append((f"{rec['id']}#{name}", schema, data, exception))
    return cases


CORPUS = {version: corpus(version) for version in FORMAT_VERSIONS}
ALL_CASES = [(version, case) for version, cases in CORPUS.items() for case in cases]
#: The 1.0 schemas as published: partners pinned `urn:sarschema:1.0:*`, so these
#: files never change (the first 16 hex digits of their SHA-256).
PUBLISHED_1_0 = {
    "incident.schema.json": "912d89beec6042f5",
    "operator.schema.json": "92ef0f805dd2cf0a",
    "record.schema.json": "25bbb0e926370830",
    "response.schema.json": "1333a1d8b1182105",
    "target.schema.json": "12ab9b1946b7cd2a",
}


def pydantic_verdict(data: dict[str, Any], version: str) -> bool:
    try:
        record_adapter(version).validate_python(data)
    except ValidationError:
        return False
    return True


def _load(version: str) -> dict[str, dict[str, Any]]:
    return {
        p.name: json.loads(p.read_text(encoding="utf-8"))
        for p in schema_dir(version).glob("*.json")
    }


@pytest.fixture(scope="module")
def schemas() -> dict[str, dict[str, dict[str, Any]]]:
    return {version: _load(version) for version in FORMAT_VERSIONS}


def run_ajv(cases: list[dict[str, Any]], version: str = FORMAT_VERSIONS[0]) -> dict[str, Any]:
    """ajv (strict, every schema of one version) over the cases, in one Node process:
    see tests/interop/ajv-validate.mjs for the case shapes (data, or a raw YAML file)."""
    node = shutil.which("node")
    assert node, "Node.js is needed for the ajv interop test (see README)"
    assert (INTEROP / "node_modules" / "ajv").is_dir(), (
        "run `npm ci --prefix tests/interop` first (the README's test command does)"
    )
    done = subprocess.run(
        [node, str(INTEROP / "ajv-validate.mjs")],
        input=json.dumps({"schema_dir": str(schema_dir(version)), "cases": cases}),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


@pytest.fixture(scope="module")
def ajv_verdicts() -> dict[str, dict[str, Any]]:
    return {
        version: run_ajv([{"name": n, "schema": s, "data": d} for n, s, d, _ in cases], version)
        for version, cases in CORPUS.items()
    }


@pytest.mark.parametrize("version", FORMAT_VERSIONS)
def test_corpus_is_large_and_mixed(version: str) -> None:
    verdicts = [pydantic_verdict(d, version) for _, _, d, _ in CORPUS[version]]
    assert len(verdicts) >= 200
    assert verdicts.count(True) >= 40 and verdicts.count(False) >= 150


def test_each_new_construct_is_valid_in_1_1_only() -> None:
    """On the base examples, every valid 1.1 construct is refused by 1.0's models,
    and so by 1.0's schema (test_same_verdict_everywhere)."""
    new = {"revealed-without-date", "held-role", "client", "about-products", "about-subjects"}
    new |= {"original-mapping", "certainty-possible"}
    base = {r["id"] for r in valid_examples("1.0")}
    seen = set()
    for name, _, data, _ in CORPUS["1.0"]:
        mutation = name.split("#")[1]
        if mutation in new and data["id"] in base:
            seen.add(mutation)
            assert pydantic_verdict(data, "1.1"), name
            assert not pydantic_verdict(data, "1.0"), name
    assert seen == new


def test_committed_schema_is_fresh() -> None:
    assert write_schemas(SCHEMA_ROOT, check=True) == [], "run `sarschema export schema`"


def test_the_1_0_schemas_are_the_published_ones() -> None:
    import hashlib

    published = {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()[:16]
        for p in sorted(SCHEMA_ROOT.glob("*.schema.json"))
    }
    assert published == PUBLISHED_1_0


@pytest.mark.parametrize("version", FORMAT_VERSIONS)
def test_schemas_are_valid_2020_12(
    version: str, schemas: dict[str, dict[str, dict[str, Any]]]
) -> None:
    assert set(schemas[version]) == {
        "incident.schema.json",
        "target.schema.json",
        "operator.schema.json",
        "response.schema.json",
        "record.schema.json",
    }
    for name, schema in schemas[version].items():
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["$id"] == f"urn:sarschema:{version}:{name.removesuffix('.schema.json')}"
        jsonschema.Draft202012Validator.check_schema(schema)


def _walk(node: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield key, value
            yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


@pytest.mark.parametrize("version", FORMAT_VERSIONS)
def test_schemas_are_portable(version: str, schemas: dict[str, dict[str, dict[str, Any]]]) -> None:
    for name, schema in schemas[version].items():
        for key, value in _walk(schema):
            assert key not in ("discriminator", "nullable", "default"), (name, key)
            if key == "pattern":
                assert value.isascii() and "\\d" not in value and "\\w" not in value, value
            if key == "type":
                assert value != "null", name
        objects = [
            v
            for k, v in _walk(schema)
            if isinstance(v, dict) and "properties" in v and v.get("type") == "object"
        ]
        assert objects and all(o.get("additionalProperties") is False for o in objects)


@pytest.mark.parametrize("version", FORMAT_VERSIONS)
def test_every_field_and_vocabulary_value_is_described(
    version: str, schemas: dict[str, dict[str, dict[str, Any]]]
) -> None:
    defs = schemas[version]["record.schema.json"]["$defs"]
    for name, definition in defs.items():
        for prop, spec in definition.get("properties", {}).items():
            assert spec.get("description"), f"{name}.{prop} has no description"
        if "enum" in definition:  # a vocabulary: each value's meaning, for editors
            meanings = definition["enumDescriptions"]
            assert len(meanings) == len(definition["enum"]) and all(meanings), name


@pytest.mark.parametrize("version", FORMAT_VERSIONS)
def test_generated_schema_matches_build(version: str) -> None:
    for name, schema in build_schemas(version).items():
        assert json.loads((schema_dir(version) / name).read_text(encoding="utf-8")) == schema


@pytest.mark.parametrize("version", FORMAT_VERSIONS)
def test_ajv_compiles_every_schema_in_strict_mode(
    version: str, ajv_verdicts: dict[str, dict[str, Any]]
) -> None:
    compiled = ajv_verdicts[version]["compiled"]
    assert sorted(compiled) == sorted(p.name for p in schema_dir(version).glob("*.json"))


@pytest.mark.parametrize(("version", "case"), ALL_CASES, ids=[f"{v}:{c[0]}" for v, c in ALL_CASES])
def test_same_verdict_everywhere(
    version: str,
    case: Case,
    schemas: dict[str, dict[str, dict[str, Any]]],
    ajv_verdicts: dict[str, dict[str, Any]],
) -> None:
    name, schema_name, data, exception = case
    expected = pydantic_verdict(data, version)
    validator = jsonschema.Draft202012Validator(
        schemas[version][schema_name],
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )
    errors = [e.message for e in validator.iter_errors(data)]
    by_jsonschema = not errors
    by_ajv = ajv_verdicts[version]["verdicts"][name]
    if exception in NOT_IN_SCHEMA and version == FORMAT_VERSIONS[0] and exception != "date-order":
        exception = None  # a 1.1 rule's case: in 1.0 its field is refused outright
    if exception is not None:
        assert exception in NOT_IN_SCHEMA | CORE_READINGS
        assert expected is False, "the models must enforce what the schema cannot"
        assert by_jsonschema is True and by_ajv is True
        return
    assert by_jsonschema == expected, errors[:3]
    assert by_ajv == expected, ajv_verdicts[version]["errors"].get(name)


def test_exported_json_records_validate_against_the_schema(
    schemas: dict[str, dict[str, dict[str, Any]]], tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from sarschema.cli import app

    out = tmp_path / "records.json"
    result = CliRunner().invoke(app, ["export", "json", "--out", str(out), str(ROOT / "records")])
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text(encoding="utf-8"))
    report = validate_paths([str(ROOT / "records")])
    (record_set,) = report.sets
    version = record_set.version
    assert document["format_version"] == version  # the set's own, as validate used it
    assert document["count"] == len(document["records"]) == report.files == len(report.records)
    validator = jsonschema.Draft202012Validator(schemas[version]["record.schema.json"])
    for record in document["records"]:
        assert list(validator.iter_errors(record)) == []
    # and back: every exported record reads back into an identical model
    adapter = record_adapter(version)
    assert [adapter.validate_python(r) for r in document["records"]] == report.records
