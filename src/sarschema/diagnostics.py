"""The one shape every problem takes, from the byte reader to the reference checks."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from sarschema.codes import Code, Severity

#: A location inside a record: mapping keys and 0-based list indices.
FieldPath = tuple[str | int, ...]


_SAFE = re.compile(r"[^\W\d_][\w .'\-]{0,59}\Z|[\w.\-]{1,20}\Z")


def is_safe(value: object) -> bool:
    """May this user-typed value be repeated in output? Not if it could be personal
    data: a run of digits, an `@`, anything long or odd, or anything the personal-data
    guard (`sarschema.pii`) would report, such as `name at example dot org`. Ids and
    vocabulary words pass; what fails is described instead of quoted."""
    if not (
        isinstance(value, str)
        and _SAFE.match(value) is not None
        and sum(ch.isdigit() for ch in value) < 5
        and "@" not in value
    ):
        return False
    from sarschema.pii import holds_personal_data  # pii imports this module

    return not holds_personal_data(value)


def echo(value: object, instead: str = "this value") -> str:
    """`value` in backticks when safe to repeat, otherwise a neutral description."""
    return f"`{value}`" if is_safe(value) else instead


def format_field(path: Sequence[str | int]) -> str | None:
    """`('sources', 1, 'published')` -> `sources[1].published`; unsafe keys become `<key>`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            name = _shown_key(part)
            out += f".{name}" if out else name
    return out or None


@lru_cache(maxsize=1024)
def _shown_key(part: str) -> str:
    """A key as a field name shows it. Remembered: the same few field names make up
    nearly every path, and each was judged by the personal-data guard every time."""
    return part if is_safe(part) else "<key>"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    file: str
    line: int | None
    column: int | None
    code: Code
    message: str
    field: str | None = None
    hint: str | None = None
    severity: Severity | None = None

    @classmethod
    def at(
        cls,
        file: str,
        pos: tuple[int, int] | tuple[None, None],
        code: Code,
        message: str | None = None,
        *,
        field: str | None = None,
        hint: str | None = None,
        **context: object,
    ) -> Diagnostic:
        """A diagnostic at a (line, column) position; the message and hint, unless
        given, are the code's templates (`sarschema.codes`) filled from `context`."""
        if message is None:
            message = code.message(**context)
        if hint is None and context:
            hint = code.hint(**context)
        return cls(file, pos[0], pos[1], code, message, field=field, hint=hint)

    def __post_init__(self) -> None:
        code = Code(self.code)  # a code read back from the cache is text: an unknown one fails
        object.__setattr__(self, "code", code)
        if self.hint is None and code.spec.hint is not None and "{" not in code.spec.hint:
            object.__setattr__(self, "hint", code.spec.hint)  # the code's own (codes.py)
        if self.severity is None:
            object.__setattr__(self, "severity", code.severity)

    @property
    def level(self) -> Severity:
        assert self.severity is not None
        return self.severity

    def escalated(self) -> Diagnostic:
        """The same diagnostic as an error, for `--strict`."""
        return replace(self, severity=Severity.ERROR)

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.file, self.line or 0, self.column or 0, self.code)

    def to_json(self) -> dict[str, object]:
        message = self.message if not self.hint else f"{self.message} Hint: {self.hint}"
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "severity": str(self.level),
            "code": self.code,
            "field": self.field,
            "message": message,
        }
