"""The kind of answer a lookup asks for, and whether a record's sentences could give it.

A question about one paper often asks for a detail of a particular kind: a training hyperparameter, the compute it
took, its size or speed, its license, funding, where its data came from, a date, the authors' institutions.
Abstracts rarely give these; when the record found holds no sentence of the asked kind, the answer says so
("<record> does not give <the detail>") and counts as an abstention (``select._detail_missing``). Each kind pairs a
recogniser of the question (``asks``) with a recogniser of sentences that could answer it (``gives``), kept loose
on purpose: a sentence that only names the thing ("we tune the learning rate") counts as giving it, so a record is
said to lack a detail only when it never mentions it.

Counts, data sets and benchmark results are judged in ``select._detail_missing`` itself (by the planner's aspect:
a count of the asked noun, a data set noun, the named benchmark and metric).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.answer.evidence import WANTS

DATE = (
    r"\b(?:19|20)\d{2}(?:-\d{2}){0,2}\b|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d|"
    r"\d{4}\s*年|\d{1,2}\s*月|\bdeadline\b|\buntil\b|截止"
)


@dataclass(frozen=True)
class AnswerKind:
    name: str
    asks: re.Pattern[str] | None  # the question asks for a detail of this kind (or the planner's aspect of its name)
    gives: re.Pattern[str]  # a sentence (or the record's header) that could answer it
    en: str  # the detail, as the English answer names it ("**X** does not give <en>")
    zh: str  # ... and the Chinese one ("**X** 没有给出<zh>")

    def what(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


KINDS = (
    AnswerKind(
        "hyperparameter",
        re.compile(
            r"\blearning[- ]rates?\b|\bbatch[- ]?sizes?\b|\bepochs?\b|\bweight[- ]decay\b|\boptimi[sz]ers?\b|"
            r"\bhyper-?parameters?\b|\bwarm-?up\b|学习率|批大小|批量大小|批次大小|训练轮数|轮次|超参数|优化器",
            re.I,
        ),
        re.compile(
            r"\blearning[- ]rates?\b|\bbatch[- ]?sizes?\b|\bepochs?\b|\bweight[- ]decay\b|\boptimi[sz]er|\bAdamW?\b|"
            r"\bSGD\b|\bhyper-?parameters?\b|\bwarm-?up\b|\blr\s*=|学习率|批大小|超参数|优化器",
            re.I,
        ),
        "its training hyperparameters (learning rate, batch size, epochs)",
        "训练超参数(学习率、批大小、训练轮数等)",
    ),
    AnswerKind(
        "compute",
        re.compile(
            r"\b[GT]PUs?\b|\bGPU[- ]hours?\b|\baccelerators?\b|\bhardware\b|\bcompute (?:budget|cost|resources?)\b|"
            r"\bcomputational (?:cost|budget|resources?)\b|\btraining (?:time|cost)\b|\bhow long\b[^?]*\btrain|"
            r"算力|显卡|硬件|训练时间|训练时长|训练[^?？]{0,6}(?:多长时间|多久)|计算资源|计算成本",
            re.I,
        ),
        re.compile(
            r"\b[GT]PUs?\b|\b[AHV]100\b|\bRTX\b|\bFLOPs?\b|\bhardware\b|\bcompute (?:budget|cost)\b|"
            r"\bcomputational (?:cost|budget)\b|\b(?:hours|days) of training\b|\btrained for \d|显卡|算力|硬件",
            re.I,
        ),
        "the compute it used (hardware, GPU hours)",
        "所用的算力(硬件、GPU 小时)",
    ),
    AnswerKind(
        "size",
        re.compile(
            r"\bhow many parameters\b|\bnumber of parameters\b|\bparameter count\b|\bmodel size\b|"
            r"\b(?:which|what) (?:base|backbone) (?:model|LLM)\b|参数量|参数规模|模型规模|模型大小|基座模型|底座模型",
            re.I,
        ),
        re.compile(
            r"\bparameters?\b|\b\d+(?:\.\d+)?\s?[BM]\b|\bbillion\b|\bbackbone\b|\bbase model\b|\bbuilt (?:on|upon)\b|"
            r"\b(?:Qwen|Llama|LLaMA|Mistral|Gemma|GPT|DeepSeek)|参数|基座",
        ),
        "its model size or base model",
        "模型规模或基座模型",
    ),
    AnswerKind(
        "speed",
        re.compile(
            r"\binference (?:speed|time|latency)\b|\b(?:running|run|processing) (?:speed|time)\b|\bfps\b|"
            r"\bframes per second\b|\blatency\b|\bthroughput\b|\bhow fast\b|"
            r"推理速度|运行速度|推理时间|帧率|推理延迟|吞吐",
            re.I,
        ),
        re.compile(
            r"\bfps\b|\bframes? per second\b|\blatency\b|\bthroughput\b|\bspeed|\bfaster\b|\baccelerat|"
            r"\breal[- ]time\b|\bruntime\b|\binference (?:time|cost)\b|速度|实时|加速|延迟",
            re.I,
        ),
        "its speed (inference time, frames per second)",
        "运行速度(推理时间、帧率)",
    ),
    AnswerKind(
        "license",
        re.compile(r"\blicen[cs]e[ds]?\b|\blicensing\b|许可证|许可协议|开源协议|授权协议", re.I),
        re.compile(
            r"\blicen[cs]|\bMIT\b|\bApache\b|\bGPL\b|\bBSD\b|\bCC[- ]BY|\bCreative Commons\b|许可|开源协议", re.I
        ),
        "a license",
        "许可证",
    ),
    AnswerKind(
        "funding",
        re.compile(r"\bfund(?:ed|ing|s|er)?\b|\bgrants?\b|\bsponsor(?:ed|s)?\b|资助|基金|经费|赞助", re.I),
        re.compile(r"\bfund|\bgrants?\b|\bsponsor|\bsupported by\b|资助|基金|经费|赞助", re.I),
        "its funding",
        "资助来源",
    ),
    AnswerKind(
        "place",
        None,  # plan.py's aspect only ("which countries", "来自哪些国家")
        # a country, region or nationality word ("U.S. centric", "the Arabic-speaking region"), case as written
        re.compile(
            r"\bU\.S\.|\b(?:countr(?:y|ies)|nation(?:s|al|wide)?|region(?:s|al)?|USA|UK|United (?:States|Kingdom)|"
            r"China|Chinese|Europe\w*|Asia\w*|Africa\w*|America\w*|Arab\w*|international(?:ly)?|"
            r"multi-?(?:center|centre|national))\b|国家|地区|全国|多中心"
        ),
        "the countries or regions",
        "来源国家或地区",
    ),
    AnswerKind(
        "date",
        re.compile(
            r"\b(?:what|which) (?:date|year|day|month)\b|\bdeadline\b|\bdue date\b|\buntil when\b|"
            r"\bwhen (?:is|was|were|does|did|will)\b[^?]*\b(?:due|published|released|close[sd]?|open(?:ed)?|"
            r"submitted|accepted|held)\b|截止|日期|哪一?年|哪天|什么时候(?:截止|发布|发表|开始|结束)",
            re.I,
        ),
        re.compile(DATE, re.I),
        "a date",
        "日期",
    ),
    AnswerKind(
        "affiliation",
        # also plan.py's aspect (authors, affiliations; not "what dataset did the authors release?", a data set)
        re.compile(
            r"\b(?:which|what)\s+(?:hospitals?|institutions?|labs?|laborator(?:y|ies)|compan(?:y|ies)|"
            r"organi[sz]ations?)\b|哪(?:个|家|所|些)(?:医院|机构|实验室|公司|大学)",
            re.I,
        ),
        re.compile(
            r"\buniversit|\binstitut|\bhospital|\blab\b|\blaborator|\bcollege\b|\bcompany\b|\bInc\.|"
            r"大学|研究所|研究院|医院|实验室|公司|学院",
            re.I,
        ),
        "its authors or institutions",
        "作者或机构信息",
    ),
    AnswerKind(
        "code",
        None,  # plan.py's aspect only ("where is its code?", "代码在哪里下载?")
        WANTS["code"],  # the record's code or project link line
        "a code or project link",
        "代码或项目链接",
    ),
)
BY_NAME = {k.name: k for k in KINDS}


# "Does CounselBench have public code?", "有没有公开代码?": "no" answers it, the link is not what is asked
YES_NO = re.compile(r"^\s*(?:does|do|did|is|are|has|have|was|were)\b|有没有|是否|有无|吗\s*[?？]?\s*$", re.I)


def asked_kind(question: str, aspect: str) -> str:
    """The kind of detail ``question`` asks for (``KINDS``), or "" when it asks for none of them; ``aspect`` is the
    planner's (``plan.asked_aspect``). Whether a paper has code is answered by yes or no, not missed."""
    kinds = [k for k in KINDS if k.name != "code" or not YES_NO.search(question)]
    return next((k.name for k in kinds if aspect == k.name or (k.asks and k.asks.search(question))), "")


def gives(kind: str, texts: list[str]) -> bool:
    """Whether any of ``texts`` (a record's header and sentences) could answer a question of ``kind``."""
    return any(BY_NAME[kind].gives.search(t) for t in texts)
