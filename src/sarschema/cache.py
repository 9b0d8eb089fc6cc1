"""The per-file result cache, in the user's cache folder.

Per-file results depend only on the file's bytes, its path, today's date (the
future-date rule) and the rules themselves: the sarschema code, the format version
and the data libraries that decide (phone metadata, country codes, ...). The cache
is keyed by all of these, so it can never hide an error, and the rules across
records always run on every file's fresh or cached summary.

The checkout is a stranger's: nothing is read from it but records, and nothing is
written into it. The cache lives in the user's cache folder (`platformdirs`, or
`$SARSCHEMA_CACHE_DIR`), one folder per repository (by its real path), as an SQLite
database of plain values and JSON texts (never a format that can run code when
read); a link or anything else in its place is removed, never followed. Deleting
it is always safe.

One row per file, so a run writes only the rows of the files that changed: the
JSON file it replaces was read and rewritten whole (0.7 s of a warm run with one
file changed at 100,000 records, 0.05 s at 10,000). A result is stored under the
key of the very bytes it was checked from (the worker that checks a file makes
the key), so a file saved again during a run cannot leave a stale verdict; a row
that cannot be read back has every file checked again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sqlite3
import stat
import time
from collections.abc import Callable, Container, Iterable, Sequence
from contextlib import suppress
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from sarschema.__about__ import FORMAT_VERSION, __version__
from sarschema.loader import MAX_FILE_BYTES
from sarschema.results import FileResult
from sarschema.safeio import read_regular

if TYPE_CHECKING:
    from sarschema.discovery import RecordFile

CACHE_DIR_ENV = "SARSCHEMA_CACHE_DIR"
CACHE_FILE = "results.sqlite"
#: What earlier versions kept in the same folder: removed when met.
_FORMER_FILES = ("results.json",)
#: Libraries whose data decides verdicts: a new release must not reuse old results.
_DECIDING = ("phonenumbers", "pycountry", "pydantic", "pydantic-core", "PyYAML", "jellyfish")

#: A row: the file's label, its signature (`Cache.signature`), its key, when the run
#: that wrote it began (ns) and the result as JSON.
_SCHEMA = """
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE files (
    label TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, ctime_ns INTEGER,
    inode INTEGER, folder TEXT, version TEXT,
    key TEXT NOT NULL, written_ns INTEGER NOT NULL, result TEXT NOT NULL
);
"""
_COLUMNS = "label, size, mtime_ns, ctime_ns, inode, folder, version, key, written_ns, result"
_KEY, _WRITTEN, _RESULT = 7, 8, 9
#: How long to wait for another run's write before giving up on the cache.
_BUSY_SECONDS = 2.0
_INT64 = 1 << 63

#: A row as stored, and a signature: (size, mtime_ns, ctime_ns, inode, folder, version).
Row = tuple[Any, ...]
Signature = tuple[Any, ...]


@cache
def rules_fingerprint() -> str:
    """sarschema's own code, the deciding libraries' versions and Python's own
    (its Unicode data decides what a character is), hashed: results are reused only
    under exactly the rules that produced them."""
    import sys
    import unicodedata
    from importlib.metadata import PackageNotFoundError, version

    digest = hashlib.blake2b(f"{__version__}\0{FORMAT_VERSION}\0".encode(), digest_size=16)
    digest.update(f"{sys.version}\0{unicodedata.unidata_version}\0".encode())
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


def salt_of(today: dt.date) -> bytes:
    """What every key is made under: the rules and the day (the future-date rule). A
    watch's memory and the database share it, so their keys are the same."""
    return f"{rules_fingerprint()}\0{today.isoformat()}\0".encode()


def content_key(salt: bytes, record_file: RecordFile, data: bytes) -> str:
    """A file's key: its bytes, name, kind folder and format version, under the rules
    and date (`salt`)."""
    digest = hashlib.blake2b(salt, digest_size=20)
    meta = f"{record_file.label}\0{record_file.folder}\0{record_file.version}\0"
    digest.update(meta.encode("utf-8", "surrogateescape"))
    digest.update(data)
    return digest.hexdigest()


def _storable(signature: Signature, label: str) -> bool:
    """What SQLite can hold: UTF-8 text (a file name that is not is kept by Python as
    lone surrogates) and 64-bit integers (a time stamp past 2262 is not). A file
    that cannot be stored is checked every run rather than cached."""
    try:
        for text in (label, signature[4], signature[5]):
            if text is not None and not text.isascii():
                text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return all(-_INT64 <= number < _INT64 for number in signature[:3])


def _clear(path: Path) -> None:
    """Remove whatever is at `path` unless it is a regular file: SQLite would open a
    link's target, and block on a FIFO."""
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISREG(mode):
        path.unlink()


def _own_folder(folder: Path) -> None:
    """The cache's folder, made if need be: a real folder of this user's, never a
    link (what is removed and written there must not be elsewhere)."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    info = folder.lstat()
    if not stat.S_ISDIR(info.st_mode):
        raise NotADirectoryError(f"{folder} is not a folder")
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise PermissionError(f"{folder} belongs to another user")


@cache
def _expected_schema() -> list[tuple[Any, ...]]:
    """What `sqlite_master` holds in a database made by `_SCHEMA`, and nothing else: a
    view or trigger added by someone else would run with every query."""
    db = sqlite3.connect(":memory:")
    try:
        db.executescript(_SCHEMA)
        return db.execute(_MASTER).fetchall()
    finally:
        db.close()


_MASTER = "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
#: Rows whose every value has its column's type: only these are read back.
_WELL_TYPED = " AND ".join(
    [
        "typeof(label) = 'text'",
        *(f"typeof({c}) = 'integer'" for c in ("size", "mtime_ns", "ctime_ns", "inode")),
        *(f"typeof({c}) IN ('text', 'null')" for c in ("folder", "version")),
        "typeof(key) = 'text'",
        "typeof(written_ns) = 'integer'",
        "typeof(result) = 'text'",
    ]
)


def _busy(exc: sqlite3.Error) -> bool:
    """Another run holds the database: wait for nothing, remove nothing."""
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
    return code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


class Cache:
    """Per-file results keyed by content, path, rules and date.

    Beside each result, the file's size, modification and change times and inode
    when it was last read: a file whose four are unchanged is not read again (as git
    does), unless it was modified within a second of the run that wrote its row
    began, when a later change could share its time stamp; then its content is
    hashed. A cache that cannot be opened, read or written only costs time: the
    files are checked. One that is damaged, of other rules or of another day is
    replaced; one that another run holds is left to it."""

    def __init__(self, folder: Path, today: dt.date) -> None:
        self.path = folder / CACHE_FILE
        self.salt = salt_of(today)
        #: the stored rows, by label
        self.rows: dict[str, Row] = {}
        #: the rows to write at `save` (new or changed files), by label, without time
        self.fresh: dict[str, Row] = {}
        #: the labels of this run whose stored rows stay as they are
        self.kept: set[str] = set()
        self._db: sqlite3.Connection | None = None
        try:
            self._db = db = self._connect()
            rows = db.execute(f"SELECT {_COLUMNS} FROM files WHERE {_WELL_TYPED}").fetchall()
            if db.execute("SELECT count(*) FROM files").fetchone() != (len(rows),):
                raise sqlite3.DatabaseError("a row of the wrong types")  # not ours: afresh
            self.rows = {row[0]: row for row in rows}
        except sqlite3.DatabaseError as exc:
            self.close()
            if not _busy(exc):
                self._replace()
        except (OSError, sqlite3.Error):
            self.close()

    def _replace(self) -> None:
        """An empty database in place of one that is not this run's (damaged, of other
        rules or another day, not ours), when no other run holds it."""
        with suppress(OSError, sqlite3.Error):
            self.path.unlink(missing_ok=True)
            self._db = self._create()

    def _connect(self) -> sqlite3.Connection:
        """This run's salt's database; `sqlite3.DatabaseError` for any other."""
        folder = self.path.parent
        _own_folder(folder)
        for name in _FORMER_FILES:
            (folder / name).unlink(missing_ok=True)
        for path in (self.path, folder / f"{CACHE_FILE}-journal"):
            _clear(path)
        db = sqlite3.connect(self.path, timeout=_BUSY_SECONDS, isolation_level=None)
        try:
            if db.execute(_MASTER).fetchall() == _expected_schema() and db.execute(
                "SELECT value FROM meta WHERE name = 'salt'"
            ).fetchall() == [(self.salt.hex(),)]:
                return db
        except BaseException:
            db.close()
            raise
        db.close()
        raise sqlite3.DatabaseError("a cache of other rules, of another day, or not ours")

    def _create(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=_BUSY_SECONDS, isolation_level=None)
        try:  # the tables and the salt at once: no run sees one without the other
            db.execute("BEGIN IMMEDIATE")
            for statement in filter(str.strip, _SCHEMA.split(";")):
                db.execute(statement)
            db.execute("INSERT INTO meta VALUES ('salt', ?)", (self.salt.hex(),))
            db.execute("COMMIT")
        except sqlite3.Error:
            db.close()
            raise
        return db

    @staticmethod
    def signature(record_file: RecordFile, info: os.stat_result) -> Signature:
        inode = info.st_ino
        return (
            info.st_size,
            info.st_mtime_ns,
            info.st_ctime_ns,
            inode if inode < _INT64 else inode - 2 * _INT64,  # SQLite's integers are signed
            record_file.folder,
            record_file.version,
        )

    def key(self, record_file: RecordFile, data: bytes) -> str:
        return content_key(self.salt, record_file, data)

    def keep(self, label: str, signature: Signature, key: str, stored: str) -> None:
        """A row to write for `label` at `save` (`stored`: the result as `encode` gives
        it); one SQLite cannot hold is kept here all the same (`save` leaves it out),
        so that what reads `fresh` (a watch's memory) has every file's row."""
        self.fresh[label] = (label, *signature, key, stored)

    @staticmethod
    def encode(result: FileResult) -> str:
        return json.dumps(result.to_plain(), separators=(",", ":"))

    @staticmethod
    def decode(label: str, stored: str) -> FileResult:
        return FileResult.from_plain(label, json.loads(stored))

    def save(self, started_ns: int) -> None:
        """Write the fresh rows and drop those of files not in this run, in one
        transaction, so the cache never grows without bound and is never half written.
        `started_ns`: when this run began, before it looked at any file."""
        db = self._db
        if db is None:
            return
        gone = [(label,) for label in self.rows.keys() - self.kept - self.fresh.keys()]
        try:
            if self.fresh or gone:
                db.execute("BEGIN IMMEDIATE")
                db.executemany(
                    f"INSERT OR REPLACE INTO files ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    [
                        (*row[:_WRITTEN], started_ns, row[_WRITTEN])
                        for row in self.fresh.values()
                        if _storable(row[1:_KEY], row[0])
                    ],
                )
                db.executemany("DELETE FROM files WHERE label = ?", gone)
                db.execute("COMMIT")
        except (sqlite3.Error, OverflowError, ValueError):
            pass  # busy or unwritable: the next run checks these files again
        finally:
            self.close()

    def close(self) -> None:
        if self._db is not None:
            self._db.close()  # uncommitted work is rolled back
            self._db = None


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


def cached_results(
    files: Sequence[RecordFile],
    folder: Path,
    check: Callable[[list[RecordFile], bytes], Iterable[FileResult]],
    today: dt.date,
    progress: Callable[[int], None] | None,
) -> list[FileResult]:
    """The results of `files` in order: cached where a file's key is known, else
    from `check(files, salt)`, which yields a result for each file it is given, in
    order, each with the key of the bytes it checked (`FileResult.key`)."""
    from sarschema.runner import collector_paused

    started = time.time_ns()  # before any file is looked at: see `Cache`
    with collector_paused():
        store = Cache(folder, today)
    try:
        return reused_results(files, store, check, progress, started)
    finally:
        store.close()


class Store(Protocol):
    """Where `reused_results` finds and keeps results: `Cache` (a database of JSON
    texts, between runs) or `sarschema.watch.Memory` (the objects, in one process)."""

    salt: bytes
    #: the stored rows, by label: `Row`, its last item in the store's own form
    rows: dict[str, Row]
    kept: set[str]
    fresh: dict[str, Row]

    def signature(self, record_file: RecordFile, info: os.stat_result) -> Signature: ...
    def key(self, record_file: RecordFile, data: bytes) -> str: ...
    def keep(self, label: str, signature: Signature, key: str, stored: Any) -> None: ...
    def encode(self, result: FileResult) -> Any: ...
    def decode(self, label: str, stored: Any) -> FileResult: ...
    def save(self, started_ns: int) -> None: ...


def reused_results(
    files: Sequence[RecordFile],
    store: Store,
    check: Callable[[list[RecordFile], bytes], Iterable[FileResult]],
    progress: Callable[[int], None] | None,
    started: int,
    look: Container[str] | None = None,
) -> list[FileResult]:
    """`cached_results` with `store`, which it leaves saved (`started`: when the run
    began, before any file was looked at). With `look`, only the files it holds are
    looked at on disk; the others' rows are taken as they are (a watch, told by
    change events which files moved)."""
    from sarschema.runner import collector_paused

    rows = store.rows
    hits: list[int] = []
    stored: list[Any] = []
    todo: list[int] = []
    signatures: list[Signature | None] = []
    for index, record_file in enumerate(files):
        label = record_file.label
        if look is not None and label not in look and (row := rows.get(label)) is not None:
            signatures.append(None)
            hits.append(index)
            stored.append(row[_RESULT])
            store.kept.add(label)
            continue
        try:
            info = os.lstat(label)
        except OSError:  # vanished or unreadable: `check` reports it
            signatures.append(None)
            todo.append(index)
            continue
        signature = store.signature(record_file, info)
        signatures.append(signature)
        row = rows.get(label)
        if row is not None and stat.S_ISREG(info.st_mode):
            if row[1:_KEY] == signature and signature[1] < row[_WRITTEN] - 1_000_000_000:
                hits.append(index)  # unchanged, and modified a second before its row
                stored.append(row[_RESULT])
                store.kept.add(label)
                continue
            data = _read_or_none(label)
            if data is not None and store.key(record_file, data) == row[_KEY]:
                hits.append(index)  # touched, or racily clean: the same bytes
                stored.append(row[_RESULT])
                store.keep(label, signature, row[_KEY], row[_RESULT])
                continue
        todo.append(index)  # new or changed: `check` reads it and gives its key
    found: dict[int, FileResult] = {}
    try:
        with collector_paused():
            for i, value in zip(hits, stored, strict=True):
                found[i] = store.decode(files[i].label, value)
    except (TypeError, ValueError, IndexError, KeyError, AttributeError, RecursionError):
        found.clear()  # a damaged row: every file checked again, and its row dropped
        store.kept.clear()
        store.fresh.clear()
        todo = sorted([*todo, *hits])
    if progress and found:
        progress(len(found))
    chosen = [files[i] for i in todo]
    for index, result in zip(todo, check(chosen, store.salt), strict=True):
        found[index] = result
        seen = signatures[index]
        if result.key is not None and seen is not None:
            store.keep(files[index].label, seen, result.key, store.encode(result))
        if progress:
            progress(1)
    store.save(started)
    return [found[i] for i in range(len(files))]


def _read_or_none(label: str) -> bytes | None:
    """A file's bytes for its key; None when it cannot be read or is too large to
    cache (`check` reports it)."""
    try:
        data = read_regular(label, MAX_FILE_BYTES)
    except OSError:
        return None
    return data if len(data) <= MAX_FILE_BYTES else None
