"""The ``ask`` worker: the answer chain built once, then ``assistant.answer`` (extractive) timed per question."""

from __future__ import annotations

import time
from typing import Any

from benchmarks.harness import peak_rss_mb
from benchmarks.workers.common import settings_for


class AskWorker:
    """Builds the answer chain once (model, retriever) and times ``assistant.answer`` (extractive) per question."""

    def __init__(self, config: dict[str, Any]) -> None:
        from assistant.answer import answer

        self.answer = answer
        self.settings = settings_for(config)
        t = time.perf_counter()
        self.answer("warm-up: which papers use EEG signals?", settings=self.settings)
        self.ready = {"first_answer_s": time.perf_counter() - t, "peak_rss_mb": peak_rss_mb()}

    def cmd_pass(self, queries: list[str], histories: list[list[str]]) -> dict[str, Any]:
        rows = []
        for q, history in zip(queries, histories, strict=False):
            t = time.perf_counter()
            turn = self.answer(q, history, settings=self.settings)
            rows.append(
                {
                    "wall": (time.perf_counter() - t) * 1000,
                    "retrieve": turn.timings_ms.get("retrieve", 0.0),
                    "answer": turn.timings_ms.get("answer", 0.0),
                    "abstained": turn.abstained,
                }
            )
        return {"rows": rows}
