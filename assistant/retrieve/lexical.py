"""The BM25 index over the chunk texts: built with bm25s at ingest, saved in bm25s's format beside the Chroma
generation, and read back memory-mapped, so opening costs the vocabulary only, not a re-index of every chunk.

Scoring reads bm25s's saved arrays directly (a CSC matrix of precomputed per-token BM25 scores: a query's
score for a chunk is the sum of its tokens' entries, as ``bm25s.BM25.get_scores`` computes it). bm25s itself,
which imports numba and scipy (seconds of start-up), is imported only to build an index.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from assistant.retrieve.text import tokenize

EMPTY = "\x00"  # the token of a chunk without content tokens (bm25s needs at least one per document)
ARRAYS = ("data", "indices", "indptr")  # saved by bm25s as <name>.csc.index.npy


def chunk_tokens(text: str) -> list[str]:
    """The tokens a chunk is indexed under."""
    return tokenize(text) or [EMPTY]


class Lexical:
    """BM25 scores of a query's terms against every chunk, in catalog row order."""

    def __init__(self, vocab: dict[str, int], arrays: dict[str, Any], size: int, built: Any = None) -> None:
        self.vocab, self.arrays, self.size = vocab, arrays, size
        self.built = built  # the bm25s.BM25 object when built in this process (to save it)

    @classmethod
    def build(cls, tokens: Sequence[list[str]]) -> Lexical:
        if not tokens:
            return cls({}, {}, 0)
        import bm25s

        bm25 = bm25s.BM25()
        bm25.index(list(tokens), show_progress=False)
        return cls(bm25.vocab_dict, {name: bm25.scores[name] for name in ARRAYS}, len(tokens), bm25)

    def save(self, directory: Path) -> None:
        if self.built is not None:
            self.built.save(str(directory), show_progress=False)

    @classmethod
    def load(cls, directory: Path, size: int) -> Lexical:
        """The saved index, its score arrays memory-mapped (read on demand, shared between processes)."""
        if size == 0:
            return cls({}, {}, 0)
        vocab = json.loads((directory / "vocab.index.json").read_text(encoding="utf-8"))
        arrays = {name: np.load(directory / f"{name}.csc.index.npy", mmap_mode="r") for name in ARRAYS}
        return cls(vocab, arrays, size)

    def scores(self, terms: list[str]) -> np.ndarray:
        """BM25 scores of every chunk. A hyphenated term no chunk holds counts by its parts ("multi-image" asks for
        what "multiple images" says: "image")."""
        scores = np.zeros(self.size, dtype=np.float32)
        known = [
            part
            for t in terms
            for part in ([t] if t in self.vocab or "-" not in t else tokenize(t.replace("-", " ")))
            if part in self.vocab
        ]
        ids = [self.vocab[t] for t in known]  # a repeated term counts again, as in bm25s
        if not ids:
            return scores
        data, indices, indptr = (self.arrays[name] for name in ARRAYS)
        for token in ids:
            start, end = int(indptr[token]), int(indptr[token + 1])
            np.add.at(scores, indices[start:end], data[start:end])
        return scores
