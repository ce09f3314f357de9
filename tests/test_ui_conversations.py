"""The conversation store (real SQLite in a temp dir), the history the UI hands the chain, the session's
queue, and the small pieces of the page that are pure functions (track choices, relevance labels, notices)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.retrieve.query import Filters
from assistant.settings import Settings
from assistant.ui.cards import relevance_label
from assistant.ui.conversations import ConversationStore, answer_records, history_of, title_from
from assistant.ui.filters import filters_from_inputs, track_choices
from assistant.ui.handlers import Answering
from assistant.ui.messages import render_message
from assistant.ui.session import Asked, ChatSession
from assistant.ui.status import backend_status
from assistant.ui.views import SourceView, TurnView


def source(n: int, record_id: str, dense: float = 0.8, bm25: float = 3.0) -> SourceView:
    return SourceView(n=n, record_id=record_id, title=f"Paper {record_id}", dense=dense, bm25=bm25, score=0.03)


def listing() -> TurnView:
    return TurnView(
        question="list the EEG papers",
        text="- **Paper b** ... [2]\n- **Paper a** ... [1]",
        backend="extractive",
        answered_by="extractive",
        sources=[source(1, "a"), source(2, "b"), source(3, "c")],
        citations=[{"n": 2, "record_id": "b", "sentence_id": "b:0"}, {"n": 1, "record_id": "a"}],
        applied_filters={"track": "clinical NLP"},
        timings_ms={"total": 12.5},
    )


def test_store_keeps_turns_with_records_filters_and_timings(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path / "conversations.sqlite3")
    store.add_turn("c1", listing())
    store.add_turn("c1", TurnView(question="tell me more about the second one", text="It ...", backend="openai"))
    (row, second) = store.turn_rows("c1")
    assert row["records"] == ["b", "a"]  # in the order the answer gives them
    assert row["sentence_ids"] == ["b:0"] and row["filters"] == {"track": "clinical NLP"}
    assert row["timings"] == {"total": 12.5} and row["answered_by"] == "extractive"
    assert second["backend"] == "openai" and second["position"] == 1
    reopened = ConversationStore(tmp_path / "conversations.sqlite3").turns("c1")
    assert reopened[0] == listing()  # a reopened chat renders exactly as it was


def test_chats_are_listed_newest_first_renamed_and_deleted(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path / "c.sqlite3")
    store.add_turn("old", TurnView(question="what is LiveClin?"))
    store.add_turn("new", TurnView(question="哪篇论文研究呼吸音诊断?"))
    assert [c.title for c in store.list()] == ["哪篇论文研究呼吸音诊断?", "what is LiveClin?"]
    store.add_turn("old", TurnView(question="does it have code?"))  # a new turn moves the chat to the top
    assert [c.id for c in store.list()] == ["old", "new"]
    store.rename("old", "  LiveClin  ")
    assert store.list()[0].title == "LiveClin"
    with pytest.raises(ValueError, match="cannot be empty"):
        store.rename("old", "   ")
    store.delete("old")
    assert [c.id for c in store.list()] == ["new"] and store.turns("old") == []
    store.drop_last_turn("new")
    assert store.list()[0].turns == 0


def test_title_is_the_first_question_cut_at_a_word() -> None:
    assert title_from("what  is\nLiveClin?") == "what is LiveClin?"
    long = title_from("which papers " * 20)
    assert long.endswith("…") and len(long) <= 61 and not long[:-1].endswith(" ")


def test_history_carries_answers_and_records_and_skips_notices() -> None:
    notice = TurnView(question="x", notice="⚠️ index missing")
    history = history_of([listing(), notice])
    assert history == [{"question": "list the EEG papers", "answer": listing().text, "records": ["b", "a"]}]
    plain = TurnView(question="q", text="no markers", sources=[source(2, "y"), source(1, "x")])
    assert answer_records(plain) == ["x", "y"]  # no citation: the sources in their order


def test_session_answers_in_order_and_reset_forgets_everything() -> None:
    session = ChatSession()
    for q in ("one", "two", "three"):
        session.waiting.append(Asked(q, "extractive", Filters()))
    shown = session.shown()
    assert [v.question for v in shown] == ["one", "two", "three"]
    assert [v.queued for v in shown] == [False, True, True]  # the first is about to be answered
    assert session.claim() and not session.claim()
    assert [session.take().question for _ in range(3)] == ["one", "two", "three"]  # type: ignore[union-attr]
    assert session.take() is None and session.claim()
    first_id, epoch = session.conversation_id, session.epoch
    session.turns.append(listing())
    session.reset()
    assert session.turns == [] and session.conversation_id != first_id and session.epoch == epoch + 1


def test_a_worker_that_finds_nothing_waiting_leaves_a_newer_workers_claim(
    seed_settings: Settings, tmp_path: Path
) -> None:
    """A question sent just as the worker finds the queue empty gets a worker of its own, and that claim must
    stand: the old worker ending it let a third event start a second worker on the same session."""
    session = ChatSession()
    session.waiting.append(Asked("what is LiveClin?", "extractive", Filters()))
    take = session.take

    def take_then_a_new_question_claims() -> Asked | None:
        asked = take()
        if asked is None:
            assert session.claim()  # the newer event's worker, between the queue found empty and the old one's end
        return asked

    session.take = take_then_a_new_question_claims  # type: ignore[method-assign]
    answering = Answering(seed_settings, ConversationStore(tmp_path / "chats.sqlite3"))
    list(answering.drain(session))
    assert len(session.turns) == 1 and "LiveClin" in session.turns[0].text
    assert session.running and not session.claim()  # the newer worker is still the only one


def test_one_track_choice_per_track_in_both_languages() -> None:
    choices = track_choices(["clinical NLP", "临床 NLP", "医学影像", "medical imaging", "surgical/interventional AI"])
    assert choices == [
        ("clinical NLP · 临床 NLP", "clinical NLP||临床 NLP"),
        ("medical imaging · 医学影像", "医学影像||medical imaging"),
        ("surgical/interventional AI · 手术/介入 AI", "surgical/interventional AI"),
    ]
    assert filters_from_inputs("any", "any", "any", "any", "医学影像||medical imaging", False).track == [
        "医学影像",
        "medical imaging",
    ]


def test_relevance_is_a_label_not_a_fusion_score() -> None:
    assert relevance_label(source(1, "a"), 5) == "best match · by meaning and keywords"
    assert relevance_label(source(3, "c", bm25=0.0), 5) == "match 3 of 5 · by meaning"
    assert relevance_label(source(2, "b", dense=0.0), 5) == "match 2 of 5 · by keywords"


def test_shortened_question_and_stopped_answer_are_said() -> None:
    view = TurnView(question="q" * 20000, text="Partial", shortened=True, stopped=True, backend="openai")
    message = render_message(view)
    assert "first 2,000 characters" in message and "Stopped" in message


def test_backend_status_names_what_is_set_never_the_key() -> None:
    unset = backend_status(Settings(base_url=None, api_key=None))
    assert "not configured" in unset and "OPENAI_BASE_URL" in unset
    status = backend_status(
        Settings(base_url="http://user:pw@127.0.0.1:9/v1", api_key="sk-very-secret", model="smollm2")
    )
    assert "configured" in status and "smollm2" in status and "key set" in status
    assert "sk-very-secret" not in status and ":pw@" not in status
