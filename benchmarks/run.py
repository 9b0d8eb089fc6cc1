"""The sarschema benchmark: every contender on the same files, in the same run.

    python benchmarks/run.py                      # 1,000 and 10,000 records
    python benchmarks/run.py --sizes 1000 10000 100000
    python benchmarks/run.py --quick              # 1,000 records (the test suite runs this)

For each size it generates a deterministic record set (benchmarks/generate.py),
then times, each as its own process so that start-up and peak memory count:

- floor, read: reading every file;
- floor, CSafeLoader: parsing every file with PyYAML's C loader and nothing else;
- sarschema validate, cold (no cache) and warm (cache filled, one file changed);
- check-jsonschema with the exported schema (the generic peer; it checks less);
- ajv + js-yaml, core schema (the fastest peer we know), when Node.js is present;
- the exports (json, csv; schema once), and `--version` / `--help`;
- `sarschema site` (validation, then every page) into a fresh folder, set beside
  the cold validation of the same records in the same run; once into the work
  folder, and once into memory (/dev/shm, when there is one) to tell sarschema's
  work from the disk's.

It prints a Markdown table: seconds, the ratio to the CSafeLoader floor, and
peak RSS of the largest process; then the site build against the cold
validation. Timing targets are checked by reading the tables, never asserted in
tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402

PY = sys.executable
SARSCHEMA = [PY, "-m", "sarschema"]
FLOOR_READ = """
import sys, pathlib
for p in sorted(pathlib.Path(sys.argv[1]).glob("*/*.yaml")):
    p.read_bytes()
"""
FLOOR_CSAFE = """
import sys, pathlib, yaml
for p in sorted(pathlib.Path(sys.argv[1]).glob("*/*.yaml")):
    yaml.load(p.read_bytes(), Loader=yaml.CSafeLoader)
"""
#: The note of a `sarschema site` row whose run wrote no whole site (a smoke failure).
NO_SITE = "no site written"
SITE = "sarschema site"
#: The same build written to memory, where a virtual machine's disk cannot slow it: the
#: cost of sarschema's own work (validating, rendering), which the disk row adds to.
SITE_MEMORY = "sarschema site, into memory (tmpfs)"
MEMORY = Path("/dev/shm")
COLD = "sarschema validate, cold"


@dataclass
class Row:
    size: int
    name: str
    seconds: float
    rss_mb: float
    note: str = ""


def measure(
    command: list[str],
    *,
    env: dict[str, str] | None = None,
    repeat: int = 1,
    prepare: Callable[[], None] | None = None,
) -> tuple[float, float, int]:
    """Best wall time of `repeat` runs, peak RSS (MB) of the largest process, exit code.
    `prepare` runs before each run, untimed."""
    best, peak, code = float("inf"), 0.0, 0
    for _ in range(repeat):
        if prepare is not None:
            prepare()
        started = time.perf_counter()
        proc = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
            cwd=ROOT,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        best = min(best, time.perf_counter() - started)
        peak = max(peak, usage.ru_maxrss / 1024)
        code = os.waitstatus_to_exitcode(status)
    return best, peak, code


def run_size(size: int, work: Path, *, peers: bool, repeat: int) -> list[Row]:
    records = work / f"records-{size}"
    generate(records, size)
    cache = work / f"cache-{size}"
    env = {"SARSCHEMA_CACHE_DIR": str(cache), "CI": "1"}
    rows: list[Row] = []

    def add(name: str, command: list[str], note: str = "", **kw: object) -> float:
        seconds, rss, code = measure(command, repeat=repeat, **kw)  # type: ignore[arg-type]
        if code not in (0, 1):
            note = (note + f" (exit {code})").strip()
        rows.append(Row(size, name, seconds, rss, note))
        return seconds

    add("floor: read every file", [PY, "-c", FLOOR_READ, str(records)])
    add("floor: CSafeLoader parse", [PY, "-c", FLOOR_CSAFE, str(records)])
    validate = [*SARSCHEMA, "validate", str(records), "--format", "json"]
    shutil.rmtree(cache, ignore_errors=True)
    add(COLD, [*validate, "--no-cache"], env=env)
    add("sarschema validate, cold, 1 process", [*validate, "--no-cache", "--jobs", "1"], env=env)
    measure(validate, env=env)  # fill the cache
    victim = next((records / "targets").glob("*.yaml"))
    original = victim.read_text(encoding="utf-8")
    victim.write_text(original + "notes2: changed\n", encoding="utf-8")
    add("sarschema validate, warm, 1 file changed", validate, "finds the new error", env=env)
    victim.write_text(original, encoding="utf-8")
    measure(validate, env=env)
    add("sarschema validate, warm, nothing changed", validate, env=env)
    out = work / f"export-{size}"
    add(
        "sarschema export json",
        [*SARSCHEMA, "export", "json", str(records), "--out", str(out / "r.json")],
    )
    add(
        "sarschema export csv",
        [*SARSCHEMA, "export", "csv", str(records), "--out", str(out / "csv")],
    )

    def build_site(name: str, site: Path) -> None:
        add(
            name,
            [*SARSCHEMA, "site", str(records), "--out", str(site)],
            prepare=lambda: shutil.rmtree(site, ignore_errors=True),  # a first build each time
        )
        rows[-1].note = " ".join(filter(None, [site_note(site, size), rows[-1].note]))

    build_site(SITE, work / f"site-{size}")
    if MEMORY.is_dir() and os.access(MEMORY, os.W_OK):
        with tempfile.TemporaryDirectory(dir=MEMORY, prefix="sarschema-bench-") as memory:
            build_site(SITE_MEMORY, Path(memory) / "site")
    if peers:
        files = sorted(str(p) for p in records.glob("*/*.yaml"))
        checker = shutil.which("check-jsonschema") or str(Path(PY).parent / "check-jsonschema")
        if Path(checker).exists():
            add(
                "check-jsonschema (generic peer)",
                [checker, "--schemafile", str(ROOT / "schema" / "record.schema.json"), *files],
                "schema only: no references, no personal-data guard",
            )
        node = shutil.which("node")
        if node and (ROOT / "tests" / "interop" / "node_modules" / "js-yaml").is_dir():
            add(
                "ajv + js-yaml core schema (fastest peer)",
                [
                    node,
                    str(ROOT / "tests" / "interop" / "ajv-bench.mjs"),
                    str(ROOT / "schema"),
                    str(records),
                ],
                "schema only; core schema reads `2021` as a number",
            )
    return rows


def site_note(site: Path, size: int) -> str:
    """What the site build wrote: its pages and size, or `NO_SITE` when the folder
    lacks the manifest, the overview or a page per record."""
    try:
        manifest = json.loads((site / "sarschema-site.json").read_text(encoding="utf-8"))
        pages = int(manifest["pages"])
        whole = sum(manifest["records"].values()) == size and pages > size
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        whole = False
    if not whole or not (site / "index.html").is_file():
        return NO_SITE
    files = [p for p in site.rglob("*") if p.is_file()]
    megabytes = sum(p.stat().st_size for p in files) / 1e6
    return f"{pages:,} pages, {megabytes:.0f} MB"


def site_table(rows: list[Row]) -> str:
    """The site builds beside the cold validation of the same records, same run."""
    lines = [
        "| records | what | seconds | validate, cold (s) | × validate, cold | "
        "peak RSS (MB) | written |",
        "|---:|---|---:|---:|---:|---:|---|",
    ]
    cold = {r.size: r for r in rows if r.name == COLD}
    for r in rows:
        if r.name in (SITE, SITE_MEMORY) and r.size in cold:
            base = cold[r.size]
            ratio = r.seconds / base.seconds if base.seconds else float("nan")
            lines.append(
                f"| {r.size:,} | {r.name} | {r.seconds:.2f} | {base.seconds:.2f} | "
                f"{ratio:.2f} | {r.rss_mb:.0f} | {r.note} |"
            )
    return "\n".join(lines)


def table(rows: list[Row], startup: list[Row]) -> str:
    lines = [
        "| records | what | seconds | × CSafeLoader floor | peak RSS (MB) | note |",
        "|---:|---|---:|---:|---:|---|",
    ]
    floors = {r.size: r.seconds for r in rows if r.name == "floor: CSafeLoader parse"}
    for r in rows:
        ratio = r.seconds / floors[r.size] if floors.get(r.size) else float("nan")
        lines.append(
            f"| {r.size:,} | {r.name} | {r.seconds:.2f} | {ratio:.2f} | {r.rss_mb:.0f} | {r.note} |"
        )
    for r in startup:
        lines.append(f"| – | {r.name} | {r.seconds:.2f} | – | {r.rss_mb:.0f} | {r.note} |")
    return "\n".join(lines)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def main(argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000])
    parser.add_argument("--quick", action="store_true", help="1,000 records, one run each")
    parser.add_argument("--repeat", type=int, default=2, help="runs per measurement (best kept)")
    parser.add_argument("--no-peers", action="store_true", help="skip check-jsonschema and ajv")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON")
    args = parser.parse_args(argv)
    sizes = [1000] if args.quick else args.sizes
    repeat = 1 if args.quick else args.repeat
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="sarschema-bench-") as tmp:
        for size in sizes:
            rows += run_size(size, Path(tmp), peers=not args.no_peers, repeat=repeat)
            print(f"measured {size:,} records", file=sys.stderr)
    startup = []
    for name, command in (
        ("sarschema --version", [*SARSCHEMA, "--version"]),
        ("sarschema --help", [*SARSCHEMA, "--help"]),
    ):
        seconds, rss, _ = measure(command, repeat=max(3, repeat))
        startup.append(Row(0, name, seconds, rss))
    print(f"Machine: {machine()}\n")
    print(table(rows, startup))
    print()
    print(site_table(rows))
    if args.json:
        args.json.write_text(json.dumps([r.__dict__ for r in rows + startup], indent=2))
    return rows + startup


def smoke_failures(rows: list[Row]) -> list[str]:
    """What a smoke run (`--quick` in CI) must not show: a contender that did not run,
    a sarschema command that ended with an unexpected exit code, or a site build that
    wrote no whole site. Times are never judged here."""
    names = {r.name for r in rows}
    missing = [f"{name}: did not run" for name in CONTENDERS if name not in names]
    failed = [
        f"{r.name}: {r.note}"
        for r in rows
        if r.name.startswith("sarschema") and ("exit" in r.note or NO_SITE in r.note)
    ]
    return missing + failed


#: Every row a run must have, at each size.
CONTENDERS = (
    "floor: read every file",
    "floor: CSafeLoader parse",
    COLD,
    "sarschema validate, warm, 1 file changed",
    "sarschema export json",
    "sarschema export csv",
    SITE,
    "check-jsonschema (generic peer)",
    "ajv + js-yaml core schema (fastest peer)",
    "sarschema --version",
    "sarschema --help",
)


if __name__ == "__main__":
    problems = smoke_failures(main())
    for problem in problems:
        print(f"benchmark smoke run: {problem}", file=sys.stderr)
    raise SystemExit(1 if problems else 0)
