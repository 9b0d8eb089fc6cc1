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


class _Git:
    """One git command started at once and answered later, so that it runs beside
    the validation (`git status` takes about 10 ms, most of a warm run's own work)."""

    def __init__(self, where: Path, *args: str) -> None:
        try:
            self.process: subprocess.Popen[bytes] | None = subprocess.Popen(
                [*_SAFE_GIT, "-C", str(where), *args],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env={**os.environ, "GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0"},
            )
        except OSError:
            self.process = None

    def answer(self) -> list[str] | None:
        """Its NUL- or line-separated output, or None when git failed or is missing."""
        if self.process is None:
            return None
        try:
            out, _ = self.process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.stop()
            return None
        if self.process.returncode != 0:
            return None
        return [p for p in out.decode("utf-8", "surrogateescape").split("\0") if p]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.communicate()


class ChangedFiles:
    """`changed_files`, asked of git when entered and answered by `result()`: the
    commands run while the caller validates. Leaving the block stops what is left.

    Every command runs from the first path's folder: `--show-toplevel` gives the root,
    and the paths `status --porcelain` and `diff --no-relative` print are relative
    to it wherever they run."""

    def __init__(self, paths: Sequence[str], since: str | None = None) -> None:
        first = Path(paths[0]) if paths else Path()
        self.start = first if first.is_dir() else first.parent
        self.since = since or (
            f"origin/{os.environ['GITHUB_BASE_REF']}" if os.environ.get("GITHUB_BASE_REF") else None
        )
        self.commands: list[_Git] = []

    def __enter__(self) -> ChangedFiles:
        self.commands = [
            _Git(self.start, "rev-parse", "--show-toplevel"),
            _Git(self.start, "status", "--porcelain=v1", "-z", "--untracked-files=all"),
        ]
        if self.since:
            self.commands.append(
                _Git(
                    self.start,
                    "diff",
                    "--name-only",
                    "-z",
                    "--no-relative",
                    "--no-ext-diff",
                    "--no-textconv",
                    f"{self.since}...HEAD",
                )
            )
        return self

    def __exit__(self, *exc: object) -> None:
        for command in self.commands:
            command.stop()

    def result(self) -> frozenset[str] | None:
        """Real paths of the changed files, or None when git cannot say."""
        top, status, *diff = (command.answer() for command in self.commands)
        if not top or status is None or None in diff:
            return None
        root = Path(top[0].strip())
        names = set()
        entries = iter(status)
        for entry in entries:  # "XY path"; a rename or copy is followed by its old path
            names.add(entry[3:])
            if entry[:1] in ("R", "C") or entry[1:2] in ("R", "C"):
                next(entries, None)
        for listed in diff:
            names.update(listed or ())
        return frozenset(os.path.realpath(root / name) for name in names)


def changed_files(paths: Sequence[str], since: str | None = None) -> frozenset[str] | None:
    """Real paths of the changed files under `paths`, or None when git cannot say."""
    with ChangedFiles(paths, since) as asked:
        return asked.result()


def is_changed(label: str, changed: frozenset[str] | None) -> bool:
    """A file the contributor changed (every file counts as changed when not known)."""
    return changed is None or os.path.realpath(label) in changed
