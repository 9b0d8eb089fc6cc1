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


def test_smoke_check_requires_a_whole_site(tmp_path: Path) -> None:
    """The site build is a contender: a run whose folder lacks the manifest, the
    overview or a page per record fails the smoke run, whatever its exit code."""
    import run
    from generate import generate

    from sarschema.site import build_site

    assert run.SITE in run.CONTENDERS
    assert run.site_note(tmp_path / "missing", 40) == run.NO_SITE
    generate(tmp_path / "records", 40)
    report, _ = build_site([tmp_path / "records"], tmp_path / "site", jobs=1)
    assert report.ok
    assert run.site_note(tmp_path / "site", 40).endswith("MB")
    assert run.site_note(tmp_path / "site", 41) == run.NO_SITE  # a record without its page
    rows = [run.Row(1000, name, 2.0, 50.0) for name in run.CONTENDERS]
    assert run.smoke_failures(rows) == []
    rows[run.CONTENDERS.index(run.SITE)] = run.Row(1000, run.SITE, 5.0, 80.0, run.NO_SITE)
    assert run.smoke_failures(rows) == [f"{run.SITE}: {run.NO_SITE}"]
    assert f"| 1,000 | {run.SITE} | 5.00 | 2.00 | 2.50 | 80 |" in run.site_table(rows)
