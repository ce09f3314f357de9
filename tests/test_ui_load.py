"""20 concurrent chat sessions against one server on 127.0.0.1: all answered, no errors (bounded in count and time)."""

from __future__ import annotations

import json
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from gradio_client import Client

from assistant.settings import Settings
from tests.helpers import free_port, serve_app
from tests.test_ui_client import ask, bot_text

pytestmark = pytest.mark.slow

SESSIONS = 20
QUESTIONS = [
    "which papers work on EEG?",
    "what is LiveClin and how many physicians took part?",
    "哪篇论文研究呼吸音诊断?",
    "list the oral papers",
    "What is the recommended dose of metformin?",
]


def session(url: str, i: int) -> tuple[float, str]:
    client = Client(url, verbose=False)
    question = QUESTIONS[i % len(QUESTIONS)]
    started = time.perf_counter()
    outputs = ask(client, question)
    return time.perf_counter() - started, bot_text(outputs[-1][0])


def test_twenty_concurrent_sessions(seed_settings: Settings, output_dir: Path) -> None:
    settings = seed_settings.replace(port=free_port())
    for url in serve_app(settings):
        with ThreadPoolExecutor(max_workers=SESSIONS) as pool:
            results = list(pool.map(session, [url] * SESSIONS, range(SESSIONS), timeout=300))
    latencies = sorted(seconds for seconds, _ in results)
    answers = [text for _, text in results]
    assert len(answers) == SESSIONS
    assert all("Answered by: extractive" in a for a in answers), answers
    assert all("[\\[1\\]](#src-1)" in a or "does not answer" in a for a in answers)
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    (output_dir / "load.json").write_text(
        json.dumps({"sessions": SESSIONS, "p50_s": statistics.median(latencies), "p95_s": p95, "max_s": latencies[-1]})
    )
