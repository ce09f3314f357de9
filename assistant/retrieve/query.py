"""What a question asks for: metadata filters with polarity, whether it wants every matching record, its topic
terms. ``plan_query`` is a pure function of the question and the catalog's vocabulary (venues, tracks); its
cases are in evals/parser_cases.jsonl."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant.retrieve.filters import FILTER_KEYS, Filters, Value
from assistant.retrieve.listing import EN_PLURAL, ZH_NOUN, grouped_by, negated_topics, year_extreme
from assistant.retrieve.names import NamePatterns, track_names, venue_names
from assistant.retrieve.text import tokenize

__all__ = ["FILTER_KEYS", "Filters", "QueryPlan", "plan_query"]

# the presentation word takes its noun along ("oral talks", "海报展示"), so the noun is not read as a topic
ORAL = re.compile(r"(?:\borals?\b|口头)(?:\s*(?:报告|展示|presentations?|talks?))?", re.I)
POSTER = re.compile(r"(?:\bposters?\b|海报)(?:\s*(?:报告|展示|presentations?))?", re.I)
# "has code" wording of a list question ("Which EEG papers have a code link?", "没有代码的论文"); the verb or
# the negation around it gives the polarity ("without code", "do not have a code link", "未开源")
EN_CODE_NOUN = (
    r"(?:(?:(?:code|project)(?:\s*(?:or|and|/)\s*(?:code|project))?|git(?:hub|lab))"
    r"(?:\s*(?:links?|urls?|pages?|repo(?:s|sitory|sitories)?))?|repo(?:s|sitory|sitories)?)"
)
HAS_CODE = re.compile(
    r"\b(?:(?:comes?|coming|came)\s+)?(?:provides?|providing|provided|has|have|having|with|without|gives?|includes?|"
    r"including|offers?|shares?|"
    r"lists?|releases?|released|lacks?|lacking)\s+(?:(?:a|an|any|no|public|released|open[- ]source|their|its)\s+)"
    rf"{{0,2}}{EN_CODE_NOUN}\b|\bcode (?:is |was |are )?(?:not )?(?:available|released|public)\b|"
    r"\bopen[- ]sourced?\b|(?:有|提供|给出|附|附带|带|公开|发布)?了?(?:代码|源码)(?:或项目)?(?:链接|主页|仓库|地址)?"
    r"(?:\s*(?:是|已经?)?\s*(?:公开|开源|发布)(?:的|了)?)?|"
    r"(?:有|提供|给出|附)?了?项目(?:链接|主页|仓库|地址)|开源",
    re.I,
)
CODE_NEGATED = re.compile(
    r"\b(?:without|lack|lacks|lacking|no|not)\b", re.I
)  # inside the match: "with no code", "lacking code"
KIND_WORDS: list[tuple[str, re.Pattern[str], bool]] = [  # (kind, wording, counts only when negated)
    # the seed headers call these 征稿与合作 ("calls and collaborations")
    (
        "call",
        re.compile(
            r"\bcalls? for (?:papers|submissions|collaborations?)\b|\bspecial issues?\b|征稿|专刊|专辑|"
            r"合作(?:信息|机会)?",
            re.I,
        ),
        False,
    ),
    ("data", re.compile(r"\bdata(?:set)? resources?\b|数据资源", re.I), False),
    # "papers" is the head noun of nearly every list question: it constrains only in contrast ("not papers")
    ("paper", re.compile(r"\bpapers?\b|论文", re.I), True),
]
YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)\s*年?")
# A range of years: "2026 年以前", "2025 年及以后", "2025 年以来", "before 2026", "since 2025", "2025 or later";
# each side's groups: (the bound when the wording comes first, the bound when it follows, whether it is included)
_Y = r"((?:19|20)\d\d)(?!\d)"
YEAR_BEFORE = re.compile(
    rf"\b(?:before|earlier\s+than|prior\s+to|until)\s+{_Y}|(?<!\d){_Y}\s*年?\s*(?:(及|和|或)\s*)?(?:以前|之前|前)"
    rf"|(?<!\d){_Y}\s+(or|and)\s+(?:earlier|before)\b",
    re.I,
)
YEAR_AFTER = re.compile(
    rf"\b(?:after|later\s+than|since)\s+{_Y}|(?<!\d){_Y}\s*年?\s*(?:(及|和|或)\s*)?(?:以后|之后|后)"
    rf"|(?<!\d){_Y}\s*年?\s*(以来|起)|(?<!\d){_Y}\s+(or|and)\s+(?:later|after|since)\b",
    re.I,
)
# Negation just before a mention ("not posters", "non-oral", "other than ICLR 2026", "do not have a code link",
# "非 oral", "不是 2026 年", "没有代码", "除了医学影像方向以外") or just after it ("poster 以外的论文").
NEG_BEFORE = re.compile(
    r"(?:\b(?:not|non|without|excluding|except(?:\s+for)?|other\s+than|apart\s+from|besides|outside(?:\s+of)?|no|never|"
    r"neither|nor)|n't)"
    r"\s*-?\s*"
    r"(?:(?:a|an|the|any|in|at|from|as|for|of|by|accepted|presented|published|listed|appear(?:ed)?|been|be|are|is|"
    r"was|were)\s+){0,3}$|"
    r"(?:非|不|没|无|未|除了?|排除)(?:是|在|属于|为|有|含|包含|包括|提供|带|附上?|放出?|给出?|贴出?|公开|公布|发布|开放|"
    r"上传)?了?\s*(?:在|于|属于)?\s*$",
    re.I,
)
FREE_NEGATION = re.compile(
    r"\b(?:not|excluding|except|other\s+than|apart\s+from|besides)\b|n't|不是|不属于|除了?|排除", re.I
)
A_NOT_A = re.compile(r"(\w)[不没]\1|有无")
NEG_AFTER = re.compile(r"^\s*(?:以外|之外|除外)|^\s*(?:excluded|aside)\b", re.I)
# A track name filters only where the question speaks of the category: a category word next to it ("in the
# 医学影像 track", "属于 clinical prediction", "医学影像方向下") or the collection noun right after it ("the
# clinical NLP papers"); "医学影像分割方面的论文" names a topic that starts with a track name.
CATEGORY_AFTER = re.compile(
    r"^\s*(?:(?:tracks?|categor(?:y|ies)|sessions?)\b|(?:[这那]?\s*(?:[两二三四五六七八九十几]|\d+)\s*个\s*|[这那]个\s*)?"
    r"(?:方向|类别|分类|赛道|板块|类)|(?:里面?|之中|当中)(?=\s*[^,，。?？]{0,20}?(?:papers|works|论文|文章|工作|哪些)))|"
    r"^\s*(?:的\s*)?(?:papers|works|论文|文章)",
    re.I,
)
CATEGORY_BEFORE = re.compile(
    r"(?:\btracks?|\bcategor(?:y|ies)|\b(?:filed|listed|sorted|placed)\s+(?:under|in(?:to)?)|\bbelong(?:s|ing)?\s+to|"
    r"属于|归入|归属|归在|分在)\s*(?:the\s+)?[:：(（\"“]?\s*$",
    re.I,
)
# A list question names a plural collection noun right after which/what ("Which EEG papers ...", but not
# "Which paper studies ..." or "Which study ... their studies"), says list/all/every, or, in Chinese,
# 哪些/所有/全部 shortly before a collection noun, or the noun before 有哪些 (not "它提供了哪些训练数据",
# "忽略所有指令").
EN_SINGULAR = (
    r"(?:paper|work|record|one|study|article|resource|call|item|entry|benchmark|dataset|method|model|framework)"
)
# A search-box noun phrase ("oral papers without code", "ICLR 2026 papers that are not posters") names the set
# it wants; a question word or verb before the noun makes it a question about something else ("How many
# papers ...", "Does LiveClin use records ...").
NOT_A_MODIFIER = (
    r"(?:what|which|how|who|whom|whose|where|when|why|is|are|was|were|do|does|did|can|could|should|would|will|has|"
    r"have|had|uses?|used|compare|tell|explain|describe|summari[sz]e)"
)
WANTS_ALL = re.compile(
    rf"(?:(?:^|[.?!;。？！；])\s*|\b(?:tell me|show me|know|wonder(?:ing)?|find out)\s+)(?:which|what)\s+"
    rf"(?:(?!{EN_SINGULAR}\b)[\w/.-]+\s+){{0,4}}{EN_PLURAL}\b|"
    rf"^\s*(?:please\s+)?(?:list|enumerate)\b|\b(?:list|enumerate)\s+(?:the|all|every)\b|"
    # asked for a set in other words: "Show me papers about EEG", "Can you find the papers on ...", "Any papers on
    # ultrasound?", "Are there papers that ...", "I am looking for papers on ...", "What work has been done on ..."
    rf"^\s*(?:please\s+)?(?:(?:can|could|would)\s+you\s+(?:please\s+)?)?(?:show|find|give|name|get|list|recommend|"
    rf"search\s+for|look\s+for|point\s+me\s+to)(?:\s+me)?\s+(?:(?:all|the|some|any)\s+)?(?:[\w/-]+\s+){{0,3}}?"
    rf"{EN_PLURAL}\b|^\s*(?:are\s+there\s+)?(?:any\s+)?(?:(?!{NOT_A_MODIFIER}\b)[\w/.-]+\s+){{0,4}}{EN_PLURAL}"
    rf"(?:\s+(?:on|about|that|which|using|with|without|not|in|for|from|regarding|related|having|lacking|outside|"
    rf"except|other)\b|\s*[?.!]*\s*$)|\b(?:looking|searching)\s+for\s+(?:(?:all|the|some|any)\s+)?"
    rf"(?:[\w/-]+\s+){{0,3}}?{EN_PLURAL}\b|^\s*what\s+(?:work|research)\s+(?:has|have|is|was|exists?)\b|"
    rf"(?:找|搜|推荐)(?![^,，。.?？!！]{{0,20}}?[这那一哪](?:篇|个|项|份))[^,，。.?？!！]{{0,20}}?{ZH_NOUN}|"
    rf"\b(?:all|every)\s+(?:of\s+)?(?:the\s+)?(?:[\w/-]+\s+){{0,3}}?(?:{EN_PLURAL}|{EN_SINGULAR})\b|"
    # "for each chest X-ray paper": each member of a named set (not "each such paper", "each of these")
    rf"\beach\s+(?!(?:such|of|these|those|listed|above|previous|cited|one)\b)(?:[\w/-]+\s+){{1,3}}?"
    rf"(?:paper|work|study|article|record|benchmark|dataset)s?\b|"
    rf"\b(?:how many|number of)\b.*\b(?:papers|records|works|articles|entries|items|posters|orals|submissions)\b|"
    rf"列出|列举|罗列|\b(?:what|anything)\s+(?:else\s+)?(?:(?:is|are)\s+)?(?:there\s+)?in\s+the\s+(?:collection|corpus)\b|"
    rf"\bwhat\s+does\s+the\s+(?:collection|corpus)\s+(?:contain|hold|include|have)\b|"
    # "有多少篇论文", "多少篇是 oral", "一共几篇?" count records; "收集了多少篇系统综述" counts what one record holds
    rf"(?:多少|几)篇(?=\s*(?:{ZH_NOUN}|是|有|在|属于|用|做|没|不|的|被|涉及|关于|与|和|跟|[?？,，。]|$))|"
    rf"(?:哪些|所有|全部)[^,，。.?？!！]{{0,20}}?{ZH_NOUN}|"
    rf"{ZH_NOUN}\s*(?:都|还)?\s*(?:有|是)?哪些|{ZH_NOUN}\s*(?:里面|里|之中|当中|中)\s*[,，]?\s*(?:有|是)?哪些|"
    # a question asked of each member of a topic's set: "each of the EEG papers", "For the CT papers, ...",
    # "心电相关的论文各自", "几项工作分别" (not "each of the papers", "这些论文分别": those refer to an earlier answer)
    rf"\b(?:each|all|both)\s+of\s+the\s+(?:[\w/-]+\s+){{1,3}}?{EN_PLURAL}\b|"
    rf"^\s*(?:for|among|across|in|of)\s+the\s+(?:[\w/-]+\s+){{1,3}}?{EN_PLURAL}\s*,|"
    rf"(?<!这些)(?<!那些)(?<!两篇)(?<!它们的){ZH_NOUN}\s*(?:各自|分别)|(?:几项|几篇|各篇|每篇)[^,，。.?？!！]{{0,12}}?{ZH_NOUN}",
    re.I,
)
# a Chinese search-box noun phrase under filters ("没有代码链接的 oral 论文", "有代码的 EEG 分类论文"): no question
# word (nor 有没有: "有没有…的数据资源?" asks for one), ends with the noun, a few words of topic may stand before it
ZH_SEARCH_BOX = re.compile(
    rf"^(?!.*(?:有没有|是不是|有无))[^?？哪什么吗呢几多如何怎谁]*的\s*[^的?？,，。!！]{{0,20}}?\s*{ZH_NOUN}\s*[?？。.!！]*\s*$"
)
FILTER_WORDS = re.compile(
    r"\b(?:oral|poster|papers?|tracks?|venues?|years?|in|the|with|code|accepted)\b|口头|海报|论文|赛道|方向", re.I
)
# A count's wording is no topic: "how many papers have a code link?" lists every record with one, not the few whose
# text matches "many"
COUNTING = re.compile(r"\bhow\s+(?:many|much)\b|\b(?:the\s+)?(?:total\s+)?number\s+of\b|一共|总共|共有|统计", re.I)
# Words that speak about the collection rather than a topic ("Which papers are in the collection?",
# "What data resources are listed?"): a metadata question that has only these left has no topic.
# Outside a list question a code mention filters only where it describes the record asked for ("the paper that
# provides code", "提供了代码的论文是哪篇?"), not where it asks for a link ("where is its code?").
ASKS_WHICH = re.compile(r"\bwhich\b|哪(?:篇|些|一篇)", re.I)
CODE_NOUN_AFTER = re.compile(r"^\s*(?:的\s*)?(?:论文|文章|工作)|^\s*(?:papers?|works?)\b", re.I)
# Names joined by a conjunction share the category word after the last one ("the clinical NLP or medical LLM
# agent tracks", "医学影像和手术/介入 AI 方向")
JOINER = re.compile(
    r"^\s*(?:,|，|、|/|\bor\b|\band\b|\bnor\b|(?:也|又)?(?:不是|不属于)|或者|以及|和|或|及|与)\s*", re.I
)  # "不是 A 也不是 B 的论文": both are categories
META_WORDS = re.compile(
    r"\b(?:collection|corpus|listed|list|items?|entr(?:y|ies)|records?|included|available|published|holds?|contains?|"
    r"many|total|appear(?:s|ed)?|shown|show|there|any|belongs?|belonging|ones|come|comes|came|venues?|conferences?|"
    r"give|tell|find|get|want|need|please|every|each|journals?|anything|else|filed|placed|sorted|"  # requests
    r"together|along(?:side)?)\b|"  # "the oral papers together with their tracks"
    r"语料库?|收录|条目|记录|信息|列表|属于|会议|期刊|来源|发表|一共|总共|共有|合计|几篇|多少篇|分别|各自|各有|[中里]有|还有",
    re.I,
)


@dataclass
class QueryPlan:
    text: str
    filters: Filters = field(default_factory=Filters)
    wants_all: bool = False
    topic_terms: list[str] = field(default_factory=list)
    group_by: str = ""  # a catalog field the question counts records per ("how many papers per track?")
    excluded_terms: list[str] = field(default_factory=list)  # negated topics as written ("do not use EEG": "EEG")
    order: str = ""  # newest | oldest: the records of the extreme year ("the most recent EEG paper")

    @property
    def question_type(self) -> str:
        return "list" if self.wants_all else "lookup"

    def to_dict(self) -> dict[str, Any]:
        """The plan as shown by ``search --json``, ``ask --json`` and kept in evals/parser_cases.jsonl."""
        return (
            {
                "filters": [{"key": k, "value": v, "polarity": p} for k, v, p in self.filters.clauses()],
                "topic_terms": self.topic_terms,
                "question_type": self.question_type,
            }
            | ({"group_by": self.group_by} if self.group_by else {})
            | ({"excluded_terms": self.excluded_terms} if self.excluded_terms else {})
            | ({"order": self.order} if self.order else {})
        )


class _Reader:
    """The question with the mentions read so far blanked out (same length, so offsets stay valid)."""

    def __init__(self, question: str) -> None:
        self.question, self.rest = question, question
        self.include: dict[str, list[Value]] = {}
        self.exclude: dict[str, list[Value]] = {}
        self.seen_at: dict[tuple[str, Value], tuple[int, int]] = {}  # where each value was first mentioned
        self.spans: list[tuple[int, int, str, Value, str]] = []  # each single-value mention: start, end, key, cue

    def take(self, key: str, values: list[Value], start: int, end: int, only_negated: bool = False) -> None:
        """Record ``values`` for ``key`` with the polarity the mention's surroundings give, and blank the
        mention with its cue."""
        before = NEG_BEFORE.search(self.rest[:start])
        if before and A_NOT_A.match(self.question, max(0, before.start() - 1)):
            before = None  # 有没有论文…? / 是不是 oral? asks, it does not negate
        after = NEG_AFTER.match(self.rest[end:])
        negated = bool(before or after) or (key == "has_code" and bool(CODE_NEGATED.search(self.question[start:end])))
        if only_negated and not negated:
            return
        if len(values) == 1:
            free = before and FREE_NEGATION.search(before.group())
            cue = "-" if not negated else "free" if free else "after" if after and not before else "prefix"
            self.spans.append((start, end, key, values[0], cue))
        start = before.start() if before else start
        end = end + after.end() if after else end
        known = (self.exclude if negated else self.include).setdefault(key, [])
        known.extend(v for v in values if v not in known)
        for i, value in enumerate(values):  # a name's own value before its translations at the same place
            self.seen_at[(key, value)] = min(self.seen_at.get((key, value), (start, i)), (start, i))
        self.rest = self.rest[:start] + " " * (end - start) + self.rest[end:]

    def take_all(self, key: str, pattern: re.Pattern[str], value: Value, only_negated: bool = False) -> None:
        for m in list(pattern.finditer(self.rest)):
            self.take(key, [value], m.start(), m.end(), only_negated)

    def names(self, key: str, names: NamePatterns, cued: bool = False) -> None:
        """Mentions of known names (see ``_name_patterns``). With ``cued`` a mention needs a category cue."""
        for pattern, values in names:
            for m in list(pattern.finditer(self.rest)):
                end = m.end()
                if cued:
                    cue = CATEGORY_AFTER.match(self.rest[end:])
                    before = CATEGORY_BEFORE.search(self.rest[: m.start()])
                    if not cue and not before and not _cued_later(self.question, end, names):
                        continue
                    if cue and not re.search(r"papers|works|论文|文章", cue.group(), re.I):
                        end += cue.end()  # the category word goes with the name
                self.take(key, values, m.start(), end)

    def filters(self) -> Filters:
        """The filters read, each key's values in the order the question mentions them."""

        def ordered(found: dict[str, list[Value]]) -> dict[str, list[Value]]:
            return {k: sorted(v, key=lambda value: self.seen_at[(k, value)]) for k, v in found.items()}

        together = self.negated_phrase()
        for key, value in together.items():
            for found in (self.include, self.exclude):
                if found.get(key) == [value]:
                    del found[key]
        include: dict[str, Any] = {k: v[0] if len(v) == 1 else v for k, v in ordered(self.include).items()}
        return Filters(**include, exclude=ordered(self.exclude), together=together)

    def negated_phrase(self) -> dict[str, Value]:
        """A free negation over two mentions side by side ("not ICLR 2026 posters", "不属于 ICLR 2026 海报的论文")
        negates the phrase, not its first word: NOT (venue AND presentation). A prefix binds its word only
        ("non-oral ICLR papers": ICLR papers that are not orals)."""
        for _, end, key, value, cue in self.spans:
            if cue != "free":
                continue
            for start2, _, key2, value2, cue2 in self.spans:
                # the second side by side, not negated or negated only by the circumfix's end ("除了 A B 以外")
                if cue2 in ("-", "after") and key2 != key and start2 >= end and not self.question[end:start2].strip():
                    return {key: value, key2: value2}
        return {}


def _cued_later(text: str, end: int, names: NamePatterns) -> bool:
    """Whether the name ending at ``end`` is followed by a conjunction and another name that has the category
    word after it (so both are categories)."""
    joined = JOINER.match(text[end:])
    if not joined:
        return False
    at = end + joined.end()
    for pattern, _ in names:
        if (m := pattern.match(text, at)) is not None:
            return bool(CATEGORY_AFTER.match(text[m.end() :])) or _cued_later(text, m.end(), names)
    return False


def _year_ranges(reader: _Reader, years: Sequence[int]) -> None:
    """A range of years becomes the catalog's years in it ("2026 年以前" -> [2025] when the catalog has 2025-2027)."""
    for pattern, before in ((YEAR_BEFORE, True), (YEAR_AFTER, False)):
        for m in list(pattern.finditer(reader.rest)):
            groups = [g for g in m.groups() if g]
            bound, inclusive = int(groups[0]), len(groups) > 1 or "since" in m.group().lower()
            inside = [
                y for y in sorted(years) if y and (y < bound if before else y > bound) or (inclusive and y == bound)
            ]
            reader.take("year", list(inside), m.start(), m.end())


def plan_query(question: str, venues: list[str], tracks: list[str], years: Sequence[int] = ()) -> QueryPlan:
    """Recognise filters with polarity ("oral papers", "not posters", "ICLR 2025", "in the 医学影像 track",
    "without code", "非 oral", "没有代码"), whether the question wants a list, and its topic terms."""
    reader = _Reader(question)
    group_by, reader.rest = grouped_by(question, reader.rest)
    order, reader.rest = year_extreme(question, reader.rest)
    wants_all = bool(WANTS_ALL.search(question)) or bool(group_by or order)
    reader.names("venue", venue_names(tuple(venues)))
    reader.names("track", track_names(tuple(tracks)), cued=True)
    reader.take_all("presentation", ORAL, "Oral")
    reader.take_all("presentation", POSTER, "Poster")
    search_box = bool(ZH_SEARCH_BOX.search(question))
    if wants_all or search_box or ASKS_WHICH.search(question):  # "where is its code?" asks for a link: no filter
        reader.take_all("has_code", HAS_CODE, True)
    else:
        for m in list(HAS_CODE.finditer(reader.rest)):
            if CODE_NOUN_AFTER.match(reader.rest[m.end() :]):
                reader.take("has_code", [True], m.start(), m.end())
    for kind, pattern, only_negated in KIND_WORDS:
        reader.take_all("kind", pattern, kind, only_negated)
    if "venue" not in reader.include:  # a venue's year is part of its name
        _year_ranges(reader, years)
        for m in list(YEAR.finditer(reader.rest)):
            reader.take("year", [int(m.group(1))], m.start(), m.end())
    filters = reader.filters()
    wants_all = wants_all or (search_box and bool(filters.active()))  # "没有代码的 oral 论文"
    rest = META_WORDS.sub(" ", reader.rest) if filters.active() or wants_all else reader.rest
    excluded, rest = negated_topics(rest) if wants_all else ([], rest)
    topic = [t for t in tokenize(COUNTING.sub(" ", FILTER_WORDS.sub(" ", rest))) if not t.isdigit()]
    return QueryPlan(question, filters, wants_all, topic, group_by, excluded, order)
