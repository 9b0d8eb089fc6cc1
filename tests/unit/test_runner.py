"""`sarschema.runner`, alone: what a run leaves of the interpreter's state."""

from __future__ import annotations

import gc
import itertools
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_a_run_eases_the_collector_and_gives_it_back() -> None:
    """The pipeline every validation and export goes through eases the collector
    while files are checked, and gives it back as it was."""
    from sarschema.api import validate_paths

    before = gc.get_threshold()
    during: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        during.append((gc.get_threshold()[0], gc.get_freeze_count()))

    report = validate_paths([str(ROOT / "records" / "operators")], progress=progress)
    assert report.files > 0 and len(during) == report.files
    assert all(threshold == 10_000 and frozen > 0 for threshold, frozen in during)
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_results_kept_to_the_end_are_frozen_as_they_come(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every so many files the results so far are moved out of the collector's reach
    (full collections walked them all again); the run's end gives everything back,
    and nothing of the report is lost."""
    from sarschema import api

    monkeypatch.setattr(api, "_FREEZE_EVERY", 5)
    frozen: list[int] = []
    folder = str(ROOT / "records")
    report = api.export_records([folder], str, lambda _: frozen.append(gc.get_freeze_count()))
    assert report.ok and len(frozen) == report.files > 10
    assert frozen == sorted(frozen) and frozen[-1] > frozen[0]  # it grew as files came
    assert gc.get_freeze_count() == 0
    monkeypatch.setattr(api, "_FREEZE_EVERY", 10**9)
    again = api.validate_paths([folder])
    assert again.read == report.read and again.summaries == report.summaries


def test_nested_easing_is_given_back_once() -> None:
    """A caller's own block around a pipeline: the inner end leaves the outer's state,
    the outer end restores what was there before both."""
    from sarschema.runner import collector_eased

    before = gc.get_threshold()
    with collector_eased():
        with collector_eased():
            pass
        assert gc.get_threshold()[0] == 10_000 and gc.get_freeze_count() > 0
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_a_cached_run_gives_the_collector_back(tmp_path: Path) -> None:
    """Reading a cache back pauses the collector inside the pipeline's easing: after
    the run, all is as it was."""
    from sarschema.api import validate_paths

    before, enabled = gc.get_threshold(), gc.isenabled()
    for _ in range(2):  # the second run reads the cache back
        report = validate_paths([str(ROOT / "records")], cache=tmp_path / "cache")
        assert report.ok
        assert gc.get_threshold() == before and gc.isenabled() is enabled
        assert gc.get_freeze_count() == 0


def _facts(results: list[Any]) -> list[tuple[Any, ...]]:
    return [(r.file, r.diagnostics, r.summary) for r in results]


def test_shares_in_forked_and_new_processes_give_one_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Forked workers take their share of the files they inherit; new ("spawn")
    processes are sent theirs. Either way the results are those of one process, in
    file order, an invalid file's included."""
    import multiprocessing
    import sys

    from sarschema import runner
    from sarschema.api import today_utc
    from sarschema.discovery import discover

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from generate import generate

    generate(tmp_path / "records", runner.PARALLEL_MIN_FILES + 50)
    broken = sorted((tmp_path / "records" / "targets").iterdir())[3]
    broken.write_text(broken.read_text() + "name: [\n", encoding="utf-8")
    files = discover([str(tmp_path / "records")]).records
    today = today_utc()
    alone = _facts(list(runner.run(files, today, jobs=1)))
    assert any(diagnostics for _, diagnostics, _ in alone)
    assert _facts(list(runner.run(files, today, jobs=2))) == alone
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    assert _facts(list(runner.run(files, today, jobs=2))) == alone
    assert runner._SHARED is None


def test_kept_records_are_frozen_while_files_are_still_being_checked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`validate_paths` keeps every record; the collector must be eased as they arrive,
    not once all are in (100,000 records: full collections walking the records kept so
    far cost 10 s of the parent's CPU)."""
    from sarschema import api

    monkeypatch.setattr(api, "_FREEZE_EVERY", 5)
    frozen: list[int] = []
    folder = str(ROOT / "records")
    report = api.validate_paths([folder], progress=lambda *_: frozen.append(gc.get_freeze_count()))
    assert report.ok and len(report.records) == report.files == len(frozen) > 10
    assert frozen[-1] > frozen[0]  # frozen again while the files were still coming
    assert gc.get_freeze_count() == 0


@pytest.mark.parametrize("count", [400, 401, 1_000, 10_000, 100_000, 1_000_003])
@pytest.mark.parametrize("jobs", [2, 3, 8])
def test_shares_cover_every_file_once_and_end_small(count: int, jobs: int) -> None:
    """Every file in exactly one share, in order; shares never grow, none but the last
    is below the least, and the last few are the least, so that the processes
    finish together."""
    from sarschema.runner import SHARE_LEAST, share_bounds

    bounds = share_bounds(count, jobs)
    assert bounds[0][0] == 0 and bounds[-1][1] == count
    assert all(end == start for (_, end), (start, _) in itertools.pairwise(bounds))
    sizes = [end - start for start, end in bounds]
    assert sizes == sorted(sizes, reverse=True)
    assert min(sizes[:-1]) == SHARE_LEAST
    assert max(sizes) <= max(SHARE_LEAST, count // (jobs * 12))
    assert len(bounds) < 40 * jobs  # what sending a share costs is paid a bounded number of times


def test_records_of_every_vocabulary_come_back_from_worker_processes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Records kept (the site) are pickled back from the workers, 1.1's relations
    (`client`, a member of an enum built under 1.0's name) included: they failed to
    come back (PicklingError), so a site of 400 records or more of 1.1 could not be built."""
    import multiprocessing
    import pickle
    import sys

    from sarschema import runner
    from sarschema.api import validate_paths
    from sarschema.vocab import RelationV11

    for member in RelationV11:
        for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
            assert pickle.loads(pickle.dumps(member, protocol)) is member

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from shipped_copies import copy_shipped

    copy_shipped(tmp_path / "records", runner.PARALLEL_MIN_FILES + 20)
    alone = validate_paths([tmp_path / "records"], jobs=1)
    relations = {
        related.relation
        for record in alone.records
        for related in getattr(record, "related", None) or ()
    }
    assert RelationV11.CLIENT in relations  # the shipped records' `client` is among them
    for start in ("fork", "spawn"):
        monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda s=start: [s])
        report = validate_paths([tmp_path / "records"], jobs=2)
        assert report.ok and report.files == alone.files
        assert [r.model_dump() for r in report.records] == [r.model_dump() for r in alone.records]
