"""Output that stays inert: what a stranger wrote is shown, never obeyed.

File names, keys and values come from a contributor's branch. Printed raw, an ESC
or OSC sequence could hide lines, fake a verdict or write the clipboard, a newline
could start a GitHub workflow command (`::stop-commands::`), and a bidi control
could make a line read in another order. Every such character is shown as a
visible escape instead: C0 and C1 controls, DEL, line and paragraph separators,
and the invisible format characters (bidi controls, zero-width characters, the
soft hyphen, tag characters). A file name that is not UTF-8 (Python keeps each such
byte as a lone surrogate) is shown with the byte (`\\xff`), and written in JSON as
the surrogate's escape, so that the output stays UTF-8.

>>> inert("ok.yaml\\n::error::forged \\x1b]52;c;aGk=\\x07")
'ok.yaml\\\\n::error::forged \\\\x1b]52;c;aGk=\\\\x07'
>>> inert("\\u202eevil")
'\\\\u202eevil'
>>> inert("targets/\\udcff.yaml")
'targets/\\\\xff.yaml'
>>> inert_json('"targets/\\udcff.yaml"')
'"targets/\\\\udcff.yaml"'
"""

from __future__ import annotations

import re

_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\xad\u061c\u070f\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f"
    "\ud800-\udfff\ufeff\ufff9-\ufffb\U000e0000-\U000e007f]"
)
# The same characters, as they may still appear inside JSON strings (json.dumps
# already escapes C0 controls).
_UNSAFE_IN_JSON = re.compile(
    "[\x7f-\x9f\xad\u061c\u070f\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f"
    "\ud800-\udfff\ufeff\ufff9-\ufffb\U000e0000-\U000e007f]"
)


_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that is not UTF-8, as `surrogateescape` keeps it
        code -= 0xDC00
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def inert(text: str) -> str:
    """`text` with every control and invisible format character shown as an escape."""
    return _UNSAFE.sub(_escape, text) if _UNSAFE.search(text) else text


def _json_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000  # a surrogate pair, as JSON spells characters beyond the BMP
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def inert_json(document: str) -> str:
    """A JSON text with the same data, its invisible characters written as `\\uXXXX`."""
    return _UNSAFE_IN_JSON.sub(_json_escape, document)
