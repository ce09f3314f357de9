"""The test servers themselves work with the plain openai client and with langchain_openai.ChatOpenAI.

The exception classes asserted here are the ones the answer path has to map to user messages.
"""

from __future__ import annotations

import json
import time
import urllib.request

import httpx2
import openai
import pytest
from langchain_openai import ChatOpenAI

from tests.servers import DEFAULT_ANSWER, refused_url, smollm2_gguf

MESSAGES = [{"role": "user", "content": "Say hello in one short sentence."}]


def chat_model(base_url: str, model: str, **kwargs) -> ChatOpenAI:
    return ChatOpenAI(base_url=base_url, api_key="sk-test", model=model, streaming=True, **kwargs)


def collect_stream(stream) -> list[str]:
    return [c.choices[0].delta.content for c in stream if c.choices and c.choices[0].delta.content]


# ---------------------------------------------------------------------------------------------- llama server


def test_gguf_is_found_without_importing_the_plugin():
    path = smollm2_gguf()
    assert path.name.endswith(".gguf") and path.stat().st_size > 50_000_000


@pytest.mark.slow
def test_llama_server_lists_its_model(llama_server):
    with urllib.request.urlopen(llama_server.base_url + "/models", timeout=5) as response:
        models = json.loads(response.read())
    assert [m["id"] for m in models["data"]] == [llama_server.model]
    assert llama_server.log_path.is_file()


@pytest.mark.slow
def test_llama_server_chat_with_openai(llama_server):
    client = openai.OpenAI(base_url=llama_server.base_url, api_key="sk-test", timeout=120, max_retries=0)
    response = client.chat.completions.create(model=llama_server.model, messages=MESSAGES, max_tokens=40, temperature=0)
    choice = response.choices[0]
    assert choice.message.role == "assistant"
    assert choice.message.content and choice.message.content.strip()
    assert choice.finish_reason in ("stop", "length")
    assert response.usage.completion_tokens > 0


@pytest.mark.slow
def test_llama_server_streams_with_openai(llama_server):
    client = openai.OpenAI(base_url=llama_server.base_url, api_key="sk-test", timeout=120, max_retries=0)
    stream = client.chat.completions.create(
        model=llama_server.model, messages=MESSAGES, max_tokens=40, temperature=0, stream=True
    )
    finish = None
    parts = []
    for chunk in stream:
        if chunk.choices:
            if chunk.choices[0].delta.content:
                parts.append(chunk.choices[0].delta.content)
            finish = chunk.choices[0].finish_reason or finish
    assert len(parts) > 1, "expected several streamed chunks"
    assert "".join(parts).strip()
    assert finish in ("stop", "length")


@pytest.mark.slow
def test_llama_server_with_langchain(llama_server):
    # ChatOpenAI(max_tokens=N) is sent as "max_completion_tokens", which llama_cpp.server ignores (it then generates
    # until the model stops or the context is full); "max_tokens" has to go through extra_body.
    llm = chat_model(
        llama_server.base_url,
        llama_server.model,
        timeout=120,
        max_retries=0,
        temperature=0,
        extra_body={"max_tokens": 40},
    )
    chunks = [c.content for c in llm.stream("Name one planet.")]
    assert sum(1 for c in chunks if c) > 1
    message = llm.invoke("Name one planet.")
    assert isinstance(message.content, str) and message.content.strip()
    assert message.response_metadata.get("finish_reason") in ("stop", "length")


# ---------------------------------------------------------------------------------------------- fault server


def test_fault_ok_plain_and_stream(fault_server):
    fault_server.set_mode("ok", answer="LiveClin has 239 physicians [1]. Invented claim [7].")
    client = fault_server.openai_client(max_retries=0)
    response = client.chat.completions.create(model="any", messages=MESSAGES)
    assert response.choices[0].message.content == "LiveClin has 239 physicians [1]. Invented claim [7]."
    parts = collect_stream(client.chat.completions.create(model="any", messages=MESSAGES, stream=True))
    assert len(parts) > 3 and "".join(parts) == fault_server.answer
    assert fault_server.count == 2
    assert fault_server.bodies[0]["messages"] == MESSAGES and fault_server.bodies[1]["stream"] is True
    assert fault_server.chat_requests[0].headers["authorization"] == "Bearer sk-test"


def test_fault_ok_with_langchain(fault_server):
    llm = chat_model(fault_server.base_url, "any", timeout=5, max_retries=0)
    chunks = [c.content for c in llm.stream("hi") if c.content]
    assert "".join(chunks) == DEFAULT_ANSWER and len(chunks) > 3
    message = llm.invoke("hi")
    assert message.content == DEFAULT_ANSWER
    assert message.response_metadata["finish_reason"] == "stop"


def test_fault_429_is_retried_then_raises_rate_limit(fault_server):
    fault_server.set_mode("429", retry_after="1")
    client = fault_server.openai_client(max_retries=2)
    with pytest.raises(openai.RateLimitError) as info:
        client.chat.completions.create(model="any", messages=MESSAGES)
    assert fault_server.count == 3
    assert info.value.status_code == 429
    assert info.value.response.headers["retry-after"] == "1"
    assert info.value.code == "rate_limit_exceeded"
    assert [r.headers.get("x-stainless-retry-count") for r in fault_server.chat_requests] == ["0", "1", "2"]


def test_fault_429_with_langchain(fault_server):
    fault_server.set_mode("429", retry_after="1")
    llm = chat_model(fault_server.base_url, "any", timeout=5, max_retries=2)
    with pytest.raises(openai.RateLimitError):  # langchain_openai raises its subclass OpenAIRateLimitError
        llm.invoke("hi")
    assert fault_server.count == 3


def test_fault_script_recovers_after_retries(fault_server):
    fault_server.script("429", "500")  # then the default mode "ok"
    client = fault_server.openai_client(max_retries=2)
    response = client.chat.completions.create(model="any", messages=MESSAGES)
    assert response.choices[0].message.content == DEFAULT_ANSWER
    assert [r.mode for r in fault_server.chat_requests] == ["429", "500", "ok"]


def test_fault_500_is_retried_then_raises_internal_server_error(fault_server):
    fault_server.set_mode("500")
    with pytest.raises(openai.InternalServerError):
        fault_server.openai_client(max_retries=1).chat.completions.create(model="any", messages=MESSAGES)
    assert fault_server.count == 2


def test_fault_401_is_not_retried(fault_server):
    fault_server.set_mode("401")
    with pytest.raises(openai.AuthenticationError) as info:
        fault_server.openai_client(max_retries=2).chat.completions.create(model="any", messages=MESSAGES)
    assert fault_server.count == 1
    assert info.value.status_code == 401
    with pytest.raises(openai.AuthenticationError):
        fault_server.openai_client(max_retries=2).models.list()


def test_fault_slow_times_out(fault_server):
    fault_server.set_mode("slow", slow_seconds=10)
    client = fault_server.openai_client(timeout=1, max_retries=0)
    started = time.monotonic()
    with pytest.raises(openai.APITimeoutError):  # a subclass of APIConnectionError
        client.chat.completions.create(model="any", messages=MESSAGES, stream=True)
    assert time.monotonic() - started < 5
    assert fault_server.count == 1


def test_fault_slow_with_langchain(fault_server):
    fault_server.set_mode("slow", slow_seconds=10)
    llm = chat_model(fault_server.base_url, "any", timeout=1, max_retries=0)
    with pytest.raises(openai.APITimeoutError):
        llm.invoke("hi")


def test_fault_slow_answers_a_patient_client(fault_server):
    fault_server.set_mode("slow", slow_seconds=0.5)
    response = fault_server.openai_client(timeout=5, max_retries=0).chat.completions.create(
        model="any", messages=MESSAGES
    )
    assert response.choices[0].message.content == DEFAULT_ANSWER


@pytest.mark.parametrize("reset", [False, True], ids=["fin", "rst"])
def test_fault_broken_stream_raises_during_iteration(fault_server, reset):
    fault_server.set_mode("broken_stream", break_after=3, break_with_reset=reset)
    client = fault_server.openai_client(max_retries=2)
    stream = client.chat.completions.create(model="any", messages=MESSAGES, stream=True)
    parts = []
    with pytest.raises(openai.APIConnectionError) as info:  # raised by the iteration, not by create()
        for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                parts.append(chunk.choices[0].delta.content)
    assert parts == ["LiveClin ", "has ", "239 "]
    cause = httpx2.ReadError if reset else httpx2.RemoteProtocolError
    assert isinstance(info.value.__cause__, cause)
    assert not isinstance(info.value, openai.APITimeoutError)
    assert fault_server.count == 1  # a stream that already started is never retried


def test_fault_broken_stream_with_langchain(fault_server):
    fault_server.set_mode("broken_stream")
    llm = chat_model(fault_server.base_url, "any", timeout=5, max_retries=2)
    received = []
    with pytest.raises(openai.APIConnectionError):
        for chunk in llm.stream("hi"):
            received.append(chunk.content)
    assert "".join(received) == "LiveClin has 239 "


def test_fault_truncated_stream_ends_silently(fault_server):
    """No exception: the only signs are the missing finish_reason and the missing [DONE]."""
    fault_server.set_mode("truncated_stream", break_after=3)
    stream = fault_server.openai_client(max_retries=0).chat.completions.create(
        model="any", messages=MESSAGES, stream=True
    )
    finish = []
    parts = []
    for chunk in stream:
        finish.append(chunk.choices[0].finish_reason)
        if chunk.choices[0].delta.content:
            parts.append(chunk.choices[0].delta.content)
    assert "".join(parts) == "LiveClin has 239 "
    assert set(finish) == {None}
    message = chat_model(fault_server.base_url, "any", timeout=5, max_retries=0).invoke("hi")
    assert message.content == "LiveClin has 239 " and "finish_reason" not in message.response_metadata


def test_fault_garbage_is_not_an_openai_error(fault_server):
    fault_server.set_mode("garbage")
    client = fault_server.openai_client(max_retries=2)
    with pytest.raises(json.JSONDecodeError):  # application/json body that is not JSON
        client.chat.completions.create(model="any", messages=MESSAGES)
    with pytest.raises(json.JSONDecodeError):  # an SSE data line that is not JSON
        collect_stream(client.chat.completions.create(model="any", messages=MESSAGES, stream=True))
    assert fault_server.count == 2  # never retried
    fault_server.set_mode("garbage", garbage_content_type="text/html")
    result = client.chat.completions.create(model="any", messages=MESSAGES)
    assert isinstance(result, str)  # non-JSON content type: the client returns the body text, no exception
    with pytest.raises(json.JSONDecodeError):
        chat_model(fault_server.base_url, "any", timeout=5, max_retries=0).invoke("hi")


def test_refused_url_raises_connection_error():
    client = openai.OpenAI(base_url=refused_url(), api_key="sk-test", max_retries=0, timeout=5)
    with pytest.raises(openai.APIConnectionError) as info:
        client.chat.completions.create(model="any", messages=MESSAGES)
    assert not isinstance(info.value, openai.APITimeoutError)
    assert isinstance(info.value.__cause__, httpx2.ConnectError)
    with pytest.raises(openai.APIConnectionError):
        chat_model(refused_url(), "any", timeout=5, max_retries=0).invoke("hi")
