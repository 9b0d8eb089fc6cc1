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
file changed at 100,000 records, 0.05 s at 10,000).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sqlite3
import stat
import time
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sarschema.__about__ import FORMAT_VERSION, __version__
from sarschema.loader import MAX_FILE_BYTES
from sarschema.safeio import read_regular

if TYPE_CHECKING:
    from sarschema.discovery import RecordFile
    from sarschema.results import FileResult

CACHE_DIR_ENV = "SARSCHEMA_CACHE_DIR"
CACHE_FILE = "results.sqlite"
#: What earlier versions kept in the same folder: removed when met.
_FORMER_FILES = ("results.json",)
#: Libraries whose data decides verdicts: a new release must not reuse old results.
_DECIDING = ("phonenumbers", "pycountry", "pydantic", "pydantic-core", "PyYAML", "jellyfish")

#: A row: the file's label, its signature (`Cache.signature`), its key, when the row
#: was written (ns) and the result as JSON.
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


def _storable(*texts: str | None) -> bool:
    """SQLite takes UTF-8 only: a file name that is not (kept by Python as lone
    surrogates) is checked every run rather than cached."""
    try:
        for text in texts:
            if text is not None and not text.isascii():
                text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _clear(path: Path) -> None:
    """Remove whatever is at `path` unless it is a regular file: SQLite would open a
    link's target, and block on a FIFO."""
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISREG(mode):
        path.unlink()


class Cache:
    """Per-file results keyed by content, path, rules and date.

    Beside each result, the file's size, modification and change times and inode
    when it was last read: a file whose four are unchanged is not read again (as git
    does), unless it was modified within a second of its row being written, when a
    later change could share its time stamp; then its content is hashed. A cache
    that cannot be opened, read or written only costs time: the files are checked."""

    def __init__(self, folder: Path, today: dt.date) -> None:
        self.path = folder / CACHE_FILE
        self.salt = f"{rules_fingerprint()}\0{today.isoformat()}\0".encode()
        #: the stored rows, by label
        self.rows: dict[str, Row] = {}
        #: the rows to write at `save` (new or changed files), by label, without time
        self.fresh: dict[str, Row] = {}
        #: the labels of this run whose stored rows stay as they are
        self.kept: set[str] = set()
        self._db: sqlite3.Connection | None = None
        try:
            self._db = self._connect()
            self.rows = {row[0]: row for row in self._db.execute(f"SELECT {_COLUMNS} FROM files")}
        except (OSError, sqlite3.Error):
            self.close()
            self.rows = {}

    def _connect(self) -> sqlite3.Connection:
        """This run's salt's database: any other (older rules, another day, damaged)
        is replaced by an empty one."""
        folder = self.path.parent
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        for name in _FORMER_FILES:
            (folder / name).unlink(missing_ok=True)
        for path in (self.path, folder / f"{CACHE_FILE}-journal"):
            _clear(path)
        salt = self.salt.hex()
        db = sqlite3.connect(self.path, timeout=_BUSY_SECONDS, isolation_level=None)
        try:
            found = db.execute("SELECT value FROM meta WHERE name = 'salt'").fetchone()
            if found == (salt,):
                return db
        except sqlite3.DatabaseError:
            pass  # no tables yet, or not a database at all
        db.close()
        self.path.unlink(missing_ok=True)
        db = sqlite3.connect(self.path, timeout=_BUSY_SECONDS, isolation_level=None)
        try:
            db.executescript(f"BEGIN;{_SCHEMA}COMMIT;")
            db.execute("INSERT INTO meta VALUES ('salt', ?)", (salt,))
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
        digest = hashlib.blake2b(self.salt, digest_size=20)
        digest.update(
            f"{record_file.label}\0{record_file.folder}\0{record_file.version}\0".encode(
                "utf-8", "surrogateescape"
            )
        )
        digest.update(data)
        return digest.hexdigest()

    def keep(self, label: str, signature: Signature, key: str, result: str) -> None:
        """A row to write for `label` at `save`."""
        if _storable(label, signature[5]):
            self.fresh[label] = (label, *signature, key, result)

    def save(self) -> None:
        """Write the fresh rows and drop those of files not in this run, in one
        transaction, so the cache never grows without bound and is never half written."""
        db = self._db
        if db is None:
            return
        gone = [(label,) for label in self.rows.keys() - self.kept - self.fresh.keys()]
        try:
            if self.fresh or gone:
                now = time.time_ns()
                db.execute("BEGIN IMMEDIATE")
                db.executemany(
                    f"INSERT OR REPLACE INTO files ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    [(*row[:_WRITTEN], now, row[_WRITTEN]) for row in self.fresh.values()],
                )
                db.executemany("DELETE FROM files WHERE label = ?", gone)
                db.execute("COMMIT")
        except sqlite3.Error:
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
    check: Callable[[list[RecordFile]], Any],
    today: dt.date,
    progress: Callable[[int], None] | None,
) -> list[FileResult]:
    """The results of `files` in order: cached where a file's key is known, else
    from `check` (which yields a result for each file it is given, in order)."""
    from sarschema.results import FileResult
    from sarschema.runner import collector_paused

    with collector_paused():
        store = Cache(folder, today)
    try:
        rows = store.rows
        hits: list[int] = []
        texts: list[str] = []
        todo: list[int] = []
        made: dict[int, tuple[Signature, str]] = {}
        for index, record_file in enumerate(files):
            label = record_file.label
            try:
                info = os.lstat(label)
                signature = store.signature(record_file, info)
                row = rows.get(label)
                if (  # unchanged, and not racily clean (modified a second or more before)
                    row is not None
                    and stat.S_ISREG(info.st_mode)
                    and row[1:_KEY] == signature
                    and signature[1] < row[_WRITTEN] - 1_000_000_000
                ):
                    hits.append(index)
                    texts.append(row[_RESULT])
                    store.kept.add(label)
                    continue
                data = read_regular(label, MAX_FILE_BYTES)
                if len(data) > MAX_FILE_BYTES:
                    raise OSError("too large to cache")  # `check` reports it unread
            except OSError:  # links, FIFOs, unreadable: `check` reports them
                todo.append(index)
                continue
            key = store.key(record_file, data)
            if row is not None and row[_KEY] == key:  # touched, or racily clean: the same
                hits.append(index)
                texts.append(row[_RESULT])
                store.keep(label, signature, key, row[_RESULT])
            else:
                todo.append(index)
                made[index] = (signature, key)
        found: dict[int, FileResult] = {}
        try:
            with collector_paused():
                # Each text is one JSON value written by `save`: parsed in one call.
                plain = json.loads(f"[{','.join(texts)}]")
                found.update(
                    (i, FileResult.from_plain(files[i].label, p))
                    for i, p in zip(hits, plain, strict=True)
                )
        except (TypeError, ValueError, IndexError, KeyError, RecursionError):
            found.clear()  # a damaged row: every file checked again, and its row dropped
            store.kept.clear()
            store.fresh.clear()
            todo = sorted([*todo, *hits])
        if progress and found:
            progress(len(found))
        for index, result in zip(todo, check([files[i] for i in todo]), strict=True):
            found[index] = result
            if index in made:
                signature, key = made[index]
                text = json.dumps(result.to_plain(), separators=(",", ":"))
                store.keep(files[index].label, signature, key, text)
            if progress:
                progress(1)
        store.save()
    finally:
        store.close()
    return [found[i] for i in range(len(files))]
