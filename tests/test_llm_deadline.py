"""One total deadline per answer (condense + answer + retries), held on a stream that trickles one token a second;
the history sent to the LLM is capped by tokens."""

from __future__ import annotations

import json
import time

import pytest

from assistant.answer import stream_answer
from assistant.answer.chain import HISTORY_TOKENS
from assistant.settings import Settings
from tests.servers import FaultServer
from tests.test_llm_backend import QUESTION, llm_settings

DEADLINE = 5.0
TRICKLE = " ".join(f"word{i}" for i in range(90)) + " [1]."  # 90+ chunks at one a second: 90 s uncut


def timed_answer(question: str, history: list[str], settings: Settings, server: FaultServer) -> tuple[float, object]:
    """Seconds from the first LLM request (as the server saw it arrive) to the end of the answer, and the turn."""
    events = list(stream_answer(question, history, settings=settings))
    ended = time.monotonic()
    return ended - server.chat_requests[0].at, events[-1][1]


@pytest.mark.slow
def test_trickling_stream_is_stopped_at_the_deadline(seed_settings: Settings, fault_server: FaultServer) -> None:
    fault_server.set_mode("ok", answer=TRICKLE, token_delay=1.0)
    settings = llm_settings(seed_settings, fault_server.base_url, fault_server.model, timeout=DEADLINE)
    elapsed, turn = timed_answer(QUESTION, [], settings, fault_server)
    assert DEADLINE - 1 <= elapsed <= DEADLINE + 1, elapsed
    assert turn.error and "deadline" in turn.error, turn.error  # type: ignore[attr-defined]
    assert turn.partial  # type: ignore[attr-defined]  # tokens had arrived: kept and marked


@pytest.mark.slow
def test_condense_and_answer_share_one_deadline(seed_settings: Settings, fault_server: FaultServer) -> None:
    fault_server.set_mode("ok", answer=TRICKLE, token_delay=1.0)
    settings = llm_settings(seed_settings, fault_server.base_url, fault_server.model, timeout=DEADLINE)
    elapsed, turn = timed_answer("where is its code?", ["what is LiveClin?"], settings, fault_server)
    assert fault_server.count >= 1
    assert elapsed <= DEADLINE + 1, elapsed  # not one deadline for the condense call and another for the answer
    assert turn.error and "deadline" in turn.error, turn.error  # type: ignore[attr-defined]


def test_history_is_capped_by_tokens(seed_settings: Settings, fault_server: FaultServer) -> None:
    fault_server.set_mode("ok", answer="Where is the code of LiveClin?")
    settings = llm_settings(seed_settings, fault_server.base_url, fault_server.model)
    history = [f"earlier question number {i} about medical imaging" for i in range(200_000)] + ["what is LiveClin?"]
    _, turn = timed_answer("where is its code?", history, settings, fault_server)
    sent = json.dumps(fault_server.bodies[0], ensure_ascii=False)
    assert "what is LiveClin?" in sent  # the latest turns are kept
    assert len(sent) < HISTORY_TOKENS * 8, len(sent)  # not 200,000 entries (about 10 MB)
