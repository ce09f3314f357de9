"""An aspect asked over a list ("what datasets did the EEG papers use?"): the list's topic chose the records
(``select.py``); the aspect chooses each one's sentence. Every sentence of a listed record shares the topic's words,
so they cannot tell the sentence that names a data set from the one that says what the paper is about: the
sentences are scored again against the aspect's own query, the question less its topic words ("what datasets did
the papers use?"), with the aspect's key terms and its ``want`` pattern (``evidence.py``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from assistant.answer import evidence as ev
from assistant.index import sentences as sentence_store
from assistant.retrieve.text import tokenize

if TYPE_CHECKING:
    from assistant.answer.turn import Turn


def aspect_query(question: str, topic: str) -> str:
    """The question less the words that say which papers: ("What datasets do the EEG papers use?", "EEG") -> "What
    datasets do the papers use?"; a topic not written as one phrase loses each of its words."""
    if topic and topic.lower() in question.lower():
        rest = re.sub(re.escape(topic), " ", question, flags=re.I)
    else:
        words = set(tokenize(topic))
        rest = " ".join(w for w in question.split() if not (tokenize(w) and set(tokenize(w)) <= words))
    rest = re.sub(r"\s+", " ", rest).strip()
    return rest if tokenize(rest) else question


def by_aspect(turn: Turn, topic: str, ignored: frozenset[str]) -> None:
    """Score the sentences of each listed record for the aspect (see module doc); ``ignored``: the question words
    that are no key term of it ("each", "use")."""
    assert turn.result is not None and turn.plan is not None
    query_text = aspect_query(turn.standalone, topic)
    index = sentence_store.load_sentence_index(turn.retriever.location.client, turn.retriever.location.collection)
    query = ev.unit(turn.retriever.embeddings.embed_query(query_text))
    terms = ev.key_terms(query_text) - ignored
    for hit in turn.result.hits:
        turn.quotes[hit.record_id] = ev.record_quotes(index, hit.record_id, query, terms, turn.plan.aspect)
