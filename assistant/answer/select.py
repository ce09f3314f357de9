"""Choose the records and sentences an answer rests on, by question type (see ``plan.py``), from the sentence
store: the ``plan`` and ``select`` steps of the chain.

- lookup / attribute: the retrieved records, the first few re-ranked by their best sentence for the question
  (evidence may come from any retrieved record, not only the first);
- compare: the best record for each named paper;
- topic / aspect / superlative, and lists a filter defines: ``lists.py``;
- markup or junk without a content word is refused; a found record that lacks the asked detail is an
  abstention that says so (``detail_missing``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from assistant.answer import evidence as ev
from assistant.answer import lists
from assistant.answer import plan as planning
from assistant.answer.condense import refers_back
from assistant.answer.counting import counted_nouns_zh
from assistant.answer.junk import is_junk
from assistant.answer.kinds import asked_kind, gives
from assistant.answer.lists import quotes_for, renumber, topic_text
from assistant.answer.plan import METRIC, PAPER_NOUN, QuestionPlan, focus_noun, plan_question
from assistant.retrieve.hybrid import Hit
from assistant.retrieve.text import tokenize

if TYPE_CHECKING:
    from assistant.answer.chain import Turn

RERANK_TOP = 3  # lookups: how many of the fused ranking's records compete on sentence evidence
RERANK_PRIOR = 0.015  # ... each rank down costs this much sentence score
DESCRIBED = 0.5  # share of a question's key terms a record holds to be the record it asks about (see _detail_missing)
FULL_COVERAGE = 0.95  # a refused lookup is answered when one sentence holds this share of its idf-weighted terms
# asks for a result's value ("what AUROC does ...", "MedVR 的得分是多少"), not a paper that improves accuracy
ASKS_RESULT = re.compile(
    rf"\b(?:what|which)\s+(?:[\w-]+\s+)?(?:{METRIC.pattern}|\bscores?\b|\bresults?\b|\bperformance\b)|"
    rf"\bhow (?:well|accurate)|(?:得分|结果|性能|分数|{planning.MEASURES})\s*(?:是)?(?:多少|如何|怎样)|"
    r"(?:得|拿|取得|获得)了?\s*多少\s*分",
    re.I,
)
# "Is there a paper on X?", "Are there studies about X?": whether the collection has a topic at all (not "Is there a
# study that turns brain activity into sentences?", a description of one paper)
EXISTS = re.compile(
    r"^\s*(?:is|are)\s+there\s+(?:(?:a|an|any|some)\s+)?(?:[\w-]+\s+){0,2}?"
    r"(?:papers?|works?|stud(?:y|ies)|articles?|research|records?)\s+(?:on|about|regarding|concerning|into)\b",
    re.I,
)
PAPERS = re.compile(r"\b(?:papers?|works|stud(?:y|ies)|records?|articles?)\b|论文|研究|工作", re.I)
DATASET = re.compile(r"data\s?sets?|benchmarks?|corp(?:us|ora)|cohorts?|数据集|数据库|基准|语料", re.I)
NAMED = re.compile(r"\b(?:[A-Z][a-z]+[A-Z][A-Za-z0-9-]*|[A-Z]{2,}[A-Za-z0-9-]*|[A-Za-z]+-\d[\w.-]*)\b")


@dataclass
class Selection:
    """What the select step decided, shown in ``ask --json`` as ``selection``."""

    best_sentence: float = 0.0
    kept: int = 0
    candidates: int = 0
    reason: str = ""
    missing: list[str] = field(default_factory=list)  # compare: names no record matched
    why: dict[str, str] = field(default_factory=dict)  # topic lists: record id -> why it is a member
    absent: list[str] = field(default_factory=list)  # the question's specific words no record uses (abstain.py)
    excluded: list[str] = field(default_factory=list)  # records on a negated topic a list left out (exclusion.py)


def plan_step(turn: Turn) -> Turn:
    assert turn.analysis is not None
    turn.plan = plan_question(
        turn.standalone, turn.retriever.plan(turn.standalone), turn.analysis, refers_back(turn.question)
    )
    # the kind of detail a lookup asks for (kinds.py); not "which paper is MIT-licensed?", which asks for a paper,
    # nor "which track is it in?" (its header answers)
    detail = turn.plan.type == "lookup" or (turn.plan.type == "attribute" and turn.plan.aspect != "meta")
    if detail and not PAPER_NOUN.fullmatch(focus_noun(turn.standalone)):
        turn.plan.kind = asked_kind(turn.standalone, turn.plan.aspect)
    return turn


def names(hit: Hit, question: str) -> bool:
    """The question names the record by its short name ("GALAX 在哪个数据集上做的评测?")."""
    short = hit.short_name
    return bool(short) and re.search(rf"(?<![\w-]){re.escape(short)}(?![\w-])", question) is not None  # as written


def _lookup(turn: Turn) -> None:
    assert turn.result is not None
    hits = turn.result.hits
    turn.selection.best_sentence = max((ev.best(q) for q in turn.quotes.values()), default=0.0)
    named = [h for h in hits if names(h, turn.standalone)]
    if len(named) == 1:  # a record named by its short name comes first, whatever the sentence scores say
        turn.result.hits = renumber(named + [h for h in hits if h is not named[0]])
        return
    scored = [(ev.best(turn.quotes[h.record_id]) - RERANK_PRIOR * i, i) for i, h in enumerate(hits[:RERANK_TOP])]
    if scored:
        best = max(scored)[1]
        # a record moves first only when its key terms agree: cosines favour a same-language record (a Chinese
        # summary over the English abstract of the paper a Chinese question is about)
        if best and terms_of(turn, hits[best]) >= terms_of(turn, hits[0]):
            turn.result.hits = renumber([hits[best]] + [h for i, h in enumerate(hits) if i != best])


def terms_of(turn: Turn, hit: Hit) -> float:
    return max((q.terms for q in turn.quotes.get(hit.record_id, [])), default=0.0)


def _compare(turn: Turn, plan: QuestionPlan) -> None:
    assert turn.result is not None
    chosen: list[Hit] = []
    for name in plan.names:
        found = turn.retriever.search(name, k=1, filters=turn.filters).hits
        words = set(tokenize(name))
        named = (
            f"{found[0].header} {found[0].short_name} {turn.retriever.record_text(found[0].record_id)}" if found else ""
        )
        if found and words & set(tokenize(named)):
            if all(h.record_id != found[0].record_id for h in chosen):
                chosen.append(found[0])
        else:
            turn.selection.missing.append(name)
    turn.result.hits = renumber(chosen)
    turn.selection.kept = len(chosen)
    if len(chosen) < 2:
        turn.abstained = True
        turn.selection.reason = "fewer than two of the named papers are in the collection"
    elif turn.abstained and all(names(h, turn.standalone) for h in chosen):
        # every paper is named by its short name ("Which involved more clinicians, Cancer-Myth or CounselBench?"):
        # the collection has them, however weakly the question's other words match
        turn.abstained = False
        turn.selection.reason = "every compared paper is named by its short name"


def _detail_missing(turn: Turn) -> bool:
    """The question names a record that was found, and asks a detail none of its sentences gives."""
    assert turn.result is not None and turn.plan is not None
    if not turn.result.hits or turn.plan.type not in ("lookup", "attribute"):
        return False
    top = turn.result.hits[0]
    named = set(tokenize(f"{top.short_name} {top.title}")) & set(tokenize(turn.standalone))
    quotes = turn.quotes.get(top.record_id, [])
    body = " ".join(q.text for q in quotes)
    # or named by what its abstract calls its contribution ("MedThinkVQA" in the record titled 多图像医学思维)
    named |= {n.lower() for n in NAMED.findall(turn.standalone) if re.search(rf"\b{re.escape(n)}\b", body)}
    # or, for a result, described: the record holds most of the question's other key terms ("the multimodal
    # Alzheimer's diagnosis framework"), the names it asks about (ADNI, AUROC) set aside
    other = ev.key_terms(topic_text(turn)) - {t for n in NAMED.findall(turn.standalone) for t in tokenize(n)}
    holds = ev.held(other, ev.with_parts(tokenize(f"{top.header} {body}")))  # "spectral-entropy": spectral entropy
    described = bool(other) and len(holds) >= DESCRIBED * len(other)
    if not (named or (described and turn.plan.aspect == "result")):
        return False
    if turn.plan.kind:  # a kind of detail (kinds.py): missing when neither the header nor a sentence could give it
        return not gives(turn.plan.kind, [top.header, *(q.text for q in quotes)])
    value = bool(ASKS_RESULT.search(turn.standalone))  # asked for a result's value: its metric must be there too
    asked = NAMED.findall(turn.standalone) + (METRIC.findall(turn.standalone) if value else [])
    unnamed = [n for n in asked if n.lower() not in body.lower() and n.lower() not in named]
    measures = [m for m in METRIC.findall(turn.standalone) if value and m.lower() not in body.lower()]
    if (turn.plan.aspect == "result" and unnamed and (named or value)) or measures:
        return True  # a record described, not named, must be asked for a result's value; no value of an unnamed measure
    if turn.plan.aspect == "dataset" and DATASET.search(focus_noun(turn.standalone)):
        return not re.search(ev.DATA_NOUNS, body, re.I)  # asked which data set, and the record names none
    if turn.plan.aspect == "number":
        noun = re.search(r"\bhow many\s+([a-z-]{3,})(?:\s+([a-z-]{3,}))?", turn.standalone, re.I)
        if noun and turn.lang == "en":  # "how many physicians", "how many board-certified physicians"
            words = [w.lower().rstrip("s") for w in noun.groups() if w]
            return not any(ev.counts_of(quotes, w) for w in [*words, " ".join(words)])
        counted = counted_nouns_zh(turn.standalone) if turn.lang == "zh" else []
        if counted and all(counted):  # "多少名医生", "多少年": missing when none of the asked counts is given
            return not any(ev.counts_of(quotes, noun) for noun in counted)
        return not re.search(r"(?<![\w.-])\d", body)  # a number, not a digit of a name (Doctor-R1, gemma-2)
    return False


def select_step(turn: Turn) -> Turn:
    """Records and sentences by question type; abstain on junk or a missing detail (see module doc)."""
    assert turn.result is not None and turn.plan is not None
    if is_junk(turn.question):
        turn.abstained, turn.selection.reason = True, "the question has no words to look up (markup, code, symbols)"
        return turn
    plan = turn.plan
    short_names = list(dict.fromkeys(h.short_name for h in turn.result.hits if names(h, turn.standalone)))
    if plan.type == "lookup" and len(short_names) >= 2:
        # "How many physicians took part in LiveClin, and how many in CounselBench?": one part per named paper
        turn.plan = plan = planning.compare_plan(turn.standalone, plan.aspect, short_names)
    if plan.type == "topic" and len(short_names) == 1 and not PAPERS.search(turn.standalone):
        # "Which real-world datasets are included in SurvHTE-Bench?": the things of one named paper, not a list
        turn.plan = plan = QuestionPlan("lookup", plan.aspect)
    # "which track is the paper on X in?", "Does MedAraBench release its code?": the paper is in the question
    described = (plan.aspect == "meta" and turn.result.plan.topic_terms) or bool(short_names)
    if plan.type == "attribute" and refers_back(turn.question) and not turn.past and not described:
        # "where is its code?" with no earlier turn: there is no paper "its" can mean, whatever the search found
        turn.abstained = True
        turn.selection.reason = "the question refers to an earlier answer, and there is none"
        return turn
    if plan.type == "compare":
        _compare(turn, plan)
    elif plan.type in ("topic", "aspect", "superlative"):
        if not turn.abstained or turn.result.hits:
            lists.members(turn, plan)
    if plan.type == "list" and not turn.result.filters.active():
        lists.whole_collection(turn)
    if plan.type in ("list", "topic", "aspect", "superlative"):
        lists.papers_only(turn)
    if plan.order:  # "the newest EEG paper": the members of the latest year
        lists.of_extreme_year(turn, plan.order)
    if plan.type not in ("topic", "aspect", "superlative"):
        for hit in turn.result.hits:
            turn.quotes[hit.record_id] = quotes_for(turn, hit)
    if plan.type == "list" and turn.result.hits and turn.result.filters.active():
        turn.abstained = False  # a metadata list or count: no topic words left to find evidence for
    if plan.type in ("lookup", "attribute") and turn.abstained and turn.result.hits:
        # a wording the record-level score misses, but one sentence holds every key term as written: answer from it
        covered = max((q.literal for qs in turn.quotes.values() for q in qs), default=0.0)
        turn.abstained = covered < FULL_COVERAGE
        turn.selection.reason = f"one sentence holds {covered:.0%} of the key terms"
    # a refused question that names a record by its short name ("What F1 score does Disco reach?") still says
    # whether that record lacks the asked detail; it is not answered otherwise
    named = turn.abstained and any(names(h, turn.standalone) for h in turn.result.hits)
    turn.abstained = turn.abstained and not (named and plan.aspect == "meta")  # its header answers "which track?"
    # "is there a paper on protein folding?" asks whether the collection has a topic; a lookup naming no record whose
    # evidence barely clears the threshold may be about a topic the collection lacks (abstain.Evidence.marginal)
    barely = not short_names and turn.evidence is not None and turn.evidence.marginal
    if plan.type == "lookup" and not turn.abstained and (EXISTS.search(turn.standalone) or barely):
        lists.topic_present(turn, things_only=not EXISTS.search(turn.standalone))
    if plan.type in ("lookup", "attribute") and (not turn.abstained or named):
        _lookup(turn)
        if _detail_missing(turn):
            turn.detail_missing = turn.abstained = True
            turn.selection.reason = "the record is found but does not give the asked detail"
    return turn
