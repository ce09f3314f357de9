"""Choose the records and sentences an answer rests on, by question type (see ``plan.py``), from the sentence
store: the ``plan`` and ``select`` steps of the chain.

- lookup / attribute: the retrieved records, the first few re-ranked by their best sentence for the question
  (evidence may come from any retrieved record, not only the first);
- compare: the best record for each named paper;
- topic / aspect / superlative: candidates from the whole collection (under the question's filters), each
  kept when its relevance to the topic over the collection reaches ``TOPIC_Z`` or one of its sentences holds
  the topic's key terms;
- markup or junk without a content word is refused; a found record that lacks the asked detail is an
  abstention that says so (``detail_missing``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from assistant.answer import evidence as ev
from assistant.answer import plan as planning
from assistant.answer.abstain import topic_presence, vocabulary
from assistant.answer.aspect import by_aspect
from assistant.answer.condense import refers_back
from assistant.answer.junk import is_junk
from assistant.answer.kinds import asked_kind, gives
from assistant.answer.plan import ASPECT_WORDS as ASPECTS
from assistant.answer.plan import METRIC, PAPER_NOUN, SIZE, QuestionPlan, counted_nouns_zh, focus_noun, plan_question
from assistant.index import sentences as sentence_store
from assistant.retrieve.abbreviations import qualified_bases
from assistant.retrieve.hybrid import Hit
from assistant.retrieve.query import META_WORDS
from assistant.retrieve.text import tokenize

if TYPE_CHECKING:
    from assistant.answer.chain import Turn

RERANK_TOP = 3  # lookups: how many of the fused ranking's records compete on sentence evidence
RERANK_PRIOR = 0.015  # ... each rank down costs this much sentence score
# Topic lists: a member's relevance over the collection (a z-score, HybridRetriever.topic_scores) reaches TOPIC_Z,
# or one of its sentences holds TOPIC_KEEP_TERMS of the topic's idf-weighted key terms. Set together with topic_scores'
# weights by a grid search on the dev split's 20 topic and aspect list questions (recall 0.72, precision 0.77 there,
# against 0.55 and 0.66 for the previous margins on the retriever's list); see evals/RESULTS.md.
TOPIC_Z = 1.4
TOPIC_KEEP_TERMS = 0.8
TOPIC_TERMS = 0.5  # weak record-level evidence: a topic list is answered when a member's sentence holds this share
MAX_TOPIC = 40
DESCRIBED = 0.5  # share of a question's key terms a record holds to be the record it asks about (see _detail_missing)
FULL_COVERAGE = 0.95  # a refused lookup is answered when one sentence holds this share of its idf-weighted terms
QUESTION_WORDS = frozenset(
    "summarize summarise summary overview citation cite use used using uses main deal deals propose proposed "
    "about related relate concern concerning focus focused give short brief briefly each whether including "
    "mention mentions mentioned discuss discusses discussed involve involves involving cover covers address "
    "addresses tackle tackles investigate investigates explore explores examine examines "
    "总结 概述 概括 引用 使用 相关 主要 逐一 各自 分别".split()
)
ASPECT_WORDS = dict(ASPECTS)
# asks for a result's value ("what AUROC does ...", "MedVR 的得分是多少"), not a paper that improves accuracy
ASKS_RESULT = re.compile(
    r"\b(?:what|which)\s+(?:[\w-]+\s+)?(?:accuracy|au(?:c|roc|prc)|dice|f1|scores?|results?|performance)\b|"
    r"\bhow (?:well|accurate)|(?:得分|准确率|结果|性能|分数)(?:是)?(?:多少|如何|怎样)|"
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
PAPER = re.compile(r"\bpapers?\b|论文", re.I)
PAPERS = re.compile(r"\b(?:papers?|works|stud(?:y|ies)|records?|articles?)\b|论文|研究|工作", re.I)
DATASET = re.compile(r"data\s?sets?|benchmarks?|corp(?:us|ora)|cohorts?|数据集|数据库|基准|语料", re.I)
DATA_TOKEN = re.compile(
    r"data\w*|benchmarks?|corp(?:us|ora)|cohorts?|samples?|sizes?|数据\w*|据集|基准|语料\w*|样本\w*|规模", re.I
)  # 据集: 数据集's bigram
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


def quotes_for(turn: Turn, hit: Hit) -> list[ev.Quote]:
    """The record's sentences scored for the question: meaning of the whole question, key terms of its topic."""
    index = sentence_store.load_sentence_index(turn.retriever.location.client, turn.retriever.location.collection)
    query = ev.unit(turn.retriever.embeddings.embed_query(turn.standalone))
    terms = ev.key_terms(topic_text(turn))
    aspect = turn.plan.aspect if turn.plan else ""
    groups = ev.alternatives(turn.standalone, terms)
    return ev.record_quotes(index, hit.record_id, query, terms, aspect, hit.header, groups)


def topic_text(turn: Turn, subject: bool = True) -> str:
    """The words that carry the question's topic (filters, question words and the asked aspect taken out); for an
    aspect over a list the words that say which papers ("EEG"), unless ``subject`` is off."""
    if subject and turn.plan and turn.plan.subject:
        return turn.plan.subject
    terms = turn.result.plan.topic_terms if turn.result else []
    aspect = ASPECT_WORDS.get(turn.plan.aspect) if turn.plan else None
    kept = [
        t
        for t in terms
        if t not in QUESTION_WORDS and not META_WORDS.fullmatch(t) and not (aspect and aspect.fullmatch(t))
    ]
    return " ".join(kept or terms) or turn.standalone


def plan_step(turn: Turn) -> Turn:
    assert turn.analysis is not None
    turn.plan = plan_question(
        turn.standalone, turn.retriever.plan(turn.standalone), turn.analysis, refers_back(turn.question)
    )
    # the kind of detail a lookup asks for (kinds.py); not "which paper is MIT-licensed?", which asks for a paper
    if turn.plan.type in ("lookup", "attribute") and not PAPER_NOUN.fullmatch(focus_noun(turn.standalone)):
        turn.plan.kind = asked_kind(turn.standalone, turn.plan.aspect)
    return turn


def _renumber(hits: list[Hit]) -> list[Hit]:
    for rank, hit in enumerate(hits, start=1):
        hit.rank = rank
    return hits


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
        turn.result.hits = _renumber(named + [h for h in hits if h is not named[0]])
        return
    scored = [(ev.best(turn.quotes[h.record_id]) - RERANK_PRIOR * i, i) for i, h in enumerate(hits[:RERANK_TOP])]
    if scored:
        best = max(scored)[1]
        # a record moves first only when its key terms agree: cosines favour a same-language record (a Chinese
        # summary over the English abstract of the paper a Chinese question is about)
        if best and terms_of(turn, hits[best]) >= terms_of(turn, hits[0]):
            turn.result.hits = _renumber([hits[best]] + [h for i, h in enumerate(hits) if i != best])


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
    turn.result.hits = _renumber(chosen)
    turn.selection.kept = len(chosen)
    if len(chosen) < 2:
        turn.abstained = True
        turn.selection.reason = "fewer than two of the named papers are in the collection"
    elif turn.abstained and all(names(h, turn.standalone) for h in chosen):
        # every paper is named by its short name ("Which involved more clinicians, Cancer-Myth or CounselBench?"):
        # the collection has them, however weakly the question's other words match
        turn.abstained = False
        turn.selection.reason = "every compared paper is named by its short name"


def _candidates(turn: Turn) -> None:
    """Topic, aspect and superlative questions: every allowed record of the collection scored by its sentences.

    A topic member is a record whose relevance to the topic over the whole collection (``topic_scores``: dense
    and BM25 z-scores, with one round of feedback) reaches TOPIC_Z, or one of whose sentences holds TOPIC_KEEP_TERMS
    of the topic's idf-weighted key terms; members are ranked by that relevance, each hit's score is it.
    Superlatives keep every record that gives a number of the measure."""
    assert turn.result is not None and turn.plan is not None
    ids = turn.retriever.matching_records(turn.result.filters)
    hits = {h.record_id: h for h in turn.result.hits}
    turn.retrieved = list(turn.result.hits)
    scored = []
    for rid in ids:
        hit = hits.get(rid) or turn.retriever.hit_for(rid, 0)
        quotes = quotes_for(turn, hit)
        turn.quotes[rid] = quotes
        if quotes:
            scored.append((quotes[0].score, max(q.terms for q in quotes), hit))
    scored.sort(key=lambda s: s[0], reverse=True)
    if turn.plan.type == "superlative":
        counts = {h.record_id: ev.counts_of(turn.quotes[h.record_id], turn.plan.measure) for *_, h in scored}
        kept = [h for *_, h in scored if counts[h.record_id]]
        kept.sort(key=lambda h: counts[h.record_id][0][0], reverse=not turn.plan.fewest)  # the winner first
        turn.selection.reason = f"{len(kept)} of {len(ids)} records give a number of {turn.plan.measure}"
    else:
        relevance = turn.retriever.topic_scores(turn.standalone, topic_text(turn, False), turn.result.filters)
        kept = []
        for _, terms, hit in scored:
            score = relevance.get(hit.record_id, 0.0)
            if score >= TOPIC_Z or terms >= TOPIC_KEEP_TERMS:
                kept.append(replace(hit, score=score))
                turn.selection.why[hit.record_id] = (
                    f"relevance {score:.2f} (threshold {TOPIC_Z}), key terms in one sentence {terms:.0%}"
                )
        kept.sort(key=lambda h: h.score, reverse=True)
        turn.selection.reason = (
            f"{len(kept)} of {len(ids)} records match the topic: relevance over the collection >= {TOPIC_Z} "
            f"or a sentence with {TOPIC_KEEP_TERMS:.0%} of its key terms"
        )
    turn.result.hits = _renumber(kept[:MAX_TOPIC])
    turn.selection.best_sentence = scored[0][0] if scored else 0.0
    turn.selection.candidates, turn.selection.kept = len(ids), len(kept)


def _whole_collection(turn: Turn) -> None:
    """A list with neither filter nor topic asks for the whole collection ("how many papers are there?"): every
    record (only papers when it says papers), not the few a search for its words would find."""
    assert turn.result is not None
    hits = [turn.retriever.hit_for(rid, 0) for rid in turn.retriever.matching_records(turn.result.filters)]
    turn.result.hits = _renumber([h for h in hits if h.kind == "paper" or not PAPER.search(turn.standalone)])
    turn.abstained = not turn.result.hits
    turn.selection.kept = turn.selection.candidates = len(turn.result.hits)
    turn.selection.reason = "no filter and no topic: the whole collection"


def _papers_only(turn: Turn) -> None:
    """A list of papers under an exclusion ("which papers are not posters?", "papers without code") keeps papers
    only: an exclusion also matches every record that lacks the field, and a call for papers or a data resource
    has no presentation, track or code link. Unless the kind is filtered, or the question says nothing of
    papers ("what is not a poster?")."""
    assert turn.result is not None
    filters = turn.result.filters
    if filters.exclude and filters.kind is None and "kind" not in filters.exclude and PAPER.search(turn.standalone):
        turn.result.hits = _renumber([h for h in turn.result.hits if h.kind == "paper"])
        turn.selection.kept = len(turn.result.hits)


def _subject_terms(turn: Turn) -> set[str]:
    """The key terms of a size superlative's topic less the words for data and size ("脑电数据集最大" -> eeg)."""
    terms = ev.key_terms(topic_text(turn))
    dropped = {t for t in terms if DATA_TOKEN.fullmatch(t) or SIZE.search(t)}
    return {t for t in terms - dropped if not any(t in d for d in dropped)}  # nor their pieces: 本量 of 样本量


def _speaks_of(turn: Turn, hit: Hit, subject: set[str]) -> bool:
    """Whether one of the record's sentences or its header holds one of ``subject`` (always, when it is empty)."""
    if not subject:
        return True
    texts = [hit.header, *(q.text for q in turn.quotes.get(hit.record_id, []))]
    return any((set(tokenize(t)) | qualified_bases(t)) & subject for t in texts)


def _topic_present(turn: Turn) -> None:
    """A list or summary is refused when its topic's specific words are nowhere in the collection (abstain.py).
    Not a lookup: its question carries many more words than a list's topic, each a chance of a false refusal (on
    dev it refused 3 of 5 out-of-scope lookups only with word-form rules fitted to its 9 false refusals)."""
    absent = topic_presence(topic_text(turn), vocabulary(turn.retriever.catalog.lexical)).absent
    if absent:  # as the question writes them ("diabete" is the token of "diabetes")
        written = (re.search(rf"\b{re.escape(t)}[\w-]*", turn.standalone, re.I) for t in absent)
        absent = [m.group() if m else t for m, t in zip(written, absent, strict=True)]
        turn.abstained, turn.selection.absent = True, absent
        turn.selection.reason = f"no record uses the question's specific words: {', '.join(absent)}"


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
    described = bool(other) and len(other & set(tokenize(f"{top.header} {body}"))) >= DESCRIBED * len(other)
    if not (named or (described and turn.plan.aspect == "result")):
        return False
    if turn.plan.kind:  # a kind of detail (kinds.py): missing when neither the header nor a sentence could give it
        return not gives(turn.plan.kind, [top.header, *(q.text for q in quotes)])
    value = bool(ASKS_RESULT.search(turn.standalone))  # asked for a result's value: its metric must be there too
    asked = NAMED.findall(turn.standalone) + (METRIC.findall(turn.standalone) if value else [])
    unnamed = [n for n in asked if n.lower() not in body.lower() and n.lower() not in named]
    if turn.plan.aspect == "result" and unnamed and (named or value):
        return True  # a record described, not named, must be asked for a result's value
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
    if plan.type == "attribute" and refers_back(turn.question) and not turn.past:
        # "where is its code?" with no earlier turn: there is no paper "its" can mean, whatever the search found
        turn.abstained = True
        turn.selection.reason = "the question refers to an earlier answer, and there is none"
        return turn
    if plan.type == "compare":
        _compare(turn, plan)
    elif plan.type in ("topic", "aspect", "superlative"):
        if not turn.abstained or turn.result.hits:
            weak = turn.abstained  # the record-level evidence was weak: a sentence must hold the topic's terms
            sized = plan.measure == ev.BY_SIZE  # "which EEG dataset is the largest?": among every record on the topic
            if (
                plan.type == "aspect" or sized
            ) and not turn.result.plan.wants_all:  # "what data did each EEG paper use?"
                turn.result = turn.retriever.search(turn.standalone, filters=turn.filters, wants_all=True)
            _candidates(turn)
            if sized:
                on_topic = {h.record_id for h in turn.retrieved}
                subject = _subject_terms(turn)  # "哪个脑电数据集最大": among the records that speak of EEG
                turn.result.hits = _renumber(
                    [h for h in turn.result.hits if h.record_id in on_topic and _speaks_of(turn, h, subject)]
                )
                turn.selection.kept = len(turn.result.hits)
                turn.selection.reason = f"{len(turn.result.hits)} records on the topic give a size of their data"
            elif plan.type == "superlative" and plan.subject:  # "which of the sepsis papers has the most patients?"
                subject = ev.key_terms(plan.subject)
                turn.result.hits = _renumber([h for h in turn.result.hits if _speaks_of(turn, h, subject)])
                turn.selection.kept = len(turn.result.hits)
            lexical = any(q.terms >= TOPIC_TERMS for h in turn.result.hits for q in turn.quotes[h.record_id])
            # a superlative's evidence is the counted numbers themselves
            counted = plan.type == "superlative"
            turn.abstained = not turn.result.hits or (weak and not lexical and not counted)
            if not turn.abstained and not counted:
                _topic_present(turn)
            if plan.type == "aspect":  # the topic chose the records, the aspect chooses their sentences
                by_aspect(turn, topic_text(turn), QUESTION_WORDS)
    if plan.type == "list" and not turn.result.filters.active():
        _whole_collection(turn)
    if plan.type in ("list", "topic", "aspect", "superlative"):
        _papers_only(turn)
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
    if plan.type == "lookup" and not turn.abstained and EXISTS.search(turn.standalone):
        _topic_present(turn)  # "is there a paper on protein folding?" asks whether the collection has a topic
    if plan.type in ("lookup", "attribute") and (not turn.abstained or named):
        _lookup(turn)
        if _detail_missing(turn):
            turn.detail_missing = turn.abstained = True
            turn.selection.reason = "the record is found but does not give the asked detail"
    return turn
