"""The library entry points: validate files and folders, get a report back.

The pipeline: discover files -> per file (`filecheck`: read, load, model,
personal data, per-file rules; in parallel and cached by `runner`) -> across
files (`checks`: ids, references, warnings) -> sorted report. The CLI is a thin
layer over `validate_paths`. This module imports no Pydantic, so a run served
from the cache starts fast.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sarschema.checks import cross_check
from sarschema.codes import Code, Severity
from sarschema.diagnostics import Diagnostic
from sarschema.discovery import Found, RecordFile, discover
from sarschema.results import FileResult, Report, Summary

if TYPE_CHECKING:
    from sarschema.models import Record


#: References that may point outside a partial set (`partial=True`): warnings then.
_PARTIAL = frozenset({Code.DANGLING_REFERENCE})


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
    fn: Callable[[Record], object],
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

    def sink_valid(result: FileResult) -> None:
        if result.payload is not None:
            sink(result.payload)

    return _pipeline(
        paths,
        lambda files: run(files, today or today_utc(), jobs=jobs, fn=fn),
        sink_valid,
        partial=partial,
    )


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
    folder for per-file results (see `sarschema.cache`); `progress(done, total)`
    is called as files are checked.

    Example (from the repository root)::

        report = validate_paths(["records"])
        report.ok, report.errors, report.warnings   # (True, 0, 0)
    """
    from sarschema.runner import check_files

    report = Report()

    def check(files: Sequence[RecordFile]) -> Iterable[FileResult]:
        total, done = len(files), 0

        def tick(step: int) -> None:
            nonlocal done
            done += step
            if progress is not None:
                progress(done, total)

        return check_files(
            files,
            today=today or today_utc(),
            keep_records=keep_records,
            jobs=jobs,
            cache=cache,
            progress=tick,
        )

    def keep(result: FileResult) -> None:
        if result.record is not None:
            report.records.append(result.record)

    return _pipeline(paths, check, keep, strict=strict, report=report)


def _pipeline(
    paths: Sequence[str | Path],
    check: Callable[[Sequence[RecordFile]], Iterable[FileResult]],
    keep: Callable[[FileResult], None],
    *,
    strict: bool = False,
    partial: bool = False,
    report: Report | None = None,
    found: Found | None = None,
) -> Report:
    """The one loop every entry point shares: discover (unless `found` is what
    `discover(paths)` gave), check each file (`check`), hand each result to `keep`,
    then run the rules across records."""
    from sarschema.runner import collector_eased

    with collector_eased():
        found = found or discover([str(p) for p in paths])
        return _pipeline_eased(found, check, keep, strict, partial, report)


#: Results kept to the end of a run are frozen (moved out of the cycle collector's
#: reach; reference counting still frees them) every so many files: they hold no
#: cycles, yet each full collection walked all of them again (100,000 records: a
#: million objects, 0.6 s a collection).
_FREEZE_EVERY = 2_000


def _pipeline_eased(
    found: Found,
    check: Callable[[Sequence[RecordFile]], Iterable[FileResult]],
    keep: Callable[[FileResult], None],
    strict: bool,
    partial: bool,
    report: Report | None,
) -> Report:
    report = report or Report()
    report.diagnostics += found.diagnostics
    report.files_seen = found.files_seen
    report.sets = found.sets
    summaries: list[Summary] = []
    for count, result in enumerate(check(found.records), start=1):
        if count % _FREEZE_EVERY == 0:
            gc.freeze()
        report.read.append(result.file)
        report.diagnostics += result.diagnostics
        summaries.append(result.summary)
        if result.summary.valid:
            report.valid_files.append(result.file)
        keep(result)
    report.summaries = summaries
    return _finish(report, summaries, strict, partial)


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
            problem = Diagnostic(
                label, None, None, Code.UNREADABLE, f"the file cannot be read: {exc}."
            )
            yield RawRecord(label, None, [problem], None)
            continue
        if len(data) > MAX_FILE_BYTES:
            yield RawRecord(label, None, [too_large(label, len(data))], None)
            continue
        loaded = load(data, label)
        yield RawRecord(label, loaded.data, loaded.diagnostics, loaded)


__all__ = ["RawRecord", "Report", "export_records", "read_records", "today_utc", "validate_paths"]
