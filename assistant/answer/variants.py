"""Variants of a question's topic words as the records spell them: another spelling or a derivation of the same
stem (sonography / sonographers, anaesthesia / anesthesiology, calibration / calibrated), which the tokenizer's
plural and inflection rules do not reach; for a Chinese term, of its English words. Two words are variants when,
with the British digraphs ae/oe read as e, they share their first ``PREFIX`` letters and neither goes on for more
than ``TAIL`` letters after their common start: medical / medication (6 letters) and general / generalization (7
more) are not variants.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

PREFIX = 7
TAIL = 5
DIGRAPH = re.compile(r"[ao]e(?=[a-z])")  # oesophagus, anaesthesia, paediatric
SENTENCE_CACHE = 8192  # as evidence.SENTENCE_CACHE: the stored sentences are scored for question after question


def normal(word: str) -> str | None:
    """The word with ae/oe read as e, when it is long enough to have variants (English letters only)."""
    form = DIGRAPH.sub("e", word)
    return form if len(form) >= PREFIX and form.isascii() and form.isalpha() else None


def stems(terms: Iterable[str], english: Mapping[str, tuple[str, ...]] | None = None) -> dict[str, tuple[str, ...]]:
    """The question's terms that may have variants, each with its normal forms: its own, or for a Chinese term
    those of its English words (``english``: 结肠镜 -> colonoscope, held by a sentence on colonoscopy)."""
    out = {t: tuple(f for w in (english or {}).get(t, (t,)) if (f := normal(w))) for t in terms}
    return {t: forms for t, forms in out.items() if forms}


@lru_cache(maxsize=SENTENCE_CACHE)
def by_prefix(tokens: frozenset[str]) -> dict[str, tuple[str, ...]]:
    """A sentence's long words by their first ``PREFIX`` letters (normal forms)."""
    out: dict[str, list[str]] = {}
    for token in tokens:
        if form := normal(token):
            out.setdefault(form[:PREFIX], []).append(form)
    return {key: tuple(forms) for key, forms in out.items()}


def same_word(a: str, b: str) -> bool:
    common = len(os.path.commonprefix([a, b]))
    return common >= PREFIX and len(a) - common <= TAIL and len(b) - common <= TAIL


def held_as_variants(tokens: frozenset[str], terms: dict[str, tuple[str, ...]]) -> set[str]:
    """The terms (from ``stems``) one of whose variants is among a sentence's ``tokens``."""
    if not terms:
        return set()
    index = by_prefix(tokens)
    return {t for t, forms in terms.items() if any(same_word(f, w) for f in forms for w in index.get(f[:PREFIX], ()))}
