"""The chat messages: each answer as escaped Markdown whose citations [n] link to their source cards."""

from __future__ import annotations

import re

from assistant.answer.chain import MAX_QUESTION_CHARS
from assistant.answer.markers import CITATION, marker_numbers
from assistant.ui.markup import md_escape, md_text
from assistant.ui.views import TurnView

MAX_PANEL_TURNS = 5  # answers whose sources stay in the panel (and whose citations stay clickable)


def answer_markdown(text: str, valid: set[int], prefix: str | None) -> str:
    """The answer as escaped Markdown whose citations [n] link to the source cards (#src-n)."""

    def link(match: re.Match[str]) -> str:
        numbers = marker_numbers(match)
        if prefix is None or any(n not in valid for n in numbers):
            return md_text(match.group(0))
        if len(numbers) == 1:
            return f"[\\[{numbers[0]}\\]](#{prefix}{numbers[0]})"
        return "\\[" + ", ".join(f"[{n}](#{prefix}{n})" for n in numbers) + "\\]"

    parts: list[str] = []
    start = 0
    for match in CITATION.finditer(text):
        parts += [md_text(text[start : match.start()]), link(match)]
        start = match.end()
    return "".join(parts) + md_text(text[start:])


def render_message(view: TurnView, prefix: str | None = "src-") -> str:
    """The assistant's chat message: the answer with linked citations, then who answered and any problem."""
    parts: list[str] = []
    if view.queued:
        return "*Waiting: answered after the question before it.*"
    if view.shortened:
        parts.append(f"*Your question was long: only its first {MAX_QUESTION_CHARS:,} characters were used.*")
    if view.notice:
        parts.append(view.notice)
    if view.text.strip():
        parts.append(answer_markdown(view.text.strip(), {s.n for s in view.sources}, prefix))
    elif view.pending and not view.notice:
        parts.append("*Searching the records…*" if not view.sources and not view.candidates else "*Writing…*")
    if view.pending:
        return "\n\n".join(parts)
    notes: list[str] = ["⏹ Stopped: the answer above is incomplete."] if view.stopped else []
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
