"""Processes the benchmarks start and stop: JSON-line workers, servers on a free port, a CPU burner.

A ``Worker`` is a fresh ``python -m benchmarks.workers KIND CONFIG`` subprocess (see ``benchmarks.workers``):
its imports, model loads and memory are its own, so one library's threads cannot slow another one's timings.
A ``ServerProcess`` runs a command in its own session until its probe URL answers, and is stopped by its pid.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from benchmarks.harness import ROOT, WORK


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def worker_env(extra: dict[str, str] | None = None, drop: Iterable[str] = ()) -> dict[str, str]:
    """The environment of a worker: no ambient ASSISTANT_* config, offline model hubs, no telemetry."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_") and k not in drop}
    env.update(
        {
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "ANONYMIZED_TELEMETRY": "False",
            "TOKENIZERS_PARALLELISM": "false",
            "PYTHONPATH": str(ROOT),
        }
    )
    env.update(extra or {})
    return env


def log_file(name: str) -> Any:
    """A fresh log file of a subprocess in the scratch dir."""
    (WORK / "logs").mkdir(parents=True, exist_ok=True)
    return (WORK / "logs" / f"{name}.log").open("w")


class WorkerError(RuntimeError):
    pass


class Worker:
    """A worker subprocess of one KIND; ``call(cmd, **args)`` sends one command and returns its reply."""

    def __init__(self, kind: str, config: dict[str, Any], name: str, env: dict[str, str] | None = None) -> None:
        self.name = name
        self.log = log_file(name)
        self.log_path = Path(self.log.name)
        cmd = [sys.executable, "-m", "benchmarks.workers", kind, json.dumps(config)]
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            cwd=ROOT,
            env=env or worker_env(),
        )
        self.ready = self._read()
        self.ready["spawn_to_ready_s"] = time.perf_counter() - self.started

    def _read(self) -> dict[str, Any]:
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        if not line:
            self.proc.wait(timeout=30)
            tail = self.log_path.read_text(errors="replace")[-3000:]
            raise WorkerError(f"worker {self.name} exited ({self.proc.returncode}); log tail:\n{tail}")
        msg: dict[str, Any] = json.loads(line)
        if "error" in msg:
            raise WorkerError(f"worker {self.name}: {msg['error']}")
        return msg

    def call(self, cmd: str, **args: Any) -> dict[str, Any]:
        assert self.proc.stdin
        self.proc.stdin.write(json.dumps({"cmd": cmd, "args": args}) + "\n")
        self.proc.stdin.flush()
        return self._read()

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                assert self.proc.stdin
                self.proc.stdin.write(json.dumps({"cmd": "exit"}) + "\n")
                self.proc.stdin.close()
                self.proc.wait(timeout=60)
            except Exception:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class ServerProcess:
    """``cmd`` in its own session (``env``: variables added to the workers' environment), logging to
    ``name``.log, up once ``probe`` answers (else stopped, and an error); stopped with SIGTERM, then SIGKILL
    after 20 s."""

    def __init__(
        self, name: str, cmd: list[str], probe: str, timeout_s: float, poll_s: float, env: dict[str, str] | None = None
    ) -> None:
        self.log = log_file(name)
        self.proc = subprocess.Popen(
            cmd, stdout=self.log, stderr=subprocess.STDOUT, env=worker_env(env), start_new_session=True
        )
        what = f"{Path(cmd[0]).name} {cmd[1]}"
        deadline = time.time() + timeout_s
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{what} exited with {self.proc.returncode}; see {self.log.name}")
            try:
                with urllib.request.urlopen(probe, timeout=2):
                    return
            except OSError:
                time.sleep(poll_s)
        self.stop()
        raise RuntimeError(f"{what} did not answer within {timeout_s:.0f} s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def venv_command(name: str) -> str:
    """A console script installed next to this Python (``chroma``, ``assistant``)."""
    return str(Path(sys.executable).parent / name)


def burner(seconds: float) -> subprocess.Popen[bytes]:
    """One busy CPU loop in its own process, ending by itself after ``seconds`` (a stand-in for a second
    process on the machine: the llama.cpp answerer, the UI server, another user's job)."""
    code = f"import time\nend=time.time()+{seconds}\nwhile time.time()<end: pass\n"
    return subprocess.Popen([sys.executable, "-c", code])
