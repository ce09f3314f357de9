"""Stop in the chat UI, measured for section ``ui``: a chat server whose OpenAI-compatible backend trickles an
endless answer (a token every 0.2 s, a small model on a CPU), a question through the UI's /ask endpoint and,
once the answer streams, the /stop event of the same session (what the Stop button sends). Measured: seconds
from sending the stop event to the backend seeing its connection closed, and to the stop event's reply (the
chat showing the answer stopped); and the same for a stop sent while the backend still reads the prompt."""

from __future__ import annotations

import json
import select
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from benchmarks.harness import log

TOKEN_DELAY_S = 0.2
STREAMING_TOKENS = 5  # tokens sent before the stop: the answer is visibly streaming
PROMPT_S = 3.0  # the other case: a backend still reading the prompt (llama.cpp on a CPU) sends nothing yet
ENDLESS = 3000  # tokens an answer would have (10 minutes): it never ends by itself while measured
MODEL = "trickle"
OPEN_LIMIT_S = 10.0  # a request still open this long after the stop counts as never closed


@dataclass
class Stream:
    """One chat-completions request: tokens sent so far, and when the client closed it (monotonic)."""

    sent: int = 0
    closed_at: float | None = None
    closed: threading.Event = field(default_factory=threading.Event)


class TrickleServer:
    """An OpenAI-style streaming chat endpoint on 127.0.0.1. Between tokens it watches its socket, so a client's
    close is seen when it happens (within the select), not at the next failed write."""

    def __init__(self, first_token_delay_s: float = 0.0) -> None:
        self.first_token_delay_s = first_token_delay_s  # a backend still reading the prompt sends nothing yet
        self.streams: list[Stream] = []
        self.changed = threading.Condition()
        self.httpd = _Server(("127.0.0.1", 0), _Handler)
        self.httpd.trickle = self
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, name="trickle-server", daemon=True).start()

    def new_stream(self) -> Stream:
        with self.changed:
            self.streams.append(Stream())
            self.changed.notify_all()
            return self.streams[-1]

    def sent(self, stream: Stream) -> None:
        with self.changed:
            stream.sent += 1
            self.changed.notify_all()

    def wait_streaming(self, index: int, tokens: int, timeout_s: float = 120.0) -> None:
        """Until the ``index``-th request has sent ``tokens`` tokens."""
        with self.changed:
            if not self.changed.wait_for(
                lambda: len(self.streams) > index and self.streams[index].sent >= tokens, timeout_s
            ):
                raise RuntimeError(f"the chat server's request {index + 1} did not stream within {timeout_s:.0f} s")

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _chunk(content: str | None) -> bytes:
    delta = {"content": content} if content is not None else {}
    choice = {"index": 0, "delta": delta, "finish_reason": None if content is not None else "stop"}
    body = {"id": "bench", "object": "chat.completion.chunk", "created": 0, "model": MODEL, "choices": [choice]}
    return f"data: {json.dumps(body)}\n\n".encode()


def _closed_within(sock: socket.socket, timeout_s: float) -> bool:
    """Wait up to ``timeout_s``; True as soon as the peer closes (the client sends nothing else)."""
    readable, _, _ = select.select([sock], [], [], timeout_s)
    if not readable:
        return False
    try:
        return sock.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    trickle: TrickleServer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # the stream's end is the connection's end
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:  # /v1/models, for the UI's "Test connection"
        data = json.dumps({"object": "list", "data": [{"id": MODEL, "object": "model", "owned_by": "bench"}]})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(data.encode())

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        trickle = self.server.trickle
        stream = trickle.new_stream()
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        try:
            if self._trickled(trickle, stream):
                return  # the whole answer went out
        except OSError:  # a write after the client went away
            pass
        stream.closed_at = time.monotonic()
        stream.closed.set()

    def _trickled(self, trickle: TrickleServer, stream: Stream) -> bool:
        """Send the answer a token at a time; False as soon as the client closes the connection."""
        self.wfile.flush()
        if _closed_within(self.connection, trickle.first_token_delay_s):
            return False
        for i in range(ENDLESS):
            self.wfile.write(_chunk(f"word{i} "))
            self.wfile.flush()
            trickle.sent(stream)
            if _closed_within(self.connection, TOKEN_DELAY_S):
                return False
        self.wfile.write(_chunk(None) + b"data: [DONE]\n\n")
        return True


def measure_stop(url: str, trickle: TrickleServer, runs: int, tokens: int = STREAMING_TOKENS) -> list[dict[str, float]]:
    """``runs`` times, in a new session each: ask, wait for the answer to stream (``tokens`` sent; 0: until the
    request has arrived), stop. Seconds from the stop event to the backend's connection closed (OPEN_LIMIT_S if
    it stayed open that long: counted in ``still_open``) and to the stop event's reply; ``shown_stopped``: the
    reply's chat marks the answer stopped."""
    from gradio_client import Client

    out = []
    for i in range(runs):
        client = Client(url, verbose=False)
        first = len(trickle.streams)
        job = client.submit("what is LiveClin?", "openai", "any", "any", "any", "any", "any", False, api_name="/ask")
        trickle.wait_streaming(first, tokens)
        time.sleep(TOKEN_DELAY_S * i / runs)  # stops land at evenly spread points between two tokens
        stream, started = trickle.streams[first], time.monotonic()
        chat = client.predict(api_name="/stop")[0]
        replied = time.monotonic() - started
        closed_at = stream.closed_at if stream.closed.wait(OPEN_LIMIT_S) else None
        out.append(
            {
                "closed_s": closed_at - started if closed_at is not None else OPEN_LIMIT_S,
                "still_open": float(closed_at is None),
                "reply_s": replied,
                "shown_stopped": float(bool(chat) and "Stopped" in str(chat[-1]["content"])),
            }
        )
        job.result(timeout=60)  # the session's answering event has ended: the next run starts on a free queue
    log(f"  stop after {tokens} tokens: {runs - sum(r['still_open'] for r in out):.0f}/{runs} LLM requests closed")
    return out
