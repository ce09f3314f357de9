"""Cited answers: the retrieval-augmented chain and its backends.

The chain's names are imported on first use, so importing a light submodule (``assistant.answer.history``,
``assistant.answer.sentences``) does not load the retriever, Chroma and the LLM client with it."""

from __future__ import annotations

from typing import Any

__all__ = ["QuestionError", "Turn", "answer", "answer_chain", "stream_answer"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from assistant.answer import chain

        return getattr(chain, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
