"""The openai backend: a real llama.cpp server on 127.0.0.1, and a scripted fake for faults it won't produce."""

from __future__ import annotations

import json
import logging
import threading
import time

import pytest
from pydantic import SecretStr

from assistant.answer import answer, stream_answer
from assistant.settings import Settings
from tests.servers import FaultServer, LlamaServer, refused_url

QUESTION = "What is LiveClin and how many physicians took part?"


def llm_settings(seed: Settings, base_url: str, model: str, **extra: object) -> Settings:
    values = {
        "base_url": base_url,
        "model": model,
        "api_key": SecretStr("sk-test"),
        "backend": "openai",
        "timeout": 30.0,
        "max_retries": 2,
        "context_tokens": 600,
        "max_tokens": 120,
    } | extra
    return seed.replace(**values)


@pytest.mark.slow
def test_streams_a_cited_answer_from_a_real_llama_server(seed_settings: Settings, llama_server: LlamaServer) -> None:
    settings = llm_settings(seed_settings, llama_server.base_url, llama_server.model)
    events = list(stream_answer(QUESTION, settings=settings))
    kinds = [kind for kind, _ in events]
    assert kinds[0] == "sources" and kinds[-1] == "done" and kinds.count("token") > 3  # tokens really streamed
    turn = events[-1][1]
    assert turn.error is None and turn.text
    assert turn.answered_by.startswith("OpenAI-compatible model") and llama_server.base_url in turn.answered_by
    numbers = {s.n for s in turn.sources}
    assert all(c["n"] in numbers for c in turn.citations)  # whatever the small model wrote, no citation dangles
    assert all(f"[{n}]" not in turn.text for n in turn.invalid_citations)


@pytest.mark.slow
def test_follow_up_is_condensed_by_the_llm(seed_settings: Settings, llama_server: LlamaServer) -> None:
    settings = llm_settings(seed_settings, llama_server.base_url, llama_server.model, max_tokens=40)
    turn = answer("where is its code?", ["what is LiveClin?"], settings=settings)
    assert turn.timings_ms["condense"] > 0 and turn.standalone and turn.standalone != "where is its code?"
    assert turn.error is None


def test_condense_request_carries_the_history(seed_settings: Settings, fault_server: FaultServer) -> None:
    fault_server.set_mode("ok", answer="Where is the code of LiveClin?")
    settings = llm_settings(seed_settings, fault_server.base_url, fault_server.model)
    turn = answer("where is its code?", ["what is LiveClin?"], settings=settings)
    condense_prompt = json.dumps(fault_server.bodies[0], ensure_ascii=False)
    assert "what is LiveClin?" in condense_prompt and "where is its code?" in condense_prompt
    assert turn.standalone == "Where is the code of LiveClin?"


def test_invalid_citations_are_removed_and_reported(seed_settings: Settings, fault_server: FaultServer) -> None:
    settings = llm_settings(seed_settings, fault_server.base_url, fault_server.model)
    turn = answer(
        QUESTION, settings=settings
    )  # the fake answers "LiveClin has 239 physicians [1]. Invented claim [7]."
    assert turn.invalid_citations == [7] and "[7]" not in turn.text and "[1]" in turn.text
    assert [c["n"] for c in turn.citations] == [1] and turn.citations[0]["title"].startswith("LiveClin")
    assert any("Invented claim" in s for s in turn.unsupported)
    prompt = json.dumps(fault_server.last_body, ensure_ascii=False)
    assert '<source n=\\"1\\">' in prompt and "LiveClin" in prompt  # numbered, fenced sources went to the model


def test_out_of_scope_is_refused_without_calling_the_llm(seed_settings: Settings, fault_server: FaultServer) -> None:
    settings = llm_settings(seed_settings, fault_server.base_url, fault_server.model)
    turn = answer("What is the recommended dose of metformin?", settings=settings)
    assert turn.abstained and turn.citations == [] and fault_server.count == 0


@pytest.mark.parametrize(
    "mode, cause, requests",
    [
        ("429", "rate limited (HTTP 429)", 3),
        ("500", "server error (HTTP 500)", 3),
        ("401", "API key was rejected (HTTP 401)", 1),
        ("garbage", "unexpected response", 1),
    ],
)
def test_backend_errors_are_clear_and_labelled(
    seed_settings: Settings, fault_server: FaultServer, mode: str, cause: str, requests: int
) -> None:
    fault_server.set_mode(mode, retry_after="0")
    settings = llm_settings(seed_settings, fault_server.base_url, fault_server.model)
    turn = answer(QUESTION, settings=settings)
    assert turn.error and cause in turn.error and fault_server.base_url in turn.error
    assert fault_server.count == requests  # retries as the openai client allows
    assert turn.answered_by.startswith("extractive (fallback after OpenAI-compatible model")
    assert "Offline extractive answer instead" in turn.text and "239 physicians" in turn.text


def test_timeout_never_hangs(seed_settings: Settings, fault_server: FaultServer) -> None:
    fault_server.set_mode("slow", slow_seconds=20)
    settings = llm_settings(
        seed_settings,
        fault_server.base_url,
        fault_server.model,
        timeout=1.0,
        max_retries=1,
        fallback_to_extractive=False,
    )
    started = time.monotonic()
    turn = answer(QUESTION, settings=settings)
    assert time.monotonic() - started < 12
    assert turn.error and "timeout" in turn.error and not turn.citations


def test_connection_refused(seed_settings: Settings) -> None:
    settings = llm_settings(seed_settings, refused_url(), "any", max_retries=0)
    turn = answer(QUESTION, settings=settings)
    assert turn.error and "cannot connect" in turn.error


@pytest.mark.parametrize("mode", ["broken_stream", "truncated_stream"])
def test_stream_that_stops_mid_answer_is_marked_partial(
    seed_settings: Settings, fault_server: FaultServer, mode: str
) -> None:
    fault_server.set_mode(mode, break_after=3)
    settings = llm_settings(seed_settings, fault_server.base_url, fault_server.model, fallback_to_extractive=False)
    events = list(stream_answer(QUESTION, settings=settings))
    turn = events[-1][1]
    streamed = "".join(p for kind, p in events if kind == "token")
    assert turn.partial and turn.error and "[answer interrupted" in turn.text
    assert streamed.startswith("LiveClin has 239")  # what arrived before the break was shown, not lost


def test_api_key_never_appears_in_errors_exports_or_logs(
    seed_settings: Settings, fault_server: FaultServer, caplog: pytest.LogCaptureFixture
) -> None:
    fault_server.set_mode("401")  # its error body echoes the key, as OpenAI's does
    settings = llm_settings(seed_settings, fault_server.base_url, fault_server.model)
    with caplog.at_level(logging.DEBUG):
        turn = answer(QUESTION, settings=settings)
    assert turn.error
    dumped = json.dumps(turn.to_dict(), ensure_ascii=False)
    assert "sk-test" not in dumped and "sk-test" not in caplog.text


def test_a_stop_before_the_first_token_closes_the_request(seed_settings: Settings, fault_server: FaultServer) -> None:
    """The chat's Stop while the server is still reading the prompt (no byte sent yet): the answer ends and the
    server sees its request closed, instead of the request staying open until the first token."""
    fault_server.set_mode("slow", slow_seconds=60)  # nothing for a minute, as a CPU server reading a long prompt
    settings = llm_settings(seed_settings, fault_server.base_url, fault_server.model, fallback_to_extractive=False)
    stop = threading.Event()
    events = stream_answer(QUESTION, settings=settings, cancelled=stop.is_set)
    assert next(events)[0] == "sources"
    rest: list[tuple[str, object]] = []
    worker = threading.Thread(target=lambda: rest.extend(events), daemon=True)
    worker.start()
    while fault_server.count < 1 and worker.is_alive():  # wait for the request to be sent
        time.sleep(0.01)
    assert fault_server.count == 1 and fault_server.hangups == 0
    stop.set()
    worker.join(timeout=20)  # without the stop, the stream would wait the minute out
    assert not worker.is_alive()
    assert [kind for kind, _ in rest] == ["done"]  # no token, no error: the answer simply ended
    while fault_server.hangups < 1:  # the server noticed the closed connection (it polls every 50 ms)
        time.sleep(0.01)
