"""The state that flows through the chain (``chain.py``): one ``Turn`` per question, and its JSON shape."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from assistant.answer import llm
from assistant.answer.abstain import Evidence
from assistant.answer.analyse import Analysis, language
from assistant.answer.context import Source
from assistant.answer.evidence import Quote
from assistant.answer.history import HistoryTurn
from assistant.answer.plan import QuestionPlan
from assistant.answer.prompts import PromptSet, load_prompts
from assistant.answer.select import Selection
from assistant.retrieve.hybrid import Hit, HybridRetriever, SearchResult, get_retriever
from assistant.retrieve.query import Filters
from assistant.settings import Settings

MAX_QUESTION_CHARS = 2000


class QuestionError(ValueError):
    """The question cannot be asked as given (empty, control characters only)."""


@dataclass
class Turn:
    """The state that flows through the chain."""

    question: str
    history: list[str]  # the earlier questions, oldest first (capped_history)
    settings: Settings
    backend: str
    filters: Filters = field(default_factory=Filters)
    standalone: str = ""
    analysis: Analysis | None = None
    result: SearchResult | None = None
    evidence: Evidence | None = None
    sources: list[Source] = field(default_factory=list)
    text: str = ""
    abstained: bool = False
    answered_by: str = ""
    error: str | None = None
    partial: bool = False
    notices: list[str] = field(default_factory=list)  # backend failure notices inserted into the text
    citations: list[dict[str, Any]] = field(default_factory=list)
    invalid_citations: list[int] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    past: list[HistoryTurn] = field(default_factory=list)  # the same earlier turns with their answers and records
    plan: QuestionPlan | None = None  # the question's type (plan.py)
    quotes: dict[str, list[Quote]] = field(default_factory=dict)  # record id -> its sentences scored (select.py)
    selection: Selection = field(default_factory=Selection)
    retrieved: list[Hit] = field(default_factory=list)  # the fused ranking's records, before select
    detail_missing: bool = False  # the record is found but does not give the asked detail (an abstention)
    sentence_ids: dict[int, list[str]] = field(default_factory=dict)  # openai backend: source n -> cited ids
    deadline: float | None = None  # monotonic: condense + answer + retries of the LLM must end by then (llm_deadline)
    cancelled: Callable[[], bool] | None = None  # the reader stopped the answer (llm.stream_tokens asks it)

    @cached_property
    def retriever(self) -> HybridRetriever:
        """The live index's retriever, looked up once: a turn reads one index generation (and its steps ask for
        it dozens of times)."""
        return get_retriever(self.settings)

    @property
    def prompts(self) -> PromptSet:
        return load_prompts(self.settings.answer.prompts_dir)

    @property
    def records(self) -> list[str]:
        """The record ids the answer cites, in the order it gives them (for the next turn's history entry)."""
        return [c["record_id"] for c in self.citations]

    @property
    def lang(self) -> str:
        return self.analysis.lang if self.analysis else language(self.question)

    def to_dict(self) -> dict[str, Any]:
        """The public JSON shape of an answer (``assistant ask --json``)."""
        return {
            "question": self.question,
            "standalone_question": self.standalone,
            "answer": self.text,
            "abstained": self.abstained,
            "backend": self.answered_by,
            "prompt_version": self.prompts.version,
            "citations": self.citations,
            "invalid_citations": self.invalid_citations,
            "unsupported_sentences": self.unsupported,
            "sources": [s.hit.to_dict() | {"n": s.n} for s in self.sources],
            "filters": self.result.filters.active() if self.result else {},
            "plan": self.result.plan.to_dict() if self.result else None,
            "lang": self.lang,
            "kind": self.analysis.kind if self.analysis else None,
            "question_plan": self.plan.to_dict() if self.plan else None,
            "selection": vars(self.selection),
            "detail_missing": self.detail_missing,
            "records": self.records,
            "evidence": vars(self.evidence) if self.evidence else None,
            "error": self.error,
            "partial": self.partial,
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
        }


def llm_deadline(turn: Turn) -> float:
    """One deadline for all of a turn's LLM work, counted from its first LLM request."""
    if turn.deadline is None:
        turn.deadline = llm.deadline_for(turn.settings)
    return turn.deadline


# Markdown a question was pasted with: a link's text stays, its address goes ("[EEG](https://…)" -> "EEG"); emphasis
# marks in pairs around words go ("**Which papers**", "(_EEG_)", "用了**脑电**"), marks inside a token stay (snake_case,
# window.__name)
MD_LINK = re.compile(r"!?\[([^\[\]]*)\]\([^()\s]*\)")
MD_EMPHASIS = re.compile(
    r"(?<![^\s(\[{\"'“‘「（\u4e00-\u9fff])([*_`~]+)(?=[^\s*_`~])(.+?)(?<=[^\s*_`~])\1"
    r"(?![^\s)\]}\"'”’」）.,;:!?，。；：！？、\u4e00-\u9fff])"
)


def clean_question(question: str) -> str:
    """Normalise a user question: control characters dropped, Markdown unwrapped, whitespace folded, length
    capped."""
    text = "".join(ch if ch.isprintable() or ch in "\n\t" else " " for ch in question)
    text = MD_EMPHASIS.sub(r"\2", MD_LINK.sub(r"\1", text))
    text = " ".join(text.split())
    if not text:
        raise QuestionError("the question is empty")
    return text[:MAX_QUESTION_CHARS]
