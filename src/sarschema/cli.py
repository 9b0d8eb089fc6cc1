"""The `sarschema` command: a thin layer over the library API."""

from __future__ import annotations

import os
import sys
import traceback
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from sarschema.__about__ import FORMAT_VERSION, __version__
from sarschema.errors import SarschemaError

app = typer.Typer(
    name="sarschema",
    help="Validate and export sarschema records: documented abuses of surveillance technology.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

REPORT_URL = "https://github.com/sarschema/sarschema/issues"


class OutputFormat(StrEnum):
    text = "text"
    json = "json"
    github = "github"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"sarschema {__version__} (record format {FORMAT_VERSION})")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Validate and export sarschema records."""


@app.command()
def validate(
    paths: Annotated[
        list[str] | None,
        typer.Argument(help="Record files or folders (default: records).", show_default=False),
    ] = None,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="text, json or github annotations.")
    ] = OutputFormat.text,
    strict: Annotated[bool, typer.Option("--strict", help="Treat warnings as errors.")] = False,
) -> None:
    """Check records against the format and against each other.

    Exit code 0: valid (warnings allowed unless --strict); 1: problems found;
    2: usage error or internal failure.

    Example:

        sarschema validate records --format github
    """
    from sarschema.api import validate_paths
    from sarschema.report import RENDERERS

    given = paths or ["records"]  # kept as typed: reports name files the same way
    report = validate_paths(given, strict=strict)
    RENDERERS[output_format.value](report, sys.stdout)
    raise typer.Exit(0 if report.ok else 1)


@app.command()
def docs(
    out: Annotated[Path, typer.Option("--out", help="Folder to write into.")] = Path("docs"),
    check: Annotated[
        bool, typer.Option("--check", help="Exit 1 if the committed files are out of date.")
    ] = False,
) -> None:
    """Generate the reference documentation (the list of diagnostic codes).

    Example:

        sarschema docs --check
    """
    from sarschema.docs import write_docs

    stale = write_docs(out, check=check)
    for name in stale:
        typer.echo(f"{'out of date' if check else 'wrote'}: {name}")
    if check and stale:
        typer.echo("run `sarschema docs` to regenerate.", err=True)
        raise typer.Exit(1)


def main() -> None:
    """Entry point: exit 2 with a clear message for usage and internal errors."""
    try:
        app(standalone_mode=True)
    except SarschemaError as exc:
        typer.echo(f"sarschema: error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # an internal bug: reported as one, never hidden
        typer.echo(
            f"sarschema: internal error ({type(exc).__name__}). This is a bug in sarschema, "
            f"not in your records. Please report it at {REPORT_URL} with the command you ran.",
            err=True,
        )
        if os.environ.get("SARSCHEMA_DEBUG"):
            traceback.print_exc()
        else:
            typer.echo("Set SARSCHEMA_DEBUG=1 to print the details.", err=True)
        sys.exit(2)
