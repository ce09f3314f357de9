"""The sources panel: one card per numbered source, the sentences the answer relies on highlighted."""

from __future__ import annotations

from assistant.answer.markers import CITATION, numbers_in
from assistant.answer.sentences import sentence_spans
from assistant.records.model import KIND_LABELS
from assistant.retrieve.text import tokenize
from assistant.ui.markup import esc, safe_url
from assistant.ui.messages import MAX_PANEL_TURNS, anchor_prefix
from assistant.ui.views import SourceView, TurnView

SUPPORT_OVERLAP = 0.8
SUPPORT_MIN_TOKENS = 5


def _norm(text: str) -> str:
    return " ".join(text.replace("**", "").split()).lower()


def support_text(view: TurnView, n: int) -> str:
    """What the answer says with [n]: its lines citing n (markers removed) and the citation's quote."""
    lines = [CITATION.sub(" ", line) for line in view.text.splitlines() if n in numbers_in(line)]
    quotes = [str(c.get("quote", "")) for c in view.citations if int(c.get("n", -1)) == n]
    return "\n".join(lines + quotes)


def highlight(body: str, support: str) -> str:
    """The escaped abstract with the sentences the answer relies on wrapped in <mark>."""
    if not support.strip():
        return esc(body)
    wanted, wanted_tokens = _norm(support), set(tokenize(support))
    out: list[str] = []
    end = 0
    for start, stop in sentence_spans(body):
        sentence = body[start:stop]
        norm = _norm(sentence)
        tokens = set(tokenize(sentence))
        supported = (len(norm) >= 12 and norm in wanted) or (
            len(tokens) >= SUPPORT_MIN_TOKENS and len(tokens & wanted_tokens) / len(tokens) >= SUPPORT_OVERLAP
        )
        out.append(esc(body[end:start]))
        out.append(f"<mark>{esc(sentence)}</mark>" if supported else esc(sentence))
        end = stop
    out.append(esc(body[end:]))
    return "".join(out)


def _chip(text: str, cls: str = "") -> str:
    return f'<span class="src-chip {cls}">{esc(text)}</span>' if text else ""


def relevance_label(src: SourceView, total: int) -> str:
    """What a reader can use instead of a fusion score: the record's rank and how the search found it."""
    how = (
        "by meaning and keywords"
        if src.dense > 0 and src.bm25 > 0
        else "by meaning"
        if src.dense > 0
        else "by keywords"
        if src.bm25 > 0
        else ""
    )
    rank = "best match" if src.n == 1 else f"match {src.n} of {total}" if total else f"match {src.n}"
    return f"{rank} · {how}" if how else rank


def render_card(src: SourceView, prefix: str, cited: bool, support: str = "", total: int = 0) -> str:
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
    score = (
        f'<span class="src-score" title="fusion {src.score:.4f} · dense {src.dense:.3f} · BM25 {src.bm25:.2f}">'
        f"{esc(relevance_label(src, total))}</span>"
    )
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
    total = len(view.sources)
    cards = [render_card(s, prefix, s.n in cited, support_text(view, s.n), total) for s in ordered]
    if not cards and view.candidates:
        reason = (view.evidence or {}).get("reason", "")
        cards.append(
            f'<p class="src-note">No record was used for this answer'
            f"{': ' + esc(reason) if reason else ''}. Closest records found:</p>"
        )
        cards += [render_card(c, prefix, False, total=len(view.candidates)) for c in view.candidates]
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
    records = f"{len(latest.sources)} record{'s' if len(latest.sources) != 1 else ''}"
    # the question shows as a block of at most two lines: the counts come before it, so no line starts with "·"
    head = f'<div class="src-head">Sources ({records} · {n_cited} cited) for <q>{esc(latest.question)}</q></div>'
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
