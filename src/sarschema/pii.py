"""The personal-data guard: no phone number, e-mail address or IMEI in a record.

Such data endangers the people recorded, so this check has no switch, and its
messages name the field and line but never repeat what was found. The guard errs
on the side of the person: a false positive costs a contributor one rewording, a
false negative puts a number in the public history for good. The rule, with
every exception, is written for contributors in docs/personal-data.md; keep the
two in step.

Every step is linear in the text: one normalising pass, then regular
expressions whose repetitions are bounded or cannot overlap, and O(1) work per
candidate (libphonenumber's metadata is read once per region and cached; its
matcher, which runs once per region and backtracks, is not used).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from functools import cache, lru_cache
from typing import Any
from urllib.parse import unquote

from sarschema.codes import Code
from sarschema.diagnostics import Diagnostic, FieldPath, format_field
from sarschema.loader import Loaded


def country_fields() -> frozenset[str]:
    """The fields that hold country codes (`location`, `nationalities`, ...); the
    models are imported on first use, not with this module."""
    from sarschema.fields import names_with
    from sarschema.markers import Role

    return names_with(Role.COUNTRY)


# --- normalising ----------------------------------------------------------------------


class _Fold(dict[int, str]):
    """A folding table filled on first use of each character: invisible
    format characters (Unicode category Cf: zero-width space, soft hyphen, bidi
    marks) vanish, every dash (category Pd) and the minus sign become `-`, every
    space and line separator becomes a space, and every decimal digit (Arabic-Indic,
    Devanagari, ...) becomes its ASCII digit."""

    LIMIT = 1 << 16  # characters remembered; rarer ones are folded each time

    def __missing__(self, code: int) -> str:
        char = chr(code)
        category = unicodedata.category(char)
        if category == "Cf":
            out = ""
        elif category == "Pd" or char == "\u2212":
            out = "-"
        elif category in ("Zs", "Zl", "Zp"):
            out = " "
        elif category == "Nd":
            out = str(unicodedata.decimal(char))
        else:
            out = char
        if len(self) < self.LIMIT:
            self[code] = out
        return out


_FOLD = _Fold()
# The characters `_Fold` may change: not ASCII, and not a letter or mark, or a digit.
# Two passes of one character class each: the engine skips ahead fast on a class,
# not on an alternation of two (twice as slow).
_TO_FOLD = re.compile(r"[^\x00-\x7f\w]")
_DIGIT_TO_FOLD = re.compile(r"[^\x00-\x7f\D]")


def _fold(match: re.Match[str]) -> str:
    return _FOLD[ord(match.group())]


# White space other than the space (the non-ASCII kinds are spaces by now): what
# `str.split` would split on besides it, once NFKC and `_Fold` have run.
_OTHER_SPACES = ("\n", "\r", "\t", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x1f", "\x85")


_SPACE_RUN = re.compile(" {2,}")


def _one_space(text: str) -> str:
    """Every run of white space one space, at the ends too: each kind replaced by a
    space (a pass in C, none when absent), then pairs of spaces halved once, which
    leaves most texts done; a longer run left is joined up by one linear pass. Half
    the time of `" ".join(text.split())`, which made a string of every word."""
    for space in _OTHER_SPACES:
        if space in text:
            text = text.replace(space, " ")
    if "  " in text:
        text = text.replace("  ", " ")
        if "  " in text:
            text = _SPACE_RUN.sub(" ", text)
    return text


def normalise(text: str) -> str:
    """The text as the guard reads it: NFKC (full-width and no-break forms become
    plain ones), invisible characters removed, dashes folded to `-`, digits to ASCII,
    and every run of white space (line breaks included) one space."""
    if not text.isascii():
        text = _DIGIT_TO_FOLD.sub(_fold, _TO_FOLD.sub(_fold, unicodedata.normalize("NFKC", text)))
    return _one_space(text)


# A cheap test on the raw text: nothing to find without a digit, an @ or the word "at".
_MAYBE = re.compile(r"[\d@]|\bat\b", re.IGNORECASE)


def could_hold_personal_data(text: str) -> bool:
    """False only when `text` cannot hold personal data by the rule: no digit, no
    `@` and no word "at" once normalised."""
    if not text.isascii():
        text = normalise(text)
    return _MAYBE.search(text) is not None


# --- e-mail addresses -----------------------------------------------------------------

# `(at)`, `[at]`, `{at}`, `<at>`, `(@)` and a lone ` @ `: an @ written to dodge scrapers.
_AT_FORM = re.compile(r" ?[(\[{<] ?(?:[aA][tT]|@) ?[)\]}>] ?| @ ")
# Starts with a class, which the engine skips ahead to fast (` @ ` is looked for apart).
_AT_FORM_FIND = re.compile(r"[(\[{<] ?(?:[aA][tT]|@) ?[)\]}>]")
_LABEL = r"[^\W_](?:[\w\-]{0,61}[^\W_])?"  # 63 characters at most
_DOT = r"(?:\.| ?[(\[{<] ?(?:dot|\.) ?[)\]}>] ?| dot )"
_DOMAIN = rf"(?P<domain>{_LABEL}(?:{_DOT}{_LABEL}){{1,126}})"  # 255 characters, give or take
# Anchored on each @ (or written-out "at"): a domain after it, and one character of
# local part before it. Every repetition is bounded and a domain holds neither an @
# nor an " at ", so the work is linear in the text.
_EMAIL = re.compile(rf"@{_DOMAIN}", re.IGNORECASE)
_EMAIL_IN_WORDS = re.compile(rf" at {_DOMAIN}", re.IGNORECASE)
_LOCAL = frozenset("!#$%&'*+-.=?^_`{|}~")
_DOT_SPLIT = re.compile(_DOT, re.IGNORECASE)
_WRITTEN_DOT = re.compile(r" dot |[)\]}>]", re.IGNORECASE)


def _is_domain(domain: str, *, written_dot: bool = False) -> bool:
    """Two labels or more, one after the first of two letters or more (as top-level
    domains are); with `written_dot`, one dot written out (`dot`, `[.]`)."""
    if written_dot and _WRITTEN_DOT.search(domain) is None:
        return False
    return any(
        (len(label) >= 2 and label.isalpha()) or label.lower().startswith("xn--")
        for label in _DOT_SPLIT.split(domain)[1:]
    )


def _has_email(text: str) -> bool:
    if " @ " in text or _AT_FORM_FIND.search(text) is not None:  # rare: write them as a plain @
        text = _AT_FORM.sub("@", text)
    if "@" in text:
        for match in _EMAIL.finditer(text):
            before = text[match.start() - 1] if match.start() else " "
            if (before.isalnum() or before in _LOCAL) and _is_domain(match["domain"]):
                return True
    for match in _EMAIL_IN_WORDS.finditer(text):
        if (
            match.start()
            and text[match.start() - 1].isalnum()
            and _is_domain(match["domain"], written_dot=True)
        ):
            return True
    return False


# --- phone numbers and IMEIs ----------------------------------------------------------

# A separator between digits: a space, `-`, `_`, `/`, a dot that does not end a
# sentence (a dot followed by a space does), a defanged dot `[.]`, and brackets around
# one to five digits or a `+` code, as in `+44 (0)20` or `(+44) 20` (not in
# `2021 (5 years)`). At most three in a row.
_CLOSE = "|".join(
    [rf"(?<=[(\[]\d{{{n}}})[)\]]" for n in range(1, 6)]
    + [rf"(?<=[(\[]\+\d{{{n}}})[)\]]" for n in range(1, 4)]  # `(+44) 20 ...`
)
_SEP = rf"(?:[ \-_/]|\.(?! )|\[\.\]|[(\[](?=\d{{1,5}}[)\]])|{_CLOSE})"
# A candidate: digits joined by separators, maybe after a `+` (international): the
# same as `\+?\d(?:SEP{0,3}\d)*`, written to start with a character class (which the
# regex engine skips to fast). A match is a maximal run: greedy, it takes all the
# digits that follow. Digits and separators are disjoint and a group of separators
# (one to three) must lie between two groups of digits, so nothing can backtrack
# beyond the three separators of one step. ASCII digits only: it reads normalised
# text, whose digits are all ASCII by then, and an ASCII class is tested faster
# (a quarter of the time of the Unicode one on 10,000 shipped records' texts).
_RUN = re.compile(rf"[\d+](?:(?<=\+)(?=\d)|(?<!\+))\d*(?:{_SEP}{{1,3}}\d+)*", re.ASCII)
_SHORTEST = 6  # characters: a run of fewer holds fewer than six digits, which never count
_NOT_DIGIT = re.compile(r"\D")
_NOT_DIGITS = str.maketrans(dict.fromkeys(" -_/.()[]+"))

# Tokens read apart from the text around them, up to the next space: URLs (only their
# phone links count) and DOIs (never personal data). Found from a literal mark (`://`,
# `www.`, `10.1234/`), so that the search costs next to nothing on plain text.
# The same as `://|www\.|10\.\d{4,9}/` ignoring case, written to start with a class.
_TOKEN_MARK = re.compile(r"[:wW1](?:(?<=:)//|(?<=[wW])[wW][wW]\.|(?<=1)0\.\d{4,9}/)")
_SCHEME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-")


def _boundary_before(text: str, index: int, also: str) -> bool:
    """No word character (nor one of `also`) right before `index`."""
    return index == 0 or not (text[index - 1].isalnum() or text[index - 1] in also)


def _tokens(text: str) -> Iterator[tuple[int, int, bool]]:
    """(start, end, is_url) of each URL and DOI, in order, none overlapping."""
    position = 0
    for mark in _TOKEN_MARK.finditer(text):
        start = mark.start()
        if start < position:
            continue  # inside the token before
        if mark.group() == "://":  # a scheme before it: `[a-z][a-z0-9+.-]{0,31}`
            while start > 0 and mark.start() - start <= 32 and text[start - 1] in _SCHEME_CHARS:
                start -= 1
            if not (
                start < mark.start()
                and mark.start() - start <= 32
                and text[start].isascii()
                and text[start].isalpha()
                and _boundary_before(text, start, "_.+-")
            ):
                continue
        elif not _boundary_before(text, start, "_.+-" if mark.group()[0] in "wW" else "_."):
            continue
        end = text.find(" ", mark.end())
        end = len(text) if end < 0 else end
        yield start, end, mark.group()[0] in ":wW"
        position = end


# In a URL, digits count only in a phone link: after `tel:` and its kin, after
# `wa.me/`, as a `phone=` (and kin) parameter, or after a `+`.
_LINK = re.compile(
    r"(?:\b(?:tel|sms|smsto|mms|mmsto|callto|facetime|facetime-audio|whatsapp|viber|skype"
    r"|sips?):/{0,2}|\bwa\.me/|[?&;#/](?:phone|tel|number|mobile|msisdn|whatsapp|cell)=)"
    r"(?=\+?\d)|(?=\+\d)",
    re.IGNORECASE,
)

_Y = r"(?:1[89]|20)\d\d"
_M = r"(?:0?[1-9]|1[0-2])"
_D = r"(?:0?[1-9]|[12]\d|3[01])"
_ONE_DATE = (
    rf"(?:{_Y}(?P<s1>[\-/.]){_M}(?P=s1){_D}"  # 2021-07-18, 2021/07/18, 2021.07.18
    rf"|{_D}(?P<s2>[\-/.]){_M}(?P=s2)(?:{_Y}|\d\d)"  # 18/07/2021, 18.07.21
    rf"|{_M}(?P<s3>[\-/.]){_D}(?P=s3){_Y}"  # 07/18/2021
    rf"|{_Y}[\-/.]{_M}|{_M}[\-/.]{_Y}"  # 2021-07, 07/2021
    rf"|{_Y})"  # 2021
)
# A date, a year or month, or a range of two (2016-2021, 2016-21, 2021-07-18 - 2021-08-01),
# maybe with the hour of a time (2021-07-18 12:30: the run stops at the colon).
_DATE = re.compile(
    rf"{_ONE_DATE}(?: ?[\-/] ?(?:{_ONE_DATE.replace('?P<s', '?P<t').replace('?P=s', '?P=t')}"
    rf"|\d\d))?"
)
_DATE_HOUR = re.compile(rf"{_ONE_DATE} \d{{1,2}}")
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IPV4 = re.compile(rf"{_OCTET}(?:(?:\.|\[\.\]){_OCTET}){{3}}(?:/\d{{1,2}})?")
_UUID = re.compile(r"[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}", re.IGNORECASE)
_THOUSANDS = re.compile(r"[1-9]\d{0,2}(?P<sep>[ .])\d{3}(?:(?P=sep)\d{3})*")
# A reference number: a word such as `case`, `ref.` or `report` just before it,
# maybe with `no.`, `n°` or `#`, a colon, and a code in capitals.
_REFERENCE_WORDS = (
    "case|cases|affaire|caso|dossier|file|docket|ref|refs|réf|reference|référence|referencia"
    "|report|rapport|informe|complaint|plainte|denuncia|judgment|judgement|jugement|arrêt"
    "|ruling|sentencia|verdict|decision|décision|decisión|decree|décret|decreto|dahir|law|loi"
    "|ley|article|art|resolution|résolution|resolución|application|requête|petition|pétition"
    "|communication|opinion|order|ordonnance|bill|act|motion|patent|expediente|sumario"
    "|registration|invoice|ticket|page|pages|p|pp|vol|volume|issue|chapter|section|para"
    "|company|index|doc|document|isbn|issn|doi|cve|kb|pmid|arxiv"
)
_REFERENCE = re.compile(
    rf"(?:^|[^\w])(?:{_REFERENCE_WORDS})\.?"
    r"(?: ?(?:no|nos|nr|n°|num|number|numbers|numéro|número|#)\.?)? ?[:#(\-]?"
    r"(?: ?(?-i:[A-Z]{2,5}))? ?\Z",  # maybe a code in capitals: `Index: MDE 29/4491/2021`
    re.IGNORECASE,
)
_REFERENCE_WINDOW = 48


@cache
def _currencies() -> frozenset[str]:
    import pycountry

    return frozenset(c.alpha_3 for c in pycountry.currencies)


def _currency_at(text: str, index: int, step: int) -> bool:
    """A currency sign or ISO 4217 code next to a number (one space allowed)."""
    if 0 <= index < len(text) and text[index] == " ":
        index += step
    if not 0 <= index < len(text):
        return False
    if unicodedata.category(text[index]) == "Sc":
        return True
    word = text[index - 2 : index + 1] if step < 0 else text[index : index + 3]
    outside = index - 3 if step < 0 else index + 3
    return (
        len(word) == 3
        and word in _currencies()
        and not (0 <= outside < len(text) and text[outside].isalnum())
    )


def _luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        n = int(char)
        if index % 2 == 1:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def _isbn13(digits: str) -> bool:
    return (
        len(digits) == 13
        and digits[:3] in ("978", "979")
        and sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(digits)) % 10 == 0
    )


def _ascii_digits(run: str) -> str:
    digits = run.translate(_NOT_DIGITS)  # a run holds digits, separators and a `+` only
    if not (digits.isascii() and digits.isdigit()):  # `normalise` folded other digits
        digits = "".join(str(unicodedata.decimal(c)) for c in _NOT_DIGIT.sub("", run))
    return digits


@cache
def _shortest_national(country_code: int) -> int:
    """The fewest digits a national number of this calling code may have (metadata)."""
    import phonenumbers
    from phonenumbers import PhoneMetadata

    lengths: list[int] = []
    for region in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(country_code, ()):
        metadata = PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)
        if metadata is not None and metadata.general_desc is not None:
            lengths += metadata.general_desc.possible_length or ()
    return min(lengths, default=99)


def _possible_international(digits: str) -> bool:
    """Is `+digits` a possible number (not only dialable locally), by libphonenumber?
    A calling code (1 to 3 digits, none a prefix of another) whose numbers are all
    longer answers at once; libphonenumber parses the rest, cached."""
    import phonenumbers

    if not digits or digits[0] == "0":
        return False
    for size in (1, 2, 3):
        if int(digits[:size]) in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            break
    else:
        return False
    if len(digits) - size < _shortest_national(int(digits[:size])):
        return False
    return _parse_possible(digits)


@lru_cache(maxsize=1 << 15)
def _parse_possible(digits: str) -> bool:
    import phonenumbers

    try:
        number = phonenumbers.parse("+" + digits, None)
    except phonenumbers.NumberParseException:
        return False
    reason = phonenumbers.is_possible_number_with_reason(number)
    return bool(reason == phonenumbers.ValidationResult.IS_POSSIBLE)


@cache
def _six_digits_possible(region: str) -> bool:
    """May a national number of `region` have six digits (libphonenumber's metadata)?"""
    from phonenumbers import PhoneMetadata

    metadata = PhoneMetadata.metadata_for_region(region)
    if metadata is None or metadata.general_desc is None:
        return False
    return 6 in (metadata.general_desc.possible_length or ())


def six_digit_regions(regions: Iterable[str]) -> bool:
    """Does one of `regions` have six-digit national numbers?"""
    return any(_six_digits_possible(region) for region in regions)


def _reference(text: str, start: int) -> bool:
    """Is the run at `start` introduced by a reference word (`case no.`, `ref.`, ...)?"""
    before = start
    while before > 0 and start - before < 4 and text[before - 1] in " :#(-":
        before -= 1
    if before == 0 or not (text[before - 1].isalpha() or text[before - 1] in ".°#"):
        return False  # the cheap test: no word can end right before the run
    return _REFERENCE.search(text, max(0, start - _REFERENCE_WINDOW), start) is not None


# A hash (32 hexadecimal characters or more, one of them a letter) or a UUID: digits in
# it never count. Looked for only when a run would count, once per text.
_HEX_WORD = re.compile(
    r"(?<![\w\-])(?:[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}|(?=\d*+[a-f])[0-9a-f]{32,}+)"
    r"(?![\w\-])",
    re.IGNORECASE,
)


class _Text:
    """One text (or part of one) whose runs are judged, with what is found lazily."""

    __slots__ = ("_hex_ends", "_hex_starts", "six", "text")

    def __init__(self, text: str, six: bool) -> None:
        self.text = text
        self.six = six
        self._hex_starts: list[int] | None = None
        self._hex_ends: list[int] = []

    def outside_hex_words(self, start: int, end: int) -> list[tuple[int, int]]:
        """The parts of [start, end) outside hashes and UUIDs."""
        if self._hex_starts is None:
            spans = [m.span() for m in _HEX_WORD.finditer(self.text)]
            self._hex_starts = [a for a, _ in spans]
            self._hex_ends = [b for _, b in spans]
        parts = []
        index = bisect_right(self._hex_ends, start)  # the first word ending after `start`
        while index < len(self._hex_starts) and self._hex_starts[index] < end:
            if self._hex_starts[index] > start:
                parts.append((start, self._hex_starts[index]))
            start = max(start, self._hex_ends[index])
            index += 1
        if start < end:
            parts.append((start, end))
        return parts


def _exempt(text: str, start: int, end: int, run: str, digits: str) -> bool:
    """The exceptions for a national run (never for `+`/`00` numbers or IMEIs)."""
    if end < len(text) and text[end] in ":h" and _DATE_HOUR.fullmatch(run):
        return True
    if _reference(text, start) or _isbn13(digits) or _IPV4.fullmatch(run):
        return True
    amount = _THOUSANDS.fullmatch(run)
    return amount is not None and (
        run.endswith("000") or _currency_at(text, start - 1, -1) or _currency_at(text, end, 1)
    )


def _judge(
    where: _Text, match: re.Match[str], *, link: bool = False, whole: bool = True
) -> Code | None:
    """The code for one candidate run, or None: O(1) work beyond reading its digits.
    `whole`: the run may still hold digits of a hash or UUID, to be left out."""
    text = where.text
    run = match.group()
    digits = _ascii_digits(run)
    count = len(digits)
    if count < 4:
        return None
    if run.startswith("+"):
        return Code.PHONE_NUMBER if count >= 7 or _possible_international(digits) else None
    if digits.startswith("00"):  # the international prefix; a reference may start so too
        if not (count >= 7 or _possible_international(digits[2:])):
            return None
        return None if not link and _reference(text, match.start()) else Code.PHONE_NUMBER
    if count < 6 or (count == 6 and not where.six):
        return None
    if link:
        return Code.IMEI if (count == 15 and _luhn(digits)) or count == 16 else Code.PHONE_NUMBER
    if _DATE.fullmatch(run):
        return None
    if whole:
        parts = where.outside_hex_words(match.start(), match.end())
        if parts != [match.span()]:  # judge what is left of it apart
            codes = [
                _judge(where, sub, whole=False)
                for a, b in parts
                for sub in _RUN.finditer(text, a, b)
            ]
            return min((c for c in codes if c), default=None)
    if (count == 15 and _luhn(digits)) or count == 16:
        return Code.IMEI  # an IMEI, or a 16-digit IMEISV
    if _exempt(text, match.start(), match.end(), run, digits):
        return None
    return Code.PHONE_NUMBER


def _numbers_in_text(text: str, six: bool, found: set[Code]) -> None:
    where = _Text(text, six)
    for match in _RUN.finditer(text):
        if match.end() - match.start() < (15 if Code.PHONE_NUMBER in found else _SHORTEST):
            continue  # too short (once a phone number is found, only an IMEI is left)
        code = _judge(where, match)
        if code is not None:
            found.add(code)
            if {Code.PHONE_NUMBER, Code.IMEI} <= found:
                return


def _numbers_in_url(url: str, six: bool, found: set[Code]) -> None:
    if "%" in url:  # `%2B` is a `+`, `%40` an @
        url = normalise(unquote(url))
        if _has_email(url):
            found.add(Code.EMAIL_ADDRESS)
    elif not (
        "+" in url or "=" in url or ":" in url[url.find("://") + 3 :] or "wa.me/" in url.lower()
    ):
        return  # the cheap test: no phone link can be in it
    done = 0
    for link in _LINK.finditer(url):
        if link.end() < done:
            continue
        match = _RUN.match(url, link.end())
        if match is None:
            continue
        done = match.end()
        code = _judge(_Text(url, six), match, link=True)
        if code is not None:
            found.add(code)


def _find(text: str, six: bool) -> list[Code]:
    if text.isascii() and _MAYBE.search(text) is None:
        return []
    text = normalise(text)
    if not text.isascii() and _MAYBE.search(text) is None:
        return []
    found: set[Code] = set()
    if _has_email(text):
        found.add(Code.EMAIL_ADDRESS)
    position = 0
    for start, end, is_url in _tokens(text):
        _numbers_in_text(text[position:start], six, found)
        if is_url:
            _numbers_in_url(text[start:end], six, found)
        position = end
    _numbers_in_text(text[position:] if position else text, six, found)
    return sorted(found)


def find_personal_data(text: str, regions: Iterable[str] = ()) -> list[Code]:
    """The diagnostic codes of the personal data in `text` (never the data itself).
    `regions` are the countries the record names: six-digit national numbers count
    when one of them has such numbers."""
    return _find(text, six_digit_regions(regions))


def holds_personal_data(text: str) -> bool:
    """Does `text` hold a phone number, e-mail address or IMEI by the rule?"""
    return bool(_find(text, False))


# --- records --------------------------------------------------------------------------


def _texts(value: Any, path: FieldPath) -> Iterator[tuple[FieldPath, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield (*path, key), key  # a key is text a person typed too
            yield from _texts(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _texts(item, (*path, index))


# A word of ASCII letters, `-` and `_` (a key, a vocabulary word, an id without digits):
# it cannot hold personal data by the rule.
_INERT = re.compile(r"[A-Za-z_\-]*\Z")


def _gather(data: dict[str, Any]) -> list[str]:
    """Every text and key that could hold personal data, in no particular order and
    without their paths (which only a finding needs)."""
    texts: list[str] = []
    keep = texts.append
    inert = _INERT.match
    stack: list[Any] = [data]
    take, put = stack.pop, stack.extend
    while stack:
        value = take()
        if isinstance(value, str):
            if not inert(value):
                keep(value)
        elif isinstance(value, dict):
            for key in value:
                if isinstance(key, str) and not inert(key):
                    keep(key)
            put(value.values())
        elif isinstance(value, list):
            put(value)
    return texts


def _regions(data: dict[str, Any]) -> list[str]:
    """The countries the record names in its fields of country codes: their six-digit
    numbers count too."""
    from sarschema.types.country import country_codes  # Pydantic: not for a warm run's echo

    regions: set[str] = set()
    codes = country_codes()
    country_keys = country_fields()

    def visit(value: Any, key: object) -> None:
        if isinstance(value, str):
            if key in country_keys and value in codes:
                regions.add(value)
        elif isinstance(value, dict):
            for k, v in value.items():
                visit(v, k)
        elif isinstance(value, list):
            for item in value:
                visit(item, key)

    visit(data, None)
    return sorted(regions)


_WHAT = {
    Code.PHONE_NUMBER: "a phone number",
    Code.EMAIL_ADDRESS: "an e-mail address",
    Code.IMEI: "a device identifier (IMEI)",
}


_JOIN = " \x00 "


def _comments(text: str) -> Iterator[tuple[int, int, str]]:
    """(line, column, text) of every comment: from a `#` at the start of a line or after
    a space. This also takes in the odd ` #` inside a quoted text, which the guard
    reads anyway; a comment is published with the record all the same."""
    if "#" not in text:
        return
    for number, line in enumerate(text.splitlines(), start=1):
        index = line.find("#")
        while index > 0 and line[index - 1] not in " \t":
            index = line.find("#", index + 1)
        if index >= 0:
            yield number, index + 1, line[index + 1 :]


def _in_comments(comments: list[tuple[int, int, str]], file: str, six: bool) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    # All at once first, as the texts are (see `scan`): most files have nothing to say.
    if len(comments) > 1 and not _find(_JOIN.join(c for _, _, c in comments), six):
        return out
    for line, column, comment in comments:
        for code in _find(comment, six):
            out.append(
                Diagnostic(
                    file,
                    line,
                    column,
                    code,
                    f"a comment contains what looks like {_WHAT[code]}. Comments are published "
                    "with the record: personal contact data and device identifiers must never "
                    "be written anywhere in it.",
                    hint="delete it from the comment.",
                )
            )
    return out


def scan(loaded: Loaded, file: str) -> list[Diagnostic]:
    """Personal data in every text and key of a record, URLs included, and in its
    comments."""
    data = loaded.data
    if data is None:
        return []
    # One pass over all the texts first: joined by a NUL (which a record cannot hold)
    # between spaces, no run, address, URL or exception context crosses from one text
    # to the next, so whatever one text holds, the joined text holds too. Six-digit
    # numbers are counted in that pass (a superset): the record's countries, which say
    # whether they count, are looked up only when something is found.
    comments = list(_comments(loaded.text))
    texts = _JOIN.join(_gather(data) if loaded.texts is None else loaded.texts)
    found, in_comments = _find(texts, True), _in_comments(comments, file, True)
    if not (found or in_comments):
        return []
    six = six_digit_regions(_regions(data))
    if not six:  # looked at again without six-digit numbers
        found, in_comments = _find(texts, False), _in_comments(comments, file, False)
    if not found:
        return in_comments
    out: list[Diagnostic] = []
    for path, text in _texts(data, ()):
        codes = _find(text, six)
        if not codes:
            continue
        is_key = bool(path) and path[-1] == text and loaded.key_position(path) is not None
        pos = loaded.position(path, key=is_key) or (None, None)
        name = format_field(path)
        for code in codes:
            out.append(
                Diagnostic.at(
                    file,
                    pos,
                    code,
                    f"`{name}` contains what looks like {_WHAT[code]}. Personal contact data and "
                    "device identifiers must never be recorded: they endanger the people named.",
                    field=name,
                    hint="delete it. If it is not personal data (a case or report number), write "
                    "it so it cannot be mistaken for one, e.g. with a prefix such as `case no.`.",
                )
            )
    reported = {(d.line, d.code) for d in out}  # a ` #` inside a text: said once
    return out + [d for d in in_comments if (d.line, d.code) not in reported]
