"""Generated files (schema/, docs/): written, or compared for `--check`, the same way.

Both read and write as `validate` does in a stranger's checkout: a committed link,
FIFO or device in their place is never followed (it counts as out of date, and a
write refuses it).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from sarschema.safeio import atomic_writer, read_regular

#: Far above any generated file; a bound on what `--check` reads.
_MAX_BYTES = 64 * 1024 * 1024


def _current(path: Path) -> str | None:
    try:
        return read_regular(path, _MAX_BYTES).decode("utf-8")
    except (OSError, UnicodeDecodeError):  # missing, a link, a FIFO, not text
        return None


def sync(out: Path, files: Mapping[str, str], *, check: bool = False) -> list[str]:
    """Write each `{name: text}` under `out` (or, with `check`, only compare);
    return the paths whose committed text differs."""
    changed = []
    for name, text in files.items():
        path = out / name
        if _current(path) == text:
            continue
        changed.append(str(path))
        if not check:
            with atomic_writer(path) as handle:
                handle.write(text)
    return changed
