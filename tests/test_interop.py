"""The exported schema in partners' own tools: jsonschema and ajv, against the models.

A corpus of single-record cases (every valid example, plus single-field
mutations) must get the same verdict from the Pydantic models, from Python's
jsonschema (with the format checker) and from ajv (draft 2020-12, strict mode,
ajv-formats), except for the rules JSON Schema cannot express, listed below.
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

from sarschema.api import validate_paths
from sarschema.export.schema import build_schemas, write_schemas
from sarschema.models import record_adapter

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_DIR = ROOT / "schema"
INTEROP = ROOT / "tests" / "interop"
BASE = ROOT / "tests" / "cases" / "_base" / "records"

#: Rules the models check and JSON Schema cannot express: cases breaking only
#: these are expected to be valid for the JSON Schema validators.
NOT_IN_SCHEMA = {"date-order"}
#: Values that sarschema never builds from YAML but that a YAML 1.2 core parser does
#: (a plain `12345` or `7` is a number to it, text to sarschema): the schema accepts
#: them, so that it describes records as editors and js-yaml read them, while the
#: models, given JSON, refuse a number where text is due (tests/test_yaml_interop.py
#: compares the raw YAML).
CORE_READINGS = {"core-number"}

Case = tuple[str, str, dict[str, Any], str | None]  # name, schema file, data, exception


def valid_examples() -> list[dict[str, Any]]:
    records = validate_paths([str(BASE)]).records + validate_paths([str(ROOT / "records")]).records
    return [r.model_dump(mode="json", exclude_none=True) for r in records]


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


def corpus() -> list[Case]:
    cases: list[Case] = []
    examples = valid_examples()
    for index, rec in enumerate(examples):
        cases.append((f"{rec['id']}#valid", "record.schema.json", rec, None))
        # the full mutation set on the base examples and on one shipped record of each kind
        if index < 8 or rec["id"] in {
            "hatice-cengiz-2018-pegasus",
            "omar-radi",
            "nso-group",
            "morocco-government-denial-2021",
        }:
            for name, data, exception in mutations(rec):
                schema = f"{rec['kind']}.schema.json" if index % 2 else "record.schema.json"
                cases.append((f"{rec['id']}#{name}", schema, data, exception))
    return cases


CORPUS = corpus()


def pydantic_verdict(data: dict[str, Any]) -> bool:
    try:
        record_adapter().validate_python(data)
    except ValidationError:
        return False
    return True


@pytest.fixture(scope="module")
def schemas() -> dict[str, dict[str, Any]]:
    return {p.name: json.loads(p.read_text(encoding="utf-8")) for p in SCHEMA_DIR.glob("*.json")}


def run_ajv(cases: list[dict[str, Any]]) -> dict[str, Any]:
    """ajv (strict, every schema of schema/) over the cases, in one Node process: see
    tests/interop/ajv-validate.mjs for the case shapes (data, or a raw YAML file)."""
    node = shutil.which("node")
    assert node, "Node.js is needed for the ajv interop test (see README)"
    assert (INTEROP / "node_modules" / "ajv").is_dir(), (
        "run `npm ci --prefix tests/interop` first (the README's test command does)"
    )
    done = subprocess.run(
        [node, str(INTEROP / "ajv-validate.mjs")],
        input=json.dumps({"schema_dir": str(SCHEMA_DIR), "cases": cases}),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


@pytest.fixture(scope="module")
def ajv_verdicts() -> dict[str, Any]:
    return run_ajv([{"name": n, "schema": s, "data": d} for n, s, d, _ in CORPUS])


def test_corpus_is_large_and_mixed() -> None:
    assert len(CORPUS) >= 200
    verdicts = [pydantic_verdict(d) for _, _, d, _ in CORPUS]
    assert verdicts.count(True) >= 50 and verdicts.count(False) >= 150


def test_committed_schema_is_fresh() -> None:
    assert write_schemas(SCHEMA_DIR, check=True) == [], "run `sarschema export schema`"


def test_schemas_are_valid_2020_12(schemas: dict[str, dict[str, Any]]) -> None:
    assert set(schemas) == {
        "incident.schema.json",
        "target.schema.json",
        "operator.schema.json",
        "response.schema.json",
        "record.schema.json",
    }
    for name, schema in schemas.items():
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["$id"] == f"urn:sarschema:1.0:{name.removesuffix('.schema.json')}"
        jsonschema.Draft202012Validator.check_schema(schema)


def _walk(node: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield key, value
            yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


def test_schemas_are_portable(schemas: dict[str, dict[str, Any]]) -> None:
    for name, schema in schemas.items():
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


def test_every_field_and_vocabulary_value_is_described(schemas: dict[str, dict[str, Any]]) -> None:
    defs = schemas["record.schema.json"]["$defs"]
    for name, definition in defs.items():
        for prop, spec in definition.get("properties", {}).items():
            assert spec.get("description"), f"{name}.{prop} has no description"
        if "enum" in definition:  # a vocabulary: each value's meaning, for editors
            meanings = definition["enumDescriptions"]
            assert len(meanings) == len(definition["enum"]) and all(meanings), name


def test_generated_schema_matches_build() -> None:
    built = build_schemas()
    for name, schema in built.items():
        assert json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8")) == schema


def test_ajv_compiles_every_schema_in_strict_mode(ajv_verdicts: dict[str, Any]) -> None:
    assert sorted(ajv_verdicts["compiled"]) == sorted(p.name for p in SCHEMA_DIR.glob("*.json"))


@pytest.mark.parametrize("case", CORPUS, ids=[c[0] for c in CORPUS])
def test_same_verdict_everywhere(
    case: Case, schemas: dict[str, dict[str, Any]], ajv_verdicts: dict[str, Any]
) -> None:
    name, schema_name, data, exception = case
    expected = pydantic_verdict(data)
    validator = jsonschema.Draft202012Validator(
        schemas[schema_name], format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    errors = [e.message for e in validator.iter_errors(data)]
    by_jsonschema = not errors
    by_ajv = ajv_verdicts["verdicts"][name]
    if exception is not None:
        assert exception in NOT_IN_SCHEMA | CORE_READINGS
        assert expected is False, "the models must enforce what the schema cannot"
        assert by_jsonschema is True and by_ajv is True
        return
    assert by_jsonschema == expected, errors[:3]
    assert by_ajv == expected, ajv_verdicts["errors"].get(name)


def test_exported_json_records_validate_against_the_schema(
    schemas: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from sarschema.cli import app

    out = tmp_path / "records.json"
    result = CliRunner().invoke(app, ["export", "json", "--out", str(out), str(ROOT / "records")])
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text(encoding="utf-8"))
    report = validate_paths([str(ROOT / "records")])
    assert document["format_version"] == "1.0"
    assert document["count"] == len(document["records"]) == report.files == len(report.records)
    validator = jsonschema.Draft202012Validator(schemas["record.schema.json"])
    for record in document["records"]:
        assert list(validator.iter_errors(record)) == []
    # and back: every exported record reads back into an identical model
    assert [record_adapter().validate_python(r) for r in document["records"]] == report.records
