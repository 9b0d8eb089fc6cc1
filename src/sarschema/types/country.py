"""`Country`: a current ISO 3166-1 alpha-2 code, upper case, plus `XK` (Kosovo).

>>> from pydantic import TypeAdapter
>>> TypeAdapter(Country).validate_python("EH")
'EH'
"""

from __future__ import annotations

from functools import cache
from typing import Annotated

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from sarschema.codes import Code
from sarschema.markers import Role

#: The shape of every code (the validator checks the code is assigned).
COUNTRY_PATTERN = "^[A-Z]{2}$"
#: Codes people use that ISO does not assign as countries.
_NOT_ISO = {
    "UK": "use GB for the United Kingdom",
    "EU": "the EU is not a country; name the member state, or leave the field out",
    "EL": "use GR for Greece",
}


@cache
def country_codes() -> frozenset[str]:
    import pycountry

    return frozenset(c.alpha_2 for c in pycountry.countries) | {"XK"}


def _check(value: str) -> str:
    codes = country_codes()
    if value in codes:
        return value
    hint = _NOT_ISO.get(value.upper())
    if hint is None and value.upper() in codes:
        hint = f"country codes are upper case: {value.upper()}"
    if hint is None:
        hint = _by_name(value)
    raise PydanticCustomError(
        Code.BAD_COUNTRY,
        "not a current ISO 3166-1 alpha-2 country code",
        {"hint": hint or "use a two-letter code such as MA, FR or GB"},
    )


def _by_name(value: str) -> str | None:
    import pycountry

    try:
        found = pycountry.countries.lookup(value)
    except LookupError:
        return None
    return f"the code for {found.name} is {found.alpha_2}"


Country = Annotated[
    str,
    AfterValidator(_check),
    Field(
        # `errorMessage`: editors show it instead of every code in the list.
        json_schema_extra=lambda schema: schema.update(
            enum=sorted(country_codes()),
            errorMessage="Not a current country code: use ISO 3166-1 alpha-2 in upper case, such as MA, FR or GB (not UK), or XK for Kosovo.",
        ),
        description="A current ISO 3166-1 alpha-2 country code, upper case, or XK (Kosovo).",
    ),
    Role.COUNTRY.marker(COUNTRY_PATTERN),
]
