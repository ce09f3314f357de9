"""The code/project link line of a record: its label, how it is written and how it is read back.

A seed body ends with "Code/project link: <url>" (several URLs separated by ";"); the index writes the
record's url back on a line of its own, and the answerer and the UI take that line out of an abstract.
"""

from __future__ import annotations

import re

LABEL = "Code/project link:"
# The trailing link line: one URL, or several separated by ";" ("code; dataset").
LINK_LINE = re.compile(rf"{re.escape(LABEL)}\s*(?P<url>[^\s;；]+(?:\s*[;；]\s*[^\s;；]+)*)[;；]?\s*$")
LINK_SEPARATOR = re.compile(r"\s*[;；]\s*")


def link_line(url: str) -> str:
    """The line that gives a record's code/project link."""
    return f"{LABEL} {url}"


def split_links(body: str) -> tuple[str, list[str]]:
    """A body without its trailing link line, and the links that line gives (none when it has none)."""
    m = LINK_LINE.search(body)
    if not m:
        return body.strip(), []
    links = [link.rstrip(";；,.") for link in LINK_SEPARATOR.split(m.group("url").strip()) if link.rstrip(";；,.")]
    return body[: m.start()].strip(), links


def without_link_lines(text: str) -> str:
    """``text`` without the lines that give a code/project link."""
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(LABEL))
