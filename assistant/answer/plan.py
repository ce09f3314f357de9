"""Plan a question by type, so each type is composed properly (see ``extractive.py``):

- ``lookup``: one fact or description; the sentences holding the asked fact first;
- ``attribute``: one attribute of a paper named or referred to ("where is its code?", "which track is it in?"):
  that attribute only;
- ``compare``: two or more named papers, one part per paper on the asked aspect, then what differs;
- ``topic``: a topic list or summary ("which papers study federated learning", "summarize the papers on X"):
  candidates from the whole collection, each kept by its best sentence for the topic;
- ``aspect``: an aspect over a list ("what datasets did the EEG papers use?"): per record its sentence on it;
- ``superlative``: "which paper involved the most physicians?": computed from the cited numbers;
- ``list``: a metadata list ("list the oral papers", "how many papers have code?"): every matching record.

``aspect`` says what is asked for: code, number, dataset, method, result, affiliation, named things (which models),
the catalog fields (meta: venue, presentation, track, year) or nothing in particular.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from assistant.answer.analyse import ASKS_CODE, ASKS_NUMBER, Analysis
from assistant.answer.evidence import BY_SIZE
from assistant.retrieve.query import QueryPlan
from assistant.retrieve.text import tokenize

COMPARE = re.compile(
    r"\bcompare\b|\bcomparison\b|\bvs\.?\s|\bversus\b|\bdiffer(?:ence|s)?\b|比较|对比|区别|异同|不同", re.I
)
# "most", "least" and "fewest" rank records only after "the" ("involved the most physicians"); without it they
# quantify ("where is most medical knowledge processed?", "at least 3 datasets")
SUPERLATIVE = re.compile(
    r"(?:\bthe\s+(?:most|fewest|least)|\b(?:largest|biggest|highest|greatest|smallest|lowest))\s+"
    r"(?:(?:number|count|amount)\s+of\s+)?(?P<noun>(?!ones?\b)[a-z][a-z-]+)|"
    r"(?P<zh>最多|最大|最高|最少|最小|最低)",
    re.I,
)
SIZE = re.compile(r"\b(?:largest|biggest|smallest)\b|规模最[大小]|最大|最小", re.I)
DATA_NOUN = re.compile(
    r"\bdata\s?sets?\b|\bcorp(?:us|ora)\b|\bbenchmarks?\b|\bcohorts?\b|数据集|数据库|语料|基准", re.I
)
FEWEST = re.compile(r"\b(?:fewest|least|smallest|lowest)\b|最少|最小|最低", re.I)
# a paper's own name (MedVR, LiveClin, Doctor-R1, SE-Diff, GF-Screen), not a field's acronym (EEG, CT, LLM)
PAPER_NAME = re.compile(
    r"\b(?:[A-Z][a-z]+[A-Z][A-Za-z0-9]*|[A-Za-z]+-[A-Za-z]*\d[\w-]*|[A-Z][A-Za-z]*-[A-Z][A-Za-z]+|[A-Z]+\d[A-Za-z0-9]*)\b"
)
# one paper's catalog fields ("Which track is Doctor-R1 filed under?", "Is LiveClin an oral or a poster?",
# "它属于哪个方向?", "投在哪个 venue?", "MedVR 是 oral 还是 poster?"): answered from the record's header, not its
# abstract
ASKS_META = re.compile(
    r"\b(?:which|what)\s+(?:track|venue|conference|category|session)\b|\boral\s+or\s+(?:an?\s+)?poster\b|"
    r"\bposter\s+or\s+(?:an?\s+)?oral\b|(?:哪(?:个|一个)?|什么)\s*(?:方向|赛道|会议|类别|分类|track|venue|session|category)|"
    r"(?:oral|口头(?:报告)?)\s*还是\s*(?:poster|海报)|(?:poster|海报)\s*还是\s*(?:oral|口头(?:报告)?)",
    re.I,
)
# 系统综述/文献综述 name a kind of study (a systematic review), they ask for no summary
SUMMARY = re.compile(r"\bsummari[sz]e\b|\boverview\b|\bsurvey of\b|总结|概述|(?<!系统)(?<!文献)综述|概括", re.I)
METRIC = re.compile(r"\baccuracy\b|\bau(?:c|roc|prc)\b|\bdice\b|\bf1\b|准确率", re.I)  # a named result measure
ASPECT_WORDS: list[tuple[str, re.Pattern[str]]] = [
    ("code", ASKS_CODE),
    (
        "dataset",
        re.compile(r"\bdata\s?sets?\b|\bcorp(?:us|ora)\b|\bcohorts?\b|\b(?:what|which) data\b|数据集|数据|语料", re.I),
    ),
    ("method", re.compile(r"\bmethods?\b|\bapproach(?:es)?\b|\btechniques?\b|\barchitectures?\b|方法|技术|架构", re.I)),
    (
        "result",
        re.compile(
            METRIC.pattern + r"|\bmetrics?\b|指标|\bscore[sd]?\b|\bperformance\b|\bresults?\b|结果|性能|得分|多少分",
            re.I,
        ),
    ),
    # where the people or data come from ("来自哪些国家", "which countries")
    (
        "place",
        re.compile(
            r"\bcountr(?:y|ies)\b|\b(?:which|what)\s+regions?\b|\bnationalit\w*|国家|国籍|哪国|哪些地区|哪个地区", re.I
        ),
    ),
    (
        "affiliation",
        re.compile(r"\baffiliat\w*|\buniversit\w*|\binstitut\w*|\bauthors?\b|\bwho wrote\b|机构|单位|作者|大学"),
    ),
    ("number", ASKS_NUMBER),
]
# "what datasets did the EEG papers use", "EEG 论文分别用了哪些数据集": an aspect asked of a plural collection
OVER_LIST = re.compile(
    r"\b(?:papers|works|studies|records|ones)\b|\b(?:each|every)\s+(?:[\w/-]+\s+){0,3}?(?:paper|work|study|record)\b|"
    r"(?:这些|各|每篇|分别|各自|都)|(?:哪些|所有)[^?？]{0,8}(?:论文|工作|研究)",
    re.I,
)
ONE_RECORD = re.compile(r"^\s*(?:which|what)\s+(?:paper|study|work|article|record|one)\b", re.I)
EACH_ONE = re.compile(r"\beach\b|\brespectively\b|分别|各自", re.I)  # not "both" (two named papers), not 各 (各种)
EACH = re.compile(r"\beach\b|\bboth\b|\brespectively\b|分别|各自|各", re.I)
NAME_LIKE = re.compile(r"[A-Z][A-Za-z0-9]*[A-Z0-9-]|[A-Z][a-z]+-[A-Z]|\d|^[A-Z][a-z]+$|[\u3400-\u9fff]{4}")
# DM4CT, SE-Diff, MedThinkVQA, Disco, or a Chinese title fragment (垂直联邦学习的标签遗忘)
LISTED = re.compile(r"[(（]([^()（）]+[,，、][^()（）]+)[)）]")
COUNT = re.compile(r"\bhow many\s+(?:[\w-]+\s+){0,3}?(?:papers|records|works|studies|items)\b|多少篇|几篇", re.I)
COUNT_WORDS = frozenset({"many", "much", "number", "count"})
ZH_SUPERLATIVE_NOUN = re.compile(r"(?P<noun>[\u3400-\u9fff]{1,4}?)(?:数量|人数|数目)?(?:最多|最大|最高|最少|最小|最低)")
ZH_NOUNS = {"医生": "physician", "医师": "physician", "患者": "patient", "病人": "patient", "模型": "model"}
ZH_NOUNS |= {"问题": "question", "样本": "sample", "图像": "image", "病例": "case", "数据": "sample"}
ZH_NOUNS |= {"题目": "question", "任务": "task", "专家": "expert", "受试者": "subject", "参与者": "participant"}
ZH_NOUNS |= {
    "数据集": "dataset",
    "模态": "modality",
    "录音": "recording",
    "记录": "recording",
    "影像": "image",
    "切片": "slide",
    "专业人员": "professional",
}
# "A 和 B 哪个请的医生更多?", "哪篇的数据集规模更大?": a Chinese choice between named papers on a measure
ZH_COMPARATIVE = re.compile(r"哪(?:一)?[个篇项](?P<what>[^,，。;；?？]{0,12}?)(?:更|较)(?P<dir>[多少大小])")
NAME_SPLIT = re.compile(
    r"\s*(?:,|，|、|\b(?:differs?|compares?)(?:\s+(?:from|to|with))?\b|\band\b|\bwith\b|\bvs\.?|\bversus\b|\bto\b|和|与|及|跟)\s*",
    re.I,
)
COMPARE_LEAD = re.compile(
    r"^\s*(?:please\s+)?(?:compare|contrast|what(?:'s| is| are) the differences? between|how (?:does|do)\b|"
    r"比较(?:一下)?|对比(?:一下)?)\s*",
    re.I,
)
# "Which is larger, A or B?", "Which involved more clinicians, A or B?": a choice between named papers on a measure
COMPARATIVE = re.compile(
    r"\b(?P<size>larger|bigger|smaller)\b|\b(?P<more>more|fewer|less)\s+(?!than\b)(?P<noun>[a-z][a-z-]+)", re.I
)
ALTERNATIVES = re.compile(r"(?P<a>[^,;:?]+?)\s+or\s+(?P<b>[^,;:?]+)")
ASKING = re.compile(r"^\s*(?:which|what|who|was|were|is|are|does|do|did|has|have)\b(?:\s+(?:one|is|was|has))?\s*", re.I)
# two names joined mid-question, when the question does not open with them
NAME_PAIR = re.compile(
    r"(?<![\w-])(?P<a>[A-Z][\w-]+)\s*(?:,|\band\b|\bvs\.?|\bversus\b|和|与)\s*"
    r"(?P<b>[A-Z][\w-]+)(?![\w-])(?!\s+(?:papers?|works?|stud(?:y|ies)|records?|ones?)\b)"
)  # not a topic pair ("the EEG and ECG papers")
ASPECT_TAIL = re.compile(
    r"\s*(?:[:：?？]|\bin (?:terms of|what)\b|\bon\b|\bwhat\b|\bhow\b|\bboth\b|\beach\b|\brespectively\b|"
    r"的区别|的异同|有何|有什么|在|分别|各自|这两)",
    re.I,
)


@dataclass
class QuestionPlan:
    type: str  # lookup | attribute | compare | topic | aspect | superlative | list
    aspect: str = ""  # code | number | dataset | method | result | affiliation | ""
    names: list[str] = field(default_factory=list)  # the papers a compare question names, as written
    measure: str = ""  # what a superlative compares ("physician")
    measure_zh: str = ""  # ... as a Chinese question words it (医生), for the Chinese answer
    subject: str = ""  # aspect: the words that say which papers ("EEG" in "what data did the EEG papers use?")
    fewest: bool = False
    kind: str = ""  # the kind of detail a lookup asks for (``kinds.py``: hyperparameter, license, date ...)
    group: str = ""  # list / topic: the catalog field the answer counts records per ("how many papers per track?")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


FOCUS = re.compile(
    r"\b(?:which|what)\s+(?:specific\s+|particular\s+|other\s+)?(?P<noun>[\w-]+)|(?:哪些|哪个|哪一个|什么)(?P<zh>[\w]{1,4})",
    re.I,
)
PAPER_NOUN = re.compile(
    r"papers?|works?|studies|study|records?|ones?|items?|posters?|orals?|spotlights?|benchmarks?|论文|工作|研究", re.I
)


def focus_noun(question: str) -> str:
    """The noun a which/what question asks for: "on which dataset ..." -> dataset, "在哪个数据集上" -> 数据集上."""
    focus = FOCUS.search(question)
    return (focus.group("noun") or focus.group("zh") or "") if focus else ""


def asked_aspect(question: str) -> str:
    """What the question asks for. The noun after "which"/"what" decides first ("which LLMs do the papers that use
    interpretability techniques examine?" asks for named models, not a method); plural things that are no known
    aspect are ``named``: the sentences that name them (gemma-2, Llama3.3-70B)."""
    noun = focus_noun(question)
    for name, pattern in ASPECT_WORDS:
        if noun and pattern.fullmatch(noun):
            return name
    if re.fullmatch(r"[A-Za-z][\w-]*[a-z]s|[A-Z]{2,}s", noun) and not PAPER_NOUN.fullmatch(noun):
        return "named"
    for name, pattern in ASPECT_WORDS:
        if pattern.search(question):
            return name
    return ""


def compared_names(question: str) -> list[str]:
    """The papers a compare question names: "Compare CounselBench and MedAraBench: what ..." -> both names."""
    head = COMPARE_LEAD.sub("", question, count=1)
    if inner := LISTED.search(head):  # "两篇论文(A、B)分别...": the names are the parenthesised list
        head = inner.group(1)
    elif tail := ASPECT_TAIL.search(head):
        head = head[: tail.start()]
    parts = [p.strip(" .?？。\"'“”") for p in NAME_SPLIT.split(head)]
    names = [p for p in parts if p and tokenize(p) and not COMPARE.fullmatch(p)]
    pair = NAME_PAIR.search(question)  # "What data do BrainGFM and Spike-DB each use?": the names, not "What data do"
    if pair and (len(names) < 2 or (len(names) == 2 and names[0].endswith(pair["a"]) and names[1] == pair["b"])):
        return [pair["a"], pair["b"]]
    return names


def alternative_names(question: str) -> list[str]:
    """The papers a comparative choice names: "Which is larger, MedThinkVQA or MedSynVQA?" -> both; "Was sleep2vec or
    the SWEC iEEG dataset built from more recordings?" -> sleep2vec, "the SWEC iEEG dataset built from"."""
    m = ALTERNATIVES.search(question)
    if not m:
        return []
    b = m.group("b")
    if more := COMPARATIVE.search(b):
        b = b[: more.start()]
    names = [ASKING.sub("", m.group("a"), count=1), b]
    return [n.strip(" .?\"'“”") for n in names if tokenize(n)]


def comparative_measure(question: str) -> tuple[str, bool]:
    """What a comparative choice compares, and whether the fewer wins: larger/bigger -> the data's size, "more
    clinicians" -> clinician; nothing countable for an adjective ("more robust", "less accurate")."""
    m = COMPARATIVE.search(question)
    if not m:
        return "", False
    noun = (m.group("noun") or "").lower()
    if m.group("size") or DATA_NOUN.fullmatch(noun) or noun == "data":
        return BY_SIZE, (m.group("size") or "").lower() == "smaller"
    if not re.fullmatch(r"[a-z-]{3,}[^su]s", noun):  # a plural noun counts, an adjective does not
        return "", False
    return noun[:-1], m.group("more").lower() != "more"


def comparative_measure_zh(question: str) -> tuple[str, str, bool] | None:
    """A Chinese comparative's measure, as the English noun and the question's word, and whether the fewer wins:
    "哪个请的医生更多" -> physician, 医生; "哪个更大" or "哪个数据集规模更大" -> the data's size; None without one."""
    m = ZH_COMPARATIVE.search(question)
    if not m:
        return None
    what, fewer = m.group("what"), m.group("dir") in "少小"
    if m.group("dir") in "大小" and (not what.strip() or "规模" in what or DATA_NOUN.search(what)):
        return BY_SIZE, "", fewer
    word = next((w for w in sorted(ZH_NOUNS, key=len, reverse=True) if w in what), "")
    return ZH_NOUNS.get(word, ""), word, fewer


def compare_plan(question: str, aspect: str, names: list[str]) -> QuestionPlan:
    """A compare of the named papers, on the measure of a Chinese comparative when the question has one."""
    if zh := comparative_measure_zh(question):
        measure, word, fewest = zh
        return QuestionPlan("compare", "number", names, measure=measure, measure_zh=word, fewest=fewest)
    return QuestionPlan("compare", aspect, names)


PAPERS = r"(?:papers|works|studies|records|ones)\b"
SUBJECT_EN = re.compile(
    r"\b(?:the|these|those|all)\s+(?P<mod>(?:[\w-]+\s+){1,4}?)" + PAPERS + "|"
    r"\b" + PAPERS + r"\s+(?:that|which|on|about)\s+(?P<rel>[^?]+)",
    re.I,
)
SUBJECT_ZH = re.compile(
    r"(?P<mod>[^,，。?？:：]{1,24}?)(?:相关|有关)?的?(?:几项|几篇|这些|各篇|每篇)?(?:论文|工作|研究)"
)

QUANTIFIER = re.compile(
    r"\b(?:all|every|each|which|what|the|these|those)\b|所有|全部|哪些|这些|那些|每篇|各篇|关于|有关|对于|做|是", re.I
)


def list_subject(question: str) -> str:
    """Which papers an aspect question is about: "the EEG papers" -> "EEG", "papers that probe LLMs" -> "probe
    LLMs", "心电相关的论文" -> "心电"; empty when the question does not say it that way."""
    m = SUBJECT_EN.search(question) or SUBJECT_ZH.search(question)
    if not m:
        return ""
    text = (m.groupdict().get("rel") or m.group("mod") or "").strip()
    text = QUANTIFIER.split(text)[-1]  # "请总结收录中所有做医学图像分割" -> "医学图像分割"
    return re.sub(r"^(?:each of|[^\w\s])+|(?:相关|有关)的?$", "", text.strip(), flags=re.I).strip()


# what a Chinese count asks for: "多少名医生" -> physician, "多少年(从业经验)" -> year, "几个数据集" -> dataset
ZH_COUNTED = re.compile(r"(?:多少|几)\s*(?:[个位名篇项种道条张次例]\s*)?(?P<rest>[\u3400-\u9fff]{1,4})")
ZH_UNITS = {"年": "year", "小时": "hour", "天": "day", "个月": "month", "月": "month"}


def counted_nouns_zh(question: str) -> list[str]:
    """The English noun of each thing a Chinese question counts ("几个模型、多少个临床任务" -> model, task); "" for
    one the tables do not know."""
    nouns = []
    for m in ZH_COUNTED.finditer(question):
        rest = m.group("rest")
        unit = next((ZH_UNITS[u] for u in sorted(ZH_UNITS, key=len, reverse=True) if rest.startswith(u)), "")
        noun = next((ZH_NOUNS[n] for n in sorted(ZH_NOUNS, key=len, reverse=True) if n in rest), "")
        nouns.append(unit or noun)
    return nouns


def superlative_measure(question: str) -> str:
    m = SUPERLATIVE.search(question)
    if m and m.group("noun"):
        noun = m.group("noun").lower()
        return noun[:-1] if noun.endswith("s") and not noun.endswith("ss") and len(noun) > 3 else noun
    z = ZH_SUPERLATIVE_NOUN.search(question)
    if z and not DATA_NOUN.search(z.group("noun")):  # "哪个数据集最小": a data set's size (BY_SIZE), not a count
        for zh in sorted(ZH_NOUNS, key=len, reverse=True):  # 数据集 before 数据
            if zh in z.group("noun"):
                return ZH_NOUNS[zh]
    return ""


def plan_question(question: str, query: QueryPlan, analysis: Analysis, refers_back: bool = False) -> QuestionPlan:
    """The type of ``question`` (the standalone one), from its wording and the retrieval plan."""
    aspect = asked_aspect(question)
    topic = [t for t in query.topic_terms if not ASKS_CODE.fullmatch(t) and t not in COUNT_WORDS]
    if aspect == "number" and query.wants_all and COUNT.search(question):
        aspect = ""  # "how many oral papers are there?" counts records: a list, whose answer says how many
    if query.group_by or query.year_extreme:  # "which track has the most EEG papers?" counts records per track,
        return QuestionPlan("topic" if topic else "list", group=query.group_by)  # "the newest paper" ranks by year
    if COMPARE.search(question) or EACH.search(question):
        names = compared_names(question)
        if len(names) >= 2 and (COMPARE.search(question) or all(NAME_LIKE.search(n) for n in names)):
            return compare_plan(question, aspect, names)
    if (
        COMPARATIVE.search(question)
        and len(names := alternative_names(question)) == 2
        and all(map(NAME_LIKE.search, names))
    ):
        measure, fewest = comparative_measure(question)  # "Which is bigger, A or B?" is a compare on their sizes
        return QuestionPlan("compare", "number", names, measure=measure, fewest=fewest)
    if (
        SUPERLATIVE.search(question)
        and (m := superlative_measure(question))
        and not (SIZE.search(question) and DATA_NOUN.fullmatch(m + "s"))
    ):  # "the largest dataset" is the one with the most data (below), not the one naming the most datasets
        zh = next((w for w in sorted(ZH_NOUNS, key=len, reverse=True) if ZH_NOUNS[w] == m and w in question), "")
        return QuestionPlan("superlative", "number", measure=m, measure_zh=zh, fewest=bool(FEWEST.search(question)))
    if SIZE.search(question) and DATA_NOUN.search(question):  # "which EEG dataset is the largest?": by its size
        return QuestionPlan("superlative", "number", measure=BY_SIZE, fewest=bool(FEWEST.search(question)))
    # an aspect of no known kind asked of each paper ("各自是怎么训练的?", "what does each of them study?")
    unknown = not aspect and EACH_ONE.search(question) and not SUMMARY.search(question)  # a summary is a topic list
    known = aspect in ("dataset", "method", "result", "number", "named") or unknown
    over_list = bool(known) and bool(OVER_LIST.search(question))
    if ONE_RECORD.search(question) and not EACH.search(question):
        over_list = False  # "Which study asks ..., and how many reviews does it pair with their studies?": one record
    if topic and over_list:  # "what data did each of the EEG papers use?" asks it of every paper on the topic
        return QuestionPlan("aspect", aspect, subject=list_subject(question))
    if ASKS_META.search(question) and not query.wants_all and not SUPERLATIVE.search(question):
        return QuestionPlan("attribute", "meta")  # not "which track has the most papers?"
    if query.wants_all or (SUMMARY.search(question) and len(PAPER_NAME.findall(question)) != 1):
        return QuestionPlan("topic" if topic else "list", aspect)  # "总结一下 MedVR 的贡献" is about one paper
    if aspect == "code" and (refers_back or len(topic) <= 2):
        return QuestionPlan("attribute", "code")
    return QuestionPlan("lookup", aspect)
