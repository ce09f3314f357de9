"""Eval reports: report.md and report.html with charts, the saved run, and the comparison with the previous run.

Layout of a report folder::

    DIR/report.md            metrics, breakdowns, comparison, failures, per-question table (links the PNGs)
    DIR/report.html          the same, self-contained (PNGs embedded as base64 data URIs)
    DIR/metrics_by_kind.png  DIR/metrics_by_lang.png  DIR/latency.png
    DIR/runs/<timestamp>.json  every run, the newest being compared with the one before it
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path
from typing import Any

from assistant.evals.compare import compare
from assistant.evals.tables import (
    CSS,
    METRIC_HEAD,
    failures,
    group_rows,
    html_table,
    md_table,
    metric_rows,
    question_table,
    text_table,
)


# ------------------------------------------------------------------------------------------------- runs
def save_run(result: dict[str, Any], folder: Path) -> Path:
    """Write the run as DIR/runs/<timestamp>.json (never overwriting an earlier run)."""
    runs = folder / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    stamp = result.get("meta", {}).get("timestamp", "run").replace(":", "").replace("-", "")
    path = runs / f"{stamp}.json"
    n = 1
    while path.exists():
        n += 1
        path = runs / f"{stamp}-{n}.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def previous_run(folder: Path, current: Path | None = None) -> tuple[Path, dict[str, Any]] | None:
    """The newest saved run in DIR/runs other than ``current`` (unreadable files are skipped)."""
    runs = sorted((folder / "runs").glob("*.json"), key=lambda p: (p.stat().st_mtime_ns, p.name), reverse=True)
    for path in runs:
        if current is not None and path.resolve() == current.resolve():
            continue
        try:
            return path, json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
    return None


def markdown(
    result: dict[str, Any], comparison: dict[str, Any] | None, images: dict[str, Path], run_path: Path | None = None
) -> str:
    meta = result.get("meta", {})
    parts = ["# Answer-quality eval", "", " · ".join(f"{k}: {v}" for k, v in meta.items() if v not in (None, "")), ""]
    if run_path:
        parts += [f"Run saved as `{run_path.name}` (in `runs/`).", ""]
    parts += [
        "## Metrics",
        "",
        md_table(METRIC_HEAD + (["previous", "delta"] if comparison else []), metric_rows(result, comparison)),
        "",
    ]
    parts += [
        "## By kind",
        "",
        md_table(*group_rows(result["by_kind"])),
        "",
        "## By language",
        "",
        md_table(*group_rows(result["by_lang"])),
        "",
    ]
    parts += ["## Charts", ""] + [f"![{k}]({p.name})" for k, p in images.items()] + [""]
    parts += ["## Comparison with the previous run", ""]
    if comparison is None:
        parts += ["No previous run in this folder.", ""]
    else:
        prev = comparison["previous"]
        parts += [f"Previous run: {prev.get('timestamp', '?')} (commit {prev.get('commit') or '?'}).", ""]
        parts += [f"**Regressions ({len(comparison['regressions'])})**", ""]
        parts += [f"- `{r['id']}` {r['change']} — {r['question']}" for r in comparison["regressions"]] or ["- none"]
        parts += ["", f"**Improvements ({len(comparison['improvements'])})**", ""]
        parts += [f"- `{r['id']}` {r['change']}" for r in comparison["improvements"]] or ["- none"]
        parts += [""]
    failing = failures(result["questions"])
    parts += [f"## Questions with problems ({len(failing)})", ""]
    parts += [f"- `{r['id']}` ({r['kind']}, {r['lang']}) {r['question']} — " + "; ".join(p) for r, p in failing]
    parts += ["", "## Every question", "", md_table(*question_table(result["questions"])), ""]
    return "\n".join(parts)


def html_report(result: dict[str, Any], comparison: dict[str, Any] | None, images: dict[str, Path]) -> str:
    e = html.escape
    meta = result.get("meta", {})
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>Answer-quality eval</title>",
        f"<style>{CSS}</style></head><body><h1>Answer-quality eval</h1>",
        "<p>" + " · ".join(f"{e(str(k))}: {e(str(v))}" for k, v in meta.items() if v not in (None, "")) + "</p>",
        "<h2>Metrics</h2>",
        html_table(METRIC_HEAD + (["previous", "delta"] if comparison else []), metric_rows(result, comparison)),
        "<h2>By kind</h2>",
        html_table(*group_rows(result["by_kind"])),
        "<h2>By language</h2>",
        html_table(*group_rows(result["by_lang"])),
        "<h2>Charts</h2>",
    ]
    for key, path in images.items():
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        parts.append(f"<img alt='{e(key)}' src='data:image/png;base64,{data}'>")
    parts.append("<h2>Comparison with the previous run</h2>")
    if comparison is None:
        parts.append("<p>No previous run in this folder.</p>")
    else:
        prev = comparison["previous"]
        parts.append(
            f"<p>Previous run: {e(str(prev.get('timestamp', '?')))} (commit {e(str(prev.get('commit') or '?'))}).</p>"
        )
        for label, items, cls in (
            ("Regressions", comparison["regressions"], "bad"),
            ("Improvements", comparison["improvements"], "good"),
        ):
            parts.append(f"<h3 class='{cls}'>{label} ({len(items)})</h3><ul>")
            parts += [f"<li><code>{e(r['id'])}</code> {e(r['change'])} — {e(r['question'])}</li>" for r in items]
            parts.append("</ul>" if items else "<li>none</li></ul>")
    failing = failures(result["questions"])
    parts.append(f"<h2>Questions with problems ({len(failing)})</h2><ul>")
    parts += [
        f"<li><code>{e(r['id'])}</code> ({e(r['kind'])}, {e(r['lang'])}) {e(r['question'])} — {e('; '.join(p))}</li>"
        for r, p in failing
    ]
    parts.append("</ul><h2>Every question</h2>")
    head, rows = question_table(result["questions"])
    by_id = {r["id"]: r for r in result["questions"]}
    out = ["<table><tr>" + "".join(f"<th>{e(h)}</th>" for h in head + ["question", "answer"]) + "</tr>"]
    for row in rows:
        q = by_id[row[0]]
        out.append(
            "<tr>"
            + "".join(f"<td>{e(str(c))}</td>" for c in row)
            + f"<td>{e(q['question'])}</td><td><details><summary>answer</summary>"
            f"<pre style='white-space:pre-wrap'>{e(q.get('answer', ''))}</pre></details></td></tr>"
        )
    parts.append("\n".join(out) + "</table></body></html>")
    return "\n".join(parts)


def write_report(result: dict[str, Any], folder: Path) -> dict[str, Any]:
    """Save the run, compare it with the previous run in ``folder``, write report.md / report.html / PNGs.

    Returns {"run", "markdown", "html", "charts", "comparison"}.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    run_path = save_run(result, folder)
    previous = previous_run(folder, current=run_path)
    comparison = compare(previous[1], result) if previous else None
    if comparison is not None and previous is not None:
        comparison["previous_file"] = previous[0].name
    from assistant.evals.charts import charts  # matplotlib only when a report is written

    images = charts(result, folder)
    md_path, html_path = folder / "report.md", folder / "report.html"
    md_path.write_text(markdown(result, comparison, images, run_path), encoding="utf-8")
    html_path.write_text(html_report(result, comparison, images), encoding="utf-8")
    return {"run": run_path, "markdown": md_path, "html": html_path, "charts": images, "comparison": comparison}


def text_summary(result: dict[str, Any], comparison: dict[str, Any] | None = None) -> str:
    """The console summary of ``assistant eval``: headline metrics, the breakdowns, the problem count."""
    lines = []
    for name, value, ci, n, *rest in metric_rows(result, comparison):
        lines.append(
            f"{name:<32}{value:>10}  {ci:<18}{'n=' + n if n else '':<7}"
            + (f"   prev {rest[0]:>8}  {rest[1]}" if rest and rest[0] else "")
        )
    for key in ("by_kind", "by_lang"):
        lines += ["", text_table(*group_rows(result[key], with_ci=False))]
    failing = failures(result["questions"])
    lines += [
        "",
        f"{len(failing)} of {len(result['questions'])} questions with problems"
        + (" (see the report)" if failing else ""),
    ]
    return "\n".join(lines)
