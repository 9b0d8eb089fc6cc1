"""`sarschema new KIND ID`: a record template that guides a contributor.

Every required field is there, empty, with a comment saying what to put and
which values are allowed; optional fields are listed as comments. An empty
template does not validate (each empty field is reported at its line), and a
filled one does. The first line points editors that use yaml-language-server
(VS Code's YAML extension, ...) at the committed schema, for completion and
inline errors.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from sarschema.diagnostics import echo
from sarschema.errors import UsageError
from sarschema.safeio import NotRegular, read_regular, refuse_link
from sarschema.versions import UNSTATED, read_version
from sarschema.vocab import (
    FOLDER_OF,
    Attribution,
    Certainty,
    Evidence,
    Held,
    Kind,
    OperatorType,
    Relation,
    RelationV11,
    ResponderType,
    ResponseType,
    Role,
    Status,
    Subject,
    TargetType,
    Visibility,
)


def _values(vocab: type) -> str:
    return " / ".join(m.value for m in vocab)  # type: ignore[attr-defined]


# Templates are written for editors as much as for people: each comment sits on the
# line above its field (a comment after `key:` stops the editor from offering values),
# and every empty field ends in a space, where the editor's completion starts (added
# by `template`, so that no editor strips it from this source).
_EMPTY = re.compile(r"\s*(?:- )?\w+:|\s*-")


def _cursor_ready(text: str) -> str:
    """A space after each empty field, not after a parent such as `sources:` (whose
    next line, comments aside, is indented deeper; a list dash counts as indent)."""
    lines = text.split("\n")
    body = [i for i, line in enumerate(lines) if line.strip() and line.lstrip()[0] != "#"]
    for this, following in zip(body, [*body[1:], None], strict=True):
        line = lines[this]
        below = lines[following] if following is not None else ""
        if _EMPTY.fullmatch(line) and _indent(below) <= _indent(line):
            lines[this] = line + " "
    return "\n".join(lines)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" -"))


_SOURCES = """\
# The public reporting this record rests on: at least one source.
sources:
    # The headline as published.
  - title:
    # The outlet or organisation.
    publisher:
    # YYYY, YYYY-MM or YYYY-MM-DD.
    published:
    # ISO 639-1 code, lower case: en, fr, ar ...
    language:
    # Only when the document is online (never invent an address; without one you
    # get a warning): remove the `#` and give it.
    # url: https://...
    # archived_url: https://web.archive.org/...
    # translation_of: https://...   (when this source translates another)
# Free notes, e.g. how you inferred a date:
# notes: ...
"""

_BODIES: dict[Kind, str] = {
    Kind.INCIDENT: f"""\
# A short neutral title, e.g. "Alleged Pegasus infection of Jane Doe's phone".
title:
# What happened, according to whom, in neutral words ("according to", "alleged").
summary:
# When it happened or began: YYYY, YYYY-MM or YYYY-MM-DD. Only the precision the source gives.
date:
# date_end: YYYY-MM   (optional: the end of the span)
# Ids of target records (files in records/targets/), at least one.
targets:
  -
# The furthest step the sources show: {_values(Status)}
status:
# The kinds of evidence, at least one: {_values(Evidence)}
evidence:
  -
# Optional, when the sources name an operator (attribution: {_values(Attribution)}):
# alleged_operators:
#   - operator: OPERATOR-ID
#     attribution: reported
# spyware: [pegasus]             (product ids listed by a vendor)
# Required when evidence lists forensic-analysis:
# forensic_analyses:
#   - by: WHO ANALYSED THE DEVICE
#     result: infection-confirmed   (or attempt-found / inconclusive / no-trace)
# vectors: [zero-click]          (zero-click / one-click / network-injection / physical-access / unknown)
# platforms: [ios]               (ios / android / other)
# location: MA                   (ISO 3166-1 alpha-2 country code, upper case)
""",
    Kind.TARGET: f"""\
# The public name, or a pseudonym such as "Journalist A".
name:
# {_values(Visibility)}: use public only for people the sources name publicly.
visibility:
# {_values(TargetType)}
type:
# At least one role: {_values(Role)}
roles:
  -
# aliases: [Other spelling]      (other spellings and transliterations)
# nationalities: [MA]            (country codes, upper case)
# residence: FR                  (a country code, never an address)
# exiled: true                   (true or false)
# affiliations: [Outlet name]
# related:                       (what another person is to this target: {_values(Relation)})
#   - name: Person without a record
#     relation: spouse
#   - target: TARGET-ID
#     relation: colleague
""",
    Kind.OPERATOR: f"""\
# The operator's usual name in English.
name:
# {_values(OperatorType)}
type:
# The state's own country or the company's seat (ISO code, upper case); leave out only for type unknown.
country:
# aliases: [Other name]
# parent: OPERATOR-ID            (an agency's state, a vendor's parent company)
# products:                      (only for type vendor)
#   - id: product-id
#     name: Product name
""",
    Kind.RESPONSE: f"""\
# A short neutral title.
title:
# What was done or said, by whom, in neutral words.
summary:
# {_values(ResponseType)}
type:
# When it was made or began: YYYY, YYYY-MM or YYYY-MM-DD.
date:
# Who responded, at least one entry, each exactly one of:
#   - operator: OPERATOR-ID  |  - target: TARGET-ID  |  - name: ... with type: ...
# (type: {_values(ResponderType)})
by:
  - name:
    type:
# What it responds to: at least one id in incidents, targets or operators.
about:
  incidents:
    -
# demands: ["..."]              (the asks of a call to action)
# status: ongoing               (ongoing / concluded / dismissed / unknown, for legal processes)
""",
}


#: What each version adds to the templates: `{line of the 1.0 template: lines after it}`
#: (comments only: the new fields are optional), and words it replaces.
_ADDED: dict[str, dict[str, str]] = {
    "1.1": {
        "# date_end: YYYY-MM   (optional: the end of the span)\n": (
            "# revealed: YYYY-MM   (optional: when it was made public; `date` may then be left\n"
            "#                     out, if no source says when it happened)\n"
            "# certainty: likely   (optional, only as the sources word it: "
            f"{_values(Certainty)})\n"
        ),
        "roles:\n  -\n": (
            "# A role the sources describe as held at a date:\n"
            "#   - {role: head-of-government, held: former, as_of: 2021-07}   "
            f"(held: {_values(Held)})\n"
        ),
        "    # translation_of: https://...   (when this source translates another)\n": (
            "    #   or what is known of the original: {language: ar, publisher: ..., title: ...}\n"
        ),
        "about:\n  incidents:\n    -\n": (
            "  # or, where the sources name no record: products: [pegasus], or\n"
            f"  # subjects: [surveillance-trade]   ({_values(Subject)})\n"
        ),
    },
}


def _for_version(body: str, version: str) -> str:
    for anchor, added in _ADDED.get(version, {}).items():
        body = body.replace(anchor, anchor + added)
    if version != UNSTATED:
        body = body.replace(_values(Relation), _values(RelationV11))
    return body


def template(kind: Kind, record_id: str, version: str = UNSTATED) -> str:
    """The template, its first line pointing editors at the schema of the set's version."""
    from sarschema.export.schema import folder_of

    folder = FOLDER_OF[kind]
    return (
        f"# yaml-language-server: $schema=../../schema/{folder_of(version)}{kind.value}.schema.json\n"
        f"# A new {kind.value} record. Fill in every empty field; `sarschema validate` "
        "reports any left empty.\n"
        f"# It lives in records/{folder}/{record_id}.yaml: the file name must equal the id.\n"
        f"id: {record_id}\n"
        f"kind: {kind.value}\n" + _cursor_ready(_for_version(_BODIES[kind] + _SOURCES, version))
    )


def new_record(kind: str, record_id: str, records: Path) -> Path:
    """Write the template; refuse a bad kind, a malformed id or an id in use."""
    from sarschema.types.slug import _ID, ID_MAX, ID_MIN, suggest_slug

    try:
        chosen = Kind(kind)
    except ValueError:
        raise UsageError(f"unknown kind {kind!r}; use one of: {', '.join(Kind)}") from None
    if not (_ID.match(record_id) and ID_MIN <= len(record_id) <= ID_MAX):
        suggestion = suggest_slug(record_id)
        hint = f" (for example {suggestion!r})" if _ID.match(suggestion) else ""
        raise UsageError(
            f"{echo(record_id, 'this')} is not a valid id: use {ID_MIN} to {ID_MAX} lower-case letters, "
            f"digits and single hyphens{hint}"
        )
    from sarschema.pii import holds_personal_data

    if holds_personal_data(record_id):
        raise UsageError(
            "this id holds what looks like a phone number, e-mail address or device "
            "identifier; never put personal data in a record: choose an id from the name"
        )
    for existing in sorted(records.glob(f"*/{record_id}.yaml")):
        raise UsageError(f"the id {record_id!r} is already used by {existing}")
    _in_use(records, record_id)
    path = records / FOLDER_OF[chosen] / f"{record_id}.yaml"
    refuse_link(path, "record")
    path.parent.mkdir(parents=True, exist_ok=True)
    refuse_link(path, "record")
    # Created exclusively and without following a link: never overwrites anything.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0))
    except FileExistsError:
        raise UsageError(f"{path} already exists (as a file, a folder or a link)") from None
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        handle.write(template(chosen, record_id, read_version(str(records)).version))
    return path


def _in_use(records: Path, record_id: str) -> None:
    """Product ids share the id space: look for them in the vendors' records, read as
    `validate` reads them (regular files only, within the size limit)."""
    from sarschema.loader import MAX_FILE_BYTES, load

    for path in sorted((records / "operators").glob("*.yaml")):
        try:
            raw = read_regular(path, MAX_FILE_BYTES)
        except NotRegular as exc:
            raise UsageError(
                f"{path} is {exc.what}, not a record file; run `sarschema validate` and fix it first"
            ) from None
        except OSError as exc:
            raise UsageError(f"{path} cannot be read: {exc.strerror or exc}") from None
        data = load(raw, str(path)).data or {}
        products = data.get("products")
        for product in products if isinstance(products, list) else ():
            if isinstance(product, dict) and product.get("id") == record_id:
                raise UsageError(f"the id {record_id!r} is already used by a product in {path}")
