"""`sarschema migrate`: certain changes only, byte for byte; notes for a person;
idempotent; `--check`; refusal of a set that is not valid in its own version."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from sarschema.api import validate_paths
from sarschema.cli import app
from sarschema.errors import UsageError
from sarschema.migrate import plan

runner = CliRunner()

# A lawyer's record whose link back to the client is 1.0's `associate`, written the
# ways people write YAML: comments everywhere, a flow mapping, quotes, CRLF endings.
LAWYER = (
    "# A lawyer who represented Journalist B.\r\n"
    "id: lawyer-a   # the file name\r\n"
    "kind: target\r\n"
    "name: 'Lawyer A'\r\n"
    "visibility: pseudonymous\r\n"
    "type: person\r\n"
    "roles: [lawyer]\r\n"
    "related:\r\n"
    "  - {target: journalist-b, relation: associate}  # 1.0 had no word for a client\r\n"
    '  - target: journalist-a\r\n    relation: "associate"\r\n'
    "sources:\r\n"
    '  - title: "Example report: journalists on a leaked list"\r\n'
    "    publisher: Example Rights Group\r\n"
    "    published: 2021-07-18\r\n"
    "    language: en\r\n"
    "    url: https://example.org/reports/leaked-list\r\n"
    "notes: >\r\n"
    "  Former adviser; recorded at the time of the report.\r\n"
)


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


@pytest.fixture
def old_set(base_tree: Path) -> Path:
    """The base set (1.0: no sarschema.yaml) with a lawyer named by two clients."""
    (base_tree / "targets" / "lawyer-a.yaml").write_bytes(LAWYER.encode())
    for client in ("journalist-a", "journalist-b"):
        path = base_tree / "targets" / f"{client}.yaml"
        text = path.read_text(encoding="utf-8")
        entry = "  - target: lawyer-a\n    relation: lawyer\n"
        if "related:\n" in text:
            text = text.replace("related:\n", "related:\n" + entry)
        else:
            text = text.replace("sources:\n", "related:\n" + entry + "sources:\n", 1)
        path.write_text(text, encoding="utf-8")
    report = validate_paths([str(base_tree)])
    assert report.ok, report.diagnostics
    assert [(s.version, s.declared_in) for s in report.sets] == [("1.0", None)]
    return base_tree


def test_check_lists_the_files_that_would_change_and_exits_1(old_set: Path) -> None:
    before = snapshot(old_set)
    result = runner.invoke(app, ["migrate", str(old_set), "--check"])
    assert result.exit_code == 1, result.output
    assert f"would change: {old_set}/sarschema.yaml" in result.output
    assert f"would change: {old_set}/targets/lawyer-a.yaml" in result.output
    assert "note(s) would be left for a person" in result.output  # a preview of the notes
    assert f"{old_set}/targets/lawyer-a.yaml:7:" in result.output
    assert snapshot(old_set) == before  # --check writes nothing


def test_migrate_writes_only_what_is_certain_byte_for_byte(old_set: Path) -> None:
    before = snapshot(old_set)
    result = runner.invoke(app, ["migrate", str(old_set)])
    assert result.exit_code == 0, result.output
    after = snapshot(old_set)
    assert set(after) == {*before, "sarschema.yaml"}
    assert b'format_version: "1.1"\n' in after["sarschema.yaml"]
    changed = {name for name in before if before[name] != after[name]}
    assert changed == {"targets/lawyer-a.yaml"}
    # Exactly the two values, their quoting, the comments and CRLF endings kept.
    expected = LAWYER.replace("relation: associate}", "relation: client}").replace(
        'relation: "associate"', 'relation: "client"'
    )
    assert after["targets/lawyer-a.yaml"] == expected.encode()
    report = validate_paths([str(old_set)])
    assert report.ok, report.diagnostics
    assert [(s.version, s.declared_in) for s in report.sets] == [
        ("1.1", f"{old_set}/sarschema.yaml")
    ]


def test_a_second_run_changes_nothing(old_set: Path) -> None:
    assert runner.invoke(app, ["migrate", str(old_set)]).exit_code == 0
    migrated = snapshot(old_set)
    again = runner.invoke(app, ["migrate", str(old_set)])
    assert again.exit_code == 0
    assert "already in format 1.1; nothing to do" in again.output
    assert snapshot(old_set) == migrated
    check = runner.invoke(app, ["migrate", str(old_set), "--check"])
    assert check.exit_code == 0, check.output
    assert "would change" not in check.output


def test_an_invalid_set_is_refused_untouched(old_set: Path) -> None:
    path = old_set / "incidents" / "journalist-a-2020.yaml"
    path.write_text(path.read_text().replace("status: infected", "status: hacked"))
    before = snapshot(old_set)
    result = runner.invoke(app, ["migrate", str(old_set)])
    assert result.exit_code == 1
    assert "SAR103" in result.output
    assert "migrate refused" in result.output
    assert snapshot(old_set) == before
    assert runner.invoke(app, ["migrate", str(old_set), "--check"]).exit_code == 1


def test_notes_name_file_line_and_what_to_decide(old_set: Path) -> None:
    incident = old_set / "incidents" / "journalist-a-2020.yaml"
    incident.write_text(
        incident.read_text()
        .replace(
            "date: 2020-03\n",
            "date: 2020-03\nnotes: The date is the month of the report, an upper bound.\n",
        )
        .replace("was infected with Spyware A", "was likely infected with Spyware A")
    )
    call = old_set / "responses" / "call-a.yaml"
    call.write_text(
        call.read_text().replace(
            "about:\n  targets: [journalist-a, journalist-b]", "about:\n  operators: [vendor-a]"
        )
    )
    found = plan([old_set])
    notes = {(Path(n.file).name, n.field, n.line) for n in found.notes}
    assert ("journalist-a-2020.yaml", "summary", 4) in notes  # a hedge: certainty?
    assert ("journalist-a-2020.yaml", "date", 7) in notes  # a report's date: revealed?
    assert ("lawyer-a.yaml", "roles", 7) in notes  # "former", "at the time": held?
    assert ("call-a.yaml", "about.operators", 13) in notes  # a vendor only: product?
    assert all(n.file.startswith(str(old_set)) for n in found.notes)
    result = runner.invoke(app, ["migrate", str(old_set)])
    assert f"{old_set}/responses/call-a.yaml:13:" in result.output
    assert "nothing was changed for these" in result.output
    assert "about.products" in result.output
    # Notes change nothing: only the version file and the certain values.
    assert "operators: [vendor-a]" in call.read_text()


def test_a_technical_report_about_an_incident_suggests_its_revelation(old_set: Path) -> None:
    call = old_set / "responses" / "call-a.yaml"
    call.write_text(
        call.read_text()
        .replace("type: call-to-action", "type: technical-report")
        .replace(
            "about:\n  targets: [journalist-a, journalist-b]",
            "about:\n  incidents: [journalist-a-2020]",
        )
    )
    notes = [n for n in plan([old_set]).notes if n.file.endswith("journalist-a-2020.yaml")]
    assert [(n.field, n.line) for n in notes] == [("date", 7)]
    assert "technical report call-a (2021-07-26)" in notes[0].text
    assert "revealed: 2021-07-26" in notes[0].text


def test_a_stated_1_0_is_rewritten_in_place_with_its_comments(old_set: Path) -> None:
    version = old_set / "sarschema.yaml"
    version.write_bytes(b"# ours\nformat_version: '1.0'  # pinned\n")
    assert runner.invoke(app, ["migrate", str(old_set)]).exit_code == 0
    assert version.read_bytes() == b"# ours\nformat_version: '1.1'  # pinned\n"


def test_a_kind_folder_migrates_its_whole_set(old_set: Path) -> None:
    assert runner.invoke(app, ["migrate", str(old_set / "targets")]).exit_code == 0
    assert (old_set / "sarschema.yaml").is_file()
    assert not (old_set / "targets" / "sarschema.yaml").exists()


def test_no_move_back_and_no_unknown_version(old_set: Path) -> None:
    assert runner.invoke(app, ["migrate", str(old_set)]).exit_code == 0
    back = runner.invoke(app, ["migrate", str(old_set), "--to", "1.0"])
    assert isinstance(back.exception, UsageError)
    assert "does not move a set back" in str(back.exception)
    unknown = runner.invoke(app, ["migrate", str(old_set), "--to", "9.9"])
    assert isinstance(unknown.exception, UsageError)


def test_migrating_to_the_same_version_is_a_no_op(base_tree: Path) -> None:
    before = snapshot(base_tree)
    result = runner.invoke(app, ["migrate", str(base_tree), "--to", "1.0", "--check"])
    assert result.exit_code == 0
    assert snapshot(base_tree) == before


def test_a_planted_link_as_version_file_is_refused(old_set: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text('format_version: "1.0"\n')
    (old_set / "sarschema.yaml").symlink_to(outside)
    result = runner.invoke(app, ["migrate", str(old_set)])
    assert result.exit_code == 1
    assert "SAR023" in result.output
    assert outside.read_text() == 'format_version: "1.0"\n'


def test_the_shipped_records_are_in_the_newest_format() -> None:
    root = Path(__file__).resolve().parent.parent / "records"
    result = runner.invoke(app, ["migrate", str(root), "--check"])
    assert result.exit_code == 0, result.output


def test_new_points_editors_at_the_schema_of_the_sets_version(old_set: Path) -> None:
    runner.invoke(app, ["new", "target", "person-y", "--records", str(old_set)])
    first = (old_set / "targets" / "person-y.yaml").read_text().splitlines()[0]
    assert first.endswith("$schema=../../schema/target.schema.json")  # 1.0: as published
    assert runner.invoke(app, ["migrate", str(old_set)]).exit_code == 1  # a blank record
    (old_set / "targets" / "person-y.yaml").unlink()
    assert runner.invoke(app, ["migrate", str(old_set)]).exit_code == 0
    runner.invoke(app, ["new", "target", "person-z", "--records", str(old_set)])
    first = (old_set / "targets" / "person-z.yaml").read_text().splitlines()[0]
    assert first.endswith("$schema=../../schema/1.1/target.schema.json")


def test_the_editor_modeline_of_new_moves_to_the_new_schema(old_set: Path) -> None:
    runner.invoke(app, ["new", "target", "person-y", "--records", str(old_set)])
    path = old_set / "targets" / "person-y.yaml"
    modeline = path.read_text().splitlines()[0]
    assert modeline.endswith("$schema=../../schema/target.schema.json")
    body = (old_set / "targets" / "journalist-b.yaml").read_text()
    filled = modeline + "\n" + body.replace("id: journalist-b", "id: person-y")
    filled = filled.replace("name: Journalist B", "name: Person Y")
    path.write_text(filled)
    assert validate_paths([str(old_set)]).ok
    assert runner.invoke(app, ["migrate", str(old_set)]).exit_code == 0
    after = path.read_text()
    assert after.splitlines()[0].endswith("$schema=../../schema/1.1/target.schema.json")
    assert after.splitlines()[1:] == filled.splitlines()[1:]


def _lawyer_text(old_set: Path, related: str) -> Path:
    """lawyer-a with its `related` block replaced by `related` (YAML text)."""
    path = old_set / "targets" / "lawyer-a.yaml"
    text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    start = text.index("related:\n")
    end = text.index("sources:\n")
    path.write_text(text[:start] + related + text[end:], encoding="utf-8")
    return path


def test_a_value_written_unusually_becomes_a_note_and_its_file_is_kept(old_set: Path) -> None:
    path = _lawyer_text(
        old_set,
        "related:\n  - target: journalist-b\n    relation: >-\n      associate\n"
        "  - target: journalist-a\n    relation: associate\t# tab, then a comment\n",
    )
    assert validate_paths([str(old_set)]).ok
    before = path.read_bytes()
    found = plan([old_set])
    assert path.name not in {Path(f).name for f in found.changes}  # nothing of it changes
    hand = [n for n in found.notes if n.file == str(path) and "by hand" in n.text]
    assert [n.field for n in hand] == ["related[0].relation", "related[1].relation"]
    assert runner.invoke(app, ["migrate", str(old_set)]).exit_code == 0
    assert path.read_bytes() == before


def test_a_line_separator_inside_a_value_does_not_misplace_an_edit(old_set: Path) -> None:
    """libyaml counts U+2028 as a line break and the file's lines do not: read with
    libyaml's lines, the edit would land one line down, on another `associate`."""
    path = _lawyer_text(
        old_set,
        "related:\n  - target: journalist-b\n    relation: associate\n"
        "  - name: Person C\n    relation: associate\n",
    )
    text = path.read_text(encoding="utf-8").replace("name: 'Lawyer A'", 'name: "Lawyer\u2028A"')
    path.write_text(text, encoding="utf-8")
    assert validate_paths([str(old_set)]).ok
    before = path.read_bytes()
    assert runner.invoke(app, ["migrate", str(old_set)]).exit_code == 0
    expected = before.replace(
        b"journalist-b\n    relation: associate", b"journalist-b\n    relation: client"
    )
    assert path.read_bytes() == expected != before  # the right entry, and only it


def test_one_edit_for_a_lawyer_named_twice_and_none_for_a_self_link(old_set: Path) -> None:
    client = old_set / "targets" / "journalist-b.yaml"
    text = client.read_text(encoding="utf-8")
    twice = "  - target: lawyer-a\n    relation: lawyer\n"
    client.write_text(text.replace(twice, twice * 2), encoding="utf-8")
    _lawyer_text(
        old_set,
        "related:\n  - target: journalist-b\n    relation: associate\n"
        "  - target: lawyer-a\n    relation: lawyer\n  - target: journalist-a\n"
        "    relation: associate\n",
    )
    found = plan([old_set])
    assert sorted((Path(e.file).name, e.field) for e in found.edits if e.path) == [
        ("lawyer-a.yaml", "related[0].relation"),
        ("lawyer-a.yaml", "related[2].relation"),
    ]


def test_notes_name_the_word_found_never_the_text_around_it(old_set: Path) -> None:
    path = old_set / "targets" / "lawyer-a.yaml"
    text = path.read_text(encoding="utf-8").replace(
        "Former adviser; recorded at the time of the report.",
        "His file, case no. 020 7946 0958, lists him as a former editor.",
    )
    path.write_text(text, encoding="utf-8")
    assert validate_paths([str(old_set)]).ok
    result = runner.invoke(app, ["migrate", str(old_set), "--check"])
    assert 'its notes use "former"' in result.output
    assert "7946" not in result.output and "lists him" not in result.output


def test_a_write_cut_short_is_reported_and_finished_by_the_next_run(
    old_set: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sarschema import cli

    lawyer = old_set / "targets" / "lawyer-a.yaml"
    real = Path.replace

    def failing(self: Path, target: str | Path) -> Path:
        if Path(target).name == "lawyer-a.yaml":
            raise PermissionError(13, "Permission denied", str(target))
        return real(self, target)

    monkeypatch.setattr(Path, "replace", failing)
    with pytest.raises(SystemExit) as stopped:
        monkeypatch.setattr("sys.argv", ["sarschema", "migrate", str(old_set)])
        cli.main()
    assert stopped.value.code == 2  # the environment, not a bug in sarschema
    assert (old_set / "sarschema.yaml").is_file()  # the version file goes first
    assert b"relation: associate}" in lawyer.read_bytes()
    assert not list(lawyer.parent.glob(".*.tmp"))  # no staged file left behind
    monkeypatch.setattr(Path, "replace", real)
    assert runner.invoke(app, ["migrate", str(old_set)]).exit_code == 0
    assert b"relation: client}" in lawyer.read_bytes()  # finished
    assert runner.invoke(app, ["migrate", str(old_set), "--check"]).exit_code == 0


def test_an_edited_file_keeps_its_permissions(old_set: Path) -> None:
    lawyer = old_set / "targets" / "lawyer-a.yaml"
    lawyer.chmod(0o600)
    assert runner.invoke(app, ["migrate", str(old_set)]).exit_code == 0
    assert b"client" in lawyer.read_bytes()
    assert lawyer.stat().st_mode & 0o777 == 0o600


def test_a_byte_order_mark_moves_nothing(old_set: Path) -> None:
    version = old_set / "sarschema.yaml"
    version.write_bytes(b'\xef\xbb\xbfformat_version: "1.0"\n')
    runner.invoke(app, ["new", "target", "person-y", "--records", str(old_set)])
    path = old_set / "targets" / "person-y.yaml"
    modeline = path.read_text().splitlines()[0]
    body = (old_set / "targets" / "journalist-b.yaml").read_text()
    body = body.replace("id: journalist-b", "id: person-y").replace("Journalist B", "Person Y")
    path.write_bytes(b"\xef\xbb\xbf" + (modeline + "\n" + body).encode())
    assert validate_paths([str(old_set)]).ok
    assert runner.invoke(app, ["migrate", str(old_set)]).exit_code == 0
    assert version.read_bytes() == b'\xef\xbb\xbfformat_version: "1.1"\n'
    assert path.read_bytes().startswith(
        b"\xef\xbb\xbf# yaml-language-server: $schema=../../schema/1.1/target.schema.json\n"
    )
