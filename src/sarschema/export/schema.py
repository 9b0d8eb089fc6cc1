"""JSON Schema (draft 2020-12) for partners' validators: ajv, jsonschema, editors.

Generated from the Pydantic models, then made strict and portable: no `null`
for optional fields, no Pydantic-only keywords (`discriminator`), vocabulary
values as `oneOf` of `const` with their meanings, country and language codes as
enumerations, exact date patterns, ASCII-only regular expressions.

`$id` scheme: `urn:sarschema:<format version>:<name>`, e.g.
`urn:sarschema:1.0:incident`; a new format version gets new ids. Every version
is published: 1.0's files stay where partners pinned them, `schema/<name>.schema.json`,
and each later version has a folder, `schema/1.1/<name>.schema.json`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from sarschema.__about__ import FORMAT_VERSION, FORMAT_VERSIONS
from sarschema.vocab import MEANINGS

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def not_expressible(version: str = FORMAT_VERSION) -> str:
    """What JSON Schema cannot say; `sarschema validate` checks these. The references
    are the fields marked as such in the models."""
    from sarschema.fields import record_models, references

    fields = dict.fromkeys(p[0] for m in record_models(version) for p, _ in references(m))
    later = (
        "; neither date nor date_end is after revealed; a translation's original is not in "
        "the translation's own language"
        if version != FORMAT_VERSIONS[0]
        else ""
    )
    return (
        "Rules that JSON Schema cannot express and that `sarschema validate` checks: "
        f"every reference ({', '.join(fields)}) "
        "resolves to a record or product of the right kind; ids are unique across all "
        "records and products; the id equals the file name and the kind matches the folder; "
        f"no date is after today (UTC); date_end is not before date at the coarser precision{later}; "
        "operators' parent links form no cycle; no text contains a phone number, e-mail "
        "address or IMEI (the personal-data guard); the file-level YAML rules (UTF-8, one "
        "document, no tags, anchors, aliases, merge keys or repeated keys, at most 1 MiB and "
        "20 levels)."
    )


#: Annotations that editors (VS Code's YAML extension, yaml-language-server) read and
#: validators ignore; strict ajv needs `ajv.addVocabulary(EDITOR_KEYWORDS)`.
EDITOR_KEYWORDS = ("enumDescriptions", "errorMessage", "patternErrorMessage")


def schema_id(name: str, version: str = FORMAT_VERSION) -> str:
    return f"urn:sarschema:{version}:{name}"


def folder_of(version: str) -> str:
    """Where a version's files are committed, under `schema/`: 1.0's at the top, as
    first published; each later version in a folder of its own."""
    return "" if version == FORMAT_VERSIONS[0] else f"{version}/"


class _Strict(GenerateJsonSchema):
    """Pydantic's generator with the portable, strict choices above."""

    def nullable_schema(self, schema: core_schema.NullableSchema) -> JsonSchemaValue:
        return self.generate_inner(schema["schema"])  # a null is an error, not "absent"

    def default_schema(self, schema: core_schema.WithDefaultSchema) -> JsonSchemaValue:
        inner = self.generate_inner(schema["schema"])
        if schema.get("default", object()) is None:
            return inner
        return super().default_schema(schema)

    def enum_schema(self, schema: core_schema.EnumSchema) -> JsonSchemaValue:
        cls = schema["cls"]
        meanings = MEANINGS.get(cls, {})
        # `enum` gives validators a message that lists every allowed value (a `oneOf`
        # of `const`s made them name only the first); `enumDescriptions`, an editor
        # annotation (see EDITOR_KEYWORDS), carries each value's meaning for
        # completion and hover.
        return {
            "title": cls.__name__,
            "type": "string",
            "enum": [m.value for m in schema["members"]],
            "enumDescriptions": [meanings.get(m.value, "") for m in schema["members"]],
        }

    def tagged_union_schema(self, schema: core_schema.TaggedUnionSchema) -> JsonSchemaValue:
        generated = super().tagged_union_schema(schema)
        generated.pop("discriminator", None)
        return generated


def _clean(node: Any) -> Any:
    """Drop Pydantic's per-property titles (noise for partners) recursively."""
    if isinstance(node, dict):
        return {
            k: _clean(v)
            for k, v in node.items()
            if not (k == "title" and isinstance(v, str) and "properties" not in node)
        }
    if isinstance(node, list):
        return [_clean(v) for v in node]
    return node


def build_schemas(version: str = FORMAT_VERSION) -> dict[str, dict[str, Any]]:
    """`{file name: schema}` for each kind and for any record, of format `version`."""
    from sarschema.models import VERSIONS, any_record

    models = VERSIONS[version]
    out: dict[str, dict[str, Any]] = {}
    full = TypeAdapter(any_record(version)).json_schema(
        mode="validation", schema_generator=_Strict, ref_template="#/$defs/{model}"
    )
    defs = _clean(full["$defs"])
    for kind, model in models.items():
        name = model.__name__
        out[f"{kind}.schema.json"] = {
            "$schema": DIALECT,
            "$id": schema_id(kind, version),
            "title": f"sarschema {version} {kind} record",
            "description": f"{defs[name].get('description', '')} {not_expressible(version)}".strip(),
            "$ref": f"#/$defs/{name}",
            "$defs": _reachable(defs, name),
        }
    # The kind's schema is chosen by `if`/`then` on `kind`, not by `oneOf`: a validator
    # then reports a mistake against the record's own kind, naming the field, instead
    # of the "best match" among the four.
    out["record.schema.json"] = {
        "$schema": DIALECT,
        "$id": schema_id("record", version),
        "title": f"sarschema {version} record (any kind)",
        "description": "One record of any of the four kinds, chosen by `kind`. "
        + not_expressible(version),
        "type": "object",
        "required": ["kind"],
        "properties": {
            "kind": {"description": "The kind of record.", "enum": list(models)},
        },
        "allOf": [
            {
                "if": {"properties": {"kind": {"const": kind}}, "required": ["kind"]},
                "then": {"$ref": f"#/$defs/{model.__name__}"},
            }
            for kind, model in models.items()
        ],
        "$defs": defs,
    }
    return out


def _reachable(defs: dict[str, Any], root: str) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    todo = [root]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen[name] = defs[name]
        text = json.dumps(defs[name])
        todo += [d for d in defs if f'"#/$defs/{d}"' in text]
    return dict(sorted(seen.items()))


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=True) + "\n"


def write_schemas(out: Path, *, check: bool = False) -> list[str]:
    """Write (or with `check`, compare) every version's schema files; return those
    that differ."""
    from sarschema.generated import sync

    files = {
        f"{folder_of(version)}{name}": render(schema)
        for version in FORMAT_VERSIONS
        for name, schema in build_schemas(version).items()
    }
    return sync(out, files, check=check)
