"""`PartialDate`: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, keeping the precision written.

>>> d = PartialDate.parse("2018-10")
>>> d.precision, str(d)
('month', '2018-10')
>>> PartialDate.parse("2018-10-06").not_before(PartialDate.parse("2018-10"))
True
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from sarschema.codes import Code
from sarschema.markers import Role

Precision = Literal["year", "month", "day"]
MIN_YEAR = 1900
_YEAR = "(?:19[0-9]{2}|[2-9][0-9]{3})"
_LEAP_YEAR = "(?:(?:19|[2-9][0-9])(?:0[48]|[2468][048]|[13579][26])|(?:[2468][048]|[3579][26])00)"
_MONTH_DAY = (
    "(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
    "|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
    "|02-(?:0[1-9]|1[0-9]|2[0-8]))"
)
#: Exactly the real calendar dates from 1900 on, at any precision (ASCII-only).
DATE_PATTERN = f"^(?:{_YEAR}(?:-(?:0[1-9]|1[0-2]))?|{_YEAR}-{_MONTH_DAY}|{_LEAP_YEAR}-02-29)$"
_DATE = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?\Z")


class PartialDate:
    """A calendar date known to the year, the month or the day."""

    __slots__ = ("day", "month", "year")

    def __init__(self, year: int, month: int | None = None, day: int | None = None) -> None:
        self.year, self.month, self.day = year, month, day

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        match = _DATE.match(text.strip())
        if not match:
            raise PydanticCustomError(
                Code.BAD_DATE, "not a date: write YYYY, YYYY-MM or YYYY-MM-DD, such as 2021-07-19"
            )
        year, month, day = (int(g) if g else None for g in match.groups())
        assert year is not None
        if year < MIN_YEAR:
            raise PydanticCustomError(Code.BAD_DATE, "dates before 1900 are not accepted")
        if month is not None and not 1 <= month <= 12:
            raise PydanticCustomError(Code.BAD_DATE, "the month must be between 01 and 12")
        if day is not None:
            try:
                dt.date(year, month or 1, day)
            except ValueError:
                raise PydanticCustomError(
                    Code.BAD_DATE, "this day does not exist in the calendar"
                ) from None
        return cls(year, month, day)

    @property
    def precision(self) -> Precision:
        return "day" if self.day else "month" if self.month else "year"

    def _parts(self) -> tuple[int, ...]:
        return tuple(p for p in (self.year, self.month, self.day) if p is not None)

    def not_before(self, other: PartialDate) -> bool:
        """Compared at the coarser of the two precisions."""
        mine, theirs = self._parts(), other._parts()
        n = min(len(mine), len(theirs))
        return mine[:n] >= theirs[:n]

    def earliest(self) -> dt.date:
        return dt.date(self.year, self.month or 1, self.day or 1)

    def latest(self) -> dt.date:
        """The last day the partial date covers (`2021` ends on 2021-12-31).

        >>> PartialDate(2024, 2).latest(), PartialDate(2021).latest()
        (datetime.date(2024, 2, 29), datetime.date(2021, 12, 31))
        """
        month = self.month or 12
        last = self.day or calendar.monthrange(self.year, month)[1]
        return dt.date(self.year, month, last)

    def __str__(self) -> str:
        out = f"{self.year:04d}"
        if self.month:
            out += f"-{self.month:02d}"
        if self.day:
            out += f"-{self.day:02d}"
        return out

    def __repr__(self) -> str:
        return f"PartialDate({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PartialDate) and self._parts() == other._parts()

    def __hash__(self) -> int:
        return hash(self._parts())

    @classmethod
    def _validate(cls, value: Any) -> PartialDate:
        if isinstance(value, PartialDate):
            return value
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return cls(value.year, value.month, value.day)
        if not isinstance(value, str):
            raise PydanticCustomError(
                Code.BAD_DATE, "not a date: write YYYY, YYYY-MM or YYYY-MM-DD, such as 2021-07-19"
            )
        return cls.parse(value)

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            cls._validate, serialization=core_schema.to_string_ser_schema()
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        # A bare year (`date: 2021`) is an integer to YAML 1.2 core parsers (editors,
        # js-yaml, check-jsonschema): the schema describes the YAML as they read it.
        return {
            "anyOf": [
                {
                    "type": "string",
                    "pattern": DATE_PATTERN,
                    "patternErrorMessage": "Not a date: write YYYY, YYYY-MM or YYYY-MM-DD "
                    "(a real calendar date from 1900 on), such as 2021-07-19.",
                },
                {"type": "integer", "minimum": 1900, "maximum": 9999},
            ],
            "description": "A partial date YYYY, YYYY-MM or YYYY-MM-DD, from 1900 on, "
            "not after today (UTC); the precision written is kept.",
        }


#: A partial date as a field's type: the role tells consumers (checks, tables) it is one.
Date = Annotated[PartialDate, Role.DATE.marker(DATE_PATTERN)]
