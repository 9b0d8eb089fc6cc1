"""Which record files a contributor changed: their warnings are shown first, in full.

Asked of git, when the records live in a git work tree: files changed but not yet
committed (and new files), plus, with `since`, every file changed on the branch since
it left `since` (`git diff since...HEAD`). In a GitHub pull request `since` defaults
to the base branch. git runs with the settings that could run a program switched off
(fsmonitor, external diff, text conversion), and a git that fails or is missing
means "not known": then nothing is treated differently.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

_SAFE_GIT = (
    "git",
    "-c",
    "core.fsmonitor=false",
    "-c",
    "core.hooksPath=/dev/null",
    "-c",
    "diff.external=",
)


def _git(root: Path, *args: str) -> list[str] | None:
    try:
        done = subprocess.run(
            [*_SAFE_GIT, "-C", str(root), *args],
            capture_output=True,
            timeout=30,
            check=False,
            env={**os.environ, "GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0"},
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    return [p for p in done.stdout.decode("utf-8", "surrogateescape").split("\0") if p]


def changed_files(paths: Sequence[str], since: str | None = None) -> frozenset[str] | None:
    """Real paths of the changed files under `paths`, or None when git cannot say."""
    first = Path(paths[0]) if paths else Path()
    start = first if first.is_dir() else first.parent
    top = _git(start, "rev-parse", "--show-toplevel")
    if not top:
        return None
    root = Path(top[0].strip())
    status = _git(root, "status", "--porcelain=v1", "-z", "--untracked-files=all")
    if status is None:
        return None
    names = set()
    entries = iter(status)
    for entry in entries:  # "XY path"; a rename or copy is followed by its old path
        names.add(entry[3:])
        if entry[:1] in ("R", "C") or entry[1:2] in ("R", "C"):
            next(entries, None)
    since = since or (
        f"origin/{os.environ['GITHUB_BASE_REF']}" if os.environ.get("GITHUB_BASE_REF") else None
    )
    if since:
        diff = _git(
            root, "diff", "--name-only", "-z", "--no-ext-diff", "--no-textconv", f"{since}...HEAD"
        )
        if diff is None:
            return None
        names |= set(diff)
    return frozenset(os.path.realpath(root / name) for name in names)


def is_changed(label: str, changed: frozenset[str] | None) -> bool:
    """A file the contributor changed (every file counts as changed when not known)."""
    return changed is None or os.path.realpath(label) in changed
