"""Benchmarks of the research assistant (the target of ``make bench``).

    .venv/bin/python -m benchmarks [--quick] [--sections ingest,search,...] [--list]

Writes ``benchmarks/results/latest.json``, ``latest.md`` (Markdown tables) and PNG plots next to them (the
folder is gitignored: every run writes it anew); indexes and logs go to the scratch dir ``benchmarks/.work/``.

Rules the numbers follow:
- every latency is reported as median (p50) and p95 over repeated runs (n is given), never one run;
- every comparison (baseline, server, thread policy, old vs new code) is measured in the same run, on the
  same machine, interleaved pass by pass where both sides are timed, so background load hits both sides;
- each measured process is a fresh subprocess (a "worker" speaking JSON lines), so imports, model loads
  and memory are clean and one library's threads cannot slow another one's timings;
- the CPU time other processes used during each section is recorded (this machine is shared).

Adding a section = one module in ``benchmarks/sections/`` (see ``benchmarks.core``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from typing import Any

from benchmarks.core import Context, Result, Section
from benchmarks.harness import RESULTS, WORK, cpu_busy_s, log, own_cpu_s
from benchmarks.report import environment, previous_sections, write_report
from benchmarks.sections import DEFAULT_ORDER, SECTIONS


def run_section(sec: Section, ctx: Context, started: str) -> dict[str, Any]:
    """One section, timed, with the CPU other processes used meanwhile; a failure becomes a failed result."""
    log(f"section {sec.name}: {sec.title}")
    t, busy0, own0, load0 = time.perf_counter(), cpu_busy_s(), own_cpu_s(), os.getloadavg()[0]
    try:
        r = sec.run(ctx)
    except Exception:
        tb = traceback.format_exc()
        log(f"section {sec.name} FAILED:\n{tb}")
        r = Result(status="failed", notes=[f"Failed: {tb.strip().splitlines()[-1]} (full traceback in latest.json)"])
        r.metrics = {"traceback": tb}
    wall = time.perf_counter() - t
    other = max(0.0, (cpu_busy_s() - busy0) - (own_cpu_s() - own0)) / wall if wall > 0 else 0.0
    log(f"section {sec.name}: {r.status} in {wall:.0f}s (other processes kept {other:.2f} cores busy)")
    return {
        "status": r.status,
        "run_started": started,
        "seconds": wall,
        "other_cores": other,
        "loadavg": [load0, os.getloadavg()[0]],
        "metrics": r.metrics,
        "tables": [table.to_dict() for table in r.tables],
        "notes": r.notes,
        "targets": r.targets,
        "plots": r.plots,
    }


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, fewer repeats (< 3 minutes)")
    parser.add_argument(
        "--sections", default=",".join(DEFAULT_ORDER), help=f"comma-separated, from: {', '.join(DEFAULT_ORDER)}"
    )
    parser.add_argument("--list", action="store_true", help="list the sections and exit")
    parser.add_argument(
        "--scale-sizes", default="", help="chunks of the scale section's indexes, comma-separated (e.g. 100000,1000000)"
    )
    parser.add_argument(
        "--scale-reuse",
        action="store_true",
        help="the scale section measures the last build of each size again when it is there (a 1M build takes ~45 min)",
    )
    args = parser.parse_args(argv)
    if args.list:
        for name, sec in SECTIONS.items():
            print(f"{name:12} {sec.title}")
        return 0
    names = [s.strip() for s in args.sections.split(",") if s.strip()]
    unknown = [n for n in names if n not in SECTIONS]
    if unknown:
        parser.error(f"unknown section(s): {', '.join(unknown)}; known: {', '.join(DEFAULT_ORDER)}")
    WORK.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    ctx = Context(
        quick=args.quick,
        scale_sizes=[int(x) for x in args.scale_sizes.split(",") if x.strip()],
        scale_reuse=args.scale_reuse,
    )
    started = time.time()
    meta: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "quick": args.quick,
        "sections": names,
        "command": " ".join([".venv/bin/python", "-m", "benchmarks", *argv]),
        "environment": environment(),
    }
    # a run of some sections keeps the other sections of the last run in the same mode (marked with their run)
    results: dict[str, dict[str, Any]] = {} if names == DEFAULT_ORDER else previous_sections(args.quick)
    for name in names:
        results[name] = run_section(SECTIONS[name], ctx, meta["started"])
        meta["total_s"] = time.time() - started
        write_report(meta, results)  # after every section, so a long run leaves partial results
    meta["total_s"] = time.time() - started
    write_report(meta, results)
    log(f"wrote {RESULTS / 'latest.md'} and latest.json ({meta['total_s'] / 60:.1f} min)")
    return 1 if any(results[n]["status"] == "failed" for n in names) else 0
