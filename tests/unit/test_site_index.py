"""`sarschema.site.index`: references followed back, each once."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace as NS

from sarschema.site.index import SiteIndex

ROOT = Path(__file__).resolve().parents[2]


def _response(ident: str, *by: NS) -> NS:
    about = NS(incidents=None, targets=None, operators=None, products=None)
    return NS(kind="response", id=ident, date=None, revealed=None, by=list(by), about=about)


def test_a_response_is_listed_once_under_each_party_it_names() -> None:
    """A party named twice in one response's `by` lists it once; the lists keep the
    responses' order (by date, then id)."""
    responses = [
        _response("response-b", NS(operator="nso"), NS(operator="nso"), NS(target="target-a")),
        _response("response-a", NS(target="target-a"), NS(operator="nso")),
    ]
    index = SiteIndex(responses)
    assert [r.id for r in index.responses_by["operator", "nso"]] == ["response-a", "response-b"]
    assert [r.id for r in index.responses_by["target", "target-a"]] == [
        "response-a",
        "response-b",
    ]
    assert set(index.responses_by) == {("operator", "nso"), ("target", "target-a")}


def test_the_shipped_index_matches_the_references_followed_one_by_one() -> None:
    from sarschema.api import validate_paths

    report = validate_paths([str(ROOT / "records")])
    index = SiteIndex(report.records)
    expected: dict[tuple[str, str], list[str]] = {}
    for response in index.sorted("response"):
        for by in response.by:
            for kind in ("target", "operator"):
                ref = getattr(by, kind, None)
                ids = expected.setdefault((kind, ref), []) if ref else None
                if ids is not None and response.id not in ids:
                    ids.append(response.id)
    assert expected
    assert {key: [r.id for r in rs] for key, rs in index.responses_by.items()} == expected


def test_fold_drops_every_mark_and_keeps_everything_else() -> None:
    """`fold` (one `str.translate` pass) against its rule written out a character at a
    time, on Latin, Arabic, Devanagari, Vietnamese and emoji text."""
    import unicodedata

    from sarschema.site.index import fold

    def by_character(text: str) -> str:
        decomposed = unicodedata.normalize("NFKD", text.lower())
        return "".join(c for c in decomposed if not unicodedata.category(c).startswith("M"))

    texts = [
        "Maâti Monjib",
        "Ahmed Mansoor",
        "Nguyễn Văn Đài",
        "عُمر الراضي",
        "हिन्दी पत्रकार",
        "Ǆemal Ŀuka ﬁ ⅷ",
        "e\u0301\u20dd\u0488 👩🏽‍💻",
        "ß İstanbul",
    ]
    for text in [*texts, "".join(texts)]:
        assert fold(text) == by_character(text), text
    assert fold("Maâti") == "maati" and fold("plain ascii") == "plain ascii"
