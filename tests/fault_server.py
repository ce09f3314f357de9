"""A scripted fault-injecting fake of the OpenAI chat API (stdlib HTTP server) for tests."""

from __future__ import annotations

import json
import select
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.helpers import API_KEY, free_port
from tests.openai_payloads import chunk_payload, completion, error_body, split_tokens, usage

FAULT_MODES = ("ok", "429", "500", "401", "slow", "broken_stream", "truncated_stream", "garbage")
DEFAULT_ANSWER = "LiveClin has 239 physicians [1]. Invented claim [7]."


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    raw: bytes
    body: Any  # parsed JSON, or None
    mode: str  # the behaviour this request got
    at: float = field(default_factory=time.monotonic)

    @property
    def stream(self) -> bool:
        return isinstance(self.body, dict) and bool(self.body.get("stream"))


class FaultServer:
    """OpenAI-style chat server whose behaviour each test sets.

    Modes (``set_mode`` / ``mode`` attribute, or one per request with ``script``):

    - ``ok``: the fixed ``answer`` text, as JSON or (``stream: true``) as SSE chunks ending with ``data: [DONE]``.
    - ``429``: status 429, ``Retry-After: <retry_after>`` and an OpenAI error body (``rate_limit_exceeded``).
    - ``500``: status 500 with an OpenAI ``server_error`` body.
    - ``401``: status 401 with an OpenAI ``invalid_api_key`` body.
    - ``slow``: waits ``slow_seconds`` before sending anything, then answers as ``ok``.
    - ``broken_stream``: status 200 and a valid SSE stream (chunked transfer encoding) with the first
      ``break_after`` tokens, then the connection is dropped mid-body (no final chunk, no ``data: [DONE]``).
      With ``break_with_reset = True`` the socket is reset (RST) instead of closed (FIN).
    - ``truncated_stream``: like ``broken_stream`` but the HTTP body ends cleanly (final chunk sent), just without
      ``data: [DONE]`` and without a ``finish_reason``: a stream that looks complete at the HTTP level.
    - ``garbage``: status 200 with a non-JSON body (non-streamed, content type ``garbage_content_type``) or an SSE
      stream whose ``data:`` line is not JSON (streamed).

    ``/v1/models`` answers normally except in modes 401, 500, 429 (same error) and slow (same delay).
    A non-streamed request whose body is not JSON gets a 400.
    """

    def __init__(self) -> None:
        self.model = "fault-model"
        self.mode = "ok"
        self.answer = DEFAULT_ANSWER
        self.retry_after: str | None = "1"  # seconds, as the header's text; None leaves the header out
        self.slow_seconds = 10.0
        self.token_delay = 0.0  # seconds between streamed chunks in ok / broken / truncated streams
        self.break_after = 3  # content chunks sent before a broken/truncated stream stops
        self.break_with_reset = False
        self.garbage_content_type = "application/json"
        self.requests: list[RecordedRequest] = []
        self.errors: list[str] = []  # unexpected exceptions in handlers (client hang-ups are not errors)
        self.hangups = 0  # responses the client closed before they were complete
        self._script: deque[str] = deque()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._httpd = _FaultHTTPServer(("127.0.0.1", 0), _FaultHandler)
        self._httpd.fault = self
        self.port: int = self._httpd.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self.api_key = API_KEY
        self._thread = threading.Thread(target=self._httpd.serve_forever, name=f"fault-server-{self.port}", daemon=True)

    # -- control -------------------------------------------------------------------------------------------
    def start(self) -> FaultServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()  # wakes "slow" handlers
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def set_mode(self, mode: str, **options: Any) -> FaultServer:
        """Set the default mode and optionally attributes, e.g. ``set_mode("ok", answer="Hi [1].")``."""
        _check_mode(mode)
        for name, value in options.items():
            if name.startswith("_") or not hasattr(self, name):
                raise AttributeError(f"FaultServer has no option {name!r}")
            setattr(self, name, value)
        self.mode = mode
        return self

    def script(self, *modes: str) -> FaultServer:
        """Queue one mode per coming chat request, e.g. ``script("429", "429", "ok")``; then ``mode`` applies."""
        for mode in modes:
            _check_mode(mode)
        with self._lock:
            self._script.extend(modes)
        return self

    def reset(self) -> None:
        """Forget recorded requests and any queued script (mode and options stay)."""
        with self._lock:
            self.requests.clear()
            self._script.clear()

    def openai_client(self, **kwargs: Any):
        import openai

        kwargs.setdefault("timeout", 10.0)
        return openai.OpenAI(base_url=self.base_url, api_key=self.api_key, **kwargs)

    # -- what happened -------------------------------------------------------------------------------------
    @property
    def chat_requests(self) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.path.rstrip("/").endswith("/chat/completions")]

    @property
    def count(self) -> int:
        """Number of chat completion requests received."""
        return len(self.chat_requests)

    @property
    def bodies(self) -> list[Any]:
        return [r.body for r in self.chat_requests]

    @property
    def last_body(self) -> Any:
        chats = self.chat_requests
        return chats[-1].body if chats else None

    # -- internals -----------------------------------------------------------------------------------------
    def _next_mode(self) -> str:
        with self._lock:
            return self._script.popleft() if self._script else self.mode

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)


def _check_mode(mode: str) -> None:
    if mode not in FAULT_MODES:
        raise ValueError(f"unknown fault mode {mode!r}; one of {FAULT_MODES}")


class _FaultHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    fault: FaultServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError)):
            self.fault.hangups += 1
            return
        self.fault.errors.append(f"{type(exc).__name__}: {exc}")


class _FaultHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive like a real API; streams use chunked transfer encoding
    server: _FaultHTTPServer

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    @property
    def fault(self) -> FaultServer:
        return self.server.fault

    # -- routing -------------------------------------------------------------------------------------------
    def do_GET(self) -> None:
        self._handle(read_body=False)

    def do_POST(self) -> None:
        self._handle(read_body=True)

    def _handle(self, read_body: bool) -> None:
        raw = b""
        if read_body:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        path = self.path.split("?", 1)[0].rstrip("/")
        is_chat = self.command == "POST" and path.endswith("/chat/completions")
        is_models = self.command == "GET" and path.endswith("/models")
        mode = self.fault._next_mode() if is_chat else self.fault.mode
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.fault._record(RecordedRequest(self.command, self.path, headers, raw, body, mode if is_chat else "-"))

        if not (is_chat or is_models):
            return self._send_json(404, error_body(404))
        if mode in ("401", "500", "429"):
            extra = {"Retry-After": self.fault.retry_after} if mode == "429" and self.fault.retry_after else {}
            return self._send_json(int(mode), error_body(int(mode)), extra)
        if mode == "slow":
            if self._wait_unless_hung_up(self.fault.slow_seconds):
                self.close_connection = True
                return
        if is_models:
            return self._send_json(
                200,
                {
                    "object": "list",
                    "data": [{"id": self.fault.model, "object": "model", "created": 0, "owned_by": "fault-server"}],
                },
            )
        if not isinstance(body, dict):
            return self._send_json(400, error_body(400))
        stream = bool(body.get("stream"))
        model = body.get("model") or self.fault.model
        if mode == "garbage":
            return self._send_garbage(stream)
        if not stream:
            if mode in ("broken_stream", "truncated_stream"):  # those faults only make sense for streams
                return self._send_broken_plain()
            return self._send_json(200, completion(model, self.fault.answer))
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        return self._send_stream(model, mode, include_usage)

    def _wait_unless_hung_up(self, seconds: float) -> bool:
        """Wait ``seconds`` before answering, as a server reading a long prompt does; True when the server stops
        or the client closes the connection meanwhile (counted in ``hangups``)."""
        ends = time.monotonic() + seconds
        while (left := ends - time.monotonic()) > 0:
            if self.fault._stop.is_set():
                return True
            readable, _, _ = select.select([self.connection], [], [], min(left, 0.05))
            if readable:
                try:
                    gone = self.connection.recv(1, socket.MSG_PEEK) == b""
                except OSError:
                    gone = True
                if gone:
                    self.fault.hangups += 1
                    return True
        return False

    # -- responses -----------------------------------------------------------------------------------------
    def _send_json(self, status: int, payload: Any, extra_headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (extra_headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _start_chunked(self, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def _event(self, payload: Any) -> None:
        self._chunk(b"data: " + json.dumps(payload).encode() + b"\n\n")

    def _end_chunked(self) -> None:
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _drop_connection(self) -> None:
        self.close_connection = True
        sock = self.connection
        try:
            if self.fault.break_with_reset:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                sock.close()
            else:
                sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _send_stream(self, model: str, mode: str, include_usage: bool) -> None:
        answer = self.fault.answer
        tokens = split_tokens(answer)
        if mode in ("broken_stream", "truncated_stream"):
            tokens = tokens[: self.fault.break_after]
        cid = f"chatcmpl-fault-{len(self.fault.requests)}"
        created = int(time.time())
        self._start_chunked("text/event-stream; charset=utf-8")
        self._event(chunk_payload(cid, created, model, {"role": "assistant", "content": ""}))
        for token in tokens:
            if self.fault.token_delay:
                if self.fault._stop.wait(self.fault.token_delay):
                    return self._drop_connection()
            self._event(chunk_payload(cid, created, model, {"content": token}))
        if mode == "broken_stream":
            return self._drop_connection()
        if mode == "truncated_stream":
            return self._end_chunked()
        self._event(chunk_payload(cid, created, model, {}, finish_reason="stop"))
        if include_usage:
            self._event(
                {
                    "id": cid,
                    "object": "chat.completion.chunk",
                    "created": created,
                    "model": model,
                    "choices": [],
                    "usage": usage(answer),
                }
            )
        self._chunk(b"data: [DONE]\n\n")
        self._end_chunked()

    def _send_broken_plain(self) -> None:
        data = json.dumps(completion(self.fault.model, self.fault.answer)).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[: len(data) // 2])
        self.wfile.flush()
        self._drop_connection()

    def _send_garbage(self, stream: bool) -> None:
        if stream:
            self._start_chunked("text/event-stream; charset=utf-8")
            self._chunk(b"data: {this is not json\n\n")
            self._chunk(b"data: [DONE]\n\n")
            return self._end_chunked()
        data = b"<html><body>502 Bad Gateway</body></html> this is not JSON"
        self.send_response(200)
        self.send_header("Content-Type", self.fault.garbage_content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def fault_server() -> Iterator[FaultServer]:
    """A fresh scripted fake OpenAI server per test (mode "ok" with DEFAULT_ANSWER until the test says otherwise)."""
    server = FaultServer().start()
    try:
        yield server
    finally:
        server.stop()


def refused_url() -> str:
    """A base URL on 127.0.0.1 whose port nothing listens on (connecting is refused at once)."""
    return f"http://127.0.0.1:{free_port()}/v1"
