"""A faster YAML parser from PyPI, measured against sarschema's loader (issue 19).

    pip install -e '.[parsers]'                   # rapidyaml, which only this script needs
    python benchmarks/parsers.py                  # 10,000 records of each set, 3,000 fuzz cases
    python benchmarks/parsers.py --quick          # 1,000 records, 300 cases (the CI smoke run)

Issue 19 names "a faster parser from PyPI that keeps positions" as a way worth
measuring. This script measures rapidyaml (`ryml`, C++ with Python bindings) two ways,
in this one process, on the benchmark's two record sets (`generate.py`,
`shipped_copies.py`):

- **speed**: PyYAML's CSafeLoader (the floor of `run.py`), sarschema's own loader
  (`loader.load`, the first stage of every check), rapidyaml's parse alone, and
  rapidyaml parsing then writing JSON that `json.loads` reads (the cheapest way to
  Python data its bindings offer: walking its tree node by node from Python costs
  more than sarschema's whole loader);
- **agreement**: rapidyaml used as a fast path would be, taking only the files such a
  path could take (the rest left to sarschema's loader as today) and reading every
  scalar as written, against what sarschema's loader gives for the same bytes: on
  every file of the two sets and of `tests/cases`, and on fuzz cases (shipped test
  records with random edits, and random documents written in every YAML style).

Agreement counts four ways: same data; left to sarschema's loader (the fast path
would not take the file); different data; and accepted by rapidyaml although
sarschema's loader reports the file (a verdict the fast path would change). Only the
last two matter: one of them is a reason not to adopt the parser as it is.

It prints Markdown tables; times are read, never asserted. It exits 1 when rapidyaml
is not installed, or when the measure itself is broken: the generated set is plain,
valid YAML, so the fast path must take every file of it and agree on each
(`smoke_failures`; CI runs `--quick`).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402
from shipped_copies import copy_shipped  # noqa: E402

#: What a fast path would leave to sarschema's loader, and why (counted apart).
TAKEN = "taken"
SAME = "same data"
LEFT = "left to sarschema's loader"
DIFFERENT = "different data"
ACCEPTED = "accepted, though sarschema reports the file"


class _Left(Exception):
    """The file is not one the fast path takes."""


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    mapping = dict(pairs)
    if len(mapping) != len(pairs):
        raise _Left("a duplicate key")
    return mapping


def _constant(name: str) -> Any:
    raise _Left(f"a plain {name}")


def _check(value: Any, loader: Any, depth: int = 0) -> None:
    """What the fast path leaves to sarschema's loader, as its composed way does: a
    key YAML 1.1 reads as another, an empty or null value (each reported there),
    nesting at sarschema's limit."""
    if type(value) in (dict, list) and depth >= loader.MAX_DEPTH:
        raise _Left("too deep")
    if type(value) is dict:
        for key, item in value.items():
            if not loader._plain_key_as_written(key):
                raise _Left("a key read as another")
            _check(item, loader, depth + 1)
    elif type(value) is list:
        for item in value:
            _check(item, loader, depth + 1)
    elif value is None or (type(value) is str and value in loader._NULLS):
        raise _Left("an empty value")


def fast_path(data: bytes, ryml: Any, loader: Any) -> dict[str, Any] | None:
    """The data rapidyaml gives, read as sarschema reads YAML (every scalar a string
    as written, plain `true`/`false` booleans), or None when the file is left to
    sarschema's loader: what only its event walk reads exactly (anchors, tags,
    directives), a YAML 1.1 line break, anything rapidyaml refuses, a duplicate key,
    an empty value, a root that is not a mapping."""
    if loader._needs_events(data):
        return None
    if loader._has_yaml11_break(data):  # line breaks to libyaml, not to rapidyaml
        return None
    try:
        tree = ryml.parse_in_arena(data)
        text = ryml.emit_json_malloc(tree, tree.root_id())
    except Exception:  # rapidyaml's own errors, of several classes
        return None
    if text is None:
        return None
    try:
        value = json.loads(
            text,
            parse_int=str,
            parse_float=str,
            parse_constant=_constant,
            object_pairs_hook=_pairs,
        )
        if type(value) is not dict:
            return None
        _check(value, loader)
    except (_Left, ValueError, RecursionError):
        return None
    return value  # type: ignore[no-any-return]


@contextmanager
def _quiet_stderr() -> Iterator[None]:
    """rapidyaml prints each parse error on the process' standard error, from C++."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 2)
        os.close(null)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def judge(data: bytes, ryml: Any, loader: Any) -> str:
    """One file's verdict: SAME, LEFT, DIFFERENT or ACCEPTED (see the module). The
    fast path would sit where the composed way does, after the checks of the bytes
    (UTF-8, control characters, size, tabs), so a file they report is left."""
    ours = loader.load(data, "record.yaml")
    bare = data.removeprefix(b"\xef\xbb\xbf")
    if (
        len(data) > loader.MAX_FILE_BYTES
        or not isinstance(loader.decode(data, "record.yaml"), str)
        or loader._tab_indent(bare, "record.yaml") is not None
    ):
        return LEFT
    fast = fast_path(bare, ryml, loader)
    if fast is None:
        return LEFT
    if ours.data is None or ours.diagnostics:
        return ACCEPTED
    return SAME if fast == ours.data else DIFFERENT


def _best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def speed(files: list[bytes], ryml: Any, repeat: int) -> dict[str, float]:
    """Seconds for every file each way, in this process, the cycle collector off (as
    sarschema's pipeline eases it)."""
    import yaml

    from sarschema import loader

    def csafe() -> None:
        for data in files:
            yaml.load(data, Loader=yaml.CSafeLoader)

    def ours() -> None:
        for data in files:
            loader.load(data, "record.yaml")

    def parse() -> None:
        for data in files:
            ryml.parse_in_arena(data)

    def to_data() -> None:
        for data in files:
            tree = ryml.parse_in_arena(data)
            json.loads(ryml.emit_json_malloc(tree, tree.root_id()), parse_int=str)

    def fast() -> None:
        for data in files:
            fast_path(data, ryml, loader)

    ways = {
        "PyYAML CSafeLoader (the floor)": csafe,
        "sarschema's loader": ours,
        "rapidyaml: parse": parse,
        "rapidyaml: parse, JSON, json.loads": to_data,
        "rapidyaml as a fast path (checks as above)": fast,
    }
    gc.disable()
    try:
        return {name: _best(fn, repeat) for name, fn in ways.items()}
    finally:
        gc.enable()


#: Scalars that YAML readers treat differently, for the fuzz cases.
TRICKY = [
    "NO", "yes", "on", "true", "false", "True", "null", "~", "0755", "1:20", "1e3",
    ".inf", "a: b", "x # y", "- item", "'q'", '"d"', "&a", "*a", "!t", "%p", "<<",
    "2021", "2021-07-18", "+1", "0x1F", "1_000", ".5", "", "  lead", "trail  ",
    "multi\nline", "tab\there", "back\\slash", "\u2028", "\u00a0", "#hash", "}x", "]x",
]  # fmt: skip
_ALPHABET = "abc xyz é ü ل 中 0123456789 :#-?&*!|>'\"%@`,[]{}\t\\\n  .~_+=/"


def fuzz_cases(count: int, seed: int) -> Iterator[bytes]:
    """Shipped test records with one to four random edits, and random documents
    written by PyYAML in every style (block, flow, each quoting, folded, literal)."""
    import yaml

    rng = random.Random(seed)
    base = [p.read_bytes() for p in sorted((ROOT / "tests" / "cases" / "_base").rglob("*.yaml"))]

    def scalar() -> str:
        if rng.random() < 0.4:
            return rng.choice(TRICKY)
        return "".join(rng.choice(_ALPHABET) for _ in range(rng.randint(0, 30)))

    def value(depth: int) -> Any:
        roll = rng.random()
        if depth > 3 or roll < 0.6:
            return scalar() if rng.random() < 0.9 else rng.choice([True, False])
        if roll < 0.8:
            return [value(depth + 1) for _ in range(rng.randint(0, 4))]
        return {f"{rng.choice(['a', 'notes', 'x'])}{rng.randint(0, 9)}": value(depth + 1)}

    for _ in range(count):
        if rng.random() < 0.5:
            document = {f"k{j}": value(0) for j in range(rng.randint(1, 6))}
            text = yaml.dump(
                document,
                default_flow_style=rng.choice([False, None, True]),
                default_style=rng.choice([None, None, "|", ">", '"', "'"]),
                allow_unicode=rng.random() < 0.7,
                width=rng.choice([20, 80, 1000]),
                sort_keys=False,
            )
            yield text.encode("utf-8")
            continue
        data = bytearray(rng.choice(base))
        for _ in range(rng.randint(1, 4)):
            at = rng.randint(0, len(data))
            roll = rng.random()
            if roll < 0.4:
                data[at:at] = rng.choice(_ALPHABET).encode("utf-8")
            elif roll < 0.7:
                del data[at : at + rng.randint(1, 3)]
            else:
                data[at:at] = rng.choice(TRICKY).encode("utf-8")
        yield bytes(data)


def agreement(files: Iterator[bytes], ryml: Any) -> Counter[str]:
    from sarschema import loader

    counts: Counter[str] = Counter()
    with _quiet_stderr():
        for data in files:
            counts[judge(data, ryml, loader)] += 1
    counts[TAKEN] = counts[SAME] + counts[DIFFERENT] + counts[ACCEPTED]
    return counts


def smoke_failures(generated: Counter[str], files: int) -> list[str]:
    """What shows the measure broken (not slow): a generated file the fast path did
    not take, or took and read otherwise than sarschema's loader."""
    if generated[SAME] == files:
        return []
    return [f"generated set: {generated[SAME]:,} of {files:,} files with the same data"]


def _read(folder: Path) -> list[bytes]:
    return [p.read_bytes() for p in sorted(folder.rglob("*.yaml"))]


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000, help="records of each set")
    parser.add_argument("--fuzz", type=int, default=3000, help="fuzz cases")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=2, help="runs per time (best kept)")
    parser.add_argument("--quick", action="store_true", help="1,000 records, 300 cases, 1 run")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    if args.quick:
        args.records, args.fuzz, args.repeat = 1000, 300, 1
    try:
        import ryml
    except ImportError:
        print("rapidyaml is not installed: pip install -e '.[parsers]'", file=sys.stderr)
        return 1
    version = getattr(ryml, "__version__", "?")
    with tempfile.TemporaryDirectory(prefix="sarschema-parsers-") as tmp:
        sets = {}
        for name, make in (("generated", generate), ("shipped copies", copy_shipped)):
            folder = Path(tmp) / name.replace(" ", "-")
            make(folder, args.records)
            sets[name] = _read(folder)
    print(f"rapidyaml {version}; {args.records:,} records of each set\n")
    print("| way | " + " | ".join(f"{name} (s)" for name in sets) + " |")
    print("|---|" + "---:|" * len(sets))
    times = {name: speed(files, ryml, args.repeat) for name, files in sets.items()}
    for way in next(iter(times.values())):
        print(f"| {way} | " + " | ".join(f"{times[n][way]:.2f}" for n in sets) + " |")
    corpora = {
        **{name: iter(files) for name, files in sets.items()},
        "tests/cases": iter(_read(ROOT / "tests" / "cases")),
        f"fuzz ({args.fuzz:,} cases, seed {args.seed})": fuzz_cases(args.fuzz, args.seed),
    }
    print("\n| files | taken | " + " | ".join((SAME, LEFT, DIFFERENT, ACCEPTED)) + " |")
    print("|---|" + "---:|" * 5)
    found = {}
    for name, files in corpora.items():
        counts = found[name] = agreement(files, ryml)
        cells = (counts[TAKEN], counts[SAME], counts[LEFT], counts[DIFFERENT], counts[ACCEPTED])
        print(f"| {name} | " + " | ".join(f"{n:,}" for n in cells) + " |")
    problems = smoke_failures(found["generated"], len(sets["generated"]))
    for problem in problems:
        print(f"parsers: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
