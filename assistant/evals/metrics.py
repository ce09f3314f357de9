"""Score evaluated questions: retrieval metrics with ranx, answer metrics from the recorded rows.

A *row* is the record of one answered golden question (see ``runner.question_row``). The metric code
only reads rows, so it can score a saved run again, or a hand-built synthetic one in the tests.

Retrieval
    A run is the answer's sources in rank order. For questions with ``expect_any`` (lookups, follow-ups)
    the qrels are the corpus records whose title or header contains one of the expected strings
    (``row["relevant"]``, taken from the index catalog): hit@1, hit@5, MRR and nDCG@10.
    For ``expect_all`` questions (aggregate, filter) the unit of relevance is the expected *string*
    (each must be matched by some returned record, and a string matched by two records — the same
    paper listed under two tracks — counts once), so the run maps each returned record to the first
    expected string it newly matches: recall@10, and recall over every returned source (list answers
    may return more than 10; that full recall is the "filter/aggregate recall" target).

Answer
    abstention accuracy (refused iff it should) with false-refusal and false-answer rates; citation
    validity (cited [n] markers that name a source); citation support (1 - unsupported / checked
    sentences); facts recall (micro: facts found / facts expected); language match; latency p50/p95;
    optional LLM-judge grades with their failures counted.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from typing import Any

ANY_METRICS = ("hit@1", "hit@5", "mrr", "ndcg@10")
ALL_METRICS = ("recall@10", "recall")
RANX_NAMES = {
    "hit@1": "hit_rate@1",
    "hit@5": "hit_rate@5",
    "mrr": "mrr",
    "ndcg@10": "ndcg@10",
    "recall@10": "recall@10",
    "recall": "recall",
}

# The headline metrics, in the order reports show them; True when higher is better.
HEADLINE = {
    "hit@1": True,
    "hit@5": True,
    "mrr": True,
    "ndcg@10": True,
    "recall@10": True,
    "recall": True,
    "list_precision": True,
    "abstention_accuracy": True,
    "false_refusal_rate": False,
    "false_answer_rate": False,
    "citation_validity": True,
    "citation_support": True,
    "facts_recall": True,
    "language_match": True,
    "latency_p50_ms": False,
    "latency_p95_ms": False,
    "judge_faithfulness": True,
    "judge_correctness": True,
}


def matches(expected: str, title: str, header: str) -> bool:
    """A record matches an expected string when the string occurs in its title or raw header line."""
    return expected in (title or "") or expected in (header or "")


def matched_strings(strings: Iterable[str], source: dict[str, Any]) -> list[str]:
    return [s for s in strings if matches(s, source.get("title", ""), source.get("header", ""))]


def relevant_records(strings: Iterable[str], records: Iterable[dict[str, Any]]) -> list[str]:
    """Ids of the corpus records (dicts with record_id, title, header) matching any of ``strings``."""
    strings = list(strings)
    return [r["record_id"] for r in records if matched_strings(strings, r)]


# --------------------------------------------------------------------------------------------- retrieval
def any_run(row: dict[str, Any]) -> dict[str, float]:
    """The sources in rank order as a ranx run entry (higher score = better rank)."""
    sources = row.get("sources", [])
    return {s["record_id"]: float(len(sources) - i) for i, s in enumerate(sources)}


def all_run(row: dict[str, Any]) -> dict[str, float]:
    """Returned records mapped to the expected strings they newly match (others keep their record id)."""
    wanted = [s for s in row.get("expect_all", []) if s not in row.get("unmatchable", [])]
    seen: set[str] = set()
    run: dict[str, float] = {}
    sources = row.get("sources", [])
    for i, source in enumerate(sources):
        new = [s for s in matched_strings(wanted, source) if s not in seen]
        score = float(len(sources) - i)
        if not new:
            run[f"record:{source['record_id']}"] = score
        for j, string in enumerate(new):  # a record naming two expected strings covers both
            run[f"expected:{string}"] = score - j * 1e-3
            seen.add(string)
    return run


def all_qrels(row: dict[str, Any]) -> dict[str, int]:
    return {f"expected:{s}": 1 for s in row.get("expect_all", []) if s not in row.get("unmatchable", [])}


def _ranx_per_query(
    qrels: dict[str, dict[str, int]], run: dict[str, dict[str, float]], metrics: tuple[str, ...]
) -> dict[str, dict[str, float]]:
    """{metric: {query id: score}} from ranx, one score per query."""
    from ranx import Qrels, Run, evaluate

    if not qrels:
        return {m: {} for m in metrics}
    ranx_qrels, ranx_run = Qrels.from_dict(qrels), Run.from_dict(run)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numba's "unsafe cast" type-safety notices
        evaluate(ranx_qrels, ranx_run, [RANX_NAMES[m] for m in metrics], save_results_in_run=True)
    return {m: {q: float(v) for q, v in ranx_run.scores[RANX_NAMES[m]].items()} for m in metrics}


def score_retrieval(rows: list[dict[str, Any]]) -> None:
    """Fill ``row["retrieval"]`` ({metric: score}) for every row that has qrels; others get None."""
    any_q: dict[str, dict[str, int]] = {}
    any_r: dict[str, dict[str, float]] = {}
    all_q: dict[str, dict[str, int]] = {}
    all_r: dict[str, dict[str, float]] = {}
    for row in rows:
        row["retrieval"] = None
        if row.get("expect_any") and row.get("relevant"):
            any_q[row["id"]] = {rid: 1 for rid in row["relevant"]}
            any_r[row["id"]] = any_run(row)
        elif row.get("expect_all") and all_qrels(row):
            all_q[row["id"]] = all_qrels(row)
            all_r[row["id"]] = all_run(row)
    per_query = _ranx_per_query(any_q, any_r, ANY_METRICS) | _ranx_per_query(all_q, all_r, ALL_METRICS)
    for row in rows:
        scores = {m: by_q[row["id"]] for m, by_q in per_query.items() if row["id"] in by_q}
        if scores:
            row["retrieval"] = scores


# ------------------------------------------------------------------------------------------------ answers
def percentile(values: list[float], q: float) -> float | None:
    """Linear-interpolation percentile (as numpy's default), None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    low, high = math.floor(pos), math.ceil(pos)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def compute_metrics(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Aggregate metrics over ``rows`` (already scored by ``score_retrieval``). None = not applicable."""
    out: dict[str, Any] = {"n_questions": len(rows)}
    scored = [r["retrieval"] for r in rows if r.get("retrieval")]
    for name in ANY_METRICS + ALL_METRICS:
        out[name] = _mean([s[name] for s in scored if name in s])
    # Diagnostic, not a target: the share of a list answer's records that are expected ones. The golden lists
    # name the records an answer must have, not every record that may belong, so this is a lower bound.
    lists = [r for r in rows if r.get("expect_all") and r.get("sources")]
    out["list_precision"] = _mean(
        [sum(1 for s in r["sources"] if matched_strings(r["expect_all"], s)) / len(r["sources"]) for r in lists]
    )
    out["n_expect_any"] = sum(1 for s in scored if "hit@1" in s)
    out["n_expect_all"] = sum(1 for s in scored if "recall" in s)

    should = [r for r in rows if r["should_abstain"]]
    should_not = [r for r in rows if not r["should_abstain"]]
    out["abstention_accuracy"] = _ratio(sum(r["abstained"] == r["should_abstain"] for r in rows), len(rows))
    out["false_refusal_rate"] = _ratio(sum(r["abstained"] for r in should_not), len(should_not))
    out["false_answer_rate"] = _ratio(sum(not r["abstained"] for r in should), len(should))
    out["n_should_abstain"] = len(should)

    answered = [r for r in rows if not r["abstained"] and not r.get("error")]
    marks = sum(r.get("citation_marks", 0) for r in answered)
    out["citation_validity"] = _ratio(sum(r.get("citation_marks_valid", 0) for r in answered), marks)
    out["answers_with_invalid_citations"] = sum(
        1 for r in answered if r.get("citation_marks_valid", 0) < r.get("citation_marks", 0)
    )
    out["answers_without_citations"] = sum(1 for r in answered if not r.get("citation_marks_valid"))
    checked = sum(r.get("checked_sentences", 0) for r in answered)
    out["citation_support"] = None if not checked else 1 - sum(r.get("unsupported", 0) for r in answered) / checked

    facts_total = sum(len(r.get("facts", [])) for r in rows)
    out["facts_recall"] = _ratio(sum(len(r.get("facts_found", [])) for r in rows), facts_total)
    out["n_facts"] = facts_total
    judged_lang = [r["lang_match"] for r in rows if r.get("lang_match") is not None]
    out["language_match"] = _ratio(sum(judged_lang), len(judged_lang))

    latencies = [r["latency_ms"] for r in rows if r.get("latency_ms") is not None]
    out["latency_p50_ms"] = percentile(latencies, 50)
    out["latency_p95_ms"] = percentile(latencies, 95)
    out["latency_mean_ms"] = _mean(latencies)
    out["errors"] = sum(1 for r in rows if r.get("error"))
    out["golden_problems"] = sum(len(r.get("unmatchable", [])) for r in rows)

    judged = [r["judge"] for r in rows if r.get("judge")]
    if judged:
        ok = [j for j in judged if not j.get("error")]
        out["judge_faithfulness"] = _mean([j["faithfulness"] for j in ok])
        out["judge_correctness"] = _mean([j["correctness"] for j in ok])
        out["judge_ok"] = len(ok)
        out["judge_failed"] = len(judged) - len(ok)
        out["judge_skipped"] = sum(1 for r in rows if r.get("judge") is None)
    return out


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Score retrieval, then {"metrics", "by_kind", "by_lang", "questions"} (the ``--json`` shape)."""
    score_retrieval(rows)
    by_kind = {
        kind: compute_metrics([r for r in rows if r["kind"] == kind]) for kind in dict.fromkeys(r["kind"] for r in rows)
    }
    by_lang = {
        lang: compute_metrics([r for r in rows if r["lang"] == lang]) for lang in dict.fromkeys(r["lang"] for r in rows)
    }
    return {"metrics": compute_metrics(rows), "by_kind": by_kind, "by_lang": by_lang, "questions": rows}


# ------------------------------------------------------------------------------------------------- gate
def check_thresholds(metrics: dict[str, Any], by_lang: dict[str, Any], thresholds: dict[str, Any]) -> list[str]:
    """Human-readable failures of ``metrics`` against ``thresholds``.

    ``thresholds`` maps a metric name to a minimum (or, under "max", to a maximum); under "by_lang",
    the same per language. A metric that could not be computed (None) fails too.
    """
    failures: list[str] = []

    def check(scope: str, values: dict[str, Any], mins: dict[str, float], maxs: dict[str, float]) -> None:
        for name, bound in mins.items():
            value = values.get(name)
            if value is None or value < bound:
                failures.append(f"{scope}{name} = {_fmt(value)} is below the minimum {bound}")
        for name, bound in maxs.items():
            value = values.get(name)
            if value is None or value > bound:
                failures.append(f"{scope}{name} = {_fmt(value)} is above the maximum {bound}")

    mins = {k: v for k, v in thresholds.items() if isinstance(v, (int, float)) and not k.startswith("_")}
    check("", metrics, mins, thresholds.get("max", {}))
    for lang, spec in thresholds.get("by_lang", {}).items():
        spec_mins = {k: v for k, v in spec.items() if isinstance(v, (int, float))}
        check(f"[{lang}] ", by_lang.get(lang, {}), spec_mins, spec.get("max", {}))
    return failures


def _fmt(value: Any) -> str:
    return "n/a" if value is None else f"{value:.4f}" if isinstance(value, float) else str(value)
