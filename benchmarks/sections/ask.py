"""Section ``ask``: ``assistant.answer`` (extractive) over the golden questions in a warm process."""

from __future__ import annotations

from typing import Any

from benchmarks.core import Context, Result, Section, Table
from benchmarks.harness import TARGETS, golden_rows, shuffled, stats
from benchmarks.processes import Worker


def run(ctx: Context) -> Result:
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


SECTION = Section("ask", "Ask: extractive answers, warm (assistant.answer)", run)
