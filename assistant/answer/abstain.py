"""Decide whether the retrieved sources can answer a question at all.

Raw e5 cosines sit in a narrow band, so neither they nor BM25 alone separate answerable from
out-of-scope questions. Their combination, with a threshold per question language, does on the
golden set: ``evidence = dense + w * min(bm25, cap)``.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.retrieve.hybrid import SearchResult
from assistant.settings import Settings


@dataclass
class Evidence:
    answerable: bool
    score: float
    threshold: float
    reason: str


def judge(result: SearchResult, lang: str, settings: Settings) -> Evidence:
    """Answerable when something matched and, for a topical question, the evidence clears the threshold."""
    threshold = settings.abstention.threshold_zh if lang == "zh" else settings.abstention.threshold_en
    score = result.top_dense + settings.abstention.bm25_weight * min(result.top_bm25, settings.abstention.bm25_cap)
    if not result.hits:
        return Evidence(False, score, threshold, "no record matches the question's filters")
    if not result.plan.topic_terms and result.filters.active():
        return Evidence(True, score, threshold, "metadata question: every matching record is listed")
    if score < threshold:
        return Evidence(False, score, threshold, f"weak evidence ({score:.3f} < {threshold:.3f})")
    return Evidence(True, score, threshold, f"evidence {score:.3f} >= {threshold:.3f}")
