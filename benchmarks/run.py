"""The sarschema benchmark: every contender on the same files, in the same run.

    python benchmarks/run.py                      # 1,000 and 10,000 records
    python benchmarks/run.py --sizes 1000 10000 100000
    python benchmarks/run.py --quick              # 1,000 records (the CI smoke run, .ci/run)

For each size it writes two record sets: a generated one (benchmarks/generate.py,
regular) and copies of the shipped records (benchmarks/shipped_copies.py, what
contributors write), then times, each as its own process so that start-up and peak
memory count:

- floor, read: reading every file;
- floor, CSafeLoader: parsing every file with PyYAML's C loader and nothing else;
- sarschema validate, cold (no cache; default processes, 1 and 2) and warm (cache
  filled, one file changed);
- check-jsonschema with the exported schema (the generic peer; it checks less);
- ajv + js-yaml, core schema (the fastest peer we know), when Node.js is present;
- the exports (json, csv, sqlite, stix; schema once), and `--version` / `--help`;
- `sarschema site` (validation, then every page) into a fresh folder, set beside
  the cold validation of the same records in the same run; once into the work
  folder, and once into memory (/dev/shm, when there is one) to tell sarschema's
  work from the disk's.

The shipped copies get the floor, the cold validations and ajv: the rows whose
ratio could differ with the shape of the data. Once per run, start-up: `--version`,
`--help`, and a warm `validate records` on the shipped records themselves.

It prints a Markdown table: seconds, the ratio to the CSafeLoader floor of the same
set, and peak RSS of the largest process; then the site build against the cold
validation; then the goals of performance round two, met or not, read from the
same rows. Timing targets are checked by reading the tables, never asserted in
tests.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402
from shipped_copies import copy_shipped  # noqa: E402

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
FLOOR = "floor: CSafeLoader parse"
COLD = "sarschema validate, cold"
COLD_1 = "sarschema validate, cold, 1 process"
COLD_2 = "sarschema validate, cold, 2 processes"
WARM_CHANGED = "sarschema validate, warm, 1 file changed"
WATCH_CHANGED = "sarschema validate --watch, 1 file changed: from the save to the report"
AJV = "ajv + js-yaml core schema (fastest peer)"
CHECK_JSONSCHEMA = "check-jsonschema (generic peer)"
PEERS = (CHECK_JSONSCHEMA, AJV)
EXPORTS = tuple(f"sarschema export {what}" for what in ("json", "csv", "sqlite", "stix"))
VERSION = "sarschema --version"
#: `sarschema validate records` from the repository root, cache filled, nothing
#: changed: what a contributor waits for before each commit.
WARM_RECORDS = "sarschema validate records, warm"
#: The suffix of a row measured on the shipped copies; the generated set's rows have none.
SHIPPED = " (shipped copies)"
SETS = (("generated", ""), ("shipped copies", SHIPPED))
#: The goal sizes: goals 1 to 3 are set at 10,000 records, goal 4 at the largest size.
GOAL_SIZE = 10_000


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


def measure_watch(
    command: list[str], victim: Path, *, env: dict[str, str] | None = None, repeat: int = 1
) -> tuple[list[float], float, int]:
    """`command` is a `validate --watch --format json`: after its first report, the
    times from a change of `victim` (a new error) to the report that shows it, over
    at least 5 changes (each undone and its report awaited, untimed); then its peak
    RSS (MB) and its exit code after Ctrl-C (that of the last report; -1 when a
    report did not come)."""
    import select
    import signal

    proc = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
        cwd=ROOT,
        bufsize=0,
    )
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    held = b""

    def report() -> dict[str, Any] | None:
        """The next report, read from the pipe itself (a buffered reader could hold
        a line `select` no longer sees); None after 60 s or at the end."""
        nonlocal held
        while b"\n" not in held:
            ready, _, _ = select.select([fd], [], [], 60)
            chunk = os.read(fd, 1 << 16) if ready else b""
            if not chunk:
                return None
            held += chunk
        line, held = held.split(b"\n", 1)
        return dict(json.loads(line))

    def save(data: bytes) -> None:
        """As an editor saves: written beside the records, then renamed into place."""
        staged = victim.parents[2] / "watch-victim.saving"
        staged.write_bytes(data)
        staged.replace(victim)

    original = victim.read_bytes()
    times: list[float] = []
    trials = max(repeat, 5)
    try:
        if report() is not None:
            time.sleep(1.5)  # the watch starts after the first report
            for _ in range(trials):
                started = time.perf_counter()
                save(original + b"notes2: changed\n")
                found = report()
                if found is None or found["valid"]:
                    break
                times.append(time.perf_counter() - started)
                save(original)
                if report() is None:
                    break
        proc.send_signal(signal.SIGINT)
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        victim.write_bytes(original)
        if proc.returncode is None and proc.poll() is None:
            proc.kill()
            proc.wait()
    code = os.waitstatus_to_exitcode(status) if len(times) == trials else -1
    return times, usage.ru_maxrss / 1024, code


def remove(*paths: Path) -> Callable[[], None]:
    """A `prepare` that removes earlier output, so that each run writes it anew."""

    def prepare() -> None:
        for path in paths:
            path.unlink(missing_ok=True)

    return prepare


#: How each row's command is run again in rounds (`run_rounds`): the command and the
#: keywords `measure` takes (env, prepare), by (size, name).
Specs = dict[tuple[int, str], tuple[list[str], dict[str, Any]]]
#: Seconds of each round, by (size, name): the n-th of two rows' lists were run in
#: the same round.
Rounds = dict[tuple[int, str], list[float]]


def run_size(
    size: int, work: Path, *, peers: bool, repeat: int, specs: Specs | None = None
) -> list[Row]:
    """Every row of one size; with `specs`, how to run each again is kept there."""
    records = work / f"records-{size}"
    generate(records, size)
    shipped = work / f"shipped-{size}"
    copy_shipped(shipped, size)
    cache = work / f"cache-{size}"
    env = {"SARSCHEMA_CACHE_DIR": str(cache), "CI": "1"}
    rows: list[Row] = []

    def add(
        name: str, command: list[str], note: str = "", expect: Iterable[int] = (0,), **kw: object
    ) -> float:
        """Measure and keep a row; an exit code other than `expect` goes in its note
        (for a sarschema command, a smoke failure)."""
        seconds, rss, code = measure(command, repeat=repeat, **kw)  # type: ignore[arg-type]
        if specs is not None:
            specs[(size, name)] = (command, kw)
        if code not in expect:
            note = (note + f" (exit {code})").strip()
        rows.append(Row(size, name, seconds, rss, note))
        return seconds

    def cold(folder: Path, suffix: str) -> None:
        validate = [*SARSCHEMA, "validate", str(folder), "--format", "json", "--no-cache"]
        add(FLOOR + suffix, [PY, "-c", FLOOR_CSAFE, str(folder)])
        add(COLD + suffix, validate, env=env)
        add(COLD_1 + suffix, [*validate, "--jobs", "1"], env=env)
        add(COLD_2 + suffix, [*validate, "--jobs", "2"], env=env)

    def ajv(folder: Path, suffix: str) -> None:
        node = shutil.which("node")
        if peers and node and (ROOT / "tests" / "interop" / "node_modules" / "js-yaml").is_dir():
            script = str(ROOT / "tests" / "interop" / "ajv-bench.mjs")
            add(
                AJV + suffix,
                [node, script, str(ROOT / "schema"), str(folder)],
                "schema only; core schema reads `2021` as a number",
                expect=(0, 1),
            )

    add("floor: read every file", [PY, "-c", FLOOR_READ, str(records)])
    shutil.rmtree(cache, ignore_errors=True)
    cold(records, "")
    validate = [*SARSCHEMA, "validate", str(records), "--format", "json"]
    measure(validate, env=env)  # fill the cache
    victim = next((records / "targets").glob("*.yaml"))
    original = victim.read_text(encoding="utf-8")
    victim.write_text(original + "notes2: changed\n", encoding="utf-8")
    add(WARM_CHANGED, validate, "finds the new error", expect=(1,), env=env)
    victim.write_text(original, encoding="utf-8")
    measure(validate, env=env)
    add("sarschema validate, warm, nothing changed", validate, env=env)
    times, rss, code = measure_watch([*validate, "--watch"], victim, env=env, repeat=repeat)
    note = f"best of {len(times)}; median {statistics.median(times):.3f} s" if times else ""
    if code != 0:
        note = f"{note} (exit {code})".strip()
    rows.append(Row(size, WATCH_CHANGED, min(times, default=math.nan), rss, note))
    out = work / f"export-{size}"
    export = [*SARSCHEMA, "export"]
    add(EXPORTS[0], [*export, "json", str(records), "--out", str(out / "r.json")])
    add(EXPORTS[1], [*export, "csv", str(records), "--out", str(out / "csv")])
    database = out / "r.sqlite"
    add(
        EXPORTS[2],
        [*export, "sqlite", str(records), "--out", str(database)],
        prepare=remove(database, out / "metadata.json"),
    )
    bundle = out / "r.stix.json"
    add(EXPORTS[3], [*export, "stix", str(records), "--out", str(bundle)], prepare=remove(bundle))

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
        # It takes the files as arguments: past the system's limit (100,000 records on
        # Linux), no process can be started with them, so it is left out there.
        fits = sum(len(f) + 1 for f in files) < os.sysconf("SC_ARG_MAX") // 2
        if Path(checker).exists() and fits:
            add(
                CHECK_JSONSCHEMA,
                [checker, "--schemafile", str(ROOT / "schema" / "record.schema.json"), *files],
                "schema only: no references, no personal-data guard",
                expect=(0, 1),
            )
    ajv(records, "")
    cold(shipped, SHIPPED)
    ajv(shipped, SHIPPED)
    return rows


def goal_size(sizes: Iterable[int]) -> int:
    """The size goals 1 to 3 are read at: 10,000 records, or the largest size below,
    or else the largest measured (sizes must not be empty)."""
    ordered = sorted(sizes)
    return max((s for s in ordered if s <= GOAL_SIZE), default=ordered[-1])


def round_groups(sizes: list[int]) -> dict[int, list[str]]:
    """The rows each goal's ratios are read from, by size: at the goal size, the floor
    and the cold validations of both sets (goals 1 and 2); at the largest size, the
    cold validation, the exports and the site build (goal 4)."""
    if not sizes:
        return {}
    groups: dict[int, list[str]] = {}
    at = goal_size(sizes)
    for _, suffix in SETS:
        names = [FLOOR + suffix, COLD + suffix, COLD_1 + suffix, COLD_2 + suffix]
        groups.setdefault(at, []).extend(names)
    largest = groups.setdefault(max(sizes), [])
    largest.extend(n for n in (COLD, *EXPORTS, SITE) if n not in largest)
    return groups


def run_rounds(
    specs: Specs,
    groups: dict[int, list[str]],
    count: int,
    run: Callable[..., tuple[float, float, int]] = measure,
) -> Rounds:
    """Each group's commands run one after the other, `count` times, in the order
    given and then reversed, alternately: two rows of one round ran minutes apart at
    most, and a machine that slows down or speeds up during the round weighs on both
    sides of a ratio alike. A row whose command is unknown (a contender not run) is
    left out."""
    rounds: Rounds = {}
    for size, names in groups.items():
        known = [name for name in names if (size, name) in specs]
        for index in range(count):
            for name in known if index % 2 == 0 else reversed(known):
                command, kw = specs[(size, name)]
                seconds, _, _ = run(command, **kw)
                rounds.setdefault((size, name), []).append(seconds)
        if known:
            print(f"ran {count} round(s) at {size:,} records", file=sys.stderr)
    return rounds


def run_startup(work: Path, *, repeat: int) -> list[Row]:
    """Rows that do not depend on the size: start-up, and the warm check of the
    shipped records, with a cache of the benchmark's own filled by a first run."""
    env = {"SARSCHEMA_CACHE_DIR": str(work / "cache-shipped-records"), "CI": "1"}
    rows = []
    for name, command, command_env in (
        (VERSION, [*SARSCHEMA, "--version"], None),
        ("sarschema --help", [*SARSCHEMA, "--help"], None),
        (WARM_RECORDS, [*SARSCHEMA, "validate", "records"], env),
    ):
        if command_env is not None:
            measure(command, env=command_env)  # fill the cache
        seconds, rss, code = measure(command, env=command_env, repeat=max(3, repeat))
        rows.append(Row(0, name, seconds, rss, f"(exit {code})" if code else ""))
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


def suffix_of(name: str) -> str:
    return SHIPPED if name.endswith(SHIPPED) else ""


def table(rows: list[Row], startup: list[Row]) -> str:
    lines = [
        "| records | what | seconds | × CSafeLoader floor | peak RSS (MB) | note |",
        "|---:|---|---:|---:|---:|---|",
    ]
    floors = {(r.size, suffix_of(r.name)): r.seconds for r in rows if r.name.startswith(FLOOR)}
    for r in rows:
        floor = floors.get((r.size, suffix_of(r.name)))
        ratio = r.seconds / floor if floor else float("nan")
        lines.append(
            f"| {r.size:,} | {r.name} | {r.seconds:.2f} | {ratio:.2f} | {r.rss_mb:.0f} | {r.note} |"
        )
    for r in startup:
        lines.append(f"| – | {r.name} | {r.seconds:.2f} | – | {r.rss_mb:.0f} | {r.note} |")
    return "\n".join(lines)


@dataclass
class Goal:
    """One goal of performance round two, read from a run's rows. `met` is None when
    a row it needs was not measured (no Node.js, `--no-peers`)."""

    goal: str
    measured: str
    ratio: str
    met: bool | None

    @property
    def verdict(self) -> str:
        return "not measured" if self.met is None else "met" if self.met else "not met"


def _ratio(a: float, b: float) -> float:
    return a / b if b else math.nan


def _all(checks: list[bool | None]) -> bool | None:
    """Met when every check is; not met as soon as one is not, measured or not."""
    if False in checks:
        return False
    return None if None in checks or not checks else True


def paired(rounds: Rounds | None, row: Row, ref: Row) -> tuple[float, str]:
    """`row` over `ref`: the median of the ratios of the rounds in which both ran,
    with their range, when there are rounds (`run_rounds`); else the rows' own."""
    mine = rounds.get((row.size, row.name)) if rounds else None
    theirs = rounds.get((ref.size, ref.name)) if rounds else None
    if mine and theirs and len(mine) == len(theirs):
        ratios = sorted(_ratio(a, b) for a, b in zip(mine, theirs, strict=True))
        return (
            statistics.median(ratios),
            f" (median of {len(ratios)} rounds, {ratios[0]:.2f}–{ratios[-1]:.2f})",
        )
    return _ratio(row.seconds, ref.seconds), ""


def goals(rows: list[Row], rounds: Rounds | None = None) -> list[Goal]:
    """The five goals (on a 2-core machine), each from rows of the same run: cold
    validation at or below the parse floor, on both sets (and the moonshot: at or
    below ajv); 2 processes ≥ 1.8× one; a warm re-check ≤ start-up + 0.1 s; exports
    and the site ≤ 1.5× the cold validation at the largest size; start-up and a warm
    check of the shipped records ≤ 0.2 s. Goals 1 to 3 are read at 10,000 records,
    or the largest size below, or else the largest measured; the size is named. With
    `rounds`, the ratios of goals 1, 2 and 4 are their medians (`paired`)."""
    by = {(r.size, r.name): r for r in rows}
    sizes = sorted({r.size for r in rows if r.size})
    if not sizes:
        return []
    size = goal_size(sizes)
    at = f"{size:,} records"
    return [
        _per_set(
            f"1. cold validation / CSafeLoader floor ≤ 1, both sets ({at})",
            [(by.get((size, COLD + s)), by.get((size, FLOOR + s))) for _, s in SETS],
            lambda r: r <= 1.0,
            rounds,
        ),
        _per_set(
            f"1, moonshot: cold validation / ajv + js-yaml ≤ 1, both sets ({at})",
            [(by.get((size, COLD + s)), by.get((size, AJV + s))) for _, s in SETS],
            lambda r: r <= 1.0,
        ),
        _per_set(
            f"2. 1 process / 2 processes ≥ 1.8, both sets ({at})",
            [(by.get((size, COLD_1 + s)), by.get((size, COLD_2 + s))) for _, s in SETS],
            lambda r: r >= 1.8,
            rounds,
        ),
        _warm_goal(
            f"3. warm re-check, 1 file changed ≤ start-up + 0.1 s, a new process ({at})",
            by.get((size, WARM_CHANGED)),
            by.get((0, VERSION)),
        ),
        _watch_goal(
            f"3, resident: `validate --watch`, 1 file changed, from the save to the report "
            f"≤ start-up + 0.1 s ({at})",
            by.get((size, WATCH_CHANGED)),
            by.get((0, VERSION)),
        ),
        _exports_goal(by, sizes[-1], rounds),
        _startup_goal([(name, by.get((0, name))) for name in (VERSION, WARM_RECORDS)]),
    ]


def _per_set(
    goal: str,
    pairs: list[tuple[Row | None, Row | None]],
    check: Callable[[float], bool],
    rounds: Rounds | None = None,
) -> Goal:
    """A row over its reference, on each record set (`SETS`, in order); met when
    every set meets it."""
    measured, ratios = [], []
    checks: list[bool | None] = []
    for (label, _), (row, ref) in zip(SETS, pairs, strict=True):
        if row is None or ref is None:
            measured.append(f"{label}: not measured")
            checks.append(None)
            continue
        r, how = paired(rounds, row, ref)
        measured.append(f"{label}: {row.seconds:.2f} s / {ref.seconds:.2f} s")
        ratios.append(f"{label} {r:.2f}×{how}")
        checks.append(check(r))
    return Goal(goal, "; ".join(measured), ", ".join(ratios), _all(checks))


def _warm_goal(goal: str, warm: Row | None, start: Row | None) -> Goal:
    if warm is None or start is None:
        return Goal(goal, "not measured", "", None)
    extra = warm.seconds - start.seconds
    return Goal(
        goal,
        f"warm {warm.seconds:.2f} s, `--version` {start.seconds:.2f} s",
        f"start-up {extra:+.2f} s",
        extra <= 0.1,
    )


def _watch_goal(goal: str, watch: Row | None, start: Row | None) -> Goal:
    """The resident check's answer to a change, against the same deadline as a new
    process's: what a new process would have only begun by (its start-up) plus 0.1 s.
    It includes the events' gathering (`sarschema.watch.STEP_MS`)."""
    if watch is None or start is None or "exit" in watch.note:
        return Goal(goal, "not measured" if watch is None else watch.note, "", None)
    deadline = start.seconds + 0.1
    return Goal(
        goal,
        f"{watch.seconds:.3f} s from the save to the report ({watch.note}); deadline "
        f"{deadline:.2f} s "
        f"(`--version` {start.seconds:.2f} s + 0.1 s)",
        f"{watch.seconds / deadline:.2f}× the deadline",
        watch.seconds <= deadline,
    )


def _exports_goal(by: dict[tuple[int, str], Row], size: int, rounds: Rounds | None = None) -> Goal:
    """Each export and the site build over the cold validation of the same records;
    the build into memory is shown beside them, not judged: the goal is what a
    user waits for."""
    cold = by.get((size, COLD))
    measured = [f"cold {cold.seconds:.2f} s" if cold else "cold: not measured"]
    checks: list[bool | None] = []
    ratios = []
    for name in (*EXPORTS, SITE, SITE_MEMORY):
        row = by.get((size, name))
        short = name.removeprefix("sarschema ").removeprefix("export ")
        if row is None or cold is None:
            if name != SITE_MEMORY:
                measured.append(f"{short}: not measured")
                checks.append(None)
            continue
        r, how = paired(rounds, row, cold)
        measured.append(f"{short} {row.seconds:.2f} s = {r:.2f}×{how}, {row.rss_mb:.0f} MB")
        if name != SITE_MEMORY:
            checks.append(r <= 1.5)
            ratios.append(r)
    return Goal(
        f"4. exports and site / cold validation ≤ 1.5, peak RSS ({size:,} records)",
        "; ".join(measured),
        f"worst {max(ratios):.2f}×" if ratios else "",
        _all(checks),
    )


def _startup_goal(rows: list[tuple[str, Row | None]]) -> Goal:
    measured = []
    checks: list[bool | None] = []
    for name, row in rows:
        label = name.removeprefix("sarschema ")
        measured.append(f"{label} {row.seconds:.2f} s" if row else f"{label}: not measured")
        checks.append(row.seconds <= 0.2 if row else None)
    return Goal(
        "5. `--version` and warm `validate records` (shipped) ≤ 0.2 s each",
        "; ".join(measured),
        "",
        _all(checks),
    )


def goals_table(rows: list[Row], rounds: Rounds | None = None) -> str:
    """The goals of performance round two, met or not, from the rows of one run."""
    lines = ["| goal | measured | ratio | verdict |", "|---|---|---|---|"]
    for g in goals(rows, rounds):
        lines.append(f"| {g.goal} | {g.measured} | {g.ratio or '–'} | {g.verdict} |")
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


def work_folder(folder: Path, files: int = 200) -> str:
    """Where the run writes (records, caches, exports, sites), its file system, and
    what creating a file costs there: a folder where it is slow (this machine's
    `/tmp` once took 0.4 to 0.8 ms a file, against 0.02 ms elsewhere) weighs on
    every row that writes, the site's most."""
    probe = folder / "probe"
    probe.mkdir()
    started = time.perf_counter()
    for number in range(files):
        (probe / f"{number}.html").touch()
    each = (time.perf_counter() - started) / files
    shutil.rmtree(probe)
    return f"{folder.parent} ({_file_system(folder)}; creating a file {each * 1000:.3f} ms)"


def _file_system(folder: Path) -> str:
    """The type of the file system `folder` is on, from the longest mount point
    above it (`/proc/mounts`), or "file system unknown" where there is none."""
    real, found, kind = str(folder.resolve()), "", "file system unknown"
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return kind
    for line in mounts:
        fields = line.split()
        if len(fields) < 3:
            continue
        point = fields[1].replace("\\040", " ")
        inside = real == point or real.startswith(point.rstrip("/") + "/")
        if inside and len(point) > len(found):
            found, kind = point, f"{fields[2]} on {point}"
    return kind


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000])
    parser.add_argument("--quick", action="store_true", help="1,000 records, one run each")
    parser.add_argument("--repeat", type=int, default=2, help="runs per measurement (best kept)")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="rounds of the goals' rows, run again one after the other (0 with --quick)",
    )
    parser.add_argument("--no-peers", action="store_true", help="skip check-jsonschema and ajv")
    parser.add_argument("--json", type=Path, help="also write the rows and goals as JSON")
    return parser.parse_args(argv)


def fresh_bytecode(package: Path) -> None:
    """Compile the package's bytecode where it is missing or stale, as installing a
    wheel does. An editable checkout writes it at first import, unless
    `PYTHONDONTWRITEBYTECODE` is set (it was, on the machine of the round's first
    four runs): then every process compiled each module edited since, 0.03 s of each
    start-up, which no user pays."""
    import compileall

    compileall.compile_dir(str(package), quiet=1)


def main(argv: list[str] | None = None) -> list[Row]:
    args = arguments(argv)
    sizes = [1000] if args.quick else args.sizes
    repeat = 1 if args.quick else args.repeat
    rows: list[Row] = []
    specs: Specs = {}
    fresh_bytecode(ROOT / "src" / "sarschema")
    with tempfile.TemporaryDirectory(prefix="sarschema-bench-") as tmp:
        where = work_folder(Path(tmp))
        for size in sizes:
            rows += run_size(size, Path(tmp), peers=not args.no_peers, repeat=repeat, specs=specs)
            print(f"measured {size:,} records", file=sys.stderr)
        rounds = run_rounds(specs, round_groups(sizes), 0 if args.quick else args.rounds)
        startup = run_startup(Path(tmp), repeat=repeat)
    print(f"Machine: {machine()}")
    print(f"Work folder: {where}\n")
    print(table(rows, startup))
    print()
    print(site_table(rows))
    print()
    print(goals_table(rows + startup, rounds))
    if args.json:
        document = {
            "machine": machine(),
            "work_folder": where,
            "rows": [r.__dict__ for r in rows + startup],
            "rounds": [
                {"size": size, "name": name, "seconds": seconds}
                for (size, name), seconds in rounds.items()
            ],
            "goals": [{**g.__dict__, "verdict": g.verdict} for g in goals(rows + startup, rounds)],
        }
        args.json.write_text(json.dumps(document, indent=2, ensure_ascii=False))
    return rows + startup


def smoke_failures(rows: list[Row], *, peers: bool = True) -> list[str]:
    """What a smoke run (`--quick` in CI) must not show: a contender that did not run
    (but the peers, when `--no-peers` left them out), a sarschema command that ended
    with an unexpected exit code, or a site build that wrote no whole site. Times are
    never judged here."""
    names = {r.name for r in rows}
    wanted = [name for name in CONTENDERS if peers or name not in PEERS]
    missing = [f"{name}: did not run" for name in wanted if name not in names]
    failed = [
        f"{r.name}: {r.note}"
        for r in rows
        if r.name.startswith("sarschema") and ("exit" in r.note or NO_SITE in r.note)
    ]
    return missing + failed


#: Every row a run must have, at each size.
CONTENDERS = (
    "floor: read every file",
    FLOOR,
    COLD,
    COLD_2,
    WARM_CHANGED,
    WATCH_CHANGED,
    *EXPORTS,
    SITE,
    *PEERS,
    FLOOR + SHIPPED,
    COLD + SHIPPED,
    VERSION,
    WARM_RECORDS,
    "sarschema --help",
)


if __name__ == "__main__":
    problems = smoke_failures(main(), peers=not arguments().no_peers)
    for problem in problems:
        print(f"benchmark smoke run: {problem}", file=sys.stderr)
    raise SystemExit(1 if problems else 0)
