"""The offline answerer: a cited summary composed from the retrieved records' own sentences.

Deterministic, no model: for a lookup, the sentences of the best record that best answer the
question (each followed by its [n]); for a list question, one line per matching record.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from assistant.answer.analyse import Analysis
from assistant.answer.context import Source
from assistant.answer.markers import marker
from assistant.answer.sentences import split_sentences
from assistant.records.links import LABEL, without_link_lines
from assistant.retrieve.text import tokenize

BOILERPLATE = re.compile(r"^(?:ICLR \d{4} (?:Oral|Poster|Spotlight)\.?\s*)?(?:accepted paper at [^.]+\.)?\s*", re.I)
DEFINES = re.compile(
    r"\b(?:we (?:introduce|propose|present|develop|build|construct|release)|this paper|"
    r"in this (?:paper|work)|is a (?:comprehensive|large|new|novel))\b|提出|构建",
    re.I,
)
NUMBER = re.compile(r"\d")
# The authors' own voice (what the paper does) versus background and rhetorical openers.
AUTHOR_VOICE = re.compile(
    r"\b(?:we|our|this (?:paper|work|study)|the (?:suite|benchmark|dataset|framework|model))\b", re.I
)
OPENERS = "however but while although though despite yet recent(?:ly)? existing current(?:ly)? traditional conventional"
BACKGROUND = re.compile(rf"^(?:{'|'.join(OPENERS.split())})\b", re.I)
# Names the paper gives its contributions: CamelCase (AnesBench), acronyms (SWEC, RLVR), model names (gemma-2).
NAMED = re.compile(r"\b(?:[A-Z][a-z]+[A-Z][A-Za-z0-9-]*|[A-Z]{2,}[A-Za-z0-9-]*|[A-Za-z]+-?\d[\w.-]*)\b")
URL_IN_TEXT = re.compile(r"https?://")
SUMMARY_CHARS = 260
LOOKUP_SENTENCES = 3  # of the best record's abstract (the seed abstracts run four to six sentences)
RELATED_DENSE_GAP = 0.03  # "see also" records: close to the best in both dense and BM25 scores
RELATED_BM25_SHARE = 0.6

TEXT = {
    "en": {
        "intro": "From the collection:",
        "list": "{n} matching records:",
        "code": LABEL + " {url}",
        "no_code": "The record gives no code or project link.",
        "related": "See also:",
        "none": "no code link",
    },
    "zh": {
        "intro": "根据收录的记录:",
        "list": "共找到 {n} 条匹配的记录:",
        "code": "代码/项目链接:{url}",
        "no_code": "该记录没有给出代码或项目链接。",
        "related": "另见:",
        "none": "无代码链接",
    },
}

SCAFFOLD = {phrase for lang in TEXT.values() for phrase in (lang["no_code"],)}


def abstract_sentences(source: Source) -> list[str]:
    """The sentences of a record's abstract, without the venue boilerplate and the code-link line."""
    body = source.text.split("\n", 1)[-1]
    body = BOILERPLATE.sub("", without_link_lines(body).strip(), count=1)
    return [s for s in split_sentences(body) if len(s) > 1]


def best_sentences(sentences: list[str], question: str, analysis: Analysis, limit: int) -> list[str]:
    """Pick the ``limit`` sentences that best answer the question, in their original order.

    A sentence scores for the question's words it shares, for saying what the paper introduces, for the
    authors' voice and the names of what they built (where the specific facts are), and for numbers or links
    when the question asks for them; background openers and rhetorical questions score less."""
    wanted = set(tokenize(question))

    def score(item: tuple[int, str]) -> float:
        i, sentence = item
        overlap = len(wanted & set(tokenize(sentence)))
        voice = bool(AUTHOR_VOICE.search(sentence))
        background = bool(BACKGROUND.search(sentence)) or sentence.rstrip().endswith("?") or (i == 0 and not voice)
        return (
            overlap
            + 1.5 * bool(DEFINES.search(sentence))
            + 1.0 * voice
            + 0.5 * bool(NAMED.search(sentence))
            + 2.0 * (analysis.asks_number and bool(NUMBER.search(sentence)))
            + 2.0 * (analysis.asks_code and bool(URL_IN_TEXT.search(sentence)))
            - 1.5 * background
            - 0.1 * i
        )

    chosen = sorted(sorted(enumerate(sentences), key=score, reverse=True)[:limit])
    return [s for _, s in chosen]


def summary(sentences: list[str]) -> str:
    """One sentence that says what a record is about, shortened at a word boundary."""
    sentence = next((s for s in sentences if DEFINES.search(s)), sentences[0] if sentences else "")
    if len(sentence) <= SUMMARY_CHARS:
        return sentence
    return sentence[:SUMMARY_CHARS].rsplit(" ", 1)[0] + " …"


def label(source: Source) -> str:
    hit = source.hit
    meta = ", ".join(filter(None, [" ".join(filter(None, [hit.venue, hit.presentation])), hit.track]))
    return f"**{hit.title}**" + (f" ({meta})" if meta else "")


def lookup_lines(question: str, sources: list[Source], analysis: Analysis) -> Iterator[str]:
    text = TEXT[analysis.lang]
    top = sources[0]
    yield text["intro"]
    picked = best_sentences(abstract_sentences(top), question, analysis, limit=LOOKUP_SENTENCES)
    cite = marker([top.n])
    yield f"{label(top)}: " + " ".join(f"{s} {cite}" for s in picked)
    if top.hit.url:
        yield f"{text['code'].format(url=top.hit.url)} {cite}"
    elif analysis.asks_code:
        yield text["no_code"]
    related = [
        s
        for s in sources[1:3]
        if s.hit.dense >= top.hit.dense - RELATED_DENSE_GAP and s.hit.bm25 >= RELATED_BM25_SHARE * top.hit.bm25
    ]
    if related:
        yield text["related"] + " " + "; ".join(f"{s.hit.title} {marker([s.n])}" for s in related)


def list_lines(sources: list[Source], analysis: Analysis) -> Iterator[str]:
    text = TEXT[analysis.lang]
    yield text["list"].format(n=len(sources))
    for source in sources:
        # Every sentence of the line carries the citation, so each one can be checked against the source.
        missing = f" ({text['none']})" if analysis.asks_code and not source.hit.url else ""
        cite = marker([source.n])
        line = f"- {label(source)}{missing}: {summary(abstract_sentences(source))} {cite}"
        if analysis.asks_code and source.hit.url:
            line += f" {text['code'].format(url=source.hit.url)} {cite}"
        yield line


def extractive_answer(question: str, sources: list[Source], analysis: Analysis) -> Iterator[str]:
    """Yield the answer line by line (so a UI can stream it)."""
    lines = list_lines(sources, analysis) if analysis.kind == "list" else lookup_lines(question, sources, analysis)
    for line in lines:
        yield line + "\n"
