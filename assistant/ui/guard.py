"""What the chat server refuses before Gradio sees it: its upload route (no feature of the UI takes files), and
sign-in attempts beyond ``settings.ui.login_attempts`` failures per client address in ``login_window`` seconds
(answered 429 with Retry-After until the oldest failure leaves the window)."""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict, deque
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

UPLOAD_PATHS = ("/gradio_api/upload", "/upload")
LOGIN_PATHS = ("/login", "/login/")


class LoginThrottle:
    """Failed sign-ins per client address, over a sliding window."""

    def __init__(self, attempts: int, window: float) -> None:
        self.attempts, self.window = attempts, window
        self._failures: defaultdict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def retry_after(self, client: str, now: float | None = None) -> float:
        """Seconds until ``client`` may try again (0: now)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            failures = self._failures[client]
            while failures and failures[0] <= now - self.window:
                failures.popleft()
            if len(failures) < self.attempts:
                return 0.0
            return failures[0] + self.window - now

    def failed(self, client: str, now: float | None = None) -> None:
        with self._lock:
            self._failures[client].append(time.monotonic() if now is None else now)


async def _refuse(send: Send, status: int, detail: str, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
            + (headers or []),
        }
    )
    await send({"type": "http.response.body", "body": body})


class Guard:
    """ASGI middleware (given to Gradio's FastAPI app through ``launch(app_kwargs=...)``)."""

    def __init__(self, app: ASGIApp, throttle: LoginThrottle) -> None:
        self.app, self.throttle = app, throttle

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope.get("path", "").rstrip("/") or "/"
        if path in UPLOAD_PATHS or path.endswith("/gradio_api/upload"):
            return await _refuse(send, 403, "uploads are not accepted: no feature of this app takes files")
        if scope.get("method") != "POST" or path not in {p.rstrip("/") for p in LOGIN_PATHS}:
            return await self.app(scope, receive, send)
        client = (scope.get("client") or ("unknown", 0))[0]
        wait = self.throttle.retry_after(client)
        if wait > 0:
            return await _refuse(
                send, 429, "too many failed sign-ins: try again later", [(b"retry-after", str(int(wait) + 1).encode())]
            )
        status: dict[str, Any] = {}

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        await self.app(scope, receive, watch)
        if status.get("code", 500) >= 400:
            self.throttle.failed(client)
