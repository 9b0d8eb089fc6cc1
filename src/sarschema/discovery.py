"""Find record files under the paths given, and account for every other file.

Nothing under a records tree is skipped in silence: README.md files and git's own
files (`ALLOWED_HIDDEN`) are the only files allowed besides records, and everything
else is reported:
hidden files and folders (they are published with the repository all the same),
links, FIFOs and devices (reported, never read), stray files.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field, replace
from pathlib import Path

from sarschema.codes import Code
from sarschema.diagnostics import Diagnostic
from sarschema.errors import UsageError
from sarschema.results import NOWHERE
from sarschema.safeio import describe
from sarschema.versions import UNSTATED, VERSION_FILE, SetVersion, read_version, set_root
from sarschema.vocab import FOLDERS


@dataclass(frozen=True, slots=True)
class RecordFile:
    label: str  #: the path as built from what the user typed
    folder: str | None  #: the kind folder the file sits in, if any
    version: str = UNSTATED  #: the format version of its record set

    @property
    def path(self) -> Path:
        """Built when asked for: a `Path` per file cost more than the walk itself."""
        return Path(self.label)


@dataclass(slots=True)
class Found:
    records: list[RecordFile] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    #: files looked at (records and everything reported), for "nothing lost" checks
    files_seen: int = 0
    #: the record sets the records belong to, each with its format version
    sets: list[SetVersion] = field(default_factory=list)
    #: folders holding a version file, whether or not records were found in them
    stated: list[str] = field(default_factory=list)
    #: every folder walked, and the folder of each file path given (what `--watch` watches)
    folders: list[str] = field(default_factory=list)


#: What git itself needs (a repository's own folder, its settings, the placeholder
#: of an empty folder); nothing else hidden is allowed, and none of these is entered.
ALLOWED_HIDDEN = frozenset({".git", ".gitattributes", ".gitignore", ".gitkeep"})


def _classify(label: str, path: Path, at_root: bool, found: Found) -> None:
    name = path.name
    parent = path.absolute().parent.name
    found.files_seen += 1
    try:
        mode = path.lstat().st_mode
    except OSError:
        mode = stat.S_IFREG  # vanished or unreadable: the reader reports it
    if stat.S_ISLNK(mode):
        found.diagnostics.append(Diagnostic.at(label, NOWHERE, Code.SYMLINK))
        return
    if name.startswith("."):
        if name in ALLOWED_HIDDEN:
            found.files_seen -= 1
            return
        found.diagnostics.append(_hidden(label, stat.S_ISDIR(mode)))
        return
    if not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
        found.diagnostics.append(
            Diagnostic.at(label, NOWHERE, Code.NOT_A_REGULAR_FILE, what=describe(mode))
        )
        return
    if name == "README.md" and (at_root or parent in FOLDERS):
        found.files_seen -= 1
        return
    if name == VERSION_FILE and parent not in FOLDERS:  # read with its set (`versions`)
        folder = path.parent
        if at_root or any((folder / kind).is_dir() for kind in FOLDERS):
            found.files_seen -= 1
            found.stated.append(str(Path(label).parent))
        else:
            found.diagnostics.append(
                Diagnostic.at(
                    label,
                    NOWHERE,
                    Code.OUTSIDE_KIND_FOLDER,
                    message="this sarschema.yaml is not beside the kind folders "
                    "(incidents/, targets/, ...), so it states no record set's version.",
                    hint="move it to the folder that holds the kind folders, or remove it.",
                )
            )
        return
    if name.endswith(".yaml"):
        if parent not in FOLDERS:
            kinds = ", ".join(f"{k}/" for k in FOLDERS)
            found.diagnostics.append(
                Diagnostic.at(label, NOWHERE, Code.OUTSIDE_KIND_FOLDER, kinds=kinds)
            )
            return
        found.records.append(RecordFile(label, parent))
        return
    if name.endswith(".yml"):
        found.diagnostics.append(Diagnostic.at(label, NOWHERE, Code.YML_EXTENSION, stem=name[:-4]))
        return
    found.diagnostics.append(Diagnostic.at(label, NOWHERE, Code.STRAY_FILE))


def _hidden(label: str, folder: bool) -> Diagnostic:
    what = "folder" if folder else "file"
    return Diagnostic(
        label,
        None,
        None,
        Code.HIDDEN_FILE,
        f"this hidden {what} is not checked, yet it would be published with the records.",
        hint="remove it, or rename it without the leading dot; only git's own files "
        f"({', '.join(sorted(ALLOWED_HIDDEN))}) may be hidden here."
        + (
            " Editors' and systems' own files (.DS_Store, ...) belong in your global gitignore."
            if not folder
            else ""
        ),
    )


def discover(paths: list[str]) -> Found:
    """Walk the paths (files or folders) in a stable order."""
    found = Found()
    for given in paths:
        root = Path(given)
        if not root.exists() and not root.is_symlink():
            raise UsageError(f"path not found: {given}")
        if root.is_symlink() or not root.is_dir():
            found.folders.append(os.path.dirname(given) or ".")  # noqa: PTH120
            _classify(given, root, False, found)
            continue
        before = len(found.records)
        _walk(given, True, found)
        if len(found.records) == before:
            found.diagnostics.append(Diagnostic.at(given, NOWHERE, Code.NO_RECORDS))
    return _versions(_dedupe(found) if len(paths) > 1 else found)


def _versions(found: Found) -> Found:
    """Each record's set and its version (`sarschema.versions`), read once per set."""
    sets: dict[str, SetVersion] = {}
    by_folder: dict[str, str] = {}

    def version_of(root: str) -> str:
        key = os.path.realpath(root)
        if key not in sets:
            sets[key] = read_version(root)
        return sets[key].version

    for root in found.stated:
        version_of(root)
    records = []
    for record in found.records:
        folder = os.path.dirname(record.label) or "."  # noqa: PTH120 - no Path per file
        if folder not in by_folder:
            by_folder[folder] = version_of(set_root(record.label))
        version = by_folder[folder]
        records.append(record if version == record.version else replace(record, version=version))
    found.records = records
    found.sets = list(sets.values())
    reported = {(d.file, d.code) for d in found.diagnostics}  # a link: found by the walk too
    found.diagnostics += [
        d for s in found.sets for d in s.diagnostics if (d.file, d.code) not in reported
    ]
    return found


def _dedupe(found: Found) -> Found:
    """Paths that overlap (`records records/targets`) name some files twice: each file
    is checked and reported once, under the first name it was found by."""
    seen: set[str] = set()
    records = []
    for record in found.records:
        real = _identity(record.label)
        if real not in seen:
            seen.add(real)
            records.append(record)
    diagnostics = []
    for diag in found.diagnostics:
        real = _identity(diag.file)
        if diag.code == Code.NO_RECORDS or real not in seen:
            seen.add(real)
            diagnostics.append(diag)
    dropped = len(found.records) - len(records) + len(found.diagnostics) - len(diagnostics)
    return Found(
        records,
        diagnostics,
        found.files_seen - dropped,
        stated=found.stated,
        folders=found.folders,
    )


def _identity(label: str) -> str:
    """The same file under two spellings of its folder, but a link stays itself (its
    own error must not be merged away with the file it points to)."""
    folder, name = os.path.split(label)
    return os.path.join(os.path.realpath(folder or "."), name)


def _walk(folder: str, at_root: bool, found: Found) -> None:
    """Depth-first, sorted; `os.scandir` knows links and folders without extra calls."""
    try:
        with os.scandir(folder) as scan:
            entries = sorted(scan, key=lambda e: e.name)
    except (FileNotFoundError, NotADirectoryError):
        if at_root:
            raise UsageError(f"path not found: {folder}") from None
        return  # removed since its parent was listed (a checkout under way): gone
    found.folders.append(folder)
    parent = Path(folder).absolute().name
    for entry in entries:
        label = os.path.join(folder, entry.name)
        if entry.is_dir(follow_symlinks=False):
            if entry.name in ALLOWED_HIDDEN:
                continue
            if entry.name.startswith("."):
                found.files_seen += 1
                found.diagnostics.append(_hidden(label, True))  # reported once, not entered
                continue
            _walk(label, False, found)
        elif (
            entry.is_file(follow_symlinks=False)
            and entry.name.endswith(".yaml")
            and not entry.name.startswith(".")
            and parent in FOLDERS
        ):
            found.files_seen += 1  # the common case, without a stat per file
            found.records.append(RecordFile(label, parent))
        else:
            _classify(label, Path(label), at_root, found)
