"""Answer every golden question through the real chain and record one row per question."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.answer import extractive
from assistant.answer.analyse import CJK, LATIN, language
from assistant.answer.citations import claim_sentences
from assistant.answer.markers import CITATION, numbers_in
from assistant.evals.cache import AnswerCache, configuration
from assistant.evals.claims import claim_scores, shared_encoder
from assistant.evals.golden import GoldenQuestion, load_golden
from assistant.evals.metrics import matched_strings, relevant_records, summarise
from assistant.settings import SOURCE_TREE, Settings

URL = re.compile(r"https?://\S+")
SEGMENT = re.compile(r"(?<=[.!?。！？;；])\s*|[:：]\s+|\s+[—–]\s+|\n+")  # a dash: "38 — <the quoted sentence>"
MIN_QUOTE_CHARS = 12


def catalog_records(settings: Settings) -> list[dict[str, Any]]:
    """Every record of the live index: record_id, title, header (one entry per record)."""
    from assistant.retrieve.hybrid import get_retriever

    records: dict[str, dict[str, Any]] = {}
    for meta in get_retriever(settings).catalog.metas:
        records.setdefault(
            meta["record_id"],
            {"record_id": meta["record_id"], "title": meta.get("title", ""), "header": meta.get("header", "")},
        )
    return list(records.values())


def _plain(text: str) -> str:
    """Markdown emphasis removed and whitespace folded, applied alike to the answer and its sources."""
    return " ".join(text.replace("**", " ").replace("__", " ").split())


def own_text(answer: str, source_texts: list[str], names: list[str], titles: Sequence[str] = ()) -> str:
    """The answer minus what it copies from its sources: citation markers, links, record ``titles``, every
    segment quoted verbatim from a source (English abstract sentences), and metadata values (``names``:
    venue, track; removed last, as an abstract sentence may mention them). What remains is the answer's
    own wording — the scaffold of the offline answer, an LLM's prose."""
    text = URL.sub(" ", CITATION.sub(" ", answer))
    for title in sorted({t for t in titles if t}, key=len, reverse=True):
        text = text.replace(title, " ")
    corpus = _plain("\n".join(source_texts))
    kept = []
    for segment in SEGMENT.split(text):
        core = _plain(segment).strip(" -–—…()[],;:*").strip()
        if len(core) >= MIN_QUOTE_CHARS and core in corpus:
            continue
        kept.append(segment)
    text = " ".join(kept)
    for name in sorted({n for n in names if n}, key=len, reverse=True):
        text = text.replace(name, " ")
    return _plain(text)


def language_match(
    answer: str, lang: str, source_texts: list[str], names: list[str], titles: Sequence[str] = ()
) -> bool | None:
    """Whether the answer's own wording is in the question's language; None when it has no own words."""
    rest = own_text(answer, source_texts, names, titles)
    if not CJK.search(rest) and not LATIN.search(rest):
        return None
    return language(rest) == lang


def quoted_texts(turn: Any) -> list[str]:
    """What an answer may quote in the records' language: its sources and their stored sentences (a list answer
    quotes sentences beyond a source's shortened context)."""
    return [s.text for s in turn.sources] + [q.text for s in turn.sources for q in getattr(s, "quotes", [])]


def question_row(
    q: GoldenQuestion, turn: Any, latency_ms: float, error: str | None, records: list[dict[str, Any]]
) -> dict[str, Any]:
    """The record of one answered question (``turn`` is an ``assistant.answer.chain.Turn`` or None)."""
    row: dict[str, Any] = q.to_dict() | {
        "should_abstain": q.should_abstain,
        "latency_ms": round(latency_ms, 1),
        "error": error,
    }
    expected = q.expect_any + q.expect_all
    row["relevant"] = relevant_records(q.expect_any, records) if q.expect_any else []
    row["unmatchable"] = [s for s in expected if not relevant_records([s], records)]
    if turn is None:
        row |= {
            "abstained": False,
            "answer": "",
            "standalone": q.question,
            "sources": [],
            "hit_rank": None,
            "found": [],
            "missing": list(q.expect_all),
            "cited_found": [],
            "facts_found": [],
            "citation_marks": 0,
            "citation_marks_valid": 0,
            "invalid_citations": [],
            "checked_sentences": 0,
            "unsupported": 0,
            "claims": None,
            "lang_match": None,
            "answer_lang": None,
            "judge": None,
        }
        return row
    data = turn.to_dict()
    text = turn.text
    numbers = {s.n for s in turn.sources}
    sources = [
        {
            "n": s.n,
            "record_id": s.hit.record_id,
            "title": s.hit.title,
            "header": s.hit.header,
            "matched": matched_strings(expected, {"title": s.hit.title, "header": s.hit.header}),
        }
        for s in turn.sources
    ]
    marks = numbers_in(text)
    hit_rank = next((i for i, s in enumerate(sources, start=1) if matched_strings(q.expect_any, s)), None)
    found = [s for s in q.expect_all if any(s in src["matched"] for src in sources)]
    cited = {c["n"] for c in turn.citations}
    cited_found = [s for s in q.expect_all if any(s in src["matched"] for src in sources if src["n"] in cited)]
    scaffold = {turn.prompts.refusal(turn.lang)} | set(getattr(extractive, "SCAFFOLD", ()))
    titles = [x for s in turn.sources for x in (s.hit.header, s.hit.title)]
    names = [x for s in turn.sources for x in (s.hit.venue, s.hit.presentation, s.hit.track)]
    row |= {
        "abstained": bool(turn.abstained),
        "answer": text,
        "standalone": data["standalone_question"],
        "answer_lang": data["lang"],
        "backend": data["backend"],
        "sources": sources,
        "hit_rank": hit_rank,
        "found": found,
        "missing": [s for s in q.expect_all if s not in found],
        "cited_found": cited_found,
        "facts_found": [f for f in q.facts if f.lower() in text.lower()],
        "citation_marks": len(marks) + len(turn.invalid_citations),
        "citation_marks_valid": sum(1 for n in marks if n in numbers),
        "invalid_citations": sorted(set(turn.invalid_citations) | {n for n in marks if n not in numbers}),
        "checked_sentences": 0 if turn.abstained else max(len(claim_sentences(text, scaffold)), len(turn.unsupported)),
        "unsupported": len(turn.unsupported),
        "claims": None
        if turn.abstained
        else claim_scores(
            text, {s.n: s.text for s in turn.sources}, scaffold, shared_encoder(turn.settings.index.embedding_cache)
        ),
        "lang_match": language_match(text, q.lang, quoted_texts(turn), names, titles),
        "evidence": data["evidence"],
        "judge": None,
    }
    if error is None and turn.error:
        row["error"] = turn.error
    return row


Answerer = Callable[[str, list[Any], Settings, str | None], Any]  # question, history, settings, backend -> Turn


def chain_answer(question: str, history: list[Any], settings: Settings, backend: str | None) -> Any:
    from assistant.answer import answer

    return answer(question, history, settings=settings, backend=backend)


def answer_question(
    q: GoldenQuestion,
    settings: Settings,
    backend: str | None,
    records: list[dict[str, Any]],
    answerer: Answerer = chain_answer,
) -> tuple[dict[str, Any], Any]:
    """Run one question (with its history) through ``answerer`` (the project's chain); failures become rows."""
    started = time.perf_counter()
    try:
        turn = answerer(q.question, list(q.history), settings, backend)
    except Exception as exc:  # noqa: BLE001 - one failing question must not stop the eval; it is recorded
        return question_row(
            q, None, (time.perf_counter() - started) * 1000, f"{type(exc).__name__}: {exc}", records
        ), None
    return question_row(q, turn, (time.perf_counter() - started) * 1000, None, records), turn


def git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=SOURCE_TREE, capture_output=True, text=True, timeout=5
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=SOURCE_TREE,
            capture_output=True,
            text=True,
            timeout=5,
        )
        return out.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "") if out.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return None


def run_eval(
    golden: Path | list[GoldenQuestion],
    settings: Settings,
    *,
    backend: str | None = None,
    limit: int | None = None,
    split: str = "all",
    progress: bool = True,
    judge: Any = None,
    cache: bool | None = None,
    on_row: Callable[[dict[str, Any]], None] | None = None,
    pipeline: str = "assistant",
) -> dict[str, Any]:
    """Answer the golden questions (``split``: dev, test or all) and score them.

    Returns {"meta", "metrics", "by_kind", "by_lang", "questions"}. ``judge`` (a ``judge.Judge``) grades
    each answer when given. ``cache`` keeps each answered question under the data dir and reuses it on the
    next run with the same configuration (default: on for the LLM backend or a judge, off offline, where
    answering is cheaper than trusting a cache that does not know the code version). Embeddings (questions,
    claim checks) are kept under DATA_DIR/eval-cache/embeddings unless ``cache`` is False: they depend only
    on the model (its id names the folder) and the text, so a rerun embeds only new text. A tqdm progress
    bar with ETA goes to stderr when ``progress``. ``pipeline``: "assistant" (the chain) or "tutorial" (the
    LangChain + Chroma tutorial pipeline, ``assistant.evals.tutorial``; raises TutorialUnavailable without
    its extra).
    """
    from tqdm import tqdm

    if isinstance(golden, Path):
        questions = load_golden(golden, limit, split)
    else:
        questions = [q for q in golden if split == "all" or q.split == split][: limit or None]
    started = time.perf_counter()
    backend = backend or settings.answer.backend
    if cache is not False and settings.index.embedding_cache is None:
        settings = settings.replace(embedding_cache=settings.data_dir / "eval-cache" / "embeddings")
    config = configuration(settings, backend, judge, pipeline)
    use_cache = cache if cache is not None else (backend != "extractive" or judge is not None)
    store = AnswerCache.for_settings(settings, config) if use_cache else None
    records = catalog_records(settings)
    answerer: Answerer = chain_answer
    if pipeline == "tutorial":
        from assistant.evals.tutorial import TutorialAnswerer

        answerer = TutorialAnswerer(settings)
    rows: list[dict[str, Any]] = []
    bar = tqdm(questions, desc="eval", unit="q", file=sys.stderr, disable=not progress, dynamic_ncols=True)
    for q in bar:
        row = store.get(q) if store else None
        if row is None:
            row, turn = answer_question(q, settings, backend, records, answerer)
            if judge is not None and turn is not None and not row["abstained"] and not row["error"]:
                row["judge"] = judge.grade(q, turn).to_dict()
            if store and not row["error"] and not (row.get("judge") or {}).get("error"):
                store.put(q, row)
        rows.append(row)
        if on_row:
            on_row(row)
        bar.set_postfix_str(q.id, refresh=False)
    result = summarise(rows)
    meta = {
        "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "golden": str(golden) if isinstance(golden, Path) else "(in memory)",
        "split": split,
        "pipeline": pipeline,
        "backend": backend,
        "k": settings.retrieval.k,
        "retrieval_mode": settings.retrieval.retrieval_mode,
        "embedding_model": settings.index.embedding_model,
        "prompt_version": config["prompt_version"],
        "data_dir": str(settings.data_dir),
        "commit": git_commit(),
        "n_records": len(records),
        "judge": config["judge"],
        "cached_answers": store.hits if store else None,
        "embedding_cache": str(settings.index.embedding_cache) if settings.index.embedding_cache else None,
        "seconds": round(time.perf_counter() - started, 1),
        "config": config,
    }
    if pipeline == "tutorial":  # its own retrieval, whatever the settings say
        meta |= {"retrieval_mode": "dense", "embedding_model": "minilm"}
    return {"meta": meta} | result
