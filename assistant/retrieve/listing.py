"""What a list question asks beyond its filters and topic (``query.plan_query`` reads both): a count per value of a
catalog field ("how many papers per track?"), the newest or oldest records ("the latest item") and topics it
negates ("papers that do not use EEG"). The collection nouns a list question names live here too, since both
readings look for them."""

from __future__ import annotations

import re

from assistant.retrieve.text import tokenize

EN_PLURAL = (
    r"(?:papers|works|records|ones|studies|articles|resources|calls|items|entries|benchmarks|datasets|posters|orals|"
    r"presentations|submissions)"
)
ZH_NOUN = r"(?:论文|文章|工作|研究|基准|数据集|记录|征稿|合作|条目|资源|专刊|内容)"
# A count per value of a catalog field ("how many papers per track?", "which venue has the most papers?", "各个方向
# 分别有多少篇?", "每一年各几篇?", "哪一年的论文最多?"): the field's nouns in both languages
GROUP_FIELDS = {
    "track": (r"tracks?|categor(?:y|ies)", r"方向|赛道|类别|分类"),
    "venue": (r"venues?|conferences?|journals?", r"会议|期刊|来源"),
    "year": (r"years?", r"年份|年"),
    "presentation": (r"presentation\s+(?:types?|formats?)|formats?", r"展示形式|报告形式"),
    "kind": (r"kinds?\s+of\s+(?:records?|items?)|record\s+(?:kinds?|types?)", r"类型|记录类型"),
}
GROUP_BY = {  # only the words that ask for the grouping, so the rest still reads as filters and topic
    key: re.compile(
        rf"\b(?:each|every|per|by|across)\s+(?:{en})\b|\b(?:which|what)\s+(?:{en})\s+(?:has|have|had|holds?|"
        rf"contains?)\s+(?:the\s+)?(?:most|fewest|least|more|fewer)\b|\bbreak\s*down\b(?=[^?]*\b(?:{en})\b)|"
        rf"(?:各|每|按照?)(?:一个|一|个)?(?:{zh})|哪(?:个|一个|一)?(?:{zh})(?=[^,，。?？]{{0,8}}最(?:多|少))",
        re.I,
    )
    for key, (en, zh) in GROUP_FIELDS.items()
}
# The newest or oldest records by the catalog's year ("Which item has the latest date?", "the most recent papers",
# "哪篇论文发表得最早?", "最新的论文"): a superlative of the record itself, not of a thing it names ("the latest LLMs")
_RECORD = (
    r"(?:papers?|items?|records?|entr(?:y|ies)|works?|stud(?:y|ies)|publications?|submissions?|ones?|articles?|"
    r"collection|date|year)"
)
_ZH_RECORD = rf"(?:的\s*)?(?:{ZH_NOUN}|一篇|一项|日期|年份)"


def _extreme(en: str, zh: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The wording that asks for the extreme, and the words of it that are no topic (the words between, "EEG" of
    "the newest EEG papers", stay)."""
    asks = re.compile(
        rf"\b(?:{en})\s+(?:[\w-]+\s+){{0,2}}?{_RECORD}\b|\b{_RECORD}\s+(?:is|are|was|were)\s+(?:the\s+)?(?:{en})\b|"
        rf"\b(?:published|dated|appeared)\s+(?:the\s+)?(?:{en})\b|(?:{zh})(?:发表|出版)?{_ZH_RECORD}|"
        rf"(?:{zh})(?=[^,，。?？]{{0,8}}?{_ZH_RECORD})|{ZH_NOUN}\s*(?:是|为)?\s*(?:{zh})|"
        rf"(?:发表|出版|日期|年份)(?:得|的)?(?:时间)?(?:是)?(?:{zh})",
        re.I,
    )
    words = rf"\b(?:{en}|published|dated|appeared|date|year)\b|{zh}|发表|出版|日期|年份|一篇|一项"
    return asks, re.compile(words, re.I)


YEAR_EXTREME = {  # newest | oldest, as QueryPlan.order says it
    "newest": _extreme(r"latest|newest|most\s+recent(?:ly)?", r"最新|最晚|最近"),
    "oldest": _extreme(r"earliest|oldest", r"最早|最老"),
}
# A list's topic negated ("papers that do not use EEG", "papers not about segmentation", "医学影像方向中不是做分割的
# 论文", "不涉及大语言模型的论文"): its words leave the topic and name the records the list excludes. Filters were read
# (and blanked) first, so "without code" is no topic; "有没有" and "是不是" ask, they do not negate.
_NEG_VERB_EN = (
    r"(?:use|uses|using|study|studies|studying|involve|involves|involving|address|addresses|addressing|about|on|"
    r"cover|covers|covering|focus(?:es|ing)?\s+on|deal(?:s|ing)?\s+with|work(?:s|ing)?\s+on|rel(?:y|ies|ying)\s+on)"
)
NEG_TOPIC = re.compile(
    # a verb of the topic after the negation ("do not use", "not about"); a copula or "without" takes a noun
    rf"(?:\b(?:(?:do|does|did)\s+not|don't|doesn't|didn't|not|never)\s+{_NEG_VERB_EN}\s+|"
    rf"\b{EN_PLURAL}\s+(?:that\s+|which\s+)?(?:are\s+not|aren't)\s+(?:{_NEG_VERB_EN}\s+)?|"
    r"\b(?:without|(?:but|and)\s+not)\s+)"
    r"(?:(?:a|an|the|any)\s+)?(?P<en>[\w/+-][^?.!,;]*?)(?=\s*(?:[?.!,;]|$|\b(?:and|but|in|from|at|with)\b))|"
    # 不是/并非 as a copula ("不是分割论文"), 不/没有/没/未 with a verb ("不涉及", "没有用到", "不是做")
    r"(?<![有是])(?:(?:不是|并非)(?:在|做|研究|关于|涉及|使用|用到|用|采用|针对|基于|围绕|聚焦)?|"
    r"(?:没有|不|没|未)(?:做|研究|涉及|使用|用到|用|采用|针对|基于|围绕|聚焦|包含|包括|含|关注))"
    r"(?P<zh>[^,，。?？!！、的\s][^,，。?？!！、的]{0,11}?)(?=的|之外|以外|[,，。?？!！]|$)",
    re.I,
)
# "not segmentation papers": segmentation; "without fine-tuning them": fine-tuning
LIST_NOUN_END = re.compile(rf"\s*(?:\b{EN_PLURAL}|\b(?:them|it|these|those)|{ZH_NOUN})$", re.I)
ALTERNATIVE = re.compile(r"\s*(?:\b(?:or|nor)\b|或者|或|、|/)\s*", re.I)


def _blank(text: str, start: int, end: int) -> str:
    return text[:start] + " " * (end - start) + text[end:]


def grouped_by(question: str, rest: str) -> tuple[str, str]:
    """The catalog field ``question`` counts records per ("" when none), and ``rest`` with the words asking for
    it blanked (same length), so they are no topic."""
    for key, pattern in GROUP_BY.items():
        if pattern.search(question):
            return key, pattern.sub(lambda m: " " * len(m.group()), rest)
    return "", rest


def year_extreme(question: str, rest: str) -> tuple[str, str]:
    """ "newest" or "oldest" when ``question`` asks for the newest or oldest records ("" when neither), and ``rest``
    with the words asking it blanked (same length)."""
    for extreme, (asks, words) in YEAR_EXTREME.items():
        found = list(asks.finditer(question))
        for m in found:
            for w in words.finditer(question, m.start(), m.end()):
                rest = _blank(rest, w.start(), w.end())
        if found:
            return extreme, rest
    return "", rest


def negated_topics(rest: str) -> tuple[list[str], str]:
    """The topics a list question negates, as written ("not about EEG or ECG": EEG, ECG), and ``rest`` with the
    negations blanked."""
    excluded: list[str] = []
    for m in list(NEG_TOPIC.finditer(rest)):
        for part in ALTERNATIVE.split(m.group("en") or m.group("zh") or ""):
            phrase = LIST_NOUN_END.sub("", part.strip())
            if tokenize(phrase) and phrase not in excluded:
                excluded.append(phrase)
        rest = _blank(rest, m.start(), m.end())
    return excluded, rest
