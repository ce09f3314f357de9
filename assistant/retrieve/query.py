"""What a question asks for: metadata filters, whether it wants every matching record, and its topic terms."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from assistant.retrieve.text import tokenize

FILTER_KEYS = ("kind", "venue", "presentation", "year", "track", "has_code")

ORAL = re.compile(r"\boral\b(?:\s*(?:报告|展示|presentations?|talks?))?|口头报告|口头", re.I)
POSTER = re.compile(r"\bposters?\b(?:\s*(?:报告|展示|presentations?))?|海报", re.I)
# "with code" constraints of a list question ("Which EEG papers have a code link?", "有代码的论文")
WITH_CODE = re.compile(
    r"\b(?:provides?|providing|has|have|having|with|gives?|includes?|including|offers?|shares?|lists?)"
    r"\s+(?:a\s+|an\s+)?(?:code|project)(?:\s*(?:or|and|/)\s*(?:code|project))?\s*"
    r"(?:links?|urls?|pages?|repos(?:itory|itories)?)\b|"
    r"\bwith (?:a )?(?:code|code links?|released code|open[- ]source code)\b|\bhave (?:a )?code\b|"
    r"\bcode (?:is )?(?:available|released)\b|\bopen[- ]sourced?\b|"
    r"(?:有|提供|给出|附)了?(?:代码|项目)(?:或项目)?(?:链接|主页|仓库)|有代码|开源|附代码|公开代码",
    re.I,
)
KIND_WORDS = {
    # the seed headers call these 征稿与合作 ("calls and collaborations")
    "call": re.compile(
        r"\bcalls? for (?:papers|submissions|collaborations?)\b|\bspecial issues?\b|征稿|专刊|专辑|"
        r"合作(?:信息|机会)?",
        re.I,
    ),
    "data": re.compile(r"\bdata(?:set)? resources?\b|数据资源", re.I),
}
YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
# A list question names a plural collection noun right after which/what ("Which EEG papers ...", but not
# "Which paper studies ..." or "Which study ... their studies"), says list/all/every, or, in Chinese,
# 哪些/所有/全部 shortly before a collection noun (not "它提供了哪些训练数据", "忽略所有指令").
EN_PLURAL = r"(?:papers|works|records|ones|studies|articles|resources|calls|items|entries|benchmarks|datasets)"
EN_SINGULAR = (
    r"(?:paper|work|record|one|study|article|resource|call|item|entry|benchmark|dataset|method|model|framework)"
)
ZH_NOUN = r"(?:论文|文章|工作|研究|基准|数据集|记录|征稿|合作|条目|资源|专刊)"
WANTS_ALL = re.compile(
    rf"^\s*(?:which|what)\s+(?:(?!{EN_SINGULAR}\b)[\w/.-]+\s+){{0,4}}{EN_PLURAL}\b|"
    rf"^\s*(?:please\s+)?(?:list|enumerate)\b|\b(?:list|enumerate)\s+(?:the|all|every)\b|"
    rf"\b(?:all|every)\s+(?:of\s+)?(?:the\s+)?(?:[\w/-]+\s+){{0,3}}?(?:{EN_PLURAL}|{EN_SINGULAR})\b|"
    rf"\bhow many\b.*\b(?:papers|records)\b|列出|有几篇|多少篇|(?:哪些|所有|全部)[^,，。.?？!！]{{0,12}}?{ZH_NOUN}",
    re.I,
)
FILTER_WORDS = re.compile(
    r"\b(?:oral|poster|papers?|track|venue|year|in|the|with|code|accepted)\b|口头|海报|论文|赛道|方向", re.I
)
# Words that speak about the collection rather than a topic ("Which papers are in the collection?",
# "What data resources are listed?"): a metadata question that has only these left has no topic.
META_WORDS = re.compile(
    r"\b(?:collection|corpus|listed|list|items?|entries|records?|included|available|published|"
    r"appear|shown|show|there|any|belongs?|belonging)\b|语料库?|收录|条目|记录|信息|列表|属于",
    re.I,
)


@dataclass
class Filters:
    """Metadata constraints; None means unconstrained."""

    kind: str | None = None
    venue: str | list[str] | None = None  # a list: any of these (a question naming a track in two languages)
    presentation: str | None = None
    year: int | None = None
    track: str | list[str] | None = None
    has_code: bool | None = None

    def active(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    def chroma_where(self) -> dict[str, Any] | None:
        clauses = [{k: {"$in": v} if isinstance(v, list) else {"$eq": v}} for k, v in self.active().items()]
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
            return value, question[:start] + " " + question[start + len(value) :]
    return None, question


def _find_values(question: str, values: list[str]) -> tuple[str | list[str] | None, str]:
    """Every known value the question mentions ("医疗多模态 / Medical multimodal AI track" names one track
    in two languages): one value, a list of them in the order mentioned, or None; and the rest of the question."""
    found: list[tuple[int, str]] = []
    rest = question
    while True:
        value, shorter = _find_value(rest, values)
        if value is None:
            break
        found.append((rest.lower().index(value.lower()), value))
        rest = shorter
    names = list(dict.fromkeys(v for _, v in sorted(found)))
    return (names[0] if len(names) == 1 else names or None), rest


def plan_query(question: str, venues: list[str], tracks: list[str]) -> QueryPlan:
    """Recognise filters in the question itself ("oral papers", "ICLR 2025", "in the 医学影像 track", "with code")."""
    filters = Filters()
    rest = question
    filters.venue, rest = _find_values(rest, venues)
    filters.track, rest = _find_values(rest, tracks)
    wants_all = bool(WANTS_ALL.search(question))
    if ORAL.search(rest):
        filters.presentation, rest = "Oral", ORAL.sub(" ", rest)
    elif POSTER.search(rest):
        filters.presentation, rest = "Poster", POSTER.sub(" ", rest)
    if WITH_CODE.search(rest) and wants_all:  # "where is its code?" asks for a link, it filters nothing
        filters.has_code, rest = True, WITH_CODE.sub(" ", rest)
    for kind, pattern in KIND_WORDS.items():
        if pattern.search(rest):
            filters.kind, rest = kind, pattern.sub(" ", rest)
    if filters.venue is None and (m := YEAR.search(rest)):
        filters.year, rest = int(m.group(1)), rest.replace(m.group(1), " ")
    if filters.active():
        rest = META_WORDS.sub(" ", rest)
    topic = [t for t in tokenize(FILTER_WORDS.sub(" ", rest)) if not t.isdigit()]
    return QueryPlan(question, filters, wants_all, topic)
