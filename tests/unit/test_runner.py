"""`sarschema.runner`, alone: what a run leaves of the interpreter's state."""

from __future__ import annotations

import datetime as dt
import gc
from pathlib import Path

from sarschema.discovery import discover
from sarschema.runner import run

ROOT = Path(__file__).resolve().parents[2]


def test_a_run_eases_the_collector_and_gives_it_back() -> None:
    files = discover([str(ROOT / "records" / "operators")]).records
    before = gc.get_threshold()
    results = run(files, dt.date(2026, 1, 1), jobs=1)
    first = next(results)
    assert gc.get_threshold()[0] == 10_000 and gc.get_freeze_count() > 0
    rest = list(results)
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
    assert [first, *rest] and len(rest) + 1 == len(files)


def test_a_cached_run_gives_the_collector_back(tmp_path: Path) -> None:
    """Reading a cache back pauses the collector and a run eases it, nested inside the
    pipeline's own easing: after the run, all is as it was."""
    from sarschema.api import validate_paths

    before, enabled = gc.get_threshold(), gc.isenabled()
    for _ in range(2):  # the second run reads the cache back
        report = validate_paths([str(ROOT / "records")], cache=tmp_path / "cache")
        assert report.ok
        assert gc.get_threshold() == before and gc.isenabled() is enabled
        assert gc.get_freeze_count() == 0
