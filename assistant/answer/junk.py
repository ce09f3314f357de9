"""Input that asks nothing: markup or code without a content word, an SQL statement, or no letter at all. The
select step refuses it before any record is looked at."""

from __future__ import annotations

import re

from assistant.retrieve.text import tokenize

SQL = re.compile(r"^\s*(?:select|drop|insert|delete|update|union|alter)\b[^?？]*(?:;|--)", re.I)
MARKUP = re.compile(r"<[^>]*>|&[a-z]+;|\bjavascript:|\bon\w+\s*=|[{}<>$`]", re.I)


def is_junk(question: str) -> bool:
    """Markup or code with no content word outside it (``<img src=x onerror=alert(1)>``), an SQL statement, or no
    letter, digit or Chinese character at all (``???``, ``！！！``)."""
    if SQL.search(question) or not re.search(r"[^\W_]", question):
        return True
    if not MARKUP.search(question):
        return False
    rest = re.sub(r"\S*[=(){}<>$`]\S*", " ", re.sub(r"<[^>]*>", " ", question))
    return not tokenize(rest)
