"""Running the per-file checks: in parallel processes, and from a cache.

Per-file results depend only on the file's bytes, its path, the sarschema and
format versions, and today's date (the future-date rule). The cache is keyed by
all of these, so it can never hide an error: a changed file is a new key, and
the rules across records always run on every file's fresh or cached summary.
The cache lives in `.sarschema-cache/` (or `$SARSCHEMA_CACHE_DIR`); deleting it
is always safe.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import pickle
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sarschema.__about__ import FORMAT_VERSION, __version__
from sarschema.loader import MAX_FILE_BYTES

if TYPE_CHECKING:
    from sarschema.checks import FileResult
    from sarschema.discovery import RecordFile

T = TypeVar("T")

#: Below this many files, starting processes costs more than it saves.
PARALLEL_MIN_FILES = 400
CACHE_DIR_ENV = "SARSCHEMA_CACHE_DIR"
_CACHE_FILE = "results.pickle"


def default_jobs() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def _check_chunk(
    args: tuple[list[RecordFile], dt.date, bool, Callable[[Any], Any] | None],
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


def run(
    files: Sequence[RecordFile],
    today: dt.date,
    *,
    keep_records: bool = False,
    jobs: int | None = None,
    fn: Callable[[Any], Any] | None = None,
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
    import multiprocessing

    from sarschema.models import record_adapter

    record_adapter()  # build the validator once, before forking
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    size = max(50, len(files) // (jobs * 8))
    chunks = [
        (list(files[i : i + size]), today, keep_records, fn) for i in range(0, len(files), size)
    ]
    with ProcessPoolExecutor(jobs, mp_context=context) as pool:
        for results in pool.map(_check_chunk, chunks):
            yield from results


def _plain(result: FileResult) -> tuple[Any, ...]:
    """A cached result as nested tuples, lists and strings: pickled in C, so a warm
    run loads 10,000 results several times faster than as objects."""
    summary = result.summary
    return (
        result.file,
        [
            (d.file, d.line, d.column, d.code, d.message, d.field, d.hint, str(d.level))
            for d in result.diagnostics
        ],
        (
            summary.file,
            summary.id,
            summary.kind,
            summary.stem,
            summary.id_pos,
            summary.valid,
            summary.products,
            [tuple(r) for r in summary.refs],
            tuple(summary.parent) if summary.parent else None,
            summary.names,
            sorted(summary.loose_refs),
        ),
    )


def _unplain_all(entries: list[tuple[Any, ...]]) -> list[FileResult]:
    from sarschema.checks import FileResult, Ref, Summary
    from sarschema.codes import Severity
    from sarschema.diagnostics import Diagnostic

    make_ref = Ref._make
    out = []
    for file, diagnostics, s in entries:
        summary = Summary(
            s[0],
            s[1],
            s[2],
            s[3],
            s[4],
            s[5],
            s[6],
            [make_ref(r) for r in s[7]] if s[7] else [],
            make_ref(s[8]) if s[8] else None,
            s[9],
            set(s[10]),
        )
        diags = (
            [
                Diagnostic(f, ln, col, code, msg, field=fld, hint=hint, severity=Severity(sev))
                for f, ln, col, code, msg, fld, hint, sev in diagnostics
            ]
            if diagnostics
            else []
        )
        out.append(FileResult(file, diags, summary))
    return out


class Cache:
    """Per-file results keyed by content, path, versions and date; one pickle file."""

    def __init__(self, folder: Path, today: dt.date) -> None:
        self.path = folder / _CACHE_FILE
        self.salt = f"{__version__}\0{FORMAT_VERSION}\0{today.isoformat()}\0v2\0".encode()
        self.entries: dict[bytes, tuple[Any, ...]] = {}
        self.used: dict[bytes, tuple[Any, ...]] = {}
        try:
            with self.path.open("rb") as handle:
                loaded = pickle.load(handle)
            if isinstance(loaded, dict) and loaded.get("salt") == self.salt:
                self.entries = loaded["entries"]
        except (
            OSError,
            pickle.UnpicklingError,
            EOFError,
            AttributeError,
            KeyError,
            TypeError,
            ValueError,
            ImportError,
        ):
            self.entries = {}  # unreadable or from another version: start afresh

    def key(self, record_file: RecordFile, data: bytes) -> bytes:
        digest = hashlib.blake2b(self.salt, digest_size=20)
        digest.update(f"{record_file.label}\0{record_file.folder}\0".encode())
        digest.update(data)
        return digest.digest()

    def save(self) -> None:
        """Keep only the entries of this run, so the cache never grows without bound."""
        if self.used.keys() == self.entries.keys():
            return  # nothing new, nothing stale: no need to write
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            ignore = self.path.parent / ".gitignore"
            if not ignore.exists():
                ignore.write_text("*\n", encoding="utf-8")
            tmp = self.path.with_suffix(".tmp")
            with tmp.open("wb") as handle:
                pickle.dump({"salt": self.salt, "entries": self.used}, handle, protocol=5)
            tmp.replace(self.path)
        except OSError:
            pass  # a cache that cannot be written only costs time


def cache_folder() -> Path:
    return Path(os.environ.get(CACHE_DIR_ENV) or ".sarschema-cache")


def check_files(
    files: Sequence[RecordFile],
    *,
    today: dt.date,
    keep_records: bool = True,
    jobs: int | None = None,
    cache: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[FileResult]:
    """Per-file results in the order of `files`.

    With `cache`, files whose key is known are not checked again; records are not
    cached, so `keep_records=True` (exports) always checks every file.
    """
    jobs = default_jobs() if jobs is None else jobs
    if cache is None or keep_records:
        results = []
        for result in run(files, today, keep_records=keep_records, jobs=jobs):
            results.append(result)
            if progress:
                progress(1)
        return results

    store = Cache(cache, today)
    keys: list[bytes | None] = []
    todo: list[int] = []
    found: dict[int, FileResult] = {}
    hits: dict[int, tuple[Any, ...]] = {}
    for index, record_file in enumerate(files):
        try:
            if record_file.path.stat().st_size > MAX_FILE_BYTES:
                raise OSError("too large to cache")  # check_file reports it unread
            data = record_file.path.read_bytes()
        except OSError:
            keys.append(None)
            todo.append(index)
            continue
        key = store.key(record_file, data)
        keys.append(key)
        hit = store.entries.get(key)
        if hit is None:
            todo.append(index)
        else:
            hits[index] = hit
            store.used[key] = hit
            if progress:
                progress(1)
    found.update(zip(hits, _unplain_all(list(hits.values())), strict=True))
    for index, result in zip(todo, run([files[i] for i in todo], today, jobs=jobs), strict=True):
        found[index] = result
        new_key = keys[index]
        if new_key is not None:
            store.used[new_key] = _plain(result)
        if progress:
            progress(1)
    store.save()
    return [found[i] for i in range(len(files))]
