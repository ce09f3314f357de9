"""The chat list's handlers: new chat (the button and the chat box's trash icon), reopen after a reload, open,
rename, delete and export one chat, and thumbs up/down on an answer."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.settings import Settings
from assistant.ui.cards import EMPTY_PANEL, sources_panel
from assistant.ui.conversations import ConversationStore
from assistant.ui.debug import render_debug
from assistant.ui.export import render_export
from assistant.ui.feedback import append_feedback, feedback_record
from assistant.ui.filters import ANY, filters_from_inputs, render_active_filters
from assistant.ui.messages import chat_messages
from assistant.ui.session import ChatSession


def listed_chats(store: ConversationStore, current: str | None) -> tuple[list[tuple[str, str]], str | None]:
    """(title, id) of every chat, newest first, and the open chat if it is among them."""
    chats = store.list()
    return [(c.title, c.id) for c in chats], current if any(c.id == current for c in chats) else None


def chat_choices(store: ConversationStore, current: str | None) -> Any:
    """The chat list's update (newest first, the open chat selected). Called in handlers only: a component made
    while the layout is built would be drawn as a stray one."""
    choices, selected = listed_chats(store, current)
    return gr.Radio(choices=choices, value=selected)


class Chats:
    """Handlers of the chat list, bound to one Settings and the conversation store."""

    def __init__(self, settings: Settings, store: ConversationStore, export_dir: Path) -> None:
        self.settings, self.store, self.export_dir = settings, store, export_dir

    def _opened(self, session: ChatSession) -> tuple[Any, ...]:
        """Outputs shared by new/open/restore/delete: chat, sources, debug, chat list, title box, export file,
        the chat id kept by the browser."""
        turns = session.turns
        title = self.title_of(session.conversation_id)
        return (
            chat_messages(turns),
            sources_panel(turns) if turns else EMPTY_PANEL,
            render_debug(turns[-1]) if turns else {},
            chat_choices(self.store, session.conversation_id),
            title,
            gr.File(value=None, visible=False),
            session.conversation_id if turns else "",
        )

    def title_of(self, conversation_id: str | None) -> str:
        """The title of a chat ("" before its first answer saves it): the title box follows the open chat."""
        return next((c.title for c in self.store.list() if c.id == conversation_id), "")

    def new_chat(self, session: ChatSession) -> tuple[Any, ...]:
        """Forget the conversation state (filters stay): the next follow-up has nothing to refer to."""
        session.reset()
        return self._opened(session)

    def restore(self, conversation_id: str | None, session: ChatSession) -> tuple[Any, ...]:
        """On page load: reopen the chat this browser had open (a reload keeps the conversation)."""
        if conversation_id and self.store.exists(conversation_id):
            session.reset(conversation_id, self.store.turns(conversation_id))
        return self._opened(session)

    def open(self, conversation_id: str | None, session: ChatSession) -> tuple[Any, ...]:
        if conversation_id and conversation_id != session.conversation_id and self.store.exists(conversation_id):
            session.reset(conversation_id, self.store.turns(conversation_id))
        return self._opened(session)

    def rename(self, title: str, session: ChatSession) -> Any:
        """Rename the open chat. Output: chat list."""
        if not self.store.exists(session.conversation_id):
            gr.Warning("Ask a question first: a chat is saved with its first answer.")
            return gr.skip()
        try:
            self.store.rename(session.conversation_id, title or "")
        except ValueError as exc:
            gr.Warning(str(exc))
            return gr.skip()
        return chat_choices(self.store, session.conversation_id)

    def delete(self, session: ChatSession) -> tuple[Any, ...]:
        """Delete the open chat and start a new one."""
        self.store.delete(session.conversation_id)
        session.reset()
        return self._opened(session)

    def export(self, session: ChatSession) -> str | None:
        """Write the open chat as Markdown; returns the file's path (offered as a download)."""
        turns = [t for t in session.turns if not t.pending]
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

    def feedback(self, session: ChatSession, data: gr.LikeData) -> None:
        """Append a thumbs up/down for an answer to settings.feedback_file (JSON lines)."""
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        position = int(index) // 2  # each turn is a user message then an assistant message
        if not 0 <= position < len(session.turns):
            return
        vote = "up" if data.liked is True else "down" if data.liked is False else str(data.liked)
        append_feedback(self.settings.feedback_file, feedback_record(session.turns[position], vote))
        gr.Info("Thanks for the feedback.")
