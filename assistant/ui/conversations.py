"""Conversations as data: a SQLite file in the data dir (``conversations.sqlite3``), one row per chat and one
per turn. Each turn keeps the question, the answer, the backend asked for and the one that answered, the
records the answer cited (in the answer's order, with sentence ids when the citations carry them), the
filters and the timings; the whole ``TurnView`` is kept beside them as JSON so a reopened chat renders as it
was."""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.answer.history import HistoryTurn
from assistant.answer.markers import numbers_in
from assistant.ui.views import SourceView, TurnView

TITLE_CHARS = 60
SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY, title TEXT NOT NULL, created TEXT NOT NULL, updated TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS turns (
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    position INTEGER NOT NULL, question TEXT NOT NULL, answer TEXT NOT NULL, backend TEXT NOT NULL,
    answered_by TEXT NOT NULL, records TEXT NOT NULL, sentence_ids TEXT NOT NULL, filters TEXT NOT NULL,
    timings TEXT NOT NULL, view TEXT NOT NULL, created TEXT NOT NULL,
    PRIMARY KEY (conversation_id, position)
);
"""


@dataclass(frozen=True)
class ChatSummary:
    id: str
    title: str
    updated: str
    turns: int


def new_id() -> str:
    return uuid.uuid4().hex


def title_from(question: str) -> str:
    """A chat's title: its first question, on one line, cut at a word near TITLE_CHARS."""
    text = " ".join(question.split())
    if len(text) <= TITLE_CHARS:
        return text
    cut = text[:TITLE_CHARS].rsplit(" ", 1)[0] or text[:TITLE_CHARS]
    return cut + "…"


def answer_records(view: TurnView) -> list[str]:
    """The record ids an answer cited, in the order it cites them; a listing without markers gives its sources."""
    by_n = {s.n: s.record_id for s in view.sources}
    ordered = [by_n[n] for n in numbers_in(view.text) if n in by_n]
    ordered += [str(c["record_id"]) for c in view.citations if c.get("record_id")]
    if not ordered:
        ordered = [s.record_id for s in sorted(view.sources, key=lambda s: s.n)]
    return list(dict.fromkeys(ordered))


def sentence_ids(view: TurnView) -> list[Any]:
    """Sentence ids the citations name, when the answerer gave them."""
    return [c[key] for c in view.citations for key in ("sentence_id", "sentence_ids") if key in c]


def history_of(views: list[TurnView]) -> list[HistoryTurn]:
    """Earlier turns as the chain takes them: question, answer and the records of the answer, in order."""
    return [
        {"question": v.question, "answer": v.text, "records": answer_records(v)}
        for v in views
        if not v.notice and not v.pending
    ]


def view_from_dict(data: dict[str, Any]) -> TurnView:
    data = dict(data)
    data["sources"] = [SourceView(**s) for s in data.get("sources", [])]
    data["candidates"] = [SourceView(**s) for s in data.get("candidates", [])]
    known = TurnView.__dataclass_fields__
    return TurnView(**{k: v for k, v in data.items() if k in known})


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


class ConversationStore:
    """The chats of one data dir. Thread-safe within the process (one connection per call)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._db() as db:
            db.executescript(SCHEMA)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            db = sqlite3.connect(self.path, timeout=10)
            try:
                db.execute("PRAGMA foreign_keys = ON")
                with db:
                    yield db
            finally:
                db.close()

    def add_turn(self, conversation_id: str, view: TurnView) -> None:
        """Append a finished turn; the chat is created (titled from this question) when it is the first."""
        now = _now()
        with self._db() as db:
            db.execute(
                "INSERT OR IGNORE INTO conversations (id, title, created, updated) VALUES (?, ?, ?, ?)",
                (conversation_id, title_from(view.question), now, now),
            )
            db.execute("UPDATE conversations SET updated = ? WHERE id = ?", (now, conversation_id))
            (position,) = db.execute(
                "SELECT COALESCE(MAX(position), -1) + 1 FROM turns WHERE conversation_id = ?", (conversation_id,)
            ).fetchone()
            db.execute(
                "INSERT INTO turns VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    conversation_id,
                    position,
                    view.question,
                    view.text,
                    view.backend,
                    view.answered_by,
                    _json(answer_records(view)),
                    _json(sentence_ids(view)),
                    _json(view.applied_filters),
                    _json(view.timings_ms),
                    _json(asdict(view)),
                    now,
                ),
            )

    def drop_last_turn(self, conversation_id: str) -> None:
        """Forget the latest turn (regenerate replaces it)."""
        with self._db() as db:
            db.execute(
                "DELETE FROM turns WHERE conversation_id = ? AND position = "
                "(SELECT MAX(position) FROM turns WHERE conversation_id = ?)",
                (conversation_id, conversation_id),
            )

    def turns(self, conversation_id: str) -> list[TurnView]:
        with self._db() as db:
            rows = db.execute(
                "SELECT view FROM turns WHERE conversation_id = ? ORDER BY position", (conversation_id,)
            ).fetchall()
        return [view_from_dict(json.loads(view)) for (view,) in rows]

    def turn_rows(self, conversation_id: str) -> list[dict[str, Any]]:
        """The stored columns of each turn (records, sentence ids, filters and timings decoded)."""
        with self._db() as db:
            db.row_factory = sqlite3.Row
            rows = db.execute(
                "SELECT * FROM turns WHERE conversation_id = ? ORDER BY position", (conversation_id,)
            ).fetchall()
        decoded = ("records", "sentence_ids", "filters", "timings")
        return [{k: json.loads(r[k]) if k in decoded else r[k] for k in r.keys() if k != "view"} for r in rows]

    def list(self) -> list[ChatSummary]:
        """Every chat, newest first."""
        with self._db() as db:
            rows = db.execute(
                "SELECT c.id, c.title, c.updated, COUNT(t.position) FROM conversations c "
                "LEFT JOIN turns t ON t.conversation_id = c.id GROUP BY c.id ORDER BY c.updated DESC, c.rowid DESC"
            ).fetchall()
        return [ChatSummary(*row) for row in rows]

    def exists(self, conversation_id: str) -> bool:
        with self._db() as db:
            return db.execute("SELECT 1 FROM conversations WHERE id = ?", (conversation_id,)).fetchone() is not None

    def rename(self, conversation_id: str, title: str) -> None:
        title = " ".join(title.split())
        if not title:
            raise ValueError("a chat's title cannot be empty")
        with self._db() as db:
            db.execute("UPDATE conversations SET title = ? WHERE id = ?", (title[:200], conversation_id))

    def delete(self, conversation_id: str) -> None:
        with self._db() as db:
            db.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))
