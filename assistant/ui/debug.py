"""The debug panel: what one answer was built from (standalone question, filters, scores, timings)."""

from __future__ import annotations

from typing import Any

from assistant.ui.views import TurnView


def render_debug(view: TurnView) -> dict[str, Any]:
    """What the debug panel shows: the standalone question, filters, retrieved ids and scores, timings."""
    cited = view.cited
    return {
        "question": view.question,
        "standalone_question": view.standalone,
        "backend": view.answered_by or view.backend,
        "lang": view.lang,
        "kind": view.kind,
        "filters": {
            "explicit": view.explicit_filters,
            "from_question": view.recognised_filters,
            "applied": view.applied_filters,
        },
        "evidence": view.evidence,
        "retrieved": [
            {
                "n": s.n,
                "record_id": s.record_id,
                "title": s.title,
                "score": round(s.score, 5),
                "dense": round(s.dense, 4),
                "bm25": round(s.bm25, 3),
                "cited": s.n in cited,
                "used": s.used,
            }
            for s in (view.sources or view.candidates)
        ],
        "timings_ms": {k: round(v, 1) for k, v in view.timings_ms.items()},
        "invalid_citations": view.invalid_citations,
        "unsupported_sentences": view.unsupported,
        "error": view.error,
    }
