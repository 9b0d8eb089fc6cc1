"""The per-file cache: same answers as a cold run, never hiding an error."""

from __future__ import annotations

import datetime as dt
import json
import os
import pickle
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sarschema.api import validate_paths
from sarschema.cache import CACHE_FILE, Cache, cache_folder

TODAY = dt.date(2026, 1, 1)


def run(
    root: Path, cache: Path | None, today: dt.date = TODAY
) -> list[tuple[str, str, int | None]]:
    report = validate_paths([str(root)], keep_records=False, cache=cache, today=today)
    return [(d.code, Path(d.file).name, d.line) for d in report.diagnostics]


def test_warm_run_equals_cold_run(base_tree: Path, tmp_path: Path) -> None:
    incident = base_tree / "incidents" / "journalist-a-2020.yaml"
    incident.write_text(incident.read_text().replace("status: infected", "status: infectd"))
    cold = run(base_tree, tmp_path / "none-yet")
    assert ("SAR103", "journalist-a-2020.yaml", 14) in cold
    cache = tmp_path / "cache"
    first = run(base_tree, cache)
    assert (cache / CACHE_FILE).is_file()
    assert run(base_tree, cache) == first == cold


def test_a_changed_file_is_checked_again(base_tree: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    assert run(base_tree, cache) == []
    target = base_tree / "targets" / "journalist-b.yaml"
    target.write_text(target.read_text().replace("type: person", "type: human"))
    assert ("SAR103", "journalist-b.yaml", 5) in run(base_tree, cache)


def test_a_removed_reference_target_is_noticed_by_unchanged_files(
    base_tree: Path, tmp_path: Path
) -> None:
    """The rules across records run every time, on cached summaries too."""
    cache = tmp_path / "cache"
    assert run(base_tree, cache) == []
    (base_tree / "targets" / "journalist-b.yaml").unlink()
    warm = run(base_tree, cache)
    assert ("SAR201", "journalist-a-2020.yaml", 9) in warm
    assert ("SAR201", "journalist-a.yaml", 15) in warm


def test_cache_is_keyed_by_date(base_tree: Path, tmp_path: Path) -> None:
    """A date in the future today is not in the future next year: no stale verdict."""
    denial = base_tree / "responses" / "denial-a.yaml"
    denial.write_text(denial.read_text().replace("date: 2021-07-19", "date: 2026-06"))
    cache = tmp_path / "cache"
    assert ("SAR126", "denial-a.yaml", 6) in run(base_tree, cache, TODAY)
    assert run(base_tree, cache, dt.date(2026, 7, 1)) == []


def test_a_damaged_cache_is_ignored(base_tree: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / CACHE_FILE).write_bytes(b"\x80\x05not a database at all" * 100)
    assert run(base_tree, cache) == []
    assert Cache(cache, TODAY).rows  # rewritten, and usable again


def test_the_cache_keeps_only_the_current_files(base_tree: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    run(base_tree, cache)
    assert len(Cache(cache, TODAY).rows) == 8
    (base_tree / "responses" / "call-a.yaml").unlink()
    run(base_tree, cache)
    assert len(Cache(cache, TODAY).rows) == 7


# --- The checkout is a stranger's: its state is never trusted or written ---------


def _snapshot(root: Path) -> dict[str, tuple[int, int, bytes]]:
    """Every path under `root` (hidden ones too) with its mode, mtime and content."""
    out = {}
    for path in sorted(root.rglob("*")):
        info = path.lstat()
        content = path.read_bytes() if path.is_file() and not path.is_symlink() else b""
        out[str(path.relative_to(root))] = (info.st_mode, info.st_mtime_ns, content)
    return out


def _cli(checkout: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sarschema", *args],
        cwd=checkout,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def checkout(tmp_path: Path, base_tree: Path) -> Path:
    """A contributor's branch: a repository with the base records in records/."""
    repo = tmp_path / "branch"
    repo.mkdir()
    (repo / ".git").mkdir()
    shutil.move(str(base_tree), repo / "records")
    return repo


def test_a_committed_pickle_cache_is_never_unpickled(checkout: Path, tmp_path: Path) -> None:
    marker = tmp_path / "code-ran"

    class Evil:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (os.system, (f"touch {marker}",))

    for name in (".sarschema-cache/results.pickle", ".sarschema-cache/results.json"):
        (checkout / name).parent.mkdir(exist_ok=True)
        (checkout / name).write_bytes(pickle.dumps(Evil()))
    done = _cli(checkout, "validate")
    assert done.returncode == 0, done.stdout + done.stderr
    assert not marker.exists()


def test_a_committed_cache_cannot_forge_a_verdict(checkout: Path) -> None:
    """A cache in the branch marking every file clean changes nothing: it is not read."""
    target = checkout / "records" / "targets" / "journalist-b.yaml"
    assert _cli(checkout, "validate").returncode == 0  # a warm user cache, all clean
    target.write_text(target.read_text().replace("Journalist B", "Journalist B +44 20 7946 0958"))
    forged = {"salt": "x", "entries": {}}
    for folder in (".sarschema-cache", "records/.sarschema-cache"):
        (checkout / folder).mkdir(exist_ok=True)
        (checkout / folder / "results.json").write_text(json.dumps(forged))
    done = _cli(checkout, "validate", "--format", "json")
    assert done.returncode == 1
    codes = {d["code"] for d in json.loads(done.stdout)["diagnostics"]}
    assert "SAR300" in codes
    assert "SAR029" in codes  # the planted folder under records/ is reported, not read


def test_validate_leaves_the_checkout_byte_for_byte(checkout: Path, _user_cache: Path) -> None:
    before = _snapshot(checkout)
    for args in (("validate",), ("validate", "records"), ("validate", "--format", "github")):
        assert _cli(checkout, *args).returncode == 0
    assert _snapshot(checkout) == before
    assert list(_user_cache.rglob(CACHE_FILE))  # the cache went to the user's folder


def test_the_cache_folder_is_per_repository_and_outside_it(checkout: Path, tmp_path: Path) -> None:
    inner = checkout / "records" / "targets"
    assert cache_folder(inner) == cache_folder(checkout)  # keyed by the repository root
    other = tmp_path / "other"
    (other / ".git").mkdir(parents=True)
    assert cache_folder(other) != cache_folder(checkout)
    alias = tmp_path / "alias"
    alias.symlink_to(checkout, target_is_directory=True)
    assert cache_folder(alias) == cache_folder(checkout)  # by its real path
    assert checkout not in cache_folder(checkout).parents


def test_cache_writes_never_follow_links(base_tree: Path, tmp_path: Path) -> None:
    outside = tmp_path / "precious.txt"
    outside.write_text("keep me\n")
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / CACHE_FILE).symlink_to(outside)
    assert run(base_tree, cache) == []
    assert outside.read_text() == "keep me\n"
    assert not (cache / CACHE_FILE).is_symlink()
    assert [p.name for p in cache.iterdir()] == [CACHE_FILE]  # no journal left over


def test_a_link_to_a_fifo_as_the_cache_does_not_block(base_tree: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    (cache / CACHE_FILE).symlink_to(fifo)
    started = time.perf_counter()
    assert run(base_tree, cache) == []
    assert time.perf_counter() - started < 10  # a hang guard


def _age(root: Path, seconds: int = 60) -> None:
    """Every file last modified a while ago, as in a checkout one works in."""
    past = time.time() - seconds
    for path in root.rglob("*.yaml"):
        os.utime(path, (past, past))


def _reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    import sarschema.cache

    read: list[str] = []
    real = sarschema.cache.read_regular

    def counting(path: Path | str, limit: int) -> bytes:
        if Path(path).suffix == ".yaml":
            read.append(Path(path).name)
        return real(path, limit)

    monkeypatch.setattr(sarschema.cache, "read_regular", counting)
    return read


def test_unchanged_files_are_not_read_again(
    base_tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A warm run knows unchanged files by their stat (size, times, inode), as git
    does, and reads only the file that changed."""
    _age(base_tree)
    cache = tmp_path / "cache"
    first = run(base_tree, cache)
    reads = _reads(monkeypatch)
    assert run(base_tree, cache) == first
    assert reads == []
    target = base_tree / "targets" / "journalist-b.yaml"
    target.write_text(target.read_text().replace("type: person", "type: human"))
    reads.clear()
    assert ("SAR103", "journalist-b.yaml", 5) in run(base_tree, cache)
    assert reads == ["journalist-b.yaml"]


def test_a_change_that_keeps_size_and_modification_time_is_seen(
    base_tree: Path, tmp_path: Path
) -> None:
    """Same size, modification time set back: the change time still differs."""
    _age(base_tree)
    cache = tmp_path / "cache"
    assert run(base_tree, cache) == []
    target = base_tree / "targets" / "journalist-b.yaml"
    before = target.stat()
    text = target.read_text()
    assert "type: person" in text
    target.write_text(text.replace("type: person", "type: persox"))
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert target.stat().st_size == before.st_size
    assert ("SAR103", "journalist-b.yaml", 5) in run(base_tree, cache)


def test_a_file_changed_just_before_the_cache_was_written_is_hashed(
    base_tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Racily clean: a file modified within a second of the cache being written may
    change again within the same time stamp, so its stat proves nothing."""
    _age(base_tree, 0)  # the files were written a moment ago
    cache = tmp_path / "cache"
    run(base_tree, cache)
    reads = _reads(monkeypatch)
    run(base_tree, cache)
    assert len(reads) == len(list(base_tree.rglob("*.yaml")))


def test_summaries_keep_no_container_of_their_own_for_what_is_empty(
    base_tree: Path, tmp_path: Path
) -> None:
    """Validation keeps every file's summary to the end (about 2 KB each, 300 MB at
    100,000 files). What most records leave empty (products, links, the texts of a
    broken record) is the one empty tuple, however the summary came: checked here,
    sent back from a worker (pickled), or read from the cache."""
    empty: tuple[()] = ()
    cache = tmp_path / "cache"
    cold = validate_paths([str(base_tree)], keep_records=False, cache=cache, today=TODAY)
    warm = validate_paths([str(base_tree)], keep_records=False, cache=cache, today=TODAY)
    sent = [pickle.loads(pickle.dumps(s)) for s in cold.summaries]
    for summaries in (cold.summaries, warm.summaries, sent):
        plain = [s for s in summaries if s.valid and s.kind == "target"]
        assert plain
        for summary in plain:
            assert summary.loose_refs is empty and summary.products is empty
    # A broken record still lists its texts, as references it may make.
    target = base_tree / "targets" / "journalist-a.yaml"
    target.write_text(target.read_text().replace("type: person", "type: persn"))
    broken = validate_paths([str(base_tree)], keep_records=False, today=TODAY)
    (summary,) = [s for s in broken.summaries if s.file.endswith("journalist-a.yaml")]
    assert not summary.valid and "journalist-a" in summary.loose_refs
    assert list(summary.loose_refs) == sorted(summary.loose_refs)


# --- The database: one row per file, only the changed ones written -----------------


def _rows(cache: Path) -> dict[str, tuple[str, int]]:
    """Each file's name with its row's key and the time the row was written."""
    return {
        Path(label).name: (key, written)
        for label, *_, key, written, _ in Cache(cache, TODAY).rows.values()
    }


def test_a_warm_run_writes_only_the_rows_of_changed_files(base_tree: Path, tmp_path: Path) -> None:
    _age(base_tree)
    cache = tmp_path / "cache"
    run(base_tree, cache)
    before = _rows(cache)
    target = base_tree / "targets" / "journalist-b.yaml"
    target.write_text(target.read_text().replace("type: person", "type: human"))
    assert ("SAR103", "journalist-b.yaml", 5) in run(base_tree, cache)
    after = _rows(cache)
    assert after.keys() == before.keys()
    changed = {name for name in after if after[name] != before[name]}
    assert changed == {"journalist-b.yaml"}
    assert after["journalist-b.yaml"][0] != before["journalist-b.yaml"][0]  # a new key


def test_a_damaged_row_has_every_file_checked_again(base_tree: Path, tmp_path: Path) -> None:
    import sqlite3

    incident = base_tree / "incidents" / "journalist-a-2020.yaml"
    incident.write_text(incident.read_text().replace("status: infected", "status: infectd"))
    _age(base_tree)
    cache = tmp_path / "cache"
    cold = run(base_tree, cache)
    assert ("SAR103", "journalist-a-2020.yaml", 14) in cold
    for damage in ('{"not": "a result"}', "[[], [", "1], [2"):
        with sqlite3.connect(cache / CACHE_FILE) as db:
            db.execute(
                "UPDATE files SET result = ? WHERE label LIKE '%journalist-b.yaml'", (damage,)
            )
        assert run(base_tree, cache) == cold
        assert run(base_tree, cache) == cold  # and the rows are whole again


def test_a_file_name_sqlite_cannot_store_is_checked_every_run(
    base_tree: Path, tmp_path: Path
) -> None:
    """A name that is not UTF-8 (lone surrogates in Python) is never a reason to lose
    the cache, nor the file's verdict."""
    odd = Path(os.fsdecode(os.fsencode(base_tree / "targets") + b"/caf\xe9.yaml"))
    odd.write_bytes((base_tree / "targets" / "journalist-b.yaml").read_bytes())
    _age(base_tree)
    cache = tmp_path / "cache"
    cold = run(base_tree, tmp_path / "none")
    assert any(name.startswith("caf") for _, name, _ in cold)
    assert run(base_tree, cache) == cold
    assert run(base_tree, cache) == cold
    assert len(Cache(cache, TODAY).rows) == 8  # every other file is cached


def test_a_busy_cache_costs_time_not_verdicts(
    base_tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another run holding the database: this run checks the files itself."""
    import sqlite3

    import sarschema.cache

    monkeypatch.setattr(sarschema.cache, "_BUSY_SECONDS", 0.05)
    cache = tmp_path / "cache"
    assert run(base_tree, cache) == []
    target = base_tree / "targets" / "journalist-b.yaml"
    target.write_text(target.read_text().replace("type: person", "type: human"))
    other = sqlite3.connect(cache / CACHE_FILE, isolation_level=None)
    try:
        for lock in ("IMMEDIATE", "EXCLUSIVE"):  # no writing; then no reading either
            other.execute(f"BEGIN {lock}")
            assert ("SAR103", "journalist-b.yaml", 5) in run(base_tree, cache)
            other.execute("ROLLBACK")
    finally:
        other.close()
    assert ("SAR103", "journalist-b.yaml", 5) in run(base_tree, cache)


def test_the_former_json_cache_is_removed(base_tree: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "results.json").write_text('{"salt": "old", "entries": {}}')
    assert run(base_tree, cache) == []
    assert [p.name for p in cache.iterdir()] == [CACHE_FILE]


# --- Faults a review found: each a verdict, a crash or a hang ----------------------


def test_a_file_saved_while_it_is_checked_keeps_no_stale_result(
    base_tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The row's key is of the very bytes checked: an editor saving between the
    cache's look and the check cannot file one content's result under another's key."""
    import sarschema.runner

    cache = tmp_path / "cache"
    target = base_tree / "targets" / "journalist-b.yaml"
    good = target.read_text()
    bad = good.replace("type: person", "type: human") + "# edited\n"
    assert run(base_tree, cache) == []
    target.write_text(bad)
    real = sarschema.runner.run

    def saved_meanwhile(*args: object, **kwargs: object) -> object:
        target.write_text(good)  # the check reads this, not what the cache looked at
        return real(*args, **kwargs)

    monkeypatch.setattr(sarschema.runner, "run", saved_meanwhile)
    assert run(base_tree, cache) == []
    monkeypatch.setattr(sarschema.runner, "run", real)
    target.write_text(bad)
    assert ("SAR103", "journalist-b.yaml", 5) in run(base_tree, cache)


def test_a_time_stamp_past_2262_is_not_cached_and_breaks_nothing(
    base_tree: Path, tmp_path: Path
) -> None:
    """SQLite's integers are 64 bits: nanoseconds past 2262 do not fit."""
    target = base_tree / "targets" / "journalist-b.yaml"
    far = 10_000_000_000  # 2286
    os.utime(target, (far, far))
    cache = tmp_path / "cache"
    assert run(base_tree, cache) == []
    assert run(base_tree, cache) == []
    assert "journalist-b.yaml" not in _rows(cache)
    assert len(Cache(cache, TODAY).rows) == 7


def test_a_busy_cache_is_never_replaced(
    base_tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    import sarschema.cache

    monkeypatch.setattr(sarschema.cache, "_BUSY_SECONDS", 0.05)
    cache = tmp_path / "cache"
    run(base_tree, cache)
    inode = (cache / CACHE_FILE).stat().st_ino
    other = sqlite3.connect(cache / CACHE_FILE, isolation_level=None)
    try:
        other.execute("BEGIN EXCLUSIVE")
        assert run(base_tree, cache) == []
        assert (cache / CACHE_FILE).stat().st_ino == inode  # still the other run's
        other.execute("INSERT INTO meta VALUES ('other', 'run')")
        other.execute("COMMIT")
    finally:
        other.close()
    assert run(base_tree, cache) == []


@pytest.mark.parametrize(
    "tamper",
    [
        # a view in the place of a table: it would run with the query that reads it
        "DROP TABLE meta; CREATE VIEW meta (name, value) AS WITH RECURSIVE n(i) AS "
        "(SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000000) SELECT printf('n%d', i), i FROM n",
        "CREATE TRIGGER forge AFTER INSERT ON files BEGIN "
        "UPDATE files SET result = '[[], []]' WHERE label = NEW.label; END",
        "UPDATE files SET written_ns = 'soon'",
        "UPDATE files SET result = '[[], [[1], null]]'",
        "DROP TABLE files",
    ],
)
def test_a_database_not_as_written_is_replaced(
    base_tree: Path, tmp_path: Path, tamper: str
) -> None:
    """Anything besides the cache's own tables and typed rows (a view, a trigger, a
    value of the wrong type, a result of the wrong shape) is not used: the database
    is made again, and the verdicts are a cold run's."""
    import sqlite3

    incident = base_tree / "incidents" / "journalist-a-2020.yaml"
    incident.write_text(incident.read_text().replace("status: infected", "status: infectd"))
    _age(base_tree)
    cache = tmp_path / "cache"
    cold = run(base_tree, cache)
    with sqlite3.connect(cache / CACHE_FILE) as db:
        db.executescript(tamper)
    started = time.perf_counter()
    assert run(base_tree, cache) == cold
    assert run(base_tree, cache) == cold
    assert time.perf_counter() - started < 10  # a hang guard
    with sqlite3.connect(cache / CACHE_FILE) as db:
        kinds = db.execute("SELECT type, name FROM sqlite_master ORDER BY name").fetchall()
    assert {kind for kind, _ in kinds} == {"table", "index"}
    assert {name for kind, name in kinds if kind == "table"} == {"files", "meta"}
    assert len(Cache(cache, TODAY).rows) == 8


def test_a_cache_folder_that_is_a_link_is_not_used(base_tree: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "results.json").write_text("someone else's\n")
    (elsewhere / CACHE_FILE).write_text("someone else's\n")
    cache = tmp_path / "cache"
    cache.symlink_to(elsewhere, target_is_directory=True)
    assert run(base_tree, cache) == []
    assert run(base_tree, cache) == []
    assert sorted(p.name for p in elsewhere.iterdir()) == ["results.json", CACHE_FILE]
    assert (elsewhere / CACHE_FILE).read_text() == "someone else's\n"


# --- The promise itself, on random histories ---------------------------------------

_BASE = Path(__file__).resolve().parent / "cases" / "_base" / "records"
_OPERATIONS = st.sampled_from(
    ["line", "char", "same-size", "copy", "rename", "delete", "empty", "new", "touch", "age"]
)


def _step(root: Path, operation: str, pick: int, texts: list[bytes]) -> None:
    """One edit of a contributor's (or of a broken editor's) to the record tree."""
    records = sorted(p for p in root.rglob("*.yaml") if p.name != "sarschema.yaml")
    if not records:
        operation = "new"
    path = records[pick % len(records)] if records else root / "targets" / "x.yaml"
    other = records[(pick // 7) % len(records)] if records else path
    data = path.read_bytes() if path.exists() else b""
    lines = b"".join(texts).split(b"\n")
    if operation == "line" and data:
        mine = data.split(b"\n")
        mine[pick % len(mine)] = lines[pick % len(lines)]
        path.write_bytes(b"\n".join(mine))
    elif operation in ("char", "same-size") and data:
        before = path.stat()
        changed = bytearray(data)
        changed[pick % len(changed)] = b"az09: -\n"[pick % 8]
        path.write_bytes(bytes(changed))
        if operation == "same-size":  # the modification time set back, as some tools do
            os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    elif operation == "copy" and other != path:
        path.write_bytes(other.read_bytes())
    elif operation == "rename" and other != path:
        path.replace(other)
    elif operation == "delete":
        path.unlink()
    elif operation == "empty":
        path.write_bytes(b"")
    elif operation == "new":
        kind = ("incidents", "operators", "responses", "targets")[pick % 4]
        (root / kind / f"new-{pick % 3}.yaml").write_bytes(texts[pick % len(texts)])
    elif operation == "touch":
        os.utime(path)
    elif operation == "age":
        _age(root, 5 + pick % 50)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(_OPERATIONS, st.integers(0, 10_000)), min_size=1, max_size=6))
def test_a_warm_run_always_equals_a_cold_run(steps: list[tuple[str, int]]) -> None:
    """Whatever happens to the files between runs, the cache changes no verdict."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "records"
        shutil.copytree(_BASE, root)
        texts = [p.read_bytes() for p in sorted(_BASE.rglob("*.yaml"))]
        cache = Path(folder) / "cache"
        _age(root, 60)
        run(root, cache)
        for operation, pick in steps:
            _step(root, operation, pick, texts)
            cold = run(root, None)
            assert run(root, cache) == cold, (operation, pick)
            assert run(root, cache) == cold, (operation, pick)


def test_runs_at_once_share_the_cache(checkout: Path, _user_cache: Path) -> None:
    """Four runs at once on one cache (a contributor's editor, a pre-commit hook,
    a terminal...): each gives the same report, and the cache is whole afterwards."""
    target = checkout / "records" / "targets" / "journalist-b.yaml"
    target.write_text(target.read_text().replace("type: person", "type: human"))
    command = [sys.executable, "-m", "sarschema", "validate", "--format", "json"]
    for _ in range(2):  # a cold cache, then a warm one
        runs = [
            subprocess.Popen(command, cwd=checkout, stdout=subprocess.PIPE, text=True)
            for _ in range(4)
        ]
        outputs = [run.communicate(timeout=120)[0] for run in runs]
        assert [run.returncode for run in runs] == [1, 1, 1, 1]
        assert len(set(outputs)) == 1
        codes = {d["code"] for d in json.loads(outputs[0])["diagnostics"]}
        assert "SAR103" in codes
    (database,) = _user_cache.rglob(CACHE_FILE)
    assert len(Cache(database.parent, dt.datetime.now(dt.UTC).date()).rows) == 8
