"""The strict loader, alone: what each input yields and exactly where.

Positions are what a contributor's editor shows (1-based line and column), so each
test pins them; the record-level tests in tests/cases/ only see them through the CLI.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sarschema.diagnostics import Diagnostic
from sarschema.loader import MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES, decode, load, too_large

Found = list[tuple[str, int | None, int | None]]


def found(data: bytes) -> Found:
    return [(d.code, d.line, d.column) for d in load(data, "f.yaml").diagnostics]


# decode: the byte-level checks before YAML sees the file


def test_decode_returns_the_text() -> None:
    assert decode("title: café\n".encode(), "f.yaml") == "title: café\n"


def test_decode_keeps_a_byte_order_mark_for_load_to_drop() -> None:
    assert decode(b"\xef\xbb\xbfa: 1\n", "f.yaml") == "\ufeffa: 1\n"
    loaded = load(b"\xef\xbb\xbfa: 1\n", "f.yaml")
    assert (loaded.data, loaded.positions[("a",)]) == ({"a": "1"}, (1, 4))


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\xff\xfea\x00:\x00", ("SAR003", 1, 1)),
        (b"\xfe\xff\x00a\x00:", ("SAR003", 1, 1)),
        (b"a\x00:\x00", ("SAR003", 1, 1)),  # UTF-16 without a byte order mark
        (b"a: 1\nb: x\x00\n", ("SAR004", 2, 5)),
        (b"a: 1\nb: \xff\n", ("SAR002", 2, 4)),
        ("a: é\u0085\n".encode(), ("SAR004", 1, 5)),  # columns count characters
    ],
)
def test_decode_refuses_bytes_at_their_position(
    data: bytes, expected: tuple[str, int, int]
) -> None:
    result = decode(data, "some/f.yaml")
    assert isinstance(result, Diagnostic)
    assert (result.code, result.line, result.column) == expected
    assert result.file == "some/f.yaml"
    assert found(data) == [expected]


@settings(max_examples=400)
@given(st.text(alphabet="a\né\u0100\u2028\U0001f600\x80\x85\x9f\xa0\u00c2", max_size=30))
def test_a_c1_control_is_found_in_the_bytes_where_the_text_has_it(text: str) -> None:
    """The C1 check searches the bytes (for speed): it must find the first U+0080 to
    U+009F exactly where the decoded text has it, whatever precedes it."""
    result = decode(text.encode(), "f.yaml")
    first = next((i for i, ch in enumerate(text) if "\x80" <= ch <= "\x9f"), None)
    if first is None:
        assert result == text
        return
    assert isinstance(result, Diagnostic)
    line = text.count("\n", 0, first) + 1
    column = first - (text.rfind("\n", 0, first) + 1) + 1
    assert (result.code, result.line, result.column) == ("SAR004", line, column)


def test_decode_messages() -> None:
    nul = decode(b"a: \x00\n", "f.yaml")
    assert isinstance(nul, Diagnostic)
    assert nul.message == "the file contains a NUL byte, which is never part of text."
    utf8 = decode(b"a: \xe9\n", "f.yaml")
    assert isinstance(utf8, Diagnostic)
    assert utf8.message == "the file is not valid UTF-8 text here."
    assert utf8.hint == "save the file as UTF-8 (not Latin-1 or Windows-1252)."


# Refusals before the event walk: size, tabs, syntax


def test_too_large_names_the_size_and_has_no_position() -> None:
    data = b"a: " + b"x" * MAX_FILE_BYTES
    loaded = load(data, "f.yaml")
    assert loaded.data is None
    [diag] = loaded.diagnostics
    assert (diag.code, diag.line, diag.column) == ("SAR001", None, None)
    assert diag.message == (
        f"the file is {len(data):,} bytes; a record file may be at most 1,048,576 bytes (1 MiB)."
    )
    assert too_large("f.yaml", 5) == Diagnostic(
        "f.yaml", None, None, diag.code, diag.message.replace(f"{len(data):,}", "5"), hint=diag.hint
    )


def test_exactly_the_size_limit_is_read() -> None:
    data = b"a: " + b"x" * (MAX_FILE_BYTES - 4) + b"\n"
    assert len(data) == MAX_FILE_BYTES
    assert found(data) == []


def test_tab_indent_is_reported_at_the_tab() -> None:
    assert found(b"a:\n  b:\n \tc: 1\n") == [("SAR005", 3, 2)]


@pytest.mark.parametrize(
    ("data", "expected", "message"),
    [
        (b"a: b: c\n", ("SAR006", 1, 5), "a `: ` (colon and space) appears inside a value."),
        (
            b"a: @x\n",
            ("SAR006", 1, 4),
            "YAML cannot read this: found character that cannot start any token.",
        ),
        (
            b"a: [1, 2\n",
            ("SAR006", 2, 1),
            "YAML cannot read this: did not find expected ',' or ']' "
            "(while parsing a flow sequence).",
        ),
        (
            b"a: \x07\n",
            ("SAR004", 1, 4),
            "the file contains a control character that is not allowed in text.",
        ),
    ],
)
def test_syntax_errors(data: bytes, expected: tuple[str, int, int], message: str) -> None:
    loaded = load(data, "f.yaml")
    assert loaded.data is None
    assert [(d.code, d.line, d.column, d.message) for d in loaded.diagnostics] == [
        (*expected, message)
    ]


# The event walk: each diagnostic, with where it points and what survives


@pytest.mark.parametrize("data", [b"", b"# only a comment\n", b"\n\n"])
def test_empty_file(data: bytes) -> None:
    loaded = load(data, "f.yaml")
    assert found(data) == [("SAR007", 1, 1)]
    assert loaded.data is None


@pytest.mark.parametrize(
    ("data", "line", "what"),
    [
        (b"- a\n- b\n", 1, "a list"),
        (b"just text\n", 1, "a single value"),
        (b"---\n", 2, "a single value"),  # an empty document is one empty value
    ],
)
def test_top_level_must_be_a_mapping(data: bytes, line: int, what: str) -> None:
    loaded = load(data, "f.yaml")
    assert loaded.data is None
    [diag] = loaded.diagnostics
    assert (diag.code, diag.line, diag.column) == ("SAR008", line, 1)
    assert diag.message == f"the file holds {what}, but a record is a set of `field: value` lines."


def test_top_level_alias_is_refused_and_nothing_more_is_read() -> None:
    assert found(b"*x\n") == [("SAR012", 1, 1)]
    assert found(b"&x text\n") == [("SAR012", 1, 1), ("SAR008", 1, 1)]


def test_second_document_is_refused_but_the_first_is_kept() -> None:
    loaded = load(b"a: 1\n---\nb: 2\n", "f.yaml")
    assert [(d.code, d.line, d.column) for d in loaded.diagnostics] == [("SAR009", 2, 1)]
    assert loaded.data == {"a": "1"}


def test_document_end_marker_alone_is_fine() -> None:
    assert found(b"a: 1\n...\n") == []


@pytest.mark.parametrize(
    ("data", "line"),
    [
        (b"%YAML 1.1\n---\na: 1\n", 1),
        (b"# first\n%TAG ! tag:example.org,2000:\n---\na: 1\n", 2),
    ],
)
def test_directive_is_reported_on_its_line(data: bytes, line: int) -> None:
    loaded = load(data, "f.yaml")
    assert [(d.code, d.line, d.column) for d in loaded.diagnostics] == [("SAR010", line, 1)]
    assert loaded.data == {"a": "1"}


def test_tagged_value_is_dropped() -> None:
    loaded = load(b"a: !t x\nb: y\nc: !!str [1]\n", "f.yaml")
    assert [(d.code, d.line, d.column) for d in loaded.diagnostics] == [
        ("SAR011", 1, 4),
        ("SAR011", 3, 4),
    ]
    assert loaded.data == {"b": "y"}
    assert loaded.dropped == {("a",), ("c",)}


def test_tag_on_the_root_mapping_is_reported_and_the_mapping_kept() -> None:
    loaded = load(b"!t {a: 1}\n", "f.yaml")
    assert found(b"!t {a: 1}\n") == [("SAR011", 1, 1)]
    assert loaded.data == {"a": "1"}


def test_anchor_and_alias() -> None:
    loaded = load(b"a: &x 1\nb: *x\nc: [*x, y]\n", "f.yaml")
    assert [(d.code, d.line, d.column, d.message) for d in loaded.diagnostics] == [
        ("SAR012", 1, 4, "YAML anchors (`&name`) are not allowed."),
        ("SAR012", 2, 4, "YAML aliases (`*name`) are not allowed."),
        ("SAR012", 3, 5, "YAML aliases (`*name`) are not allowed."),
    ]
    # An anchored value is kept (only the anchor is wrong); an alias is dropped.
    assert loaded.data == {"a": "1", "c": [None, "y"]}
    assert loaded.dropped == {("b",), ("c", 0)}


def test_anchor_and_tag_together_report_the_anchor_first() -> None:
    assert found(b"a: &x !t 1\n") == [("SAR012", 1, 4), ("SAR011", 1, 4)]


def test_alias_as_key_drops_its_value() -> None:
    loaded = load(b"? *x\n: 1\nb: 2\n", "f.yaml")
    assert found(b"? *x\n: 1\nb: 2\n") == [("SAR012", 1, 3)]
    assert loaded.data == {"b": "2"}
    assert loaded.dropped == set()


def test_merge_key() -> None:
    loaded = load(b"<<: {a: 1}\nb: x\n", "f.yaml")
    assert found(b"<<: {a: 1}\nb: x\n") == [("SAR013", 1, 1)]
    assert loaded.data == {"b": "x"}


def test_quoted_merge_key_is_an_ordinary_key() -> None:
    assert load(b"'<<': x\n", "f.yaml").data == {"<<": "x"}


def test_duplicate_key_keeps_the_first_and_names_its_line() -> None:
    loaded = load(b"a: 1\nb: 2\na: [3]\n", "f.yaml")
    [diag] = loaded.diagnostics
    assert (diag.code, diag.line, diag.column, diag.field) == ("SAR014", 3, 1, "a")
    assert diag.message == "this key repeats the key on line 1 of the same mapping."
    assert loaded.data == {"a": "1", "b": "2"}
    assert ("a",) not in loaded.dropped


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"1: a\n1.0: b\n", [("SAR014", 2, 1)]),  # the same number to a YAML 1.1 library
        (b"yes: a\nOn: b\n", [("SAR014", 2, 1)]),  # the same boolean
        (b"{a: 1, a: 2}\n", [("SAR014", 1, 8)]),
        (b"n:\n  a: 1\n  a: 2\n", [("SAR014", 3, 3)]),
        (b"'1': a\n1: b\n", []),  # quoted text and a number differ
        (b"a: 1\nn:\n  a: 2\n", []),  # different mappings
    ],
)
def test_duplicate_keys_as_a_yaml_library_sees_them(data: bytes, expected: Found) -> None:
    assert found(data) == expected


def test_duplicate_key_field_names_the_nested_path() -> None:
    [diag] = load(b"n:\n  - a: 1\n    a: 2\n", "f.yaml").diagnostics
    assert diag.field == "n[0].a"


def test_nesting_limit_points_at_the_level_that_goes_too_far() -> None:
    assert MAX_DEPTH == 20
    data = b"a: " + b"[" * 25 + b"]" * 25 + b"\n"
    # The root mapping is level 1; `[` number k opens level k + 1 at column 3 + k.
    assert found(data) == [("SAR015", 1, 3 + MAX_DEPTH)]
    assert load(data, "f.yaml").data is None


def test_nesting_limit_holds_inside_a_refused_value() -> None:
    data = b"a: !t " + b"[" * 30 + b"]" * 30 + b"\n"
    assert found(data) == [("SAR011", 1, 4), ("SAR015", 1, 26)]


def test_twenty_levels_are_allowed() -> None:
    data = b"a: " + b"[" * 19 + b"x" + b"]" * 19 + b"\n"
    assert found(data) == []


def test_thousand_levels_are_reported_where_ours_stop() -> None:
    data = b"a: " + b"[" * 1000 + b"]" * 1000 + b"\n"
    assert found(data) == [("SAR015", 1, 23)]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"a:\nb: ~\nc: null\nd: NULL\n", [(1, 1, "a"), (2, 1, "b"), (3, 1, "c"), (4, 1, "d")]),
        (b"a:\n  - x\n  -\n  - ~\n", [(3, 4, "a[1]"), (4, 5, "a[2]")]),
        (b"a:\n  b: [x, ~]\n", [(2, 10, "a.b[1]")]),
    ],
)
def test_empty_values_point_at_the_key_or_the_item(
    data: bytes, expected: list[tuple[int, int, str]]
) -> None:
    loaded = load(data, "f.yaml")
    assert [(d.code, d.line, d.column, d.field) for d in loaded.diagnostics] == [
        ("SAR016", line, column, name) for line, column, name in expected
    ]


def test_empty_value_is_dropped_not_kept() -> None:
    loaded = load(b"a:\nb: [x, ~]\nc: ''\n", "f.yaml")
    assert loaded.data == {"b": ["x", None], "c": ""}
    assert loaded.dropped == {("a",), ("b", 1)}
    assert loaded.diagnostics[0].message == "`a` has no value (empty, `~` or `null`)."


@pytest.mark.parametrize(
    ("data", "expected", "message"),
    [
        (b"~: 1\nb: 2\n", ("SAR017", 1, 1), "a key is empty or `null`."),
        (b"? [a]\n: 1\nb: 2\n", ("SAR017", 1, 3), "a list or mapping is used as a key."),
        (b"? {a: 1}\n: 1\nb: 2\n", ("SAR017", 1, 3), "a list or mapping is used as a key."),
        (b"? [a]\n: [x]\nb: 2\n", ("SAR017", 1, 3), "a list or mapping is used as a key."),
    ],
)
def test_bad_keys_drop_their_value(
    data: bytes, expected: tuple[str, int, int], message: str
) -> None:
    loaded = load(data, "f.yaml")
    assert [(d.code, d.line, d.column, d.message) for d in loaded.diagnostics] == [
        (*expected, message)
    ]
    assert loaded.data == {"b": "2"}
    assert loaded.dropped == set()


def test_node_limit() -> None:
    assert MAX_NODES == 10_000
    ok = b"a:\n" + b"  - x\n" * (MAX_NODES - 3)  # root, key, list: 3 values
    assert found(ok) == []
    over = b"a:\n" + b"  - x\n" * (MAX_NODES - 2)
    loaded = load(over, "f.yaml")
    assert [(d.code, d.line, d.column) for d in loaded.diagnostics] == [
        ("SAR018", MAX_NODES - 1, 5)
    ]
    assert loaded.data is None


def test_diagnostics_come_in_file_order() -> None:
    data = b"a: &x 1\nb:\nc: !t y\na: 2\n"
    assert found(data) == [("SAR012", 1, 4), ("SAR016", 2, 1), ("SAR011", 3, 4), ("SAR014", 4, 1)]


# What a valid file yields: values, positions, comments, text


def test_scalars_stay_text_except_lower_case_booleans() -> None:
    data = b"a: true\nb: True\nc: 'true'\nd: 0755\ne: false\nf: NO\ng: 1.50\nh: 2021-01-01\n"
    assert load(data, "f.yaml").data == {
        "a": True,
        "b": "True",
        "c": "true",
        "d": "0755",
        "e": False,
        "f": "NO",
        "g": "1.50",
        "h": "2021-01-01",
    }


POSITIONED = b"# head\nid: x\nlist:\n  - one\n  - {k: v}\nflow: [a, b]\nempty:\n"


def test_value_and_key_positions() -> None:
    loaded = load(POSITIONED, "f.yaml")
    assert loaded.positions == {
        (): (2, 1),
        ("id",): (2, 5),
        ("list",): (4, 3),
        ("list", 0): (4, 5),
        ("list", 1): (5, 5),
        ("list", 1, "k"): (5, 9),
        ("flow",): (6, 7),
        ("flow", 0): (6, 8),
        ("flow", 1): (6, 11),
    }
    assert loaded.key_positions == {
        ("id",): (2, 1),
        ("list",): (3, 1),
        ("list", 1, "k"): (5, 6),
        ("flow",): (6, 1),
        ("empty",): (7, 1),
    }
    assert loaded.data == {"id": "x", "list": ["one", {"k": "v"}], "flow": ["a", "b"]}


def test_position_lookup() -> None:
    loaded = load(POSITIONED, "f.yaml")
    assert loaded.position(("list", 1, "k")) == (5, 9)
    assert loaded.position(("list", 1, "k"), key=True) == (5, 6)
    assert loaded.position(("list", 0), key=True) == (4, 5)  # no key: the value
    assert loaded.position(("list", 1, "missing")) == (5, 5)  # nearest ancestor
    assert loaded.position(("nowhere",)) == (2, 1)  # the root
    assert loaded.position(("empty",)) == (2, 1)  # dropped: no value position
    assert loaded.position(("empty",), key=True) == (7, 1)


def test_position_without_a_document() -> None:
    assert load(b"", "f.yaml").position(("a",)) is None


def test_positions_count_characters_not_bytes() -> None:
    loaded = load("é: ü\nb: [ä, x]\n".encode(), "f.yaml")
    assert loaded.positions[("é",)] == (1, 4)
    assert loaded.positions[("b", 1)] == (2, 8)


def test_crlf_and_cr_line_ends_count_as_lines() -> None:
    assert load(b"a: 1\r\nb: 2\r\n", "f.yaml").positions[("b",)] == (2, 4)
    assert load(b"a: 1\rb: 2\r", "f.yaml").positions[("b",)] == (2, 4)


def test_comment_after_a_plain_value_is_recorded() -> None:
    data = b"a: x # c\nb: 'q' # c\nc: x#y\nd: [e] # f\nn:\n  - m # g\nt: true # h\n"
    loaded = load(data, "f.yaml")
    assert loaded.commented == [("a",), ("n", 0)]
    assert loaded.data is not None
    assert loaded.data["a"] == "x"
    assert loaded.data["c"] == "x#y"


def test_comment_in_a_block_scalar_is_text() -> None:
    loaded = load(b"a: |\n  x # y\n", "f.yaml")
    assert (loaded.data, loaded.commented) == ({"a": "x # y\n"}, [])


def test_multi_line_plain_value_then_comment_is_not_flagged() -> None:
    loaded = load(b"a: one\n  two # c\n", "f.yaml")
    assert (loaded.data, loaded.commented) == ({"a": "one two"}, [])


def test_text_is_the_decoded_file() -> None:
    assert load("a: é\n".encode(), "f.yaml").text == "a: é\n"
    assert load(b"- a\n", "f.yaml").text == "- a\n"
    assert load(b"a: \xff\n", "f.yaml").text == ""


def test_a_yaml_1_1_line_break_inside_text_does_not_shift_the_lines() -> None:
    """libyaml counts U+2028, U+2029 and U+0085 as line breaks; editors, GitHub and
    YAML 1.2 do not, so positions are given as the file's own lines count them."""
    for mark in ("\u2028", "\u2029"):  # (U+0085, a C1 control, is refused: SAR004)
        text = f'id: abc\nname: "A{mark}B"\ntitle: x\nkind: [1]\n'
        loaded = load(text.encode("utf-8"), "x.yaml")
        assert loaded.position(("title",)) == (3, 8)
        assert loaded.position(("kind",), key=True) == (4, 1)
        assert loaded.position(("name",)) == (2, 7)
