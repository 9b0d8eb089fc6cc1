"""What checking produces, in one place: positions, references, per-file results.

Every stage of the pipeline (filecheck, checks, runner's cache, api, report)
speaks these types; none of them imports another stage for its types. They hold
no Pydantic object but `FileResult.record`, so cached results load without the
models. They turn into plain JSON (`to_plain`/`from_plain`) for the cache, which
only the code that wrote an entry reads back.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from sarschema.codes import Severity
from sarschema.diagnostics import Diagnostic

if TYPE_CHECKING:
    from sarschema.models import Record
    from sarschema.versions import SetVersion

#: (line, column), both 1-based.
Pos = tuple[int, int]
#: A position, or none when the place is not in the file (an absent field).
Where = Pos | tuple[None, None]
NOWHERE: tuple[None, None] = (None, None)


def _where(value: Any) -> Where:
    return NOWHERE if value is None or value[0] is None else (value[0], value[1])


class Ref(NamedTuple):
    """A reference to another record."""

    field: str
    target: str
    kind: str  #: the kind the referenced id must have
    pos: Where

    @classmethod
    def from_plain(cls, value: list[Any]) -> Ref:
        return cls(value[0], value[1], value[2], _where(value[3]))


class Name(NamedTuple):
    """A name or alias of a record, with its phonetic key (None: not comparable)."""

    field: str
    name: str
    pos: Where
    key: tuple[str, ...] | None


class Defined(NamedTuple):
    """An id a record defines besides its own (a vendor's product)."""

    id: str
    pos: Where


class Link(NamedTuple):
    """A target's `related` entry naming another target (format 1.1 onward)."""

    target: str
    relation: str
    pos: Where
    field: str = "related"


@dataclass(slots=True)
class Summary:
    """What the cross-record pass needs of one file."""

    file: str
    id: str | None
    kind: str | None
    stem: str | None = None
    id_pos: Where = NOWHERE
    #: False when the record itself has errors: its references are not checked,
    #: and references *to* it are not reported, to avoid a cascade of errors.
    valid: bool = True
    #: Tuples for what most records leave empty (`()` is one object, shared: an empty
    #: set was 216 bytes per summary, a tenth of what validation keeps per file)
    products: tuple[Defined, ...] = ()
    refs: list[Ref] = field(default_factory=list)
    #: the reference up a hierarchy (an operator's `parent`), checked for cycles
    parent: Ref | None = None
    names: list[Name] = field(default_factory=list)
    #: every text of a record with errors: may be references, so no "unreferenced" warnings
    loose_refs: tuple[str, ...] = ()
    #: warning codes the record acknowledges, with the reason (`# sarschema: accept ...`)
    accepted: dict[str, str] = field(default_factory=dict)
    #: the schema an editor modeline on the first line points at, and its column
    #: (`# yaml-language-server: $schema=...`, as `sarschema new` writes it)
    schema_ref: str | None = None
    schema_ref_column: int | None = None
    #: a valid 1.1 target's links to other targets, for the lawyer/client rule
    links: tuple[Link, ...] = ()

    def __reduce__(self) -> tuple[type[Summary], tuple[Any, ...]]:
        """Sent back from worker processes by its fields in order: the dataclass's own
        pickling sets each slot in Python and cost 28 µs per summary to receive."""
        return Summary, tuple(getattr(self, name) for name in _SUMMARY_FIELDS)

    def to_plain(self) -> list[Any]:
        """The fields in order but the file's name, which the cache keeps beside them
        (JSON makes each tuple a list): a cache entry is read
        back only by the very code that wrote it (`cache.rules_fingerprint`)."""
        return [getattr(self, name) for name in _SUMMARY_FIELDS[1:]]

    @classmethod
    def from_plain(cls, file: str, value: list[Any]) -> Summary:
        """Built without a Python call per reference or name: a warm run reads back
        every file's summary, and 10,000 of them took 0.2 s field by field."""
        (
            ident,
            kind,
            stem,
            id_pos,
            valid,
            products,
            refs,
            parent,
            names,
            loose_refs,
            accepted,
            schema_ref,
            schema_ref_column,
            links,
        ) = value
        new: Any = tuple.__new__
        return cls(
            file,
            ident,
            kind,
            stem,
            _where(id_pos),
            valid,
            tuple([new(Defined, (i, _where(p))) for i, p in products]),
            [new(Ref, (f, t, k, _where(p))) for f, t, k, p in refs],
            Ref.from_plain(parent) if parent else None,
            [
                new(Name, (f, n, _where(p), tuple(k) if k is not None else None))
                for f, n, p, k in names
            ],
            tuple(loose_refs),
            accepted,
            schema_ref,
            schema_ref_column,
            tuple([new(Link, (t, r, _where(p), f)) for t, r, p, f in links]),
        )


_SUMMARY_FIELDS = tuple(f.name for f in dataclasses.fields(Summary))


def diagnostic_to_plain(d: Diagnostic) -> dict[str, Any]:
    plain = {f.name: getattr(d, f.name) for f in dataclasses.fields(d)}
    plain["severity"] = str(d.level)
    return plain


def diagnostic_from_plain(value: dict[str, Any]) -> Diagnostic:
    return Diagnostic(**{**value, "severity": Severity(value["severity"])})


@dataclass(slots=True)
class FileResult:
    """What checking one file gave: its problems, its summary, and (optionally) the
    validated record."""

    file: str
    diagnostics: list[Diagnostic]
    summary: Summary
    record: Record | None = None
    #: what an export made of the valid record in the worker (see `runner.run`)
    payload: Any = None
    #: the cache's key of the very bytes checked, when the cache asked (`sarschema.cache`)
    key: str | None = None

    def __reduce__(self) -> tuple[type[FileResult], tuple[Any, ...]]:
        """Sent back from worker processes by its fields in order, as `Summary` is: the
        dataclass's own pickling sets each slot in Python (received in 3.0 µs a result
        instead of 1.7, in shares of 80)."""
        return FileResult, tuple([getattr(self, name) for name in _RESULT_FIELDS])

    def to_plain(self) -> list[Any]:
        """The cacheable part (not the record, not the payload), without the file's
        name, which the cache keeps beside it: [diagnostics, the summary's other fields]."""
        return [
            [diagnostic_to_plain(d) for d in self.diagnostics],
            self.summary.to_plain(),
        ]

    @classmethod
    def from_plain(cls, file: str, value: list[Any]) -> FileResult:
        diagnostics, summary = value
        return cls(
            file,
            [diagnostic_from_plain(d) for d in diagnostics],
            Summary.from_plain(file, summary),
        )


_RESULT_FIELDS = tuple(f.name for f in dataclasses.fields(FileResult))


@dataclass(slots=True)
class Report:
    """Everything one run found."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    #: records that passed their own checks, in file order (when kept)
    records: list[Record] = field(default_factory=list)
    #: every file found under the paths (records + files reported as stray)
    files_seen: int = 0
    #: the record files read, and those of them that gave a validated record
    read: list[str] = field(default_factory=list)
    valid_files: list[str] = field(default_factory=list)
    #: warnings a record acknowledges (`# sarschema: accept CODE reason`): kept out of
    #: `diagnostics`, so they neither show nor count, not even under `--strict`
    accepted: list[Diagnostic] = field(default_factory=list)
    #: the record sets checked, each with the format version it was checked against
    sets: list[SetVersion] = field(default_factory=list)
    #: what the rules across records were given of each file, in file order
    summaries: list[Summary] = field(default_factory=list)

    @property
    def files(self) -> int:
        """Record files read (valid or not)."""
        return len(self.read)

    @property
    def errors(self) -> int:
        return sum(d.level is Severity.ERROR for d in self.diagnostics)

    @property
    def warnings(self) -> int:
        return sum(d.level is Severity.WARNING for d in self.diagnostics)

    @property
    def ok(self) -> bool:
        return self.errors == 0
