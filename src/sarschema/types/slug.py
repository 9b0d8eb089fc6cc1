"""`Id`: the lower-case slug that names a record and its file.

>>> from pydantic import TypeAdapter
>>> TypeAdapter(Id).validate_python("hatice-cengiz")
'hatice-cengiz'
>>> TypeAdapter(Id).validate_python("Hatice_Cengiz")
Traceback (most recent call last):
...
pydantic_core._pydantic_core.ValidationError: 1 validation error for function-after[...]
...
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from sarschema.codes import Code
from sarschema.markers import Role

ID_PATTERN = "^[a-z0-9]+(-[a-z0-9]+)*$"
ID_MIN, ID_MAX = 3, 80
_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")


def suggest_slug(value: str) -> str:
    """A slug a contributor probably meant: accents dropped, spaces and _ to -. Empty
    for a value that may not be repeated (`is_safe`), such as an e-mail address: a
    slug made of it would repeat it in every output format."""
    from sarschema.diagnostics import is_safe

    if not is_safe(value):
        return ""
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _check(value: str) -> str:
    if not _ID.match(value):
        suggestion = suggest_slug(value)
        raise PydanticCustomError(
            Code.BAD_ID,
            "not a valid id: use lower-case letters a-z, digits 0-9 and single hyphens",
            {"suggestion": suggestion if _ID.match(suggestion) else ""},
        )
    if not ID_MIN <= len(value) <= ID_MAX:
        raise PydanticCustomError(
            Code.ID_LENGTH,
            "an id must be {min} to {max} characters long (this one has {length})",
            {"min": ID_MIN, "max": ID_MAX, "length": len(value)},
        )
    return value


def _schema(schema: dict[str, Any]) -> None:
    # An id of digits only (`2021`, `1e3`) is a number to YAML 1.2 core parsers.
    schema.pop("type", None)
    schema["anyOf"] = [
        {
            "type": "string",
            "pattern": ID_PATTERN,
            "minLength": ID_MIN,
            "maxLength": ID_MAX,
            "patternErrorMessage": "Not an id: use lower-case letters a-z, digits and single "
            "hyphens, such as omar-radi.",
        },
        {"type": "integer", "minimum": 0},
    ]


Id = Annotated[
    str,
    AfterValidator(_check),
    Field(
        json_schema_extra=_schema,
        description="A lower-case slug (a-z, 0-9, single hyphens), 3 to 80 characters, "
        "unique across all records and products.",
    ),
    Role.ID.marker(ID_PATTERN),
]
