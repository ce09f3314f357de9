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

from assistant.evals.metrics import HEADLINE

CHART_METRICS = (
    "hit@5",
    "mrr",
    "recall",
    "abstention_accuracy",
    "facts_recall",
    "citation_validity",
    "citation_support",
    "language_match",
)
RATE_METRICS = {m for m in HEADLINE if not m.startswith("latency")} | {"recall@10"}


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


# ------------------------------------------------------------------------------------------- comparison
def _hit(row: dict[str, Any]) -> bool:
    return row.get("hit_rank") is not None and row["hit_rank"] <= 5


def question_changes(prev: dict[str, Any], cur: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(regressions, improvements) of one question between two runs, as short phrases."""
    worse: list[str] = []
    better: list[str] = []
    if cur.get("expect_any"):
        if _hit(prev) and not _hit(cur):
            worse.append(f"hit lost (rank {prev['hit_rank']} -> {cur.get('hit_rank') or 'none'})")
        elif _hit(cur) and not _hit(prev):
            better.append(f"hit gained (rank {prev.get('hit_rank') or 'none'} -> {cur['hit_rank']})")
    lost = [s for s in prev.get("found", []) if s not in cur.get("found", [])]
    gained = [s for s in cur.get("found", []) if s not in prev.get("found", [])]
    if lost:
        worse.append("records lost: " + ", ".join(lost))
    if gained:
        better.append("records gained: " + ", ".join(gained))
    facts_lost = [f for f in prev.get("facts_found", []) if f not in cur.get("facts_found", [])]
    facts_gained = [f for f in cur.get("facts_found", []) if f not in prev.get("facts_found", [])]
    if facts_lost:
        worse.append("fact lost: " + ", ".join(facts_lost))
    if facts_gained:
        better.append("fact gained: " + ", ".join(facts_gained))
    if bool(prev.get("abstained")) != bool(cur.get("abstained")):
        flip = (
            f"abstention flipped ({'refused' if prev.get('abstained') else 'answered'} -> "
            f"{'refused' if cur.get('abstained') else 'answered'})"
        )
        (worse if bool(cur.get("abstained")) != bool(cur.get("should_abstain")) else better).append(flip)
    if cur.get("error") and not prev.get("error"):
        worse.append(f"new error: {cur['error']}")
    elif prev.get("error") and not cur.get("error"):
        better.append("error fixed")
    return worse, better


def compare(prev: dict[str, Any], cur: dict[str, Any]) -> dict[str, Any]:
    """Metric deltas and per-question regressions / improvements of ``cur`` against ``prev``."""
    deltas = {}
    for name in HEADLINE:
        a, b = prev.get("metrics", {}).get(name), cur.get("metrics", {}).get(name)
        if a is None and b is None:
            continue
        deltas[name] = {"previous": a, "current": b, "delta": None if a is None or b is None else b - a}
    before = {r["id"]: r for r in prev.get("questions", [])}
    regressions, improvements = [], []
    for row in cur.get("questions", []):
        if row["id"] not in before:
            continue
        worse, better = question_changes(before[row["id"]], row)
        regressions += [{"id": row["id"], "question": row["question"], "change": c} for c in worse]
        improvements += [{"id": row["id"], "question": row["question"], "change": c} for c in better]
    return {
        "previous": prev.get("meta", {}),
        "deltas": deltas,
        "regressions": regressions,
        "improvements": improvements,
    }


# ----------------------------------------------------------------------------------------------- charts
def charts(result: dict[str, Any], folder: Path) -> dict[str, Path]:
    """Metric bars by kind and by language, and the latency histogram, as PNGs in ``folder``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out: dict[str, Path] = {}
    for key, title in (("by_kind", "Metrics by question kind"), ("by_lang", "Metrics by question language")):
        groups = result.get(key, {})
        fig, ax = plt.subplots(figsize=(10, 4.8))
        names = list(groups)
        width = 0.8 / max(1, len(names))
        for i, group in enumerate(names):
            values = [groups[group].get(m) for m in CHART_METRICS]
            xs = [j + i * width for j in range(len(CHART_METRICS))]
            ax.bar(
                xs,
                [v if v is not None else 0 for v in values],
                width,
                label=f"{group} (n={groups[group]['n_questions']})",
            )
            for x, v in zip(xs, values, strict=False):
                if v is None:
                    ax.text(x, 0.01, "n/a", ha="center", va="bottom", fontsize=6, rotation=90, color="grey")
        ax.set_xticks([j + width * (len(names) - 1) / 2 for j in range(len(CHART_METRICS))])
        ax.set_xticklabels(CHART_METRICS, rotation=20, ha="right", fontsize=8)
        ax.set_ylim(0, 1.05)
        ax.set_title(title)
        ax.legend(fontsize=7, ncol=min(5, max(1, len(names))), loc="upper center", bbox_to_anchor=(0.5, -0.28))
        ax.grid(axis="y", alpha=0.3)
        fig.tight_layout()
        path = folder / f"metrics_{key}.png"
        fig.savefig(path, dpi=100)
        plt.close(fig)
        out[key] = path
    latencies = [r["latency_ms"] for r in result.get("questions", []) if r.get("latency_ms") is not None]
    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.hist(latencies or [0], bins=min(30, max(5, len(latencies) // 3)), color="#4a7ab5")
    for name, style in (("latency_p50_ms", "--"), ("latency_p95_ms", ":")):
        value = result.get("metrics", {}).get(name)
        if value is not None:
            ax.axvline(value, color="black", linestyle=style, label=f"{name.split('_')[1]} {value:.0f} ms")
    ax.set_xlabel("latency per question (ms)")
    ax.set_ylabel("questions")
    ax.set_title("Answer latency")
    ax.legend(fontsize=8)
    fig.tight_layout()
    path = folder / "latency.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    out["latency"] = path
    return out


# ---------------------------------------------------------------------------------------------- tables
def fmt(name: str, value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.0f}" if name.startswith("latency") else f"{value:.3f}"
    return str(value)


def fmt_delta(name: str, delta: float | None) -> str:
    if delta is None:
        return "–"
    if abs(delta) < 1e-12:
        return "±0"
    text = f"{delta:+.0f}" if name.startswith("latency") else f"{delta:+.3f}"
    better = (delta > 0) == HEADLINE.get(name, True)
    return text + ("" if name.startswith("latency") else (" ▲" if better else " ▼"))


def metric_rows(result: dict[str, Any], comparison: dict[str, Any] | None) -> list[list[str]]:
    rows = []
    metrics = result["metrics"]
    for name in HEADLINE:
        if name not in metrics:
            continue
        d = (comparison or {}).get("deltas", {}).get(name, {})
        rows.append(
            [name, fmt(name, metrics[name])]
            + ([fmt(name, d.get("previous")), fmt_delta(name, d.get("delta"))] if comparison else [])
        )
    counts = [
        "n_questions",
        "n_expect_any",
        "n_expect_all",
        "n_should_abstain",
        "n_facts",
        "errors",
        "answers_with_invalid_citations",
        "answers_without_citations",
        "golden_problems",
        "judge_ok",
        "judge_failed",
        "judge_skipped",
    ]
    for name in counts:
        if name in metrics:
            rows.append([name, fmt(name, metrics[name])] + (["", ""] if comparison else []))
    return rows


def group_rows(groups: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    names = [
        "n_questions",
        "hit@1",
        "hit@5",
        "mrr",
        "recall",
        "abstention_accuracy",
        "facts_recall",
        "citation_validity",
        "citation_support",
        "language_match",
        "latency_p50_ms",
    ]
    return ["group"] + names, [[g] + [fmt(n, m.get(n)) for n in names] for g, m in groups.items()]


def question_table(rows: list[dict[str, Any]]) -> tuple[list[str], list[list[str]]]:
    head = [
        "id",
        "kind",
        "lang",
        "hit rank / found",
        "abstained",
        "should abstain",
        "facts",
        "citations n/valid",
        "latency ms",
        "error",
    ]
    out = []
    for r in rows:
        if r.get("expect_all"):
            hit = f"{len(r.get('found', []))}/{len(r['expect_all'])} of {len(r.get('sources', []))}"
        elif r.get("expect_any"):
            hit = str(r.get("hit_rank") or "miss")
        else:
            hit = "–"
        out.append(
            [
                r["id"],
                r["kind"],
                r["lang"],
                hit,
                "yes" if r["abstained"] else "no",
                "yes" if r["should_abstain"] else "no",
                f"{len(r.get('facts_found', []))}/{len(r.get('facts', []))}",
                f"{r.get('citation_marks', 0)}/{r.get('citation_marks_valid', 0)}",
                f"{r.get('latency_ms', 0):.0f}",
                r.get("error") or "",
            ]
        )
    return head, out


def failures(rows: list[dict[str, Any]]) -> list[tuple[dict[str, Any], list[str]]]:
    """Questions with something wrong, each with the list of what is wrong."""
    out = []
    for r in rows:
        problems = []
        if r["abstained"] != r["should_abstain"]:
            problems.append("refused but should answer" if r["abstained"] else "answered but should refuse")
        if r.get("expect_any") and r.get("hit_rank") is None:
            problems.append("no expected record among the sources")
        elif r.get("expect_any") and r["hit_rank"] > 1:
            problems.append(f"expected record at rank {r['hit_rank']}")
        if r.get("missing"):
            problems.append("missing records: " + ", ".join(r["missing"]))
        lost = [f for f in r.get("facts", []) if f not in r.get("facts_found", [])]
        if lost:
            problems.append("facts not in the answer: " + ", ".join(lost))
        if r.get("invalid_citations"):
            problems.append(f"invalid citations: {r['invalid_citations']}")
        if r.get("unsupported"):
            problems.append(f"{r['unsupported']} unsupported sentence(s)")
        if r.get("lang_match") is False:
            problems.append("answer not in the question's language")
        if r.get("unmatchable"):
            problems.append("expected strings match no record: " + ", ".join(r["unmatchable"]))
        if (r.get("judge") or {}).get("error"):
            problems.append(f"judge failed: {r['judge']['error']}")
        if r.get("error"):
            problems.append(f"error: {r['error']}")
        if problems:
            out.append((r, problems))
    return out


# -------------------------------------------------------------------------------------------- markdown
def _md_table(head: list[str], rows: list[list[str]]) -> str:
    def cell(text: str) -> str:
        return str(text).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


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
        _md_table(["metric", "value"] + (["previous", "delta"] if comparison else []), metric_rows(result, comparison)),
        "",
    ]
    parts += [
        "## By kind",
        "",
        _md_table(*group_rows(result["by_kind"])),
        "",
        "## By language",
        "",
        _md_table(*group_rows(result["by_lang"])),
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
    parts += ["", "## Every question", "", _md_table(*question_table(result["questions"])), ""]
    return "\n".join(parts)


# ------------------------------------------------------------------------------------------------ html
CSS = """body{font-family:system-ui,sans-serif;margin:2em;max-width:1200px;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:13px}td,th{border:1px solid #ccc;padding:3px 7px;text-align:left}
th{background:#f0f0f0}.bad{color:#b00020}.good{color:#137333}img{max-width:100%;margin:0.5em 0}
code{background:#f5f5f5;padding:0 3px}"""


def _html_table(head: list[str], rows: list[list[str]]) -> str:
    out = ["<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in head) + "</tr>"]
    for row in rows:
        cells = []
        for c in row:
            cls = ' class="good"' if str(c).endswith("▲") else ' class="bad"' if str(c).endswith("▼") else ""
            cells.append(f"<td{cls}>{html.escape(str(c))}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    return "\n".join(out) + "</table>"


def html_report(result: dict[str, Any], comparison: dict[str, Any] | None, images: dict[str, Path]) -> str:
    e = html.escape
    meta = result.get("meta", {})
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>Answer-quality eval</title>",
        f"<style>{CSS}</style></head><body><h1>Answer-quality eval</h1>",
        "<p>" + " · ".join(f"{e(str(k))}: {e(str(v))}" for k, v in meta.items() if v not in (None, "")) + "</p>",
        "<h2>Metrics</h2>",
        _html_table(
            ["metric", "value"] + (["previous", "delta"] if comparison else []), metric_rows(result, comparison)
        ),
        "<h2>By kind</h2>",
        _html_table(*group_rows(result["by_kind"])),
        "<h2>By language</h2>",
        _html_table(*group_rows(result["by_lang"])),
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
    images = charts(result, folder)
    md_path, html_path = folder / "report.md", folder / "report.html"
    md_path.write_text(markdown(result, comparison, images, run_path), encoding="utf-8")
    html_path.write_text(html_report(result, comparison, images), encoding="utf-8")
    return {"run": run_path, "markdown": md_path, "html": html_path, "charts": images, "comparison": comparison}


def text_summary(result: dict[str, Any], comparison: dict[str, Any] | None = None) -> str:
    """The console summary of ``assistant eval``: headline metrics, the breakdowns, the problem count."""
    lines = []
    for name, value, *rest in metric_rows(result, comparison):
        lines.append(f"{name:<32}{value:>10}" + (f"   prev {rest[0]:>8}  {rest[1]}" if rest and rest[0] else ""))
    for key in ("by_kind", "by_lang"):
        head, rows = group_rows(result[key])
        widths = [max(len(str(r[i])) for r in [head] + rows) for i in range(len(head))]
        lines += ["", "  ".join(h.ljust(w) for h, w in zip(head, widths, strict=False))]
        lines += ["  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=False)) for row in rows]
    failing = failures(result["questions"])
    lines += [
        "",
        f"{len(failing)} of {len(result['questions'])} questions with problems"
        + (" (see the report)" if failing else ""),
    ]
    return "\n".join(lines)
