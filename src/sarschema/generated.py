"""Generated files (schema/, docs/): written, or compared for `--check`, the same way."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path


def sync(out: Path, files: Mapping[str, str], *, check: bool = False) -> list[str]:
    """Write each `{name: text}` under `out` (or, with `check`, only compare);
    return the paths whose committed text differs."""
    changed = []
    for name, text in files.items():
        path = out / name
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        changed.append(str(path))
        if not check:
            out.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    return changed
