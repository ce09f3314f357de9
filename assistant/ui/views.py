"""What the UI keeps of an answer: a finished or streaming chain ``Turn`` becomes a ``TurnView`` (plain
data, held in the UI's session state), with one ``SourceView`` per numbered source."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assistant.answer.markers import numbers_in
from assistant.records.links import without_link_lines
from assistant.records.model import RecordMeta, meta_of


@dataclass
class SourceView(RecordMeta):
    """One numbered source (or a retrieved candidate that was not used), as the UI shows it."""

    n: int
    record_id: str
    provenance: list[str] = field(default_factory=list)  # file:line of every occurrence
    score: float = 0.0
    dense: float = 0.0
    bm25: float = 0.0
    body: str = ""  # the abstract the answerer saw (Source.text without its header line)
    used: bool = True  # False: retrieved, but not given to the answerer (abstention)

    @classmethod
    def from_hit(cls, n: int, hit: Any, text: str, used: bool = True) -> SourceView:
        body = text.split("\n", 1)[1] if "\n" in text else text
        return cls(
            **meta_of(hit),
            n=n,
            record_id=hit.record_id,
            provenance=list(hit.sources),
            score=float(hit.score),
            dense=float(hit.dense),
            bm25=float(hit.bm25),
            body=without_link_lines(body).strip(),
            used=used,
        )


@dataclass
class TurnView:
    """Everything the UI needs from one question and its answer (plain data, no live objects)."""

    question: str
    text: str = ""
    standalone: str = ""
    backend: str = ""  # what was asked for: extractive | openai
    answered_by: str = ""  # what actually answered (Turn.answered_by)
    error: str | None = None  # the backend failure, as a message fit for the user
    partial: bool = False
    abstained: bool = False
    pending: bool = False  # still streaming
    queued: bool = False  # sent while another answer was being written: waiting its turn
    stopped: bool = False  # the reader stopped the answer while it was being written
    shortened: bool = False  # the question was cut to MAX_QUESTION_CHARS
    notice: str | None = None  # a UI-level problem (index missing, crash), as trusted Markdown
    sources: list[SourceView] = field(default_factory=list)
    candidates: list[SourceView] = field(default_factory=list)  # shown when nothing was used
    citations: list[dict[str, Any]] = field(default_factory=list)
    explicit_filters: dict[str, Any] = field(default_factory=dict)
    applied_filters: dict[str, Any] = field(default_factory=dict)
    evidence: dict[str, Any] | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)
    unsupported: list[str] = field(default_factory=list)
    invalid_citations: list[int] = field(default_factory=list)
    lang: str = ""
    kind: str = ""

    @classmethod
    def from_turn(cls, turn: Any, text: str | None = None, pending: bool = False) -> TurnView:
        """A view of a chain ``Turn``; ``text`` overrides the answer while it is still streaming."""
        sources = [SourceView.from_hit(s.n, s.hit, s.text) for s in turn.sources]
        candidates: list[SourceView] = []
        if not sources and turn.result is not None:
            candidates = [SourceView.from_hit(h.rank, h, h.text, used=False) for h in turn.result.hits[:5]]
        evidence = vars(turn.evidence).copy() if turn.evidence is not None else None
        return cls(
            question=turn.question,
            text=turn.text if text is None else text,
            standalone=turn.standalone,
            backend=turn.backend,
            answered_by=turn.answered_by,
            error=turn.error,
            partial=turn.partial,
            abstained=turn.abstained,
            pending=pending,
            sources=sources,
            candidates=candidates,
            citations=[dict(c) for c in turn.citations],
            explicit_filters=turn.filters.active(),
            applied_filters=turn.result.filters.active() if turn.result is not None else turn.filters.active(),
            evidence=evidence,
            timings_ms=dict(turn.timings_ms),
            unsupported=list(turn.unsupported),
            invalid_citations=list(getattr(turn, "invalid_citations", [])),
            lang=turn.analysis.lang if turn.analysis else "",
            kind=turn.analysis.kind if turn.analysis else "",
        )

    @property
    def recognised_filters(self) -> dict[str, Any]:
        """Filters found in the question itself (applied, but not set in the filter controls)."""
        return {k: v for k, v in self.applied_filters.items() if self.explicit_filters.get(k) != v}

    @property
    def cited(self) -> set[int]:
        """Source numbers the answer cites (checked citations when done, the raw text while streaming)."""
        if self.citations and not self.pending:
            return {int(c["n"]) for c in self.citations}
        valid = {s.n for s in self.sources}
        return {n for n in numbers_in(self.text) if n in valid}
