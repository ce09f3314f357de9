"""The offline answerer: the records' own sentences (from the sentence store, chosen by ``select.py``), composed
by question type (``plan.py``), each sentence quoted verbatim and followed by its source's [n].

Deterministic, no model. Scaffolding follows the question's language; quotes stay in the records' English.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence

from assistant.answer.context import Source
from assistant.answer.evidence import (
    ANSWERS,
    BACKGROUND,
    BY_SIZE,
    DEFINES,
    NAMED,
    OWN_DATA,
    Quote,
    counts_in,
    link_quote,
)
from assistant.answer.kinds import BY_NAME as KINDS
from assistant.answer.markers import marker
from assistant.answer.measures import Counted, comparable, measure_words, said
from assistant.answer.plan import QuestionPlan
from assistant.answer.wording import FIELD_NAMES, TEXT
from assistant.records.links import LABEL
from assistant.records.model import RecordMeta, kind_label
from assistant.retrieve.names import track_group

LOOKUP_SENTENCES = 4  # of the best record (the seed abstracts run four to six sentences; dev facts recall)
ASPECT_SENTENCES = 2  # per record of an aspect-over-a-list answer
FURTHER_LINKS = "Further links:"  # what records/parse.py appends for a record's extra links
SUMMARY_CHARS = 260
RELATED_DENSE_GAP = 0.03  # "see also" records: close to the best in both dense and BM25 scores
RELATED_BM25_SHARE = 0.6


def label(source: Source) -> str:
    hit = source.hit
    meta = ", ".join(filter(None, [" ".join(filter(None, [hit.venue, hit.presentation])), hit.track]))
    return f"**{hit.title}**" + (f" ({meta})" if meta else "")


def content(quotes: list[Quote]) -> list[Quote]:
    """The quotes that are abstract sentences (not the code-link line nor the further links of the parser)."""
    return [q for q in quotes if not q.text.startswith((LABEL, FURTHER_LINKS))]


def defining(quotes: list[Quote]) -> Quote | None:
    """The sentence that says what a record is: the first that introduces it, else its best for the question."""
    ordered = sorted(content(quotes), key=lambda q: q.position)
    return next((q for q in ordered if DEFINES.search(q.text)), content(quotes)[0] if content(quotes) else None)


def cited(quotes: list[Quote], n: int) -> str:
    cite = marker([n])
    return " ".join(f"{q.text} {cite}" for q in quotes)


def asked_first(quotes: list[Quote]) -> list[Quote]:
    """The best LOOKUP_SENTENCES quotes, those holding the asked kind of fact (a number, a dataset) first."""
    wanted = [q for q in quotes if q.wanted][:LOOKUP_SENTENCES]
    return (wanted + [q for q in quotes if q not in wanted])[:LOOKUP_SENTENCES]


def code_line(source: Source, lang: str) -> str:
    return f"{TEXT[lang]['code'].format(url=source.hit.url)} {marker([source.n])}"


def meta_line(source: Source, lang: str) -> str:
    """A record's catalog fields, as its header gives them ("which track is it in?", "是 oral 还是 poster?")."""
    names, zh = FIELD_NAMES[lang], lang == "zh"
    fields = [(field, getattr(source.hit, field)) for field in ("venue", "presentation", "track", "year")]
    said = (f"{names[field]}{':' if zh else ''} {value}" for field, value in fields if value)
    return (";" if zh else "; ").join(said) + f"{'。' if zh else '.'} {marker([source.n])}"


def lookup_lines(sources: list[Source], plan: QuestionPlan, lang: str, detail_missing: bool) -> Iterator[str]:
    text, top = TEXT[lang], sources[0]
    picked = asked_first(content(top.quotes))
    if detail_missing:
        what = KINDS[plan.kind].what(lang) if plan.kind else text.get(plan.aspect, text["other"])
        yield text["detail"].format(title=top.hit.title, what=what)
        yield f"{label(top)}: {cited(picked[:2], top.n)}"
        return
    yield text["intro"]
    if plan.type == "attribute" and plan.aspect == "meta":
        yield f"{label(top)}: {meta_line(top, lang)}"
        return
    if plan.type == "attribute":
        yield f"{label(top)}: " + (code_line(top, lang) if top.hit.url else text["no_code"])
        return
    yield f"{label(top)}: {cited(picked, top.n)}"
    if top.hit.url:
        yield code_line(top, lang)
    elif plan.aspect == "code":
        yield text["no_code"]
    related = [
        s
        for s in sources[1:3]
        if s.hit.dense >= top.hit.dense - RELATED_DENSE_GAP and s.hit.bm25 >= RELATED_BM25_SHARE * top.hit.bm25
    ]
    if related:
        yield text["related"] + " " + "; ".join(f"{s.hit.title} {marker([s.n])}" for s in related)


def short(quote: Quote | None) -> str:
    if quote is None:
        return ""
    if len(quote.text) <= SUMMARY_CHARS:
        return quote.text
    return quote.text[:SUMMARY_CHARS].rsplit(" ", 1)[0] + " …"


def group_counts(hits: Sequence[RecordMeta], field: str) -> list[tuple[str, int]]:
    """How many of ``hits`` have each value of a catalog field, most first (records without one are left out); a
    track's spellings in two languages count as one ("医疗多模态 / Medical multimodal AI")."""
    values = [str(value) for hit in hits if (value := getattr(hit, field))]
    if field == "track":
        values = [" / ".join(a for a in track_group(v) if a in values) or v for v in values]
    counts = Counter(values)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def list_lines(
    sources: list[Source],
    plan: QuestionPlan,
    lang: str,
    total: int,
    matched: int = 0,
    groups: list[tuple[str, int]] | None = None,
) -> Iterator[str]:
    """``matched``: how many records match, when the context budget left some of them out of ``sources``;
    ``groups``: how many match per value of ``plan.group`` (``group_counts``)."""
    text = TEXT[lang]
    topical, n, shown = plan.type == "topic", max(matched, len(sources)), len(sources)
    if groups:
        counted = ", ".join(f"{value} {count}" for value, count in groups)
        heading = text["groups_shown" if n > shown else "groups"]
        yield heading.format(n=n, field=FIELD_NAMES[lang][plan.group], counts=counted, shown=shown)
    elif plan.order and sources:
        yield text[plan.order].format(n=n, year=sources[0].hit.year)
    elif topical:
        yield text["topic"].format(n=n, total=total)
    else:
        yield text["shown" if n > shown else "list"].format(n=n, shown=shown)
    for source in sources:
        cite = marker([source.n])
        missing = f" ({text['none']})" if plan.aspect == "code" and not source.hit.url else ""
        quote = content(source.quotes)[0] if topical and content(source.quotes) else defining(source.quotes)
        line = f"- {label(source)}{missing}: {short(quote)} {cite}"
        if plan.aspect == "code" and source.hit.url:
            line += f" {code_line(source, lang)}"
        yield line


def aspect_lines(sources: list[Source], plan: QuestionPlan, lang: str, total: int) -> Iterator[str]:
    text = TEXT[lang]
    yield text["topic"].format(n=len(sources), total=total)
    for source in sources:
        if plan.aspect == "code":  # each paper's link, or that it gives none
            yield f"- {label(source)}: " + (
                code_line(source, lang) if source.hit.url else f"{text['no_code']} {marker([source.n])}"
            )
            continue
        picked = aspect_quotes(content(source.quotes), plan.aspect, plan.measure)
        said = cited(picked, source.n) if picked else f"{text['not_said']}"
        yield f"- {label(source)}: {said}" + ("" if picked else f" {marker([source.n])}")


def own_sentences(quotes: list[Quote]) -> list[Quote]:
    """The sentences on the record's own work: not a background opener, unless it goes on to the contribution
    ("While GRPO struggles ..., we propose ATPO"), and not a question."""
    return [
        q
        for q in quotes
        if (not BACKGROUND.search(q.text) or DEFINES.search(q.text)) and not q.text.rstrip().endswith("?")
    ]


def aspect_quotes(quotes: list[Quote], aspect: str, measure: str = "") -> list[Quote]:
    """A record's sentences on an aspect (``quotes`` best for it first, ``aspect.py``): the best that holds the
    asked kind of fact, the second too when the best two both hold it; none when no sentence holds it. A background
    opener or a question speaks of other work or of the gap ("Yet existing datasets are small"), not the record's;
    so does a data sentence not about the record's own data ("large ECG corpora are scarce"). A counted
    ``measure`` ("how many clinicians ...") is held by a sentence that counts it; a method by the sentence that
    names it first ("We present X, a framework ...")."""
    want = ANSWERS.get(aspect)
    own = own_sentences(quotes)
    if not aspect:  # no kind of fact to hold: the best sentence for the aspect's query
        return own[:1]
    holding = [q for q in own if want and want.search(q.text)]
    if aspect == "dataset":
        holding = [q for q in holding if OWN_DATA.search(q.text)]
    elif aspect == "number" and measure:
        holding = [q for q in own if counts_in([q], measure)]  # a count in words too ("five radiologists")
    if own[:ASPECT_SENTENCES] == holding[:ASPECT_SENTENCES]:
        return holding[:ASPECT_SENTENCES]
    if aspect == "method":  # the sentence naming it, when it is one of the best two
        return sorted(holding[:2], key=lambda q: not (DEFINES.search(q.text) and NAMED.search(q.text)))[:1]
    return holding[:1]


def opening(quotes: list[Quote], aspect: str) -> list[Quote]:
    """With no kind of fact asked ("各自分割的是什么对象?", "what does each evaluate?"), the record's opening sentence
    too: an abstract opens on the task and its setting (polyps in colonoscopy, cancer in CT scans), which the
    sentence naming the contribution leaves out."""
    if aspect:
        return []
    own = own_sentences(quotes)
    return sorted(own, key=lambda q: q.position)[:1]


def compare_lines(sources: list[Source], plan: QuestionPlan, lang: str, missing: list[str]) -> Iterator[str]:
    text = TEXT[lang]
    yield text["compare"].format(n=len(sources))
    counted = [(counts_in(s.quotes, plan.measure, named=True) if plan.measure else [], s) for s in sources]
    for found, source in counted:  # what each paper is, then its sentence with the compared number or its best one
        first = defining(source.quotes)
        rest = [q for q in content(source.quotes) if q is not first]
        # the number compared, else the sentence holding the asked kind of fact ("方法上有什么区别": "Our method ...")
        asked = plan.aspect in ("dataset", "method", "result") and not plan.measure  # asked of each, as in a list
        held = aspect_quotes(rest, plan.aspect) if asked else []
        best = [found[0].quote] if found else (held if asked else [q for q in rest if q.wanted] or rest)
        picked = ([first] if first else []) + [q for q in best if q is not first][:1]
        picked += [q for q in opening(rest, plan.aspect) if q not in picked]
        line = f"- {label(source)}: {cited(sorted(picked, key=lambda q: q.position), source.n)}"
        if asked and not held and not (first and ANSWERS[plan.aspect].search(first.text)):
            line += f" {text['not_given']} {marker([source.n])}"  # what it is, and that it lacks the asked fact
        if plan.aspect == "code":  # "它们各自的代码在哪里?": each paper's link, or that it gives none
            line += f" {code_line(source, lang)}" if source.hit.url else f" {text['no_code']} {marker([source.n])}"
        yield line
    if plan.measure:
        yield from verdict_lines(counted, plan, lang)
    yield text["differs"]
    for source in sources:
        hit = source.hit
        facts = ", ".join(
            filter(
                None,
                [
                    kind_label(hit.kind, lang),
                    hit.track,
                    hit.presentation,
                    text["has_code"] if hit.url else text["none"],
                ],
            )
        )
        yield f"- {hit.name}: {facts} {marker([source.n])}"
    for name in missing:
        yield text["missing_name"].format(name=name)


def verdict_lines(counted: Counted, plan: QuestionPlan, lang: str) -> Iterator[str]:
    """Which of the compared papers has the larger number (or the fewer), from the numbers each gives."""
    text, words = TEXT[lang], measure_words(plan, lang)
    sized = plan.measure == BY_SIZE
    ranked, others = comparable(counted, sized, plan.fewest, shared=True)
    for found, source in counted:
        if not found:
            said_none = text["no_size" if sized else "no_count"].format(title=source.hit.title, **words)
            yield f"{said_none} {marker([source.n])}"
    if others and len(ranked) < 2:  # no two in one unit: each size as given, none said to be larger
        sizes = "; ".join(f"**{s.hit.title}** {said(c)} {marker([s.n])}" for c, s in ranked + others)
        yield text["units"].format(sizes=sizes)
        return
    for count, source in others:
        yield text["other_unit"].format(title=source.hit.title, value=said(count)) + f" {marker([source.n])}"
    if len(ranked) >= 2:
        key = ("smallest" if plan.fewest else "largest") if sized else ("fewest" if plan.fewest else "most")
        count, top = ranked[0]
        yield text[key].format(title=top.hit.title, value=said(count), **words) + f" {marker([top.n])}"


def superlative_lines(sources: list[Source], plan: QuestionPlan, lang: str) -> Iterator[str]:
    text, words = TEXT[lang], measure_words(plan, lang)
    sized = plan.measure == BY_SIZE
    ranked, others = comparable([(counts_in(s.quotes, plan.measure), s) for s in sources], sized, plan.fewest)
    if not ranked:
        yield text["no_numbers"].format(**words)
        return
    count, top = ranked[0]
    key = ("smallest" if plan.fewest else "largest") if sized else ("fewest" if plan.fewest else "most")
    cite = marker([top.n])
    yield text[key].format(title=top.hit.title, value=said(count), **words) + f" {cite} {count.quote.text} {cite}"
    yield text["compared_size" if sized else "compared"].format(n=len(ranked), **words)
    for count, source in ranked:
        yield f"- {source.hit.name}: {said(count)} — {count.quote.text} {marker([source.n])}"
    for count, source in others:
        yield f"- {source.hit.name}: {said(count)} ({text['unranked']}) — {count.quote.text} {marker([source.n])}"


def extractive_answer(
    sources: list[Source],
    plan: QuestionPlan,
    lang: str,
    *,
    total: int = 0,
    matched: int = 0,
    groups: list[tuple[str, int]] | None = None,
    missing: list[str] | None = None,
    detail_missing: bool = False,
    left_out: tuple[int, str] = (0, ""),
) -> Iterator[str]:
    """Yield the answer line by line (so a UI can stream it); ``left_out``: how many records a negated topic left
    out of a list, and its words (``exclusion.py``), said in the list's heading."""
    if plan.type == "compare":
        lines = compare_lines(sources, plan, lang, missing or [])
    elif plan.type == "aspect":
        lines = aspect_lines(sources, plan, lang, total)
    elif plan.type == "superlative":
        lines = superlative_lines(sources, plan, lang)
    elif plan.type in ("topic", "list"):
        lines = list_lines(sources, plan, lang, total, matched, groups)
    else:
        lines = lookup_lines(sources, plan, lang, detail_missing)
    for i, line in enumerate(lines):
        if i == 0 and left_out[0] and plan.type in ("list", "topic", "aspect") and line.endswith(":"):
            line = line[:-1] + TEXT[lang]["left_out"].format(k=left_out[0], terms=left_out[1]) + ":"
        yield line + "\n"


def used_quotes(answer: str, source: Source) -> list[Quote]:
    """The quotes of ``source`` that the answer gives verbatim (the link line counts when its URL is given)."""
    link = link_quote(source.quotes)
    used = [q for q in source.quotes if q.text in answer and q is not link]
    if link is not None and source.hit.url and source.hit.url in answer:
        used.append(link)
    return sorted(used, key=lambda q: q.position)
