"""Analyse a question: language, kind (lookup / list), what it asks about (code, numbers)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.retrieve.query import QueryPlan

CJK = re.compile(r"[\u3400-\u9fff]")
LATIN = re.compile(r"[A-Za-z]")
ASKS_CODE = re.compile(
    r"\b(?:code|github|repo(?:sitory)?|implementation|project (?:page|link)|link)\b|代码|源码|仓库|链接|开源|主页", re.I
)
ASKS_NUMBER = re.compile(r"\bhow (?:many|much)\b|\bnumber of\b|\bcount\b|多少|几[个位篇项种名]", re.I)


@dataclass
class Analysis:
    lang: str  # "en" | "zh"
    kind: str  # "lookup" | "list"
    asks_code: bool
    asks_number: bool


LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-.'][A-Za-z0-9]+)*")  # a name is one word: Nef-Net, PTB-XL, v2
TAG = re.compile(r"<[^<>]*>")
ZH_ASKING = re.compile(r"哪|什么|吗|呢|还是|是否|多少|几[篇个项种]|怎么|怎样|如何|为什么|有没有|是不是")


def language(text: str) -> str:
    """zh when the text is mostly Chinese, else en.

    Chinese characters are weighed against English *words* (a Chinese word is about 1.5 characters), so a
    Chinese question that names English terms ("哪篇 paper 用 diffusion model 生成 ECG 信号?") stays Chinese,
    while an English question quoting a short Chinese title stays English. Markup tags are no words."""
    text = TAG.sub(" ", text)
    cjk, words = len(CJK.findall(text)), len(LATIN_WORD.findall(text))
    # a Chinese question word carries the sentence: "MedVR 是 oral 还是 poster?" is asked in Chinese
    asked = bool(ZH_ASKING.search(text))
    return "zh" if cjk and (cjk * 2 >= words * 3 or (asked and cjk * 4 >= words * 3)) else "en"


def analyse(question: str, plan: QueryPlan) -> Analysis:
    return Analysis(
        language(question),
        "list" if plan.wants_all else "lookup",
        bool(ASKS_CODE.search(question)),
        bool(ASKS_NUMBER.search(question)),
    )
