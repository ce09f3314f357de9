"""The BM25 index (bm25s) over the chunk texts: built at ingest from stored token lists, saved beside the Chroma
generation and memory-mapped at open, so opening costs the vocabulary only, not a re-index of every chunk."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from assistant.retrieve.text import tokenize

if TYPE_CHECKING:
    import bm25s

EMPTY = "\x00"  # the token of a chunk without content tokens (bm25s needs at least one per document)


def chunk_tokens(text: str) -> list[str]:
    """The tokens a chunk is indexed under."""
    return tokenize(text) or [EMPTY]


class Lexical:
    """BM25 scores of a query's terms against every chunk, in catalog row order."""

    def __init__(self, bm25: bm25s.BM25 | None, size: int) -> None:
        self.bm25, self.size = bm25, size

    @classmethod
    def build(cls, tokens: Sequence[list[str]]) -> Lexical:
        import bm25s

        if not tokens:
            return cls(None, 0)
        bm25 = bm25s.BM25()
        bm25.index(list(tokens), show_progress=False)
        return cls(bm25, len(tokens))

    def save(self, directory: Path) -> None:
        if self.bm25 is not None:
            self.bm25.save(str(directory), show_progress=False)

    @classmethod
    def load(cls, directory: Path, size: int) -> Lexical:
        """The saved index, its score arrays memory-mapped (read on demand, shared between processes)."""
        if size == 0:
            return cls(None, 0)
        import bm25s

        return cls(bm25s.BM25.load(str(directory), mmap=True, show_progress=False), size)

    def scores(self, terms: list[str]) -> np.ndarray:
        if not terms or self.bm25 is None:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self.bm25.get_scores(terms))
