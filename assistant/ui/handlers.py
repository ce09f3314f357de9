"""The event handlers of the chat UI, kept thin: they run ``stream_answer`` and hand each state of the
answer to the pure rendering functions (messages, cards, debug, filters, export, feedback)."""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.answer.chain import QuestionError, stream_answer
from assistant.index.store import IndexUnavailable
from assistant.settings import Settings
from assistant.ui.cards import EMPTY_PANEL, sources_panel
from assistant.ui.debug import render_debug
from assistant.ui.export import render_export
from assistant.ui.feedback import append_feedback, feedback_record
from assistant.ui.filters import ANY, filters_from_inputs, render_active_filters
from assistant.ui.markup import md_escape
from assistant.ui.messages import chat_messages
from assistant.ui.status import index_notice
from assistant.ui.views import TurnView

log = logging.getLogger(__name__)

STREAM_INTERVAL_S = 0.05  # at most ~20 UI updates a second while tokens arrive


def _notice_view(question: str, notice: str, backend: str) -> TurnView:
    return TurnView(question=question, notice=notice, backend=backend)


class Handlers:
    """The event handlers, bound to one Settings (kept thin: the work is in stream_answer and render)."""

    def __init__(self, settings: Settings, export_dir: Path) -> None:
        self.settings, self.export_dir = settings, export_dir

    def ask(
        self,
        question: str,
        turns: list[TurnView] | None,
        backend: str,
        kind: str,
        venue: str,
        presentation: str,
        year: str,
        track: str,
        has_code: bool,
    ) -> Iterator[tuple[Any, ...]]:
        """Stream one answer. Outputs: chat, sources HTML, debug, active filters, question box, state."""
        turns = list(turns or [])
        filters = filters_from_inputs(kind, venue, presentation, year, track, has_code)
        question = (question or "").strip()
        if not question:
            gr.Warning("Type a question first.")
            yield (chat_messages(turns), sources_panel(turns), gr.skip(), gr.skip(), "", turns)
            return
        history = [t.question for t in turns if not t.notice]
        pending = TurnView(question=question, backend=backend, pending=True, explicit_filters=filters.active())
        yield (chat_messages(turns + [pending]), gr.skip(), gr.skip(), gr.skip(), "", turns)
        try:
            text, last = "", 0.0
            for event, payload in stream_answer(
                question, history, settings=self.settings, backend=backend, filters=filters
            ):
                if event == "sources":
                    turn = payload
                    pending = TurnView.from_turn(turn, text="", pending=True)
                    yield (
                        chat_messages(turns + [pending]),
                        sources_panel(turns + [pending]),
                        render_debug(pending),
                        self._active(pending),
                        "",
                        turns,
                    )
                elif event == "token":
                    text += payload
                    if time.perf_counter() - last >= STREAM_INTERVAL_S:
                        last = time.perf_counter()
                        pending = TurnView.from_turn(turn, text=text, pending=True)
                        yield (chat_messages(turns + [pending]), gr.skip(), gr.skip(), gr.skip(), "", turns)
                elif event == "done":
                    done = TurnView.from_turn(payload)
                    turns = turns + [done]
                    yield (
                        chat_messages(turns),
                        sources_panel(turns),
                        render_debug(done),
                        self._active(done),
                        "",
                        turns,
                    )
        except QuestionError as exc:
            turns = turns + [_notice_view(question, f"⚠️ {md_escape(str(exc))}", backend)]
            yield (chat_messages(turns), sources_panel(turns), gr.skip(), gr.skip(), "", turns)
        except IndexUnavailable as exc:
            turns = turns + [_notice_view(question, index_notice(exc), backend)]
            yield (chat_messages(turns), sources_panel(turns), gr.skip(), gr.skip(), "", turns)
        except Exception as exc:  # the UI must stay usable whatever the chain does
            log.error("answering %r failed:\n%s", question, traceback.format_exc())
            notice = f"⚠️ **Something went wrong while answering:** {md_escape(f'{type(exc).__name__}: {exc}')}"
            turns = turns + [_notice_view(question, notice, backend)]
            yield (chat_messages(turns), sources_panel(turns), gr.skip(), gr.skip(), "", turns)

    @staticmethod
    def _active(view: TurnView) -> str:
        return render_active_filters(view.explicit_filters, view.recognised_filters)

    def new_chat(
        self, kind: str, venue: str, presentation: str, year: str, track: str, has_code: bool
    ) -> tuple[Any, ...]:
        """Forget the conversation (filters stay). Outputs: chat, sources, debug, active filters, box, state, file."""
        active = filters_from_inputs(kind, venue, presentation, year, track, has_code).active()
        return [], EMPTY_PANEL, {}, render_active_filters(active), "", [], gr.File(value=None, visible=False)

    def export(self, turns: list[TurnView] | None) -> str | None:
        """Write the conversation as Markdown; returns the file's path (offered as a download)."""
        turns = list(turns or [])
        if not turns:
            gr.Warning("Nothing to export yet: ask a question first.")
            return None
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        path = self.export_dir / f"conversation-{stamp}-{time.monotonic_ns() % 10**6}.md"
        path.write_text(render_export(turns), encoding="utf-8")
        return str(path)

    @staticmethod
    def show_filters(kind: str, venue: str, presentation: str, year: str, track: str, has_code: bool) -> str:
        return render_active_filters(filters_from_inputs(kind, venue, presentation, year, track, has_code).active())

    @staticmethod
    def clear_filters() -> tuple[Any, ...]:
        return ANY, ANY, ANY, ANY, ANY, False, render_active_filters({})

    def feedback(self, turns: list[TurnView] | None, data: gr.LikeData) -> None:
        """Append a thumbs up/down for an answer to settings.feedback_file (JSON lines)."""
        turns = list(turns or [])
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        position = int(index) // 2  # each turn is a user message then an assistant message
        if not 0 <= position < len(turns):
            return
        vote = "up" if data.liked is True else "down" if data.liked is False else str(data.liked)
        append_feedback(self.settings.feedback_file, feedback_record(turns[position], vote))
        gr.Info("Thanks for the feedback.")
