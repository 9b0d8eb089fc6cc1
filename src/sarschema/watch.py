"""`sarschema validate --watch`: the check kept running, done again at each change.

A new process spends about 0.25 s before it looks at a file (Python, Typer, the
models), and a warm `validate` of 10,000 records 0.35 to 0.5 s. A watcher pays the
start once and keeps every file's result in memory, under the key the cache gives
it (`sarschema.cache.reused_results`, with `Memory` for the database): at a change
it reads only the files whose size or times moved, checks those whose bytes did,
and runs the rules across records again.

The operating system's change events (`watchfiles`) say when to look again and,
between walks, where. They are asked of the folders the walk entered, each on its
own (never recursively: a link in a checkout is not followed into the rest of the
disk). When a batch of events names only record files the last walk found, each a
regular file with no other name, and names that came and went since (an editor's
temporary and backup files), only those record files are looked at: no walk, no
stat of the others (a check of 10,000 records in 0.05 s instead of 0.13). Any other
batch walks the paths again, and so does every batch while a record file has
another name (a hard link: a write through one name gives events under that name
only). After a check that did not walk, the first quiet second walks, and so does a
check when events have kept coming for `WALK_AFTER_S` without a walk: a change the
events missed while others came is seen within seconds.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import stat
import time
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sarschema.api import _pipeline, today_utc
from sarschema.cache import (
    _KEY,
    _RESULT,
    _WRITTEN,
    Cache,
    Row,
    Signature,
    content_key,
    reused_results,
    salt_of,
)
from sarschema.codes import Code
from sarschema.diagnostics import Diagnostic
from sarschema.discovery import Found, discover
from sarschema.versions import VERSION_FILE

if TYPE_CHECKING:
    from sarschema.discovery import RecordFile
    from sarschema.results import FileResult, Report

#: Waiting for changes: given the folders to watch, batches of changes (their
#: content is not used), forever; an empty batch now and then, when nothing changed.
Changes = Callable[[Sequence[str]], Iterable[object]]

#: How long the events are gathered before a walk (ms): an editor's save is several
#: writes and a rename.
STEP_MS = 20
#: With no change, an empty batch this often (ms): the first one after a watch
#: starts gives a walk, which sees what changed before the watch began.
IDLE_MS = 1000
#: Checks of only the files events named, without a walk, for at most this long (s).
WALK_AFTER_S = 5.0


class Memory:
    """The cache's store (`sarschema.cache.Store`) in this process: results kept as
    the objects, never encoded. Emptied when the day (the future-date rule) changes."""

    def __init__(self) -> None:
        self.salt = b""
        self.rows: dict[str, Row] = {}
        self.kept: set[str] = set()
        self.fresh: dict[str, Row] = {}
        #: whether the last `save` changed anything: a file checked again, or gone
        self.changed = False
        #: whether a file looked at has other names (hard links), whose changes give
        #: events under those names only; None: not known (no file looked at here)
        self.linked: bool | None = None

    def begin(self, today: dt.date) -> None:
        salt = salt_of(today)
        if salt != self.salt:
            self.salt, self.rows = salt, {}
        self.kept, self.fresh = set(), {}

    def signature(self, record_file: RecordFile, info: os.stat_result) -> Signature:
        if info.st_nlink > 1:
            self.linked = True
        return Cache.signature(record_file, info)

    def key(self, record_file: RecordFile, data: bytes) -> str:
        return content_key(self.salt, record_file, data)

    def keep(self, label: str, signature: Signature, key: str, stored: Any) -> None:
        self.fresh[label] = (label, *signature, key, stored)

    @staticmethod
    def encode(result: FileResult) -> FileResult:
        return result

    @staticmethod
    def decode(label: str, stored: FileResult) -> FileResult:
        return stored

    def save(self, started_ns: int) -> None:
        rows = {label: self.rows[label] for label in self.kept}
        for label, row in self.fresh.items():
            old = self.rows.get(label)
            if old is None or old[_KEY] != row[_KEY]:
                self.changed = True
            rows[label] = (*row[:_WRITTEN], started_ns, row[_WRITTEN])
        if len(rows) != len(self.rows):
            self.changed = True
        self.rows = rows


class Watcher:
    """The state of a watch: every file's result, and the folders to watch."""

    def __init__(
        self,
        paths: Sequence[str | Path],
        *,
        strict: bool = False,
        today: Callable[[], dt.date] = today_utc,
        cache: Path | None = None,
    ) -> None:
        self.paths = [str(p) for p in paths]
        #: the cache on disk (`sarschema.cache`), for the first check only
        self.cache = cache
        self.strict = strict
        self.today = today
        self.memory = Memory()
        #: the folders the last walk entered (and the sets' roots), each with its
        #: identity (device, inode): a folder removed and made again is watched anew
        self.folders: list[tuple[str, tuple[int, int] | None]] = []
        #: the day of the last check (the future-date rule)
        self.day: dt.date | None = None
        #: no check made yet: the next is the first (`check`)
        self.first = True
        #: whether the last check walked (not only looked at the files events named)
        self.walked = False
        #: the last walk: what it found, its folders (real paths, as events name
        #: them) with the names they were walked by, and the labels of its record files
        self._found: Found | None = None
        self._folder_labels: dict[str, str] = {}
        self._records: set[str] = set()
        #: every name the last walk reported or found a record at
        self._seen: set[str] = set()
        #: when the first check since the last walk that did not walk was made
        self._unwalked_since: float | None = None

    def check(self, jobs: int | None = 1, changed: object = None) -> Report:
        """A report of the paths as they are now. `jobs` > 1 uses worker processes:
        only before change events are asked for (their threads must not be forked).
        `changed` is a batch of change events, `(change, path)` pairs with each path
        as the system names it (absolute, links resolved): when it names only record
        files the last walk found and names that came and went, the check looks at
        those files alone on disk (see the module's text); else it walks.

        The first check refuses a path that is not there (`UsageError`), as
        `validate` does; a later one reports it (SAR026) and watches the folder it
        would be in, since an editor's save may remove a file for a moment."""
        from sarschema.runner import run

        day = self.today()
        self.memory.begin(day)
        started = time.time_ns()
        first, self.first = self.first, False
        now = time.monotonic()
        since = self._unwalked_since
        due = since is not None and now - since > WALK_AFTER_S
        trusted = not first and day == self.day and not due and self.memory.linked is False
        look = self._named(changed) if trusted else None
        self.walked = look is None  # a check that does not walk follows one that did
        found = self._walk(first, day) if self.walked else self._found
        assert found is not None
        self._unwalked_since = None if self.walked else (since or now)
        if self.walked:  # every file is looked at in memory (not the first from disk)
            self.memory.linked = None if first and self.cache is not None else False

        def check(files: Sequence[RecordFile]) -> list[FileResult]:
            def checked(chosen: list[RecordFile], salt: bytes) -> Iterable[FileResult]:
                return run(chosen, day, jobs=jobs, salt=salt)

            if not first or self.cache is None:
                return reused_results(files, self.memory, checked, None, started, look)
            return self._from_disk(files, checked, day, started)

        return _pipeline(self.paths, check, lambda result: None, strict=self.strict, found=found)

    def prepare(self) -> None:
        """Load what checking a changed file needs (the checks, the models of each
        version found) while the first report is read, so that the first save is
        answered as fast as the next (0.16 s against 0.04 s for the shipped records)."""
        import sarschema.filecheck  # noqa: F401 - imported for its cost, not its names
        from sarschema.models import VERSIONS, record_adapter

        found = self._found.records if self._found is not None else ()
        for version in sorted({record.version for record in found} & VERSIONS.keys()):
            record_adapter(version)

    def _named(self, batch: object) -> set[str] | None:
        """The labels of the record files a batch of events names, when each is a
        regular file with no other name now and the batch names nothing else but
        names the last walk did not see and that are gone again (an editor's
        temporary and backup files); else None (a walk is needed)."""
        if not isinstance(batch, set | frozenset | list | tuple) or not batch:
            return None
        labels: set[str] = set()
        for item in batch:
            if not (isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], str)):
                return None
            folder, name = os.path.split(item[1])
            walked_as = self._folder_labels.get(folder)
            if walked_as is None or name == VERSION_FILE or item[1] in self._folder_labels:
                return None  # elsewhere, a set's version file, or a folder walked
            label = os.path.join(walked_as, name)  # as the walk spells it
            try:
                info = os.lstat(label)
            except FileNotFoundError:
                if label in self._seen:
                    return None  # gone: the files found change
                continue  # came and went: the walk would not find it either
            except OSError:
                return None
            if label not in self._records:
                return None  # new, or not a record: the walk reports it
            if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1:
                return None  # a link or a folder now, or a file with other names
            labels.add(label)
        return labels

    def _walk(self, first: bool, day: dt.date) -> Found:
        """Discover the paths anew, and the folders to watch."""
        missing = [p for p in self.paths if not first and not os.path.lexists(p)]
        found = (
            discover([p for p in self.paths if p not in missing])
            if len(missing) < len(self.paths)
            else Found()
        )
        for path in missing:
            found.diagnostics.append(
                Diagnostic(
                    path,
                    None,
                    None,
                    Code.UNREADABLE,
                    "it is not there any more (moved, deleted, or in the middle of a save).",
                    hint="the watch goes on: a new report comes when it is back.",
                )
            )
            found.folders.append(_nearest_folder(path))
        walked = (*found.folders, *(s.root for s in found.sets))
        # real paths, as events name them (`link/../x` is not `x`), each with the name
        # it was walked by; the walk follows no link, so only the paths given may hold one
        labels: dict[str, str] = {}
        for folder in walked:
            labels.setdefault(os.path.realpath(folder), folder)
        self.folders = [(folder, _identity(folder)) for folder in labels]
        self.day = day
        self._found, self._folder_labels = found, labels
        self._records = {record.label for record in found.records}
        self._seen = self._records | {d.file for d in found.diagnostics}
        return found

    def _from_disk(
        self,
        files: Sequence[RecordFile],
        checked: Callable[[list[RecordFile], bytes], Iterable[FileResult]],
        day: dt.date,
        started: int,
    ) -> list[FileResult]:
        """The first check, with the cache on disk (as a warm `validate`, which it
        leaves as warm), its results then kept in memory."""
        from sarschema.runner import collector_paused

        assert self.cache is not None
        with collector_paused():
            disk = Cache(self.cache, day)
        try:
            results = reused_results(files, disk, checked, None, started)
        finally:
            disk.close()
        for record_file, result in zip(files, results, strict=True):
            label = record_file.label
            row = disk.fresh.get(label)
            if row is not None:  # checked now: no time of writing in the row yet
                self.memory.rows[label] = (*row[:_WRITTEN], started, result)
            elif label in disk.kept:
                self.memory.rows[label] = (*disk.rows[label][:_RESULT], result)
        return results


def _identity(folder: str) -> tuple[int, int] | None:
    try:
        info = os.lstat(folder)
    except OSError:
        return None
    return info.st_dev, info.st_ino


def _nearest_folder(path: str) -> str:
    """The nearest folder above `path` that is there (where it would come back)."""
    folder = os.path.dirname(os.path.realpath(path))  # noqa: PTH120
    while not os.path.isdir(folder) and os.path.dirname(folder) != folder:  # noqa: PTH112, PTH120
        folder = os.path.dirname(folder)  # noqa: PTH120
    return folder


def watch_reports(
    paths: Sequence[str | Path],
    *,
    strict: bool = False,
    jobs: int | None = None,
    today: Callable[[], dt.date] = today_utc,
    changes: Changes | None = None,
    cache: Path | None = None,
) -> Generator[Report, None, None]:
    """A report of the paths now, then a new one after each change that changes a
    file's result or the files found (forever: close the generator, or Ctrl-C, to
    stop). `changes` waits for changes (default: the operating system's events); when
    what it gives ends, so does the watch. `cache` is the cache's folder on disk, for
    the first check (`validate_paths`' `cache`).

    Example::

        for report in watch_reports(["records"]):
            print(report.errors)
    """
    watcher = Watcher(paths, strict=strict, today=today, cache=cache)
    report = watcher.check(jobs)
    last = _outline(report)
    yield report
    watcher.prepare()  # before the watch starts: what changes meanwhile, its first walk sees
    wait = changes or os_changes
    while True:
        folders = watcher.folders
        watched = {folder for folder, _ in folders}
        batches = iter(wait([folder for folder, _ in folders]))
        idle_since_check = False
        try:
            for number, batch in enumerate(batches):
                if number and not batch and watcher.today() == watcher.day:
                    if not idle_since_check:  # the first quiet second after a check:
                        gc.collect()  # what the checks left in cycles, while nobody waits
                        idle_since_check = True
                    if watcher.walked:
                        continue  # idle: nothing changed, and the same day
                    # else a walk, after checks of only the files events named
                watcher.memory.changed = False
                report = watcher.check(changed=batch if number else None)
                idle_since_check = False
                outline = _outline(report)
                if watcher.memory.changed or outline != last:
                    last = outline
                    yield report
                if watcher.folders != folders or _names_any(batch, watched):
                    break  # a folder came, went or was made anew: watch the new ones
            else:
                return  # the changes ended (the operating system's never do)
        finally:
            if isinstance(batches, Generator):
                batches.close()  # the old watch stops now, not when collected


def _names_any(batch: object, folders: set[str]) -> bool:
    """Whether a batch of (change, path) names one of the folders watched itself: one
    removed and made again may get the same inode, and its old watch is dead."""
    if not isinstance(batch, set | frozenset | list | tuple):
        return False
    return any(
        isinstance(item, tuple)
        and len(item) == 2
        and isinstance(item[1], str)
        and os.path.abspath(item[1]) in folders  # noqa: PTH100
        for item in batch
    )


def _outline(report: Report) -> tuple[Any, ...]:
    """What a report says (not how long it took): a new one is shown only when this
    changed or a file's bytes did."""
    sets = [(s.root, s.version, s.declared_in, s.diagnostics) for s in report.sets]
    return report.diagnostics, report.accepted, report.files_seen, report.read, sets


def os_changes(folders: Sequence[str], *, polling: bool = False) -> Iterator[object]:
    """The operating system's change events in `folders` (each watched on its own),
    gathered `STEP_MS`; an empty batch every `IDLE_MS` without any.

    What the operating system cannot watch is walked every `IDLE_MS` instead (a
    non-empty batch then): a folder whose name is not UTF-8 (watchfiles takes only
    those). A folder gone before its watch began, or an event about a name that is
    not UTF-8, gives a batch (so the caller walks again), and the watch starts
    anew; a system that will not watch so many folders (inotify's limit) is polled."""
    import watchfiles

    watchable = [f for f in folders if _utf8(f)]
    walk_anyway = len(watchable) < len(folders)
    while not watchable:
        time.sleep(IDLE_MS / 1000)
        yield {("walk", "folders not watched")}
    restarted = False
    while True:
        try:
            for batch in watchfiles.watch(
                *watchable,
                watch_filter=None,
                step=STEP_MS,
                rust_timeout=IDLE_MS,
                yield_on_timeout=True,
                recursive=False,
                force_polling=polling or None,
                poll_delay_ms=IDLE_MS,  # polled, a second between looks: little CPU
            ):
                if batch or not (walk_anyway or restarted):
                    yield batch
                else:  # a walk: of folders not watched, or after a watch started anew
                    restarted = False
                    yield {("walk", "folders not watched")}
            return
        except FileNotFoundError:
            yield {("deleted", "a folder watched")}
            restarted = True
        except RuntimeError:  # watchfiles' internal error: a name it cannot decode
            yield {("changed", "a name that is not UTF-8")}
            restarted = True
        except OSError:
            if polling:
                raise
            polling = True


def _utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
