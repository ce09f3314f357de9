"""Score evaluated questions: retrieval metrics (plain numpy), answer metrics from the recorded rows.

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

Every rate is a ratio of per-question sums (``ratio_terms``: a numerator and a denominator per question), so
the point value, its bootstrap interval and the paired tests of ``stats`` all read the same numbers.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

ANY_METRICS = ("hit@1", "hit@5", "mrr", "ndcg@10")
ALL_METRICS = ("recall@10", "recall")

# The headline metrics, in the order reports show them; True when higher is better.
HEADLINE = {
    "hit@1": True,
    "hit@5": True,
    "mrr": True,
    "ndcg@10": True,
    "recall@10": True,
    "recall": True,
    "list_precision": True,
    "list_recall": True,
    "compare_coverage": True,
    "abstention_accuracy": True,
    "out_of_scope_refused": True,
    "false_refusal_rate": False,
    "false_answer_rate": False,
    "citation_validity": True,
    "citation_support": True,
    "citation_recall": True,
    "citation_precision": True,
    "facts_recall": True,
    "language_match": True,
    "latency_p50_ms": False,
    "latency_p95_ms": False,
    "judge_faithfulness": True,
    "judge_correctness": True,
    "judge_agreement": True,
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
    """The sources in rank order as a run entry (higher score = better rank)."""
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


def _cutoff(name: str) -> int | None:
    return int(name.split("@")[1]) if "@" in name else None


def ranking_scores(run: dict[str, float], relevant: set[str], metrics: tuple[str, ...]) -> dict[str, float]:
    """hit@k, mrr, ndcg@k, recall@k and recall (no cutoff) of one ranked run against binary relevance,
    defined as trec_eval / ranx define them (ties keep the run's order)."""
    ranking = sorted(run, key=lambda d: -run[d])
    gains = np.array([d in relevant for d in ranking], dtype=float)
    discounts = 1.0 / np.log2(np.arange(2, len(ranking) + 2))
    out: dict[str, float] = {}
    for name in metrics:
        k = _cutoff(name) or len(ranking)
        top = gains[:k]
        if name.startswith("hit@"):
            out[name] = float(top.any())
        elif name == "mrr":
            out[name] = float(1.0 / (np.argmax(gains) + 1)) if gains.any() else 0.0
        elif name.startswith("ndcg@"):
            ideal = (1.0 / np.log2(np.arange(2, min(len(relevant), k) + 2))).sum()
            out[name] = float((top * discounts[:k]).sum() / ideal) if ideal else 0.0
        elif name.startswith("recall"):
            out[name] = float(top.sum() / len(relevant)) if relevant else 0.0
        else:
            raise ValueError(f"unknown retrieval metric {name!r}")
    return out


def score_retrieval(rows: list[dict[str, Any]]) -> None:
    """Fill ``row["retrieval"]`` ({metric: score}) for every row that has qrels; others get None."""
    for row in rows:
        row["retrieval"] = None
        if row.get("expect_any") and row.get("relevant"):
            row["retrieval"] = ranking_scores(any_run(row), set(row["relevant"]), ANY_METRICS)
        elif row.get("expect_all") and all_qrels(row):
            row["retrieval"] = ranking_scores(all_run(row), set(all_qrels(row)), ALL_METRICS)


# ------------------------------------------------------------------------------------------------ answers
def percentile(values: list[float], q: float) -> float | None:
    """Linear-interpolation percentile (as numpy's default), None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    low, high = math.floor(pos), math.ceil(pos)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def _answered(row: dict[str, Any]) -> bool:
    return not row["abstained"] and not row.get("error")


def _list_share(row: dict[str, Any]) -> float:
    return sum(1 for s in row["sources"] if matched_strings(row["expect_all"], s)) / len(row["sources"])


def question_terms(row: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """(numerator, denominator) of every ratio metric for one question; a metric is the ratio of the sums.

    A denominator of 0 means the question does not count for that metric."""
    scores = row.get("retrieval") or {}
    terms = {name: (scores[name], 1.0) if name in scores else (0.0, 0.0) for name in ANY_METRICS + ALL_METRICS}
    # Diagnostic, not a target: the share of a list answer's records that are expected ones. The golden lists
    # name the records an answer must have, not every record that may belong, so this is a lower bound.
    lists = bool(row.get("expect_all") and row.get("sources"))
    terms["list_precision"] = (_list_share(row), 1.0) if lists else (0.0, 0.0)
    # the answers issue's headline metrics: list recall over the records the answer gives, every named paper of a
    # compare question cited, out-of-scope (and detail-missing) questions refused
    expected = len(row.get("expect_all") or [])
    listing = bool(expected) and row["kind"] not in ("compare",) and not row["should_abstain"]
    terms["list_recall"] = (len(row.get("found", [])), expected) if listing else (0.0, 0.0)
    compare = row["kind"] == "compare" and expected
    terms["compare_coverage"] = (len(row.get("cited_found", [])), expected) if compare else (0.0, 0.0)
    should, refused = bool(row["should_abstain"]), bool(row["abstained"])
    terms["abstention_accuracy"] = (float(refused == should), 1.0)
    terms["false_refusal_rate"] = (float(refused), 1.0) if not should else (0.0, 0.0)
    terms["false_answer_rate"] = (float(not refused), 1.0) if should else (0.0, 0.0)
    terms["out_of_scope_refused"] = (float(refused), 1.0) if should else (0.0, 0.0)
    answered = _answered(row)
    marks, checked = row.get("citation_marks", 0), row.get("checked_sentences", 0)
    terms["citation_validity"] = (row.get("citation_marks_valid", 0), marks) if answered else (0.0, 0.0)
    terms["citation_support"] = (checked - row.get("unsupported", 0), checked) if answered else (0.0, 0.0)
    terms["facts_recall"] = (len(row.get("facts_found", [])), len(row.get("facts", [])))
    lang = row.get("lang_match")
    terms["language_match"] = (float(lang), 1.0) if lang is not None else (0.0, 0.0)
    claims = (row.get("claims") or {}) if answered else {}
    for name in ("recall", "precision"):  # ALCE: per answer, then averaged over answers
        value = claims.get(name)
        terms[f"citation_{name}"] = (value, 1.0) if value is not None else (0.0, 0.0)
    judged = row.get("judge") or {}
    ok = bool(judged) and not judged.get("error")
    for grade in ("faithfulness", "correctness"):
        terms[f"judge_{grade}"] = (float(judged[grade]), 1.0) if ok else (0.0, 0.0)
    # The judge agrees with the automatic check when it calls the answer faithful (4-5) exactly when every
    # claim is supported by what it cites.
    auto = claims.get("recall")
    agree = ok and auto is not None
    terms["judge_agreement"] = (float((judged["faithfulness"] >= 4) == (auto == 1.0)), 1.0) if agree else (0.0, 0.0)
    return {name: (float(num), float(den)) for name, (num, den) in terms.items()}


def ratio_terms(rows: list[dict[str, Any]]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """{metric: (numerators, denominators)}, one entry per row, in row order."""
    per_row = [question_terms(r) for r in rows]
    names = list(per_row[0]) if per_row else []
    return {n: (np.array([t[n][0] for t in per_row]), np.array([t[n][1] for t in per_row])) for n in names}


def _ratio(num: np.ndarray, den: np.ndarray) -> float | None:
    total = float(den.sum())
    return float(num.sum()) / total if total else None


def compute_metrics(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Aggregate metrics over ``rows`` (already scored by ``score_retrieval``). None = not applicable.

    ``n`` maps each rate to the number of questions it is computed over."""
    out: dict[str, Any] = {"n_questions": len(rows)}
    terms = ratio_terms(rows)
    judged = [r["judge"] for r in rows if r.get("judge")]
    for name, (num, den) in terms.items():
        if name.startswith("judge_") and not judged:
            continue
        out[name] = _ratio(num, den)
    out["n"] = {name: int((den > 0).sum()) for name, (num, den) in terms.items() if name in out}
    out["n_expect_any"] = out["n"].get("hit@1", 0)
    out["n_expect_all"] = out["n"].get("recall", 0)
    out["n_should_abstain"] = sum(1 for r in rows if r["should_abstain"])
    answered = [r for r in rows if _answered(r)]
    out["answers_with_invalid_citations"] = sum(
        1 for r in answered if r.get("citation_marks_valid", 0) < r.get("citation_marks", 0)
    )
    out["answers_without_citations"] = sum(1 for r in answered if not r.get("citation_marks_valid"))
    out["n_facts"] = sum(len(r.get("facts", [])) for r in rows)

    latencies = [r["latency_ms"] for r in rows if r.get("latency_ms") is not None]
    out["latency_p50_ms"] = percentile(latencies, 50)
    out["latency_p95_ms"] = percentile(latencies, 95)
    out["latency_mean_ms"] = sum(latencies) / len(latencies) if latencies else None
    out["errors"] = sum(1 for r in rows if r.get("error"))
    out["golden_problems"] = sum(len(r.get("unmatchable", [])) for r in rows)
    if judged:
        ok = sum(1 for j in judged if not j.get("error"))
        out["judge_ok"] = ok
        out["judge_failed"] = len(judged) - ok
        out["judge_skipped"] = sum(1 for r in rows if r.get("judge") is None)
    return out


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Score retrieval, then {"metrics", "by_kind", "by_lang", "questions"} (the ``--json`` shape); each
    metrics dict carries ``ci95`` ({metric: [low, high]}, bootstrap over its questions) and ``n``."""
    from assistant.evals.stats import ci95  # stats reads ratio_terms from this module

    score_retrieval(rows)

    def scored(group: list[dict[str, Any]]) -> dict[str, Any]:
        return compute_metrics(group) | {"ci95": ci95(group)}

    by_kind = {kind: scored([r for r in rows if r["kind"] == kind]) for kind in dict.fromkeys(r["kind"] for r in rows)}
    by_lang = {lang: scored([r for r in rows if r["lang"] == lang]) for lang in dict.fromkeys(r["lang"] for r in rows)}
    return {"metrics": scored(rows), "by_kind": by_kind, "by_lang": by_lang, "questions": rows}


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
