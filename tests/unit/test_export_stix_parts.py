"""The STIX export's own parts, against what they stand in for: ids against
`uuid.uuid5`, the indented writing (the JSON export's too) against `json.dumps`,
the buckets' order against a sort of all ids."""

from __future__ import annotations

import io
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sarschema.api import validate_paths
from sarschema.export import stix
from sarschema.export.common import indented_json
from sarschema.export.json import record_document

ROOT = Path(__file__).resolve().parents[2]

TEXT = st.text(st.characters(codec="utf-8"), max_size=40)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-(10**6), 10**6), TEXT)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(TEXT, inner, max_size=4)),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(kind=st.sampled_from(["incident", "relationship", "x"]), name=TEXT)
def test_ids_are_uuid5_in_the_namespace(kind: str, name: str) -> None:
    assert stix.stix_id(kind, name) == f"{kind}--{uuid.uuid5(stix.NAMESPACE, name)}"


@settings(max_examples=400, deadline=None)
@given(value=VALUES, depth=st.integers(0, 3), sort_keys=st.booleans())
def test_indented_writing_is_json_dumps(value: Any, depth: int, sort_keys: bool) -> None:
    pad = "  " * depth
    try:
        expected = json.dumps(value, sort_keys=sort_keys, indent=2, ensure_ascii=False)
    except TypeError:  # keys that cannot be sorted together
        with pytest.raises(TypeError):
            indented_json(value, pad, sort_keys=sort_keys)
        return
    assert indented_json(value, pad, sort_keys=sort_keys) == expected.replace("\n", "\n" + pad)


@settings(max_examples=200, deadline=None)
@given(
    ids=st.lists(
        st.tuples(
            st.sampled_from(["note", "note-x", "identity", "incident", "relationship"]),
            st.text("0f-", min_size=2, max_size=6),  # few digits: buckets shared
        ),
        max_size=60,
    ),
    chunk=st.integers(1, 10),
    processes=st.integers(1, 3),
)
def test_buckets_give_every_object_once_in_id_order(
    ids: list[tuple[str, str]], chunk: int, processes: int
) -> None:
    # Written in chunks as workers write them, each process to its own spool, read
    # back in the order of ids.
    objects = [{"type": kind, "id": f"{kind}--{u}"} for kind, u in ids]
    bundle = stix._Bundle()
    spools = [stix._Spool(bundle.folder / f"objects-{n}") for n in range(processes)]
    try:
        for n, start in enumerate(range(0, len(objects), chunk)):
            bundle.place(_written_plain(spools[n % processes], objects[start : start + chunk]))
        got = [ident.decode() for bucket in bundle.sorted_buckets() for ident, _ in bucket]
    finally:
        for spool in spools:
            spool.close()
        bundle.close()
    assert got == sorted({obj["id"] for obj in objects})


def _written_plain(spool: stix._Spool, objects: list[dict[str, Any]]) -> stix.Placed:
    """`_Work.check` without the check (these are not whole STIX objects)."""
    return stix._write(spool, [(obj["id"], json.dumps(obj).encode()) for obj in objects])


def test_an_id_twice_must_be_the_same_object() -> None:
    bundle = stix._Bundle()
    spool = stix._Spool(bundle.folder / "objects-1")
    try:
        ident = stix.stix_id("note", "a")
        bundle.place(_written_plain(spool, [{"type": "note", "id": ident}]))
        bundle.place(_written_plain(spool, [{"type": "note", "id": ident}]))
        assert [len(bucket) for bucket in bundle.sorted_buckets()] == [1]
        bundle.place(_written_plain(spool, [{"type": "note", "id": ident, "x": 1}]))
        try:
            list(bundle.sorted_buckets())
        except stix.InternalError as exc:
            assert "two different STIX objects would have the id" in str(exc)
        else:
            raise AssertionError("an id given to two objects was let through")
    finally:
        spool.close()
        bundle.close()


class _Pipe(io.RawIOBase):
    """A stream that cannot seek, as a pipe."""

    def __init__(self) -> None:
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        self.data += bytes(b)
        return len(b)


def test_a_stream_that_cannot_seek_gets_the_same_bundle() -> None:
    report = validate_paths([ROOT / "records"], jobs=1)
    documents = [record_document(record) for record in report.records]
    text = stix.bundle_text(documents, "1.1", jobs=1)
    bundle = stix._Bundle()
    pipe = _Pipe()
    try:
        for doc in documents:
            bundle.add(stix._entry(doc))
        bundle.write(pipe, "1.1", 1)  # type: ignore[arg-type]
    finally:
        bundle.close()
    assert pipe.data.decode() == text
    assert len(json.loads(text)["objects"]) > 200
