"""Worker processes: each kind sets something up in a fresh subprocess, then answers JSON-line commands.

    python -m benchmarks.workers KIND CONFIG_JSON

The first line on stdout is the kind's ``ready`` dict (set-up timings, memory); then every ``{"cmd": name,
"args": {...}}`` line on stdin is answered by the kind's ``cmd_<name>`` method with one JSON line, until
``{"cmd": "exit"}``. Anything the libraries print goes to stderr (the worker's log).
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from typing import Any

from benchmarks.workers.ask import AskWorker
from benchmarks.workers.baseline import BaselineWorker
from benchmarks.workers.e5probe import E5ProbeWorker
from benchmarks.workers.growth import GrowthBuildWorker
from benchmarks.workers.ingest import IngestWorker
from benchmarks.workers.search import SearchWorker

KINDS: dict[str, type] = {
    "ingest": IngestWorker,
    "search": SearchWorker,
    "baseline": BaselineWorker,
    "growth_build": GrowthBuildWorker,
    "e5probe": E5ProbeWorker,
    "ask": AskWorker,
}


def worker_main(kind: str, config: dict[str, Any]) -> None:
    """Entry point inside the subprocess. Replies go to the real stdout; anything libraries print goes to stderr."""
    proto = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    def send(obj: dict[str, Any]) -> None:
        proto.write(json.dumps(obj, default=str) + "\n")
        proto.flush()

    try:
        handler = KINDS[kind](config)
        send(handler.ready)
    except Exception:
        send({"error": traceback.format_exc()})
        return
    for line in sys.stdin:
        msg = json.loads(line)
        if msg["cmd"] == "exit":
            break
        try:
            send(getattr(handler, "cmd_" + msg["cmd"])(**msg.get("args", {})))
        except Exception:
            send({"error": traceback.format_exc()})
