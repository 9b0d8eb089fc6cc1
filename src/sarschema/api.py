"""The library entry points: validate files and folders, get a report back.

The pipeline: discover files -> per file (`filecheck`: read, load, model,
personal data, per-file rules; in parallel and cached by `runner`) -> across
files (`checks`: ids, references, warnings) -> sorted report. The CLI is a thin
layer over `validate_paths`. This module imports no Pydantic, so a run served
from the cache starts fast.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sarschema.checks import cross_check
from sarschema.codes import Severity
from sarschema.diagnostics import Diagnostic
from sarschema.discovery import RecordFile, discover
from sarschema.results import Summary

if TYPE_CHECKING:
    from sarschema.models import RecordBase


@dataclass(slots=True)
class Report:
    """Everything one validation run found."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    #: record files read (valid or not)
    files: int = 0
    #: records that passed their own checks, in file order
    records: list[RecordBase] = field(default_factory=list)
    #: every file found under the paths (records + files reported as stray)
    files_seen: int = 0
    #: the record files read, and those of them that gave a validated record
    read: list[str] = field(default_factory=list)
    valid_files: list[str] = field(default_factory=list)
    #: the record files found, for a second pass (exports)
    record_files: list[RecordFile] = field(default_factory=list)
    #: warnings a record acknowledges (`# sarschema: accept CODE reason`): kept out of
    #: `diagnostics`, so they neither show nor count, not even under `--strict`
    accepted: list[Diagnostic] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(d.level is Severity.ERROR for d in self.diagnostics)

    @property
    def warnings(self) -> int:
        return sum(d.level is Severity.WARNING for d in self.diagnostics)

    @property
    def ok(self) -> bool:
        return self.errors == 0


#: References that may point outside a partial set (`partial=True`): warnings then.
_PARTIAL = frozenset({"SAR201"})


def _finish(
    report: Report, summaries: list[Summary], strict: bool, partial: bool = False
) -> Report:
    checked = cross_check(summaries)
    if partial:
        checked = [
            replace(d, severity=Severity.WARNING) if d.code in _PARTIAL else d for d in checked
        ]
    report.diagnostics += checked
    accepted = {s.file: s.accepted for s in summaries if s.accepted}
    if accepted:
        kept = []
        for d in report.diagnostics:
            if d.level is Severity.WARNING and d.code in accepted.get(d.file, {}):
                report.accepted.append(d)
            else:
                kept.append(d)
        report.diagnostics = kept
    if strict:
        report.diagnostics = [d.escalated() for d in report.diagnostics]
    report.diagnostics.sort(key=Diagnostic.sort_key)
    return report


def export_records(
    paths: Sequence[str | Path],
    fn: Callable[[Any], Any],
    sink: Callable[[Any], None],
    *,
    today: dt.date | None = None,
    jobs: int | None = None,
    partial: bool = False,
) -> Report:
    """Validate and export in one pass: `sink(fn(record))` for each valid record, in
    file order, as the worker processes produce them (nothing is held). The caller
    must discard what `sink` wrote unless the returned report is `ok`, since the
    rules across records are known only at the end. With `partial`, references to
    records that are not among the paths given are warnings, not errors."""
    from sarschema.runner import run

    today = today or today_utc()
    found = discover([str(p) for p in paths])
    report = Report(
        diagnostics=list(found.diagnostics), files_seen=found.files_seen, record_files=found.records
    )
    summaries: list[Summary] = []
    for result in run(found.records, today, jobs=jobs, fn=fn):
        report.files += 1
        report.read.append(result.file)
        report.diagnostics += result.diagnostics
        summaries.append(result.summary)
        if result.payload is not None:
            report.valid_files.append(result.file)
            sink(result.payload)
    return _finish(report, summaries, strict=False, partial=partial)


def today_utc() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def validate_paths(
    paths: Sequence[str | Path] = ("records",),
    *,
    strict: bool = False,
    today: dt.date | None = None,
    keep_records: bool = True,
    jobs: int | None = None,
    cache: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """Validate record files and folders; raises `UsageError` for a missing path.

    `keep_records=False` leaves `Report.records` empty (validation only, faster);
    `jobs` sets the number of processes (default: the CPU count); `cache` is a
    folder for per-file results (see `sarschema.runner`); `progress(done, total)`
    is called as files are checked.

    Example (from the repository root)::

        report = validate_paths(["records"])
        report.ok, report.errors, report.warnings   # (True, 0, 95)
    """
    from sarschema.runner import check_files

    today = today or today_utc()
    found = discover([str(p) for p in paths])
    report = Report(
        diagnostics=list(found.diagnostics), files_seen=found.files_seen, record_files=found.records
    )
    summaries: list[Summary] = []
    total = len(found.records)
    done = 0

    def tick(step: int) -> None:
        nonlocal done
        done += step
        if progress is not None:
            progress(done, total)

    results = check_files(
        found.records,
        today=today,
        keep_records=keep_records,
        jobs=jobs,
        cache=cache,
        progress=tick,
    )
    for result in results:
        report.files += 1
        report.read.append(result.file)
        report.diagnostics += result.diagnostics
        summaries.append(result.summary)
        if result.summary.valid:
            report.valid_files.append(result.file)
        if result.record is not None:
            report.records.append(result.record)
    return _finish(report, summaries, strict)


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One record file read exactly as `sarschema validate` reads it, before the models.

    `data` holds plain JSON-ready values (text, `true`/`false`, lists and mappings):
    every scalar as typed, so `2021` is the text "2021" and `NO` stays "NO", unlike a
    YAML 1.1 loader. It is None when the file cannot be read as a record; `problems`
    then says why (the reading problems only: `validate_paths` gives the whole verdict).
    """

    file: str
    data: dict[str, Any] | None
    problems: list[Diagnostic]
    _loaded: Any = field(repr=False)

    def position(self, *path: str | int, key: bool = False) -> tuple[int, int] | None:
        """(line, column) of a value (or of its key): `position("sources", 0, "url")`."""
        if self._loaded is None:
            return None
        found = self._loaded.position(tuple(path), key=key)
        return None if found is None else (found[0], found[1])


def read_records(paths: Sequence[str | Path] = ("records",)) -> Iterator[RawRecord]:
    """Each record file under the paths, read as `sarschema validate` reads it.

    Example (from the repository root)::

        for raw in read_records(["records/targets"]):
            print(raw.file, raw.data["name"], raw.position("name"))
    """
    from sarschema.loader import MAX_FILE_BYTES, load, too_large
    from sarschema.safeio import read_regular

    for record_file in discover([str(p) for p in paths]).records:
        label = record_file.label
        try:
            data = read_regular(record_file.path, MAX_FILE_BYTES)
        except OSError as exc:
            problem = Diagnostic(label, None, None, "SAR026", f"the file cannot be read: {exc}.")
            yield RawRecord(label, None, [problem], None)
            continue
        if len(data) > MAX_FILE_BYTES:
            yield RawRecord(label, None, [too_large(label, len(data))], None)
            continue
        loaded = load(data, label)
        yield RawRecord(label, loaded.data, loaded.diagnostics, loaded)
