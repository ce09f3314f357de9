"""Analyse a question: language, kind (lookup / list), what it asks about (code, numbers)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.retrieve.query import QueryPlan

CJK = re.compile(r"[\u3400-\u9fff]")
LATIN = re.compile(r"[A-Za-z]")
ASKS_CODE = re.compile(r"\b(?:code|github|repo(?:sitory)?|implementation|project (?:page|link)|link)\b|代码|仓库|链接|开源|主页",
                       re.I)
ASKS_NUMBER = re.compile(r"\bhow (?:many|much)\b|\bnumber of\b|\bcount\b|多少|几[个位篇项种名]", re.I)


@dataclass
class Analysis:
    lang: str  # "en" | "zh"
    kind: str  # "lookup" | "list"
    asks_code: bool
    asks_number: bool


def language(text: str) -> str:
    """zh when the question is mostly Chinese characters, else en."""
    cjk, latin = len(CJK.findall(text)), len(LATIN.findall(text))
    return "zh" if cjk and cjk * 3 >= latin else "en"


def analyse(question: str, plan: QueryPlan) -> Analysis:
    return Analysis(language(question), "list" if plan.wants_all else "lookup",
                    bool(ASKS_CODE.search(question)), bool(ASKS_NUMBER.search(question)))
