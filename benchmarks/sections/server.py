"""Section ``server``: the seeds index in a Chroma server (``chroma run``) against the embedded store, ingest
and search, interleaved in the same run."""

from __future__ import annotations

import shutil
import statistics
from pathlib import Path
from typing import Any

from benchmarks.core import Context, Result, Section, Table
from benchmarks.harness import SEEDS, WORK, interleave
from benchmarks.processes import ServerProcess, Worker, free_port, venv_command
from benchmarks.sections.search import run_passes, search_rows


class ChromaServer(ServerProcess):
    """`chroma run` on 127.0.0.1 and a free port, stopped (by its pid) when the section ends."""

    def __init__(self, path: Path, port: int | None = None, keep: bool = False) -> None:
        """``keep``: serve what ``path`` holds (a store written there before, see section ``scale``)."""
        if not keep:
            shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        cmd = [venv_command("chroma"), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(self.port)]
        super().__init__("chroma-server", cmd, f"{self.url}/api/v2/heartbeat", timeout_s=60, poll_s=0.3)


def run(ctx: Context) -> Result:
    res = Result()
    embedded = ctx.seed_index()
    qs = ctx.some_questions
    passes = ctx.p(3, 2)
    server = ChromaServer(WORK / "server" / "chroma")
    try:
        config: dict[str, Any] = {
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


SECTION = Section("server", "Chroma server (`chroma run`) vs embedded PersistentClient", run)
