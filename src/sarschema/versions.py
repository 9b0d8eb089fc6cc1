"""Which format version a record set is written in.

A record set is the folder that holds the kind folders (`records/`). It states
its version in one file beside them, `sarschema.yaml`:

    format_version: "1.1"

A set without that file is 1.0 (the format before versions were stated, as
ocdskit reads a package without `version`); an unknown version is an error,
never a guess. The file is read as strictly as a record (`loader`), never
followed when it is a link, and its problems are reported like a record's.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from sarschema.__about__ import FORMAT_VERSION, FORMAT_VERSIONS
from sarschema.codes import Code
from sarschema.diagnostics import Diagnostic, echo
from sarschema.results import NOWHERE, Where

#: The file, beside the kind folders, that states the set's format version.
VERSION_FILE = "sarschema.yaml"
#: The version of a set that states none.
UNSTATED = "1.0"
#: Far above one line; a bound on what is read.
MAX_VERSION_FILE_BYTES = 4096


@dataclass(frozen=True, slots=True)
class SetVersion:
    """The version a set is checked against, and where it was stated."""

    root: str  #: the set's folder, as built from what the user typed
    version: str
    declared_in: str | None = None  #: the version file, when there is one
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def stated(self) -> bool:
        return self.declared_in is not None

    def describe(self) -> str:
        """`records: format 1.1 (stated in records/sarschema.yaml)`."""
        if self.diagnostics:
            where = f"{self.declared_in} states no version it knows: checked as the newest"
        elif self.declared_in is not None:
            where = f"stated in {self.declared_in}"
        else:
            where = f"no {VERSION_FILE}, so {UNSTATED}"
        return f"{self.root}: format {self.version} ({where})"


def set_root(record_label: str) -> str:
    """The set a record file belongs to: the folder above its kind folder. A `..` in
    the label is left for the system to resolve: after a link, `link/..` is the folder
    above the link's target, not the folder the label starts in.

    >>> set_root("records/incidents/a.yaml"), set_root("./incidents/a.yaml")
    ('records', '.')
    >>> set_root("link/../records/incidents/./a.yaml"), set_root("a.yaml")
    ('link/../records', '..')
    >>> set_root("../a.yaml"), set_root("x/../a.yaml"), set_root("x/../incidents/a.yaml")
    ('../..', 'x/../..', 'x/..')
    """
    if os.pardir not in Path(record_label).parts:
        return os.path.normpath(Path(record_label).parent / os.pardir)
    parent = Path(record_label).parent  # without `.` parts, with every `..`
    return str(parent / os.pardir if parent.name in ("", os.pardir) else parent.parent)


def version_file(root: str) -> str:
    return os.path.join(root, VERSION_FILE) if root != "." else VERSION_FILE


def read_version(root: str) -> SetVersion:
    """The version stated in `root/sarschema.yaml`, or 1.0 when there is none. When the
    file is wrong, the newest version is used, so the records are still checked."""
    from sarschema.loader import load
    from sarschema.safeio import NotRegular, read_regular

    label = version_file(root)
    path = Path(label)
    if not path.exists() and not path.is_symlink():
        return SetVersion(root, UNSTATED)

    def wrong(code: Code, where: Where, **context: str) -> SetVersion:
        diagnostic = Diagnostic.at(label, where, code, field="format_version", **context)
        return SetVersion(root, FORMAT_VERSION, label, [diagnostic])

    try:
        data = read_regular(path, MAX_VERSION_FILE_BYTES)
    except NotRegular as exc:
        code = Code.SYMLINK if exc.what == "a symbolic link" else Code.NOT_A_REGULAR_FILE
        return wrong(code, NOWHERE, what=exc.what)
    except OSError as exc:
        message = f"the file cannot be read: {exc.strerror or exc}."
        return SetVersion(
            root,
            FORMAT_VERSION,
            label,
            [Diagnostic(label, None, None, Code.UNREADABLE, message)],
        )
    if len(data) > MAX_VERSION_FILE_BYTES:  # never judged by its first part alone
        return wrong(
            Code.VERSION_FILE,
            NOWHERE,
            message=f"this file is over {MAX_VERSION_FILE_BYTES} bytes; it states one version in one line.",
        )
    loaded = load(data, label)
    shape = {Code.EMPTY_FILE, Code.NOT_A_MAPPING}  # a record's wording: say it for this file
    if any(d.code in shape for d in loaded.diagnostics):
        return wrong(
            Code.VERSION_FILE,
            NOWHERE,
        )
    if loaded.diagnostics:
        return SetVersion(root, FORMAT_VERSION, label, list(loaded.diagnostics))
    found = loaded.data or {}
    value = found.get("format_version")
    if set(found) != {"format_version"} or not isinstance(value, str):
        extra = next((key for key in found if key != "format_version"), None)
        where = loaded.position((extra,), key=True) if extra else loaded.position(())
        return wrong(
            Code.VERSION_FILE,
            where or NOWHERE,
        )
    if value not in FORMAT_VERSIONS:
        known = " or ".join(f'"{v}"' for v in FORMAT_VERSIONS)
        return wrong(
            Code.UNKNOWN_VERSION,
            loaded.position(("format_version",)) or NOWHERE,
            version=echo(value),
            known=known,
        )
    return SetVersion(root, value, label)


def version_text(version: str) -> str:
    """The whole version file for `version`, with a comment saying what it is."""
    return (
        f"# The record format this record set is written in (docs/format-{version}.md).\n"
        "# Change it only with `sarschema migrate --to X.Y`.\n"
        f'format_version: "{version}"\n'
    )


__all__ = [
    "MAX_VERSION_FILE_BYTES",
    "UNSTATED",
    "VERSION_FILE",
    "SetVersion",
    "read_version",
    "set_root",
    "version_file",
    "version_text",
]
