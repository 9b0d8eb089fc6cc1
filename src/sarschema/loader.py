"""Bytes -> one YAML mapping, read exactly as a person typed it, with positions.

We walk libyaml's *event* stream instead of using a YAML constructor, because
constructors are where YAML's surprises live (`NO` -> False, `0755` -> 493,
tags -> arbitrary objects, aliases -> shared nodes). Here every scalar stays a
string, except plain lower-case `true`/`false` (booleans) and plain empty, `~`
and `null` (reported as empty values). Problems are returned as diagnostics,
never raised.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sarschema.codes import Code
from sarschema.diagnostics import Diagnostic, FieldPath, format_field
from sarschema.errors import EnvironmentProblem
from sarschema.results import Pos

MAX_FILE_BYTES = 1024 * 1024
MAX_DEPTH = 20
MAX_NODES = 10_000

#: A C1 control character (U+0080 to U+009F) as UTF-8 bytes: `\xc2` is never a
#: continuation byte, so in valid UTF-8 this finds exactly those characters, and a
#: search over bytes that starts with a literal took a tenth of the time of the same
#: class searched in the decoded text.
_C1 = re.compile(rb"\xc2[\x80-\x9f]")
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_BOOLS = {"true": True, "false": False}
_SIMPLE_KEY = re.compile(r"[a-z_][a-z_0-9]*\Z")
# YAML 1.1 spellings that a YAML library would turn into the same key.
_YAML11_BOOL = {
    **dict.fromkeys(
        ("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"), "bool:true"
    ),
    **dict.fromkeys(
        ("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"), "bool:false"
    ),
}
_LIBYAML_TOO_DEEP = "exceeded maximum nesting depth"
_NUMBER = re.compile(r"[-+]?(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?\Z")


def _parser_class() -> Any:
    try:
        from yaml._yaml import CParser
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise EnvironmentProblem(
            "PyYAML was installed without libyaml, so sarschema cannot read YAML "
            "safely and fast. Reinstall it with `pip install --force-reinstall "
            "--no-binary=:none: PyYAML` on a machine with libyaml, or use the "
            "official wheels."
        ) from exc
    return CParser


@dataclass(slots=True)
class Loaded:
    """What one file yielded: the data (if any) and where every value sits.

    Positions come in one of two forms: tables filled by the event walk, or the node
    tree libyaml composed, looked up only when a position is asked for (most values
    of a valid file never need theirs, and building a table entry for each cost more
    than reading the file)."""

    data: dict[str, Any] | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    #: Paths whose value was dropped (empty, alias, duplicate): no "missing" error for them.
    dropped: set[FieldPath] = field(default_factory=set)
    #: Plain values followed by a `#` comment on the same line (text may be cut there).
    commented: list[FieldPath] = field(default_factory=list)
    #: the file as text (UTF-8 decoded once, here)
    text: str = ""
    _positions: dict[FieldPath, Pos] = field(default_factory=dict)
    _key_positions: dict[FieldPath, Pos] = field(default_factory=dict)
    #: the composed node tree, when the data came from it (then the tables are empty)
    _root: Any = None
    #: mapping node -> its pairs by key, built when a lookup first passes through it
    _pairs: dict[int, dict[str, tuple[Any, Any]]] = field(default_factory=dict)
    #: every text and key of the data, in no particular order, when the walk that
    #: built it gathered them (the composed way), for the personal-data guard
    texts: list[str] | None = None

    @property
    def positions(self) -> dict[FieldPath, Pos]:
        """Every value's position, by path (the whole table: for tests and tools)."""
        self._tabulate()
        return self._positions

    @property
    def key_positions(self) -> dict[FieldPath, Pos]:
        """Every key's position, by the path of its value."""
        self._tabulate()
        return self._key_positions

    def position(self, path: FieldPath, *, key: bool = False) -> Pos | None:
        """Position of a value (or its key), falling back to the nearest ancestor."""
        if self._root is not None:
            return self._look_up(path, key=key)
        if key and path in self._key_positions:
            return self._key_positions[path]
        while True:
            if path in self._positions:
                return self._positions[path]
            if not path:
                return None
            path = path[:-1]

    def key_position(self, path: FieldPath) -> Pos | None:
        """Position of the key whose value is at `path`, if there is such a key."""
        if self._root is not None:
            return self._look_up(path, key=True, only_key=True)
        return self._key_positions.get(path)

    def _look_up(self, path: FieldPath, *, key: bool, only_key: bool = False) -> Pos | None:
        node = self._root
        last = len(path) - 1
        for step, name in enumerate(path):
            if node.id == "mapping":
                pairs = self._pairs.get(id(node))
                if pairs is None:
                    pairs = self._pairs[id(node)] = {k.value: (k, v) for k, v in node.value}
                pair = pairs.get(name) if isinstance(name, str) else None
                if pair is None:
                    break
                if key and step == last:
                    mark = pair[0].start_mark
                    return mark.line + 1, mark.column + 1
                node = pair[1]
            elif node.id == "sequence" and isinstance(name, int) and 0 <= name < len(node.value):
                node = node.value[name]
            else:
                break
        if only_key:
            return None
        mark = node.start_mark
        return mark.line + 1, mark.column + 1

    def _tabulate(self) -> None:
        root, self._root = self._root, None
        if root is None:
            return
        pending: list[tuple[FieldPath, Any]] = [((), root)]
        while pending:
            path, node = pending.pop()
            mark = node.start_mark
            self._positions[path] = (mark.line + 1, mark.column + 1)
            if node.id == "mapping":
                for k, v in node.value:
                    mark = k.start_mark
                    self._key_positions[(*path, k.value)] = (mark.line + 1, mark.column + 1)
                    pending.append(((*path, k.value), v))
            elif node.id == "sequence":
                pending.extend(((*path, i), v) for i, v in enumerate(node.value))


def _line_col(data: bytes, offset: int) -> Pos:
    line = data.count(b"\n", 0, offset) + 1
    start = data.rfind(b"\n", 0, offset) + 1
    column = len(data[start:offset].decode("utf-8", errors="replace")) + 1
    return line, column


def _plain_key_as_written(text: str) -> bool:
    """A plain key that every YAML library reads as the text written (a field name)."""
    return bool(_SIMPLE_KEY.match(text)) and text not in _YAML11_BOOL and text not in _NULLS


def _canonical_key(text: str, plain: bool) -> object:
    """The key a YAML 1.1 library would build, so `1`/`1.0` and `~`/`null` count as equal."""
    if not plain or _plain_key_as_written(text):
        return text
    if text in _NULLS:
        return ("null",)
    if text in _YAML11_BOOL:
        return (_YAML11_BOOL[text],)
    if _NUMBER.match(text) and any(ch.isdigit() for ch in text):
        try:
            return ("number", float(text.replace("_", "")))
        except ValueError:
            return text
    return text


class _Frame:
    """An open mapping or list; `skip` drops the value of the current key."""

    __slots__ = ("container", "key", "path", "seen", "skip")

    def __init__(self, container: Any, path: FieldPath) -> None:
        self.container = container
        self.path = path
        self.skip = False
        self.key: str | None = None
        self.seen: dict[object, int] = {}


def decode(data: bytes, file: str) -> str | Diagnostic:
    """Byte-level refusals that YAML parsers report badly or not at all; the decoded
    text when there are none (kept, so that no later stage decodes the file again)."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or (
        len(data) >= 4 and b"\x00" in data[:4] and data[:4].count(b"\x00") >= 2
    ):
        return Diagnostic(
            file,
            1,
            1,
            Code.UTF16,
            "the file is saved as UTF-16, but records must be UTF-8.",
            hint="in your editor choose 'Save with encoding' -> UTF-8.",
        )
    nul = data.find(b"\x00")
    if nul >= 0:
        line, col = _line_col(data, nul)
        return Diagnostic(
            file,
            line,
            col,
            Code.CONTROL_CHARACTER,
            "the file contains a NUL byte, which is never part of text.",
            hint="the file may be damaged or not a text file; retype the line.",
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _line_col(data, exc.start)
        return Diagnostic(
            file,
            line,
            col,
            Code.NOT_UTF8,
            "the file is not valid UTF-8 text here.",
            hint="save the file as UTF-8 (not Latin-1 or Windows-1252).",
        )
    control = _C1.search(data)
    if control is not None:
        line, col = _line_col(data, control.start())
        return Diagnostic(
            file,
            line,
            col,
            Code.CONTROL_CHARACTER,
            "the file contains an invisible control character (U+0080 to U+009F).",
            hint="delete it; it often comes from text pasted from another program.",
        )
    return text


def _tab_indent(text: bytes, file: str) -> Diagnostic | None:
    if b"\t" not in text:
        return None
    for number, line in enumerate(text.split(b"\n"), start=1):
        stripped = line.lstrip(b" \t")
        indent = line[: len(line) - len(stripped)]
        if b"\t" in indent and stripped and not stripped.startswith(b"#"):
            return Diagnostic(
                file,
                number,
                indent.index(b"\t") + 1,
                Code.TAB_INDENT,
                "a tab is used to indent this line; YAML indentation must use spaces.",
                hint="replace the tab with spaces (most editors: 'Convert indentation to spaces').",
            )
    return None


def _syntax_message(exc: Exception) -> tuple[str, str | None]:
    problem = str(getattr(exc, "problem", None) or exc).strip()
    context = getattr(exc, "context", None)
    if "control characters are not allowed" in problem or "special characters" in problem:
        return "the file contains a control character that is not allowed in text.", (
            "delete the invisible character; retyping the line usually removes it."
        )
    if "mapping values are not allowed" in problem:
        return "a `: ` (colon and space) appears inside a value.", (
            'put the whole value in double quotes, e.g. title: "Pegasus: the list".'
        )
    if "cannot start any token" in problem and "'\\t'" in problem:
        return (
            "a tab character appears where YAML does not allow one.",
            "use spaces instead of tabs.",
        )
    if "cannot start any token" in problem:
        return f"YAML cannot read this: {problem}.", (
            "values starting with a special character (@ ` % | > ! & *) must be put in quotes."
        )
    message = f"YAML cannot read this: {problem}"
    if context:
        message += f" ({context})"
    return message + ".", "check the indentation and quoting of this line and the one above."


def load(data: bytes, file: str) -> Loaded:
    """Read one record file's bytes. Never raises on bad input."""
    if len(data) > MAX_FILE_BYTES:
        return Loaded(None, diagnostics=[too_large(file, len(data))])
    text = decode(data, file)
    if isinstance(text, Diagnostic):
        return Loaded(None, diagnostics=[text])
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    tab = _tab_indent(data, file)
    if tab is not None:
        return Loaded(None, diagnostics=[tab])
    loaded = _parse(data, file)
    loaded.text = text
    if _has_yaml11_break(data):
        _remap_lines(loaded, text.removeprefix("\ufeff"))
    return loaded


#: Line breaks to libyaml (YAML 1.1) that are not line breaks in YAML 1.2, to editors or
#: to GitHub: with one in a file, libyaml's line numbers run ahead of the file's.
_YAML11_BREAKS = ("\u0085".encode(), "\u2028".encode(), "\u2029".encode())


def _has_yaml11_break(data: bytes) -> bool:
    """Any of `_YAML11_BREAKS` in UTF-8 bytes: three searches for a literal, in C."""
    return any(mark in data for mark in _YAML11_BREAKS)


_LIBYAML_BREAK = re.compile("\r\n|[\n\r\u0085\u2028\u2029]")
_BREAK = re.compile("\r\n|[\n\r]")


def _remap_lines(loaded: Loaded, text: str) -> None:
    """Every position as the file's own lines count it (rare files only: linear, once)."""
    import bisect
    import dataclasses

    lib_starts = [0, *(m.end() for m in _LIBYAML_BREAK.finditer(text))]
    starts = [0, *(m.end() for m in _BREAK.finditer(text))]

    def real(line: int | None, column: int | None) -> tuple[int | None, int | None]:
        if line is None or column is None or not 0 < line <= len(lib_starts):
            return line, column
        index = lib_starts[line - 1] + column - 1
        number = bisect.bisect_right(starts, index)
        return number, index - starts[number - 1] + 1

    for table in (loaded.positions, loaded.key_positions):
        for path, (line, column) in table.items():
            new_line, new_column = real(line, column)
            if new_line is not None and new_column is not None:
                table[path] = (new_line, new_column)
    loaded.diagnostics = [
        dataclasses.replace(d, line=found[0], column=found[1])
        for d in loaded.diagnostics
        for found in [real(d.line, d.column)]
    ]


#: What only the event walk reads exactly (`_needs_events`): an anchor, alias or tag
#: (`&`, `*`, `!` where a node can start: after a space, a line break or a flow
#: indicator), and a directive or document marker at the start of a line. An `&` or
#: `*` followed by white space (or nothing) names no anchor: in text (`Woman & Child`,
#: 1 shipped record in 75) it is text to both ways, and where a node starts libyaml
#: refuses it, so the composed way gives the file up all the same. Text such as
#: `a &b` matches and merely takes the longer way; a URL's `?a=1&b=2` does not. As one
#: expression (the tests hold the two below to it):
#: `(?:\A|[\s\[{,:\x85\xa8\xa9])(?:[&*](?=\S)|!)|(?:\A|[\r\n\x85\xa8\xa9])(?:---|\.\.\.|%)`.
#: That form starts with a choice and took 0.18 ms on a shipped record; after the first
#: byte, this one starts with a class of the marks (which the engine skips to fast)
#: and looks behind each for what must precede it.
_NEEDS_EVENTS_AFTER_START = re.compile(
    rb"[&*!%.\-]"
    rb"(?:(?<=[\s\[{,:\x85\xa8\xa9][&*])(?=\S)"
    rb"|(?<=[\s\[{,:\x85\xa8\xa9]!)"
    rb"|(?<=[\r\n\x85\xa8\xa9]%)"
    rb"|(?<=[\r\n\x85\xa8\xa9]-)--"
    rb"|(?<=[\r\n\x85\xa8\xa9]\.)\.\.)"
)
_NEEDS_EVENTS_AT_START = re.compile(rb"[&*](?=\S)|!|---|\.\.\.|%")


def _needs_events(data: bytes) -> bool:
    """Does the file hold what only the event walk reads exactly (the rule above)?
    Most files hold none of its marks (six searches for a literal, in C); the rest
    are searched from the marks."""
    if not (
        b"&" in data
        or b"*" in data
        or b"!" in data
        or b"%" in data
        or b"---" in data
        or b"..." in data
    ):
        return False
    return (
        _NEEDS_EVENTS_AT_START.match(data) is not None
        or _NEEDS_EVENTS_AFTER_START.search(data) is not None
    )


def _may_trail(data: bytes) -> bool:
    """Could a comment follow a value on its line (a `#` after a space or tab, with
    text before it)? Only then are plain values looked at for one. Linear: on each
    line only the first ` #` is looked behind, since a later one has a `#` before it
    and answers yes. Where libyaml ends lines that `\n` does not (a lone `\r`, NEL,
    LS, PS), its line numbers and the file's split lines part ways, and any `#` says
    yes, as the event walk has it."""
    if b"#" not in data:
        return False
    if data.count(b"\r") != data.count(b"\r\n") or _has_yaml11_break(data):
        return True
    for mark in (b" #", b"\t#"):
        at = data.find(mark)
        while at >= 0:
            start = data.rfind(b"\n", 0, at) + 1
            if data[start:at].strip(b" \t"):
                return True
            at = data.find(mark, at + 2)
    return False


class _Bail(Exception):
    """The composed tree holds something only the event walk reports exactly."""


def _composer_class() -> Any:
    """libyaml's parser, composing the whole node tree in C. Its resolver hooks are
    C callables that take the same arguments (no Python frame runs per node): an
    implicit node gets a `slice` as its tag, so only an explicit tag is a `str`."""
    return _composer_on(_parser_class())  # asked each time: libyaml may be missing


@cache
def _composer_on(parser: Any) -> Any:
    return type(
        "_Composer",
        (parser,),
        {
            "resolve": slice,
            "descend_resolver": slice,
            "ascend_resolver": tuple,
        },
    )


#: Plain keys already judged by `_plain_key_as_written` (field names repeat in every
#: file); bounded, so a stranger's thousands of keys cannot grow it.
_KEYS_JUDGED: dict[str, bool] = {}
_KEYS_JUDGED_MAX = 4096
#: Only keys up to this long are remembered (field names are short; an explicit key
#: may be a mebibyte long, and 4,096 of them would hold gigabytes).
_KEY_JUDGED_LONGEST = 64


def _compose(data: bytes) -> Loaded | None:
    """The fast way for files the event walk would read without a single diagnostic:
    libyaml composes the tree in C and one walk builds the data; positions are read
    from the tree only when asked for. None when the file needs the event walk (any
    problem, or anything `_needs_events` finds), which then reads it from the start,
    so what a file yields never depends on the way it took.

    The walk is written for speed (a third of the load's time): node kinds told by
    their class, a value taken in one call, judged keys remembered."""
    from yaml import YAMLError
    from yaml.nodes import MappingNode, ScalarNode

    if _needs_events(data):
        return None
    parser = _composer_class()(data)
    try:
        root = parser.get_single_node()
    except YAMLError:  # every problem is the event walk's to report
        return None
    finally:
        parser.dispose()
    if root is None or type(root) is not MappingNode or type(root.tag) is str:
        return None
    lines = data.split(b"\n") if _may_trail(data) else None
    commented: list[FieldPath] = []
    texts: list[str] = []
    keep = texts.append
    judged = _KEYS_JUDGED
    count = 1

    def mapping(node: Any, path: FieldPath, depth: int) -> dict[str, Any]:
        nonlocal count
        pairs = node.value
        count += 2 * len(pairs)
        if count > MAX_NODES or depth >= MAX_DEPTH:
            raise _Bail
        out: dict[str, Any] = {}
        for key, item in pairs:
            if type(key) is not ScalarNode or type(key.tag) is str:
                raise _Bail
            name = key.value
            if not key.style:
                ok = judged.get(name)
                if ok is None:
                    ok = _plain_key_as_written(name)
                    if len(judged) < _KEYS_JUDGED_MAX and len(name) <= _KEY_JUDGED_LONGEST:
                        judged[name] = ok
                if not ok:
                    raise _Bail  # a key whose spelling YAML 1.1 reads as another
            if name in out:
                raise _Bail
            keep(name)
            out[name] = value(item, path, name, depth)  # noqa: F821 (deleted at the end)
        return out

    def sequence(node: Any, path: FieldPath, depth: int) -> list[Any]:
        nonlocal count
        items = node.value
        count += len(items)
        if count > MAX_NODES or depth >= MAX_DEPTH:
            raise _Bail
        return [value(item, path, index, depth) for index, item in enumerate(items)]  # noqa: F821

    def value(item: Any, path: FieldPath, step: str | int, depth: int) -> Any:
        if type(item.tag) is str:
            raise _Bail
        kind = type(item)
        if kind is ScalarNode:
            text = item.value
            if not item.style:  # plain: may read as something else, or be cut short
                if text in _NULLS:
                    raise _Bail
                if text in _BOOLS:
                    return _BOOLS[text]
                if lines is not None:
                    start, end = item.start_mark, item.end_mark
                    if end.line == start.line and _comment_follows(lines, end.line, end.column):
                        commented.append((*path, step))
            keep(text)
            return text
        if kind is MappingNode:
            return mapping(item, (*path, step), depth + 1)  # noqa: F821
        return sequence(item, (*path, step), depth + 1)  # noqa: F821

    try:
        data_ = mapping(root, (), 0)
    except _Bail:
        return None
    finally:  # the three functions refer to each other: a cycle, which would wait
        del mapping, sequence, value  # for the collector (`validate --watch` never ends)
    return Loaded(data_, commented=commented, _root=root, texts=texts)


def _parse(data: bytes, file: str, *, again: bool = True, events: bool = False) -> Loaded:
    """The composed tree when it serves, else the event walk (`events`: always that)."""
    import yaml

    if again and not events:
        composed = _compose(data)
        if composed is not None:
            return composed
    parser = _parser_class()(data)
    try:
        return _Builder(parser, data, file).run()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        if getattr(exc, "problem", None) == _LIBYAML_TOO_DEEP and again and mark is not None:
            # libyaml (as bundled from PyYAML 6.0.4 on) refuses 1,000 levels itself, and
            # its scanner reads a line of brackets ahead of the events we see, so it can
            # stop before our own count does. The text before its stop holds the same
            # events and more than our limit's levels: read that, and our count reports
            # the level that goes too far, exactly as it does without libyaml's limit.
            cut = len(data.decode("utf-8")[: mark.index].encode("utf-8"))  # index counts characters
            return _parse(data[:cut], file, again=False)
        if mark is None:
            position = getattr(exc, "position", None)
            line, col = _line_col(data, position) if isinstance(position, int) else (1, 1)
        else:
            line, col = mark.line + 1, mark.column + 1
        message, hint = _syntax_message(exc)
        code = Code.CONTROL_CHARACTER if "control character" in message else Code.YAML_SYNTAX
        return Loaded(None, diagnostics=[Diagnostic(file, line, col, code, message, hint=hint)])
    finally:
        parser.dispose()


def too_large(file: str, size: int) -> Diagnostic:
    return Diagnostic(
        file,
        None,
        None,
        Code.FILE_TOO_LARGE,
        f"the file is {size:,} bytes; a record file may be at most {MAX_FILE_BYTES:,} bytes (1 MiB).",
        hint="a record describes one incident, target, operator or response; split it up.",
    )


def _directive_line(data: bytes) -> int:
    for number, line in enumerate(data.split(b"\n"), start=1):
        if line.startswith(b"%"):
            return number
    return 1


def _comment_follows(lines: list[bytes], line: int, column: int) -> bool:
    if line >= len(lines) or b"#" not in lines[line]:
        return False
    rest = lines[line].decode("utf-8", errors="replace")[column:]
    return rest.lstrip().startswith("#")


class _TooDeep(Exception):
    """Nesting past MAX_DEPTH, at the position of the level that goes too far."""

    def __init__(self, pos: Pos) -> None:
        self.pos = pos


def _skip_subtree(get: Any, depth: int) -> None:
    """Consume a refused collection's events, within the nesting limit all the same."""
    from yaml.events import CollectionEndEvent, CollectionStartEvent

    opened = 1
    while opened:
        event = get()
        if isinstance(event, CollectionStartEvent):
            if depth + opened >= MAX_DEPTH:
                mark: Any = event.start_mark
                raise _TooDeep((mark.line + 1, mark.column + 1))
            opened += 1
        elif isinstance(event, CollectionEndEvent):
            opened -= 1


def _drop(frame: _Frame, out: Loaded) -> None:
    if isinstance(frame.container, dict):
        if not frame.skip and frame.key is not None:
            out.dropped.add((*frame.path, frame.key))
        frame.key, frame.skip = None, False
    else:
        out.dropped.add((*frame.path, len(frame.container)))
        frame.container.append(None)


_Handler = Callable[["_Builder", Any], None]


@cache
def _handlers() -> dict[type, _Handler]:
    """Event class -> handler, built on first use so that importing us imports no YAML."""
    from yaml import events

    return {
        events.StreamStartEvent: _Builder.stream_start,
        events.StreamEndEvent: _Builder.stream_end,
        events.DocumentStartEvent: _Builder.document_start,
        events.DocumentEndEvent: _Builder.document_end,
        events.MappingStartEvent: _Builder.mapping_start,
        events.SequenceStartEvent: _Builder.sequence_start,
        events.MappingEndEvent: _Builder.collection_end,
        events.SequenceEndEvent: _Builder.collection_end,
        events.ScalarEvent: _Builder.scalar,
        events.AliasEvent: _Builder.alias,
    }


class _Builder:
    """One file's walk over libyaml's events: a method per event kind, and `report`
    as the one way out for diagnostics. `done` stops the walk (end of stream, second
    document, or a problem after which nothing more can be read)."""

    __slots__ = ("data", "done", "file", "get", "hashes", "nodes", "out", "stack", "started")

    def __init__(self, parser: Any, data: bytes, file: str) -> None:
        self.get = parser.get_event
        self.data = data
        self.file = file
        self.out = Loaded(None)
        self.stack: list[_Frame] = []
        self.nodes = 0
        self.hashes: list[bytes] | None = None
        self.started = False
        self.done = False

    def run(self) -> Loaded:
        handlers = _handlers()
        get = self.get
        try:
            while not self.done:
                event = get()
                handlers[type(event)](self, event)
        except _TooDeep as deep:
            self.report(
                Code.TOO_DEEP,
                deep.pos,
                f"the data is nested deeper than {MAX_DEPTH} levels.",
                hint="records are at most a few levels deep; check the indentation.",
            )
        return self.out

    def report(
        self,
        code: Code,
        pos: tuple[int | None, int],
        message: str,
        *,
        field: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.out.diagnostics.append(
            Diagnostic(self.file, pos[0], pos[1], code, message, field=field, hint=hint)
        )

    # Stream and document events: one document, holding one mapping.

    def stream_start(self, event: Any) -> None:
        pass

    def stream_end(self, event: Any) -> None:
        if not self.started:
            self.report(
                Code.EMPTY_FILE,
                (1, 1),
                "the file is empty or holds only comments.",
                hint="a record needs at least `id`, `kind` and `sources`; "
                "`sarschema new KIND ID` writes a template.",
            )
        self.done = True

    def document_start(self, event: Any) -> None:
        if self.started:  # the first document is complete: stop at the second
            line = event.start_mark.line + 1 if event.start_mark else None
            self.report(
                Code.MULTIPLE_DOCUMENTS,
                (line, 1),
                "the file holds a second YAML document after `---`; one record per file.",
                hint="move the second record to its own file.",
            )
            self.done = True
            return
        self.started = True
        if event.version is not None or event.tags:
            self.report(
                Code.DIRECTIVE,
                (_directive_line(self.data), 1),
                "YAML directives such as `%YAML` or `%TAG` are not allowed.",
                hint="delete the line starting with `%`.",
            )
        if b"#" in self.data:
            self.hashes = self.data.split(b"\n")

    def document_end(self, event: Any) -> None:
        pass

    # Node events. Each counts and positions itself inline: this is the hot path, and
    # a shared helper call per value costs a measurable share of load time.

    def scalar(self, event: Any) -> None:
        mark = event.start_mark
        pos = (mark.line + 1, mark.column + 1)
        self.nodes += 1
        if self.nodes > MAX_NODES:
            self._too_many(pos)
            return
        tagged = (event.anchor is not None or event.tag is not None) and self._decorations(
            event, pos
        )
        style = event.style
        plain = style == "" or style is None
        text = event.value
        if not self.stack:
            self._not_mapping(pos, "a single value")
            return
        frame = self.stack[-1]
        if frame.key is None and isinstance(frame.container, dict):
            self._take_key(frame, text, plain, pos)
            return
        if tagged:
            _drop(frame, self.out)
            return
        if plain and text in _NULLS:
            value: Any = None
        elif plain and text in _BOOLS:
            value = _BOOLS[text]
        else:
            value = text
        path = self._place(frame, value, pos)
        hashes = self.hashes
        if hashes is not None and plain and isinstance(value, str):
            end = event.end_mark
            if end.line + 1 == pos[0] and _comment_follows(hashes, end.line, end.column):
                self.out.commented.append(path)

    def mapping_start(self, event: Any) -> None:
        self._open(event, {})

    def sequence_start(self, event: Any) -> None:
        self._open(event, [])

    def collection_end(self, event: Any) -> None:
        """Mapping or list end; the root's end completes the document."""
        frame = self.stack.pop()
        if not self.stack:
            self.out.data = frame.container

    def alias(self, event: Any) -> None:
        mark = event.start_mark
        pos = (mark.line + 1, mark.column + 1)
        self.nodes += 1
        if self.nodes > MAX_NODES:
            self._too_many(pos)
            return
        self.report(
            Code.ANCHOR_ALIAS,
            pos,
            "YAML aliases (`*name`) are not allowed.",
            hint="write the value out in full instead of referring to an anchor.",
        )
        if not self.stack:
            self.done = True
            return
        frame = self.stack[-1]
        if frame.key is None and isinstance(frame.container, dict):
            frame.key, frame.skip = "", True
            return
        _drop(frame, self.out)

    # Shared steps of the node events.

    def _too_many(self, pos: Pos) -> None:
        self.report(
            Code.TOO_MANY_NODES,
            pos,
            f"the file holds more than {MAX_NODES:,} values; a record is never that large.",
            hint="split the data into several records.",
        )
        self.done = True

    def _decorations(self, event: Any, pos: Pos) -> bool:
        """Report anchors and tags; True when the value is tagged and must be dropped."""
        if event.anchor is not None:
            self.report(
                Code.ANCHOR_ALIAS,
                pos,
                "YAML anchors (`&name`) are not allowed.",
                hint="write the value out in full instead of anchoring and reusing it.",
            )
        if event.tag is not None:
            self.report(
                Code.TAG,
                pos,
                "YAML tags (words starting with `!`) are not allowed.",
                hint="delete the tag; to make a value text, put it in double quotes.",
            )
            return True
        return False

    def _not_mapping(self, pos: Pos, what: str) -> None:
        self.report(
            Code.NOT_A_MAPPING,
            pos,
            f"the file holds {what}, but a record is a set of `field: value` lines.",
            hint="start the file with `id: ...` on its own line, not with `-` or a bare value.",
        )
        self.done = True

    def _open(self, event: Any, container: dict[str, Any] | list[Any]) -> None:
        mark = event.start_mark
        pos = (mark.line + 1, mark.column + 1)
        self.nodes += 1
        if self.nodes > MAX_NODES:
            self._too_many(pos)
            return
        tagged = (event.anchor is not None or event.tag is not None) and self._decorations(
            event, pos
        )
        stack = self.stack
        if len(stack) >= MAX_DEPTH:
            raise _TooDeep(pos)
        if not stack:
            if isinstance(container, list):
                self._not_mapping(pos, "a list")
                return
            stack.append(_Frame(container, ()))
            self.out._positions[()] = pos
            return
        frame = stack[-1]
        if isinstance(frame.container, dict):
            if frame.key is None:
                self.report(
                    Code.BAD_KEY,
                    pos,
                    "a list or mapping is used as a key.",
                    hint="keys are field names such as `title:`.",
                )
                _skip_subtree(self.get, len(stack))
                frame.key, frame.skip = "", True
                return
            if frame.skip:
                frame.key, frame.skip = None, False
                _skip_subtree(self.get, len(stack))
                return
        if tagged:
            _drop(frame, self.out)
            _skip_subtree(self.get, len(stack))
            return
        stack.append(_Frame(container, self._place(frame, container, pos)))

    def _take_key(self, frame: _Frame, text: str, plain: bool, pos: Pos) -> None:
        if plain and text == "<<":
            self.report(
                Code.MERGE_KEY,
                pos,
                "YAML merge keys (`<<`) are not allowed.",
                hint="write every field out in full.",
            )
            frame.key, frame.skip = "", True
            return
        if plain and text in _NULLS:
            self.report(
                Code.BAD_KEY,
                pos,
                "a key is empty or `null`.",
                hint="every line needs a field name before the colon, such as `title:`.",
            )
            frame.key, frame.skip = "", True
            return
        canonical = _canonical_key(text, plain)
        first = frame.seen.get(canonical)
        field_path = (*frame.path, text)
        if first is not None:
            self.report(
                Code.DUPLICATE_KEY,
                pos,
                f"this key repeats the key on line {first} of the same mapping.",
                field=format_field(field_path),
                hint="keep one of the two lines; YAML would silently keep only the last one.",
            )
            frame.key, frame.skip = "", True
            return
        frame.seen[canonical] = pos[0]
        frame.key, frame.skip = text, False
        self.out._key_positions[field_path] = pos

    def _place(self, frame: _Frame, value: Any, pos: Pos) -> FieldPath:
        """Put a value into the current container and return its path."""
        out = self.out
        container = frame.container
        if isinstance(container, dict):
            key = frame.key
            skip = frame.skip
            frame.key, frame.skip = None, False
            assert key is not None
            path = (*frame.path, key)
            if skip:
                return path
            if value is not None:
                container[key] = value
                out._positions[path] = pos
                return path
            where = out._key_positions.get(path, pos)
        else:
            path = (*frame.path, len(container))
            container.append(value)
            if value is not None:
                out._positions[path] = pos
                return path
            where = pos
        name = format_field(path)
        self.report(
            Code.EMPTY_VALUE,
            where,
            f"`{name}` has no value (empty, `~` or `null`).",
            field=name,
            hint="fill it in, or delete the line if the field is optional.",
        )
        out.dropped.add(path)
        return path
