"""Lists: the records a topic, aspect or superlative question is about, from the whole collection (the ``select``
step's list path, see ``select.py``), and the lists a filter alone defines.

- topic / aspect / superlative: candidates from the whole collection (under the question's filters), each kept
  when its evidence for the topic reaches ``TOPIC_Z`` or one of its sentences holds the topic's key terms, less
  the loose matches below a clear break after the first members (``_candidates``); a list whose topic's specific
  words no record uses is refused (``abstain.topic_presence``);
- a list with neither filter nor topic is the whole collection; a list under an exclusion keeps papers only.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from assistant.answer import evidence as ev
from assistant.answer.abstain import action, topic_presence, vocabulary
from assistant.answer.aspect import by_aspect
from assistant.answer.counting import SIZE
from assistant.answer.plan import ASPECT_WORDS as ASPECTS
from assistant.answer.plan import METRIC, QuestionPlan
from assistant.index import sentences as sentence_store
from assistant.retrieve.abbreviations import qualified_bases
from assistant.retrieve.hybrid import Hit
from assistant.retrieve.query import META_WORDS
from assistant.retrieve.text import tokenize

if TYPE_CHECKING:
    from assistant.answer.chain import Turn

# Topic lists: a member's evidence reaches TOPIC_Z, or one of its sentences holds TOPIC_KEEP_TERMS of the topic's
# idf-weighted key terms. The evidence: its relevance over the collection (a z-score, HybridRetriever.topic_scores)
# mixed with PHRASE_WEIGHT of its best sentence's z-scored cosine with the topic phrase alone (``phrase_scores``),
# plus TERMS_WEIGHT times the share of the key terms its best sentence holds. Set by a grid search on the dev split's
# 64 topic, aggregate and aspect lists (record-level recall 0.81 -> 0.80, precision 0.79 -> 0.84 against the
# relevance alone at 1.4; see evals/RESULTS.md for the earlier search).
TOPIC_Z = 1.8
PHRASE_WEIGHT = 0.25
TERMS_WEIGHT = 1.0
TOPIC_KEEP_TERMS = 0.8
# ... unless the list breaks after its first BREAK_AFTER members: the steepest fall of evidence comes there and drops
# below BREAK of the member above (``_clear_break``; dev lists: record precision 0.851 -> 0.872, recall 0.896 -> 0.887)
BREAK = 0.45
BREAK_AFTER = 2
TOPIC_TERMS = 0.5  # weak record-level evidence: a topic list is answered when a member's sentence holds this share
MAX_TOPIC = 40
_ASKING = (
    "summarize summarise summary overview citation cite use used using uses main deal deals propose proposed "
    "about related relate concern concerning focus focused give short brief briefly each whether including "
    "mention mentions mentioned discuss discusses discussed involve involves involving cover covers address "
    "addresses tackle tackles investigate investigates explore explores examine examines analyse analyses analyze "
    "analyzes one interested interest curious "  # "one by one", "I am interested in"
    "总结 概述 概括 引用 使用 相关 主要 逐一 各自 分别 "
    "处理 用到 利用 采用 基于 涉及 关注 针对 围绕 讨论 探讨".split()  # 哪些论文处理/用到/关注 X: the verb of the list
)
# as written and as the tokenizer gives them (focus -> focu), since topic terms are tokens
QUESTION_WORDS = frozenset(_ASKING) | frozenset(t for w in _ASKING for t in tokenize(w))
ASPECT_WORDS = dict(ASPECTS)
PAPER = re.compile(r"\bpapers?\b|论文", re.I)
DATA_TOKEN = re.compile(
    r"data\w*|benchmarks?|corp(?:us|ora)|cohorts?|samples?|sizes?|数据\w*|据集|基准|语料\w*|样本\w*|规模", re.I
)  # 据集: 数据集's bigram


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


def renumber(hits: list[Hit]) -> list[Hit]:
    for rank, hit in enumerate(hits, start=1):
        hit.rank = rank
    return hits


def topic_phrase(turn: Turn) -> str:
    """The topic's words as one phrase, without the pieces a Chinese term is also indexed by (计算 of 计算机)."""
    words = list(dict.fromkeys(topic_text(turn, False).split()))
    return " ".join(w for w in words if not any(w != other and w in other for other in words))


def phrase_scores(turn: Turn) -> dict[str, float]:
    """Each record's best sentence cosine with the topic phrase alone (not the whole question, whose other words
    pull toward any paper that asks or lists), as a z-score over every record of the collection."""
    index = sentence_store.load_sentence_index(turn.retriever.location.client, turn.retriever.location.collection)
    query = ev.unit(turn.retriever.embeddings.embed_query(topic_phrase(turn)))
    best = {rid: float(index.similarity(rows, query).max()) for rid, rows in index.by_record.items() if rows}
    if not best:
        return {}
    values = np.fromiter(best.values(), dtype=np.float64)
    spread = float(values.std()) or 1.0
    return {rid: (cos - float(values.mean())) / spread for rid, cos in best.items()}


def _clear_break(kept: list[Hit], terms: dict[str, float]) -> list[Hit]:
    """A list of one or two clear members: when the steepest fall of evidence down the ranked members comes after
    the first or second and drops below ``BREAK`` of the one above, the records below it are loose matches
    (a CT paper under "ultrasound", a time-series paper under insurance fraud), kept only when one of their
    sentences holds the topic's key terms."""
    if len(kept) < 2 or kept[0].score <= 0:
        return kept
    fall, at = min((kept[i + 1].score / kept[i].score, i) for i in range(len(kept) - 1) if kept[i].score > 0)
    if fall >= BREAK or at >= BREAK_AFTER:
        return kept
    return kept[: at + 1] + [h for h in kept[at + 1 :] if terms[h.record_id] >= TOPIC_KEEP_TERMS]


def _candidates(turn: Turn) -> None:
    """Topic, aspect and superlative questions: every allowed record of the collection scored by its sentences.

    A topic member is a record whose evidence (its relevance to the topic over the whole collection,
    ``topic_scores``: dense and BM25 z-scores with one round of feedback; its sentence nearest the topic phrase,
    ``phrase_scores``; the key terms its best sentence holds) reaches TOPIC_Z, or one of whose sentences holds
    TOPIC_KEEP_TERMS of the topic's idf-weighted key terms; members are ranked by that evidence, each hit's score.
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
        phrase = phrase_scores(turn)
        kept, held = [], {}
        for _, terms, hit in scored:
            rel, near = relevance.get(hit.record_id, 0.0), phrase.get(hit.record_id, 0.0)
            score = (rel + PHRASE_WEIGHT * near) / (1 + PHRASE_WEIGHT) + TERMS_WEIGHT * terms
            if score >= TOPIC_Z or terms >= TOPIC_KEEP_TERMS:
                kept.append(replace(hit, score=score))
                held[hit.record_id] = terms
                turn.selection.why[hit.record_id] = (
                    f"evidence {score:.2f} (threshold {TOPIC_Z}: relevance {rel:.2f}, sentence near the topic "
                    f"{near:.2f}), key terms in one sentence {terms:.0%}"
                )
        kept = _clear_break(sorted(kept, key=lambda h: h.score, reverse=True), held)
        turn.selection.reason = (
            f"{len(kept)} of {len(ids)} records match the topic: evidence >= {TOPIC_Z} "
            f"or a sentence with {TOPIC_KEEP_TERMS:.0%} of its key terms"
        )
    turn.result.hits = renumber(kept[:MAX_TOPIC])
    turn.selection.best_sentence = scored[0][0] if scored else 0.0
    turn.selection.candidates, turn.selection.kept = len(ids), len(kept)


def whole_collection(turn: Turn) -> None:
    """A list with neither filter nor topic asks for the whole collection ("how many papers are there?"): every
    record (only papers when it says papers), not the few a search for its words would find."""
    assert turn.result is not None
    hits = [turn.retriever.hit_for(rid, 0) for rid in turn.retriever.matching_records(turn.result.filters)]
    turn.result.hits = renumber([h for h in hits if h.kind == "paper" or not PAPER.search(turn.standalone)])
    turn.abstained = not turn.result.hits
    turn.selection.kept = turn.selection.candidates = len(turn.result.hits)
    turn.selection.reason = "no filter and no topic: the whole collection"


def of_extreme_year(turn: Turn, order: str) -> None:
    """Keep the list's records of its latest year ("newest") or earliest ("oldest"), by the catalog's year."""
    assert turn.result is not None
    years = [h.year for h in turn.result.hits if h.year]
    if years:
        year = max(years) if order == "newest" else min(years)
        turn.result.hits = renumber([h for h in turn.result.hits if h.year == year])
        turn.selection.kept = len(turn.result.hits)
        turn.selection.reason += f"; the {order}: {year}"


def papers_only(turn: Turn) -> None:
    """A list of papers under an exclusion ("which papers are not posters?", "papers without code") keeps papers
    only: an exclusion also matches every record that lacks the field, and a call for papers or a data resource
    has no presentation, track or code link. Unless the kind is filtered, or the question says nothing of
    papers ("what is not a poster?")."""
    assert turn.result is not None
    filters = turn.result.filters
    negated = filters.exclude or filters.together
    if negated and filters.kind is None and "kind" not in negated and PAPER.search(turn.standalone):
        turn.result.hits = renumber([h for h in turn.result.hits if h.kind == "paper"])
        turn.selection.kept = len(turn.result.hits)


def _superlative_subject(turn: Turn, plan: QuestionPlan) -> set[str]:
    """What a superlative ranks within: its subject's key terms (any one of them: the list's subject or the field's
    acronyms, ``plan.field_words``), not the counted thing's words."""
    return (ev.key_terms(plan.subject) if plan.subject else set()) - set(plan.measure.split())


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


def topic_present(turn: Turn, things_only: bool = False) -> None:
    """A list or summary is refused when its topic's specific words are nowhere in the collection (abstain.py).
    A lookup only when it asks whether the collection has a topic, or its evidence is marginal: its question carries
    many more words than a list's topic, each a chance of a false refusal (on dev, applied to every lookup, it refused
    3 of 5 out-of-scope lookups only with word-form rules fitted to its 9 false refusals); ``things_only``: its
    words for actions, a paraphrase's own verbs (skims, 切除), do not count."""
    absent = topic_presence(topic_text(turn), vocabulary(turn.retriever.catalog.lexical)).absent
    absent = [t for t in absent if not (things_only and action(t))]
    if absent:  # as the question writes them ("diabete" is the token of "diabetes")
        written = (re.search(rf"\b{re.escape(t)}[\w-]*", turn.standalone, re.I) for t in absent)
        absent = [m.group() if m else t for m, t in zip(written, absent, strict=True)]
        turn.abstained, turn.selection.absent = True, absent
        turn.selection.reason = f"no record uses the question's specific words: {', '.join(absent)}"


def _reports(turn: Turn, hit: Hit, metric: set[str]) -> bool:
    """Whether one of the record's sentences gives a result on the metric: it names the metric and states a result
    reached (``evidence.ANSWERS``: a value, outperforming, improving by)."""
    reached = ev.ANSWERS["result"]
    return any(set(tokenize(q.text)) & metric and reached.search(q.text) for q in turn.quotes.get(hit.record_id, []))


def members(turn: Turn, plan: QuestionPlan) -> None:
    """A topic, aspect or superlative question's records from the whole collection (see module doc); refused when
    none is kept, or when the record-level evidence was weak and no member's sentence holds the topic's terms."""
    assert turn.result is not None
    weak = turn.abstained  # the record-level evidence was weak: a sentence must hold the topic's terms
    sized = plan.measure == ev.BY_SIZE  # "which EEG dataset is the largest?": among every record on the topic
    if (plan.type == "aspect" or sized) and not turn.result.plan.wants_all:  # "what data did each EEG paper use?"
        turn.result = turn.retriever.search(turn.standalone, filters=turn.filters, wants_all=True)
    _candidates(turn)
    if sized:
        on_topic = {h.record_id for h in turn.retrieved}
        subject = _subject_terms(turn)  # "哪个脑电数据集最大": among the records that speak of EEG
        turn.result.hits = renumber(
            [h for h in turn.result.hits if h.record_id in on_topic and _speaks_of(turn, h, subject)]
        )
        turn.selection.kept = len(turn.result.hits)
        turn.selection.reason = f"{len(turn.result.hits)} records on the topic give a size of their data"
    elif plan.type == "aspect" and plan.aspect == "result" and METRIC.fullmatch(plan.subject):
        # "which paper reports the highest accuracy?": the papers that report a value of it, each with its result
        metric = ev.key_terms(plan.subject)
        turn.result.hits = renumber([h for h in turn.result.hits if _reports(turn, h, metric)])
        turn.selection.kept = len(turn.result.hits)
        turn.selection.reason += f", {len(turn.result.hits)} of them report {plan.subject}"
    elif plan.type == "superlative" and (subject := _superlative_subject(turn, plan)):
        # "which of the sepsis papers has the most patients?", "Which fMRI study ...": among the records on it
        turn.result.hits = renumber([h for h in turn.result.hits if _speaks_of(turn, h, subject)])
        turn.selection.kept = len(turn.result.hits)
        turn.selection.reason += f", {len(turn.result.hits)} of them on {', '.join(sorted(subject))}"
    lexical = any(q.terms >= TOPIC_TERMS for h in turn.result.hits for q in turn.quotes[h.record_id])
    # a superlative's evidence is the counted numbers themselves
    counted = plan.type == "superlative"
    turn.abstained = not turn.result.hits or (weak and not lexical and not counted)
    # a member's sentence that holds the topic's terms (as written, or by a variant, an abbreviation or a lay word)
    # shows the topic is there, whatever the vocabulary check says ("chest radiographs": records say chest X-ray)
    held = any(q.terms >= TOPIC_KEEP_TERMS for h in turn.result.hits for q in turn.quotes[h.record_id])
    if not turn.abstained and not counted and not held:
        topic_present(turn)
    if plan.type == "aspect":  # the topic chose the records, the aspect chooses their sentences
        by_aspect(turn, topic_text(turn), QUESTION_WORDS)
