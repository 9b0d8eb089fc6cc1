"""What every exporter shares: the base class, and `export_to`, which validates and
exports in one pass and writes nothing unless every record is valid.

The library function gives a caller the CLI's guarantees: the output is built in
a staging folder beside `out` and moved into place only when the whole set
passed; otherwise `out` is left untouched and the report says why. The CLI only
turns the report into an exit code.

Every output names the format version of the records it holds: the version of
their record set (`sarschema.yaml`, 1.0 when there is none), as validation used
it. Records of sets of different versions are not exported together: an output
states one version, so `export_to` refuses them (a usage error) and says how to
proceed (one set at a time, or `sarschema migrate` first). Records handed over
directly (`write_csv`, `to_document`) carry their version in their models' classes
(`version_of`).
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
import threading
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sarschema.errors import InternalError, UsageError
from sarschema.safeio import refuse_link
from sarschema.versions import UNSTATED, SetVersion

if TYPE_CHECKING:
    from sarschema.models import Record, RecordBase
    from sarschema.results import Report


#: The licence the records are published under, named in every export that can
#: carry one (the CSV package, the SQLite database's metadata). The tool is MIT.
DATA_LICENSE = "CC-BY-4.0"
DATA_LICENSE_TITLE = "Creative Commons Attribution 4.0 International"
DATA_LICENSE_URL = "https://creativecommons.org/licenses/by/4.0/"


def created_at(newest: str | None) -> str:
    """When an export says it was made: `SOURCE_DATE_EPOCH` when set (the convention
    of reproducible builds, for a publisher to state the time of publication), else
    the newest date the records give, so an export of unchanged records is the same
    byte for byte. An ISO 8601 UTC date-time.

    >>> created_at("2022-03-12")
    '2022-03-12T00:00:00Z'
    """
    import os

    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            moment = dt.datetime.fromtimestamp(int(epoch), dt.UTC)
        except (ValueError, OverflowError, OSError):
            raise UsageError(
                f"SOURCE_DATE_EPOCH must be a number of seconds since 1970, not {epoch!r}."
            ) from None
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{newest or '1970-01-01'}T00:00:00Z"


def version_of(record: RecordBase) -> str:
    """The format version whose models the record is an instance of: the version of
    its set, since a set is validated with its own version's models (the oldest such
    version, should a later one keep a kind's model unchanged)."""
    from sarschema.models import VERSIONS

    for version, kinds in VERSIONS.items():
        if type(record) is kinds.get(record.kind):
            return version
    raise InternalError(f"{type(record).__name__} is the model of no format version")


def _refuse_mixed(what: list[str]) -> UsageError:
    from sarschema.__about__ import FORMAT_VERSION

    return UsageError(
        f"the records are of several format versions ({'; '.join(what)}), and an export "
        "states one: export each record set on its own, or first move the older sets to "
        f"the newer version (`sarschema migrate --to {FORMAT_VERSION}`)."
    )


def set_version(sets: Sequence[SetVersion]) -> str:
    """The one format version of the record sets exported together; a `UsageError`
    when they differ. No set at all (no records) is 1.0, as a set that states none."""
    versions = {record_set.version for record_set in sets}
    if len(versions) > 1:
        raise _refuse_mixed([record_set.describe() for record_set in sets])
    return next(iter(versions), UNSTATED)


def records_version(records: Iterable[RecordBase]) -> str:
    """The one format version of records handed over directly (`version_of`); a
    `UsageError` when they differ. No record at all is 1.0, as a set that states none."""
    return one_version(Counter(version_of(record) for record in records))


def one_version(counts: Counter[str]) -> str:
    """The one version of records counted by version (`version_of`); see
    `records_version`."""
    if len(counts) > 1:
        raise _refuse_mixed([f"{n} record(s) of format {v}" for v, n in sorted(counts.items())])
    return next(iter(counts), UNSTATED)


class Exporter(ABC):
    """One output format (after followthemoney's exporters): `write` each record's
    payload, then `finalize` once. `prepare` turns a valid record into the payload
    in the worker processes, so it must be a plain function of the record giving
    plain data (cheap to send between processes)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        #: the format version of the records written, named by the output; set before
        #: `finalize` (`export_to` sets it to the record set's version)
        self.format_version: str | None = None

    def version(self) -> str:
        """`format_version`, which must be known by the time the output is finished."""
        if self.format_version is None:
            raise InternalError(f"{type(self).__name__}: the records' format version is unset")
        return self.format_version

    @staticmethod
    @abstractmethod
    def prepare(record: Record) -> Any: ...

    def preparer(self) -> Callable[[Record], Any]:
        """What turns a record into this exporter's payload: `prepare`, unless an
        option of the exporter asks for another module-level function."""
        return type(self).prepare

    @abstractmethod
    def write(self, payload: Any) -> None: ...

    @abstractmethod
    def finalize(self) -> list[Path]:
        """Finish the output in `folder`; return the files written there."""

    @abstractmethod
    def close(self) -> None:
        """Release open files, also when the export is abandoned."""


_quoted = json.encoder.encode_basestring  # json's own quoting (in C) with ensure_ascii=False


def indented_json(value: Any, pad: str = "", *, sort_keys: bool = False) -> str:
    """`json.dumps(value, indent=2, ensure_ascii=False, sort_keys=sort_keys)` at a
    depth of `pad`, each text quoted by json's C quoting: with an indent, json
    encodes in Python token by token, which was half of the STIX export's own work
    and most of the JSON export's."""
    inner = pad + "  "
    if type(value) is dict:
        if not value:
            return "{}"
        if any(type(key) is not str for key in value):  # json's own rules for those
            text = json.dumps(value, indent=2, ensure_ascii=False, sort_keys=sort_keys)
            return text.replace("\n", "\n" + pad)
        items = []
        for key in sorted(value) if sort_keys else value:
            item = value[key]
            kind = type(item)
            written = (
                _quoted(item)
                if kind is str
                else indented_json(item, inner, sort_keys=sort_keys)
                if kind is dict or kind is list or kind is tuple
                else json.dumps(item)
            )
            items.append(f"{inner}{_quoted(key)}: {written}")
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if type(value) is list or type(value) is tuple:
        if not value:
            return "[]"
        texts: Iterable[str]
        if all(type(item) is str for item in value):
            texts = map(_quoted, value)
        else:
            texts = (indented_json(item, inner, sort_keys=sort_keys) for item in value)
        return "[\n" + inner + (",\n" + inner).join(texts) + "\n" + pad + "]"
    if type(value) is str:
        return _quoted(value)
    return json.dumps(value)


class BackgroundImport:
    """A module imported in a thread while the records are checked (sqlite-utils, with
    the pandas and numpy it imports when they are installed, took 0.1 to 0.3 s, all
    of it after the last record; stix2 0.17 s). An exporter starts it from its first
    `write`, after the worker processes were forked, and waits for it before the
    module is used (and on `close`), so that no fork happens while it runs."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the import, once."""
        if self.thread is None:
            import importlib

            self.thread = threading.Thread(
                target=importlib.import_module,
                args=(self.name,),
                name=f"import {self.name}",
                daemon=True,
            )
            self.thread.start()

    def wait(self) -> None:
        if self.thread is not None:
            self.thread.join()


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
    written to `out` unless the report is `ok`; a link at `out` is refused, and so
    are record sets of different format versions (`UsageError`, nothing written).

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
                exporter.preparer(),
                exporter.write,
                today=today,
                jobs=jobs,
                partial=partial,
            )
            if not report.ok:
                return report
            if len(report.valid_files) != report.files:
                raise InternalError("exported record count differs from the files read")
            exporter.format_version = set_version(report.sets)
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
