"""Reading and writing files of a checkout that a stranger may have prepared.

Every record file is opened without following a symbolic link and read only when
it is a regular file (a FIFO would block, a device never ends), and never more
than a bound. Every write goes to a new temporary file beside the target, created
exclusively (so a planted link cannot redirect it), then renamed into place, which
replaces a link rather than writing through it; a target that is a link is refused.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any

from sarschema.errors import UsageError

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)


class NotRegular(OSError):
    """The path is a link, FIFO, device or socket: reported, never read."""

    def __init__(self, path: Path | str, what: str) -> None:
        super().__init__(f"{path} is {what}")
        self.what = what


def describe(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


def read_regular(path: Path | str, limit: int) -> bytes:
    """The bytes of a regular file, opened without following a link.

    Raises `NotRegular` for anything else and `OSError` when unreadable; reads at
    most `limit + 1` bytes, so a caller can tell a file over the limit."""
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK)
    except OSError as exc:
        if Path(path).is_symlink():
            raise NotRegular(path, "a symbolic link") from exc
        raise
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegular(path, describe(mode))
        chunks = []
        left = limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def refuse_link(path: Path, what: str = "output") -> None:
    """A usage error when `path`, or a folder on its way below the current folder,
    is a symbolic link: a committed link must not steer a write elsewhere."""
    current = Path.cwd()
    absolute = Path(os.path.abspath(path))  # noqa: PTH100 - normalise `..`, keep links
    try:
        inside = absolute.relative_to(current).parts
        base = current
    except ValueError:  # outside the working folder: the user chose it; check the end
        inside, base = absolute.parts[-2:], absolute.parent.parent
    for part in inside:
        base = base / part
        if base.is_symlink():
            raise UsageError(
                f"the {what} path {path} goes through a symbolic link ({base}); "
                "give a path without links"
            )


@contextmanager
def atomic_writer(path: Path, mode: str = "w", *, encoding: str = "utf-8") -> Iterator[IO[Any]]:
    """A file object whose contents replace `path` only when the block succeeds.

    A link at `path`, or on the way to it, is refused (a usage error): it is never
    written through."""
    refuse_link(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    refuse_link(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual mode
        binary = "b" in mode
        with os.fdopen(
            fd, mode, encoding=None if binary else encoding, newline=None if binary else ""
        ) as handle:
            yield handle
        Path(tmp).replace(path)
    except BaseException:
        with suppress(OSError):
            Path(tmp).unlink()
        raise


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current
