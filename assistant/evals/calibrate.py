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

``--signals`` measures, instead, whether other signals could refuse what the chain still answers (out-of-scope
questions that share the corpus's vocabulary) without refusing answerable questions: every question is run
through the chain up to ``select``; for each signal it prints the AUC between the refusals the chain answers and
the answerable questions it answers, and how many of those refusals a cut below every answerable question's
value would add (a signal worth a rule adds some at no new false refusal).

``--absent-margin`` proposes ``Abstention.absent_margin`` (``abstain.Evidence.marginal``) from the lookups that
name no record and whose topic has a word no record uses.

``--terms`` measures the dense side of topic presence (``abstain.py``): the best cosine of each topic word, alone,
with any sentence, for words the collection has and for words it lacks.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

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


def signals(questions: list[GoldenQuestion], settings: Settings) -> list[dict[str, Any]]:
    """Per question the chain answers up to ``select``: should_abstain and the candidate abstention signals (each
    oriented so that lower means "refuse"): the evidence score; the best record's z-score and its lead over the
    second (each record scored by its best sentence's cosine with the question, over the whole collection); the
    idf share of the question's key terms that some sentence holds; the best cosine of any sentence with the
    question's rarest key term alone (its topic head)."""
    from assistant.answer import evidence as ev
    from assistant.answer.chain import new_turn, prepare_chain
    from assistant.answer.lists import QUESTION_WORDS, topic_text
    from assistant.index import sentences as store

    out = []
    for q in questions:
        turn = prepare_chain.invoke(new_turn(q.question, q.history, settings, "extractive", None))
        if turn.abstained or turn.evidence is None:
            continue
        retriever = turn.retriever
        index = store.load_sentence_index(retriever.location.client, retriever.location.collection)
        cosines = index.vectors @ ev.unit(retriever.embeddings.embed_query(turn.standalone))
        best = np.sort([float(cosines[rows].max()) for rows in index.by_record.values()])[::-1]
        terms = {t: index.idf(t) for t in ev.key_terms(topic_text(turn)) if t not in QUESTION_WORDS}
        unseen = index.idf("\0")  # the idf of a term no sentence holds
        head = max(terms, key=lambda t: terms[t], default="")
        head_vector = ev.unit(retriever.embeddings.embed_query(head)) if head else None
        out.append(
            {
                "id": q.id,
                "should_abstain": q.should_abstain,
                "evidence": turn.evidence.score,
                "record_z": float((best[0] - best.mean()) / max(float(best.std()), 1e-9)),
                "lead": float(best[0] - best[1]) if len(best) > 1 else 0.0,
                "seen_terms": 1 - sum(w for w in terms.values() if w >= unseen) / sum(terms.values()) if terms else 1.0,
                "head_cosine": float((index.vectors @ head_vector).max()) if head_vector is not None else 1.0,
            }
        )
    return out


def separation(rows: list[dict[str, Any]], signal: str) -> dict[str, Any]:
    """AUC (the chance that an answered refusal scores below an answered answerable question) and the refusals
    a cut just below the lowest answerable question would add."""
    refuse = [r[signal] for r in rows if r["should_abstain"]]
    answer = [r[signal] for r in rows if not r["should_abstain"]]
    if not refuse or not answer:
        return {"signal": signal, "auc": None, "note": "needs answered questions to refuse and to answer"}
    auc = sum((a > r) + 0.5 * (a == r) for r in refuse for a in answer) / (len(refuse) * len(answer))
    floor = min(answer)
    return {
        "signal": signal,
        "auc": round(auc, 3),
        "refusals_answered": len(refuse),
        "answerable_answered": len(answer),
        "refused_below_every_answerable": sum(1 for r in refuse if r < floor),
        "lowest_answerable": round(floor, 4),
    }


def term_cosines(questions: list[GoldenQuestion], settings: Settings) -> dict[str, Any]:
    """The dense check of topic presence, measured: each content word of every question's topic (``topic_text``)
    embedded alone, its best cosine with any sentence; percentiles for the words the collection has (in some form,
    ``abstain.Vocabulary``) and for those it lacks, split by whether the question is to be refused."""
    from assistant.answer import evidence as ev
    from assistant.answer.abstain import vocabulary
    from assistant.answer.chain import new_turn, prepare_chain
    from assistant.answer.lists import topic_text
    from assistant.index import sentences as store
    from assistant.retrieve.text import tokenize

    groups: dict[str, list[float]] = {"present": [], "absent, answerable": [], "absent, to refuse": []}
    for q in questions:
        turn = prepare_chain.invoke(new_turn(q.question, q.history, settings, "extractive", None))
        if turn.result is None or turn.plan is None:
            continue
        retriever = turn.retriever
        index = store.load_sentence_index(retriever.location.client, retriever.location.collection)
        words = vocabulary(retriever.catalog.lexical)
        for term in dict.fromkeys(t for t in tokenize(topic_text(turn)) if t.isascii() and not t.isdigit()):
            best = float((index.vectors @ ev.unit(retriever.embeddings.embed_query(term))).max())
            lacking = "absent, to refuse" if q.should_abstain else "absent, answerable"
            group = "present" if words.forms(term) else lacking
            groups[group].append(best)
    return {
        name: {"n": len(v), "p5-p50-p95": np.percentile(v, [5, 50, 95]).round(4).tolist() if v else None}
        for name, v in groups.items()
    }


SIGNALS = ("evidence", "record_z", "lead", "seen_terms", "head_cosine")


def absent_margin(questions: list[GoldenQuestion], settings: Settings) -> dict[str, Any]:
    """``Abstention.absent_margin``: over the lookups the chain answers with the rule off, that name no record and
    whose topic has a specific word for a thing no record uses (``topic_presence``, ``action``), the margin of each
    one's evidence over its threshold; proposed: the midpoint between the lowest answerable margin and the highest
    margin of a refusal below it (every refusal below it is then refused, no answerable one)."""
    from assistant.answer.abstain import action, topic_presence, vocabulary
    from assistant.answer.chain import new_turn, prepare_chain
    from assistant.answer.select import names, topic_text

    off = settings.replace(abstention=settings.abstention.model_copy(update={"absent_margin": 0.0}))
    refuse: list[float] = []
    answer: list[float] = []
    for q in questions:
        turn = prepare_chain.invoke(new_turn(q.question, q.history, off, "extractive", None))
        result, plan = turn.result, turn.plan
        if turn.abstained or turn.evidence is None or result is None or plan is None or plan.type != "lookup":
            continue
        if any(names(h, turn.standalone) for h in result.hits):
            continue
        absent = topic_presence(topic_text(turn), vocabulary(turn.retriever.catalog.lexical)).absent
        if not [t for t in absent if not action(t)]:
            continue
        (refuse if q.should_abstain else answer).append(turn.evidence.score - turn.evidence.threshold)
    floor = min(answer, default=float("inf"))
    below = max((m for m in refuse if m < floor), default=None)
    proposed = None if below is None or floor == float("inf") else round((below + floor) / 2, 4)
    return {
        "absent_margin": proposed,
        "current": settings.abstention.absent_margin,
        "refusals": len(refuse),
        "refused_at_proposed": sum(1 for m in refuse if proposed is not None and m < proposed),
        "answerable": len(answer),
        "lowest_answerable": round(floor, 4) if answer else None,
        "highest_refusal_below_it": round(below, 4) if below is not None else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", dest="golden", type=Path, default=Path("evals/golden.jsonl"))
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--split", choices=("dev", "test", "all"), default="dev")
    parser.add_argument("--signals", action="store_true", help="measure other abstention signals (see above)")
    parser.add_argument("--terms", action="store_true", help="best cosines of topic words, present vs absent")
    parser.add_argument("--absent-margin", action="store_true", help="propose Abstention.absent_margin (see above)")
    args = parser.parse_args()
    settings = Settings(**({"data_dir": args.data_dir} if args.data_dir else {}))
    questions = load_golden(args.golden, split=args.split)
    if args.absent_margin:
        print(json.dumps({"split": args.split, "golden": str(args.golden)} | absent_margin(questions, settings)))
        return
    if args.terms:
        print(json.dumps({"split": args.split, "golden": str(args.golden)} | term_cosines(questions, settings)))
        return
    if args.signals:
        rows = signals(questions, settings)
        for signal in SIGNALS:
            print(json.dumps({"split": args.split, "golden": str(args.golden)} | separation(rows, signal)))
        return
    scores = evidence_scores(questions, settings)
    current = {"en": settings.abstention.threshold_en, "zh": settings.abstention.threshold_zh}
    for lang in ("en", "zh"):
        n = sum(1 for s in scores if s["lang"] == lang and s["thresholded"])
        record = {"split": args.split, "golden": str(args.golden), "n": n, "current": current[lang]}
        print(json.dumps(record | propose(scores, lang), ensure_ascii=False))


if __name__ == "__main__":
    main()
