"""The openai backend's sources as numbered sentences, and the check of the sentence ids its answer cites.

The model receives every source's stored sentences numbered ``[S1]``, ``[S2]``, ... across sources and ties each
claim to them (``... 239 physicians [S3].``). The check maps each valid id to its source's ``[n]`` (so the UI
and the citation check read one marker format) and remembers the sentence ids; a claim whose ids are all
invalid, or that has none, is MARKED in the answer text the user reads. The check is by id, so it works for a
Chinese answer over English sources.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from assistant.answer.context import Source
from assistant.answer.evidence import Quote
from assistant.answer.markers import CITATION, marker
from assistant.answer.sentences import sentence_spans

TAG = re.compile(r"\[\s*S\s*(\d+)((?:\s*[,，]\s*S?\s*\d+)*)\s*\]", re.I)
TAG_NUMBER = re.compile(r"\d+")
UNSUPPORTED = {"en": "[no valid source]", "zh": "[无有效出处]"}
MARKS = set(UNSUPPORTED.values())
TAG_AFTER_END = re.compile(r"([.!?。！？])[ \t]*((?:\[\s*S\s*\d+[^\]]*\][ \t]*)+)", re.I)
END = re.compile(r"[.!?。！？]+$")


def _tag_before_end(match: re.Match[str]) -> str:
    """ "A. [S1] B" -> "A [S1]. B": a tag written after the full stop belongs to the sentence before it."""
    tags = match.group(2)
    return f" {tags.strip()}{match.group(1)}" + (" " if tags != tags.rstrip() else "")


def tidy(text: str) -> str:
    """No space before punctuation once a tag is taken out ("a prize [S9]." -> "a prize.")."""
    return re.sub(r"\s+([.,;:!?。，；：！？])", r"\1", text).strip()


@dataclass
class TagCheck:
    text: str
    sentence_ids: dict[int, list[str]] = field(default_factory=dict)  # source n -> sentence ids cited, in order
    invalid_ids: list[str] = field(default_factory=list)  # "S42" as written
    marked: list[str] = field(default_factory=list)  # claims marked as resting on no valid sentence


def numbering(sources: list[Source]) -> dict[int, tuple[Source, Quote]]:
    """S-number -> (source, sentence), sources in order, each source's sentences in reading order (those that fit
    the context's token budget)."""
    table: dict[int, tuple[Source, Quote]] = {}
    for source in sources:
        for quote in sorted(source.quotes, key=lambda q: q.position):
            if quote.text in source.text:  # within the token budget the context gave this source
                table[len(table) + 1] = (source, quote)
    return table


def sources_block(sources: list[Source]) -> str:
    """Sources for the LLM, escaped and fenced so record text reads as data, each sentence with its id."""
    table = numbering(sources)
    blocks = []
    for source in sources:
        lines = [f"[S{k}] {html.escape(q.text, quote=False)}" for k, (s, q) in table.items() if s is source]
        body = "\n".join(lines) or html.escape(source.text, quote=False)
        header = html.escape(source.hit.header, quote=False)
        blocks.append(f'<source n="{source.n}">\n{header}\n{body}\n</source>')
    return "\n\n".join(blocks)


def _is_claim(sentence: str, scaffold: set[str]) -> bool:
    bare = CITATION.sub("", TAG.sub("", sentence)).strip()
    return bool(bare) and bare not in scaffold and not bare.endswith((":", "：")) and len(bare) > 3


def check_tags(text: str, sources: list[Source], scaffold: set[str], lang: str) -> TagCheck:
    """Replace valid ``[Sk]`` by their source's ``[n]``, drop invalid ones, mark claims without a valid id."""
    table = numbering(sources)
    text = TAG_AFTER_END.sub(_tag_before_end, text)
    result = TagCheck("")
    pieces: list[str] = []
    last = 0
    for start, end in sentence_spans(text):
        sentence = text[start:end]
        valid = 0

        def replace(match: re.Match[str]) -> str:
            nonlocal valid
            numbers = [int(x) for x in TAG_NUMBER.findall(match.group(0))]
            good = [k for k in numbers if k in table]
            result.invalid_ids.extend(f"S{k}" for k in numbers if k not in table)
            valid += len(good)
            for k in good:
                source, quote = table[k]
                ids = result.sentence_ids.setdefault(source.n, [])
                if quote.sentence_id not in ids:
                    ids.append(quote.sentence_id)
            return marker(sorted({table[k][0].n for k in good})) if good else ""

        rewritten = TAG.sub(replace, sentence)
        if not valid and _is_claim(sentence, scaffold):
            bare = tidy(rewritten)  # a bare source number [n] stays (checked later), but names no sentence
            end_mark = END.search(bare)
            cut = end_mark.start() if end_mark else len(bare)
            rewritten = f"{bare[:cut].rstrip()} {UNSUPPORTED[lang]}{bare[cut:]}"
            result.marked.append(tidy(CITATION.sub("", TAG.sub("", sentence))))
        pieces.append(text[last:start] + rewritten)
        last = end
    pieces.append(text[last:])
    result.text = "".join(pieces)
    return result
