"""Escaping for the UI: every string that comes from a record, a user or a model is escaped before it is
put into HTML or Markdown, so record text cannot inject markup, links or scripts into the page."""

from __future__ import annotations

import html
import re
from typing import Any

MARKDOWN_SPECIALS = re.compile(r"([\\`*_\[\]|~#])")


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
