"""Thumbs up/down on an answer, appended as JSON lines (the question, the answer, the vote: no settings)."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.ui.views import TurnView

_feedback_lock = threading.Lock()


def feedback_record(view: TurnView, vote: str, now: datetime | None = None) -> dict[str, Any]:
    """One feedback line: the question, the answer and the vote (no settings, keys or endpoints)."""
    return {
        "timestamp": (now or datetime.now(UTC)).isoformat(timespec="seconds"),
        "vote": vote,
        "question": view.question,
        "answer": view.text,
        "backend": view.backend,
        "cited": [s.record_id for s in view.sources if s.n in view.cited],
    }


def append_feedback(path: Path, record: dict[str, Any]) -> None:
    """Append one JSON line (thread-safe within the process)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(record, ensure_ascii=False) + "\n"
    with _feedback_lock, path.open("a", encoding="utf-8") as fh:
        fh.write(line)
