"""`Language`: a current ISO 639-1 code, lower case.

>>> from pydantic import TypeAdapter
>>> TypeAdapter(Language).validate_python("ar")
'ar'
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from sarschema.codes import Code
from sarschema.markers import Role

#: The shape of every code (the validator checks the code is assigned).
LANGUAGE_PATTERN = "^[a-z]{2}$"
#: ISO 639-1 codes withdrawn by the registration authority, and their successors.
WITHDRAWN = {"iw": "he", "in": "id", "ji": "yi", "jw": "jv", "mo": "ro", "sh": "sr"}


@cache
def language_codes() -> frozenset[str]:
    """The current two-letter codes, from pycountry's ISO 639-3 data, read as pycountry
    reads it (its database's file and root key). `pycountry.languages` would make and
    index an object for each of its 7,900 languages first (0.02 s in every process
    that checks a record, against 0.006 s) for the 184 with a two-letter code."""
    import json

    import pycountry

    database = pycountry.languages
    entries = json.loads(Path(database.filename).read_bytes())[database.root_key]
    return frozenset(e["alpha_2"] for e in entries if "alpha_2" in e) - WITHDRAWN.keys()


def _check(value: str) -> str:
    codes = language_codes()
    if value in codes:
        return value
    lower = value.lower()
    if lower in WITHDRAWN:
        hint = f"`{lower}` was withdrawn; use `{WITHDRAWN[lower]}`"
    elif lower in codes:
        hint = f"language codes are lower case: {lower}"
    else:
        hint = _by_name(value) or "use a two-letter code such as en, fr or ar"
    raise PydanticCustomError(
        Code.BAD_LANGUAGE, "not a current ISO 639-1 language code", {"hint": hint}
    )


def _by_name(value: str) -> str | None:
    import pycountry

    try:
        found = pycountry.languages.lookup(value)
    except LookupError:
        return None
    code = getattr(found, "alpha_2", None)
    return f"the code for {found.name} is {code}" if code else None


Language = Annotated[
    str,
    AfterValidator(_check),
    Field(
        # `errorMessage`: editors show it instead of every code in the list.
        json_schema_extra=lambda schema: schema.update(
            enum=sorted(language_codes()),
            errorMessage="Not a current language code: use ISO 639-1 in lower case, such as en, fr or ar (he, not iw).",
        ),
        description="A current ISO 639-1 language code, lower case.",
    ),
    Role.LANGUAGE.marker(LANGUAGE_PATTERN),
]
