"""Re-calibrate the abstention thresholds (Settings.abstain_threshold_en / _zh) on a golden set.

The chain abstains when ``evidence = best dense cosine + abstain_bm25_weight * min(best BM25, abstain_bm25_cap)``
falls below the threshold of the question's language. For each language this tool computes the evidence of
every golden question exactly as the chain does (follow-ups condensed first; metadata-only list questions,
which are answered without a threshold, left out) and proposes the midpoint between the strongest question
that must be refused and the weakest that must be answered — or, when the two overlap, the threshold with
the fewest errors, false refusals counting double.

    .venv/bin/python -m assistant.evals.calibrate --set evals/golden.jsonl --data-dir /tmp/evaldata

Run it whenever retrieval changes (embedding model, tokenizer, BM25, fusion). It reads the dev split only
(``--split``; the test split is held out for the gate) and prints one JSON object per language that names
the split and the number of questions it used.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from assistant.evals.golden import GoldenQuestion, load_golden
from assistant.settings import Settings


def evidence_scores(questions: list[GoldenQuestion], settings: Settings) -> list[dict[str, Any]]:
    """Per question: lang, should_abstain, evidence score, and whether the threshold applies to it."""
    from assistant.answer.abstain import judge
    from assistant.answer.chain import analyse_step, condense, new_turn

    out = []
    # A detail_missing question finds its record: refusing it is the answerer's detail check, not the
    # retrieval-evidence threshold, so it would only push the threshold into answerable scores.
    for q in (q for q in questions if q.kind != "detail_missing"):
        turn = analyse_step.invoke(condense.invoke(new_turn(q.question, q.history, settings, "extractive", None)))
        result = turn.retriever.search(turn.standalone)
        evidence = judge(result, turn.lang, settings)
        thresholded = bool(result.hits) and not (not result.plan.topic_terms and result.filters.active())
        out.append(
            {
                "id": q.id,
                "lang": turn.lang,
                "should_abstain": q.should_abstain,
                "score": evidence.score,
                "thresholded": thresholded,
            }
        )
    return out


def propose(scores: list[dict[str, Any]], lang: str) -> dict[str, Any]:
    refuse = sorted(s["score"] for s in scores if s["lang"] == lang and s["thresholded"] and s["should_abstain"])
    answer = sorted(s["score"] for s in scores if s["lang"] == lang and s["thresholded"] and not s["should_abstain"])
    if not refuse or not answer:
        return {"lang": lang, "threshold": None, "note": "needs questions to refuse and to answer"}
    if refuse[-1] < answer[0]:
        return {
            "lang": lang,
            "threshold": round((refuse[-1] + answer[0]) / 2, 4),
            "max_refuse": refuse[-1],
            "min_answer": answer[0],
            "margin": round((answer[0] - refuse[-1]) / 2, 4),
            "errors": 0,
        }

    def cost(t: float) -> float:
        return sum(1 for s in refuse if s >= t) + 2 * sum(1 for s in answer if s < t)

    candidates = sorted(set(refuse + answer))
    best = min(candidates, key=cost)
    return {
        "lang": lang,
        "threshold": round(best, 4),
        "max_refuse": refuse[-1],
        "min_answer": answer[0],
        "margin": 0.0,
        "errors": cost(best),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", dest="golden", type=Path, default=Path("evals/golden.jsonl"))
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--split", choices=("dev", "test", "all"), default="dev")
    args = parser.parse_args()
    settings = Settings(**({"data_dir": args.data_dir} if args.data_dir else {}))
    questions = load_golden(args.golden, split=args.split)
    scores = evidence_scores(questions, settings)
    current = {"en": settings.abstention.threshold_en, "zh": settings.abstention.threshold_zh}
    for lang in ("en", "zh"):
        n = sum(1 for s in scores if s["lang"] == lang and s["thresholded"])
        record = {"split": args.split, "golden": str(args.golden), "n": n, "current": current[lang]}
        print(json.dumps(record | propose(scores, lang), ensure_ascii=False))


if __name__ == "__main__":
    main()
