"""The tables of the eval reports (rows of strings), rendered as Markdown, HTML or terminal text."""

from __future__ import annotations

import html
from typing import Any

from assistant.evals.metrics import HEADLINE

METRIC_HEAD = ["metric", "value", "95% CI", "n"]
GROUP_METRICS = (
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
)


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


def fmt_ci(name: str, interval: list[float] | None) -> str:
    return "–" if not interval else f"[{fmt(name, interval[0])}, {fmt(name, interval[1])}]"


def fmt_rate(name: str, metrics: dict[str, Any], with_ci: bool) -> str:
    """A value with its n (and its 95% interval when ``with_ci``): "0.943 [0.857, 1.000] n=35"."""
    value = fmt(name, metrics.get(name))
    n = metrics.get("n", {}).get(name)
    ci = fmt_ci(name, metrics.get("ci95", {}).get(name)) if with_ci and metrics.get(name) is not None else ""
    return " ".join(x for x in (value, ci, f"n={n}" if n is not None else "") if x)


def metric_rows(result: dict[str, Any], comparison: dict[str, Any] | None) -> list[list[str]]:
    """Rows of METRIC_HEAD (+ previous, delta with a comparison): every headline metric, then the counts."""
    rows = []
    metrics = result["metrics"]
    for name in HEADLINE:
        if name not in metrics:
            continue
        d = (comparison or {}).get("deltas", {}).get(name, {})
        n = metrics.get("n", {}).get(name, metrics.get("n_questions"))
        rows.append(
            [name, fmt(name, metrics[name]), fmt_ci(name, metrics.get("ci95", {}).get(name)), str(n)]
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
            rows.append([name, fmt(name, metrics[name]), "", ""] + (["", ""] if comparison else []))
    return rows


def group_rows(groups: dict[str, Any], with_ci: bool = True) -> tuple[list[str], list[list[str]]]:
    """One row per group (kind or language): each rate with its n, and its 95% interval when ``with_ci``."""
    return ["group", "n_questions", *GROUP_METRICS], [
        [g, str(m["n_questions"])] + [fmt_rate(n, m, with_ci) for n in GROUP_METRICS] for g, m in groups.items()
    ]


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
        if (r.get("claims") or {}).get("unsupported"):
            problems.append(f"{len(r['claims']['unsupported'])} claim(s) not supported by what they cite (ALCE)")
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


def text_table(head: list[str], rows: list[list[str]]) -> str:
    """Columns padded for the terminal."""
    widths = [max(len(str(r[i])) for r in [head] + rows) for i in range(len(head))]
    lines = ["  ".join(h.ljust(w) for h, w in zip(head, widths, strict=False))]
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=False)) for row in rows]
    return "\n".join(lines)


def md_table(head: list[str], rows: list[list[str]]) -> str:
    def cell(text: str) -> str:
        return str(text).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


CSS = """body{font-family:system-ui,sans-serif;margin:2em;max-width:1200px;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:13px}td,th{border:1px solid #ccc;padding:3px 7px;text-align:left}
th{background:#f0f0f0}.bad{color:#b00020}.good{color:#137333}img{max-width:100%;margin:0.5em 0}
code{background:#f5f5f5;padding:0 3px}"""


def html_table(head: list[str], rows: list[list[str]]) -> str:
    out = ["<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in head) + "</tr>"]
    for row in rows:
        cells = []
        for c in row:
            cls = ' class="good"' if str(c).endswith("▲") else ' class="bad"' if str(c).endswith("▼") else ""
            cells.append(f"<td{cls}>{html.escape(str(c))}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    return "\n".join(out) + "</table>"
