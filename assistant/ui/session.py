"""One browser session's chat: the open conversation, its turns, the questions waiting to be answered and the
answer being written. Held in a ``gr.State`` (the same object reaches every event of the session), so the
question box can take new questions while an answer streams: they wait here and are answered in order."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from typing import Any

from assistant.retrieve.query import Filters
from assistant.ui.conversations import new_id
from assistant.ui.views import TurnView


@dataclass
class Asked:
    """A question as it was sent: with the backend and filters chosen at that moment."""

    question: str
    backend: str
    filters: Filters
    shortened: bool = False  # longer than MAX_QUESTION_CHARS: the chain uses its beginning


class ChatSession:
    """Not a dataclass: Gradio would turn one into a dict for the page's config."""

    def __init__(self) -> None:
        self.conversation_id: str = new_id()
        self.turns: list[TurnView] = []
        self.waiting: deque[Asked] = deque()
        self.live: TurnView | None = None  # the answer being written
        self.running = False  # a worker is answering this session's questions
        self.epoch = 0  # moves on at every stop or reset: a worker's answer from an older epoch is dropped
        self.lock = threading.Lock()

    def __deepcopy__(self, memo: dict[int, Any]) -> ChatSession:  # gr.State copies its default per session
        return ChatSession()

    def reset(self, conversation_id: str | None = None, turns: list[TurnView] | None = None) -> None:
        """Start over (a new chat, or an opened one): nothing of the previous conversation is kept."""
        with self.lock:
            self.conversation_id = conversation_id or new_id()
            self.turns = list(turns or [])
            self.waiting.clear()
            self.live = None
            self.epoch += 1

    def shown(self) -> list[TurnView]:
        """What the chat shows: finished turns, the answer being written, then the waiting questions."""
        with self.lock:
            live = [self.live] if self.live is not None else []
            queued = [
                TurnView(question=a.question, backend=a.backend, pending=True, queued=bool(live) or i > 0)
                for i, a in enumerate(self.waiting)
            ]
            return self.turns + live + queued

    def take(self) -> Asked | None:
        """The next waiting question, or None (then the worker stops)."""
        with self.lock:
            if not self.waiting:
                self.running = False
                return None
            return self.waiting.popleft()

    def claim(self) -> bool:
        """Become this session's worker; False when one is already answering (it will take the new question)."""
        with self.lock:
            if self.running:
                return False
            self.running = True
            return True
