"""Hints for vocabulary values never change what a contributor meant.

`relation: father` once got "did you mean `partner`?": in vocabularies of relations,
roles and statuses a guess from spelling alone records a father as a partner. Hints
now come from known synonyms, or from a near misspelling, or not at all.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from sarschema.api import validate_paths
from sarschema.vocab import MEANINGS, SYNONYMS, Relation, suggest

VOCABULARIES = sorted(MEANINGS, key=lambda v: v.__name__)
#: Every word that means something here: each vocabulary's values and every synonym.
WORDS = sorted(
    {m.value for v in VOCABULARIES for m in v} | {w for table in SYNONYMS.values() for w in table}
)


@pytest.mark.parametrize("vocab", VOCABULARIES, ids=lambda v: v.__name__)
def test_a_meaningful_word_is_never_guessed_into_another_value(vocab: type) -> None:
    """For every real word: its synonym in this vocabulary, itself, or no hint at all."""
    values = {m.value for m in vocab}
    table = SYNONYMS.get(vocab, {})
    for word in WORDS:
        found = suggest(word, vocab)
        if word in table:
            assert found == (table[word], True), word
        elif word not in values:
            assert found is None, (vocab.__name__, word, found)


@pytest.mark.parametrize("vocab", list(SYNONYMS), ids=lambda v: v.__name__)
def test_every_synonym_names_a_value_of_its_vocabulary(vocab: type) -> None:
    values = {m.value for m in vocab}
    for word, value in SYNONYMS[vocab].items():
        assert value in values, (word, value)
        assert word not in values, word  # a value is never a synonym of another


@pytest.mark.parametrize("vocab", VOCABULARIES, ids=lambda v: v.__name__)
def test_one_typing_slip_is_corrected(vocab: type) -> None:
    for member in vocab:
        value = member.value
        if len(value) < 4:
            continue
        swapped = value[:1] + value[2] + value[1] + value[3:]  # two letters swapped
        dropped = value[:-2] + value[-1]  # a letter left out
        for typo in {swapped, dropped} - {m.value for m in vocab}:
            found = suggest(typo, vocab)
            assert found in ((value, False), None), (typo, found)
            others = [m.value for m in vocab if m.value != value and _close(typo, m.value)]
            if not others:
                assert found == (value, False), typo


def _close(a: str, b: str) -> bool:
    import jellyfish

    return bool(jellyfish.damerau_levenshtein_distance(a, b) <= (1 if len(a) <= 6 else 2))


def test_father_is_never_a_partner(base_tree: Path) -> None:
    target = base_tree / "targets" / "journalist-b.yaml"
    text = target.read_text(encoding="utf-8")
    assert "relation: spouse" in text
    for typed, expected in (("father", "parent"), ("Wife", "spouse"), ("sposue", "spouse")):
        target.write_text(text.replace("relation: spouse", f"relation: {typed}"))
        report = validate_paths([str(base_tree)])
        hints = [d.hint or "" for d in report.diagnostics if d.code == "SAR103"]
        assert len(hints) == 1 and f"`{expected}`" in hints[0], hints
        assert "partner" not in hints[0]


def test_no_pair_of_values_is_one_slip_apart() -> None:
    """Otherwise a slip could land on the other value without a hint saying so."""
    for vocab in VOCABULARIES:
        for a, b in itertools.combinations([m.value for m in vocab], 2):
            assert not (_close(a, b) and _close(b, a)), (vocab.__name__, a, b)
    assert suggest("father", Relation) == ("parent", True)
