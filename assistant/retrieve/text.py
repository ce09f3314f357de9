"""Bilingual tokenization for BM25: English words plus jieba words and character bigrams for Chinese."""

from __future__ import annotations

import importlib.util
import logging
import os
import re
import sys
import threading
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from types import ModuleType

from assistant.retrieve.tokencache import SEP, TokenCache, fingerprint
from assistant.settings import user_cache_dir

_jieba: ModuleType | None = None
_jieba_lock = threading.Lock()


def _bm25s_stopwords() -> tuple[str, ...]:
    """bm25s's English stopword list, read from its ``stopwords`` module without importing the bm25s package
    (whose ``__init__`` imports numba and scipy: seconds of start-up that a query does not need)."""
    package = importlib.util.find_spec("bm25s")
    assert package is not None and package.origin is not None, "bm25s is a dependency"
    spec = importlib.util.spec_from_file_location("_bm25s_stopwords", Path(package.origin).with_name("stopwords.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return tuple(module.STOPWORDS_EN_PLUS)


STOPWORDS_EN_PLUS = _bm25s_stopwords()

WORD = re.compile(r"[a-z0-9]+(?:[-.][a-z0-9]+)*")
YEAR_GLUED = re.compile(r"(?<=[a-z])(?=(?:19|20)\d\d(?!\d))")  # "Poster2026" in header lines
CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
MEMO_CHARS = 1000  # longer texts (chunks at ingest) are tokenized once anyway: not kept in memory
STOPWORDS_ZH = frozenset(
    "的 了 和 与 及 在 是 有 哪 哪些 哪篇 什么 怎么 如何 为什么 吗 呢 吧 这 那 这个 那个 一个 一些 中 对 用 以 "
    "为 从 于 被 把 它 它们 其 论文 文章 研究 工作 请 告诉 我 你 们 个 篇 些 是否 能否 关于 哪个 多少 谁 列出 所有 "
    "给出 介绍 一下 提出 方法 或者 或是 以及 还是 方面 有关".split()
)
STOPWORDS_DOMAIN = frozenset(
    "paper papers work works study studies research article articles list show tell find".split()
)
STOPWORDS = frozenset(STOPWORDS_EN_PLUS) | STOPWORDS_ZH | STOPWORDS_DOMAIN


def table_lines(name: str) -> list[str]:
    """The entries of one of this package's term tables (``domain_terms.txt``, ``lay_terms.txt``): its lines
    without the blank ones and the ``#`` comments."""
    text = resources.files("assistant.retrieve").joinpath(name).read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


@cache
def domain_terms() -> dict[str, tuple[str, ...]]:
    """The terms of domain_terms.txt (added to jieba's dictionary), each with its English words."""
    terms: dict[str, tuple[str, ...]] = {}
    for line in table_lines("domain_terms.txt"):
        term, *english = line.split()
        terms[term] = tuple(english)
    return terms


def segmenter() -> ModuleType:
    """jieba with the domain terms, imported at the first Chinese text (an English query never loads it).

    jieba's ``_compat`` imports pkg_resources when it can (0.1-0.4 s of start-up) only to open jieba's own data
    files, and opens them by path when it cannot: it is imported with pkg_resources hidden unless already loaded.
    Adding the terms loads jieba's dictionary (0.5 s of CPU, from its marshal cache in the temp folder)."""
    global _jieba
    with _jieba_lock:
        if _jieba is not None:
            return _jieba
        hide = "pkg_resources" not in sys.modules
        if hide:
            sys.modules["pkg_resources"] = None  # type: ignore[assignment]  # the import raises ImportError
        try:
            import jieba
        finally:
            if hide:
                sys.modules.pop("pkg_resources", None)
        jieba.setLogLevel(logging.WARNING)
        # jieba keeps one dictionary cache per temp folder; another user's file there cannot be replaced (sticky
        # /tmp), and jieba then prints a traceback: one cache per user.
        jieba.dt.cache_file = f"jieba.u{os.getuid()}.cache"
        for term in domain_terms():
            jieba.add_word(term)
        _jieba = jieba
        return jieba


@cache
def tokenizer_version() -> str:
    """A digest of everything a text's tokens depend on: this module's code, the domain terms, the stopwords and
    jieba's files. Persisted tokens (the Chinese runs' cache, a catalog's BM25 tokens) are reused only under it."""
    source = Path(__file__).read_bytes()
    terms = resources.files("assistant.retrieve").joinpath("domain_terms.txt").read_bytes()
    return fingerprint(source, terms, SEP.join(sorted(STOPWORDS)).encode())


@cache
def token_cache() -> TokenCache:
    """The persisted tokens of Chinese runs (tokencache.py), named by the tokenizer's version."""
    return TokenCache(user_cache_dir() / f"cjk-tokens-{tokenizer_version()}.sqlite3")


@lru_cache(maxsize=4096)
def _cjk_tokens(run: str) -> tuple[str, ...]:
    """The tokens of a Chinese run: from the persisted cache, else segmented (and then kept)."""
    cache = token_cache()
    tokens = cache.get(run)
    if tokens is None:
        tokens = _segment(run)
        cache.put(run, tokens)
    return tokens


def _segment(run: str) -> tuple[str, ...]:
    """jieba search-mode words, plus the character bigrams of longer words (robust to segmentation), plus the
    English words of the domain terms among them, but not those of a term inside a longer one that has English
    words (功能磁共振成像 says fmri, not also the mri of its 磁共振)."""
    terms, jieba = domain_terms(), segmenter()
    words = [w for w in jieba.lcut_for_search(run) if len(w) > 1 and w not in STOPWORDS]
    bigrams = [w[i : i + 2] for w in jieba.lcut(run) if len(w) > 2 for i in range(len(w) - 1)]
    named = [w for w in words if terms.get(w)]
    outer = [w for w in named if not any(w != o and w in o for o in named)]
    english = dict.fromkeys(e for w in outer for e in _english_tokens(" ".join(terms[w])))
    return tuple(words + [b for b in bigrams if b not in STOPWORDS and b not in words] + list(english))


def search_tokens(tokens: list[str]) -> list[str]:
    """The tokens a question searches with: a Chinese domain term with English words (大模型 -> llm) is carried by
    those words, which ``tokenize`` adds beside it in the question and in every indexed text that says it; the
    Chinese term and its bigrams are dropped, or they would count the concept again, weighted by how rare its
    Chinese spelling is (大模型 is in one track label only, where the titles say 大语言模型). Unchanged when
    nothing else is left."""
    known = domain_terms()
    carried = {t for t in tokens if known.get(t)}
    pieces = {w[i : i + 2] for w in carried for i in range(len(w) - 1)}
    return [t for t in tokens if t not in carried and t not in pieces] or tokens


def _english_tokens(lowered: str) -> list[str]:
    tokens = [w for w in WORD.findall(lowered) if w not in STOPWORDS and len(w) > 1 or w.isdigit()]
    return [t[:-1] if len(t) > 4 and t.endswith("s") and not t.endswith("ss") else t for t in tokens]


def tokenize(text: str) -> list[str]:
    """Lowercased content tokens of mixed English/Chinese text, stopwords removed. Short texts (questions, titles,
    sentences: scored again for every question) are tokenized once per process."""
    if len(text) <= MEMO_CHARS:
        return list(_short_tokens(text))
    return _tokenize(text)


@lru_cache(maxsize=16384)
def _short_tokens(text: str) -> tuple[str, ...]:
    return tuple(_tokenize(text))


def _tokenize(text: str) -> list[str]:
    lowered = YEAR_GLUED.sub(" ", text.lower())
    tokens = _english_tokens(lowered)
    for run in CJK_RUN.findall(lowered):
        tokens.extend(_cjk_tokens(run))
    return tokens
