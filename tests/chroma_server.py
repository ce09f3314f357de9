"""A real Chroma server (``chroma run``) on 127.0.0.1 for server-mode tests; it can be killed and restarted."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import chromadb
import pytest

from tests.helpers import free_port


class ChromaServer:
    """``chroma run --path <path>`` on a fixed port: ``kill()`` it (SIGKILL), ``start()`` it again on the same data."""

    def __init__(self, path: Path) -> None:
        self.path, self.port = path, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def client(self) -> chromadb.ClientAPI:
        return chromadb.HttpClient(host="127.0.0.1", port=self.port)

    def start(self, timeout: float = 60) -> None:
        chroma = Path(sys.executable).with_name("chroma")
        self.proc = subprocess.Popen(
            [str(chroma), "run", "--path", str(self.path), "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=os.environ | {"ANONYMIZED_TELEMETRY": "False"},
        )
        deadline = time.monotonic() + timeout
        while True:  # wait until it answers a heartbeat
            try:
                self.client().heartbeat()
                return
            except Exception as exc:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    self.kill()
                    raise RuntimeError("chroma run did not start") from exc
                time.sleep(0.3)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=20)
        self.proc = None


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[ChromaServer]:
    server = ChromaServer(tmp_path / "chroma-server")
    server.start()
    try:
        yield server
    finally:
        server.kill()
