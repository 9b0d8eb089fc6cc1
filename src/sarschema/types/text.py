"""`Text`: a non-empty string with surrounding whitespace stripped.

A plain `true`/`false` that the loader read as a boolean goes back to the
text the person typed, so `notes: true` is the text "true".

>>> from pydantic import TypeAdapter
>>> TypeAdapter(Text).validate_python("  alleged infection ")
'alleged infection'
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field
from pydantic_core import PydanticCustomError


def _typed_text(value: Any) -> Any:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return value


def _stripped(value: str) -> str:
    value = value.strip()
    if not value:
        raise PydanticCustomError("sar_empty_text", "the text is empty")
    return value


Text = Annotated[
    str,
    BeforeValidator(_typed_text),
    AfterValidator(_stripped),
    Field(json_schema_extra={"minLength": 1, "pattern": "\\S"}),
]
