"""What VS Code's YAML extension would show on some files: a thin wrapper on lsp-check.mjs.

``tests/interop/lsp-check.mjs`` drives the real ``yaml-language-server`` (the
npm package that powers the editor extension) headlessly over LSP, in one
server session for all the files, and reports its diagnostics and completions.
This module runs it with Node.js, as ``test_interop.py`` runs ajv. It is a
helper for tests, not a test module: it never skips, it raises
:class:`EditorCheckError` when Node.js or the npm packages are missing.

Positions are 1-based lines and columns, columns counting Unicode code points
(a Python ``str`` index + 1). Severities are LSP's: 1 error, 2 warning,
3 information, 4 hint.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

INTEROP = Path(__file__).resolve().parent / "interop"
SCRIPT = INTEROP / "lsp-check.mjs"
SERVER = INTEROP / "node_modules" / "yaml-language-server" / "bin" / "yaml-language-server"

#: How long lsp-check.mjs may take before it kills the server and fails (seconds).
TIMEOUT = 60

Position = tuple[Path, int, int]  # file, line, column (1-based)


class EditorCheckError(RuntimeError):
    """Node.js, the npm packages or the language server failed us."""


def _node() -> str:
    node = shutil.which("node")
    if not node:
        raise EditorCheckError("Node.js is needed to run yaml-language-server (see README)")
    if not SERVER.is_file():
        raise EditorCheckError(
            f"{SERVER} is missing: run `npm ci --prefix tests/interop` first "
            "(the README's test command does)"
        )
    return node


def _schema_args(schemas: dict[str, list[str]] | None) -> list[str]:
    args: list[str] = []
    for schema, globs in (schemas or {}).items():
        for glob in globs:
            args += ["--schema", f"{glob}={schema}"]
    return args


def _run(args: list[str]) -> dict[str, Any]:
    done = subprocess.run(
        [_node(), str(SCRIPT), "--timeout", str(TIMEOUT), *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=TIMEOUT + 30,
        check=False,
    )
    if done.returncode != 0:
        raise EditorCheckError(
            f"lsp-check.mjs failed (exit {done.returncode}):\n{done.stderr.strip()}"
        )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def editor_diagnostics(
    files: list[Path], *, schemas: dict[str, list[str]] | None = None
) -> dict[str, list[dict[str, Any]]]:
    """The diagnostics the editor shows on each file, keyed by ``str(file)``.

    ``schemas`` maps a schema (absolute path or file URI) to the globs of the
    files it applies to, like the editor's ``yaml.schemas`` setting, e.g.
    ``{"/abs/schema/incident.schema.json": ["**/records/incidents/*.yaml"]}``.
    Files with a ``# yaml-language-server: $schema=...`` modeline need none.
    Each diagnostic is ``{"line", "column", "endLine", "endColumn", "severity",
    "message", "source"}``; a file the editor finds nothing wrong with maps to
    ``[]``. All files are checked in one language-server session.
    """
    if not files:
        return {}
    keys = [str(f) for f in files]
    result = _run([*_schema_args(schemas), "--", *keys])
    return {key: result[key] for key in keys}


def editor_completions(
    positions: list[Position], *, schemas: dict[str, list[str]] | None = None
) -> dict[Position, list[str]]:
    """The completion labels the editor offers at each (file, line, column).

    Lines and columns are 1-based, the column being where the cursor sits (for
    ``status: `` on line 17, the column just after the space is 9). The labels
    keep the server's order. ``schemas`` is as for :func:`editor_diagnostics`.
    """
    if not positions:
        return {}
    specs = {f"{path}:{line}:{column}": (path, line, column) for path, line, column in positions}
    args = _schema_args(schemas)
    for spec in specs:
        args += ["--complete", spec]
    result = _run(args)
    return {position: result["completions"][spec] for spec, position in specs.items()}
