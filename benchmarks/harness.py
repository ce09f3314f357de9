"""The harness every section shares: paths, timing goals, medians and percentiles, memory and CPU probes,
pass interleaving, and the golden questions.

Every latency in the report is a median (p50) and a p95 from ``stats``; comparisons interleave their sides
pass by pass (``interleave``) so background load on this shared machine hits both sides alike.
"""

from __future__ import annotations

import json
import os
import random
import resource
import statistics
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from assistant.evals.metrics import percentile

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
WORK = BENCH / ".work"
RESULTS = BENCH / "results"
GOLDEN = ROOT / "evals" / "golden.jsonl"
SEEDS = ROOT / "seeds"

# The timing goals the report marks PASS or FAIL.
TARGETS = {
    "ingest_cold_s": 40.0,
    "ingest_unchanged_s": 2.0,
    "search_p50_ms": 30.0,
    "growth_p95_ms_at_100k": 100.0,
    "ask_p50_ms": 150.0,
    "ui_first_text_s": 0.5,
    "ui_stop_s": 1.0,
    "server_rss_mb": 1024.0,
}


def stats(values: Iterable[float]) -> dict[str, float]:
    """n, p50 (median), p95 (linear interpolation, numpy's default), mean, min, max; NaN for no values."""
    xs = [float(v) for v in values]
    if not xs:
        return {
            "n": 0,
            "p50": float("nan"),
            "p95": float("nan"),
            "mean": float("nan"),
            "min": float("nan"),
            "max": float("nan"),
        }
    p95 = percentile(xs, 95)
    assert p95 is not None  # None only for no values
    return {
        "n": len(xs),
        "p50": statistics.median(xs),
        "p95": p95,
        "mean": statistics.fmean(xs),
        "min": min(xs),
        "max": max(xs),
    }


def rss_mb() -> float:
    try:
        import psutil

        return psutil.Process().memory_info().rss / 2**20
    except ImportError:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def pss_mb() -> float:
    """Proportional set size: shared pages (a memory-mapped index read by several processes) split among them."""
    for line in Path("/proc/self/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


def golden_rows() -> list[dict[str, Any]]:
    return [json.loads(line) for line in GOLDEN.read_text(encoding="utf-8").splitlines() if line.strip()]


def log(msg: str) -> None:
    """A timestamped progress line on stdout."""
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def interleave(sides: dict[str, Callable[[int], list[Any]]], passes: int) -> dict[str, list[Any]]:
    """Run pass i of every side before pass i+1 of any, alternating which side goes first."""
    out: dict[str, list[Any]] = {name: [] for name in sides}
    names = list(sides)
    for i in range(passes):
        for name in names if i % 2 == 0 else names[::-1]:
            out[name].extend(sides[name](i))
    return out


def shuffled(items: list[str], seed: int) -> list[str]:
    """A copy of ``items`` in a seed-determined order (each pass asks the questions in another order)."""
    items = list(items)
    random.Random(seed).shuffle(items)
    return items


def cpu_busy_s() -> float:
    """Busy CPU seconds of the whole machine so far (/proc/stat)."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    vals = [int(x) for x in fields]
    idle = vals[3] + (vals[4] if len(vals) > 4 else 0)
    return (sum(vals[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def own_cpu_s() -> float:
    a, b = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime
