"""The benchmark's quick version runs here so that it cannot rot (no timing asserted)."""

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


def test_quick_benchmark_runs_every_contender() -> None:
    import run

    rows = run.main(["--quick"])
    names = {r.name for r in rows}
    for expected in (
        "floor: read every file",
        "floor: CSafeLoader parse",
        "sarschema validate, cold",
        "sarschema validate, warm, 1 file changed",
        "sarschema export json",
        "sarschema export csv",
        "check-jsonschema (generic peer)",
        "ajv + js-yaml core schema (fastest peer)",
        "sarschema --version",
        "sarschema --help",
    ):
        assert expected in names
    assert all(r.seconds > 0 and r.rss_mb > 0 for r in rows)
    assert not any("exit" in r.note for r in rows if r.name.startswith("sarschema"))
