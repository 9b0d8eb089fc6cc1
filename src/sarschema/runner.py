"""Running the per-file checks in parallel processes (or from the cache, `cache`)."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

if TYPE_CHECKING:
    from multiprocessing.context import BaseContext

    from sarschema.discovery import RecordFile
    from sarschema.models import Record
    from sarschema.results import FileResult

T = TypeVar("T")

#: Below this many files, starting processes costs more than it saves.
PARALLEL_MIN_FILES = 400


def default_jobs() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


class _Work(NamedTuple):
    """A share of the files to check, and how."""

    files: Sequence[RecordFile]
    today: dt.date
    keep_records: bool
    fn: Callable[[Record], object] | None
    #: with the cache's salt, each result carries the cache key of the very bytes
    #: checked (`FileResult.key`): a file saved again while it is checked cannot
    #: leave one content's result under another content's key
    salt: bytes | None = None

    def part(self, start: int, end: int) -> _Work:
        return self._replace(files=self.files[start:end])


def _check_chunk(work: _Work) -> list[FileResult]:
    from sarschema.filecheck import check_file

    files, today, keep_records, fn, salt = work
    check = partial(check_file, today=today) if salt is None else _keyed_check(today, salt)
    out: list[FileResult] = []
    for start in range(0, len(files), _BLOCK):
        block = [check(f) for f in files[start : start + _BLOCK]]
        for result in block:
            if fn is not None and result.record is not None:
                result.payload = fn(result.record)
            if not keep_records:
                result.record = None
        out += block
    return out


def _keyed_check(today: dt.date, salt: bytes) -> Callable[[RecordFile], FileResult]:
    """`check_file`, each result with the cache key of the bytes it checked (none
    when unread); SQLite's module is imported only here, for a run with the cache."""
    from sarschema.cache import content_key
    from sarschema.filecheck import check_file, read_record

    def check(record_file: RecordFile) -> FileResult:
        data = read_record(record_file)
        if not isinstance(data, bytes):
            return data
        result = check_file(record_file, today=today, data=data)
        result.key = content_key(salt, record_file, data)
        return result

    return check


#: Files checked before their records are exported (`fn`): checking and exporting
#: one record after the other cost 6% more (17 µs a record in 290 µs of checking
#: and CSV rows), most likely the processor's caches going from one to the other;
#: a block's records are few enough to hold.
_BLOCK = 64


#: How many `collector_eased` blocks are open (a caller's block may hold a pipeline's):
#: the outermost one restores the collector.
_eased = 0
#: Young objects are collected every so many allocations while the collector is eased.
_EASED_YOUNG = 10_000


@contextmanager
def collector_eased() -> Iterator[None]:
    """Python's cycle collector, eased for a run (`api`'s pipeline, which every
    validation and export goes through, and the site's rendering): what is imported
    so far is frozen
    (never traversed again, and left untouched in forked workers, so their pages stay
    shared), and young objects are collected every 10,000 allocations instead of 700.
    The results a run gathers hold no cycles, yet every full collection walked them
    all: 10,000 records spent 0.15 to 0.2 s there. The collector stays on, so the
    few cycles a check leaves are still freed (with it off, memory grew by a third)."""
    import gc

    global _eased
    thresholds = gc.get_threshold()
    gc.freeze()
    if not _eased:
        gc.set_threshold(_EASED_YOUNG, *thresholds[1:])
    _eased += 1
    try:
        yield
    finally:
        _eased -= 1
        if not _eased:
            gc.set_threshold(*thresholds)
            gc.unfreeze()


def collector_eased_for_good() -> None:
    """`collector_eased` for the rest of a worker process, which ends with its work."""
    import gc

    gc.freeze()
    gc.set_threshold(_EASED_YOUNG, *gc.get_threshold()[1:])


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cycle collection while a block builds data that lives to the end of the run
    and holds no cycles (a cache read back: 100,000 entries took 5.3 s with the
    collector walking them again and again, 2.5 s without); what the block built is
    then frozen, so that no later collection walks it either."""
    import gc

    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def run(
    files: Sequence[RecordFile],
    today: dt.date,
    *,
    keep_records: bool = False,
    jobs: int | None = None,
    fn: Callable[[Record], object] | None = None,
    salt: bytes | None = None,
) -> Iterator[FileResult]:
    """Check files in worker processes, yielding results in file order as they come.

    With `fn` (a module-level function, sent to the workers by name), each valid
    record's `fn(record)` comes back as `payload`: exports stream this way. With the
    cache's `salt`, each result carries its key (`FileResult.key`)."""
    jobs = default_jobs() if jobs is None else jobs
    if not files:
        return
    work = _Work(files, today, keep_records, fn, salt)
    if jobs <= 1 or len(files) < PARALLEL_MIN_FILES:
        yield from _check_chunk(work)
        return

    from sarschema.models import record_adapter

    for version in {f.version for f in files}:
        record_adapter(version)  # build the validators once, before forking
    context = process_context()
    bounds = share_bounds(len(files), jobs)
    global _SHARED
    task: Callable[[Any], list[FileResult]]
    shares: Sequence[Any]
    if context.get_start_method() == "fork":  # forked workers inherit the files
        _SHARED = work
        task, shares = _check_share, bounds
    else:  # new processes: each share sent whole
        task = _check_chunk
        shares = [work.part(a, b) for a, b in bounds]
    try:
        with ProcessPoolExecutor(jobs, mp_context=context) as pool:
            for results in in_order(pool, task, shares, ahead=2 * jobs):
                yield from results
    finally:
        _SHARED = None


#: The fewest files a share holds: below this, sending it costs more than checking it.
SHARE_LEAST = 50


def share_bounds(count: int, jobs: int) -> list[tuple[int, int]]:
    """Consecutive shares of `count` files for `jobs` processes, as (start, end): a
    twelfth of a process's part each while much is left, then a quarter of what is
    left between the processes, down to `SHARE_LEAST`, so that the processes finish
    together (the last shares are small) without paying the sending and waiting of
    each share more often than needed.

    >>> [b - a for a, b in share_bounds(2000, 2)]
    [83, 83, 83, 83, 83, 83, 83, 83, 83, 83, 83, 83, 83, 83, 83, 83, 83, 73, 64, 56, 50, 50, 50, 50, 50, 50, 50, 46]
    """
    most = max(SHARE_LEAST, count // (jobs * 12))
    out: list[tuple[int, int]] = []
    start = 0
    while start < count:
        size = min(most, max(SHARE_LEAST, (count - start) // (jobs * 4)))
        out.append((start, min(count, start + size)))
        start += size
    return out


def process_context() -> BaseContext:
    """Worker processes are forked where the system can (they inherit what the parent
    built: validators, shared state), else started new."""
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def in_order(
    pool: ProcessPoolExecutor, fn: Callable[[Any], T], items: Iterable[Any], *, ahead: int
) -> Iterator[T]:
    """`pool.map(fn, items)` with at most `ahead` items out beyond the one waited for:
    `map` sends them all at once, and what the workers finish then waits in memory
    for as long as a slower caller (an export, writing as it goes) takes to come to it."""
    from collections import deque

    waiting: deque[Future[T]] = deque()
    for item in items:
        waiting.append(pool.submit(fn, item))
        if len(waiting) > ahead:
            yield waiting.popleft().result()
    while waiting:
        yield waiting.popleft().result()


#: What forked workers inherit rather than receive: the files (sent, 10,000 of them
#: cost 0.05 s of CPU to pickle and unpickle), the date, and what to keep.
_SHARED: _Work | None = None


def _check_share(bounds: tuple[int, int]) -> list[FileResult]:
    if _SHARED is None:
        from sarschema.errors import InternalError

        raise InternalError("a worker was started without the files to check")
    return _check_chunk(_SHARED.part(*bounds))


def check_files(
    files: Sequence[RecordFile],
    *,
    today: dt.date,
    keep_records: bool = True,
    jobs: int | None = None,
    cache: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> Iterable[FileResult]:
    """Per-file results in the order of `files`: as they come when nothing is
    cached (the caller keeps them, and can ease the collector as they grow).

    With `cache`, files whose key is known are not checked again; records are not
    cached, so `keep_records=True` (exports) always checks every file.
    """
    jobs = default_jobs() if jobs is None else jobs
    if cache is None or keep_records:
        return _ticking(run(files, today, keep_records=keep_records, jobs=jobs), progress)
    from sarschema.cache import cached_results

    return cached_results(
        files, cache, lambda chosen, salt: run(chosen, today, jobs=jobs, salt=salt), today, progress
    )


def _ticking(
    results: Iterable[FileResult], progress: Callable[[int], None] | None
) -> Iterator[FileResult]:
    for result in results:
        if progress:
            progress(1)
        yield result
