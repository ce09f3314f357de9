"""What the chat server refuses: its upload route (no feature takes files) and sign-ins beyond the allowed
failures. Served for real on 127.0.0.1 (no index needed: the page says so), driven over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from assistant.settings import Settings
from assistant.ui.guard import LoginThrottle
from tests.helpers import free_port, serve_app


@pytest.fixture
def guarded_app(tmp_path: Path) -> Iterator[str]:
    settings = Settings(data_dir=tmp_path / "data", port=free_port(), auth="reader:s3cret", login_attempts=3)
    yield from serve_app(settings)


def test_throttle_counts_failures_per_client_over_a_window() -> None:
    throttle = LoginThrottle(attempts=2, window=60.0)
    throttle.failed("10.0.0.1", now=100.0)
    assert throttle.retry_after("10.0.0.1", now=101.0) == 0.0
    throttle.failed("10.0.0.1", now=101.0)
    assert throttle.retry_after("10.0.0.1", now=102.0) == pytest.approx(58.0)
    assert throttle.retry_after("10.0.0.2", now=102.0) == 0.0  # another client is not held back
    assert throttle.retry_after("10.0.0.1", now=160.5) == 0.0  # the first failure has left the window


@pytest.mark.slow
def test_upload_route_is_refused(guarded_app: str) -> None:
    response = httpx.post(f"{guarded_app}gradio_api/upload", files={"files": ("notes.txt", b"hello")})
    assert response.status_code == 403 and "uploads are not accepted" in response.text
    assert httpx.post(f"{guarded_app}gradio_api/upload/", files={"files": ("a.txt", b"x")}).status_code == 403


@pytest.mark.slow
def test_failed_sign_ins_are_throttled(guarded_app: str) -> None:
    with httpx.Client(base_url=guarded_app) as client:
        wrong = {"username": "reader", "password": "guess"}
        statuses = [client.post("login", data=wrong).status_code for _ in range(3)]
        assert all(400 <= s < 500 and s != 429 for s in statuses)
        refused = client.post("login", data={"username": "reader", "password": "s3cret"})
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0  # even the right password
        assert "too many failed sign-ins" in refused.text


@pytest.mark.slow
def test_right_password_signs_in_before_the_limit(guarded_app: str) -> None:
    with httpx.Client(base_url=guarded_app) as client:
        assert client.post("login", data={"username": "reader", "password": "nope"}).status_code != 429
        signed_in = client.post("login", data={"username": "reader", "password": "s3cret"})
        assert signed_in.status_code == 200 and signed_in.json() == {"success": True}
