"""The generative backend: any OpenAI-compatible endpoint through langchain-openai's ChatOpenAI.

Failures (refused connection, timeout, 401, 429, 5xx, a broken or garbage stream) become a
BackendError whose message names the backend and the cause, never the API key.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from assistant.redact import install_log_redaction, redact_urls
from assistant.settings import LLMSettings, Settings

if TYPE_CHECKING:  # openai and langchain_openai load only when an LLM is used (about 4 s of imports)
    from langchain_openai import ChatOpenAI

install_log_redaction()

NO_KEY = "not-needed"  # local servers (llama.cpp, Ollama, vLLM) accept any key
CANCEL_POLL_S = 0.1  # how often a stream waiting for its next token asks whether the reader stopped it


class BackendError(RuntimeError):
    """The LLM backend failed; ``str()`` is a message fit for the user."""

    def __init__(self, backend: str, cause: str) -> None:
        super().__init__(f"The {backend} failed: {cause}.")
        self.backend, self.cause = backend, cause


def describe(settings: Settings) -> str:
    """Which backend answers, as shown to the user."""
    where = redact_urls(settings.llm.base_url or "api.openai.com")
    return f"OpenAI-compatible model {settings.llm.model} at {where}"


def redact(text: str, settings: Settings) -> str:
    key = settings.llm.api_key.get_secret_value() if settings.llm.api_key else ""
    text = redact_urls(text)
    return text.replace(key, "***") if key and key != NO_KEY else text


def chat_model(
    endpoint: LLMSettings, *, streaming: bool = True, timeout: float | None = None, http_client: Any = None
) -> ChatOpenAI:
    """ChatOpenAI for an OpenAI-compatible endpoint (the answerer's, or the eval judge's)."""
    from langchain_openai import ChatOpenAI

    key = endpoint.api_key.get_secret_value() if endpoint.api_key else NO_KEY
    # max_tokens goes in the body as such: llama.cpp's server ignores max_completion_tokens.
    return ChatOpenAI(
        model=endpoint.model,
        base_url=endpoint.base_url,
        api_key=key,
        timeout=timeout or endpoint.timeout,
        max_retries=endpoint.max_retries,
        temperature=0,
        streaming=streaming,
        extra_body={"max_tokens": endpoint.max_tokens},
        http_client=http_client,
    )


def hangup_client(timeout: float) -> tuple[Any, Callable[[], None]]:
    """An httpx client for one answer, and a function that hangs up its connections from any thread.

    A stopped answer must close its request at once, also while the server is still reading the prompt (no byte
    sent yet): the worker thread is then blocked in a read that closing the socket does not wake, while
    ``shutdown`` does (and tells the server). httpcore's trace hook hands over each socket as it connects."""
    import socket

    import httpx

    sockets: list[socket.socket] = []
    lock = threading.Lock()
    hung_up = threading.Event()

    def trace(event: str, info: dict[str, Any]) -> None:
        if event in ("connection.connect_tcp.complete", "connection.connect_unix_socket.complete"):
            sock = info["return_value"].get_extra_info("socket")
            with lock:
                sockets.append(sock)
            if hung_up.is_set():
                hangup()

    class Transport(httpx.HTTPTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            request.extensions["trace"] = trace
            return super().handle_request(request)

    def hangup() -> None:
        hung_up.set()
        with lock:
            for sock in sockets:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass  # already closed

    return httpx.Client(transport=Transport(), timeout=timeout), hangup


def deadline_for(settings: Settings) -> float:
    """The monotonic time by which one whole answer (condense, answer, every retry) must be complete."""
    return time.monotonic() + settings.llm.timeout


def cause_of(exc: BaseException, settings: Settings) -> str:
    """A short, key-free explanation of an LLM failure."""
    import httpx
    import openai

    if isinstance(exc, openai.APITimeoutError):
        return f"no answer within {settings.llm.timeout:g} s (timeout)"
    if isinstance(exc, openai.APIConnectionError):
        return (
            f"cannot connect to {redact_urls(settings.llm.base_url or 'the API')} (connection refused or unreachable)"
        )
    if isinstance(exc, openai.AuthenticationError):
        return "the API key was rejected (HTTP 401); check OPENAI_API_KEY"
    if isinstance(exc, openai.RateLimitError):
        return f"rate limited (HTTP 429) after {settings.llm.max_retries} retries; try again later"
    if isinstance(exc, openai.NotFoundError):
        return f"model {settings.llm.model!r} not found (HTTP 404); check ASSISTANT_MODEL"
    if isinstance(exc, openai.APIStatusError):
        return f"server error (HTTP {exc.status_code})"
    if isinstance(exc, (httpx.HTTPError, openai.APIError)):
        return f"the response stream broke ({type(exc).__name__})"
    return f"unexpected response ({type(exc).__name__}: {redact(str(exc), settings)[:200]})"


def stream_tokens(
    settings: Settings,
    messages: list[BaseMessage],
    deadline: float | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Iterator[str]:
    """Stream the answer's text; raises BackendError (from the original error) on any failure, and when the
    answer is not complete by ``deadline`` (monotonic; default: the llm timeout from now), however the server
    trickles. The client runs in a worker thread, so a stalled read cannot hold the caller past the deadline.
    ``cancelled`` is asked every CANCEL_POLL_S while no token comes: once it says yes the stream ends (without
    an error) and the request is closed, also before the first token."""
    deadline = deadline or deadline_for(settings)
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise BackendError(describe(settings), _late(settings))
    pieces: queue.Queue[tuple[str, object]] = queue.Queue()
    stop = threading.Event()
    client, hangup = hangup_client(remaining)

    def pump() -> None:
        try:
            for chunk in chat_model(settings.llm, timeout=remaining, http_client=client).stream(messages):
                if stop.is_set():
                    return  # the caller gave up: leaving the loop closes the response
                pieces.put(("chunk", chunk))
            pieces.put(("end", None))
        except BaseException as exc:  # handed to the caller, which turns it into a BackendError
            pieces.put(("error", exc))
        finally:
            client.close()

    threading.Thread(target=pump, name="llm-stream", daemon=True).start()
    finished = False
    try:
        while True:
            left = max(0.0, deadline - time.monotonic())
            try:
                kind, item = pieces.get(timeout=min(left, CANCEL_POLL_S) if cancelled else left)
            except queue.Empty:
                if cancelled is not None and cancelled():
                    return  # the reader stopped the answer: the finally clause hangs up
                if time.monotonic() < deadline:
                    continue
                raise BackendError(describe(settings), _late(settings)) from None
            if kind == "end":
                break
            if kind == "error":
                assert isinstance(item, BaseException)
                raise BackendError(describe(settings), cause_of(item, settings)) from item
            finished = finished or bool(item.response_metadata.get("finish_reason"))  # type: ignore[attr-defined]
            content = item.content  # type: ignore[attr-defined]
            if isinstance(content, str) and content:
                yield content
            if time.monotonic() > deadline:
                raise BackendError(describe(settings), _late(settings))
    finally:
        stop.set()
        hangup()  # a caller that stops early (or fails) leaves no request open, even before the first token
    if not finished:
        raise BackendError(describe(settings), "the stream ended without a finish reason (answer may be incomplete)")


def _late(settings: Settings) -> str:
    return f"no complete answer within the {settings.llm.timeout:g} s deadline (timeout, ASSISTANT_LLM_TIMEOUT)"


def answer_messages(system: str, user: str) -> list[BaseMessage]:
    return [SystemMessage(content=system), HumanMessage(content=user)]
