"""Markers that say what a field's value *is*, placed in its `Annotated` metadata.

Pydantic ignores them; `sarschema.fields` reads them, and every consumer asks
`fields` (the date checks, the personal-data guard, references, the data
dictionary, the CSV tables), so adding a field of an existing type to a model is
a change to the model alone.

>>> from typing import Annotated
>>> Year = Annotated[str, Role.DATE.marker()]
>>> Year.__metadata__[0].role is Role.DATE
True
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

#: The kind of the ids that products define (not a record kind).
PRODUCT = "product"


class Role(StrEnum):
    """The kinds of value the format knows; the value is the name the docs use."""

    ID = "id"
    TEXT = "text"
    DATE = "date"
    COUNTRY = "country"
    LANGUAGE = "language"
    URL = "url"

    def marker(self, pattern: str | None = None) -> Marker:
        return Marker(self, pattern)


@dataclass(frozen=True, slots=True)
class Marker:
    """The role of a value, and the anchored pattern its text always matches (for
    table descriptions; the validator itself may check more, e.g. the calendar)."""

    role: Role
    pattern: str | None = None


@dataclass(frozen=True, slots=True)
class RefersTo:
    """The value is the id of a record (or product) of `kind`. A `hierarchy` link
    (an operator's `parent`) must also form no cycle."""

    kind: str
    hierarchy: bool = False


@dataclass(frozen=True, slots=True)
class Defines:
    """The value is an id in the shared id space that is not a record's own id (a
    vendor's product)."""

    kind: str


@dataclass(frozen=True, slots=True)
class RecordName:
    """A name of the record (its name or an alias): compared for look-alikes."""
