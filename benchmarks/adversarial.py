"""Adversarial inputs for the personal-data guard: each must take linear time.

    python benchmarks/adversarial.py                  # every input, both ways
    python benchmarks/adversarial.py --timeout 30     # give up on one input after 30 s
    python benchmarks/adversarial.py --only email-a-at-b --via pii
    python benchmarks/adversarial.py --inline         # all in this process (tests use this)

Each input is a text of about 1 MiB shaped to make a careless pattern
backtrack or a careless loop run once per country or per match. It is timed
two ways, each in its own process (so that one that never ends can be stopped):

- `pii`: `sarschema.pii.find_personal_data(text, regions)` on the text alone;
- `file`: `sarschema.filecheck.check_bytes` on a whole record whose `notes` is
  the text (cut to fit the 1 MiB file limit), so the loader and the whole-file
  steps count too.

It prints a Markdown table of seconds ("> N" when the input was stopped after
N seconds). It needs only the project's own dependencies; times are read, never
asserted (the test suite has loose hang guards in tests/test_pii.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
import time
from collections.abc import Callable

MIB = 1024 * 1024
#: room left in a 1 MiB record file for the fields around `notes`
FILE_PAYLOAD = MIB - 8 * 1024


def _repeat(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def _countries() -> list[str]:
    from sarschema.types.country import country_codes

    return sorted(country_codes())


#: name -> (what it is, text of a given size, does the record name every country?)
INPUTS: dict[str, tuple[str, Callable[[int], str], bool]] = {
    "email-a-at-b": (
        "`aaa…@bbb…`: one `@` between two long words",
        lambda n: "a" * (n // 2) + "@" + "b" * (n - n // 2 - 1),
        False,
    ),
    "email-long-domain": (
        "`a@b.b.b.…1`: one `@`, a domain of many labels and no top-level domain",
        lambda n: "a@" + _repeat("b.", n - 3) + "1",
        False,
    ),
    "email-many-at": (
        "`a@a@a@…`: an `@` every other character",
        lambda n: _repeat("a@", n),
        False,
    ),
    "email-obfuscated": (
        "`a (at) b (dot) ` repeated, never ending in a top-level domain",
        lambda n: _repeat("a (at) b (dot) 1 ", n),
        False,
    ),
    "url-long-token": (
        "one URL-like token: `https://example.org/1234567a1234567a…`",
        lambda n: "https://example.org/" + _repeat("1234567a", n - 20),
        False,
    ),
    "url-no-scheme-token": (
        "one long token `a://a://…1234567`",
        lambda n: _repeat("a://1234567", n),
        False,
    ),
    "digits-one-run": (
        "one run of 1 MiB digits",
        lambda n: "1" * n,
        False,
    ),
    "digits-spaced": (
        "`1 1 1 …`: one run of digits and separators",
        lambda n: _repeat("1 ", n),
        False,
    ),
    "digits-separators": (
        "`1 - ( 1 ) – 1 …`: digits with every kind of separator",
        lambda n: _repeat("1 -(1)\u2013/_.1\u202f", n),
        False,
    ),
    "dates": (
        "`2021-07-18 ` repeated: dates only",
        lambda n: _repeat("2021-07-18 ", n),
        False,
    ),
    "exempt-runs": (
        "runs that each go through the exceptions: references, IPs, amounts, date ranges, ISBNs",
        lambda n: _repeat(
            "case 2021/123456, 192.168.100.200, 1 000 000, 2021-07-18 - 2021-08-01, "
            "ISBN 978-0-306-40615-7; ",
            n,
        ),
        True,
    ),
    "plus-signs": (
        "`+1+1+1…`: a `+` before every digit",
        lambda n: _repeat("+1", n),
        False,
    ),
    "plus-short-numbers": (
        "`+100000, +100001, …`: distinct short `+` numbers, none a possible number",
        lambda n: _repeat("".join(f"+1{i:05d}, " for i in range(100_000)), n),
        False,
    ),
    "countries-250": (
        "a record naming every country, a text of `(000) 000-0000, ` repeated",
        lambda n: _repeat("(000) 000-0000, ", n),
        True,
    ),
    "countries-250-six": (
        "a record naming every country, a text of six-digit groups (`123456, `)",
        lambda n: _repeat("123456, ", n),
        True,
    ),
    "countries-250-seven": (
        "a record naming every country, a text of seven-digit groups (`1111111, `)",
        lambda n: _repeat("1111111, ", n),
        True,
    ),
    "spaces-one-run": (
        "`a      …b`: one run of spaces, for the white-space folding",
        lambda n: "a" + " " * (n - 2) + "b",
        False,
    ),
    "comment-lines": (
        "`  # c` on every line: a comment mark the loader looks behind on each line",
        lambda n: _repeat("\n  # c", n),
        False,
    ),
    "countries-250-words": (
        "a record naming every country, a text of words and short numbers",
        lambda n: _repeat("the 12 journalists and 3456 numbers, ", n),
        True,
    ),
}


def _record(payload: str, regions: list[str]) -> bytes:
    nationalities = f"nationalities: [{', '.join(regions)}]\n" if regions else ""
    return (
        "id: adversarial\n"
        "kind: target\n"
        "name: Person A\n"
        "visibility: pseudonymous\n"
        "type: person\n"
        "roles: [journalist]\n"
        f"{nationalities}"
        "notes: |\n"
        f"  {payload}\n"
        "sources:\n"
        "  - title: Example report\n"
        "    publisher: Example Rights Group\n"
        "    published: 2021-07-18\n"
        "    language: en\n"
        "    url: https://example.org/reports/leaked-list\n"
    ).encode()


def run_one(name: str, via: str) -> float:
    """Seconds one input takes (in this process)."""
    _, build, all_countries = INPUTS[name]
    regions = _countries() if all_countries else []
    if via == "pii":
        from sarschema.pii import find_personal_data

        text = build(MIB)
        find_personal_data("warm up 020 7946 0958", regions)
        start = time.perf_counter()
        find_personal_data(text, regions)
        return time.perf_counter() - start
    from sarschema.filecheck import check_bytes

    payload = build(FILE_PAYLOAD).encode()[:FILE_PAYLOAD].decode("utf-8", "ignore")
    data = _record(payload, regions)
    assert len(data) <= MIB, len(data)
    check_bytes(b"id: x\n", "warm.yaml", folder="targets", stem="x", today=dt.date(2026, 1, 1))
    start = time.perf_counter()
    check_bytes(
        data, "adversarial.yaml", folder="targets", stem="adversarial", today=dt.date.today()
    )
    return time.perf_counter() - start


SAME_NAMES = 5000


def same_names(distinct: bool) -> tuple[float, int]:
    """Seconds to validate 5,000 targets named alike (or, the baseline, 5,000 distinct
    names) in one process, and the look-alike warnings it gives."""
    import tempfile
    from pathlib import Path

    from sarschema.api import validate_paths

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "records" / "targets"
        folder.mkdir(parents=True)
        for n in range(SAME_NAMES):
            name = f"Person {_letters(n)}" if distinct else "Journalist Same"
            (folder / f"person-{n}.yaml").write_bytes(
                _record("x", [])
                .replace(b"id: adversarial", f"id: person-{n}".encode())
                .replace(b"name: Person A", f"name: {name}".encode())
            )
        start = time.perf_counter()
        report = validate_paths([str(folder.parent)], jobs=1, keep_records=False)
        seconds = time.perf_counter() - start
    return seconds, sum(d.code == "SAR402" for d in report.diagnostics)


def _letters(n: int) -> str:
    """A distinct made-up word per number, so names do not sound alike."""
    consonants, vowels = "bdfgklmnprstvz", "aeiou"
    word = ""
    while True:
        n, c = divmod(n, len(consonants))
        n, v = divmod(n, len(vowels))
        word += consonants[c] + vowels[v]
        if n == 0:
            return word.capitalize()


def _in_child(name: str, via: str, timeout: float) -> str:
    command = [sys.executable, __file__, "--run", name, "--via", via]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return f"> {timeout:g}"
    if done.returncode != 0:
        return f"failed: {(done.stderr.strip().splitlines() or ['?'])[-1]}"
    return done.stdout.strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per input and way")
    parser.add_argument("--only", nargs="*", choices=sorted(INPUTS), help="these inputs only")
    parser.add_argument(
        "--via", choices=("pii", "file", "both"), default="both", help="time one way only"
    )
    parser.add_argument(
        "--inline", action="store_true", help="time every input in this process (no timeout)"
    )
    parser.add_argument("--run", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.run:  # a child process: time one input, print the seconds
        print(f"{run_one(args.run, args.via):.3f}")
        return 0

    ways = ("pii", "file") if args.via == "both" else (args.via,)
    print(f"| input | what | {' | '.join(f'{way} (s)' for way in ways)} |")
    print(f"|---|---|{'---:|' * len(ways)}")
    for name in args.only or INPUTS:
        cells = [
            f"{run_one(name, way):.3f}" if args.inline else _in_child(name, way, args.timeout)
            for way in ways
        ]
        print(f"| {name} | {INPUTS[name][0]} | {' | '.join(cells)} |", flush=True)
    if not args.only and not args.inline:  # the record sets, after the texts' table
        baseline, _ = same_names(distinct=True)
        alike, warnings = same_names(distinct=False)
        print(f"\n| record set ({SAME_NAMES:,} targets) | seconds | × baseline | SAR402 warnings |")
        print("|---|---:|---:|---:|")
        print(f"| distinct names (baseline) | {baseline:.2f} | 1.00 | |")
        print(f"| one name for all | {alike:.2f} | {alike / baseline:.2f} | {warnings} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
