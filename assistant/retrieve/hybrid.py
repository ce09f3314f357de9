"""Hybrid retrieval: dense (Chroma) + BM25 over the chunks, plus dense rankings of each record view (title, lead
sentence), fused with weighted reciprocal rank fusion, one hit per record (with its twins: the records that
share its title)."""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.index import store
from assistant.index.catalog import Catalog, open_catalog
from assistant.index.embeddings import get_embeddings
from assistant.records.model import RecordMeta, meta_from_metadata
from assistant.retrieve.bridge import bridge_terms, chinese_terms, lay_bridge
from assistant.retrieve.filters import Filters
from assistant.retrieve.query import QueryPlan, plan_query
from assistant.retrieve.text import search_tokens, tokenize
from assistant.retrieve.views import RecordViews
from assistant.settings import RetrievalSettings, Settings

if TYPE_CHECKING:
    from langchain_chroma import Chroma

SNIPPET_CHARS = 400
MAX_LIST = 60  # a "list every matching record" answer never grows past this
OVERFETCH_MAX = (
    3000  # neighbours an unfiltered dense query may fetch to serve a filtered one (see HybridRetriever._dense)
)
# topic_scores: BM25's weight beside the dense z-score, and the share of the clearest member's vector in the
# feedback query; both set with the membership threshold by a grid search on the dev split (see answer/select.py)
TOPIC_BM25_WEIGHT = 1.0
TOPIC_FEEDBACK = 0.4
TOPIC_TITLE_WEIGHT = 1.0  # the Chinese domain terms of a topic's English words (bridge.chinese_terms) beside them
BRIDGE_WEIGHT = 1.0  # the English words of a question's Chinese words (retrieve/bridge.py) beside its own tokens;
# chosen on the dev split (its Chinese lookups without history: first 90/100 at 0.3, 92-93 at 0.7-1.5)
LAY_WEIGHT = 0.5  # the records' words for an English question's lay words (bridge.lay_bridge) beside its tokens
EVIDENCE_BRIDGE_WEIGHT = 0.3  # ... and in the top BM25 score abstention reads, over all the question's tokens
# (text.search_tokens drops some from the ranking): its thresholds were calibrated so


@dataclass
class Hit(RecordMeta):
    """One record found for a query, with its best chunk."""

    rank: int
    record_id: str
    header: str
    sources: list[str]
    score: float
    snippet: str
    text: str = field(repr=False, default="")
    dense: float = 0.0
    bm25: float = 0.0
    twins: list[str] = field(default_factory=list)  # ids of the records with the same title (see index/chunks.py)

    @property
    def name(self) -> str:
        """How the record is referred to in prose: its English short name, else its title."""
        return self.short_name or self.title

    def to_dict(self) -> dict[str, Any]:
        """The public JSON shape of a hit (``assistant search --json``)."""
        out = asdict(self)
        for private in ("text", "dense", "bm25", "short_name"):
            out.pop(private)
        out["score"] = round(self.score, 6)
        return out


@dataclass
class SearchResult:
    query: str
    filters: Filters
    plan: QueryPlan
    hits: list[Hit]
    timings_ms: dict[str, float]
    top_dense: float = 0.0
    top_bm25: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "filters": self.filters.active(),
            "plan": self.plan.to_dict(),
            "hits": [h.to_dict() for h in self.hits],
        }


def _z(values: Sequence[float]) -> np.ndarray:
    """Standard scores of ``values`` (all 0 when they do not vary)."""
    array = np.asarray(values, dtype=np.float64)
    spread = float(array.std())
    return (array - array.mean()) / spread if spread > 0 else np.zeros_like(array)


def _best_by_record(rows: list[tuple[int, float]], metas: Sequence[dict[str, Any]]) -> list[tuple[str, int, float]]:
    """(record_id, best row, score) in rank order, one entry per record."""
    seen: dict[str, tuple[str, int, float]] = {}
    for row, score in rows:
        rid = metas[row]["record_id"]
        if rid not in seen:
            seen[rid] = (rid, row, score)
    return list(seen.values())


class HybridRetriever:
    """Dense + BM25 over one index generation. Build once per process; ``search`` is thread-safe."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.retrieval = settings.retrieval
        self.embeddings = get_embeddings(settings)
        self.location = store.open_location(settings)
        self.collection = store.open_collection(self.location, settings, self.embeddings)
        self.catalog: Catalog = open_catalog(settings, self.location, self.collection)
        self.views = RecordViews(self.location.client, self.location.collection, self.catalog.first_rows())

    @cached_property
    def vectors(self) -> Chroma:
        """LangChain's store over the same collection (the tutorial pipeline's interface; imported on demand)."""
        return store.vector_store(self.location, self.settings, self.embeddings, create=False)

    def with_retrieval(self, retrieval: RetrievalSettings) -> HybridRetriever:
        """The same open index searched with other retrieval settings (k, candidates, fusion)."""
        view = copy.copy(self)
        view.retrieval = retrieval
        return view

    def plan(self, query: str) -> QueryPlan:
        return plan_query(query, self.catalog.venues, self.catalog.tracks, self.catalog.values("year"))

    def search(
        self, query: str, k: int | None = None, filters: Filters | None = None, wants_all: bool | None = None
    ) -> SearchResult:
        """Find records for ``query``. Explicit ``filters`` are merged over those recognised in the query."""
        k = k or self.retrieval.k
        plan = self.plan(query)
        plan.filters = plan.filters.merged(filters or Filters())
        if wants_all is not None:
            plan.wants_all = wants_all
        timings: dict[str, float] = {}
        catalog = self.catalog
        allowed = catalog.allowed(plan.filters)

        t = time.perf_counter()
        vector = self.embeddings.embed_query(query)
        timings["embed"] = (time.perf_counter() - t) * 1000

        t = time.perf_counter()
        n = min(max(self.retrieval.candidates, k * 4), max(1, int(allowed.sum())))
        dense_rows: list[tuple[int, float]] = []
        if allowed.any():
            dense_rows = self._dense(vector, n, plan.filters, allowed)
        view_rows: dict[str, list[tuple[str, float]]] = {}
        if allowed.any() and self.retrieval.retrieval_mode != "bm25" and any(self.retrieval.view_weights.values()):
            view_rows = self.views.rankings(vector, n, plan.filters, allowed)
        timings["dense"] = (time.perf_counter() - t) * 1000

        t = time.perf_counter()
        tokens = tokenize(query)
        searched = search_tokens(tokens)
        scores = evidence = catalog.bm25_scores(searched) * allowed
        kept = set(searched)
        if dropped := [t for t in tokens if t not in kept]:  # BM25 adds up over tokens: each is scored once
            evidence = scores + catalog.bm25_scores(dropped) * allowed
        if bridge := bridge_terms(query):
            bridged = catalog.bm25_scores(bridge) * allowed
            scores, evidence = scores + BRIDGE_WEIGHT * bridged, evidence + EVIDENCE_BRIDGE_WEIGHT * bridged
        if lay := lay_bridge(searched):
            lay_scores = catalog.bm25_scores(lay) * allowed
            scores, evidence = scores + LAY_WEIGHT * lay_scores, evidence + EVIDENCE_BRIDGE_WEIGHT * lay_scores
        order = np.argsort(-scores)[: self.retrieval.candidates]
        bm25_rows = [(int(i), float(scores[i])) for i in order if scores[i] > 0]
        timings["bm25"] = (time.perf_counter() - t) * 1000

        t = time.perf_counter()
        mode = self.retrieval.retrieval_mode  # both rankings are still computed: abstention reads their top scores
        hits = self._fuse(
            plan, dense_rows if mode != "bm25" else [], bm25_rows if mode != "dense" else [], view_rows, allowed, k
        )
        timings["fusion"] = (time.perf_counter() - t) * 1000
        timings["total"] = sum(timings.values())
        return SearchResult(
            query,
            plan.filters,
            plan,
            hits,
            timings,
            top_dense=dense_rows[0][1] if dense_rows else 0.0,
            top_bm25=max(float(evidence.max()), 0.0) if len(evidence) else 0.0,
        )

    def _query(self, vector: list[float], n: int, where: dict[str, Any] | None) -> list[tuple[int, float]]:
        found = self.collection.query(
            query_embeddings=np.asarray([vector], dtype=np.float32), n_results=n, where=where, include=["distances"]
        )
        row, distances = self.catalog.row, found["distances"] or [[]]
        return [(row[cid], 1.0 - dist) for cid, dist in zip(found["ids"][0], distances[0], strict=True) if cid in row]

    def _dense(self, vector: list[float], n: int, filters: Filters, allowed: np.ndarray) -> list[tuple[int, float]]:
        """The n nearest allowed chunks. Chroma's ``where`` costs time in proportion to the chunks it matches
        (0.1-0.7 s per query at 100k chunks, see benchmarks/ "growth"), so unless the filter is very selective
        an unfiltered query fetches enough extra neighbours (3x the expected need) and the mask filters them;
        the ``where`` query remains the fallback when that did not yield n."""
        where = filters.chroma_where()
        size = len(allowed)
        if where is not None:
            fetch = min(size, int(np.ceil(3 * n * size / max(1, int(allowed.sum())))))
            if fetch <= OVERFETCH_MAX:
                kept = [(r, score) for r, score in self._query(vector, fetch, None) if allowed[r]]
                if len(kept) >= n or fetch >= size:
                    return kept[:n]
        return self._query(vector, n, where)

    def _fuse(
        self,
        plan: QueryPlan,
        dense_rows: list[tuple[int, float]],
        bm25_rows: list[tuple[int, float]],
        view_rows: dict[str, list[tuple[str, float]]],
        allowed: np.ndarray,
        k: int,
    ) -> list[Hit]:
        """Weighted RRF of the chunk rankings (weight 1) and the view rankings (``view_weights``); a record's hit
        shows its best chunk (its first one when only a view found it). The dense and BM25 scores kept per record
        are the chunks' (abstention and list answers read them, calibrated on chunks)."""
        metas, rrf_k = self.catalog.metas, self.retrieval.rrf_k
        fused: dict[str, float] = {}
        best_row: dict[str, int] = {}
        dense_of: dict[str, float] = {}
        bm25_of: dict[str, float] = {}
        for ranked, by in (
            (_best_by_record(dense_rows, metas), dense_of),
            (_best_by_record(bm25_rows, metas), bm25_of),
        ):
            for rank, (rid, row, score) in enumerate(ranked, start=1):
                fused[rid] = fused.get(rid, 0.0) + 1.0 / (rrf_k + rank)
                by[rid] = score
                best_row.setdefault(rid, row)
        for view, view_ranked in view_rows.items():
            weight = self.retrieval.view_weights.get(view, 0.0)
            for rank, (rid, _) in enumerate(view_ranked if weight > 0 else [], start=1):
                fused[rid] = fused.get(rid, 0.0) + weight / (rrf_k + rank)
                best_row.setdefault(rid, self.views.first_row[rid])
        ranked_ids = sorted(fused, key=fused.get, reverse=True)  # type: ignore[arg-type]
        if plan.wants_all:
            ranked_ids = self._all_matching(plan, ranked_ids, dense_of, bm25_of, allowed, best_row, k)
        else:
            ranked_ids = ranked_ids[:k]
        return [
            self._hit(i, rid, best_row[rid], fused.get(rid, 0.0), dense_of.get(rid, 0.0), bm25_of.get(rid, 0.0))
            for i, rid in enumerate(ranked_ids, start=1)
        ]

    def _all_matching(
        self,
        plan: QueryPlan,
        ranked_ids: list[str],
        dense_of: dict[str, float],
        bm25_of: dict[str, float],
        allowed: np.ndarray,
        best_row: dict[str, int],
        k: int,
    ) -> list[str]:
        """Every record that matches a list question: all filtered records when no topic remains,
        otherwise the records with lexical evidence for the topic or a dense score close to the best."""
        if not plan.topic_terms:
            ids: dict[str, None] = {}
            for row in np.flatnonzero(allowed).tolist():  # catalog order; stops at MAX_LIST records
                rid = self.catalog.metas[row]["record_id"]
                best_row.setdefault(rid, row)
                ids[rid] = None
                if len(ids) >= MAX_LIST:
                    break
            return list(ids)
        top_bm25 = max(bm25_of.values(), default=0.0)
        top_dense = max(dense_of.values(), default=0.0)
        keep = [
            rid
            for rid in ranked_ids
            if (top_bm25 > 0 and bm25_of.get(rid, 0.0) >= 0.5 * top_bm25) or dense_of.get(rid, 0.0) >= top_dense - 0.02
        ]
        return keep[:MAX_LIST] or ranked_ids[:k]

    def _hit(self, rank: int, rid: str, row: int, score: float, dense: float, bm25: float) -> Hit:
        meta, text = self.catalog.metas[row], self.catalog.texts[row]
        body = text.split("\n", 1)[1] if "\n" in text else text
        return Hit(
            **meta_from_metadata(meta),
            twins=[t for t in str(meta.get("twin_ids", "")).split("\n") if t],
            rank=rank,
            record_id=rid,
            header=meta["header"],
            sources=meta["sources"].split("\n"),
            score=score,
            snippet=body[:SNIPPET_CHARS],
            text=text,
            dense=dense,
            bm25=bm25,
        )

    def topic_scores(self, question: str, topic: str, filters: Filters) -> dict[str, float]:
        """Every record the filters allow, scored for a topic against the whole collection: the mean of two
        z-scores over all records (the collection's distribution, whatever the filters), of its best chunk's dense
        cosine with the question and of its BM25 score for the topic's words and the Chinese domain terms of its
        English words (which reach the Chinese title line of every record). The dense side takes one round of
        feedback (Rocchio): the question's vector moved toward the chunk of the best-scored record, so a record
        that names the topic differently, or in the other language, but is like its clearest member rises. A
        relative score: one threshold on it suits topics of any size and wording, where raw cosines of related
        texts sit in a narrow band."""
        allowed = self.catalog.allowed(filters)
        if not allowed.any():
            return {}
        n = len(allowed)
        words = tokenize(topic)
        bm25 = self.catalog.bm25_scores(words)
        if title_words := [t for term in chinese_terms(words) for t in tokenize(term) if t not in words]:
            bm25 = bm25 + TOPIC_TITLE_WEIGHT * self.catalog.bm25_scores(title_words)
        if lay := lay_bridge(words):
            bm25 = bm25 + LAY_WEIGHT * self.catalog.bm25_scores(lay)
        lexical = self._per_record((row, float(bm25[row])) for row in range(n))
        ids = list(lexical)
        near = min(n, OVERFETCH_MAX)  # the nearest chunks; farther records share the floor (a large index stays fast)
        dense = self._per_record(self._query(self.embeddings.embed_query(question), near, None))
        lex_z = _z([lexical[rid][1] for rid in ids])

        def fused(cosines: list[float]) -> np.ndarray:
            return (_z(cosines) + TOPIC_BM25_WEIGHT * lex_z) / (1 + TOPIC_BM25_WEIGHT)

        floor = min((score for _, score in dense.values()), default=0.0)
        cosines = [dense[rid][1] if rid in dense else floor for rid in ids]
        seed = ids[int(np.argmax(fused(cosines)))]
        seed_row = dense[seed][0] if seed in dense else lexical[seed][0]
        got = self.collection.get(ids=[self.catalog.ids[seed_row]], include=["embeddings"])["embeddings"]
        assert got is not None, "Chroma returns the embeddings it was asked for"
        like = self._per_record(self._query([float(x) for x in got[0]], near, None))
        moved = [
            (1 - TOPIC_FEEDBACK) * cos + TOPIC_FEEDBACK * (like[rid][1] if rid in like else floor)
            for rid, cos in zip(ids, cosines, strict=True)
        ]
        kept = {self.catalog.metas[row]["record_id"] for row in np.flatnonzero(allowed).tolist()}
        return {rid: score for rid, score in zip(ids, fused(moved).tolist(), strict=True) if rid in kept}

    def _per_record(self, rows: Iterable[tuple[int, float]]) -> dict[str, tuple[int, float]]:
        """Each record's best (row, score)."""
        ranked = sorted(rows, key=lambda pair: pair[1], reverse=True)
        return {rid: (row, score) for rid, row, score in _best_by_record(ranked, self.catalog.metas)}

    def matching_records(self, filters: Filters) -> list[str]:
        """Every record of the collection that ``filters`` allow, in catalog order (topic candidates)."""
        rows = np.flatnonzero(self.catalog.allowed(filters)).tolist()
        return list(dict.fromkeys(self.catalog.metas[row]["record_id"] for row in rows))

    def hit_for(self, record_id: str, rank: int, score: float = 0.0) -> Hit:
        """A hit for one record found by other evidence than the fused ranking (its first chunk)."""
        return self._hit(rank, record_id, self.catalog.records[record_id][0], score, 0.0, 0.0)

    def record_text(self, record_id: str) -> str:
        """The whole text of a record (its chunks joined), for the answerer."""
        rows = self.catalog.records.get(record_id, [])
        rows = sorted(rows, key=lambda r: self.catalog.metas[r].get("chunk", 0))
        return "\n".join(self.catalog.texts[r].split("\n", 1)[-1] for r in rows)


_retrievers: dict[tuple[str, str], HybridRetriever] = {}
_lock = threading.Lock()


def get_retriever(settings: Settings) -> HybridRetriever:
    """A cached retriever for the live index; reopened when an ingest (in any process) switched generations."""
    key = (settings.cache_key("index"), store.generation_token(settings))
    with _lock:
        if key not in _retrievers:
            _retrievers.clear()
            _retrievers[key] = HybridRetriever(settings)
        return _retrievers[key].with_retrieval(settings.retrieval)
