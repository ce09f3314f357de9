"""Section ``scale``: open time and memory of big synthetic indexes with the persisted catalog and BM25 index
(100k chunks embedded; larger ones in a Chroma server, ``chroma run``), search latency on them, and two search
processes on the same index at once (the memory-mapped index is shared, so their PSS is what they add).

Sizes: ``python -m benchmarks --sections scale --scale-sizes 100000,1000000`` (default 100k; quick: 3k)."""

from __future__ import annotations

import json
import shutil
import time
from typing import Any

from benchmarks.core import Context, Result, Section, Table
from benchmarks.harness import WORK, log, stats
from benchmarks.processes import Worker, free_port
from benchmarks.sections.search import run_passes, search_rows
from benchmarks.sections.server import ChromaServer
from benchmarks.workers.common import settings_for

SERVER_FROM = 200_001  # sizes from here are stored in a Chroma server, as the 1M point asks
TARGETS = {  # issue 13: (open s, RSS after open MB, search p95 ms)
    100_000: (2.0, 700.0, None),
    1_000_000: (5.0, 3072.0, 100.0),
}


def one_size(ctx: Context, n: int, qs: list[str]) -> dict[str, Any]:
    """Build an index of n chunks (or, with ``--scale-reuse``, take the last build of that size), then open and
    search it. A server-mode index is written into the server's folder by a local client first (the same files,
    without the HTTP encoding of every vector), then ``chroma run`` serves that folder to the search processes."""
    data_dir, store_path = WORK / "scale" / f"n{n}", WORK / "scale" / f"chroma-{n}"
    built = data_dir / "build.json"  # the build's figures, and the server port its catalog is keyed by
    build = json.loads(built.read_text()) if ctx.scale_reuse and built.exists() else None
    port = (build or {}).get("port") or (free_port() if n >= SERVER_FROM else None)
    config: dict[str, Any] = {"data_dir": str(data_dir)}
    if port:
        config |= {"chroma_url": f"http://127.0.0.1:{port}", "store_path": str(store_path)}
    server = None
    try:
        if build is None:
            shutil.rmtree(data_dir, ignore_errors=True)
            shutil.rmtree(store_path, ignore_errors=True)
            log(f"  scale {n:,} chunks: build ({'for a chroma server' if port else 'embedded'})")
            t = time.perf_counter()
            with Worker("growth_build", config | {"chunks": n, "batch": 1000, "seed": n}, f"scale-build-{n}") as w:
                build = w.ready | {"port": port}
            build["wall_s"] = time.perf_counter() - t
            built.write_text(json.dumps(build))
        else:
            log(f"  scale {n:,} chunks: the build of {time.ctime(built.stat().st_mtime)} (--scale-reuse)")
        server = ChromaServer(store_path, port=port, keep=True) if port else None
        server_load_s = warm(server.url, settings_for(config).index.collection) if server else None
        log(f"  scale {n:,} chunks: build took {build['wall_s']:.0f} s; open and search")
        with Worker("search", config, f"scale-a-{n}") as a:
            a.call("pass", queries=qs, cold=False)  # fills the query-embedding cache: store-side costs below
            rows: list[dict[str, Any]] = []
            for i in range(ctx.p(2, 1)):
                rows += run_passes(a, qs, False, seed=i)
            with Worker("search", config, f"scale-b-{n}") as b:  # a second process while the first is open
                b_rows = run_passes(b, qs, False, seed=7)
                b_mem, a_mem = b.call("pass", queries=qs[:3], cold=False), a.call("pass", queries=qs[:3], cold=False)
                second = b.ready
            first = a.ready
    finally:
        if server:
            server.stop()
    return {
        "mode": "chroma server" if server else "embedded",
        "build": build,
        "server_load_s": server_load_s,
        "first": first,
        "second": second,
        "search": search_rows(rows),
        "second_search": stats(r["wall"] for r in b_rows),
        "two_process": {key: [a_mem[key], b_mem[key]] for key in ("rss_mb", "pss_mb")},
    }


def warm(url: str, collection: str) -> float:
    """Seconds a fresh ``chroma run`` takes to load the live collection (its first request reads the whole HNSW
    index: 4-5 s at 1M chunks), paid once per server start, not per app process; the opens are measured after."""
    import chromadb

    from assistant.index.server import live_collection

    host, port = url.removeprefix("http://").split(":")
    client = chromadb.HttpClient(host=host, port=int(port))
    t = time.perf_counter()
    client.get_collection(live_collection(client, collection) or collection, embedding_function=None).count()
    return time.perf_counter() - t


def run(ctx: Context) -> Result:
    res = Result()
    sizes = ctx.scale_sizes or ctx.p([100_000], [3_000])
    qs = ctx.some_questions
    per_size: dict[int, dict[str, Any]] = {}
    for n in sizes:
        per_size[n] = one_size(ctx, n, qs)
    res.metrics = {"sizes": sizes, "per_size": {str(n): d for n, d in per_size.items()}}
    res.tables.append(
        Table(
            "Open and memory: one fresh search process per index, then a second one while the first is open",
            [
                "chunks",
                "store",
                "build s",
                "server load s",
                "catalog write s",
                "open s",
                "RSS after open MB",
                "PSS after open MB",
                "search p50 ms",
                "search p95 ms",
                "2nd process open s",
                "2nd process search p95 ms",
                "RSS both MB",
                "PSS both MB",
            ],
            [
                [
                    n,
                    d["mode"],
                    d["build"]["wall_s"],
                    "" if d["server_load_s"] is None else d["server_load_s"],
                    d["build"]["catalog_s"],
                    d["first"]["open_s"],
                    d["first"]["rss_after_open_mb"],
                    d["first"]["pss_after_open_mb"],
                    d["search"]["wall"]["p50"],
                    d["search"]["wall"]["p95"],
                    d["second"]["open_s"],
                    d["second_search"]["p95"],
                    " + ".join(f"{x:.0f}" for x in d["two_process"]["rss_mb"]),
                    " + ".join(f"{x:.0f}" for x in d["two_process"]["pss_mb"]),
                ]
                for n, d in per_size.items()
            ],
            "'server load s': a fresh `chroma run`'s first request on the collection (it reads the HNSW index), "
            "once per server start, before the opens. 'open s': HybridRetriever construction (Chroma client and "
            "collection, catalog and BM25 index "
            "memory-mapped), after imports and the model load. Search: golden questions with the query embedding "
            "cached (the store-side cost, as in 'growth'). RSS counts the mapped index pages a process touched; "
            "PSS splits pages shared by the two processes between them. Synthetic chunks: random unit vectors and "
            "seed sentences recombined (benchmarks/synthetic.py); their BM25 tokens are computed once per distinct "
            "sentence at build (the same bag of tokens as tokenizing each chunk, checked). Collections hold vectors "
            "and the filter fields only (index/slim.py), in a server too (a real server ingest keeps the texts).",
        )
    )
    for n, d in per_size.items():
        open_limit, rss_limit, p95_limit = TARGETS.get(n, (None, None, None))
        if open_limit is not None:
            res.target(f"open at {n:,} chunks", d["first"]["open_s"], open_limit, "s", "fresh process")
        if rss_limit is not None:
            res.target(f"RSS after open at {n:,}", d["first"]["rss_after_open_mb"], rss_limit, "MB", "fresh process")
        if p95_limit is not None:
            res.target(f"search p95 at {n:,}", d["search"]["wall"]["p95"], p95_limit, "ms", "embedding cached")
    return res


SECTION = Section("scale", "Scale: open time, memory and two processes on big indexes (persisted catalog)", run)
