"""What a question asks for: metadata filters, whether it wants every matching record, and its topic terms."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from assistant.retrieve.text import tokenize

FILTER_KEYS = ("kind", "venue", "presentation", "year", "track", "has_code")

ORAL = re.compile(r"\boral\b|口头报告|口头|oral 论文", re.I)
POSTER = re.compile(r"\bposters?\b|海报", re.I)
WITH_CODE = re.compile(r"\bwith (?:a )?(?:code|code links?|released code|open[- ]source code)\b|\bhave (?:a )?code\b|"
                       r"\bcode (?:is )?(?:available|released)\b|\bopen[- ]sourced?\b|有代码|开源|附代码|公开代码", re.I)
KIND_WORDS = {
    "call": re.compile(r"\bcalls? for (?:papers|submissions)\b|\bspecial issues?\b|征稿|专刊|专辑", re.I),
    "data": re.compile(r"\bdata(?:set)? resources?\b|数据资源", re.I),
}
YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
WANTS_ALL = re.compile(
    r"^\s*(?:which|what)\b.*\b(?:papers|works|records|ones|studies|articles|resources|calls)\b|\b(?:list|enumerate|all|every)\b|"
    r"\bhow many\b.*\b(?:papers|records)\b|哪些|列出|所有|全部|有几篇|多少篇", re.I)
FILTER_WORDS = re.compile(r"\b(?:oral|poster|papers?|track|venue|year|in|the|with|code|accepted)\b|口头|海报|论文|赛道|方向", re.I)


@dataclass
class Filters:
    """Metadata constraints; None means unconstrained."""

    kind: str | None = None
    venue: str | None = None
    presentation: str | None = None
    year: int | None = None
    track: str | None = None
    has_code: bool | None = None

    def active(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    def matches(self, meta: dict[str, Any]) -> bool:
        return all(meta.get(k) == v for k, v in self.active().items())

    def chroma_where(self) -> dict[str, Any] | None:
        clauses = [{k: {"$eq": v}} for k, v in self.active().items()]
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def merged(self, other: Filters) -> Filters:
        """These filters with ``other``'s values where set (explicit filters win over recognised ones)."""
        return Filters(**(self.active() | other.active()))

    @classmethod
    def parse_pairs(cls, pairs: list[str]) -> Filters:
        """Parse CLI ``key=value`` pairs; raises ValueError naming the bad pair."""
        values: dict[str, Any] = {}
        for pair in pairs:
            key, sep, value = pair.partition("=")
            key = key.strip().replace("-", "_")
            if not sep or key not in FILTER_KEYS:
                raise ValueError(f"--where {pair!r}: expected key=value with key one of {', '.join(FILTER_KEYS)}")
            if key == "year":
                if not value.strip().isdigit():
                    raise ValueError(f"--where {pair!r}: year must be a number")
                values[key] = int(value)
            elif key == "has_code":
                values[key] = value.strip().lower() in ("1", "true", "yes", "y")
            else:
                values[key] = value.strip()
        return cls(**values)


@dataclass
class QueryPlan:
    text: str
    filters: Filters = field(default_factory=Filters)
    wants_all: bool = False
    topic_terms: list[str] = field(default_factory=list)


def _find_value(question: str, values: list[str]) -> tuple[str | None, str]:
    """The longest known value mentioned in the question (case-insensitive), and the question without it."""
    lowered = question.lower()
    for value in sorted(values, key=len, reverse=True):
        if value and value.lower() in lowered:
            start = lowered.index(value.lower())
            return value, question[:start] + " " + question[start + len(value):]
    return None, question


def plan_query(question: str, venues: list[str], tracks: list[str]) -> QueryPlan:
    """Recognise filters in the question itself ("oral papers", "ICLR 2025", "in the 医学影像 track", "with code")."""
    filters = Filters()
    rest = question
    filters.venue, rest = _find_value(rest, venues)
    filters.track, rest = _find_value(rest, tracks)
    if ORAL.search(rest):
        filters.presentation, rest = "Oral", ORAL.sub(" ", rest)
    elif POSTER.search(rest):
        filters.presentation, rest = "Poster", POSTER.sub(" ", rest)
    if WITH_CODE.search(rest):
        filters.has_code, rest = True, WITH_CODE.sub(" ", rest)
    for kind, pattern in KIND_WORDS.items():
        if pattern.search(rest):
            filters.kind, rest = kind, pattern.sub(" ", rest)
    if filters.venue is None and (m := YEAR.search(rest)):
        filters.year, rest = int(m.group(1)), rest.replace(m.group(1), " ")
    topic = [t for t in tokenize(FILTER_WORDS.sub(" ", rest)) if not t.isdigit()]
    return QueryPlan(question, filters, bool(WANTS_ALL.search(question)), topic)
