"""`Text`: a non-empty string with surrounding whitespace stripped.

A plain `true`/`false` that the loader read as a boolean goes back to the
text the person typed, so `notes: true` is the text "true".

>>> from pydantic import TypeAdapter
>>> TypeAdapter(Text).validate_python("  alleged infection ")
'alleged infection'
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field
from pydantic_core import PydanticCustomError

from sarschema.codes import Code
from sarschema.markers import Role


def _typed_text(value: Any) -> Any:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return value


def _stripped(value: str) -> str:
    value = value.strip()
    if not value:
        raise PydanticCustomError(Code.EMPTY_TEXT, "the text is empty")
    return value


@cache
def _whitespace_class() -> str:
    """The characters `str.strip()` removes, as an ASCII-escaped regex class."""
    chars = [c for c in range(0x110000) if chr(c).isspace()]
    ranges: list[list[int]] = []
    for c in chars:
        if ranges and ranges[-1][1] == c - 1:
            ranges[-1][1] = c
        else:
            ranges.append([c, c])

    def esc(c: int) -> str:
        return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"

    return "".join(esc(a) if a == b else f"{esc(a)}-{esc(b)}" for a, b in ranges)


def _schema(schema: dict[str, Any]) -> None:
    # YAML 1.2 core parsers read a plain `1984`, `3.5` or `true` as a number or a
    # boolean; sarschema reads the text typed. The schema accepts both readings.
    schema.pop("type", None)
    schema["anyOf"] = [
        # not empty, and not only whitespace, as in strip()
        {
            "type": "string",
            "minLength": 1,
            "pattern": f"[^{_whitespace_class()}]",
            "patternErrorMessage": "The text is empty: write something or delete the line.",
        },
        {"type": "number"},
        {"type": "boolean"},
    ]


Text = Annotated[
    str,
    BeforeValidator(_typed_text),
    AfterValidator(_stripped),
    Field(json_schema_extra=_schema),
    Role.TEXT.marker(),
]
