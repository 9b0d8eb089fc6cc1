"""`sarschema site`: the record set as a static website people can read.

Plain files (no server, nothing fetched from elsewhere): an overview with charts
drawn at build time, a timeline, a list per kind with filters and search, and one
page per record at a stable address from its id (`incidents/<id>.html`). Built
only from a valid record set, in a staging folder beside the output, and moved into
place whole, so a failed build leaves the previous site as it was.

Modules, in the order of the data flow: `index` (the second pass: references
followed both ways), `wording` (sentences from fields), `charts` and `timeline`
(geometry), `render` (templates to files); `strings` holds every word.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sarschema.errors import UsageError
from sarschema.safeio import refuse_link

if TYPE_CHECKING:
    from sarschema.results import Report
    from sarschema.types import PartialDate

__all__ = ["build_site", "write_site"]


def newest_date(records: Sequence[Any]) -> str | None:
    """The newest date of the records (their own and their sources'), as the site writes
    dates, at the precision it is written: the site gives it as the state of its data, rather than the day of
    the build, so a build of the same records is the same byte for byte."""
    from sarschema.site.wording import date_text

    newest: PartialDate | None = None
    newest_end = dt.date.min  # newest.latest(), worked out once
    for record in records:
        dates = [getattr(record, name, None) for name in ("date", "date_end", "revealed")]
        dates += [source.published for source in record.sources]
        for date in dates:
            if date is not None and (end := date.latest()) > newest_end:
                newest, newest_end = date, end
    return date_text(newest) if newest else None


def write_site(
    records: Sequence[Any], folder: Path, format_version: str, jobs: int = 1
) -> list[str]:
    """Write the site of `records` (a valid, whole set) into `folder`, in `jobs`
    processes; return the paths written, relative to it."""
    from sarschema.__about__ import __version__
    from sarschema.export.common import DATA_LICENSE
    from sarschema.runner import collector_eased
    from sarschema.site.index import SiteIndex
    from sarschema.site.render import Meta, SiteWriter

    # The records and their index live to the end: the collector walking them again
    # and again (100,000 records) took 2.5 s of the index's 3.9.
    with collector_eased():
        meta = Meta(__version__, format_version, DATA_LICENSE, newest_date(records))
        index = SiteIndex(records)
        return SiteWriter(index, folder, meta).build(jobs)


def build_site(
    paths: Sequence[str | Path], out: Path, *, jobs: int | None = None
) -> tuple[Report, list[str]]:
    """Validate the records under `paths` and, when they are valid, build their site
    in `out`. Returns the report and the files written (none unless the report is ok).

    `out` is replaced whole; it must be missing, empty or a site sarschema built (it
    holds `sarschema-site.json`), so that a typo never deletes a folder of other files.

    Example::

        report, files = build_site(["records"], Path("build/site"))
    """
    from sarschema.api import validate_paths
    from sarschema.export.common import set_version
    from sarschema.runner import default_jobs
    from sarschema.site.render import MANIFEST

    refuse_link(out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out} is a file; the site needs a folder (give another --out).")
    if out.is_dir() and any(out.iterdir()) and not (out / MANIFEST).is_file():
        raise UsageError(
            f"{out} is not empty and is not a site sarschema built (it has no {MANIFEST}); "
            "give an empty or new folder, so that no other files are replaced."
        )
    report = validate_paths(paths, jobs=jobs)
    if not report.ok:
        return report, []
    version = set_version(report.sets)
    near = next(p for p in (out.parent.absolute(), *out.parent.absolute().parents) if p.is_dir())
    with tempfile.TemporaryDirectory(dir=near, prefix=".sarschema-site-") as staging:
        built = Path(staging) / "site"
        built.mkdir()
        written = write_site(
            report.records, built, version, default_jobs() if jobs is None else jobs
        )
        _swap(built, out, Path(staging) / "old")
    return report, written


def _swap(built: Path, out: Path, old: Path) -> None:
    """Move the new site into place; the old one goes to the staging folder, which is
    removed with it (renames: the site is never half written)."""
    refuse_link(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        if out.exists():
            out.replace(old)
        built.replace(out)
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc.strerror}") from None
