"""The conversation export: Markdown, each answer followed by the numbered references its [n] name."""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import Any

from assistant.ui.markup import md_escape, safe_url
from assistant.ui.views import TurnView


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
