"""The answering handlers of the chat UI, kept thin: ``submit`` queues a question (the box is free again at
once), ``drain`` answers the session's waiting questions in order by running ``stream_answer`` and handing
each state of the answer to the pure rendering functions; ``stop`` ends the answer being written and
``regenerate`` asks the last question again. Chat list handlers (open, rename, delete, export) are in
``assistant.ui.chats``."""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Generator, Iterator
from contextlib import closing
from typing import Any, cast

import gradio as gr

from assistant.answer.chain import MAX_QUESTION_CHARS, QuestionError, stream_answer
from assistant.answer.history import HistoryTurn
from assistant.index.store import IndexUnavailable
from assistant.settings import Settings
from assistant.ui.cards import sources_panel
from assistant.ui.chats import chat_choices
from assistant.ui.conversations import ConversationStore, history_of
from assistant.ui.debug import render_debug
from assistant.ui.filters import filters_from_inputs, render_active_filters
from assistant.ui.markup import md_escape
from assistant.ui.messages import chat_messages
from assistant.ui.session import Asked, ChatSession
from assistant.ui.status import BACKEND_SETUP, index_notice, llm_configured
from assistant.ui.views import TurnView

log = logging.getLogger(__name__)

STREAM_INTERVAL_S = 0.05  # at most ~20 UI updates a second while tokens arrive


def _active(view: TurnView) -> str:
    return render_active_filters(view.explicit_filters, view.recognised_filters)


class Answering:
    """Handlers that ask and answer, bound to one Settings and the conversation store."""

    def __init__(self, settings: Settings, store: ConversationStore) -> None:
        self.settings, self.store = settings, store

    def ask(self, question: str, session: ChatSession, backend: str, *filter_values: Any) -> Iterator[tuple[Any, ...]]:
        """Queue a question, then answer the waiting questions unless another event of this session is already
        doing so (the page empties the box as it sends; it stays editable). Outputs: the chat id kept by the
        browser, then those of ``drain``."""
        text = (question or "").strip()
        if not text:
            gr.Warning("Type a question first.")
            yield (gr.skip(),) * 6
            return
        shortened = len(" ".join(text.split())) > MAX_QUESTION_CHARS
        with session.lock:
            session.waiting.append(Asked(text, backend, filters_from_inputs(*filter_values), shortened))
        yield (session.conversation_id, chat_messages(session.shown()), *(gr.skip(),) * 4)
        for out in self.drain(session):
            yield (gr.skip(), *out)

    def regenerate(self, session: ChatSession, backend: str, *filter_values: Any) -> Iterator[tuple[Any, ...]]:
        """Ask the last question again (its answer is replaced). Outputs: those of ``drain``."""
        if self._requeue_last(session, backend, filter_values):
            yield from self.drain(session)

    def _requeue_last(self, session: ChatSession, backend: str, filter_values: tuple[Any, ...]) -> bool:
        with session.lock:
            busy = session.running or session.waiting or session.live is not None
            last = session.turns[-1] if session.turns and not busy else None
            if last is not None:
                session.turns.pop()
                filters = filters_from_inputs(*filter_values)
                session.waiting.appendleft(Asked(last.question, backend, filters, last.shortened))
        if last is None:
            gr.Warning("Nothing to regenerate yet." if not busy else "Wait for the current answer, or stop it first.")
            return False
        self.store.drop_last_turn(session.conversation_id)
        return True

    def stop(self, session: ChatSession) -> tuple[Any, ...]:
        """End the answer being written: it is kept, marked stopped; waiting questions still get answered.
        The worker notices at its next event and closes the backend's stream (the request ends)."""
        with session.lock:
            live, session.live = session.live, None
            session.epoch += 1
            if live is not None:
                live.pending, live.stopped = False, True
                session.turns.append(live)
        if live is None:
            return gr.skip(), gr.skip(), gr.skip()
        self.store.add_turn(session.conversation_id, live)
        views = session.shown()
        return chat_messages(views), sources_panel(session.turns), chat_choices(self.store, session.conversation_id)

    def drain(self, session: ChatSession) -> Iterator[tuple[Any, ...]]:
        """Answer the waiting questions in order. Outputs: chat, sources, debug, active filters, chat list."""
        if not session.claim():  # another event of this session is answering: it takes the new question too
            yield chat_messages(session.shown()), gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return
        try:
            while (asked := session.take()) is not None:  # take() ends the claim when nothing waits, atomically
                yield from self._answer(session, asked)
        except BaseException:  # an error, or the stream closed early: give up the claim (only then: once take()
            with session.lock:  # has ended it, a newer event may already be this session's worker)
                session.running = False
            raise
        # The page shows a stream's last output again when the stream ends, after the Stop's own update: so the
        # last output is the session as it is now (a stop or a new chat may have come while an answer was written).
        yield self._show(session, done=True)

    def _show(self, session: ChatSession, view: TurnView | None = None, done: bool = False) -> tuple[Any, ...]:
        views = session.shown()
        panel = sources_panel(session.turns if done else views) if view is not None or done else gr.skip()
        return (
            chat_messages(views),
            panel,
            render_debug(view) if view is not None else gr.skip(),
            _active(view) if view is not None else gr.skip(),
            chat_choices(self.store, session.conversation_id) if done else gr.skip(),
        )

    def _finish(self, session: ChatSession, epoch: int, view: TurnView) -> bool:
        """Keep a finished answer, unless it was stopped or the chat was cleared meanwhile."""
        with session.lock:
            if session.epoch != epoch:
                return False
            session.live = None
            session.turns.append(view)
        self.store.add_turn(session.conversation_id, view)
        return True

    def _answer(self, session: ChatSession, asked: Asked) -> Iterator[tuple[Any, ...]]:
        with session.lock:
            epoch = session.epoch
            history = history_of(session.turns)
            session.live = TurnView(
                question=asked.question,
                backend=asked.backend,
                pending=True,
                shortened=asked.shortened,
                explicit_filters=asked.filters.active(),
            )
        yield self._show(session)
        if asked.backend == "openai" and not llm_configured(self.settings):
            notice = f"⚠️ **The OpenAI-compatible backend is not configured.** To use it, {BACKEND_SETUP}."
            if self._finish(session, epoch, self._notice(asked, notice)):
                yield self._show(session, done=True)
            return
        try:
            yield from self._stream(session, epoch, asked, history)
        except QuestionError as exc:
            view = self._notice(asked, f"⚠️ {md_escape(str(exc))}")
        except IndexUnavailable as exc:
            view = self._notice(asked, index_notice(exc))
        except Exception as exc:  # the UI must stay usable whatever the chain does
            log.error("answering %r failed:\n%s", asked.question, traceback.format_exc())
            view = self._notice(
                asked, f"⚠️ **Something went wrong while answering:** {md_escape(f'{type(exc).__name__}: {exc}')}"
            )
        else:
            return
        if self._finish(session, epoch, view):
            yield self._show(session, done=True)

    @staticmethod
    def _notice(asked: Asked, notice: str) -> TurnView:
        return TurnView(question=asked.question, notice=notice, backend=asked.backend, shortened=asked.shortened)

    def _stream(
        self, session: ChatSession, epoch: int, asked: Asked, history: list[HistoryTurn]
    ) -> Iterator[tuple[Any, ...]]:
        text, last, turn = "", 0.0, None
        events = stream_answer(
            asked.question,
            history,
            settings=self.settings,
            backend=asked.backend,
            filters=asked.filters,
            cancelled=lambda: session.epoch != epoch,  # Stop or a new chat: the LLM request closes at once
        )
        with closing(cast(Generator[tuple[str, Any]], events)):  # leaving early (stop, new chat) closes the
            # chain's stream, and so the backend's request
            for event, payload in events:
                if session.epoch != epoch:
                    return
                if event == "sources":
                    turn = payload
                    view = self._live(session, epoch, TurnView.from_turn(turn, text="", pending=True), asked)
                    yield self._show(session, view)
                elif event == "token":
                    text += payload
                    if time.perf_counter() - last >= STREAM_INTERVAL_S:
                        last = time.perf_counter()
                        self._live(session, epoch, TurnView.from_turn(turn, text=text, pending=True), asked)
                        yield self._show(session)
                elif event == "done":
                    done = TurnView.from_turn(payload)
                    done.shortened = asked.shortened
                    if self._finish(session, epoch, done):
                        yield self._show(session, done, done=True)

    @staticmethod
    def _live(session: ChatSession, epoch: int, view: TurnView, asked: Asked) -> TurnView:
        view.shortened = asked.shortened
        with session.lock:
            if session.epoch == epoch:
                session.live = view
        return view
