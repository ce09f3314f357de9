"""The sentence store: every record's body split once (``answer/sentences.py``), embedded with the records' model
and kept in a second Chroma collection beside the records one (``<collection>_sentences``), written through the
same indexing API (content-hash ids, idempotent, incremental) in the same generation directory.

A sentence's id is ``<record_id>#s<position>``; its span is a character span in the record's body (the abstract,
then the code-link line), so every quote is an exact substring of its record. The venue boilerplate ("ICLR 2026
Poster accepted paper at ICLR 2026.") says nothing and is not stored (positions still count it).
"""

from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from langchain_core.documents import Document

from assistant.answer.sentences import sentence_spans
from assistant.records.links import link_line
from assistant.records.model import Record

SUFFIX = "_sentences"
# "ICLR 2026 Poster accepted paper at ICLR 2026.", or the venue line alone ("ICLR 2025 Poster。" before a Chinese
# summary): nothing to quote
BOILERPLATE = re.compile(
    r"^ICLR \d{4} (?:Oral|Poster|Spotlight)[.。]?$|"
    r"^(?:ICLR \d{4} (?:Oral|Poster|Spotlight)\.?\s*)?accepted paper at [^.]+\.?$",
    re.I,
)


def collection_name(records_collection: str) -> str:
    return records_collection + SUFFIX


def record_body(record: Record) -> str:
    """The text a record's sentence spans point into: its abstract, then its code-link line."""
    return "\n".join(filter(None, [record.abstract, link_line(record.url) if record.url else ""]))


def sentence_docs(records: list[Record]) -> list[Document]:
    """One Document per sentence worth quoting, with its record id, id, position and span."""
    docs: list[Document] = []
    for record in records:
        body = record_body(record)
        for position, (start, end) in enumerate(sentence_spans(body)):
            text = body[start:end]
            if BOILERPLATE.match(text) or len(text) < 2:
                continue
            meta = {
                "record_id": record.id,
                "sentence_id": f"{record.id}#s{position}",
                "position": position,
                "start": start,
                "end": end,
            }
            docs.append(Document(page_content=text, metadata=meta))
    return docs


@dataclass
class Sentence:
    id: str
    record_id: str
    position: int
    start: int
    end: int
    text: str


@dataclass(eq=False)  # one index is one object (its vectors cannot be compared with ==): hashed by identity
class SentenceIndex:
    """Every stored sentence in memory with its unit vector, grouped by record (in position order)."""

    sentences: list[Sentence]
    vectors: np.ndarray  # (n, d), rows normalised
    by_record: dict[str, list[int]] = field(default_factory=dict)
    _df: dict[str, int] | None = None
    _abbreviations: dict[str, frozenset[str]] | None = None

    def __post_init__(self) -> None:
        for i, s in enumerate(self.sentences):
            self.by_record.setdefault(s.record_id, []).append(i)
        for rows in self.by_record.values():
            rows.sort(key=lambda r: self.sentences[r].position)

    def idf(self, term: str) -> float:
        """Inverse record frequency of a term over the sentences (rare topic words weigh more than "medical")."""
        if self._df is None:
            from assistant.retrieve.text import tokenize

            df: dict[str, int] = {}
            for rows in self.by_record.values():
                for token in {t for r in rows for t in tokenize(self.sentences[r].text)}:
                    df[token] = df.get(token, 0) + 1
            self._df = df
        n = len(self.by_record)
        return math.log((n + 1) / (self._df.get(term, 0) + 0.5))

    def abbreviations(self) -> dict[str, frozenset[str]]:
        """The abbreviations the sentences define, short form -> long form tokens (retrieve/abbreviations.py)."""
        if self._abbreviations is None:
            from assistant.retrieve.abbreviations import definitions

            self._abbreviations = definitions(s.text for s in self.sentences)
        return self._abbreviations

    def of(self, record_id: str) -> list[int]:
        return self.by_record.get(record_id, [])

    def similarity(self, rows: list[int], query: np.ndarray) -> np.ndarray:
        """Cosine of each row's sentence with the (normalised) query vector."""
        if not rows:
            return np.zeros(0, dtype=np.float32)
        return self.vectors[rows] @ query

    @classmethod
    def from_collection(cls, collection: Any, page: int = 5000) -> SentenceIndex:
        sentences: list[Sentence] = []
        vectors: list[np.ndarray] = []
        offset = 0
        while True:
            data = collection.get(include=["documents", "metadatas", "embeddings"], limit=page, offset=offset)
            for text, meta in zip(data["documents"], data["metadatas"], strict=True):
                sentences.append(
                    Sentence(
                        str(meta["sentence_id"]),
                        str(meta["record_id"]),
                        int(meta["position"]),
                        int(meta["start"]),
                        int(meta["end"]),
                        text,
                    )
                )
            if len(data["ids"]):
                vectors.append(np.asarray(data["embeddings"], dtype=np.float32))
            offset += len(data["ids"])
            if len(data["ids"]) < page:
                break
        matrix = np.concatenate(vectors) if vectors else np.zeros((0, 1), dtype=np.float32)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True) if len(matrix) else np.ones((0, 1))
        return cls(sentences, matrix / np.maximum(norms, 1e-9))


_indexes: dict[tuple[int, str], tuple[Any, SentenceIndex]] = {}  # (client, records collection): one generation
_lock = threading.Lock()


def load_sentence_index(client: Any, records_collection: str) -> SentenceIndex:
    """The sentence index of an open store (``client``) and generation, read once; IndexMissing-like RuntimeError
    with the command to run when the index predates the sentence store."""
    from assistant.index.store import IndexMissing

    with _lock:
        cached = _indexes.get((id(client), records_collection))
        if cached is not None and cached[0] is client:
            return cached[1]
        try:
            collection = client.get_collection(collection_name(records_collection), embedding_function=None)
        except Exception as exc:  # chromadb raises NotFoundError / ValueError depending on mode
            raise IndexMissing(
                "the index has no sentence store (built by an older version): run `assistant ingest --rebuild`"
            ) from exc
        index = SentenceIndex.from_collection(collection)
        _indexes.clear()
        _indexes[(id(client), records_collection)] = (client, index)
        return index
