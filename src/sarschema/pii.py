"""The personal-data guard: no phone number, e-mail address or IMEI in a record.

Such data endangers the people recorded, so this check has no switch, and its
messages name the field and line but never repeat what was found. A cheap
regular-expression prefilter keeps libphonenumber's matcher off the great
majority of texts, which contain no run of seven digits.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from sarschema.diagnostics import Diagnostic, FieldPath, format_field
from sarschema.loader import Loaded
from sarschema.types.country import country_codes

URL_FIELDS = frozenset({"url", "archived_url", "translation_of"})
COUNTRY_FIELDS = frozenset({"location", "residence", "country", "nationalities"})
_URL_IN_TEXT = re.compile(r"\bhttps?://\S+", re.IGNORECASE)
# Dates and year ranges are not personal data (the format says so), but
# libphonenumber reads some of them as numbers (`1909-01-01` in NANP regions).
_DATES = re.compile(
    r"(?<!\d)(?:1[89]|20)\d\d(?:-[01]\d(?:-[0-3]\d)?|\s*[-\u2013/]\s*(?:1[89]|20)\d\d)(?!\d)"
)
_GLUED = re.compile(r"(?<=\d)(?=[^\W\d_])|(?<=[^\W\d_])(?=\d)")
# Six digits or more: some countries (Andorra, ...) have six-digit numbers.
_PHONE_LIKE = re.compile(r"\d(?:[\s().\-/]{0,3}\d){5,}")
_EMAIL = re.compile(r"[\w.%+\-]+@[\w\-]+(?:\.[\w\-]+)*\.[^\W\d_]{2,}")
_IMEI = re.compile(r"(?<!\d)\d(?:[ \-]?\d){14}(?!\d)")


def _luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        n = int(char)
        if index % 2 == 1:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def _texts(value: Any, path: FieldPath) -> Iterator[tuple[FieldPath, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield (*path, key), key  # a key is text a person typed too
            if key not in URL_FIELDS:
                yield from _texts(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _texts(item, (*path, index))


def _regions(data: dict[str, Any]) -> list[str]:
    """Countries the record names: national phone formats of these count too."""
    found: set[str] = set()
    codes = country_codes()

    def visit(value: Any, key: str | None) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                visit(v, k)
        elif isinstance(value, list):
            for item in value:
                visit(item, key)
        elif key in COUNTRY_FIELDS and isinstance(value, str) and value in codes:
            found.add(value)

    visit(data, None)
    return sorted(found)


def find_personal_data(text: str, regions: list[str]) -> list[str]:
    """The diagnostic codes of the personal data in `text` (never the data itself)."""
    if "http" in text.lower():
        text = _URL_IN_TEXT.sub(" ", text)
    found: list[str] = []
    if "@" in text and _EMAIL.search(text):
        found.append("SAR301")
    if _PHONE_LIKE.search(text):
        # A number glued to letters (`0958journalist`) hides from the matcher.
        text = _GLUED.sub(" ", _DATES.sub(" ", text))
        if _PHONE_LIKE.search(text) and _is_phone(text, regions):
            found.append("SAR300")
        for match in _IMEI.finditer(text):
            digits = re.sub(r"\D", "", match.group())
            if _luhn(digits):
                found.append("SAR302")
                break
    return found


def _is_phone(text: str, regions: list[str]) -> bool:
    import phonenumbers

    for region in (None, *regions):
        if next(iter(phonenumbers.PhoneNumberMatcher(text, region)), None) is not None:
            return True
    return False


_WHAT = {
    "SAR300": "a phone number",
    "SAR301": "an e-mail address",
    "SAR302": "a device identifier (IMEI)",
}


_DATE_ONLY = re.compile(_DATES.pattern)


def could_hold_personal_data(text: str) -> bool:
    """A conservative whole-file prefilter: False only when no text of the file can
    hold an e-mail address or six digits outside URLs and dates. Escapes (`\\`) can
    hide digits from it, so a file with a backslash is always scanned."""
    if "\\" in text or "@" in text:
        return True
    for match in _PHONE_LIKE.finditer(text):
        if _DATE_ONLY.fullmatch(match.group()):
            continue
        start = match.start()
        token_start = max(text.rfind(ch, 0, start) for ch in " \n\t\"'[{,") + 1
        if "://" in text[token_start:start]:
            continue  # digits inside a URL
        return True
    return False


def scan(loaded: Loaded, file: str) -> list[Diagnostic]:
    """Personal data in every text and key, after a prefilter on the whole file."""
    data = loaded.data
    if data is None or not could_hold_personal_data(loaded.text):
        return []
    regions = _regions(data)
    out: list[Diagnostic] = []
    for path, text in _texts(data, ()):
        codes = find_personal_data(text, regions)
        if not codes:
            continue
        is_key = bool(path) and path[-1] == text and path in loaded.key_positions
        pos = loaded.position(path, key=is_key) or (None, None)
        name = format_field(path)
        for code in codes:
            out.append(
                Diagnostic.at(
                    file,
                    pos,
                    code,
                    f"`{name}` contains what looks like {_WHAT[code]}. Personal contact data and "
                    "device identifiers must never be recorded: they endanger the people named.",
                    field=name,
                    hint="delete it. If it is not personal data (a case or report number), write "
                    "it so it cannot be mistaken for one, e.g. with a prefix such as `case no.`.",
                )
            )
    return out
