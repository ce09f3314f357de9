"""What a question counts or ranks by: the noun of a superlative ("the most physicians" -> physician, "医生最多"),
of a count ("how many board-certified physicians", "多少名医生"), of a comparative choice between named papers
("which involved more clinicians, A or B?", "哪个请的医生更多"), or the size of the data (``BY_SIZE``). The
planner (``plan.py``) reads these to choose a question's type; ``measures.py`` ranks the numbers found."""

from __future__ import annotations

import re

from assistant.answer.evidence import BY_SIZE

# "most", "least" and "fewest" rank records only after "the" ("involved the most physicians"); without it they
# quantify ("where is most medical knowledge processed?", "at least 3 datasets")
SUPERLATIVE = re.compile(
    r"(?:\bthe\s+(?:most|fewest|least)|\b(?:largest|biggest|highest|greatest|smallest|lowest))\s+"
    r"(?:(?:number|count|amount)\s+of\s+)?(?P<noun>(?!ones?\b)[a-z][a-z-]+)(?:\s+(?P<head>[a-z][a-z-]+s)\b)?|"
    r"(?P<zh>最多|最大|最高|最少|最小|最低)",
    re.I,
)
SIZE = re.compile(r"\b(?:largest|biggest|smallest)\b|规模最[大小]|最大|最小", re.I)
DATA_NOUN = re.compile(
    r"\bdata\s?sets?\b|\bcorp(?:us|ora)\b|\bbenchmarks?\b|\bcohorts?\b|数据集|数据库|语料|基准", re.I
)
FEWEST = re.compile(r"\b(?:fewest|least|smallest|lowest)\b|最少|最小|最低", re.I)
ZH_SUPERLATIVE_NOUN = re.compile(r"(?P<noun>[\u3400-\u9fff]{1,4}?)(?:数量|人数|数目)?(?:最多|最大|最高|最少|最小|最低)")
ZH_NOUNS = {"医生": "physician", "医师": "physician", "患者": "patient", "病人": "patient", "模型": "model"}
ZH_NOUNS |= {"问题": "question", "样本": "sample", "图像": "image", "病例": "case", "数据": "sample"}
ZH_NOUNS |= {
    "题": "question",
    "题目": "question",
    "任务": "task",
    "专家": "expert",
    "受试者": "subject",
    "参与者": "participant",
}
ZH_NOUNS |= {
    "数据集": "dataset",
    "模态": "modality",
    "录音": "recording",
    "记录": "recording",
    "影像": "image",
    "切片": "slide",
    "专业人员": "professional",
    "部位": "region",
    "疾病": "disease",
    "医院": "hospital",
    "语言": "language",
}
SIZE_ASKED = re.compile(
    r"\bsizes?\b|\bamounts? of (?:\w+\s+)?data\b|\bhow (?:large|big)\b|规模|数据量|样本量", re.I
)  # the size of the data: "the largest sample size", "样本量最小", "compare A and B by size"
# "A 和 B 哪个请的医生更多?", "哪篇的数据集规模更大?": a Chinese choice between named papers on a measure
ZH_COMPARATIVE = re.compile(r"哪(?:一)?[个篇项](?P<what>[^,，。;；?？]{0,12}?)(?:更|较)(?P<dir>[多少大小])")
# "Which is larger, A or B?", "Which involved more clinicians, A or B?": a choice between named papers on a measure
COMPARATIVE = re.compile(
    r"\b(?P<size>larger|bigger|smaller)\b|\b(?P<more>more|fewer|less)\s+(?!than\b)(?P<noun>[a-z][a-z-]+)", re.I
)


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


HOW_MANY = re.compile(r"\bhow many\s+(?:[\w-]+\s+){0,2}?(?P<noun>[a-z-]+[^s\W]s)\b", re.I)


def counted_noun(question: str) -> str:
    """What a count asks for: "how many board-certified physicians" -> physician, "多少名医生" -> physician; ""
    when the question counts nothing the tables know."""
    if m := HOW_MANY.search(question):
        noun = m.group("noun").lower()
        return noun[:-3] + "y" if noun.endswith("ies") else noun[:-1]
    return next(filter(None, counted_nouns_zh(question)), "")


def superlative_measure(question: str) -> str:
    m = SUPERLATIVE.search(question)
    if m and m.group("noun"):
        noun = m.group("noun").lower()
        if m.group("head") and not noun.endswith("s"):  # "the most imaging modalities": the noun phrase's head
            noun = f"{noun} {m.group('head').lower()}"
        noun = noun[:-3] + "y" if noun.endswith("ies") else noun  # modalities -> modality
        return noun[:-1] if noun.endswith("s") and not noun.endswith("ss") and len(noun) > 3 else noun
    z = ZH_SUPERLATIVE_NOUN.search(question)
    if z and DATA_NOUN.search(z.group("noun")) and z.group(0).endswith(("最多", "最少")):
        return "dataset"  # "哪篇用的数据集最多": a count of data sets; "哪个数据集最小" is a size (BY_SIZE)
    if z and not DATA_NOUN.search(z.group("noun")):
        for zh in sorted(ZH_NOUNS, key=len, reverse=True):  # 数据集 before 数据
            if zh in z.group("noun"):
                return ZH_NOUNS[zh]
    return ""
