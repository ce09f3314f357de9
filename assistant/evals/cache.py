"""The configuration an eval run answers with, and a per-question answer cache keyed by it.

An LLM eval of a few hundred questions takes long enough to be interrupted; each answered question is stored
under DATA_DIR/eval-cache/<sha256 of question + configuration>.json as soon as it is done, so the next run
with the same configuration picks up where the last one stopped. The key holds what decides the answer:
the question and its history, the pipeline (chain or tutorial), backend, model and endpoint, prompt
versions, k and the retrieval settings, embedding model, the index generation, and the judge. The code
version is not in it: clear the folder (or pass ``--no-cache``) after changing the answerer itself.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from assistant.evals.golden import GoldenQuestion
from assistant.settings import Settings


def configuration(
    settings: Settings, backend: str | None, judge: Any = None, pipeline: str = "assistant"
) -> dict[str, Any]:
    """What an answer depends on, as a flat JSON-able dict (recorded in each run's meta)."""
    from assistant.answer.prompts import load_prompts
    from assistant.index import store

    backend = backend or settings.answer.backend
    generation = store.current_generation(settings)
    return {
        "pipeline": pipeline,
        "backend": backend,
        "model": settings.llm.model if backend == "openai" else None,
        "openai_base_url": settings.llm.base_url if backend == "openai" else None,
        "prompt_version": load_prompts(settings.answer.prompts_dir).version,
        "k": settings.retrieval.k,
        "candidates": settings.retrieval.candidates,
        "retrieval_mode": settings.retrieval.retrieval_mode,
        "embedding_model": settings.index.embedding_model,
        "index_generation": generation.name if generation else None,
        "judge": judge.describe() if judge is not None else None,
    }


class AnswerCache:
    """Rows of answered questions on disk, one file per (question, configuration)."""

    def __init__(self, folder: Path, config: dict[str, Any]) -> None:
        self.folder, self.config = folder, config
        self.hits = 0

    @classmethod
    def for_settings(cls, settings: Settings, config: dict[str, Any]) -> AnswerCache:
        return cls(settings.data_dir / "eval-cache", config)

    def path(self, q: GoldenQuestion) -> Path:
        key = json.dumps({"question": [q.id, q.question, q.history], "config": self.config}, sort_keys=True)
        return self.folder / f"{hashlib.sha256(key.encode('utf-8')).hexdigest()}.json"

    def get(self, q: GoldenQuestion) -> dict[str, Any] | None:
        """The stored row, or None (also for an unreadable file, which is then answered again)."""
        try:
            row = json.loads(self.path(q).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            return None
        if not isinstance(row, dict) or row.get("id") != q.id:
            return None
        self.hits += 1
        return row

    def put(self, q: GoldenQuestion, row: dict[str, Any]) -> None:
        """Store a row atomically (write a temporary file, then rename), so a kill never leaves half a file."""
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.path(q)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(row, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
