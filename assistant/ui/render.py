"""Pure rendering of answers for the chat UI: no Gradio, no I/O (except ``append_feedback``).

A finished or streaming ``Turn`` becomes a ``TurnView`` (plain data, kept in the UI's session state),
and a ``TurnView`` becomes the chat message (Markdown), the sources panel (HTML), the debug dict and
the export (Markdown). Every string that comes from a record, a user or a model is escaped before it
is put into HTML or Markdown: record text cannot inject markup, links or scripts into the page.
"""

from __future__ import annotations

import html
import json
import re
import threading
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.answer.citations import CITATION, numbers_in
from assistant.retrieve.query import Filters
from assistant.retrieve.text import tokenize

ANY = "any"  # the "no constraint" choice of every filter dropdown
MAX_PANEL_TURNS = 5  # answers whose sources stay in the panel (and whose citations stay clickable)
KIND_LABELS = {
    "paper": "paper · 论文",
    "call": "call for papers · 征稿",
    "data": "data resource · 数据资源",
    "other": "other",
}
ESCAPED_CITATION = re.compile(r"\\\[(\d+(?:\s*[,，]\s*\d+)*)\\\]")
SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[*])|(?<=[。！？])\s*")
MARKDOWN_SPECIALS = re.compile(r"([\\`*_\[\]|~#])")
CODE_LINE = re.compile(r"^\s*Code/project link:.*$", re.M)
SUPPORT_OVERLAP = 0.8
SUPPORT_MIN_TOKENS = 5


# --------------------------------------------------------------------------- views


@dataclass
class SourceView:
    """One numbered source (or a retrieved candidate that was not used), as the UI shows it."""

    n: int
    record_id: str
    title: str
    short_name: str = ""
    kind: str = ""
    venue: str = ""
    presentation: str = ""
    year: int | None = None
    track: str = ""
    url: str = ""
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
            n=n,
            record_id=hit.record_id,
            title=hit.title,
            short_name=getattr(hit, "short_name", "") or "",
            kind=hit.kind,
            venue=hit.venue,
            presentation=hit.presentation,
            year=hit.year,
            track=hit.track,
            url=hit.url,
            provenance=list(hit.sources),
            score=float(hit.score),
            dense=float(getattr(hit, "dense", 0.0)),
            bm25=float(getattr(hit, "bm25", 0.0)),
            body=CODE_LINE.sub("", body).strip(),
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


@dataclass
class Rendered:
    message: str  # chat message, Markdown (escaped)
    sources_html: str
    debug: dict[str, Any]
    export: str  # this turn's section of the Markdown export


def render_turn(turn: Any, *, prefix: str | None = "src-", index: int = 1) -> Rendered:
    """The pure core of the UI: one answer as (chat Markdown, sources HTML, debug dict, export Markdown)."""
    view = turn if isinstance(turn, TurnView) else TurnView.from_turn(turn)
    return Rendered(
        render_message(view, prefix),
        render_sources(view, prefix or "src-"),
        render_debug(view),
        render_export_turn(view, index),
    )


# --------------------------------------------------------------------------- escaping


def esc(value: Any) -> str:
    """HTML-escape anything (quotes too, so it is safe inside attributes)."""
    return html.escape("" if value is None else str(value), quote=True)


def md_escape(value: Any) -> str:
    """Plain text for Markdown: no HTML, no emphasis, links or code from the text itself."""
    return MARKDOWN_SPECIALS.sub(r"\\\1", html.escape("" if value is None else str(value), quote=False))


def md_text(value: str) -> str:
    """Answer text for Markdown: HTML escaped and brackets neutralised (no links or images from the text),
    emphasis kept (the answerers use **bold** for titles)."""
    text = html.escape(value, quote=False).replace("\\", "\\\\")
    return text.replace("[", "\\[").replace("]", "\\]").replace("`", "\\`")


def safe_url(url: str) -> str | None:
    """The URL when it is an http(s) link (anything else is shown as text, never linked)."""
    return url if re.match(r"^https?://[^\s<>\"']+$", url or "") else None


# --------------------------------------------------------------------------- chat messages


def answer_markdown(text: str, valid: set[int], prefix: str | None) -> str:
    """The answer as escaped Markdown whose citations [n] link to the source cards (#src-n)."""

    def link(match: re.Match[str]) -> str:
        numbers = [int(n) for n in re.split(r"\s*[,，]\s*", match.group(1))]
        if prefix is None or any(n not in valid for n in numbers):
            return match.group(0)
        if len(numbers) == 1:
            return f"[\\[{numbers[0]}\\]](#{prefix}{numbers[0]})"
        return "\\[" + ", ".join(f"[{n}](#{prefix}{n})" for n in numbers) + "\\]"

    return ESCAPED_CITATION.sub(link, md_text(text))


def render_message(view: TurnView, prefix: str | None = "src-") -> str:
    """The assistant's chat message: the answer with linked citations, then who answered and any problem."""
    parts: list[str] = []
    if view.notice:
        parts.append(view.notice)
    if view.text.strip():
        parts.append(answer_markdown(view.text.strip(), {s.n for s in view.sources}, prefix))
    elif view.pending and not view.notice:
        parts.append("*Searching the records…*" if not view.sources and not view.candidates else "*Writing…*")
    if view.pending:
        return "\n\n".join(parts)
    notes: list[str] = []
    if view.recognised_filters:
        notes.append(
            "Filters from the question: "
            + ", ".join(f"{md_escape(k)} = {md_escape(v)}" for k, v in view.recognised_filters.items())
        )
    if view.unsupported:
        notes.append(f"⚠️ {len(view.unsupported)} sentence(s) may not be supported by the cited sources (see Debug).")
    if (view.answered_by or view.backend) and not view.notice:
        notes.append(f"Answered by: {md_escape(view.answered_by or view.backend)}")
    footer = " · ".join(notes)
    if footer:
        parts.append(f"*{footer}*")
    if view.error:
        said = view.error.strip() in view.text  # the chain already put the failure into the answer
        parts.append(
            "> ⚠️ **The answer backend failed**"
            + (" (see above)." if said else f": {md_escape(view.error)}")
            + "\n>\n> You can ask again, or switch to *Extractive (offline)* above."
        )
    return "\n\n".join(parts)


def anchor_prefix(index: int, total: int) -> str | None:
    """Anchor prefix of the cards of answer ``index`` (0-based) out of ``total``: the latest answer's
    cards are #src-n; earlier ones #src-t<k>-n; answers no longer in the panel get no links."""
    if index == total - 1:
        return "src-"
    if total - 1 - index < MAX_PANEL_TURNS:
        return f"src-t{index + 1}-"
    return None


def chat_messages(views: list[TurnView]) -> list[dict[str, str]]:
    """The whole conversation in the Chatbot's messages format (user questions escaped)."""
    out: list[dict[str, str]] = []
    for i, view in enumerate(views):
        out.append({"role": "user", "content": md_escape(view.question)})
        out.append({"role": "assistant", "content": render_message(view, anchor_prefix(i, len(views)))})
    return out


# --------------------------------------------------------------------------- sources panel


def _norm(text: str) -> str:
    return " ".join(text.replace("**", "").split()).lower()


def support_text(view: TurnView, n: int) -> str:
    """What the answer says with [n]: its lines citing n (markers removed) and the citation's quote."""
    lines = [CITATION.sub(" ", line) for line in view.text.splitlines() if n in numbers_in(line)]
    quotes = [str(c.get("quote", "")) for c in view.citations if int(c.get("n", -1)) == n]
    return "\n".join(lines + quotes)


def sentence_spans(text: str) -> list[tuple[str, str]]:
    """(sentence, separator) pairs that join back to ``text``."""
    spans: list[tuple[str, str]] = []
    start = 0
    for m in SENTENCE_BREAK.finditer(text):
        if m.end() == 0 or m.start() < start:
            continue
        spans.append((text[start : m.start()], m.group(0)))
        start = m.end()
    if start < len(text):
        spans.append((text[start:], ""))
    return [(s, sep) for s, sep in spans if s or sep]


def highlight(body: str, support: str) -> str:
    """The escaped abstract with the sentences the answer relies on wrapped in <mark>."""
    if not support.strip():
        return esc(body)
    wanted, wanted_tokens = _norm(support), set(tokenize(support))
    out: list[str] = []
    for sentence, sep in sentence_spans(body):
        norm = _norm(sentence)
        tokens = set(tokenize(sentence))
        supported = bool(norm) and (
            (len(norm) >= 12 and norm in wanted)
            or (len(tokens) >= SUPPORT_MIN_TOKENS and len(tokens & wanted_tokens) / len(tokens) >= SUPPORT_OVERLAP)
        )
        out.append(f"<mark>{esc(sentence)}</mark>" if supported else esc(sentence))
        out.append(esc(sep))
    return "".join(out)


def _chip(text: str, cls: str = "") -> str:
    return f'<span class="src-chip {cls}">{esc(text)}</span>' if text else ""


def render_card(src: SourceView, prefix: str, cited: bool, support: str = "") -> str:
    """One source card; its id is ``<prefix><n>`` so a citation link can target it."""
    classes = ["src-card"] + (["cited"] if cited else []) + ([] if src.used else ["unused"])
    attrs = {
        "data-n": src.n,
        "data-record-id": src.record_id,
        "data-kind": src.kind,
        "data-venue": src.venue,
        "data-presentation": src.presentation,
        "data-year": src.year or "",
        "data-track": src.track,
    }
    id_attr = f' id="{esc(prefix)}{src.n}"' if src.used else ""
    data = " ".join(f'{k}="{esc(v)}"' for k, v in attrs.items())
    label = f"[{src.n}]" if src.used else f"#{src.n}"
    badge = (
        '<span class="src-badge cited">cited</span>'
        if cited
        else '<span class="src-badge">not cited</span>'
        if src.used
        else '<span class="src-badge">not used</span>'
    )
    short = (
        f' <span class="src-short">{esc(src.short_name)}</span>'
        if src.short_name and src.short_name != src.title
        else ""
    )
    year = str(src.year) if src.year and str(src.year) not in src.venue else ""
    chips = "".join(
        [
            _chip(KIND_LABELS.get(src.kind, src.kind), "kind"),
            _chip(src.venue, "venue"),
            _chip(src.presentation, src.presentation.lower()),
            _chip(year, "year"),
            _chip(src.track, "track"),
            _chip("code" if src.url else "", "has-code"),
        ]
    )
    link = safe_url(src.url)
    code = (
        f'<div class="src-code">Code/project: <a href="{esc(link)}" target="_blank" '
        f'rel="noopener noreferrer nofollow">{esc(link)}</a></div>'
        if link
        else f'<div class="src-code">Code/project: {esc(src.url)}</div>'
        if src.url
        else ""
    )
    prov = ", ".join(f"<code>{esc(p)}</code>" for p in src.provenance)
    score = f'<span class="src-score" title="dense {src.dense:.3f} · BM25 {src.bm25:.2f}">score {src.score:.4f}</span>'
    return (
        f'<article class="{" ".join(classes)}"{id_attr} {data}>'
        f'<div class="src-top"><span class="src-n">{label}</span>{badge}{score}</div>'
        f'<div class="src-title">{esc(src.title)}{short}</div>'
        f'<div class="src-meta">{chips}</div>'
        f'<p class="src-abstract">{highlight(src.body, support)}</p>'
        f"{code}"
        f'<div class="src-prov">Found at {prov}</div>'
        "</article>"
    )


def render_sources(view: TurnView, prefix: str = "src-") -> str:
    """The cards of one answer: cited sources first, then the others; candidates when nothing was used."""
    cited = view.cited
    ordered = sorted(view.sources, key=lambda s: (s.n not in cited, s.n))
    cards = [render_card(s, prefix, s.n in cited, support_text(view, s.n)) for s in ordered]
    if not cards and view.candidates:
        reason = (view.evidence or {}).get("reason", "")
        cards.append(
            f'<p class="src-note">No record was used for this answer'
            f"{': ' + esc(reason) if reason else ''}. Closest records found:</p>"
        )
        cards += [render_card(c, prefix, False) for c in view.candidates]
    if not cards:
        cards.append(
            '<p class="src-note">No records matched.</p>' if not view.pending else '<p class="src-note">Searching…</p>'
        )
    return "".join(cards)


EMPTY_PANEL = (
    '<div class="src-panel"><p class="src-note">Ask a question: the records the answer is built '
    "from appear here, one card each. Click a citation such as [1] in an answer to jump to its "
    "card.</p></div>"
)


def sources_panel(views: list[TurnView]) -> str:
    """The sources panel: the latest answer's cards (#src-n), earlier answers' cards folded below."""
    if not views:
        return EMPTY_PANEL
    latest = views[-1]
    n_cited = len(latest.cited)
    head = (
        f'<div class="src-head">Sources for <q>{esc(latest.question)}</q> · {len(latest.sources)} '
        f"record{'s' if len(latest.sources) != 1 else ''} · {n_cited} cited</div>"
    )
    parts = ['<div class="src-panel">', head, render_sources(latest, "src-")]
    total = len(views)
    for i in range(total - 2, max(-1, total - 1 - MAX_PANEL_TURNS), -1):
        prefix = anchor_prefix(i, total)
        if prefix is None:
            break
        view = views[i]
        parts.append(
            f'<details class="src-older"><summary>Earlier answer {i + 1}: {esc(view.question)}</summary>'
            f"{render_sources(view, prefix)}</details>"
        )
    parts.append("</div>")
    return "".join(parts)


# --------------------------------------------------------------------------- filters


def filters_from_inputs(
    kind: str | None,
    venue: str | None,
    presentation: str | None,
    year: str | int | None,
    track: str | None,
    has_code: bool | None,
) -> Filters:
    """Filters from the UI controls; the ``any`` choice (or an empty value) means unconstrained."""

    def value(v: Any) -> Any:
        return None if v is None or v == "" or v == ANY else v

    year_value = value(year)
    return Filters(
        kind=value(kind),
        venue=value(venue),
        presentation=value(presentation),
        year=int(year_value) if year_value is not None else None,
        track=value(track),
        has_code=True if has_code else None,
    )


def render_active_filters(explicit: dict[str, Any], recognised: dict[str, Any] | None = None) -> str:
    """Chips for the filters in force: those set in the controls, and those read from the last question."""
    chips = [f'<span class="flt-chip">{esc(k.replace("_", " "))}: {esc(v)}</span>' for k, v in explicit.items()]
    chips += [
        f'<span class="flt-chip from-question" title="recognised in the last question">'
        f"{esc(k.replace('_', ' '))}: {esc(v)} <i>(from question)</i></span>"
        for k, v in (recognised or {}).items()
    ]
    if not chips:
        return '<div class="flt-active"><span class="flt-none">No filters: searching every record.</span></div>'
    return f'<div class="flt-active"><span class="flt-label">Active filters:</span> {"".join(chips)}</div>'


# --------------------------------------------------------------------------- debug


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


# --------------------------------------------------------------------------- export


def _md_inline(value: Any) -> str:
    return html.escape(" ".join(str(value).split()), quote=False)


def render_export_turn(view: TurnView, index: int) -> str:
    """One question, its answer and a numbered reference list matching the answer's [n]."""
    lines = [f"## {index}. {md_escape(' '.join(view.question.split()))}", ""]
    if view.notice:
        lines += [view.notice, ""]
    if view.text.strip():
        lines += [html.escape(view.text.strip(), quote=False), ""]
    if view.answered_by:
        lines += [f"*Answered by: {md_escape(view.answered_by)}*", ""]
    if view.error:
        lines += [f"> Backend failure: {md_escape(view.error)}", ""]
    cited = view.cited
    refs = [s for s in view.sources if s.n in cited]
    lines += ["**References**", ""]
    if not refs:
        lines += ["No sources cited.", ""]
    for s in refs:
        title = _md_inline(s.title) + (
            f" ({_md_inline(s.short_name)})" if s.short_name and s.short_name != s.title else ""
        )
        meta = ", ".join(_md_inline(x) for x in (s.venue, s.presentation, s.track) if x)
        where = ", ".join(f"`{p.replace('`', '')}`" for p in s.provenance)
        url = safe_url(s.url)
        parts = (
            [f"{s.n}. **{title}**"]
            + ([meta] if meta else [])
            + ([f"Code: {url}"] if url else [])
            + ([f"Source: {where}"] if where else [])
        )
        lines.append(" — ".join(parts))
    lines.append("")
    return "\n".join(lines)


def render_export(views: list[TurnView], exported_at: datetime | None = None) -> str:
    """The whole conversation as Markdown, each answer followed by its numbered references."""
    when = (exported_at or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    head = [
        "# Research assistant conversation",
        "",
        f"Exported {when} · {len(views)} question{'s' if len(views) != 1 else ''}. "
        "Citations [n] refer to the references listed under each answer.",
        "",
    ]
    return "\n".join(head) + "\n" + "\n".join(render_export_turn(v, i) for i, v in enumerate(views, start=1))


# --------------------------------------------------------------------------- feedback

_feedback_lock = threading.Lock()


def feedback_record(view: TurnView, vote: str, now: datetime | None = None) -> dict[str, Any]:
    """One feedback line: the question, the answer and the vote (no settings, keys or endpoints)."""
    return {
        "timestamp": (now or datetime.now(UTC)).isoformat(timespec="seconds"),
        "vote": vote,
        "question": view.question,
        "answer": view.text,
        "backend": view.backend,
        "cited": [s.record_id for s in view.sources if s.n in view.cited],
    }


def append_feedback(path: Path, record: dict[str, Any]) -> None:
    """Append one JSON line (thread-safe within the process)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(record, ensure_ascii=False) + "\n"
    with _feedback_lock, path.open("a", encoding="utf-8") as fh:
        fh.write(line)


def view_to_dict(view: TurnView) -> dict[str, Any]:
    return asdict(view)
