"""One verdict everywhere, on the raw YAML files contributors write.

sarschema reads every scalar as typed; editors (yaml-language-server), check-jsonschema
(ruamel.yaml) and ajv over js-yaml read YAML 1.2's core schema, where `2016` is an
integer. The published schema describes both readings, so on every record file of the
shipped set and of every case folder, each tool's verdict must equal sarschema's
verdict on the rules a schema can express (fields, types, vocabularies, codes, dates'
form, required fields). The rules only sarschema checks (references, personal data,
dates in the future, date order, file names, the YAML strictness rules) are listed in
`ONLY_SARSCHEMA` and in the README.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from interop_lsp import editor_diagnostics
from sarschema.__about__ import FORMAT_VERSIONS
from sarschema.export.schema import folder_of
from sarschema.filecheck import check_bytes
from sarschema.versions import read_version, set_root
from sarschema.vocab import FOLDERS
from test_interop import run_ajv

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_DIR = ROOT / "schema"
INTEROP = ROOT / "tests" / "interop"
TODAY = dt.date(2026, 1, 1)

#: Codes of mistakes a JSON Schema validator sees too.
SCHEMA_LEVEL = {
    "SAR016",  # an empty value: null to every YAML reader
    *(f"SAR1{n:02d}" for n in range(14)),  # SAR100-SAR113: fields, types, vocabularies
    "SAR121",  # forensic analyses required by the evidence
    "SAR122",  # `about` empty
    "SAR123",  # country required
    "SAR124",  # products on a non-vendor
    "SAR125",  # one of two fields
    "SAR127",  # 1.1: date or revealed
    "SAR128",  # 1.1: date_end needs date
    "SAR130",  # 1.1: translation_of as a mapping is not empty
}
#: File-level YAML rules: other readers differ by design (js-yaml follows aliases,
#: accepts tags it knows...), so files that break them are not compared.
YAML_LEVEL = {f"SAR0{n:02d}" for n in range(1, 19)} - {"SAR016"}
#: What only `sarschema validate` checks (documented in the README).
ONLY_SARSCHEMA = {
    "SAR024",  # id equals the file name
    "SAR025",  # kind matches the folder
    "SAR120",  # date_end not before date
    "SAR129",  # 1.1: date and date_end not after revealed
    "SAR131",  # 1.1: the original's language is not the translation's own
    "SAR126",  # no date after today
    "SAR200",  # unique ids
    "SAR201",  # references resolve
    "SAR202",  # to a record of the right kind
    "SAR203",  # no parent cycles
    "SAR300",  # personal data
    "SAR301",
    "SAR302",
    "SAR404",  # an acknowledgement comment that names no warning or gives no reason
}
#: A form YAML 1.2 readers cannot tell apart from the right one: `exiled: True` is a
#: boolean to them, text to sarschema (whose format wants `true`, lower case).
NOT_EXPRESSIBLE_CASES = {"schema-bad-boolean-2"}
#: Files the editor's YAML parser reads otherwise: it does not take a lone CR (old Mac
#: line ends) as a line break, which YAML 1.2, sarschema and the other tools do. The
#: test checks that this stays so, and the README says it.
EDITOR_READS_OTHERWISE = {"bytes-cr-only"}


def _corpus() -> list[tuple[str, Path]]:
    files = [(f"records/{p.relative_to(ROOT / 'records')}", p) for p in _records(ROOT / "records")]
    for case in sorted((ROOT / "tests" / "cases").iterdir()):
        if case.name in NOT_EXPRESSIBLE_CASES:
            continue
        files += [(f"{case.name}/{p.relative_to(case)}", p) for p in _records(case / "records")]
    return files


def _records(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(
        p
        for p in root.rglob("*.yaml")
        if p.parent.name in FOLDERS and p.is_file() and not p.is_symlink()
    )


CORPUS = _corpus()


@cache
def version_of(path: Path) -> str:
    """The format version of the file's record set, as `sarschema validate` reads it."""
    return read_version(set_root(str(path))).version


def schema_of(path: Path) -> Path:
    return SCHEMA_DIR / folder_of(version_of(path)) / "record.schema.json"


@cache
def _checked(path: Path) -> Any:
    return check_bytes(
        path.read_bytes(),
        str(path),
        folder=path.parent.name,
        stem=path.name.removesuffix(".yaml"),
        today=TODAY,
        version=version_of(path),
    )


def sarschema_codes(path: Path) -> frozenset[str]:
    return frozenset(d.code for d in _checked(path).diagnostics if d.level == "error")


def comparable() -> list[tuple[str, Path]]:
    return [(name, path) for name, path in CORPUS if not sarschema_codes(path) & YAML_LEVEL]


def expected_valid(path: Path) -> bool:
    codes = sarschema_codes(path)
    unknown = codes - SCHEMA_LEVEL - ONLY_SARSCHEMA - YAML_LEVEL
    assert not unknown, f"classify {sorted(unknown)} in tests/test_yaml_interop.py"
    return not codes & SCHEMA_LEVEL


def by_version() -> dict[str, list[tuple[str, Path]]]:
    """The comparable files of each format version: each tool gets that version's schema."""
    groups: dict[str, list[tuple[str, Path]]] = {v: [] for v in FORMAT_VERSIONS}
    for name, path in comparable():
        groups[version_of(path)].append((name, path))
    return groups


@pytest.fixture(scope="module")
def ajv() -> dict[str, Any]:
    verdicts: dict[str, Any] = {"verdicts": {}, "errors": {}}
    for version, files in by_version().items():
        cases = [{"name": n, "schema": "record.schema.json", "file": str(p)} for n, p in files]
        done = run_ajv(cases, version)
        verdicts["verdicts"].update(done["verdicts"])
        verdicts["errors"].update(done["errors"])
    return verdicts


@pytest.fixture(scope="module")
def check_jsonschema() -> dict[str, list[str]]:
    """check-jsonschema itself, once over every file: {file: [error messages]}."""
    exe = Path(sys.executable).parent / "check-jsonschema"
    errors: dict[str, list[str]] = {}
    for version, group in by_version().items():
        files = [str(p) for _, p in group]
        schema = SCHEMA_DIR / folder_of(version) / "record.schema.json"
        done = subprocess.run(
            [str(exe), "--schemafile", str(schema), "-o", "json", *files],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode in (0, 1), done.stderr
        report = json.loads(done.stdout)
        for error in report.get("errors", []):
            errors.setdefault(error["filename"], []).append(error["message"])
        for error in report.get("parse_errors", []):
            errors.setdefault(error["filename"], []).append(error["message"])
    return errors


@pytest.fixture(scope="module")
def editor() -> dict[str, list[dict[str, Any]]]:
    """yaml-language-server itself (VS Code's YAML extension), once over every file,
    with the repository's workspace setting (.vscode/settings.json) as its schema map."""
    settings = json.loads((ROOT / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    shipped = version_of(next(iter(_records(ROOT / "records"))))
    mapped = f"./schema/{folder_of(shipped)}record.schema.json"
    assert settings["yaml.schemas"] == {mapped: ["records/**/*.yaml"]}
    underlined: dict[str, list[dict[str, Any]]] = {}
    for version, group in by_version().items():
        schema = SCHEMA_DIR / folder_of(version) / "record.schema.json"
        underlined |= editor_diagnostics(
            [p for _, p in group], schemas={str(schema): ["**/records/**/*.yaml"]}
        )
    return underlined


def test_corpus_is_large_and_mixed() -> None:
    cases = comparable()
    valid = [expected_valid(p) for _, p in cases]
    assert len(cases) >= 200
    assert valid.count(True) >= 100 and valid.count(False) >= 40


@pytest.mark.parametrize(("name", "path"), comparable(), ids=[n for n, _ in comparable()])
def test_raw_yaml_same_verdict(
    name: str,
    path: Path,
    ajv: dict[str, Any],
    check_jsonschema: dict[str, list[str]],
    editor: dict[str, list[dict[str, Any]]],
) -> None:
    expected = expected_valid(path)
    assert (str(path) not in check_jsonschema) == expected, check_jsonschema.get(str(path))
    assert ajv["verdicts"][name] == expected, ajv["errors"].get(name)
    underlined = editor[str(path)]
    if name.split("/")[0] in EDITOR_READS_OTHERWISE:
        assert expected and underlined
        return
    assert (not underlined) == expected, underlined
    if not expected:  # the editor underlines the lines sarschema reports
        assert schema_level_lines(path) <= {d["line"] for d in underlined}, underlined


def schema_level_lines(path: Path) -> set[int]:
    diagnostics = _checked(path).diagnostics
    return {d.line for d in diagnostics if d.code in SCHEMA_LEVEL and d.line is not None}


def test_shipped_records_pass_check_jsonschema(check_jsonschema: dict[str, list[str]]) -> None:
    shipped = [str(p) for p in _records(ROOT / "records")]
    assert len(shipped) >= 70
    assert not set(shipped) & set(check_jsonschema)


def _check_jsonschema_one(path: Path, schema: Path) -> str:
    exe = Path(sys.executable).parent / "check-jsonschema"
    done = subprocess.run(
        [str(exe), "--schemafile", str(schema), str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    return done.stdout


def test_check_jsonschema_names_the_field_of_a_wrong_value(tmp_path: Path) -> None:
    source = ROOT / "records" / "incidents" / "omar-radi-2020-nso-spyware.yaml"
    wrong = tmp_path / "incidents" / "omar-radi-2020-nso-spyware.yaml"
    wrong.parent.mkdir()
    text = source.read_text(encoding="utf-8")
    wrong.write_text(text.replace("\nstatus: targeted", "\nstatus: attemptd"), encoding="utf-8")
    out = _check_jsonschema_one(wrong, schema_of(source))
    assert "$.status: 'attemptd' is not one of ['selected', 'targeted', 'attempted'" in out
    assert "was expected" not in out  # no "best match" from another kind or value
    wrong.write_text(text.replace("\ntitle:", "\ntitel:"), encoding="utf-8")
    out = _check_jsonschema_one(wrong, schema_of(source))
    assert "('titel' was unexpected)" in out
    assert "'country' is a required property" not in out  # no error from another kind
