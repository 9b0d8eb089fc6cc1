"""The per-file cache: same answers as a cold run, never hiding an error."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sarschema.api import validate_paths
from sarschema.runner import Cache

TODAY = dt.date(2026, 1, 1)


def run(root: Path, cache: Path, today: dt.date = TODAY) -> list[tuple[str, str, int | None]]:
    report = validate_paths([str(root)], keep_records=False, cache=cache, today=today)
    return [(d.code, Path(d.file).name, d.line) for d in report.diagnostics]


def test_warm_run_equals_cold_run(base_tree: Path, tmp_path: Path) -> None:
    incident = base_tree / "incidents" / "journalist-a-2020.yaml"
    incident.write_text(incident.read_text().replace("status: infected", "status: infectd"))
    cold = run(base_tree, tmp_path / "none-yet")
    assert ("SAR103", "journalist-a-2020.yaml", 14) in cold
    cache = tmp_path / "cache"
    first = run(base_tree, cache)
    assert (cache / "results.pickle").is_file()
    assert run(base_tree, cache) == first == cold


def test_a_changed_file_is_checked_again(base_tree: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    assert run(base_tree, cache) == []
    target = base_tree / "targets" / "journalist-b.yaml"
    target.write_text(target.read_text().replace("type: person", "type: human"))
    assert ("SAR103", "journalist-b.yaml", 5) in run(base_tree, cache)


def test_a_removed_reference_target_is_noticed_by_unchanged_files(
    base_tree: Path, tmp_path: Path
) -> None:
    """The rules across records run every time, on cached summaries too."""
    cache = tmp_path / "cache"
    assert run(base_tree, cache) == []
    (base_tree / "targets" / "journalist-b.yaml").unlink()
    warm = run(base_tree, cache)
    assert ("SAR201", "journalist-a-2020.yaml", 9) in warm
    assert ("SAR201", "journalist-a.yaml", 15) in warm


def test_cache_is_keyed_by_date(base_tree: Path, tmp_path: Path) -> None:
    """A date in the future today is not in the future next year: no stale verdict."""
    denial = base_tree / "responses" / "denial-a.yaml"
    denial.write_text(denial.read_text().replace("date: 2021-07-19", "date: 2026-06"))
    cache = tmp_path / "cache"
    assert ("SAR126", "denial-a.yaml", 6) in run(base_tree, cache, TODAY)
    assert run(base_tree, cache, dt.date(2026, 7, 1)) == []


def test_a_damaged_cache_is_ignored(base_tree: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "results.pickle").write_bytes(b"\x80\x05not a pickle at all")
    assert run(base_tree, cache) == []
    assert Cache(cache, TODAY).entries  # rewritten, and usable again


def test_the_cache_keeps_only_the_current_files(base_tree: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    run(base_tree, cache)
    assert len(Cache(cache, TODAY).entries) == 8
    (base_tree / "responses" / "call-a.yaml").unlink()
    run(base_tree, cache)
    assert len(Cache(cache, TODAY).entries) == 7
