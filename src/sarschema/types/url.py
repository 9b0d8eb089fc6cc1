"""`Url`: an absolute http or https URL, kept exactly as written.

>>> from pydantic import TypeAdapter
>>> TypeAdapter(Url).validate_python("https://example.org/report")
'https://example.org/report'
"""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from sarschema.codes import Code
from sarschema.markers import Role

URL_PATTERN = "^https?://[^\\s/?#]+[^\\s]*$"


_PLAIN = re.compile(r"https?://[A-Za-z0-9.\-]+\.[A-Za-z]{2,}(?::[0-9]{1,5})?(?:[/?#][!-~]*)?\Z")


def _check(value: str) -> str:
    value = value.strip()
    if _PLAIN.match(value):  # the common case, without urlsplit
        return value
    try:
        parts = urlsplit(value)
        ok = parts.scheme in ("http", "https") and bool(parts.hostname) and " " not in value
    except ValueError:
        ok = False
    if not ok or any(ch.isspace() for ch in value):
        raise PydanticCustomError(
            Code.BAD_URL, "not an absolute web address starting with http:// or https://"
        )
    return value


Url = Annotated[
    str,
    AfterValidator(_check),
    Field(json_schema_extra={"pattern": URL_PATTERN, "format": "uri"}),
    Role.URL.marker(URL_PATTERN),
]
