"""A contributor's branch is hostile: links, FIFOs, hidden files, crafted names.

Each test plants what an attacker could commit and checks the promise of
SECURITY.md it attacks: nothing outside the checkout is written, nothing blocks or
eats memory, nothing is skipped in silence, nothing printed is obeyed by a terminal
or by GitHub Actions. Time bounds are hang guards, not speed targets.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sarschema import cli
from sarschema.api import validate_paths
from sarschema.cli import app
from sarschema.report import RENDERERS

HANG = 10.0  # seconds
ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


@pytest.fixture
def main(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str]]:
    """Run the `sarschema` entry point (with its exit codes): (code, stdout + stderr)."""

    def run(*args: str) -> tuple[int, str]:
        old = sys.argv
        sys.argv = ["sarschema", *args]
        try:
            cli.main()
            code = 0
        except SystemExit as exit_info:
            code = int(exit_info.code or 0)
        finally:
            sys.argv = old
        captured = capsys.readouterr()
        return code, captured.out + captured.err

    return run


def codes(report: object) -> list[tuple[str, str]]:
    return [(d.code, Path(d.file).name) for d in report.diagnostics]  # type: ignore[attr-defined]


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    precious = tmp_path / "outside" / "precious.txt"
    precious.parent.mkdir()
    precious.write_text("keep me\n")
    return precious


@pytest.fixture
def in_checkout(base_tree: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Work from the checkout's root, as a maintainer does (records/ inside it)."""
    root = base_tree.parent
    monkeypatch.chdir(root)
    return root


# --- Writes never go through a link --------------------------------------------


@pytest.mark.parametrize("command", ["json", "csv"])
def test_export_out_that_is_a_link_is_refused(
    in_checkout: Path, outside: Path, command: str, main: Callable[..., tuple[int, str]]
) -> None:
    link = in_checkout / "build"
    link.symlink_to(outside if command == "json" else outside.parent)
    code, output = main("export", command, "--out", "build")
    assert code == 2
    assert "symbolic link" in output
    assert outside.read_text() == "keep me\n"
    assert sorted(p.name for p in outside.parent.iterdir()) == ["precious.txt"]


def test_export_into_a_linked_folder_is_refused(
    in_checkout: Path, outside: Path, main: Callable[..., tuple[int, str]]
) -> None:
    (in_checkout / "build").symlink_to(outside.parent, target_is_directory=True)
    code, _ = main("export", "json", "--out", "build/precious.txt")
    assert code == 2
    assert outside.read_text() == "keep me\n"


def test_export_json_replaces_its_file_atomically(in_checkout: Path) -> None:
    out = in_checkout / "build" / "records.json"
    out.parent.mkdir()
    out.write_text("old\n")
    result = runner.invoke(app, ["export", "json", "--out", "build/records.json"])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["count"] == 8
    assert [p.name for p in out.parent.iterdir()] == ["records.json"]  # no temporary left


def test_export_csv_replaces_a_planted_link_inside_out(in_checkout: Path, outside: Path) -> None:
    out = in_checkout / "build" / "csv"
    out.mkdir(parents=True)
    (out / "incidents.csv").symlink_to(outside)
    result = runner.invoke(app, ["export", "csv", "--out", "build/csv"])
    assert result.exit_code == 0, result.output
    assert outside.read_text() == "keep me\n"
    assert not (out / "incidents.csv").is_symlink()


def test_new_refuses_a_planted_link_at_the_new_path(
    in_checkout: Path, main: Callable[..., tuple[int, str]]
) -> None:
    planted = in_checkout / "records" / "targets" / "jane-doe.yaml"
    planted.symlink_to(in_checkout / "nowhere.yaml")  # dangling: glob does not see it
    code, _ = main("new", "target", "jane-doe")
    assert code == 2
    assert not (in_checkout / "nowhere.yaml").exists()


def test_new_refuses_a_linked_kind_folder(
    in_checkout: Path, outside: Path, main: Callable[..., tuple[int, str]]
) -> None:
    shutil.rmtree(in_checkout / "records" / "targets")
    (in_checkout / "records" / "targets").symlink_to(outside.parent, target_is_directory=True)
    code, _ = main("new", "target", "jane-doe")
    assert code == 2
    assert sorted(p.name for p in outside.parent.iterdir()) == ["precious.txt"]


# --- Reads: regular files only, never blocking --------------------------------------


@pytest.mark.parametrize("kind", ["zero", "fifo"])
def test_new_never_reads_a_planted_device_or_fifo(
    in_checkout: Path, kind: str, main: Callable[..., tuple[int, str]]
) -> None:
    planted = in_checkout / "records" / "operators" / "agency-z.yaml"
    if kind == "fifo":
        os.mkfifo(planted)
    else:
        planted.symlink_to("/dev/zero")
    started = time.perf_counter()
    code, output = main("new", "target", "jane-doe")
    assert time.perf_counter() - started < HANG
    assert code == 2
    assert "agency-z.yaml" in output


def test_a_fifo_record_is_reported_not_read(base_tree: Path) -> None:
    os.mkfifo(base_tree / "targets" / "journalist-z.yaml")
    started = time.perf_counter()
    for paths in ([base_tree], [base_tree, base_tree / "targets"]):
        report = validate_paths([str(p) for p in paths])
        assert ("SAR028", "journalist-z.yaml") in codes(report)
    given = validate_paths([str(base_tree / "targets" / "journalist-z.yaml")])
    assert ("SAR028", "journalist-z.yaml") in codes(given)
    assert time.perf_counter() - started < HANG


def test_a_link_to_dev_zero_is_reported_not_read(base_tree: Path) -> None:
    (base_tree / "targets" / "journalist-z.yaml").symlink_to("/dev/zero")
    report = validate_paths([str(base_tree)])
    assert ("SAR023", "journalist-z.yaml") in codes(report)


def test_a_symlinked_record_is_reported_however_many_paths_are_given(base_tree: Path) -> None:
    link = base_tree / "targets" / "journalist-z.yaml"
    link.symlink_to(base_tree / "targets" / "journalist-b.yaml")
    for paths in (
        [base_tree],
        [base_tree, base_tree / "targets"],
        [base_tree / "targets", base_tree],
        [base_tree, base_tree / "targets", link],
    ):
        report = validate_paths([str(p) for p in paths])
        assert codes(report).count(("SAR023", "journalist-z.yaml")) == 1, paths
        assert not report.ok


def test_a_path_through_a_link_and_dotdot_is_read_as_the_system_reads_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`link/../records`, where `link` points into another folder, names the records
    beside the link's target: their set (and its version file) is found there, not by
    striking out `link/..` (which named a folder that is not there, so the shipped
    records were checked as format 1.0: 113 errors)."""
    real = tmp_path / "real"
    (real / "sub").mkdir(parents=True)
    shutil.copytree(ROOT / "records", real / "records")
    (tmp_path / "link").symlink_to(real / "sub")
    monkeypatch.chdir(tmp_path)
    report = validate_paths(["link/../records"])
    assert report.ok, codes(report)[:3]
    assert [(s.root, s.version) for s in report.sets] == [("link/../records", "1.1")]


def test_hidden_files_are_errors_with_several_paths_too(base_tree: Path) -> None:
    (base_tree / "targets" / ".journalist-z.yaml").write_text("id: x\n")
    (base_tree / ".drafts").mkdir()
    (base_tree / ".drafts" / "a.yaml").write_text("id: x\n")
    (base_tree / ".gitkeep").write_text("")
    report = validate_paths([str(base_tree), str(base_tree / "targets")])
    assert sorted(c for c in codes(report) if c[0] == "SAR029") == [
        ("SAR029", ".drafts"),
        ("SAR029", ".journalist-z.yaml"),
    ]


# --- Output is inert ---------------------------------------------------------------

HOSTILE_NAME = (
    "journalist-b\n::stop-commands::pwned\n\x1b[2K\x1b[1Avalid.\x1b]52;c;aGk=\x07\u202e.yaml"
)
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def test_a_hostile_file_name_is_inert_in_every_format(base_tree: Path) -> None:
    folder = base_tree / "targets"
    (folder / HOSTILE_NAME).write_text((folder / "journalist-b.yaml").read_text())
    report = validate_paths([str(base_tree)])
    assert any(d.code == "SAR024" for d in report.diagnostics)  # id is not the file name
    for name, render in RENDERERS.items():
        out = io.StringIO()
        render(report, out)
        text = out.getvalue()
        assert not RAW_CONTROL.search(text), name
        lines = text.splitlines()
        if name == "json":
            files = [d["file"] for d in json.loads(text)["diagnostics"]]
            assert str(folder / HOSTILE_NAME) in files  # the data itself is exact
        else:
            # GitHub obeys commands at the start of a line only: none but our own
            assert all(
                not line.lstrip().startswith("::") or re.match(r"::(error|warning) file=", line)
                for line in lines
            ), name
            assert any("stop-commands" in line for line in lines)  # shown, escaped


def test_error_messages_echo_paths_inertly(tmp_path: Path) -> None:
    missing = tmp_path / "no\x1b]52;c;aGk=\x07such"
    done = subprocess.run(
        [sys.executable, "-m", "sarschema", "validate", str(missing)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "\x1b" not in done.stderr and "\\x1b" in done.stderr


# --- Linear time --------------------------------------------------------------------


def test_five_thousand_same_names_give_one_warning_fast(base_tree: Path) -> None:
    template = (base_tree / "targets" / "journalist-b.yaml").read_text()
    for n in range(5000):
        record_id = f"journalist-x{n}"
        (base_tree / "targets" / f"{record_id}.yaml").write_text(
            template.replace("id: journalist-b", f"id: {record_id}")
        )
    started = time.perf_counter()
    report = validate_paths([str(base_tree)], jobs=1)
    assert time.perf_counter() - started < 60  # minutes and gigabytes before the fix
    similar = [d for d in report.diagnostics if d.code == "SAR402"]
    assert len(similar) == 1
    assert "and 4,995 more" in similar[0].message


def test_new_never_repeats_personal_data_typed_as_an_id(
    tmp_path: Path, main: Callable[..., tuple[int, str]]
) -> None:
    for typed in ("jane@example.org", "+44 20 7946 0958", "jane-020-7946-0958-x"):
        code, output = main("new", "target", typed, "--records", str(tmp_path / "records"))
        assert code == 2
        assert typed not in output and "7946" not in output and "example.org" not in output
