"""Cited answers: the retrieval-augmented chain and its backends."""

from assistant.answer.chain import QuestionError, Turn, answer, answer_chain, stream_answer

__all__ = ["QuestionError", "Turn", "answer", "answer_chain", "stream_answer"]
