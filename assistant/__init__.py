"""Research assistant over medical-AI paper records: records -> index -> retrieve -> answer -> ui/cli/evals."""

from __future__ import annotations

from typing import Any


def answer(*args: Any, **kwargs: Any) -> Any:
    """Answer a question with cited sources (see ``assistant.answer.chain.answer``)."""
    from assistant.answer.chain import answer as run

    return run(*args, **kwargs)


def stream_answer(*args: Any, **kwargs: Any) -> Any:
    """Stream an answer as events (see ``assistant.answer.chain.stream_answer``)."""
    from assistant.answer.chain import stream_answer as run

    return run(*args, **kwargs)


__all__ = ["answer", "stream_answer"]
