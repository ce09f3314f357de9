"""The record views (title, lead sentence; see index/chunks.py) searched densely beside the chunks: one ranking
of records per view, fused with the chunk rankings in ``HybridRetriever``."""

from __future__ import annotations

from typing import Any

import numpy as np

from assistant.index.store import views_collection
from assistant.retrieve.filters import Filters

OVERFETCH = 3  # an unfiltered query fetches this many times the expected need, then the record mask filters


class RecordViews:
    """The views collection of an open store, or nothing when the index predates it (then no view rankings)."""

    def __init__(self, client: Any, records_collection: str, first_row: dict[str, int]) -> None:
        self.first_row = first_row  # record id -> its first chunk's catalog row (metadata is the record's)
        try:
            self.collection: Any = client.get_collection(views_collection(records_collection), embedding_function=None)
            self.size = self.collection.count()
        except Exception:  # no views collection (an index built before them): search the chunks only
            self.collection, self.size = None, 0

    def rankings(
        self, vector: list[float], n: int, filters: Filters, allowed: np.ndarray
    ) -> dict[str, list[tuple[str, float]]]:
        """view -> [(record_id, best cosine)] best first, one entry per record, only records whose chunks
        ``allowed`` admits; enough neighbours are fetched for about n records per view."""
        if not self.size:
            return {}
        n_records = max(1, len(self.first_row))
        share = max(1, sum(1 for row in self.first_row.values() if allowed[row])) / n_records
        per_view = self.size / n_records
        fetch = min(self.size, int(np.ceil(OVERFETCH * n * per_view / share)))
        kept = self._query(vector, fetch, None)
        where = filters.chroma_where()
        if where is not None and sum(1 for _, rid, _ in kept if self._allowed(rid, allowed)) < n * per_view:
            if fetch < self.size:  # too few allowed records among the neighbours: let Chroma filter
                kept = self._query(vector, min(self.size, int(np.ceil(n * per_view))), where)
        out: dict[str, dict[str, float]] = {}  # view -> record -> its best entry's cosine, in rank order
        for view, rid, score in kept:
            if self._allowed(rid, allowed):
                out.setdefault(view, {}).setdefault(rid, score)
        return {view: list(best.items()) for view, best in out.items()}

    def _allowed(self, rid: str, allowed: np.ndarray) -> bool:
        row = self.first_row.get(rid)
        return row is not None and bool(allowed[row])

    def _query(self, vector: list[float], n: int, where: dict[str, Any] | None) -> list[tuple[str, str, float]]:
        found = self.collection.query(
            query_embeddings=np.asarray([vector], dtype=np.float32),
            n_results=max(1, n),
            where=where,
            include=["distances", "metadatas"],
        )
        metas, distances = (found["metadatas"] or [[]])[0], (found["distances"] or [[]])[0]
        return [(str(m["view"]), str(m["record_id"]), 1.0 - d) for m, d in zip(metas, distances, strict=True)]
