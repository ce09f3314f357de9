"""Where the right paper ranks in each list the hybrid search fuses, per lookup question of a split: why a
paraphrase misses (the dense ranking, BM25 over the question's own tokens, BM25 over its Chinese words' English
bridge words and its lay words' record words, the fused hits) and which record took first place instead.

    python -m assistant.evals.ranks --split dev --data-dir /tmp/evals-data            # every lookup, then a tally
    python -m assistant.evals.ranks --split dev --only-misses --prefix r5-para          # the misses of a group

The chain may still reorder the fused hits (answer/select.py: the best sentence's cosine), so a question's
``fused`` rank here can differ from its ``hit_rank`` in ``assistant eval``. Tune on dev only.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.evals.golden import GoldenError, GoldenQuestion, load_golden
from assistant.evals.metrics import matches
from assistant.retrieve.bridge import bridge_terms, lay_bridge
from assistant.retrieve.hybrid import BRIDGE_WEIGHT, LAY_WEIGHT, HybridRetriever, get_retriever
from assistant.retrieve.text import search_tokens, tokenize
from assistant.settings import Settings

LISTS = ("dense", "bm25", "own", "bridge", "fused")
MISSING = 0  # the right record is not in the list (no lexical overlap, or beyond the candidates)


@dataclass
class Ranks:
    question: GoldenQuestion
    ranks: dict[str, int]  # list -> 1-based rank of the best-placed right record, MISSING when absent
    first: str  # title of the fused first hit


def _rank(order: list[str], right: set[str]) -> int:
    return next((i for i, rid in enumerate(order, start=1) if rid in right), MISSING)


def _lexical(retriever: HybridRetriever, terms: list[str]) -> np.ndarray:
    return retriever.catalog.bm25_scores(terms) if terms else np.zeros(len(retriever.catalog), dtype=np.float32)


def _records(retriever: HybridRetriever, scores: np.ndarray) -> list[str]:
    """Record ids by their best chunk's score, records without any score left out."""
    metas = retriever.catalog.metas
    order = [int(i) for i in np.argsort(-scores) if scores[i] > 0]
    return list(dict.fromkeys(metas[i]["record_id"] for i in order))


def question_ranks(retriever: HybridRetriever, question: GoldenQuestion) -> Ranks:
    metas = retriever.catalog.metas
    right = {m["record_id"] for m in metas if any(matches(e, m["title"], m["header"]) for e in question.expect_any)}
    result = retriever.search(question.question, k=len(retriever.catalog))
    vector = retriever.embeddings.embed_query(question.question)
    everything = np.ones(len(retriever.catalog), dtype=bool)
    dense = retriever._dense(vector, len(retriever.catalog), result.filters, everything)
    searched = search_tokens(tokenize(question.question))
    own = _lexical(retriever, searched)  # as the search scores them
    bridge = BRIDGE_WEIGHT * _lexical(retriever, bridge_terms(question.question))
    bridge += LAY_WEIGHT * _lexical(retriever, lay_bridge(searched))
    orders = {
        "dense": list(dict.fromkeys(metas[row]["record_id"] for row, _ in dense)),
        "bm25": _records(retriever, own + bridge),
        "own": _records(retriever, own),
        "bridge": _records(retriever, bridge),
        "fused": [hit.record_id for hit in result.hits],
    }
    first = result.hits[0].title if result.hits else ""
    return Ranks(question, {name: _rank(order, right) for name, order in orders.items()}, first)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", dest="golden", type=Path, default=Path("evals/golden.jsonl"))
    parser.add_argument("--split", default="dev", help="dev | test | all (look at test misses only to report)")
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--prefix", default="", help="only the questions whose id starts with this")
    parser.add_argument("--only-misses", action="store_true", help="only the questions whose fused rank is not 1")
    args = parser.parse_args()
    try:
        chosen = load_golden(args.golden, split=args.split)
    except (GoldenError, OSError) as exc:
        parser.error(str(exc))
    questions = [
        q for q in chosen if q.kind == "lookup" and q.expect_any and not q.history and q.id.startswith(args.prefix)
    ]
    retriever = get_retriever(Settings(data_dir=args.data_dir) if args.data_dir else Settings())
    rows = [question_ranks(retriever, q) for q in questions]
    print("id".ljust(24) + "".join(name.rjust(8) for name in LISTS) + "  fused first")
    for row in rows:
        if args.only_misses and row.ranks["fused"] == 1:
            continue
        ranks = "".join(str(row.ranks[name] or "-").rjust(8) for name in LISTS)
        print(f"{row.question.id:<24}{ranks}  {row.first[:40]}")
    for lang in sorted({row.question.lang for row in rows}):
        of_lang = [row for row in rows if row.question.lang == lang]
        firsts = "  ".join(f"{name} {sum(r.ranks[name] == 1 for r in of_lang)}" for name in LISTS)
        print(f"{lang}: {len(of_lang)} questions, right paper first in  {firsts}")


if __name__ == "__main__":
    main()
