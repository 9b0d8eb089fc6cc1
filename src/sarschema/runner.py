"""Running the per-file checks: in parallel processes, and from a cache.

Per-file results depend only on the file's bytes, its path, today's date (the
future-date rule) and the rules themselves: the sarschema code, the format version
and the data libraries that decide (phone metadata, country codes, ...). The cache
is keyed by all of these, so it can never hide an error, and the rules across
records always run on every file's fresh or cached summary.

The checkout is a stranger's: nothing is read from it but records, and nothing is
written into it. The cache lives in the user's cache folder (`platformdirs`, or
`$SARSCHEMA_CACHE_DIR`), one folder per repository (by its real path), as plain
JSON (never a format that can run code when read), written atomically without
following links. Deleting it is always safe.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from stat import S_ISREG
from typing import TYPE_CHECKING, Any, TypeVar

from sarschema.__about__ import FORMAT_VERSION, __version__
from sarschema.loader import MAX_FILE_BYTES
from sarschema.safeio import atomic_writer, read_regular

if TYPE_CHECKING:
    from multiprocessing.context import BaseContext

    from sarschema.discovery import RecordFile
    from sarschema.models import Record
    from sarschema.results import FileResult

T = TypeVar("T")

#: Below this many files, starting processes costs more than it saves.
PARALLEL_MIN_FILES = 400
CACHE_DIR_ENV = "SARSCHEMA_CACHE_DIR"
_CACHE_FILE = "results.json"
#: Libraries whose data decides verdicts: a new release must not reuse old results.
_DECIDING = ("phonenumbers", "pycountry", "pydantic", "pydantic-core", "PyYAML", "jellyfish")


def default_jobs() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def _check_chunk(
    args: tuple[list[RecordFile], dt.date, bool, Callable[[Record], object] | None],
) -> list[FileResult]:
    from sarschema.filecheck import check_file

    files, today, keep_records, fn = args
    out = []
    for record_file in files:
        result = check_file(record_file, today=today)
        if fn is not None and result.record is not None:
            result.payload = fn(result.record)
        if not keep_records:
            result.record = None
        out.append(result)
    return out


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
) -> Iterator[FileResult]:
    """Check files in worker processes, yielding results in file order as they come.

    With `fn` (a module-level function, sent to the workers by name), each valid
    record's `fn(record)` comes back as `payload`: exports stream this way."""
    jobs = default_jobs() if jobs is None else jobs
    if not files:
        return
    if jobs <= 1 or len(files) < PARALLEL_MIN_FILES:
        yield from _check_chunk((list(files), today, keep_records, fn))
        return

    from sarschema.models import record_adapter

    for version in {f.version for f in files}:
        record_adapter(version)  # build the validators once, before forking
    context = process_context()
    bounds = share_bounds(len(files), jobs)
    global _SHARED
    work: Callable[[Any], list[FileResult]]
    shares: Sequence[Any]
    if context.get_start_method() == "fork":  # forked workers inherit the files
        _SHARED = (files, today, keep_records, fn)
        work, shares = _check_share, bounds
    else:  # new processes: each share sent whole
        work = _check_chunk
        shares = [(list(files[a:b]), today, keep_records, fn) for a, b in bounds]
    try:
        with ProcessPoolExecutor(jobs, mp_context=context) as pool:
            for results in in_order(pool, work, shares, ahead=2 * jobs):
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
_SHARED: tuple[Sequence[RecordFile], dt.date, bool, Callable[[Record], object] | None] | None
_SHARED = None


def _check_share(bounds: tuple[int, int]) -> list[FileResult]:
    if _SHARED is None:
        from sarschema.errors import InternalError

        raise InternalError("a worker was started without the files to check")
    files, today, keep_records, fn = _SHARED
    return _check_chunk((list(files[bounds[0] : bounds[1]]), today, keep_records, fn))


def _unplain_all(entries: list[dict[str, Any]]) -> list[FileResult]:
    from sarschema.results import FileResult

    return [FileResult.from_plain(entry) for entry in entries]


@cache
def rules_fingerprint() -> str:
    """sarschema's own code and the deciding libraries' versions, hashed: results are
    reused only under exactly the rules that produced them."""
    from importlib.metadata import PackageNotFoundError, version

    digest = hashlib.blake2b(f"{__version__}\0{FORMAT_VERSION}\0".encode(), digest_size=16)
    package = Path(__file__).resolve().parent
    for source in sorted(package.rglob("*.py")):
        digest.update(source.relative_to(package).as_posix().encode() + b"\0")
        digest.update(source.read_bytes())
    for name in _DECIDING:
        try:
            digest.update(f"{name}={version(name)}\0".encode())
        except PackageNotFoundError:
            digest.update(f"{name}=none\0".encode())
    return digest.hexdigest()


class Cache:
    """Per-file results keyed by content, path, rules and date; one JSON file.

    Beside the results, each file's size, modification and change times and inode
    when it was last read: a file whose four are unchanged is not read again (as git
    does), unless it was modified within a second of the cache being written, when
    a later change could share its time stamp; then its content is hashed."""

    def __init__(self, folder: Path, today: dt.date) -> None:
        self.path = folder / _CACHE_FILE
        self.salt = f"{rules_fingerprint()}\0{today.isoformat()}\0".encode()
        self.entries: dict[str, dict[str, Any]] = {}
        self.used: dict[str, dict[str, Any]] = {}
        self.stats: dict[str, list[Any]] = {}
        self.new_stats: dict[str, list[Any]] = {}
        self.written_ns = 0
        try:
            loaded = json.loads(read_regular(self.path, 1 << 30))
            if isinstance(loaded, dict) and loaded.get("salt") == self.salt.hex():
                entries, stats = loaded.get("entries"), loaded.get("stats")
                self.entries = entries if isinstance(entries, dict) else {}
                self.stats = stats if isinstance(stats, dict) else {}
                written = loaded.get("written_ns")
                self.written_ns = written if isinstance(written, int) else 0
        except (OSError, ValueError, RecursionError):
            self.entries = {}  # missing, unreadable or from other rules: start afresh

    @staticmethod
    def signature(record_file: RecordFile, info: os.stat_result) -> list[Any]:
        return [
            info.st_size,
            info.st_mtime_ns,
            info.st_ctime_ns,
            info.st_ino,
            record_file.folder,
            record_file.version,
        ]

    def known_key(self, record_file: RecordFile, signature: list[Any]) -> str | None:
        """The key of a file that has not changed since it was last read, by its stat."""
        stored = self.stats.get(record_file.label)
        if (
            isinstance(stored, list)
            and stored[:-1] == signature
            and signature[1] < self.written_ns - 1_000_000_000  # not racily clean
            and isinstance(stored[-1], str)
        ):
            return stored[-1]
        return None

    def key(self, record_file: RecordFile, data: bytes) -> str:
        digest = hashlib.blake2b(self.salt, digest_size=20)
        digest.update(
            f"{record_file.label}\0{record_file.folder}\0{record_file.version}\0".encode()
        )
        digest.update(data)
        return digest.hexdigest()

    def save(self) -> None:
        """Keep only the entries of this run, so the cache never grows without bound."""
        if self.used.keys() == self.entries.keys() and self.new_stats == self.stats:
            return  # nothing new, nothing stale: no need to write
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            text = json.dumps(  # in one piece: json.dump's pieces are encoded in Python
                {
                    "salt": self.salt.hex(),
                    "written_ns": time.time_ns(),
                    "stats": self.new_stats,
                    "entries": self.used,
                }
            )
            with atomic_writer(self.path, refuse_links=False) as handle:
                handle.write(text)
        except OSError:
            pass  # a cache that cannot be written only costs time


def repository_root(start: Path | None = None) -> Path:
    """The real path of the enclosing git work tree (or of `start` outside one)."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / ".git").exists():
            return folder
    return here


def cache_folder(start: Path | None = None) -> Path:
    """This repository's folder in the user's cache: never inside the checkout."""
    base = os.environ.get(CACHE_DIR_ENV)
    if not base:
        import platformdirs

        base = platformdirs.user_cache_dir("sarschema", appauthor=False)
    root = str(repository_root(start))
    name = hashlib.blake2b(root.encode("utf-8", "surrogateescape"), digest_size=12).hexdigest()
    return Path(base) / name


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
    return _cached(files, cache, today, jobs, progress)


def _ticking(
    results: Iterable[FileResult], progress: Callable[[int], None] | None
) -> Iterator[FileResult]:
    for result in results:
        if progress:
            progress(1)
        yield result


def _cached(
    files: Sequence[RecordFile],
    cache: Path,
    today: dt.date,
    jobs: int,
    progress: Callable[[int], None] | None,
) -> list[FileResult]:
    """The cached results of the files whose key is known; the others checked."""
    with collector_paused():
        store = Cache(cache, today)
    keys: list[str | None] = []
    todo: list[int] = []
    found: dict[int, FileResult] = {}
    hits: dict[int, dict[str, Any]] = {}
    for index, record_file in enumerate(files):
        try:
            info = os.lstat(record_file.label)
            signature = store.signature(record_file, info)
            key = store.known_key(record_file, signature) if S_ISREG(info.st_mode) else None
            if key is None:
                data = read_regular(record_file.label, MAX_FILE_BYTES)
                if len(data) > MAX_FILE_BYTES:
                    raise OSError("too large to cache")  # check_file reports it unread
                key = store.key(record_file, data)
        except OSError:  # links, FIFOs, unreadable: check_file reports them
            keys.append(None)
            todo.append(index)
            continue
        store.new_stats[record_file.label] = [*signature, key]
        keys.append(key)
        hit = store.entries.get(key)
        if hit is None:
            todo.append(index)
        else:
            hits[index] = hit
            store.used[key] = hit
            if progress:
                progress(1)
    try:
        with collector_paused():
            found.update(zip(hits, _unplain_all(list(hits.values())), strict=True))
    except (TypeError, ValueError, IndexError, KeyError):  # a damaged entry: check again
        todo = sorted([*todo, *hits])
        store.used.clear()
    for index, result in zip(todo, run([files[i] for i in todo], today, jobs=jobs), strict=True):
        found[index] = result
        new_key = keys[index]
        if new_key is not None:
            store.used[new_key] = result.to_plain()
        if progress:
            progress(1)
    store.save()
    return [found[i] for i in range(len(files))]
