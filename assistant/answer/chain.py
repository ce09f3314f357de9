"""The retrieval-augmented chain, as a data flow of named Runnables:

    condense -> spell -> analyse -> plan -> retrieve -> select -> build_context -> answer -> check_citations

Each step takes and returns the ``Turn`` state, so each can be run and tested alone.
``answer_chain`` runs them all; ``stream_answer`` runs the first four, then streams the answer.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypedDict, Unpack

from langchain_core.runnables import RunnableLambda

from assistant.answer import history as hist
from assistant.answer import llm
from assistant.answer.abstain import judge, refusal_reason, vocabulary
from assistant.answer.analyse import analyse, language
from assistant.answer.citations import check_citations
from assistant.answer.condense import condense_offline, continues, of_list, refers_back
from assistant.answer.context import Source, build_context
from assistant.answer.exclusion import exclude_step
from assistant.answer.extractive import extractive_answer, group_counts, used_quotes
from assistant.answer.history import HistoryItem, HistoryTurn, as_turn, questions, resolve_references
from assistant.answer.select import plan_step, select_step
from assistant.answer.sentences import split_sentences
from assistant.answer.tagged import MARKS, check_tags, sources_block
from assistant.answer.turn import MAX_QUESTION_CHARS, QuestionError, Turn, clean_question, llm_deadline
from assistant.answer.typos import corrected
from assistant.answer.wording import SCAFFOLD
from assistant.index.tokens import count_tokens
from assistant.retrieve.query import Filters
from assistant.settings import Settings, get_settings

__all__ = ["MAX_QUESTION_CHARS", "QuestionError", "Turn", "answer", "answer_chain", "clean_question", "stream_answer"]

HISTORY_TOKENS = 1000  # previous questions sent to the LLM for condensing, newest first
HISTORY_ENTRIES = 200
QUOTE_CHARS = 300
HISTORY_ANSWER_CHARS = 400  # of each earlier answer, in the condense prompt


Step = Callable[["Turn"], "Turn"]


def timed(name: str) -> Callable[[Step], RunnableLambda[Turn, Turn]]:
    """Wrap a step so its duration lands in ``turn.timings_ms[name]``; the Runnable is named ``name``."""

    def wrap(step: Step) -> RunnableLambda[Turn, Turn]:
        def run(turn: Turn) -> Turn:
            started = time.perf_counter()
            out = step(turn)
            turn.timings_ms[name] = (time.perf_counter() - started) * 1000
            return out

        return RunnableLambda(run, name=name)

    return wrap


def _subject_of(turn: Turn) -> Callable[[str], str | None]:
    def subject(question: str) -> str | None:
        hits = turn.retriever.search(question, k=1).hits
        return hits[0].name if hits else None

    return subject


def _elliptical(turn: Turn) -> bool:
    """A follow-up that names nothing and has no "it"/"its" ("How many physicians took part?", "代码链接是什么?"):
    too weak to answer alone, while its words fit the record the conversation is about."""
    alone = turn.retriever.search(turn.question)
    if judge(alone, language(turn.question), turn.settings).answerable:
        return False
    previous = condense_offline(turn.history[-1], turn.history[:-1], _subject_of(turn))
    hits = turn.retriever.search(previous, k=1).hits
    return bool(hits) and continues(turn.question, f"{hits[0].header}\n{turn.retriever.record_text(hits[0].record_id)}")


def _name_of(turn: Turn) -> Callable[[str], str | None]:
    def name(record_id: str) -> str | None:
        known = record_id in turn.retriever.catalog.records
        return turn.retriever.hit_for(record_id, 0).name if known else None

    return name


def history_lines(turn: Turn) -> str:
    """The earlier turns for the LLM's condense prompt: each question, its answer (shortened) and its records."""
    name, lines = _name_of(turn), []
    for past in turn.past:
        lines.append(f"- Q: {past['question']}")
        if past.get("answer"):
            lines.append(f"  A: {' '.join(past['answer'].split())[:HISTORY_ANSWER_CHARS]}")
        names = [n for n in (name(r) for r in past.get("records", [])) if n]
        if names:
            lines.append("  records, in order: " + "; ".join(f"{i}. {n}" for i, n in enumerate(names, start=1)))
    return "\n".join(lines)


def _answered_past(turn: Turn) -> list[HistoryTurn]:
    """The earlier turns. When the last one is a bare question (``ask --history-file`` with questions) or names no
    record of this index (stale ids after a re-ingest) and this one points into its answer ("第二篇", "它们", "the
    second one"), that answer's records, by answering it again offline."""
    past = turn.past
    known = [r for r in past[-1].get("records", []) if r in turn.retriever.catalog.records] if past else []
    if not past or known or hist.referenced(turn.question, hist.REFERENCE_LIMIT) is None:
        return past
    earlier = answer_chain.invoke(new_turn(past[-1]["question"], past[:-1], turn.settings, "extractive", turn.filters))
    return [*past[:-1], {**past[-1], "records": [source.hit.record_id for source in earlier.sources]}]


@timed("condense")
def condense(turn: Turn) -> Turn:
    """Rewrite a follow-up into a standalone question (LLM for the openai backend, else by reference)."""
    turn.standalone = turn.question
    if not turn.history:
        return turn
    asks_list = lambda q: turn.retriever.plan(q).wants_all  # noqa: E731
    listed = of_list(turn.question, turn.history[-1], asks_list)
    if not listed and (resolved := resolve_references(turn.question, _answered_past(turn), _name_of(turn))):
        turn.standalone = resolved  # "the second one", "compare them": the previous answer's records, by name
        return turn
    elliptical = not refers_back(turn.question) and _elliptical(turn)
    if not elliptical and not refers_back(turn.question):
        return turn
    if turn.backend == "openai":
        prompt = turn.prompts["condense"].format(history=history_lines(turn), question=turn.question)
        try:
            messages = llm.answer_messages("You rewrite questions.", prompt)
            rewritten = "".join(llm.stream_tokens(turn.settings, messages, llm_deadline(turn), turn.cancelled)).strip()
            turn.standalone = rewritten.splitlines()[0].strip() if rewritten else turn.question
            return turn
        except llm.BackendError as exc:
            turn.error = str(exc)  # fall through to the offline rewrite, and say so
    turn.standalone = condense_offline(
        turn.question,
        turn.history,
        _subject_of(turn),
        elliptical=elliptical,
        asks_list=asks_list,
    )
    return turn


@timed("spell")
def spell(turn: Turn) -> Turn:
    """Misspelled words read as the collection's words ("alzhiemers" -> alzheimer, "Resp-Agnet" -> resp-agent)."""
    turn.standalone = corrected(turn.standalone, vocabulary(turn.retriever.catalog.lexical))
    return turn


@timed("analyse")
def analyse_step(turn: Turn) -> Turn:
    """Language, kind of question and the filters it states."""
    plan = turn.retriever.plan(turn.standalone)
    turn.analysis = analyse(turn.question, plan)
    return turn


plan = timed("plan")(plan_step)


@timed("retrieve")
def retrieve(turn: Turn) -> Turn:
    """Hybrid search, then judge whether the sources can answer at all."""
    turn.result = turn.retriever.search(turn.standalone, filters=turn.filters)
    turn.evidence = judge(turn.result, turn.lang, turn.settings)
    turn.abstained = not turn.evidence.answerable
    for key, value in turn.result.timings_ms.items():
        turn.timings_ms[f"retrieve.{key}"] = value
    return turn


select = timed("select")(select_step)
exclude = timed("exclude")(exclude_step)


@timed("build_context")
def context(turn: Turn) -> Turn:
    """Number the sources [1]..[n] under the token budget, each with its scored sentences (none when abstaining,
    but a found record that lacks the asked detail keeps its source)."""
    assert turn.result is not None and turn.analysis is not None and turn.plan is not None
    if turn.abstained and not turn.detail_missing:
        return turn
    full = {h.record_id: turn.retriever.record_text(h.record_id) for h in turn.result.hits}
    many = turn.plan.type in ("list", "topic", "aspect", "superlative")
    turn.sources = build_context(turn.result.hits, full, turn.settings.answer.context_tokens, compact=many)
    for source in turn.sources:
        source.quotes = turn.quotes.get(source.hit.record_id, [])
    return turn


def offline_answer(turn: Turn) -> Iterator[str]:
    assert turn.plan is not None
    total = turn.selection.candidates
    return extractive_answer(
        turn.sources,
        turn.plan,
        turn.lang,
        total=total,
        matched=len(turn.result.hits) if turn.result else 0,
        groups=group_counts(turn.result.hits, turn.plan.group) if turn.result and turn.plan.group else None,
        left_out=(len(turn.selection.excluded), " / ".join(turn.result.plan.excluded_terms) if turn.result else ""),
        missing=turn.selection.missing,
        detail_missing=turn.detail_missing,
    )


def answer_tokens(turn: Turn) -> Iterator[str]:
    """The answer as a stream of text pieces, from the chosen backend. Sets ``turn.answered_by``."""
    assert turn.analysis is not None
    refusal = turn.prompts.refusal(turn.lang)
    if turn.detail_missing and turn.sources:  # composed from the record itself on either backend
        turn.answered_by = "extractive"
        yield from offline_answer(turn)
        return
    if turn.abstained or not turn.sources:
        turn.abstained, turn.answered_by = (
            True,
            turn.backend if turn.backend == "extractive" else llm.describe(turn.settings),
        )
        yield refusal
        if reason := refusal_reason(turn.selection.absent, turn.result, turn.lang):
            yield " " + reason
        return
    if turn.backend == "extractive":
        turn.answered_by = "extractive"
        yield from offline_answer(turn)
        return
    turn.answered_by = llm.describe(turn.settings)
    lang_name = "Chinese (简体中文)" if turn.lang == "zh" else "English"
    system = turn.prompts["system"].format(refusal=refusal, language=lang_name)
    user = turn.prompts["answer"].format(
        sources=sources_block(turn.sources), question=turn.standalone, language=lang_name
    )
    yield from llm.stream_tokens(turn.settings, llm.answer_messages(system, user), llm_deadline(turn), turn.cancelled)


def generate_into(turn: Turn) -> Iterator[str]:
    """Run the backend, collecting the text into the turn; a backend failure is recorded, not raised.

    When the LLM fails, the partial answer is kept and marked; the offline answer is offered below it,
    labelled as such (never silently substituted).
    """
    started = time.perf_counter()
    pieces: list[str] = []
    try:
        for piece in answer_tokens(turn):
            pieces.append(piece)
            yield piece
    except llm.BackendError as exc:
        turn.error, turn.partial = str(exc), bool(pieces)
        notice = ("\n\n[answer interrupted: " if pieces else "") + str(exc) + ("]" if pieces else "")
        turn.notices.append(notice)
        pieces.append(notice)
        yield notice
        if turn.settings.answer.fallback_to_extractive and turn.sources:
            label = "\n\nOffline extractive answer instead (not from the LLM):\n"
            fallback = "".join(offline_answer(turn))
            pieces += [label, fallback]
            yield label + fallback
            turn.answered_by = f"extractive (fallback after {turn.answered_by} failed)"
    turn.text = "".join(pieces).strip()
    turn.timings_ms["answer"] = (time.perf_counter() - started) * 1000


@timed("answer")
def answer_step(turn: Turn) -> Turn:
    for _ in generate_into(turn):
        pass
    return turn


@timed("check_citations")
def check(turn: Turn) -> Turn:
    """Check the sentence ids an LLM answer cites (marking claims without a valid one), drop citations that point
    nowhere, flag unsupported sentences, and list what was cited with its sentence ids and quotes."""
    refusal = turn.prompts.refusal(turn.lang)
    if turn.text.strip() == refusal:
        turn.abstained = True
    notices = {sentence for notice in turn.notices for sentence in split_sentences(notice)}
    reason = {refusal_reason(turn.selection.absent, turn.result, turn.lang)} - {""}  # a refusal's reason
    scaffold = {refusal} | reason | SCAFFOLD | notices
    marked: list[str] = []
    if turn.backend == "openai" and not turn.abstained and turn.answered_by == llm.describe(turn.settings):
        tags = check_tags(turn.text, turn.sources, scaffold, turn.lang)
        turn.text, turn.sentence_ids, marked = tags.text, tags.sentence_ids, tags.marked
        turn.invalid_citations = [int(x[1:]) for x in tags.invalid_ids]
    by_n = {s.n: s for s in turn.sources}
    full = {n: f"{s.hit.header}\n{turn.retriever.record_text(s.hit.record_id)}" for n, s in by_n.items()}
    checked = check_citations(turn.text, full, scaffold | MARKS)
    turn.text = checked.text
    turn.invalid_citations = sorted(set(turn.invalid_citations) | set(checked.invalid))
    # an id-checked LLM answer: the unsupported claims are those marked (the token check cannot read a Chinese
    # answer over English sources)
    turn.unsupported = marked if turn.sentence_ids or marked else checked.unsupported
    turn.citations = [citation(by_n[n], turn) for n in checked.cited]
    if turn.abstained and not turn.detail_missing:
        turn.citations = []
    return turn


def citation(source: Source, turn: Turn) -> dict[str, Any]:
    """A citation entry: which record, and the sentences of it the answer rests on (ids and exact quotes)."""
    if source.n in turn.sentence_ids:
        by_id = {q.sentence_id: q for q in source.quotes}
        used = [by_id[i] for i in turn.sentence_ids[source.n] if i in by_id]
    else:
        used = used_quotes(turn.text, source)
    return {
        "n": source.n,
        "record_id": source.hit.record_id,
        "title": source.hit.title,
        "sentence_ids": [q.sentence_id for q in used],
        "quotes": [q.text for q in used],
        "spans": [[q.start, q.end] for q in used],
        "quote": used[0].text[:QUOTE_CHARS] if used else "",
        "url": source.hit.url,
        "sources": source.hit.sources,
    }


prepare_chain = condense | spell | analyse_step | plan | retrieve | select | exclude | context
answer_chain = prepare_chain | answer_step | check


def new_turn(
    question: str,
    history: Sequence[HistoryItem] | None,
    settings: Settings | None,
    backend: str | None,
    filters: Filters | None,
) -> Turn:
    settings = settings or get_settings()
    backend = backend or settings.answer.backend
    if backend not in ("extractive", "openai"):
        raise ValueError(f"backend must be extractive or openai, not {backend!r}")
    past = capped_history(history or [])
    return Turn(clean_question(question), questions(past), settings, backend, filters or Filters(), past=past)


def capped_history(history: Sequence[HistoryItem]) -> list[HistoryTurn]:
    """The latest previous turns that fit in HISTORY_TOKENS (older ones are dropped, not sent)."""
    kept: list[HistoryTurn] = []
    budget = HISTORY_TOKENS
    for entry in reversed(history[-HISTORY_ENTRIES:]):
        turn = as_turn(entry)
        try:
            cleaned = clean_question(turn["question"])
        except QuestionError:  # an empty or control-character entry says nothing: dropped
            continue
        budget -= count_tokens(cleaned) + count_tokens(turn.get("answer", "")) + 2
        if budget < 0:
            break
        kept.append({**turn, "question": cleaned})
    return kept[::-1]


class AskOptions(TypedDict, total=False):
    """How to answer: the settings (default: from the environment), the backend (default: the settings'),
    and explicit filters (merged over those recognised in the question)."""

    settings: Settings | None
    backend: str | None
    filters: Filters | None
    cancelled: Callable[[], bool] | None  # asked while an LLM answer waits for tokens: yes ends it (chat's Stop)


def _turn_for(question: str, history: Sequence[HistoryItem] | None, options: AskOptions) -> Turn:
    turn = new_turn(question, history, options.get("settings"), options.get("backend"), options.get("filters"))
    turn.cancelled = options.get("cancelled")
    return turn


def answer(question: str, history: Sequence[HistoryItem] | None = None, **options: Unpack[AskOptions]) -> Turn:
    """Answer one question; ``.to_dict()`` gives the JSON shape."""
    started = time.perf_counter()
    turn = answer_chain.invoke(_turn_for(question, history, options))
    turn.timings_ms["total"] = (time.perf_counter() - started) * 1000
    return turn


def stream_answer(
    question: str, history: Sequence[HistoryItem] | None = None, **options: Unpack[AskOptions]
) -> Iterator[tuple[str, Any]]:
    """Events: ("sources", Turn) once retrieval is done, ("token", str) as text arrives, ("done", Turn)."""
    started = time.perf_counter()
    turn = prepare_chain.invoke(_turn_for(question, history, options))
    yield "sources", turn
    for piece in generate_into(turn):
        yield "token", piece
    turn = check.invoke(turn)
    turn.timings_ms["total"] = (time.perf_counter() - started) * 1000
    yield "done", turn
