"""The STIX 2.1 bundle: valid to the OASIS validator with every check on (three
documented exceptions), read back by the stix2 library, deterministic to the byte,
and mapped as docs/stix-mapping.md says."""

from __future__ import annotations

import gc
import hashlib
import json
import re
import shutil
import sys
import tempfile
import uuid
import warnings
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import stix2
from stix2validator import ValidationOptions, validate_string
from stix2validator.v21.enums import CHECK_CODES

from records_v11 import write_v11
from sarschema.api import validate_paths
from sarschema.errors import InternalError
from sarschema.export import stix
from sarschema.export.common import export_to, records_version
from sarschema.export.json import record_document
from sarschema.export.stix import StixExporter, to_bundle

ROOT = Path(__file__).resolve().parent.parent
#: docs/stix-mapping.md, "Identifiers": written out here, not imported, so that a
#: change of namespace (which changes every id partners hold) fails this test.
NAMESPACE = uuid.UUID("33d0958c-c4ea-45d3-8b04-129743120f91")

#: The checks whose warnings are unavoidable, each justified in docs/stix-mapping.md
#: ("Validation"): UUIDv5 ids (deterministic), incident relationships (STIX defines
#: none), web pages without hashes.
ACCEPTED = {"103": "uuid-check", "202": "relationship-types", "302": "extref-hashes"}
#: Check codes that are groups of others (enabling one would enable the accepted ones).
GROUPS = {"1", "2", "210", "270"}
#: The one form the accepted relationship-types warning may take.
INCIDENT_LINK = re.compile(
    r"'incident' is permitted, but not a suggested relationship source object for the "
    r"'(targets|uses|attributed-to)' relationship"
)


def sid(stix_type: str, name: str) -> str:
    return f"{stix_type}--{uuid.uuid5(NAMESPACE, name)}"


def by_id(bundle: str) -> dict[str, dict[str, Any]]:
    return {obj["id"]: obj for obj in json.loads(bundle)["objects"]}


def assert_valid(bundle: str) -> None:
    """Strict (warnings are errors), custom types and properties refused, every
    reference inside the bundle, and every check on but the accepted ones (named
    one by one: the validator's `disabled` option silently drops other checks too)."""
    enabled = [name for code, name in CHECK_CODES.items() if code not in GROUPS | set(ACCEPTED)]
    options = ValidationOptions(
        version="2.1",
        strict=True,
        strict_types=True,
        strict_properties=True,
        enforce_refs=True,
        enabled=enabled,
    )
    result = validate_string(bundle, options)
    assert result.is_valid, [str(e) for e in result.errors[:10]]
    assert not result.errors and not result.warnings

    # All checks, warnings listed: only the accepted ones, in their documented form.
    everything = ValidationOptions(
        version="2.1", strict_types=True, strict_properties=True, enforce_refs=True
    )
    result = validate_string(bundle, everything)
    assert result.is_valid, [str(e) for e in result.errors[:10]]
    for warning in result.warnings:
        code = re.search(r"\{(\d+)\}", warning)
        assert code is not None and code.group(1) in ACCEPTED, warning
        assert code.group(1) != "202" or INCIDENT_LINK.search(warning), warning


def as_stix2_writes_it(bundle: str) -> str:
    """The bundle's objects, each parsed (so checked) by stix2, in a stix2 `Bundle`
    of the same id, serialised by stix2 as the export once did it whole."""
    data = json.loads(bundle)
    objects = [stix2.parse(o, allow_custom=False, version="2.1") for o in data.get("objects", [])]
    made = stix2.v21.Bundle(objects=objects, id=data["id"], allow_custom=False)
    return str(made.serialize(sort_keys=True, indent=2, ensure_ascii=False)) + "\n"


@pytest.fixture(scope="module")
def shipped() -> tuple[list[Any], str]:
    report = validate_paths([ROOT / "records"], jobs=1)
    assert report.ok and len(report.records) == 75
    return report.records, to_bundle(report.records)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from generate import generate

    root = tmp_path_factory.mktemp("generated") / "records"
    generate(root, 500)
    out = root.parent / "bundle.json"
    report = export_to([root], StixExporter, out, single_file=True)  # in worker processes
    assert report.ok and report.files == 500
    return root, out.read_text(encoding="utf-8")


def test_the_shipped_records_pass_the_oasis_validator(shipped: tuple[list[Any], str]) -> None:
    assert_valid(shipped[1])


def test_a_generated_set_of_500_records_passes_the_oasis_validator(
    generated: tuple[Path, str],
) -> None:
    assert_valid(generated[1])


def test_a_set_using_every_1_1_construct_passes_the_oasis_validator(base_tree: Path) -> None:
    report = validate_paths([write_v11(base_tree)], jobs=1)
    assert report.ok
    assert_valid(to_bundle(report.records))


def test_every_record_comes_back_by_its_own_id(shipped: tuple[list[Any], str]) -> None:
    records, bundle = shipped
    parsed = stix2.parse(bundle, allow_custom=False)
    objects = {obj.id: obj for obj in parsed.objects}
    assert len(objects) == len(parsed.objects)  # no id twice
    suppliers = {"vendor", "broker"}
    for record in records:
        if record.kind == "incident":
            expected = sid("incident", f"incident:{record.id}")
        elif record.kind == "target":
            expected = sid("identity", f"target:{record.id}")
        elif record.kind == "operator":
            kind = "identity" if record.type in suppliers else "threat-actor"
            expected = sid(kind, f"operator:{record.id}")
            for product in record.products or []:
                assert objects[sid("malware", f"product:{product.id}")].name == product.name
        else:
            kind = {"denial": "opinion", "criminal-investigation": "report"}.get(
                record.type, "note"
            )
            expected = sid(kind, f"response:{record.id}")
        found = objects[expected]
        assert found.external_references[0].external_id == record.id
    # One object per record (and product), each naming its record once.
    named = Counter(
        obj.external_references[0].external_id
        for obj in parsed.objects
        if obj.get("external_references") and obj.external_references[0].source_name == "sarschema"
    )
    assert set(named.values()) == {1}
    assert len(named) == len(records) + 1  # and Pegasus
    kinds = Counter(record.kind for record in records)
    types = Counter(obj.type for obj in parsed.objects)
    assert types["incident"] == kinds["incident"] == 22
    assert types["threat-actor"] + 1 == kinds["operator"] == 7  # NSO Group is an identity
    # the targets, NSO Group, and David Kaye (a responder, for a response about no record)
    assert types["identity"] == kinds["target"] + 2 == 31
    assert types["opinion"] + types["report"] == 3
    with_notes = sum(1 for record in records if record.notes)  # no pseudonymous target
    assert types["note"] == kinds["response"] - 3 + with_notes
    assert types["malware"] == 1 and types["sighting"] == 1


def test_a_generated_set_comes_back_whole(generated: tuple[Path, str]) -> None:
    root, bundle = generated
    parsed = stix2.parse(bundle, allow_custom=False)
    files = Counter(path.parent.name for path in root.glob("*/*.yaml"))
    types = Counter(obj.type for obj in parsed.objects)
    assert types["incident"] == files["incidents"]
    named = {
        obj.external_references[0].external_id
        for obj in parsed.objects
        if obj.get("external_references") and obj.external_references[0].source_name == "sarschema"
    }
    assert {path.stem for path in root.glob("*/*.yaml")} <= named
    uuids = [obj.id.split("--")[1] for obj in parsed.objects]
    assert len(set(uuids)) == len(uuids)


def test_the_export_is_deterministic(shipped: tuple[list[Any], str], tmp_path: Path) -> None:
    records, bundle = shipped
    assert bundle.endswith("}\n")
    assert to_bundle(list(reversed(records))) == bundle  # order of the records is no matter
    outs = [tmp_path / "a.json", tmp_path / "b.json"]
    for out in outs:
        report = export_to([ROOT / "records"], StixExporter, out, single_file=True, jobs=2)
        assert report.ok
    assert outs[0].read_bytes() == outs[1].read_bytes() == bundle.encode("utf-8")
    # Ids depend on record ids alone: this one is what partners already hold.
    incident = sid("incident", "incident:ahmed-mansoor-2016-pegasus")
    assert incident == "incident--" + str(
        uuid.uuid5(NAMESPACE, "incident:ahmed-mansoor-2016-pegasus")
    )
    assert incident in by_id(bundle)
    # No UUID serves two objects, even of different types.
    uuids = [ident.split("--")[1] for ident in by_id(bundle)]
    assert len(set(uuids)) == len(uuids)
    assert json.loads(bundle)["id"].startswith("bundle--")


def test_the_bundle_id_is_the_digest_of_its_objects_as_written(
    shipped: tuple[list[Any], str],
) -> None:
    """docs/stix-mapping.md: `bundle:<SHA-256 of every byte between the brackets of
    the objects list>` (of none without objects), so that a partner can recompute it
    from the file alone."""
    _, bundle = shipped
    body = bundle.encode("utf-8")
    start = body.index(b'"objects": [') + len(b'"objects": [')
    end = body.rindex(b"],\n")
    assert body[start:end].startswith(b'\n    {\n      "') and body[start:end].endswith(b"}\n  ")
    digest = hashlib.sha256(body[start:end]).hexdigest()
    assert json.loads(bundle)["id"] == sid("bundle", f"bundle:{digest}")
    empty = json.loads(to_bundle([]))
    assert "objects" not in empty
    assert empty["id"] == sid("bundle", f"bundle:{hashlib.sha256(b'').hexdigest()}")


def test_the_bundle_changes_with_a_record(shipped: tuple[list[Any], str]) -> None:
    records, bundle = shipped
    changed = [
        r.model_copy(update={"title": r.title + "!"}) if r.kind == "incident" else r
        for r in records
    ]
    other = to_bundle(changed)
    assert other != bundle and json.loads(other)["id"] != json.loads(bundle)["id"]
    assert set(by_id(other)) == set(by_id(bundle))  # same ids: updates, not copies


def test_nothing_is_written_when_a_record_is_invalid(tmp_path: Path) -> None:
    root = tmp_path / "records"
    shutil.copytree(ROOT / "records", root)
    broken = root / "incidents" / "hatice-cengiz-2018-pegasus.yaml"
    broken.write_text(
        broken.read_text(encoding="utf-8").replace("status: infected", "status: infectd"),
        encoding="utf-8",
    )
    out = tmp_path / "build" / "bundle.json"
    report = export_to([root], StixExporter, out, single_file=True, jobs=1)
    assert not report.ok and report.errors == 1
    assert not out.exists() and not out.parent.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["records"]  # no staging left


def test_a_forensic_infection_is_a_sighting_on_the_target(
    shipped: tuple[list[Any], str],
) -> None:
    objects = by_id(shipped[1])
    pegasus = sid("malware", "product:pegasus")
    sighting = objects[sid("sighting", f"sighting:hatice-cengiz-2018-pegasus:{pegasus}")]
    assert sighting["sighting_of_ref"] == pegasus
    assert sighting["where_sighted_refs"] == [sid("identity", "target:hatice-cengiz")]
    assert sighting["count"] == 1
    assert "infection-confirmed" in sighting["description"]
    assert "first_seen" not in sighting  # the incident has no `date`, only `revealed`
    # No sighting without a forensic finding.
    sightings = [o for o in objects.values() if o["type"] == "sighting"]
    assert len(sightings) == 1


def test_an_attribution_carries_its_confidence(shipped: tuple[list[Any], str]) -> None:
    objects = by_id(shipped[1])
    incident = sid("incident", "incident:ahmed-mansoor-2016-pegasus")
    uae = sid("threat-actor", "operator:united-arab-emirates")
    rel = objects[sid("relationship", f"relationship:{incident}:attributed-to:{uae}")]
    assert (rel["source_ref"], rel["relationship_type"], rel["target_ref"]) == (
        incident,
        "attributed-to",
        uae,
    )
    assert rel["confidence"] == 50  # reported: Admiralty 3, possibly true
    assert rel["description"] == "sarschema attribution: reported"
    # The alleged attribution of Aminatou Haidar's incident is weaker.
    haidar = sid("incident", "incident:aminatou-haidar-pegasus")
    morocco = sid("threat-actor", "operator:morocco")
    assert (
        objects[sid("relationship", f"relationship:{haidar}:attributed-to:{morocco}")]["confidence"]
        == 30
    )
    # Morocco uses Pegasus: the highest confidence among the incidents naming both.
    pegasus = sid("malware", "product:pegasus")
    uses = objects[sid("relationship", f"relationship:{morocco}:uses:{pegasus}")]
    assert uses["confidence"] == 50 and "aminatou-haidar-pegasus (alleged)" in uses["description"]


def test_a_denial_is_an_opinion_about_what_it_denies(shipped: tuple[list[Any], str]) -> None:
    objects = by_id(shipped[1])
    opinion = objects[sid("opinion", "response:morocco-government-denial-2021")]
    assert opinion["opinion"] == "disagree"
    assert opinion["object_refs"] == [
        sid("incident", "incident:moroccan-journalists-pegasus-list"),
        sid("incident", "incident:edwy-plenel-lenaig-bredoux-pegasus"),
        sid("threat-actor", "operator:morocco"),
    ]
    assert opinion["authors"] == ["Morocco"]
    assert "created_by_ref" not in opinion  # not the record set's own opinion
    nso = objects[sid("opinion", "response:nso-group-denial-2021")]
    assert nso["object_refs"] == [sid("malware", "product:pegasus")]


def test_a_response_about_no_record_refers_to_its_responder(
    shipped: tuple[list[Any], str],
) -> None:
    objects = by_id(shipped[1])
    note = objects[sid("note", "response:david-kaye-moratorium-call-2019")]
    (ref,) = note["object_refs"]
    assert objects[ref]["type"] == "identity"
    assert objects[ref]["name"].startswith("David Kaye")
    assert "subject:surveillance-trade" in note["labels"]


def test_a_pseudonymous_target_carries_its_pseudonym_only(base_tree: Path) -> None:
    record = base_tree / "targets" / "journalist-a.yaml"
    with record.open("a", encoding="utf-8") as out:
        out.write("notes: Known in Example City as the editor of Example Weekly.\n")
    report = validate_paths([base_tree], jobs=1)
    assert report.ok
    bundle = to_bundle(report.records)
    objects = by_id(bundle)
    identity = objects[sid("identity", "target:journalist-a")]
    assert identity["name"] == "Journalist A"
    assert set(identity) <= {
        "type", "spec_version", "id", "created", "modified", "name", "identity_class",
        "description", "labels", "external_references",
    }  # fmt: skip
    assert identity["labels"] == ["visibility:pseudonymous"]
    # Aliases, affiliation, countries, relatives and links to other targets stay out.
    for text in ("Journaliste A", "Example Weekly", "Example City", "Person C"):
        assert text not in bundle
    linked = {
        (o["source_ref"], o["target_ref"])
        for o in objects.values()
        if o["type"] == "relationship" and o["relationship_type"] == "related-to"
    }
    assert (identity["id"], sid("identity", "target:journalist-b")) not in linked
    assert sid("note", "notes:journalist-a") not in objects


def test_translations_are_language_content(shipped: tuple[list[Any], str]) -> None:
    objects = by_id(shipped[1])
    note = objects[sid("note", "response:isacom-ban-call-2022")]
    content = objects[sid("language-content", "translations:isacom-ban-call-2022")]
    assert content["object_ref"] == note["id"]
    assert content["object_modified"] == note["modified"]
    french = content["contents"]["fr"]
    assert french["abstract"].startswith("L'ISACOM appelle")
    assert french["content"].startswith("Selon Sahara Press Service")
    assert french["content"].endswith(note["content"].split("\n\n")[-1])  # the same facts


def test_timestamps_come_from_the_sources(shipped: tuple[list[Any], str]) -> None:
    objects = by_id(shipped[1])
    mansoor = objects[sid("incident", "incident:ahmed-mansoor-2016-pegasus")]
    # sources published 2021 and 2021-07-26: the first day of each
    assert (mansoor["created"], mansoor["modified"]) == (
        "2021-01-01T00:00:00.000Z",
        "2021-07-26T00:00:00.000Z",
    )


def test_the_bundle_is_written_as_stix2_writes_it(
    shipped: tuple[list[Any], str], generated: tuple[Path, str], base_tree: Path
) -> None:
    # The export writes each object's text itself, in id order: byte for byte what
    # stix2's Bundle.serialize gives, also for every 1.1 construct and for no record.
    every_construct = validate_paths([write_v11(base_tree)], jobs=1).records
    for bundle in (shipped[1], generated[1], to_bundle(every_construct), to_bundle([])):
        assert bundle == as_stix2_writes_it(bundle)


def test_worker_processes_write_the_same_bundle(
    shipped: tuple[list[Any], str], generated: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    records, bundle = shipped  # made in this process: 75 records are too few for workers
    documents = [record_document(record) for record in records]
    version = records_version(records)
    monkeypatch.setattr(stix, "PARALLEL_MIN_RECORDS", 0)
    monkeypatch.setattr(stix, "CHUNK", 7)  # many tasks; shared objects across them
    for jobs in (1, 2, 3):
        assert stix.bundle_text(documents, version, jobs=jobs) == bundle
    # 500 records: exported in worker processes, the same in this one.
    root, exported = generated
    report = validate_paths([root], jobs=1)
    documents = [record_document(record) for record in report.records]
    assert stix.bundle_text(documents, records_version(report.records), jobs=1) == exported


@pytest.fixture
def mapping_bug(monkeypatch: pytest.MonkeyPatch) -> None:
    """Relationships with a property STIX does not have (which stix2 refuses)."""
    relate = stix._Mapper.relate

    def broken(self: stix._Mapper, *args: Any, **props: Any) -> Any:
        return relate(self, *args, **{**props, "certainty": "high"})

    monkeypatch.setattr(stix._Mapper, "relate", broken)


@pytest.mark.usefixtures("mapping_bug")
@pytest.mark.parametrize("jobs", [1, 2])
def test_a_property_stix2_does_not_define_is_an_internal_error(
    shipped: tuple[list[Any], str], monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    # Every object's properties are checked against stix2's definition of its type
    # before it is written: a mapping bug is an internal error (exit 2), in this
    # process or in worker processes.
    monkeypatch.setattr(stix, "PARALLEL_MIN_RECORDS", 0)
    records = shipped[0]
    documents = [record_document(record) for record in records]
    with pytest.raises(InternalError, match=r"relationship--[0-9a-f-]+ is not valid") as caught:
        stix.bundle_text(documents, records_version(records), jobs=jobs)
    assert caught.value.exit_code == 2
    assert "Unexpected properties for Relationship: (certainty)" in str(caught.value)


@pytest.mark.parametrize(
    ("bug", "message"),
    [
        # `name` is required of an incident
        (
            lambda obj: {k: v for k, v in obj.items() if k != "name"},
            r"required properties for Incident: \(name\)",
        ),
        (lambda obj: {**obj, "type": "campaing"}, r"STIX 2.1 has no object type 'campaing'"),
        (lambda obj: {**obj, "modified": "the day after"}, r"is not valid: modified: "),
        (
            lambda obj: {**obj, "external_references": [{"url": "https://example.org/"}]},
            r"an external reference without a source_name",
        ),
        (
            lambda obj: {**obj, "external_references": [{"source_name": "x", "page": 3}]},
            r"unexpected properties for ExternalReference",
        ),
    ],
)
def test_what_stix2_defines_of_a_type_is_checked(
    shipped: tuple[list[Any], str],
    monkeypatch: pytest.MonkeyPatch,
    bug: Callable[[dict[str, Any]], dict[str, Any]],
    message: str,
) -> None:
    emit = stix._Mapper.emit

    def broken(self: stix._Mapper, obj: dict[str, Any]) -> None:
        emit(self, bug(obj) if obj["type"] == "incident" else obj)

    monkeypatch.setattr(stix._Mapper, "emit", broken)
    records = shipped[0]
    documents = [record_document(record) for record in records]
    with pytest.raises(InternalError, match=message):
        stix.bundle_text(documents, records_version(records), jobs=1)


def test_timestamps_take_the_precision_stix2_gives_each_property(
    generated: tuple[Path, str],
) -> None:
    # `created`/`modified` to the millisecond; `first_seen` and `published` as
    # precise as they are (whole days here), as the stix2 library writes them.
    objects = json.loads(generated[1])["objects"]
    stamps = {
        (obj["type"], name): value
        for obj in objects
        for name, value in obj.items()
        if name in {"created", "modified", "first_seen", "last_seen", "published"}
    }
    assert stamps[("incident", "created")].endswith("T00:00:00.000Z")
    assert stamps[("sighting", "first_seen")].endswith("T00:00:00Z")
    assert stamps[("report", "published")].endswith("T00:00:00Z")


@pytest.mark.usefixtures("mapping_bug")
def test_nothing_is_written_when_an_object_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stix, "PARALLEL_MIN_RECORDS", 0)  # in workers, given two CPUs
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))  # the bundle's own folder
    out = tmp_path / "build" / "bundle.json"
    with pytest.raises(InternalError):
        export_to([ROOT / "records"], StixExporter, out, single_file=True, jobs=2)
    assert list(tmp_path.iterdir()) == [temp]  # no bundle, no staging left
    assert list(temp.iterdir()) == []  # nor the records or objects of any process


def test_the_bundles_folder_is_removed_and_holds_each_processs_objects(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each worker writes its objects to a file of its own in the bundle's folder, and
    the folder is gone once the bundle is written."""
    monkeypatch.setattr(stix, "PARALLEL_MIN_RECORDS", 0)
    monkeypatch.setattr(stix, "CHUNK", 7)  # many tasks for both workers
    seen: list[str] = []
    sorted_buckets = stix._Bundle.sorted_buckets

    def spy(self: stix._Bundle) -> Any:
        seen.extend(sorted(p.name for p in self.folder.iterdir()))
        return sorted_buckets(self)

    monkeypatch.setattr(stix._Bundle, "sorted_buckets", spy)
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    report = export_to(
        [ROOT / "records"], StixExporter, tmp_path / "b.json", single_file=True, jobs=2
    )
    assert report.ok
    # the objects of each worker that took a task (two, most often); the records'
    # file is gone once the objects are made
    assert len(seen) in (1, 2), seen
    assert all(re.fullmatch(r"objects-\d+", name) for name in seen)
    assert list(temp.iterdir()) == []


@pytest.mark.parametrize("pread", [True, False])
def test_the_spool_reads_back_what_it_was_given_far_apart_or_close(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pread: bool
) -> None:
    """`_Spool.read_all` reads close places in one read and far ones one by one: both
    give back each place's bytes, in the order asked, after more was added (with
    `os.pread`, and without it, as on Windows)."""
    if not pread:
        monkeypatch.setattr(stix, "_PREAD", None)
    spool = stix._Spool(tmp_path / "spool")
    try:
        places = [(spool.add(bytes([i]) * (i + 1)), i + 1) for i in range(6)]
        assert spool.read_all([]) == []
        assert spool.read_all(places[::-1]) == [bytes([i]) * (i + 1) for i in range(5, -1, -1)]
        far = (spool.add(b"z" * 1000), 1000)
        gap = (spool.add(b"y" * 10), 10)
        tail = (spool.add(b"end"), 3)
        assert spool.read_all([places[0], tail]) == [b"\x00", b"end"]  # one by one
        assert spool.read_all([tail, gap]) == [b"end", b"y" * 10]  # in one read
        assert spool.read_all([far]) == [b"z" * 1000]
    finally:
        spool.close()


def test_tasks_are_cut_by_count_and_by_bytes() -> None:
    places = [(0, 4), (4, 4), (8, 4), (12, 20), (32, 1), (33, 1)]
    assert list(stix._tasks(places, 3, 100)) == [places[:3], places[3:]]
    # a task stops before its records would pass 10 bytes; a larger record goes alone
    assert list(stix._tasks(places, 3, 10)) == [places[:2], places[2:3], places[3:4], places[4:]]
    assert list(stix._tasks([], 3, 10)) == []


@pytest.mark.parametrize(
    ("tasks", "most", "task_bytes", "expected"),
    [
        (2, 10, 64 << 20, [10] * 7 + [5]),  # 75 records: 38 a task by TASKS, 10 at most
        (100, 2000, 64 << 20, [7] * 10 + [5]),  # CHUNK (7) at the least
        (2, 2000, 1, [1] * 75),  # every record over the bytes a task may hold
    ],
)
def test_records_are_cut_into_tasks_as_the_bundle_says(
    shipped: tuple[list[Any], str],
    monkeypatch: pytest.MonkeyPatch,
    tasks: int,
    most: int,
    task_bytes: int,
    expected: list[int],
) -> None:
    records, bundle = shipped
    documents = [record_document(record) for record in records]
    monkeypatch.setattr(stix, "CHUNK", 7)
    monkeypatch.setattr(stix._Bundle, "TASKS", tasks)
    monkeypatch.setattr(stix._Bundle, "CHUNK_MOST", most)
    monkeypatch.setattr(stix._Bundle, "TASK_BYTES", task_bytes)
    sizes: list[int] = []
    work_map = stix._Work.map

    def spy(self: stix._Work, places: list[tuple[int, int]]) -> Any:
        sizes.append(len(places))
        return work_map(self, places)

    monkeypatch.setattr(stix._Work, "map", spy)
    assert stix.bundle_text(documents, records_version(records), jobs=1) == bundle
    assert sizes == expected


def test_an_export_in_this_process_leaves_no_file_open(shipped: tuple[list[Any], str]) -> None:
    """Every file the bundle opened is closed by it, not left for the collector
    (which would say so with a ResourceWarning)."""
    records, bundle = shipped
    documents = [record_document(record) for record in records]
    before = set(Path("/dev/fd").iterdir())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        assert stix.bundle_text(documents, records_version(records), jobs=1) == bundle
        gc.collect()
    assert [str(w.message) for w in caught if w.category is ResourceWarning] == []
    assert set(Path("/dev/fd").iterdir()) <= before


def test_a_short_read_of_a_spool_is_an_internal_error(tmp_path: Path) -> None:
    spool = stix._Spool(tmp_path / "spool")
    try:
        start = spool.add(b"abc")
        with pytest.raises(InternalError, match="2 bytes read of 5"):
            spool.read(start + 1, 5)
    finally:
        spool.close()
