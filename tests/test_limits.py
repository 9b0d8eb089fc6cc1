"""Sizes, links and unreadable files: each gets a diagnostic, never a hang.

The time bounds here are hang guards (`HANG`, generous so that a busy machine
never trips them): a parser that expanded an alias bomb or followed 1,000 levels
would take minutes, not seconds. Speed itself is measured in benchmarks/.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from sarschema.api import validate_paths
from sarschema.loader import MAX_FILE_BYTES, MAX_NODES, load

HANG = 10.0  # seconds


def codes(root: Path) -> list[tuple[str, str]]:
    report = validate_paths([str(root)])
    return [(d.code, Path(d.file).name) for d in report.diagnostics if d.level == "error"]


def test_file_over_1_mib_is_refused_without_reading_it(base_tree: Path) -> None:
    big = base_tree / "targets" / "journalist-b.yaml"
    with big.open("ab") as handle:  # a 50 MB file: sparse, so cheap to make
        handle.truncate(50 * 1024 * 1024)
    started = time.perf_counter()
    assert ("SAR001", "journalist-b.yaml") in codes(base_tree)
    assert time.perf_counter() - started < HANG


def test_just_under_the_limit_is_read() -> None:
    filler = b"id: x\nnotes: |\n" + b"  " + b"a" * (MAX_FILE_BYTES - 100) + b"\n"
    assert len(filler) <= MAX_FILE_BYTES
    assert [d.code for d in load(filler, "f").diagnostics] == []


def test_ten_megabyte_string_is_refused_by_size() -> None:
    data = b"notes: " + b"a" * (10 * 1024 * 1024) + b"\n"
    started = time.perf_counter()
    assert [d.code for d in load(data, "f").diagnostics] == ["SAR001"]
    assert time.perf_counter() - started < HANG


def test_thousand_level_nesting_stops_early() -> None:
    for data in (
        b"a: " + b"[" * 1000 + b"]" * 1000 + b"\n",
        b"a:\n" + b"".join(b"  " * i + b"- \n" for i in range(1, 1000)),
    ):
        started = time.perf_counter()
        assert [d.code for d in load(data, "f").diagnostics] == ["SAR015"]
        assert time.perf_counter() - started < HANG


def _nesting_diagnostics(data: bytes) -> list[tuple[str, int | None, int | None]]:
    return [(d.code, d.line, d.column) for d in load(data, "f").diagnostics]


@pytest.mark.parametrize("levels", [21, 25, 999, 1000, 1001, 3000])
@pytest.mark.parametrize(
    "prefix",
    [
        b"a: ",
        'id: x\r\nnotes: "[[[ ééé"\r\na: '.encode(),
        b"id: x\rnotes: y\ra: ",
        b"a: [['q[[[', {b: ",
        b"a:\n  b:\n    - ",
    ],
)
def test_nesting_is_reported_where_level_21_opens_whichever_layer_stops(
    levels: int, prefix: bytes
) -> None:
    """libyaml from PyYAML 6.0.4 on refuses 1,000 levels itself, reading a line of
    brackets ahead of its events; the diagnostic must not depend on that."""
    data = prefix + b"[" * levels + b"]" * levels + b"\n"
    # Where level 21 opens, counted independently: the loader's levels are the root
    # mapping plus every open collection before the run of brackets.
    lines = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
    line = len(lines) - 1
    text = lines[line - 1].decode()
    open_before = {b"a: [['q[[[', {b: ": 4, b"a:\n  b:\n    - ": 3}.get(prefix, 1)
    column = text.index("[" * levels) + (20 - open_before) + 1
    assert _nesting_diagnostics(data) == [("SAR015", line, column)]


def test_deep_nesting_inside_a_refused_value_is_reported_too() -> None:
    for depth in (30, 1000, 2000):
        data = b"a: !tag " + b"[" * depth + b"]" * depth + b"\n"
        assert _nesting_diagnostics(data) == [("SAR011", 1, 4), ("SAR015", 1, 28)]
        data = b"? " + b"[" * depth + b"]" * depth + b"\n: x\n"
        assert [code for code, _, _ in _nesting_diagnostics(data)] == ["SAR017", "SAR015"]


def test_hundred_thousand_list_items_hit_the_node_limit() -> None:
    data = b"a:\n" + b"  - x\n" * 100_000
    started = time.perf_counter()
    assert [d.code for d in load(data, "f").diagnostics] == ["SAR018"]
    assert time.perf_counter() - started < HANG
    assert MAX_NODES < 100_000


def test_alias_bomb_is_refused_fast() -> None:
    lines = [b"a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [b"a%d: &a%d [%s]" % (i, i, b", ".join([b"*a%d" % (i - 1)] * 9)) for i in range(1, 9)]
    started = time.perf_counter()
    found = {d.code for d in load(b"\n".join(lines) + b"\n", "f").diagnostics}
    assert found == {"SAR012"}
    assert time.perf_counter() - started < HANG


def test_symlink_is_reported(base_tree: Path) -> None:
    link = base_tree / "targets" / "journalist-c.yaml"
    link.symlink_to(base_tree / "targets" / "journalist-b.yaml")
    assert ("SAR023", "journalist-c.yaml") in codes(base_tree)


def test_symlinked_folder_is_reported(base_tree: Path) -> None:
    (base_tree / "more").symlink_to(base_tree / "targets", target_is_directory=True)
    assert ("SAR023", "more") in codes(base_tree)


def test_unreadable_file_is_reported(base_tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sarschema import filecheck

    victim = base_tree / "targets" / "journalist-b.yaml"
    real = filecheck.read_regular

    def read_regular(path: Path, limit: int) -> bytes:
        if Path(path).name == victim.name:
            raise PermissionError(13, "Permission denied")
        return real(path, limit)

    monkeypatch.setattr(filecheck, "read_regular", read_regular)  # root reads chmod 0 files
    assert ("SAR026", "journalist-b.yaml") in codes(base_tree)


def test_every_file_is_accounted_for(base_tree: Path) -> None:
    (base_tree / "incidents" / "a.yml").write_text("x: 1\n")
    (base_tree / "notes.json").write_text("{}\n")
    (base_tree / "targets" / "deep").mkdir()
    (base_tree / "targets" / "deep" / "b.yaml").write_text("x: 1\n")
    (base_tree / ".git").mkdir()
    (base_tree / ".git" / "ignored.json").write_text("{}\n")
    report = validate_paths([str(base_tree)])
    reported = {d.file for d in report.diagnostics if d.code in ("SAR020", "SAR021", "SAR022")}
    assert report.files_seen == report.files + len(reported) == 8 + 3


def test_explicit_file_argument(base_tree: Path) -> None:
    report = validate_paths([str(base_tree / "targets" / "journalist-b.yaml")])
    # alone, the file's references to other records cannot resolve: only that is reported
    assert report.files == 1
    assert {d.code for d in report.diagnostics} <= {"SAR401"}


def test_overlapping_paths_check_each_file_once(base_tree: Path) -> None:
    (base_tree / "targets" / "notes.txt").write_text("x\n")
    report = validate_paths([str(base_tree), str(base_tree / "targets"), str(base_tree)])
    assert report.files == 8
    assert [d.code for d in report.diagnostics] == ["SAR020"]
    assert report.files_seen == 9
