"""`sarschema validate --watch`: every report it shows is the report a new run
would give, and it shows one when, and only when, something changed."""

from __future__ import annotations

import datetime as dt
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sarschema.api import validate_paths
from sarschema.results import Report
from sarschema.watch import Watcher, _outline, watch_reports
from test_cache import _BASE, _OPERATIONS, TODAY, _age, _step, run


def _as_named(path: Path) -> str:
    """A path as change events name it: its folder's real path, and its own name."""
    return os.path.join(os.path.realpath(path.parent), path.name)


def _said(report: Report) -> list[tuple[str, str, int | None]]:
    return [(d.code, Path(d.file).name, d.line) for d in report.diagnostics]


def _scripted(
    edits: list[Callable[[], None]], seen: list[list[str]]
) -> Callable[..., Iterator[object]]:
    """A stand-in for the operating system's events: each edit, then its batch; the
    folders asked for are kept in `seen`."""
    remaining = iter(edits)

    def changes(folders: Sequence[str]) -> Iterator[object]:
        seen.append(list(folders))
        for edit in remaining:
            edit()
            yield {("modified", "somewhere")}

    return changes


@contextmanager
def _watched_copy() -> Iterator[tuple[Path, list[bytes], Watcher]]:
    """A copy of the small record set, aged, the texts `_step` edits with, and a
    watcher whose first check equals a new run's."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "records"
        shutil.copytree(_BASE, root)
        texts = [p.read_bytes() for p in sorted(_BASE.rglob("*.yaml"))]
        _age(root, 60)
        watcher = Watcher([str(root)], today=lambda: TODAY)
        assert _said(watcher.check()) == run(root, None)
        yield root, texts, watcher


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(_OPERATIONS, st.integers(0, 10_000)), min_size=1, max_size=6))
def test_a_watched_check_always_equals_a_new_run(steps: list[tuple[str, int]]) -> None:
    """Whatever happens to the files (edits that keep the size and set the time back,
    renames, deletions, new files, touches), the results kept in memory change no
    verdict."""
    with _watched_copy() as (root, texts, watcher):
        for operation, pick in steps:
            _step(root, operation, pick, texts)
            cold = run(root, None)
            assert _said(watcher.check()) == cold, (operation, pick)
            assert _said(watcher.check()) == cold, (operation, pick)


def test_a_report_per_change_that_matters(base_tree: Path) -> None:
    target = base_tree / "targets" / "journalist-a.yaml"
    original = target.read_bytes()
    stray = base_tree / "targets" / "notes.txt"
    edits = [
        lambda: target.write_bytes(original + b"notes2: typo\n"),  # an error
        lambda: target.write_bytes(original + b"notes2: typo\n"),  # the same bytes again
        lambda: target.write_bytes(original),  # fixed
        lambda: os.utime(target),  # touched: nothing to say
        lambda: stray.write_text("x"),  # a stray file: the walk reports it
    ]
    seen: list[list[str]] = []
    reports = watch_reports([str(base_tree)], today=lambda: TODAY, changes=_scripted(edits, seen))
    first = next(reports)
    assert first.ok
    broken = next(reports)
    assert not broken.ok
    assert any(
        d.file.endswith("journalist-a.yaml") and d.field == "notes2" and d.line
        for d in broken.diagnostics
    )
    fixed = next(reports)  # the same bytes written again gave no report
    assert fixed.ok
    strayed = next(reports)  # the touch gave none either
    assert any(d.file.endswith("notes.txt") for d in strayed.diagnostics)
    assert _said(strayed) == run(base_tree, None)
    with pytest.raises(StopIteration):
        next(reports)
    assert seen == [seen[0]]  # no folder came or went: one watch throughout


def test_a_new_folder_is_watched(base_tree: Path) -> None:
    shutil.rmtree(base_tree / "responses")
    response = next((_BASE / "responses").glob("*.yaml"))

    def add_folder() -> None:
        (base_tree / "responses").mkdir()
        shutil.copy(response, base_tree / "responses" / response.name)

    seen: list[list[str]] = []
    reports = watch_reports(
        [str(base_tree)], today=lambda: TODAY, changes=_scripted([add_folder], seen)
    )
    before = next(reports)
    after = next(reports)
    assert after.files == before.files + 1
    assert _said(after) == run(base_tree, None)
    next(reports, None)
    assert str(base_tree / "responses") not in seen[0]
    assert str(base_tree / "responses") in seen[1]


def test_a_new_day_checks_every_file_again(base_tree: Path) -> None:
    """The future-date rule depends on the day: results of yesterday are not kept."""
    incident = base_tree / "incidents" / "journalist-a-2020.yaml"
    text = incident.read_text()
    days = iter([dt.date(2019, 6, 1), dt.date(2026, 1, 1)])
    watcher = Watcher([str(base_tree)], today=lambda: next(days))
    assert not watcher.check().ok  # 2020 lies in the future on 2019-06-01
    assert incident.read_text() == text
    assert watcher.check().ok
    assert validate_paths([str(base_tree)], today=dt.date(2026, 1, 1)).ok


def _start(root: Path | str, cwd: Path | None = None) -> subprocess.Popen[bytes]:
    """`validate --watch -f json` on `root`; its reports are read with `_line`."""
    command = [sys.executable, "-m", "sarschema", "validate", str(root), "--watch", "-f", "json"]
    return subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0, cwd=cwd
    )


#: What was read of each process's output past its last whole line.
_READ: dict[int, bytes] = {}


def _save(path: Path, data: bytes) -> None:
    """Saved as most editors save: written beside the tree, then renamed into place,
    so that no walk can see the file half written."""
    staged = path.parents[2] / f"{path.name}.saving"
    staged.write_bytes(data)
    staged.replace(path)


def _until(
    process: subprocess.Popen[bytes], wanted: Callable[[dict[str, Any]], bool], seconds: float = 30
) -> dict[str, Any]:
    """The first report `wanted` accepts, within `seconds` (a change made in several
    steps, as a folder's removal and copy, may give reports on the way)."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        report = json.loads(_line(process, left))
        if wanted(report):
            return report
    raise AssertionError("the report awaited did not come")


def _line(process: subprocess.Popen[bytes], seconds: float = 30) -> str:
    """The next line the process writes, within `seconds` (read from the pipe itself:
    a buffered reader could hold a line that `select` then no longer sees)."""
    assert process.stdout is not None
    fd = process.stdout.fileno()
    held = _READ.get(process.pid, b"")
    deadline = time.monotonic() + seconds
    while b"\n" not in held:
        left = deadline - time.monotonic()
        ready, _, _ = select.select([fd], [], [], max(left, 0))
        assert ready, "no report came"
        chunk = os.read(fd, 1 << 16)
        assert chunk, "the process ended"
        held += chunk
    line, _READ[process.pid] = held.split(b"\n", 1)
    return line.decode("utf-8")


def _waiting(process: subprocess.Popen[bytes]) -> bool:
    """Whether a whole line is there to read now."""
    assert process.stdout is not None
    if b"\n" in _READ.get(process.pid, b""):
        return True
    return bool(select.select([process.stdout.fileno()], [], [], 0)[0])


def test_the_command_follows_edits_until_ctrl_c(base_tree: Path) -> None:
    """The real command, with the operating system's change events: a report per
    line, the new error named with its file, line and field, and at Ctrl-C the
    exit code of the last report."""
    target = base_tree / "targets" / "journalist-a.yaml"
    process = _start(base_tree)
    try:
        assert json.loads(_line(process))["valid"] is True
        time.sleep(0.3)  # the watch starts after the first report
        _save(target, target.read_bytes() + b"notes2: typo\n")
        report = json.loads(_line(process))
        assert report["valid"] is False
        (problem,) = report["diagnostics"]
        assert problem["file"].endswith("journalist-a.yaml")
        assert (problem["field"], problem["code"]) == ("notes2", "SAR101")
        assert problem["line"] > 1
        process.send_signal(signal.SIGINT)
        assert process.wait(30) == 1
        assert process.stderr is not None
        assert b"Traceback" not in process.stderr.read()
    finally:
        process.kill()
        process.wait()


def test_watch_refuses_github_annotations(base_tree: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "sarschema", "validate", str(base_tree), "--watch", "-f", "github"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "--watch" in done.stderr and "--format text" in done.stderr


def test_the_watch_never_follows_a_link_out_of_the_checkout(
    base_tree: Path, tmp_path: Path
) -> None:
    """A linked folder in a stranger's checkout is reported, and neither it nor what
    it points to is watched: only the folders the walk entered, each on its own."""
    outside = tmp_path / "outside"
    (outside / "deep").mkdir(parents=True)
    (base_tree / "targets" / "elsewhere").symlink_to(outside, target_is_directory=True)
    watcher = Watcher([str(base_tree)], today=lambda: TODAY)
    report = watcher.check()
    assert any(d.file.endswith("elsewhere") and d.code == "SAR023" for d in report.diagnostics)
    assert watcher.folders
    for folder, _ in watcher.folders:
        real = Path(folder).resolve()
        assert real == base_tree.resolve() or base_tree.resolve() in real.parents
        assert not Path(folder).is_symlink()


def test_idle_batches_walk_only_once(base_tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The watch's first idle batch walks (what changed before the watch began); a
    save named by its event is checked without a walk, and the next quiet second
    walks once (an event lost); later idle batches cost nothing."""
    import sarschema.watch

    walks: list[int] = []
    real = sarschema.watch.discover
    monkeypatch.setattr(sarschema.watch, "discover", lambda paths: walks.append(1) or real(paths))
    target = base_tree / "targets" / "journalist-a.yaml"
    counted: list[int] = []

    def changes(folders: Sequence[str]) -> Iterator[object]:
        yield set()
        yield set()
        yield set()
        counted.append(len(walks))
        target.write_bytes(target.read_bytes() + b"notes2: typo\n")
        yield {("modified", _as_named(target))}
        counted.append(len(walks))
        yield set()
        yield set()
        counted.append(len(walks))

    reports = watch_reports([str(base_tree)], today=lambda: TODAY, changes=changes)
    assert next(reports).ok and not next(reports).ok
    assert next(reports, None) is None  # the quiet walk found nothing more to say
    assert counted == [2, 2, 3]


def _stats(root: Path) -> dict[str, tuple[int, ...]]:
    """What the operating system would report a change of: each path and its stat."""
    found = {}
    for path in root.rglob("*"):
        info = path.lstat()
        found[_as_named(path)] = (
            info.st_mode,
            info.st_size,
            info.st_mtime_ns,
            info.st_ctime_ns,
            info.st_ino,
        )
    return found


def _events(
    before: dict[str, tuple[int, ...]], after: dict[str, tuple[int, ...]]
) -> set[tuple[str, str]]:
    """The batch of events a change from `before` to `after` gives, as watchfiles
    names them: (change, absolute path)."""
    events = {("deleted", path) for path in before.keys() - after.keys()}
    events |= {("added", path) for path in after.keys() - before.keys()}
    events |= {("modified", p) for p in before.keys() & after.keys() if before[p] != after[p]}
    return events


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(_OPERATIONS, st.integers(0, 10_000)), min_size=1, max_size=6))
def test_a_check_of_the_files_events_name_equals_a_new_run(steps: list[tuple[str, int]]) -> None:
    """Told by the events which files changed, a check looks only at those when they
    are record files it knows, and walks otherwise: either way, it changes no verdict."""
    with _watched_copy() as (root, texts, watcher):
        for operation, pick in steps:
            before = _stats(root)
            _step(root, operation, pick, texts)
            events = _events(before, _stats(root))
            report = watcher.check(changed=events)
            named = {path for _, path in events}
            known = all(
                p.endswith(".yaml") and Path(p).is_file() and Path(p).name != "sarschema.yaml"
                for p in named
            ) and not any(c != "modified" for c, _ in events)
            if events and known and operation != "new":
                assert not watcher.walked, (operation, events)
            cold = run(root, None)
            assert _said(report) == cold, (operation, pick)
            assert _said(watcher.check()) == cold, (operation, pick)


def test_an_edit_named_by_its_event_is_checked_without_a_walk(
    base_tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An editor's save: the file named is read again, no other file is looked at."""
    import sarschema.watch

    watcher = Watcher([str(base_tree)], today=lambda: TODAY)
    assert watcher.check().ok
    target = base_tree / "targets" / "journalist-a.yaml"
    named = _as_named(target)
    looked: list[str] = []
    real_lstat = os.lstat
    monkeypatch.setattr(sarschema.watch, "discover", lambda paths: pytest.fail("walked"))
    monkeypatch.setattr(
        os, "lstat", lambda path, *a, **k: looked.append(str(path)) or real_lstat(path, *a, **k)
    )
    target.write_bytes(target.read_bytes() + b"notes2: typo\n")
    report = watcher.check(changed={(2, named)})
    monkeypatch.undo()
    assert not watcher.walked
    assert set(looked) == {str(target)}
    assert any(d.field == "notes2" for d in report.diagnostics)
    assert _said(report) == run(base_tree, None)


@pytest.mark.parametrize(
    "event",
    [
        "a new record file",
        "a stray file",
        "a record removed",
        "a record made a link",
        "a reported stray removed",
        "a folder",
        "a folder removed",
        "not a pair",
        "a path outside",
    ],
)
def test_events_naming_anything_but_known_record_files_walk(base_tree: Path, event: str) -> None:
    stray = base_tree / "targets" / "notes.txt"
    if event == "a reported stray removed":
        stray.write_text("x")
    watcher = Watcher([str(base_tree)], today=lambda: TODAY)
    assert watcher.check().ok is (event != "a reported stray removed")
    target = base_tree / "targets" / "journalist-a.yaml"
    named = _as_named(target)
    if event == "a new record file":
        named = _as_named(base_tree / "targets" / "journalist-z.yaml")
        shutil.copy(target, named)
    elif event == "a stray file":
        named = _as_named(base_tree / "targets" / "notes.txt")
        Path(named).write_text("x")
    elif event == "a record removed":
        target.unlink()
    elif event == "a record made a link":
        data = target.read_bytes()
        target.unlink()
        (base_tree / "kept.yaml").write_bytes(data)
        target.symlink_to(base_tree / "kept.yaml")
    elif event == "a reported stray removed":
        named = _as_named(stray)
        stray.unlink()
    elif event == "a folder":
        named = _as_named(base_tree / "targets")
    elif event == "a folder removed":
        named = _as_named(base_tree / "responses")
        shutil.rmtree(base_tree / "responses")
    elif event == "a path outside":
        named = str(base_tree.parent.absolute() / "journalist-a.yaml")
    batch: object = named if event == "not a pair" else {("modified", named)}
    report = watcher.check(changed=batch)
    assert watcher.walked
    assert _said(report) == run(base_tree, None)


def _fresh(paths: list[str]) -> tuple[Any, ...]:
    return _outline(validate_paths(paths, today=TODAY, keep_records=False, jobs=1))


@pytest.mark.parametrize("where", ["beside", "outside"])
def test_a_file_with_other_names_is_never_left_to_its_events(base_tree: Path, where: str) -> None:
    """inotify names only the path a file is written through: while a record has
    another name (a hard link, beside it or outside the folders watched), a write
    through that name gives no event under this one, so every check walks."""
    target = base_tree / "targets" / "journalist-a.yaml"
    other = base_tree / "targets" / "journalist-c.yaml"
    if where == "outside":
        other = base_tree.parent / "elsewhere.yaml"
    os.link(target, other)
    watcher = Watcher([str(base_tree)], today=lambda: TODAY)
    watcher.check()
    with other.open("ab") as handle:  # written in place through the other name
        handle.write(b"notes2: typo\n")
    named = next(p for p in sorted((base_tree / "incidents").glob("*.yaml")))
    named.write_bytes(named.read_bytes())  # an event elsewhere (or on the file itself)
    for event in ({("modified", _as_named(named))}, {("modified", _as_named(other))}):
        report = watcher.check(changed=event)
        assert watcher.walked
        assert _outline(report) == _fresh([str(base_tree)])


def test_names_that_came_and_went_do_not_need_a_walk(
    base_tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An editor's temporary or backup file, made and removed within the batch: the
    walk would not find it, so the file saved is checked alone."""
    import sarschema.watch

    watcher = Watcher([str(base_tree)], today=lambda: TODAY)
    watcher.check()
    target = base_tree / "targets" / "journalist-a.yaml"
    target.write_bytes(target.read_bytes() + b"notes2: typo\n")
    folder = os.path.realpath(target.parent)
    batch = {
        ("added", os.path.join(folder, ".journalist-a.yaml.swp")),
        ("deleted", os.path.join(folder, "journalist-a.yaml~")),
        ("modified", _as_named(target)),
    }
    monkeypatch.setattr(sarschema.watch, "discover", lambda paths: pytest.fail("walked"))
    report = watcher.check(changed=batch)
    monkeypatch.undo()
    assert any(d.field == "notes2" for d in report.diagnostics)
    assert _outline(report) == _fresh([str(base_tree)])


def test_a_record_given_another_name_since_the_last_walk_walks(tmp_path: Path) -> None:
    """A hard link made outside the folders watched gives them no event: the file's
    next event finds it has two names, and the check walks (and every later one)."""
    root = tmp_path / "records"
    shutil.copytree(_BASE, root)
    watcher = Watcher([str(root)], today=lambda: TODAY)
    watcher.check()
    target = root / "targets" / "journalist-a.yaml"
    os.link(target, tmp_path / "elsewhere.yaml")
    target.write_bytes(target.read_bytes())
    watcher.check(changed={("modified", _as_named(target))})
    assert watcher.walked
    assert watcher.memory.linked


def test_a_version_file_that_is_also_a_record_file_is_read_again(tmp_path: Path) -> None:
    """A set whose folder is named like a kind folder (`x/targets/`, holding
    incidents/, targets/, ...): its `sarschema.yaml` is found as a record too."""
    root = tmp_path / "x" / "targets"
    shutil.copytree(_BASE, root)
    version = root / "sarschema.yaml"
    version.write_text('format_version: "1.0"\n')
    paths = [str(tmp_path / "x")]
    watcher = Watcher(paths, today=lambda: TODAY)
    watcher.check()
    version.write_text('format_version: "9.9"\n')
    report = watcher.check(changed={("modified", _as_named(version))})
    assert watcher.walked
    assert _outline(report) == _fresh(paths)


@pytest.mark.parametrize(
    ("save", "walks"),
    [("in place", False), ("temp beside", False), ("temp outside", False), ("vim backup", False)],
)
def test_an_editor_save_with_the_events_the_system_gives(
    tmp_path: Path, save: str, walks: bool
) -> None:
    """The batch the operating system really gives (`os_changes`, through watchfiles)
    for each way editors save: a check of the file saved alone (the temporary and
    backup names the batch also holds are gone again), giving the report of a new run."""
    from sarschema.watch import os_changes

    root = tmp_path / "records"
    shutil.copytree(_BASE, root)
    target = root / "targets" / "journalist-a.yaml"
    data = target.read_bytes() + b"notes2: typo\n"
    watcher = Watcher([str(root)], today=lambda: TODAY)
    watcher.check()
    batches = os_changes([folder for folder, _ in watcher.folders])
    try:
        assert next(batches) == set()  # the first quiet second: the watch is in place
        if save == "in place":
            target.write_bytes(data)
        elif save.startswith("temp"):
            temp = (target.parent if save == "temp beside" else tmp_path) / ".save.tmp"
            temp.write_bytes(data)
            temp.replace(target)
        else:
            backup = Path(f"{target}~")
            target.replace(backup)
            target.write_bytes(data)
            backup.unlink()
        batch = next(batches)
    finally:
        batches.close()
    assert batch
    report = watcher.check(changed=batch)
    assert watcher.walked is walks
    assert any(d.field == "notes2" for d in report.diagnostics)
    assert _outline(report) == _fresh([str(root)])


def test_a_path_through_a_link_and_dotdot_is_watched_where_it_leads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The folders watched are those the walk read (`link/..` resolved by the
    system), and a save there is answered from the events they give."""
    from sarschema.watch import os_changes

    real = tmp_path / "real"
    (real / "sub").mkdir(parents=True)
    shutil.copytree(_BASE, real / "records")
    (tmp_path / "link").symlink_to(real / "sub")
    monkeypatch.chdir(tmp_path)
    watcher = Watcher(["link/../records"], today=lambda: TODAY)
    assert watcher.check().ok
    folders = [folder for folder, _ in watcher.folders]
    assert str(real / "records" / "targets") in folders
    assert all(Path(folder).is_dir() for folder in folders)
    target = real / "records" / "targets" / "journalist-a.yaml"
    batches = os_changes(folders)
    try:
        assert next(batches) == set()
        target.write_bytes(target.read_bytes() + b"notes2: typo\n")
        batch = next(batches)
    finally:
        batches.close()
    report = watcher.check(changed=batch)
    assert not watcher.walked
    assert any(d.field == "notes2" for d in report.diagnostics)
    assert _outline(report) == _fresh(["link/../records"])


def test_a_file_given_through_a_link_and_dotdot_is_awaited_where_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file given, gone for a moment: the folder watched for its return is the
    one it was in, as the system resolves `link/..`."""
    real = tmp_path / "real"
    (real / "sub").mkdir(parents=True)
    shutil.copytree(_BASE, real / "records")
    (tmp_path / "link").symlink_to(real / "sub")
    monkeypatch.chdir(tmp_path)
    given = "link/../records/targets/journalist-a.yaml"
    watcher = Watcher([given], today=lambda: TODAY)
    watcher.check()
    (real / "records" / "targets" / "journalist-a.yaml").unlink()
    report = watcher.check()
    assert [(d.code, d.file) for d in report.diagnostics] == [("SAR026", given)]
    assert [folder for folder, _ in watcher.folders] == [str(real / "records" / "targets")]


def test_events_that_keep_coming_still_give_a_walk_now_and_then(
    base_tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file saved again and again leaves no quiet second: a check walks all the
    same once `WALK_AFTER_S` has passed since the first check without a walk."""
    import sarschema.watch

    watcher = Watcher([str(base_tree)], today=lambda: TODAY)
    watcher.check()
    target = base_tree / "targets" / "journalist-a.yaml"
    batch = {("modified", _as_named(target))}
    clock = [1000.0]
    monkeypatch.setattr(sarschema.watch.time, "monotonic", lambda: clock[0])
    walked = []
    for step in (0.0, 2.0, 2.0, 1.5, 0.1, 4.0, 1.1):
        clock[0] += step
        watcher.check(changed=batch)
        walked.append(watcher.walked)
    # at 0, 2 and 4 s no walk; at 5.5 s a walk; none from 5.6 s until 10.7 s
    assert walked == [False, False, False, True, False, False, True]


def test_what_a_check_needs_is_loaded_before_the_watch_starts(
    base_tree: Path, tmp_path: Path
) -> None:
    """A watch whose first check comes from the cache on disk has built no model: the
    models of the set's version are built before the watch starts, while the first
    report is read, so that the first save is answered as fast as the next."""
    from sarschema.models import record_adapter

    cache = tmp_path / "cache"
    validate_paths([str(base_tree)], today=TODAY, cache=cache, keep_records=False, jobs=1)
    record_adapter.cache_clear()
    built: list[int] = []

    def changes(folders: Sequence[str]) -> Iterator[object]:
        built.append(record_adapter.cache_info().currsize)
        yield set()

    reports = watch_reports([str(base_tree)], today=lambda: TODAY, changes=changes, cache=cache)
    assert next(reports).ok
    built.append(record_adapter.cache_info().currsize)  # the first report, from the disk
    assert next(reports, None) is None
    assert built == [0, 1]


def test_a_change_no_event_named_is_found_by_the_next_quiet_walk(base_tree: Path) -> None:
    """An event the system lost: the check after the next event sees only the file it
    names, and the first quiet second walks and reports the other change."""
    first = base_tree / "targets" / "journalist-a.yaml"
    second = next(p for p in sorted((base_tree / "targets").glob("*.yaml")) if p != first)

    def changes(folders: Sequence[str]) -> Iterator[object]:
        yield set()  # the watch's first quiet second: a walk
        second.write_bytes(second.read_bytes() + b"notes3: lost\n")  # its event is lost
        first.write_bytes(first.read_bytes() + b"notes2: typo\n")
        yield {("modified", _as_named(first))}
        yield set()  # quiet: the walk after a check of named files

    reports = watch_reports([str(base_tree)], today=lambda: TODAY, changes=changes)
    assert next(reports).ok
    named = next(reports)
    assert [d.field for d in named.diagnostics if d.file.endswith(first.name)] == ["notes2"]
    assert not any(d.file.endswith(second.name) for d in named.diagnostics)
    walked = next(reports)
    assert any(d.field == "notes3" and d.file.endswith(second.name) for d in walked.diagnostics)
    assert _said(walked) == run(base_tree, None)
    assert next(reports, None) is None


def test_a_folder_gone_before_its_watch_begins_asks_for_a_walk(tmp_path: Path) -> None:
    from sarschema.watch import os_changes

    batches = os_changes([str(tmp_path / "gone")])
    assert next(batches)
    batches.close()  # type: ignore[attr-defined]


# Faults a reviewer found (each test failed before its mend).


@pytest.mark.parametrize(
    ("relative", "copied"),
    [(False, True), (True, False)],
    ids=["absolute-path-folder-copied", "relative-path-folder-made-and-filled"],
)
def test_a_kind_folder_removed_and_made_again_is_still_watched(
    base_tree: Path, relative: bool, copied: bool
) -> None:
    """`git checkout` may remove a folder and make it again at once, with the same
    name and even the same inode: its old watch is dead, and a new one is needed.
    The events name folders by their absolute path, which a relative path given (the
    default `records`) must match too: it did not, a second review found."""
    targets = base_tree / "targets"
    saved = base_tree.parent / "saved"
    shutil.copytree(targets, saved)
    process = _start("records", cwd=base_tree.parent) if relative else _start(base_tree)
    try:
        assert json.loads(_line(process))["valid"] is True
        time.sleep(0.5)
        shutil.rmtree(targets)
        if copied:
            shutil.copytree(saved, targets)
        else:  # the same inode, most likely
            targets.mkdir()
            for file in saved.iterdir():
                (targets / file.name).write_bytes(file.read_bytes())
        time.sleep(1.5)  # reports on the way, if a walk saw the folder half made
        while _waiting(process):
            json.loads(_line(process))
        target = targets / "journalist-a.yaml"
        _save(target, target.read_bytes() + b"notes2: typo\n")
        _until(process, lambda r: any(d["field"] == "notes2" for d in r["diagnostics"]), 10)
    finally:
        process.kill()
        process.wait()


def test_a_folder_named_with_bytes_not_utf8_is_walked_not_watched(base_tree: Path) -> None:
    """A stranger's folder whose name is not UTF-8 (valid for `validate` with only a
    `.gitkeep`) cannot be given to the operating system's watch: it is walked every
    second instead, and the watch goes on."""
    folder = os.fsencode(base_tree / "targets") + b"/\xff"
    os.mkdir(folder)  # noqa: PTH102 (a name of bytes)
    open(folder + b"/.gitkeep", "wb").close()  # noqa: PTH123
    process = _start(base_tree)
    try:
        assert json.loads(_line(process))["valid"] is True
        time.sleep(0.5)
        open(folder + b"/stray.txt", "wb").close()  # noqa: PTH123
        report = json.loads(_line(process, 10))
        assert report["valid"] is False
        assert any(d["file"].endswith("stray.txt") for d in report["diagnostics"])
        assert process.poll() is None
    finally:
        process.kill()
        process.wait()


def test_memory_stays_flat_over_many_saves(base_tree: Path) -> None:
    """The loader's walk left a reference cycle per file, which the eased collector
    never reached in a process that does not end: memory grew with every save."""
    import gc

    target = base_tree / "targets" / "journalist-a.yaml"
    data = target.read_bytes()
    counts: list[int] = []

    def changes(folders: Sequence[str]) -> Iterator[object]:
        for i in range(600):
            extra = b"notes2: typo\n" if i % 2 else b""  # errors too: their exceptions
            target.write_bytes(data + extra + f"# save {i}\n".encode())
            yield {("modified", str(target))}
            if i in (200, 599):
                counts.append(len(gc.get_objects()))

    for _ in watch_reports([str(base_tree)], today=lambda: TODAY, changes=changes):
        pass
    assert counts[1] - counts[0] < 2_000, counts  # 400 saves later


def test_a_folder_removed_during_the_walk_is_gone_not_an_error(
    base_tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A checkout under way removes a folder between its parent's listing and its own:
    the walk counts it gone (for `validate` too), instead of ending with an error."""
    import sarschema.discovery as discovery

    gone = base_tree / "responses"
    real = os.scandir

    def scandir(path: str) -> Any:
        if isinstance(path, str) and os.path.normpath(path) == str(gone) and gone.exists():
            shutil.rmtree(gone)
        return real(path)

    monkeypatch.setattr(discovery.os, "scandir", scandir)
    report = validate_paths([str(base_tree)], today=TODAY)
    assert not any("responses" in f for f in report.read)
    assert report.files == len(list(_BASE.rglob("*.yaml"))) - len(
        list((_BASE / "responses").glob("*"))
    )


def test_ctrl_c_before_the_first_report_is_no_verdict(tmp_path: Path) -> None:
    """Stopped before any report, the watch says nothing is valid: it ends as
    `validate` does when stopped (130), never with 0."""
    from sarschema import cli

    def interrupted(*args: object, **kwargs: object) -> Iterator[Report]:
        raise KeyboardInterrupt
        yield  # a generator

    import sarschema.watch

    original = sarschema.watch.watch_reports
    sarschema.watch.watch_reports = interrupted  # type: ignore[assignment]
    try:
        sys.argv = ["sarschema", "validate", str(tmp_path), "--watch"]
        with pytest.raises(SystemExit) as stopped:
            cli.main()
    finally:
        sarschema.watch.watch_reports = original
    assert stopped.value.code == 130


def test_a_new_day_gives_a_new_report_without_an_edit(base_tree: Path) -> None:
    """At midnight a record dated the next day stops being in the future."""
    days = [dt.date(2019, 6, 1)]

    def changes(folders: Sequence[str]) -> Iterator[object]:
        yield set()  # the first idle batch walks
        days[0] = dt.date(2026, 1, 1)  # midnight passes; nobody edits a file
        yield set()

    reports = watch_reports([str(base_tree)], today=lambda: days[0], changes=changes)
    assert not next(reports).ok
    assert next(reports).ok


def test_a_file_given_is_reported_gone_while_a_save_removes_it(base_tree: Path) -> None:
    """An editor's save may remove the file for a moment: the watch reports it
    missing (SAR026) and goes on, and the file's next state is reported when it is back."""
    target = base_tree / "targets" / "journalist-a.yaml"
    data = target.read_bytes()

    edits = [target.unlink, lambda: target.write_bytes(data + b"notes2: typo\n")]
    seen: list[list[str]] = []
    reports = watch_reports([str(target)], today=lambda: TODAY, changes=_scripted(edits, seen))
    first = next(reports)
    missing = next(reports)
    assert [(d.code, d.file) for d in missing.diagnostics] == [("SAR026", str(target))]
    back = next(reports)
    assert any(d.field == "notes2" for d in back.diagnostics)
    assert back.errors == first.errors + 1
    assert str(target.parent) in seen[1]  # while it was gone, its folder was watched


def test_a_system_that_refuses_more_watches_is_polled(monkeypatch: pytest.MonkeyPatch) -> None:
    """inotify's limit reached: the same folders are polled, a second apart."""
    import watchfiles

    from sarschema.watch import IDLE_MS, os_changes

    calls: list[dict[str, Any]] = []

    def watch(*folders: str, **options: Any) -> Iterator[set[tuple[str, str]]]:
        calls.append({"folders": folders, **options})
        if not options["force_polling"]:
            raise OSError(28, "OS file watch limit reached")
        yield {("modified", folders[0])}

    monkeypatch.setattr(watchfiles, "watch", watch)
    batches = os_changes(["a", "b"])
    assert next(batches) == {("modified", "a")}
    assert [c["force_polling"] for c in calls] == [None, True]
    assert calls[1]["folders"] == ("a", "b") and calls[1]["poll_delay_ms"] == IDLE_MS
    assert all(c["recursive"] is False for c in calls)


def test_the_first_check_reads_the_cache_on_disk_and_leaves_it_warm(
    base_tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A watch starts as a warm `validate` does, and leaves the cache warm for the
    next one; its later checks keep to memory."""
    import sarschema.runner

    checked: list[str] = []
    real = sarschema.runner.run

    def counting(files: Sequence[Any], *args: Any, **kwargs: Any) -> Any:
        checked.extend(Path(f.label).name for f in files)
        return real(files, *args, **kwargs)

    def said_by(watcher: Watcher) -> list[tuple[str, str, int | None]]:
        """The watcher's report, the files it checked counted on the way."""
        checked.clear()
        monkeypatch.setattr(sarschema.runner, "run", counting)
        try:
            return _said(watcher.check())
        finally:
            monkeypatch.setattr(sarschema.runner, "run", real)

    cache = tmp_path / "cache"
    _age(base_tree, 60)
    cold = run(base_tree, None)
    assert said_by(Watcher([str(base_tree)], today=lambda: TODAY, cache=cache)) == cold
    assert len(checked) == len(list(base_tree.rglob("*.yaml")))  # a cold cache: all
    watcher = Watcher([str(base_tree)], today=lambda: TODAY, cache=cache)
    assert said_by(watcher) == cold
    assert checked == []  # every result from the disk
    target = base_tree / "targets" / "journalist-a.yaml"
    target.write_bytes(target.read_bytes() + b"notes2: typo\n")
    cold = run(base_tree, None)
    assert said_by(watcher) == cold
    assert checked == ["journalist-a.yaml"]
    assert said_by(watcher) == cold
    assert checked == []


# Faults a second review found.


def test_a_file_the_cache_cannot_store_gives_no_second_report(
    base_tree: Path, tmp_path: Path
) -> None:
    """A name that is not UTF-8 cannot go into SQLite: the watch's first check kept
    no row of it in memory either, and its next check gave the same report again."""
    source = base_tree / "targets" / "journalist-b.yaml"
    odd = os.fsencode(base_tree / "targets") + b"/caf\xe9.yaml"
    Path(os.fsdecode(odd)).write_bytes(source.read_bytes())
    reports = watch_reports(
        [str(base_tree)],
        today=lambda: TODAY,
        cache=tmp_path / "cache",
        changes=lambda folders: iter([set(), set()]),
    )
    first = next(reports)
    assert any("caf" in d.file for d in first.diagnostics)  # reported, as a stray name
    assert next(reports, None) is None  # nothing changed: nothing more to say


def test_a_watch_started_anew_walks_at_its_first_quiet_second(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What changed while the watch was started again (after a name watchfiles
    cannot decode) is seen by a walk, as at the watch's start."""
    import watchfiles

    from sarschema.watch import os_changes

    calls = []

    def watch(*folders: str, **options: Any) -> Iterator[set[tuple[str, str]]]:
        calls.append(folders)
        if len(calls) == 1:
            raise RuntimeError("Unable to decode path")
        yield set()
        yield set()

    monkeypatch.setattr(watchfiles, "watch", watch)
    batches = os_changes(["a"])
    assert next(batches)  # the error: walk
    assert next(batches)  # the new watch's first quiet second: walk again
    assert next(batches) == set()  # then quiet
