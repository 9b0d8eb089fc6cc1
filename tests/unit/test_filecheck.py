"""`sarschema.filecheck` and the types it checks with: helpers, alone."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sarschema.filecheck import _ACCEPT, _accept_lines

_PIECES = st.sampled_from(
    [
        "# sarschema: accept SAR400 a reason long enough",
        "  # sarschema:accept SAR401 why not, then",
        "sarschema: accept",
        "sarschema:",
        "accept",
        "#",
        "\n",
        "\r\n",
        " ",
        "\t",
        "x",
    ]
)


@settings(max_examples=1000)
@given(text=st.lists(_PIECES, max_size=14).map("".join))
def test_accept_lines_are_found_as_the_expression_finds_them(text: str) -> None:
    """Acknowledgements are looked for only on lines holding `sarschema:`: the matches
    must be the expression's own over the whole text, spans and reasons alike."""
    expected = [(m.span(), m.group(1)) for m in _ACCEPT.finditer(text)]
    assert [(m.span(), m.group(1)) for m in _accept_lines(text)] == expected


def test_language_codes_are_pycountrys_own() -> None:
    """The codes are read from pycountry's data file, not through its objects: the
    same set as its own API gives, withdrawn codes left out."""
    import pycountry

    from sarschema.types.language import WITHDRAWN, language_codes

    expected = {lang.alpha_2 for lang in pycountry.languages if hasattr(lang, "alpha_2")}
    assert language_codes() == expected - WITHDRAWN.keys()
    assert {"en", "fr", "ar", "he"} <= language_codes() and "iw" not in language_codes()
