"""``assistant eval --compare A B``: resolve A and B (saved runs or configurations), run what needs running,
and show both side by side (terminal, compare.md, compare.html).

A configuration is ``key=value`` pairs separated by commas, over the settings of the command line::

    retrieval=dense            backend=openai,model=smollm2     k=3,prompts=prompts-v2
    embedding=minilm,data_dir=/tmp/minilm-index                  default  (the settings as given)
    tutorial  (the LangChain + Chroma tutorial pipeline)         tutorial,k=3

Keys: backend, model, prompts (a prompts folder: its prompt versions), k, retrieval (dense | bm25 | hybrid),
embedding (embedding model; give the data_dir of an index built with it), data_dir, pipeline (assistant |
tutorial: assistant/evals/tutorial.py, needs the bench extra).
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any, NamedTuple

from assistant.evals.tables import CSS, fmt, fmt_ci, fmt_delta, group_rows, html_table, md_table, text_table
from assistant.settings import Settings

KEYS = {
    "backend": "backend",
    "model": "model",
    "prompts": "prompts_dir",
    "k": "k",
    "retrieval": "retrieval_mode",
    "embedding": "embedding_model",
    "data_dir": "data_dir",
}
PIPELINES = ("assistant", "tutorial")  # the chain, or the LangChain + Chroma tutorial (assistant/evals/tutorial.py)
PRESETS: dict[str, dict[str, Any]] = {"default": {}, "tutorial": {"pipeline": "tutorial"}}


class SpecError(ValueError):
    """A comparison side that is neither a readable run file nor a valid configuration."""


def is_run_file(spec: str) -> bool:
    return spec.endswith(".json")


def load_run(path: Path) -> dict[str, Any]:
    try:
        run = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise SpecError(f"{path}: not a readable run file ({exc})") from None
    if not isinstance(run, dict) or not isinstance(run.get("questions"), list):
        raise SpecError(f"{path}: not a saved eval run (no 'questions' list)")
    return run


class Side(NamedTuple):
    settings: Settings
    pipeline: str  # one of PIPELINES


def side_for(spec: str, base: Settings) -> Side:
    """The settings and pipeline of a configuration spec, on top of ``base``: a preset, or key=value pairs
    (``pipeline=tutorial`` among them); unknown keys and bad values are errors."""
    updates: dict[str, Any] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        key, sep, value = part.partition("=")
        if not sep and key in PRESETS:
            updates |= PRESETS[key]
        elif sep and (key.strip() in KEYS or key.strip() == "pipeline"):
            updates[KEYS.get(key.strip(), "pipeline")] = value.strip()
        else:
            raise SpecError(
                f"{spec!r}: expected key=value pairs with keys {', '.join([*KEYS, 'pipeline'])} "
                f"(or a preset: {', '.join(PRESETS)}, or a run .json file)"
            )
    pipeline = updates.pop("pipeline", "assistant")
    if pipeline not in PIPELINES:
        raise SpecError(f"{spec!r}: pipeline is one of {', '.join(PIPELINES)}, not {pipeline!r}")
    try:
        return Side(base.replace(**updates), pipeline)
    except ValueError as exc:  # pydantic's ValidationError names the field and the allowed values
        raise SpecError(f"{spec!r}: {exc}") from None


def metric_table(comparison: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    head = ["metric", "A", "B", "delta (B - A)", "95% CI of delta", "p", "n"]
    rows = [
        [name, fmt(name, m["a"]), fmt(name, m["b"]), fmt_delta(name, m["delta"]), fmt_ci(name, m["ci95"])]
        + [f"{m['p']:.4f}", str(m["n"])]
        for name, m in comparison["metrics"].items()
    ]
    return head, rows


def describe(meta: dict[str, Any]) -> str:
    keys = ("pipeline", "backend", "retrieval_mode", "k", "embedding_model", "prompt_version", "split", "timestamp")
    return ", ".join(f"{k}={meta[k]}" for k in keys if meta.get(k) not in (None, ""))


def changed_questions(comparison: dict[str, Any]) -> list[dict[str, Any]]:
    return [q for q in comparison["questions"] if q["outcome"] != "tie"]


def text(comparison: dict[str, Any]) -> str:
    out = [f"A: {describe(comparison['a'])}", f"B: {describe(comparison['b'])}", ""]
    out.append(text_table(*metric_table(comparison)))
    counts = comparison["outcomes"]
    out += ["", f"{comparison['n']} shared questions: B wins {counts['win']}, loses {counts['loss']}, "]
    out[-1] += f"mixed {counts['mixed']}, ties {counts['tie']} (p: paired permutation test, two-sided)"
    for q in changed_questions(comparison):
        out.append(f"  {q['outcome']:<6}{q['id']:<16}" + "; ".join(q["better"] + q["worse"]))
    return "\n".join(out)


def markdown(comparison: dict[str, Any], a: dict[str, Any], b: dict[str, Any]) -> str:
    counts = comparison["outcomes"]
    parts = ["# Eval comparison", "", f"- A: {describe(comparison['a'])}", f"- B: {describe(comparison['b'])}", ""]
    parts += ["## Metrics (paired over the shared questions)", "", md_table(*metric_table(comparison)), ""]
    for key in ("by_kind", "by_lang"):
        for label, run in (("A", a), ("B", b)):
            parts += [f"## {key.replace('_', ' ')}: {label}", "", md_table(*group_rows(run[key])), ""]
    parts += [f"## Questions: B wins {counts['win']}, loses {counts['loss']}, mixed {counts['mixed']}", ""]
    parts += [
        f"- {q['outcome']} `{q['id']}` " + "; ".join(q["better"] + q["worse"]) for q in changed_questions(comparison)
    ]
    return "\n".join(parts) + "\n"


def html_page(comparison: dict[str, Any], a: dict[str, Any], b: dict[str, Any]) -> str:
    e = html.escape
    counts = comparison["outcomes"]
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>Eval comparison</title>",
        f"<style>{CSS}.side{{display:flex;gap:2em}}.side>div{{flex:1;min-width:0;overflow-x:auto}}</style></head><body>",
        "<h1>Eval comparison</h1>",
        f"<p><b>A</b>: {e(describe(comparison['a']))}<br><b>B</b>: {e(describe(comparison['b']))}</p>",
        "<h2>Metrics (paired over the shared questions)</h2>",
        html_table(*metric_table(comparison)),
    ]
    for key in ("by_kind", "by_lang"):
        parts.append(f"<h2>{e(key.replace('_', ' '))}</h2><div class='side'>")
        for label, run in (("A", a), ("B", b)):
            parts.append(f"<div><h3>{label}</h3>{html_table(*group_rows(run[key]))}</div>")
        parts.append("</div>")
    parts.append(
        f"<h2>Every question: B wins {counts['win']}, loses {counts['loss']}, mixed {counts['mixed']}, "
        f"ties {counts['tie']}</h2>"
    )
    rows_a, rows_b = {r["id"]: r for r in a["questions"]}, {r["id"]: r for r in b["questions"]}
    out = ["<table><tr><th>id</th><th>outcome for B</th><th>what changed</th><th>A answer</th><th>B answer</th></tr>"]
    for q in comparison["questions"]:
        cls = {"win": "good", "loss": "bad"}.get(q["outcome"], "")
        answers = "".join(
            f"<td><details><summary>{e(side[q['id']].get('answer', '')[:60])}…</summary>"
            f"<pre style='white-space:pre-wrap'>{e(side[q['id']].get('answer', ''))}</pre></details></td>"
            for side in (rows_a, rows_b)
        )
        out.append(
            f"<tr><td><code>{e(q['id'])}</code> {e(q['question'])}</td><td class='{cls}'>{q['outcome']}</td>"
            f"<td>{e('; '.join(q['better'] + q['worse']))}</td>{answers}</tr>"
        )
    parts.append("\n".join(out) + "</table></body></html>")
    return "\n".join(parts)


def write(comparison: dict[str, Any], a: dict[str, Any], b: dict[str, Any], folder: Path) -> dict[str, Path]:
    """compare.md, compare.html and compare.json (the comparison and both runs) in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"markdown": folder / "compare.md", "html": folder / "compare.html", "json": folder / "compare.json"}
    paths["markdown"].write_text(markdown(comparison, a, b), encoding="utf-8")
    paths["html"].write_text(html_page(comparison, a, b), encoding="utf-8")
    data = {"comparison": comparison, "a": a, "b": b}
    paths["json"].write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return paths
