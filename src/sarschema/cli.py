"""The `sarschema` command: a thin layer over the library API."""

from __future__ import annotations

import os
import sys
import time
import traceback
from dataclasses import replace
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from sarschema.__about__ import FORMAT_VERSIONS, __version__
from sarschema.codes import Code
from sarschema.errors import InternalError, SarschemaError, UsageError
from sarschema.terminal import inert

if TYPE_CHECKING:
    from sarschema.migrate import Note
    from sarschema.results import Report

app = typer.Typer(
    name="sarschema",
    help="Validate and export sarschema records: documented abuses of surveillance technology.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

REPORT_WHERE = "in the project's issue tracker"


_Check = Annotated[
    bool, typer.Option("--check", help="Exit 1 if the committed files are out of date.")
]


class OutputFormat(StrEnum):
    text = "text"
    json = "json"
    github = "github"


class StatsFormat(StrEnum):
    text = "text"
    json = "json"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"sarschema {__version__} (record formats {', '.join(FORMAT_VERSIONS)})")
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
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", "-j", min=1, help="Processes to use (default: CPU count)."),
    ] = None,
    no_cache: Annotated[
        bool,
        typer.Option(
            "--no-cache",
            help="Check every file again (ignore the per-file cache in your user cache folder).",
        ),
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Show errors only (warnings are still counted).")
    ] = False,
    show_warnings: Annotated[
        bool,
        typer.Option(
            "--show-warnings",
            help="List every warning in full (by default, text output lists those of the "
            "files you changed and counts the others by code).",
        ),
    ] = False,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            metavar="REF",
            help="Count files changed on this branch since REF (a git branch or commit) as "
            "yours too (in a GitHub pull request: its base branch).",
        ),
    ] = None,
    watch: Annotated[
        bool,
        typer.Option(
            "--watch",
            "-w",
            help="Keep running: check again whenever a file changes, and show a new report "
            "when the verdict or a file's problems change (Ctrl-C to stop; with --format "
            "json, a report per line).",
        ),
    ] = False,
) -> None:
    """Check records against the format and against each other.

    Exit code 0: valid (warnings allowed unless --strict); 1: problems found;
    2: usage error or internal failure. With --watch, that of the last report.

    Example:

    \b
        sarschema validate records --format github
        sarschema validate records --watch
    """
    from sarschema.api import validate_paths
    from sarschema.changes import ChangedFiles
    from sarschema.report import RENDERERS, View

    if quiet and show_warnings:
        raise UsageError("--quiet and --show-warnings contradict each other; give one")
    given = paths or ["records"]  # kept as typed: reports name files the same way
    if quiet:
        warnings = "none"
    elif show_warnings or output_format is not OutputFormat.text:
        warnings = "all"
    else:
        warnings = "summary"
    if watch:
        cache = None if no_cache else _cache_folder()
        _watch(given, output_format, warnings, strict=strict, jobs=jobs, since=since, cache=cache)
    with (
        ChangedFiles(given, since) as changed,
        _Progress(enabled=output_format is OutputFormat.text) as progress,
    ):
        report = validate_paths(
            given,
            strict=strict,
            keep_records=False,
            jobs=jobs,
            cache=None if no_cache else _cache_folder(),
            progress=progress.update,
        )
        changed_paths = changed.result()
    view = View(warnings, changed_paths)
    RENDERERS[output_format.value](report, sys.stdout, view)
    raise typer.Exit(0 if report.ok else 1)


def _watch(
    given: list[str],
    output_format: OutputFormat,
    warnings: str,
    *,
    strict: bool,
    jobs: int | None,
    since: str | None,
    cache: Path | None,
) -> NoReturn:
    """`validate --watch`: a report now, then one per change that matters, until
    Ctrl-C; the exit code is the last report's."""
    from sarschema.changes import ChangedFiles
    from sarschema.report import RENDERERS, View
    from sarschema.watch import watch_reports

    if output_format is OutputFormat.github:
        raise UsageError(
            "--watch is for a terminal or a program reading reports as files change: "
            "give --format text or --format json"
        )
    render = RENDERERS[output_format.value]
    ok: bool | None = None  # no report yet
    reports = watch_reports(given, strict=strict, jobs=jobs, cache=cache)
    try:
        for count, report in enumerate(reports):
            ok = report.ok  # before it is shown: a Ctrl-C right after must see it
            changed_paths = None
            if warnings == "summary":  # only the text summary asks git what you changed
                with ChangedFiles(given, since) as changed:
                    changed_paths = changed.result()
            if count and output_format is OutputFormat.text:
                sys.stdout.write(f"\n[{time.strftime('%H:%M:%S')}] files changed; checked again:\n")
            render(report, sys.stdout, View(warnings, changed_paths, one_line=True))
            sys.stdout.flush()
            if not count:
                print("Watching for changes (Ctrl-C to stop).", file=sys.stderr, flush=True)
    except KeyboardInterrupt:
        if ok is None:
            raise  # stopped before any verdict: as `validate` stopped so
    finally:
        reports.close()
    raise typer.Exit(0 if ok else 1)


class _Progress:
    """A progress bar on a terminal for runs longer than a second; never in CI logs."""

    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty() and not os.environ.get("CI")
        self.started = time.monotonic()
        self.bar: Any = None
        self.task: Any = None

    def __enter__(self) -> _Progress:
        return self

    def update(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            if time.monotonic() - self.started < 1.0:
                return
            from rich.progress import Progress

            self.bar = Progress(transient=True)
            self.bar.start()
            self.task = self.bar.add_task("validating", total=total)
        self.bar.update(self.task, completed=done)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


#: The record folders an export or `stats` reads (an optional argument).
RecordFolders = Annotated[
    list[str] | None, typer.Argument(help="Record folders (default: records).")
]

export_app = typer.Typer(
    help="Export records and the schema for partners' tools.", no_args_is_help=True
)
app.add_typer(export_app, name="export")


def _validated(paths: list[str] | None) -> Report:
    """Records for `stats`, which needs them all: only from a set without errors."""
    from sarschema.api import validate_paths

    report = validate_paths(paths or ["records"])
    _refuse_unless_ok(report, "stats")
    return report


def _refuse_unless_ok(report: Report, what: str = "export") -> None:
    from sarschema.report import render_text

    if not report.ok:
        render_text(report, sys.stderr)
        typer.echo(
            f"sarschema: {what} refused: the records have {report.errors} error(s); "
            "fix them first (see `sarschema validate`).",
            err=True,
        )
        raise typer.Exit(1)
    if len(report.valid_files) != report.files:  # pragma: no cover - an internal invariant
        raise InternalError("exported record count differs from the files read")


@export_app.command("schema")
def export_schema(
    out: Annotated[Path, typer.Option("--out", help="Folder to write into.")] = Path("schema"),
    check: _Check = False,
) -> None:
    """Write the JSON Schema (draft 2020-12): one file per kind and record.schema.json.

    Example:

        sarschema export schema --out schema/ --check
    """
    from sarschema.export.schema import write_schemas

    _report_generated(write_schemas(out, check=check), check, "sarschema export schema")


@export_app.command("csv")
def export_csv(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the tables into.")],
    paths: RecordFolders = None,
    raw: Annotated[
        bool,
        typer.Option("--raw", help="Write cells unchanged (no spreadsheet-formula guard)."),
    ] = False,
) -> None:
    """Write CSV tables (UTF-8 with BOM), schema.sql and a Frictionless datapackage.json.

    Example:

        sarschema export csv --out build/csv
    """
    from sarschema.export.common import export_to
    from sarschema.export.csv import CSVExporter, package_files

    report = export_to(paths or ["records"], lambda folder: CSVExporter(folder, raw=raw), out)
    _refuse_unless_ok(report)  # nothing reached `out` unless every check passed
    written = len(package_files())
    typer.echo(f"wrote {report.files} records into {written} files in {out}")


@export_app.command("sqlite")
def export_sqlite_db(
    out: Annotated[
        Path,
        typer.Option(
            "--out", help="Database file to write; its metadata.json is written beside it."
        ),
    ],
    paths: RecordFolders = None,
) -> None:
    """Write one SQLite database for Datasette, and its metadata.json beside it.

    Example:

    \b
        sarschema export sqlite --out build/records.db
        datasette build/records.db -m build/metadata.json
    """
    from sarschema.export.sqlite import export_sqlite, metadata_path

    report = export_sqlite(paths or ["records"], out)
    _refuse_unless_ok(report)  # nothing was written unless every check passed
    typer.echo(f"wrote {report.files} records to {out} and {metadata_path(out)}")


@export_app.command("stix")
def export_stix(
    out: Annotated[
        Path | None, typer.Option("--out", help="File to write (default: standard output).")
    ] = None,
    paths: RecordFolders = None,
) -> None:
    """Write all records as one STIX 2.1 bundle (mapping: docs/stix-mapping.md).

    Example:

        sarschema export stix --out build/bundle.json
    """
    import shutil
    import tempfile

    from sarschema.export.common import export_to
    from sarschema.export.stix import StixExporter

    with tempfile.TemporaryDirectory() as tmp:
        target = out if out is not None else Path(tmp) / StixExporter.FILE
        report = export_to(paths or ["records"], StixExporter, target, single_file=True)
        _refuse_unless_ok(report)  # nothing was written unless every check passed
        if out is None:
            with target.open(encoding="utf-8") as handle:
                shutil.copyfileobj(handle, sys.stdout)
            return
    typer.echo(f"wrote {report.files} records to {out}", err=True)


@export_app.command("json")
def export_json(
    out: Annotated[
        Path | None, typer.Option("--out", help="File to write (default: standard output).")
    ] = None,
    paths: RecordFolders = None,
    partial: Annotated[
        bool,
        typer.Option(
            "--partial",
            help="A partial set: references to records not given are warnings, not errors.",
        ),
    ] = False,
) -> None:
    """Write all records as one normalised JSON document.

    Example:

    \b
        sarschema export json --out build/records.json
        sarschema export json --partial records/targets/omar-radi.yaml
    """
    import shutil
    import tempfile

    from sarschema.export.common import export_to
    from sarschema.export.json import JsonExporter

    with tempfile.TemporaryDirectory() as tmp:
        target = out if out is not None else Path(tmp) / JsonExporter.FILE
        report = export_to(
            paths or ["records"], JsonExporter, target, single_file=True, partial=partial
        )
        _refuse_unless_ok(report)  # nothing was written unless every check passed
        if partial and report.warnings:
            from sarschema.report import render_text

            shown = replace(
                report,
                diagnostics=[d for d in report.diagnostics if d.code == Code.DANGLING_REFERENCE],
            )
            render_text(shown, sys.stderr)  # what the partial set points at but lacks
        if out is None:
            with target.open(encoding="utf-8") as handle:
                shutil.copyfileobj(handle, sys.stdout)
            return
    typer.echo(f"wrote {report.files} records to {out}", err=True)


@app.command()
def migrate(
    paths: Annotated[
        list[str] | None,
        typer.Argument(help="Record sets (folders holding the kind folders).", show_default=False),
    ] = None,
    to: Annotated[
        str, typer.Option("--to", help="The format version to move to.")
    ] = FORMAT_VERSIONS[-1],
    check: Annotated[
        bool,
        typer.Option("--check", help="Change nothing; list the files that would change."),
    ] = False,
) -> None:
    """Move record sets to a newer format version, in place.

    Writes only what is certain (the version file, and values the data itself
    establishes); every other byte, comment and key order stays. What needs a
    person's decision is printed as a note with its file and line. A set that is
    not valid in its own version is refused, untouched. With --check, exits 1
    when files would change.

    Example:

        sarschema migrate records --to 1.1 --check
    """
    from sarschema import migrate as migration
    from sarschema.terminal import inert

    try:
        plan = migration.plan(paths or ["records"], to=to)
    except migration.Refused as refused:
        _refuse_unless_ok(refused.report, "migrate")
        raise InternalError("a refused migration had a valid report") from refused
    for record_set in plan.current:
        typer.echo(f"{inert(record_set.root)}: already in format {to}; nothing to do.")
    changes = plan.changes
    if check:
        for file in changes:
            typer.echo(f"would change: {inert(file)}")
        _notes(plan.notes, "would be left for a person")
        if changes:
            typer.echo(
                f"{len(changes)} file(s) would change; run `sarschema migrate --to {to}`.",
                err=True,
            )
            raise typer.Exit(1)
        return
    written = migration.apply(plan)
    for record_set in plan.moving:
        typer.echo(f"{inert(record_set.root)}: format {record_set.version} -> {to}")
    for file in sorted(plan.created):
        typer.echo(f"  wrote {inert(file)}")
    for edit in plan.edits:
        typer.echo(
            f"  {inert(_where(edit.file, edit.line, edit.column))}: {edit.field or 'first line'}: "
            f"`{edit.old}` -> `{edit.new}` ({inert(edit.why)})"
        )
    _notes(plan.notes, "for a person; nothing was changed for these")
    if written:
        typer.echo(f"\n{len(written)} file(s) written; run `sarschema validate` to check them.")


def _notes(notes: list[Note], what: str) -> None:
    if notes:
        typer.echo(f"\n{len(notes)} note(s) {what}:")
    for note in notes:
        where = _where(note.file, note.line, note.column)
        typer.echo(f"{inert(where)}: note {note.field}: {inert(note.text)}")


def _where(file: str, line: int | None, column: int | None) -> str:
    return file + (f":{line}" if line else "") + (f":{column}" if line and column else "")


@app.command()
def new(
    kind: Annotated[str, typer.Argument(help="incident, target, operator or response.")],
    record_id: Annotated[str, typer.Argument(metavar="ID", help="The new record's id.")],
    records: Annotated[Path, typer.Option("--records", help="The records folder.")] = Path(
        "records"
    ),
) -> None:
    """Write a commented template for a new record, ready to fill in.

    Example:

        sarschema new target omar-radi
    """
    from sarschema.scaffold import new_record

    path = new_record(kind, record_id, records)
    typer.echo(f"wrote {path}: fill in every empty field, then run `sarschema validate`.")


@app.command()
def stats(
    paths: RecordFolders = None,
    output_format: Annotated[
        StatsFormat, typer.Option("--format", "-f", help="text (tables) or json.")
    ] = StatsFormat.text,
) -> None:
    """Count what a record set holds: per kind, status, operator, year, role, country.

    Example:

        sarschema stats --format json
    """
    import json

    from sarschema.stats import compute, render_tables

    report = _validated(paths)
    counts = compute(report.records, report.accepted)
    if output_format is StatsFormat.json:
        typer.echo(json.dumps(counts, ensure_ascii=False, indent=2))
    else:
        render_tables(counts)


@app.command()
def site(
    paths: RecordFolders = None,
    out: Annotated[
        Path, typer.Option("--out", help="Folder to build the site in (replaced whole).")
    ] = Path("build/site"),
) -> None:
    """Build a static website of the records: overview, timeline, lists, a page each.

    Plain files that work from a folder (file://) or on GitHub Pages; nothing is
    fetched from elsewhere. Built only from a valid record set.

    Example:

        sarschema site records --out build/site
    """
    from sarschema.site import build_site

    report, written = build_site(paths or ["records"], out)
    _refuse_unless_ok(report, "site")
    pages = sum(1 for name in written if name.endswith(".html"))
    typer.echo(
        f"wrote {pages} pages for {report.files} records in {out}; open {out / 'index.html'}"
    )


@app.command()
def docs(
    out: Annotated[Path, typer.Option("--out", help="Folder to write into.")] = Path("docs"),
    check: _Check = False,
) -> None:
    """Generate the reference documentation: data dictionary and diagnostic codes.

    Example:

        sarschema docs --check
    """
    from sarschema.docs import write_docs

    _report_generated(write_docs(out, check=check), check, "sarschema docs")


def _report_generated(changed: list[str], check: bool, command: str) -> None:
    for name in changed:
        typer.echo(f"{'out of date' if check else 'wrote'}: {name}")
    if check and changed:
        typer.echo(f"run `{command}` to regenerate.", err=True)
        raise typer.Exit(1)


def _cache_folder() -> Path:
    """Imported only for a run that uses the cache (SQLite's module with it)."""
    from sarschema.cache import cache_folder

    return cache_folder()


def main() -> None:
    """Entry point: exit 2 with a clear message for usage and internal errors."""
    try:
        app(standalone_mode=True)
    except SarschemaError as exc:
        typer.echo(f"sarschema: error: {inert(str(exc))}", err=True)
        sys.exit(exc.exit_code)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # an internal bug: reported as one, never hidden
        typer.echo(
            f"sarschema: internal error ({type(exc).__name__}). This is a bug in sarschema, "
            f"not in your records. Please report it {REPORT_WHERE}, with the command you ran.",
            err=True,
        )
        if os.environ.get("SARSCHEMA_DEBUG"):
            traceback.print_exc()
        else:
            typer.echo("Set SARSCHEMA_DEBUG=1 to print the details.", err=True)
        sys.exit(2)
