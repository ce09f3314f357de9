"""The ``exclude`` step: a list whose topic is negated ("Which papers do not use EEG?", "医学影像方向中不是做分割的
论文") leaves out every record that speaks of the negated topic.

The parser (``retrieve/query.py``, ``excluded_terms``) takes the negated words out of the topic; the list is then
chosen as usual (its filters, its remaining topic, or the whole collection) and this step drops each record one of
whose sentences, or its header, holds ``MENTIONS`` of a negated phrase's idf-weighted key terms (a Chinese term
counting by its English words, as everywhere in ``evidence.py``). Lexical on purpose: "does not use EEG" keeps no
record that names EEG, and the answer says how many were left out and why.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.answer import evidence as ev
from assistant.index import sentences as sentence_store

if TYPE_CHECKING:
    from assistant.answer.chain import Turn

MENTIONS = 0.8  # share of the negated words' key terms one sentence (or the header) must hold, as TOPIC_KEEP_TERMS


def mentions(turn: Turn, phrase: str) -> set[str]:
    """The ids of the listed records that speak of ``phrase``."""
    assert turn.result is not None
    index = sentence_store.load_sentence_index(turn.retriever.location.client, turn.retriever.location.collection)
    query = ev.unit(turn.retriever.embeddings.embed_query(phrase))
    terms = ev.key_terms(phrase)
    groups = ev.alternatives(phrase, terms)
    found = set()
    for hit in turn.result.hits:
        quotes = ev.record_quotes(index, hit.record_id, query, terms, "", hit.header, groups)
        if terms and max((q.terms for q in quotes), default=0.0) >= MENTIONS:
            found.add(hit.record_id)
    return found


def exclude_step(turn: Turn) -> Turn:
    """Drop the records on a negated topic from a list (see module doc); a list left empty is refused."""
    if turn.result is None or turn.plan is None or turn.abstained or not turn.result.plan.excluded_terms:
        return turn
    if turn.plan.type not in ("list", "topic", "aspect"):
        return turn
    phrases = turn.result.plan.excluded_terms
    dropped = set().union(*(mentions(turn, phrase) for phrase in phrases))
    turn.result.hits = [h for h in turn.result.hits if h.record_id not in dropped]
    for rank, hit in enumerate(turn.result.hits, start=1):
        hit.rank = rank
    turn.selection.excluded = sorted(dropped)
    turn.selection.kept = len(turn.result.hits)
    turn.selection.reason += f"; {len(dropped)} records that speak of {' or '.join(phrases)} left out"
    turn.abstained = not turn.result.hits
    return turn
