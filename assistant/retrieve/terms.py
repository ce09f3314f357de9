"""Domain-term candidates for jieba's dictionary, found in the corpus by a rule (not picked by hand):

    python -m assistant.retrieve.terms [SOURCES ...]     # default: seeds/

A candidate is a run of 3-6 Chinese characters from the records' titles and Chinese text that
- occurs in at least ``MIN_RECORDS`` records,
- is a closed unit: no longer run containing it occurs in as many records (so not a fragment of a longer term),
- has free boundaries: on each side, no single neighbouring character accounts for half its occurrences,
- holds no function character (的, 与, 和, ...) and is no fragment of a word around it: in every one of its
  occurrences both its ends fall on jieba's word boundaries,
- and is broken by jieba's own dictionary: its segmentation leaves a one-character piece (多模态 -> 多 + 模态),
  so BM25 never sees the term as one word.

Prints the candidates missing from ``domain_terms.txt``, one a line (``--all``: every candidate).
"""

from __future__ import annotations

import argparse
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import jieba

from assistant.records.corpus import load_corpus
from assistant.retrieve.text import domain_terms

CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
FUNCTION_CHARS = frozenset("的了和与及在是有对用以为从于被把其中向将及或并年")
MIN_RECORDS = 2
SIZES = range(3, 7)


@cache
def _own_dictionary() -> jieba.Tokenizer:
    """A jieba tokenizer with only jieba's own dictionary (the global one holds domain_terms.txt once loaded)."""
    return jieba.Tokenizer()


def _grams(run: str) -> Iterable[tuple[int, str]]:
    for n in (*SIZES, SIZES[-1] + 1):  # one size more, for the closedness test
        for i in range(len(run) - n + 1):
            yield i, run[i : i + n]


def candidates(texts: Iterable[str], min_records: int = MIN_RECORDS) -> list[str]:
    """The rule's terms in ``texts`` (one text per record), most frequent first."""
    records: Counter[str] = Counter()
    aligned: Counter[str] = Counter()  # occurrences whose both ends are word boundaries of jieba's segmentation
    left: defaultdict[str, Counter[str]] = defaultdict(Counter)
    right: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for text in texts:
        seen: set[str] = set()
        for run in CJK_RUN.findall(text):
            cuts, pos = {0}, 0
            for word in _own_dictionary().lcut(run, HMM=False):
                pos += len(word)
                cuts.add(pos)
            for i, gram in _grams(run):
                seen.add(gram)
                end = i + len(gram)
                aligned[gram] += i in cuts and end in cuts
                left[gram][run[i - 1] if i else f"^{sum(left[gram].values())}"] += 1  # a run's edge: always new
                right[gram][run[end] if end < len(run) else f"${sum(right[gram].values())}"] += 1
        records.update(seen)

    def free(side: Counter[str]) -> bool:
        return 2 * max(side.values()) <= sum(side.values())

    def closed(gram: str) -> bool:
        return all(records[c + gram] < records[gram] for c in left[gram] if len(c) == 1) and all(
            records[gram + c] < records[gram] for c in right[gram] if len(c) == 1
        )

    found = [
        gram
        for gram, n in records.items()
        if len(gram) in SIZES
        and n >= min_records
        and not FUNCTION_CHARS & set(gram)
        and aligned[gram] == sum(left[gram].values())
        and free(left[gram])
        and free(right[gram])
        and closed(gram)
        and any(len(piece) == 1 for piece in _own_dictionary().lcut(gram, HMM=False))
    ]
    return sorted(found, key=lambda g: (-records[g], g))


def corpus_texts(sources: list[Path]) -> list[str]:
    """Each record's title and abstract (the Chinese summaries), the header's fixed parts left out."""
    corpus = load_corpus(sources, 20_000)
    return [f"{r.title}\n{r.abstract}" for r in corpus.records]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sources", nargs="*", type=Path, default=[Path("seeds")])
    parser.add_argument("--all", action="store_true", help="every candidate, also those already in the file")
    args = parser.parse_args(argv)
    found, known = candidates(corpus_texts(args.sources)), domain_terms()
    for term in found if args.all else [t for t in found if t not in known]:
        print(term)


if __name__ == "__main__":
    main()
