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
from assistant.answer.counting import (
    COMPARATIVE,
    DATA_NOUN,
    FEWEST,
    SIZE,
    SIZE_ASKED,
    SUPERLATIVE,
    ZH_COMPARATIVE,
    ZH_NOUNS,
    comparative_measure,
    comparative_measure_zh,
    counted_noun,
    superlative_measure,
)
from assistant.answer.evidence import BY_SIZE, key_terms
from assistant.retrieve.query import QueryPlan
from assistant.retrieve.text import tokenize

COMPARE = re.compile(
    r"\bcompare\b|\bcomparison\b|\bvs\.?\s|\bversus\b|\bdiffer(?:ence|s)?\b|比较|对比|区别|异同|不同", re.I
)
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
METRIC = re.compile(  # a named result measure
    r"\baccuracy\b|\bau(?:c|roc|prc)\b|\bdice\b|\bf1\b|\bsensitivity\b|\bspecificity\b|\bpsnr\b|\bssim\b|\bbleu\b|"
    r"\brouge(?:-l)?\b|\bc-index\b|\biou\b|准确率|灵敏度|敏感度|特异度",
    re.I,
)
MEASURES = METRIC.pattern.replace(r"\b", "")  # the same names inside Chinese text ("上的Dice是多少")
BEST_METRIC = re.compile(  # a metric's best value asked across papers
    rf"\b(?:best|top|highest|lowest|worst)\s+(?:[\w-]+\s+)?(?P<metric>{METRIC.pattern})|"
    rf"(?P<zh>{MEASURES})\s*(?:最高|最好|最低|最优|最差)|(?:最高|最好|最低|最优)的?\s*(?:{MEASURES})",
    re.I,
)
ASPECT_WORDS: list[tuple[str, re.Pattern[str]]] = [
    ("code", ASKS_CODE),
    (
        "dataset",
        re.compile(
            r"\bdata\s?sets?\b|\bcorp(?:us|ora)\b|\bcohorts?\b|\b(?:what|which)\s+(?:(?:kinds?|types?|sorts?)\s+of\s+)?data\b|"
            r"\b(?:on|in|by|about)\s+(?:the|their|its)\s+(?:\w+\s+)?data\b(?!\s?(?:sets?|bases?)\b)|"
            r"数据集|数据|语料",
            re.I,
        ),
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
    r"(?:这些|各|每篇|分别|各自|都)|(?:哪些|所有)[^?？]{0,8}(?:论文|工作|研究)|"
    r"\b(?:the|these|those|all|each of the)\s+(?:[\w-]+\s+){0,3}?(?:benchmarks|data\s?sets)\b(?!\s+(?-i:[A-Z]))",
    re.I,
)  # "the VQA datasets in the collection"; not "the test datasets Screener was evaluated on" (one paper's data)
ONE_RECORD = re.compile(r"^\s*(?:which|what)\s+(?:paper|study|work|article|record|one)\b", re.I)
EACH_ONE = re.compile(r"\beach\b|\brespectively\b|分别|各自", re.I)  # not "both" (two named papers), not 各 (各种)
EACH = re.compile(r"\beach\b|\bboth\b|\brespectively\b|分别|各自|各", re.I)
NAME_LIKE = re.compile(r"[A-Z][A-Za-z0-9]*[A-Z0-9-]|[A-Z][a-z]+-[A-Z]|\d|^[A-Z][a-z]+$|[\u3400-\u9fff]{4}")
# DM4CT, SE-Diff, MedThinkVQA, Disco, or a Chinese title fragment (垂直联邦学习的标签遗忘)
LISTED = re.compile(r"[(（]([^()（）]+[,，、][^()（）]+)[)）]")
COUNT = re.compile(r"\bhow many\s+(?:[\w-]+\s+){0,3}?(?:papers|records|works|studies|items)\b|多少篇|几篇", re.I)
COUNT_WORDS = frozenset({"many", "much", "number", "count"})
NAME_SPLIT = re.compile(
    r"\s*(?:,|，|、|\b(?:differs?|compares?)(?:\s+(?:from|to|with))?\b|\band\b|\bwith\b|\bvs\.?|\bversus\b|\bto\b|和|与|及|跟)\s*",
    re.I,
)
COMPARE_LEAD = re.compile(
    r"^\s*(?:please\s+)?(?:compare|contrast|what(?:'s| is| are) the differences? between|how (?:does|do)\b|"
    r"比较(?:一下)?|对比(?:一下)?)\s*",
    re.I,
)
ALTERNATIVES = re.compile(r"(?P<a>[^,;:?]+?)\s+or\s+(?P<b>[^,;:?]+)")
ASKING = re.compile(r"^\s*(?:which|what|who|was|were|is|are|does|do|did|has|have)\b(?:\s+(?:one|is|was|has))?\s*", re.I)
# two names joined mid-question, when the question does not open with them
NAME_PAIR = re.compile(
    r"(?<![\w-])(?P<a>[A-Z][\w-]+)\s*(?:,|\band\b|\bvs\.?|\bversus\b|和|与)\s*"
    r"(?P<b>[A-Z][\w-]+)(?![\w-])(?!\s+(?:papers?|works?|stud(?:y|ies)|records?|ones?)\b)"
)  # not a topic pair ("the EEG and ECG papers")
ASPECT_TAIL = re.compile(
    r"\s*(?:[:：?？]|\bin (?:terms of|what)\b|\bon\b|\bby\b|\bwhat\b|\bhow\b|\bboth\b|\beach\b|\brespectively\b|"
    r"的区别|的异同|有何|有什么|在|分别|各自|这两|都|[,，;；]\s*(?:它们|他们|二者|两者|\bthey\b|\btheir\b))",
    re.I,
)  # "A 和 B 都是自监督的,它们的做法有什么不同?": the names end before 都 and before the clause on "them"


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
    order: str = ""  # list / topic: newest | oldest, the records of the extreme year only

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# the noun asked for: "what kind of data" asks for data; "what does each paper study" asks for no noun
FOCUS = re.compile(
    r"\b(?:which|what)\s+(?:specific\s+|particular\s+|other\s+)?(?:(?:kinds?|types?|sorts?)\s+of\s+)?"
    r"(?!(?:does|do|did|is|are|was|were|has|have|had|can|could|would|should)\b)(?P<noun>[\w-]+)|"
    r"(?:哪些|哪个|哪一个|什么)(?P<zh>[\w]{1,4})",
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


def compare_plan(question: str, aspect: str, names: list[str]) -> QuestionPlan:
    """A compare of the named papers, on the measure of a Chinese comparative when the question has one."""
    if zh := comparative_measure_zh(question):
        measure, word, fewest = zh
        return QuestionPlan("compare", "number", names, measure=measure, measure_zh=word, fewest=fewest)
    if SIZE_ASKED.search(question):  # "compare A and B by the size of their data": which is larger
        return QuestionPlan("compare", "number", names, measure=BY_SIZE)
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
    r"\b(?:all|every|each|which|what|the|these|those)\b|所有|全部|哪些|哪一?[篇个项]|这些|那些|每篇|各篇|关于|有关|对于|做|是",
    re.I,
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


def field_words(question: str, measure: str) -> str:
    """The field a superlative ranks within, when the question names it by an acronym ("which VQA dataset ...",
    "the sleep and EEG datasets", "which fMRI study") or a Chinese domain term's acronym (脑电 -> eeg); not by its
    other words ("built", "参与"), which a record need not hold."""
    caps = re.findall(r"(?<![\w-])[a-z]?[A-Z][A-Z0-9]{1,5}(?=s?(?![\w-]))", question)  # VQA, ECG, fMRI, iEEG
    english = [t for t in key_terms(question) if t.isascii() and len(t) <= 4 and t not in question.lower()]
    counted = set(measure.split())  # "the most AI models", "the most LLMs": the counted thing, not its field
    return " ".join(dict.fromkeys(w for w in [*caps, *english] if w.lower() not in counted))


def plan_question(question: str, query: QueryPlan, analysis: Analysis, refers_back: bool = False) -> QuestionPlan:
    """The type of ``question`` (the standalone one), from its wording and the retrieval plan."""
    aspect = asked_aspect(question)
    topic = [t for t in query.topic_terms if not ASKS_CODE.fullmatch(t) and t not in COUNT_WORDS]
    if aspect == "number" and query.wants_all and COUNT.search(question):
        aspect = ""  # "how many oral papers are there?" counts records: a list, whose answer says how many
    if query.group_by:  # "which track has the most EEG papers?" counts the records per track, it ranks no paper
        return QuestionPlan("topic" if topic else "list", group=query.group_by)
    if query.order:  # "the newest EEG paper": the EEG papers of the latest year
        return QuestionPlan("topic" if topic else "list", order=query.order)
    if COMPARE.search(question) or EACH.search(question):
        names = compared_names(question)
        if len(names) >= 2 and (COMPARE.search(question) or all(NAME_LIKE.search(n) for n in names)):
            return compare_plan(question, aspect, names)
    choice = ZH_COMPARATIVE.search(question)  # "A 和 B 哪个规模更大?": the names before the choice, with no 比较
    if choice and len(names := compared_names(question[: choice.start()])) >= 2 and all(map(NAME_LIKE.search, names)):
        return compare_plan(question, aspect, names)
    if (
        COMPARATIVE.search(question)
        and len(names := alternative_names(question)) == 2
        and all(map(NAME_LIKE.search, names))
    ):
        measure, fewest = comparative_measure(question)  # "Which is bigger, A or B?" is a compare on their sizes
        return QuestionPlan("compare", "number", names, measure=measure, fewest=fewest)
    if SUPERLATIVE.search(question) and SIZE_ASKED.search(question) and not COUNT.search(question):
        return QuestionPlan("superlative", "number", measure=BY_SIZE, fewest=bool(FEWEST.search(question)))
    metric = superlative_measure(question) if SUPERLATIVE.search(question) else ""
    best = BEST_METRIC.search(question)
    if (METRIC.fullmatch(metric) or best) and not PAPER_NAME.search(question):
        # "the highest AUROC", "the best accuracy", "准确率最高": each paper's result (not counts; results on different
        # data are not ranked), among the papers the question names, else those that report the metric
        named = metric if METRIC.fullmatch(metric) else re.search(MEASURES, best.group() if best else "", re.I)
        word = named if isinstance(named, str) else named.group() if named else ""
        return QuestionPlan("aspect", "result", subject=list_subject(question) or word)
    if (
        SUPERLATIVE.search(question)
        and (m := superlative_measure(question))
        and not (SIZE.search(question) and DATA_NOUN.fullmatch(m + "s"))
    ):  # "the largest dataset" is the one with the most data (below), not the one naming the most datasets
        zh = next((w for w in sorted(ZH_NOUNS, key=len, reverse=True) if ZH_NOUNS[w] == m and w in question), "")
        fewest, subject = bool(FEWEST.search(question)), list_subject(question) or field_words(question, m)
        return QuestionPlan("superlative", "number", measure=m, measure_zh=zh, fewest=fewest, subject=subject)
    if SIZE.search(question) and DATA_NOUN.search(question):  # "which EEG dataset is the largest?": by its size
        return QuestionPlan("superlative", "number", measure=BY_SIZE, fewest=bool(FEWEST.search(question)))
    # an aspect of no known kind asked of each paper ("各自是怎么训练的?", "what does each of them study?")
    unknown = not aspect and EACH_ONE.search(question) and not SUMMARY.search(question)  # a summary is a topic list
    known = aspect in ("dataset", "method", "result", "number", "named") or unknown
    over_list = bool(known) and bool(OVER_LIST.search(question))
    if ONE_RECORD.search(question) and not EACH.search(question):
        over_list = False  # "Which study asks ..., and how many reviews does it pair with their studies?": one record
    if topic and over_list:  # "what data did each of the EEG papers use?" asks it of every paper on the topic
        # "how many clinicians took part in each", "各个数据集分别有多少道题": a count of the asked units
        measure = counted_noun(question) if aspect in ("number", "dataset") else ""
        return QuestionPlan("aspect", "number" if measure else aspect, subject=list_subject(question), measure=measure)
    coded = any(key == "has_code" for key, _, _ in query.filters.clauses())  # "the EEG papers with code": a filter
    if aspect == "code" and topic and OVER_LIST.search(question) and not ONE_RECORD.search(question) and not coded:
        return QuestionPlan("aspect", aspect, subject=list_subject(question))  # "what code do the EEG papers share?"
    if ASKS_META.search(question) and not query.wants_all and not SUPERLATIVE.search(question):
        return QuestionPlan("attribute", "meta")  # not "which track has the most papers?"
    if query.wants_all or (SUMMARY.search(question) and len(PAPER_NAME.findall(question)) != 1):
        return QuestionPlan("topic" if topic else "list", aspect)  # "总结一下 MedVR 的贡献" is about one paper
    if aspect == "code" and (refers_back or len(topic) <= 2):
        return QuestionPlan("attribute", "code")
    return QuestionPlan("lookup", aspect)
