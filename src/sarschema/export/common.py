"""What every exporter shares: the base class, and `export_to`, which validates and
exports in one pass and writes nothing unless every record is valid.

The library function gives a caller the CLI's guarantees: the output is built in
a staging folder beside `out` and moved into place only when the whole set
passed; otherwise `out` is left untouched and the report says why. The CLI only
turns the report into an exit code.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sarschema.errors import InternalError, UsageError
from sarschema.safeio import refuse_link

if TYPE_CHECKING:
    from sarschema.models import Record
    from sarschema.results import Report


class Exporter(ABC):
    """One output format (after followthemoney's exporters): `write` each record's
    payload, then `finalize` once. `prepare` turns a valid record into the payload
    in the worker processes, so it must be a plain function of the record giving
    plain data (cheap to send between processes)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @staticmethod
    @abstractmethod
    def prepare(record: Record) -> Any: ...

    @abstractmethod
    def write(self, payload: Any) -> None: ...

    @abstractmethod
    def finalize(self) -> list[Path]:
        """Finish the output in `folder`; return the files written there."""

    @abstractmethod
    def close(self) -> None:
        """Release open files, also when the export is abandoned."""


def export_to(
    paths: Sequence[str | Path],
    make: Callable[[Path], Exporter],
    out: Path,
    *,
    single_file: bool = False,
    partial: bool = False,
    today: dt.date | None = None,
    jobs: int | None = None,
) -> Report:
    """Validate the records under `paths` and export them with `make(folder)`.

    With `single_file`, the exporter writes one file and `out` is that file;
    otherwise `out` is a folder that receives every file written. Nothing is
    written to `out` unless the report is `ok`; a link at `out` is refused.

    Example::

        report = export_to(["records"], lambda folder: CSVExporter(folder), Path("build/csv"))
        report.ok
    """
    from sarschema.api import export_records

    refuse_link(out)
    # Staged on the same file system (renames are atomic), in the nearest folder that
    # exists: a refused export creates no folder either.
    near = next(p for p in (out.parent.absolute(), *out.parent.absolute().parents) if p.is_dir())
    with tempfile.TemporaryDirectory(dir=near, prefix=".sarschema-export-") as staging:
        exporter = make(Path(staging))
        try:
            report = export_records(
                paths,
                type(exporter).prepare,
                exporter.write,
                today=today,
                jobs=jobs,
                partial=partial,
            )
            if not report.ok:
                return report
            if len(report.valid_files) != report.files:
                raise InternalError("exported record count differs from the files read")
            written = exporter.finalize()
        finally:
            exporter.close()
        _move(written, out, single_file)
    return report


def _move(written: list[Path], out: Path, single_file: bool) -> None:
    """Into place by renaming, which replaces a link at the target, never writes
    through it."""
    refuse_link(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if single_file:
        (source,) = written
        targets = [(source, out)]
    else:
        out.mkdir(exist_ok=True)
        targets = [(path, out / path.name) for path in written]
    for source, target in targets:
        try:
            source.replace(target)
        except OSError as exc:
            raise UsageError(f"cannot write {target}: {exc.strerror}") from None
