"""The loader's two ways give one result: the tree libyaml composes in C (fast, for
files without a problem) and the walk over libyaml's events (every diagnostic).

A file takes the composed way only when the event walk would read it without a
single diagnostic; whatever it takes, the data, every value's and key's position,
the values cut by a comment and the diagnostics must be exactly the event walk's.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sarschema.loader import Loaded, _compose, _needs_events, _parse, load

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))


def _facts(loaded: Loaded) -> tuple[Any, ...]:
    return (
        loaded.data,
        loaded.positions,
        loaded.key_positions,
        loaded.commented,
        loaded.dropped,
        [(d.code, d.line, d.column, d.field, d.message) for d in loaded.diagnostics],
    )


def _every_text(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [*value, *(t for item in value.values() for t in _every_text(item))]
    if isinstance(value, list):
        return [t for item in value for t in _every_text(item)]
    return []


def _same_either_way(data: bytes) -> bool:
    """True when the composed way served (and agreed), False when it left the file to
    the event walk; fails when the two ways disagree."""
    composed = _compose(data)
    events = _parse(data, "f.yaml", events=True)
    if composed is None:
        return False
    assert _facts(composed) == _facts(events)
    # The texts the composed walk gathers for the personal-data guard: every text and
    # key of the data, each as often as it occurs (the event walk gathers none).
    assert events.texts is None
    assert sorted(composed.texts or []) == sorted(_every_text(events.data))
    # Looked up one by one (the way the checks ask), positions agree as well, for
    # every path, for keys, and for paths that lead nowhere (nearest ancestor).
    lazy = _compose(data)
    assert lazy is not None
    for path in [*events.positions, *events.key_positions]:
        for key in (False, True):
            assert lazy.position(path, key=key) == events.position(path, key=key), path
        assert lazy.key_position(path) == events.key_position(path), path
        for tail in ("nowhere", 99, -1):
            longer = (*path, tail)
            assert lazy.position(longer) == events.position(longer), longer
            assert lazy.key_position(longer) == events.key_position(longer) is None
    return True


def _yaml_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.yaml") if p.is_file())


def test_shipped_records_take_the_composed_way_and_agree() -> None:
    files = _yaml_files(ROOT / "records")
    assert len(files) > 50
    served = [_same_either_way(p.read_bytes()) for p in files]
    # A name such as "Woman & Child" takes the event walk: the prefilter cannot tell
    # a `&` in text from an anchor. Almost every record is composed.
    assert served.count(False) <= len(files) // 20


def test_generated_records_take_the_composed_way_and_agree(tmp_path: Path) -> None:
    from generate import generate

    generate(tmp_path, 300)
    files = _yaml_files(tmp_path)
    assert all(_same_either_way(p.read_bytes()) for p in files)


def test_every_case_file_agrees() -> None:
    """The case folders hold every loader problem on record: each either takes the
    event walk or, composed, gives exactly what the walk gives."""
    files = _yaml_files(ROOT / "tests" / "cases")
    served = [_same_either_way(p.read_bytes()) for p in files]
    assert any(served) and not all(served)


def test_what_the_composed_way_leaves_to_the_events() -> None:
    left = [
        b"a: &x 1\nb: *x\n",  # anchor and alias: gone from a composed tree
        b"a: !!str 1\n",
        b"a: ! 1\n",  # a non-specific tag looks untagged once composed
        b"%YAML 1.1\n---\na: 1\n",
        b"a: 1\n---\nb: 2\n",
        b"a: 1\nb:\n",  # an empty value
        b"a: 1\na: 2\n",
        b"y: 1\nyes: 2\n",  # one key to YAML 1.1
        b"<<: {a: 1}\n",
        b"- a\n",
        b"just text\n",
        b"",
        b"[a: 1\n",
        b"a: [1, ~]\n",
        b"? [a]\n: 1\n",
        b"a: & x\n",  # an anchor with no name, where a node starts: libyaml refuses it
        b"a: [* , b]\n",
    ]
    for data in left:
        assert _compose(data) is None, data
        assert load(data, "f.yaml").diagnostics, data
    taken = [
        b"a: 1\n",
        b"url: https://example.org/?a=1&b=2\n",  # `&` inside a URL
        b"t: 'quoted: yes'\nb: [x, 'y']\nc: {d: e}\n",
        b"x: plain  # a comment\n",
        b"a: true\nb: false\nc: True\n",
        b"name: Woman & Child\nsum: 5 * 3\n",  # `&` and `*` before a space: text
        # comments on lines of their own, and one after a value, which must be found
        b"# top\na: b\n  # indented\nc:\n  - d\n   # deeper\ne: f # cut\n",
        b"a: b\t# after a tab\n",
        b"a: 'quoted # text'\nb: plain\n",
    ]
    for data in taken:
        assert _same_either_way(data), data
    cut = _compose(b"# top\na: b\n  # indented\ne: f # cut\ng: h\t# tab\n")
    assert cut is not None and cut.commented == [("e",), ("g",)]
    # where libyaml ends lines that `\n` does not, the event walk's reading stands
    for data in (b"title: x\r# c\n", "title: x\u2028# c\n".encode(), b"a:\r- d\n   # x\n"):
        assert _same_either_way(data), data


_NEEDS_EVENTS_RULE = re.compile(
    rb"(?:\A|[\s\[{,:\x85\xa8\xa9])(?:[&*](?=\S)|!)"
    rb"|(?:\A|[\r\n\x85\xa8\xa9])(?:---|\.\.\.|%)"
)
_MARK_PIECES = [
    b"&", b"*", b"!", b"%", b"-", b".", b"---", b"...", b" ", b"\t", b"\n", b"\r",
    b"[", b"{", b",", b":", b"a", b"\xc2\x85", b"\xe2\x80\xa8", b"\xa9", b"\x85",
]  # fmt: skip


@settings(max_examples=3000, deadline=None)
@given(
    st.lists(
        st.sampled_from(_MARK_PIECES),
        max_size=12,
    )
)
def test_the_marks_that_need_the_event_walk_are_found_as_the_rule_says(
    pieces: list[bytes],
) -> None:
    """`_needs_events` searches from the marks (for speed): it must find exactly what
    the rule's own expression (as the loader's comment writes it) finds."""
    data = b"".join(pieces)
    assert _needs_events(data) == (_NEEDS_EVENTS_RULE.search(data) is not None)


def test_keys_judged_are_remembered_within_a_bound() -> None:
    """The composed way remembers how each plain key reads (field names repeat in
    every file); a stranger's thousands of keys must not grow that memory without
    bound, and a key remembered as one YAML 1.1 reads otherwise is refused again."""
    from sarschema import loader

    for _ in range(2):  # the second time from memory
        assert _compose(b"on: 1\n") is None  # `on` is true to YAML 1.1
        assert _same_either_way(b"title: x\n")
    assert loader._KEYS_JUDGED["on"] is False
    assert loader._KEYS_JUDGED["title"] is True
    for start in range(0, 3 * loader._KEYS_JUDGED_MAX, 1000):
        data = "".join(f"k{i}: v\n" for i in range(start, start + 1000)).encode()
        assert _same_either_way(data)
    assert len(loader._KEYS_JUDGED) == loader._KEYS_JUDGED_MAX
    loader._KEYS_JUDGED.clear()
    long_key = "k" * 100_000  # an explicit key may be long: judged, not remembered
    assert _same_either_way(f"? {long_key}\n: v\n".encode())
    assert loader._KEYS_JUDGED == {}


_PIECES = [
    "a", "b", "id", "y", "yes", "1", "1.0", "~", "null", "true", "<<", "é", "ص",
    ":", ": ", " ", "  ", "\n", "\r\n", "\t", "- ", "-", "? ", "#", " # c", "&x ", "*x",
    "!t ", "! ", "!!str ", "'", '"', "[", "]", "{", "}", ", ", "---", "...", "%YAML 1.1",
    "|", ">", "\u2028", "\x85", "a & b", "& ", "* ", "&", "\r", "\r#", "\u2029#",
    "http://h/?a=1&b=2",
]  # fmt: skip


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=40))
def test_random_yaml_agrees(pieces: list[str]) -> None:
    _same_either_way("".join(pieces).encode())


@settings(max_examples=500, deadline=None)
@given(
    st.recursive(
        st.one_of(st.text(max_size=8), st.booleans(), st.none(), st.integers()),
        lambda inner: st.one_of(
            st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)
        ),
        max_leaves=20,
    ),
    st.sampled_from([None, True, False]),
)
def test_dumped_documents_agree(value: Any, flow: bool | None) -> None:
    """Well-formed YAML of every shape (as PyYAML writes it, in block and flow style)."""
    import yaml

    document = yaml.safe_dump({"root": value}, default_flow_style=flow, allow_unicode=True)
    _same_either_way(document.encode())
