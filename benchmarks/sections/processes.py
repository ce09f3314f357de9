"""Section ``processes``: two search processes on one Chroma server, and a record ingested by a third process.
Each search process asks as a chat process does (its retriever reopens the index when the server's live
collection changed); the section measures their latency and memory before, and the first request after the
ingest: whether it finds the new record, and what that request cost (the reopening included)."""

from __future__ import annotations

import shutil
import time
from typing import Any

from benchmarks.core import Context, Result, Section, Table
from benchmarks.harness import SEEDS, WORK, log, stats
from benchmarks.processes import Worker
from benchmarks.sections.server import ChromaServer

NEW_TITLE = "VesselTwist:retinal vessel tortuosity grading from smartphone fundus video"
NEW_RECORD = (
    f"论文ICLR 2026 Poster2026 年医学影像 {NEW_TITLE}\n"
    "ICLR 2026 Poster accepted paper at ICLR 2026. We grade retinal vessel tortuosity from fundus videos recorded "
    "with a smartphone adapter, with a tracker that follows each vessel across frames.\n"
)
QUESTION = "grading retinal vessel tortuosity from smartphone fundus videos"


def run(ctx: Context) -> Result:
    res = Result()
    root = WORK / "processes"
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(SEEDS, root / "corpus")
    server = ChromaServer(root / "chroma")
    config: dict[str, Any] = {
        "data_dir": str(root / "data"),
        "sources": [str(root / "corpus")],
        "chroma_url": server.url,
        "embed_cache": str(ctx.embed_cache),
    }
    qs = ctx.some_questions[: ctx.p(24, 8)]
    try:
        with Worker("ingest", config, "processes-ingest") as ingester:
            ingester.call("ingest", use_cache=True)  # set-up: the seeds' vectors come from the cache
            with Worker("search", config, "processes-a") as a, Worker("search", config, "processes-b") as b:
                workers = {"A": a, "B": b}
                before = {name: [w.call("live", query=q)["wall"] for q in qs] for name, w in workers.items()}
                missing = {
                    name: NEW_TITLE not in w.call("live", query=QUESTION)["titles"] for name, w in workers.items()
                }
                (root / "corpus" / "zz_new_record.txt").write_text(NEW_RECORD, encoding="utf-8")
                log("  processes: a third process ingests one new record")
                t = time.perf_counter()
                report = ingester.call("ingest", use_cache=True)
                ingest_s = time.perf_counter() - t
                first = {name: w.call("live", query=QUESTION) for name, w in workers.items()}
                after = {name: [w.call("live", query=q)["wall"] for q in qs] for name, w in workers.items()}
                memory = {name: w.call("pass", queries=qs[:2], cold=False) for name, w in workers.items()}
    finally:
        server.stop()
    rows = {
        name: {
            "before": stats(before[name]),
            "absent_before": missing[name],
            "found_first": NEW_TITLE in first[name]["titles"],
            "first_ms": first[name]["wall"],
            "after": stats(after[name]),
            "rss_mb": memory[name]["rss_mb"],
            "pss_mb": memory[name]["pss_mb"],
        }
        for name in workers
    }
    res.metrics = {"ingest_s": ingest_s, "report": report["report"], "processes": rows}
    res.tables.append(
        Table(
            f"Two search processes on one Chroma server; a third ingests one new record ({ingest_s:.1f} s)",
            [
                "process",
                "search p50 / p95 ms before",
                "new record absent before",
                "found on first request after",
                "that request ms (reopen incl.)",
                "search p50 / p95 ms after",
                "RSS MB",
                "PSS MB",
            ],
            [
                [
                    name,
                    f"{r['before']['p50']:.1f} / {r['before']['p95']:.1f}",
                    r["absent_before"],
                    r["found_first"],
                    r["first_ms"],
                    f"{r['after']['p50']:.1f} / {r['after']['p95']:.1f}",
                    r["rss_mb"],
                    r["pss_mb"],
                ]
                for name, r in rows.items()
            ],
            "Each search goes through get_retriever, as the chat does: it compares the server's live collection "
            "with the one it opened (one small request) and reopens on a change. Golden questions, new to each "
            "process before (query embedding not cached), repeated after.",
        )
    )
    for name, r in rows.items():
        missed = 0.0 if r["found_first"] else 1.0
        res.target(f"process {name}: requests after the ingest not seeing the new record", missed, 0.0, "", "")
    return res


SECTION = Section("processes", "Two search processes on one Chroma server see a third process's ingest", run)
