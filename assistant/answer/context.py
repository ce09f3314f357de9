"""Build the numbered sources [1]..[n] given to the answerer, under a tiktoken budget."""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.answer.evidence import Quote
from assistant.index.tokens import count_tokens, truncate_tokens
from assistant.records.links import link_line
from assistant.retrieve.hybrid import Hit


@dataclass
class Source:
    n: int
    hit: Hit
    text: str  # header + abstract (+ code link), possibly truncated to fit the budget
    quotes: list[Quote] = field(default_factory=list)  # its sentences, best for the question first (select.py)


COMPACT_TOKENS = 90  # per record in a list answer, so every matching record fits
MIN_COMPACT_TOKENS = 30  # ... shrunk down to this when many records match


def compact_tokens(hits: list[Hit], budget: int) -> int:
    """Abstract tokens per record of a list answer: what the budget leaves after every header, shared out."""
    fixed = sum(count_tokens(hit.header) + (count_tokens(hit.url) + 8 if hit.url else 0) + 6 for hit in hits)
    share = (budget - fixed) // max(1, len(hits))
    return max(MIN_COMPACT_TOKENS, min(COMPACT_TOKENS, share))


def build_context(hits: list[Hit], full_text: dict[str, str], budget: int, compact: bool = False) -> list[Source]:
    """Number the hits in rank order; stop (or truncate the last one) when the token budget is spent.
    ``compact`` keeps each record short (list questions), so that every matching record gets a number."""
    out: list[Source] = []
    used = 0
    per_record = compact_tokens(hits, budget) if compact else 0
    for hit in hits:
        body = full_text.get(hit.record_id) or hit.text.split("\n", 1)[-1]
        short = truncate_tokens(body, per_record) if compact else body
        text = f"{hit.header}\n{short}" + (" …" if len(short) < len(body) else "")
        if compact and hit.url and hit.url not in text:
            text += "\n" + link_line(hit.url)
        cost = count_tokens(text) + 4
        if used + cost > budget:
            room = budget - used - 4
            if room < 60:
                break
            text = truncate_tokens(text, room)
            cost = room + 4
        out.append(Source(len(out) + 1, hit, text))
        used += cost
    return out
