"""Do two names look like the same person or organisation?

Names are compared after dropping case, accents and punctuation, token by token
with a phonetic key (Metaphone), so transliteration variants such as `Omar
Brooksi` / `Omar Brouksy` meet, while `Hicham Mansouri` / `Ahmed Mansoor` do not.
Grouping by key keeps the comparison linear in the number of names.
"""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[^\W_]+")


def normalise(name: str) -> list[str]:
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _WORD.findall(plain)


def name_key(name: str) -> tuple[str, ...] | None:
    """A phonetic key; names with equal keys look alike. None for an unusable name."""
    import jellyfish

    tokens = normalise(name)
    keys = tuple(sorted(jellyfish.metaphone(t) or t for t in tokens))
    return keys if keys and any(len(k) > 1 for k in keys) else None


def look_alike(a: str, b: str) -> bool:
    """Same phonetic key and a close spelling."""
    import jellyfish

    key_a = name_key(a)
    if key_a is None or key_a != name_key(b):
        return False
    return bool(
        jellyfish.jaro_winkler_similarity(" ".join(normalise(a)), " ".join(normalise(b))) >= 0.8
    )
