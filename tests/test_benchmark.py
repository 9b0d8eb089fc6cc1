"""The benchmark's generator and smoke verdict; the quick run itself is in .ci/run."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))


def test_generator_is_deterministic_and_valid(tmp_path: Path) -> None:
    from generate import generate

    from sarschema.api import validate_paths

    counts = generate(tmp_path / "a", 300)
    generate(tmp_path / "b", 300)
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").glob("*/*.yaml"))
    assert len(files_a) == sum(counts.values()) == 300
    for rel in files_a:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes()
    lines = [len((tmp_path / "a" / rel).read_text().splitlines()) for rel in files_a]
    assert min(lines) >= 20 and max(lines) <= 60
    report = validate_paths([str(tmp_path / "a")])
    assert report.errors == 0 and report.files == 300
    text = "".join((tmp_path / "a" / rel).read_text() for rel in files_a)
    assert "é" in text and "ص" in text  # accents and Arabic


def test_smoke_check_names_what_is_missing_or_failed() -> None:
    """The quick run itself is a smoke run in .ci/run (a subprocess benchmark, out of
    the test suite); here, only the verdict it gives on its rows."""
    import run

    rows = [run.Row(1000, name, 0.1, 50.0) for name in run.CONTENDERS]
    assert run.smoke_failures(rows) == []
    rows[2] = run.Row(1000, rows[2].name, 0.1, 50.0, "(exit 2)")
    assert sorted(run.smoke_failures(rows[:-1])) == [
        "sarschema --help: did not run",
        "sarschema validate, cold: (exit 2)",
    ]
