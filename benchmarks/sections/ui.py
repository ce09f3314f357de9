"""Section ``ui``: the chat UI (``assistant chat``) through gradio_client: time to the first streamed text, one
session and 20 concurrent ones, and the server's peak memory."""

from __future__ import annotations

import time
from pathlib import Path

from benchmarks.core import Context, Result, Section, Table
from benchmarks.harness import TARGETS, stats
from benchmarks.processes import ServerProcess, free_port, venv_command


class ChatServer(ServerProcess):
    """`assistant chat` on 127.0.0.1 and a free port in its own process, stopped when the section ends."""

    def __init__(self, data_dir: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        cmd = [venv_command("assistant"), "chat", "--port", str(self.port), "--data-dir", data_dir]
        super().__init__("chat-server", cmd, self.url, timeout_s=120, poll_s=0.5)

    def peak_rss_mb(self) -> float:
        """VmHWM of the server process (its peak resident set)."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")


def ui_ask(url: str, question: str) -> dict[str, float]:
    """One question through the UI's streaming /ask endpoint: seconds to the first answer text and to the end."""
    from gradio_client import Client

    client = Client(url, verbose=False)
    started = time.perf_counter()
    job = client.submit(question, "extractive", "any", "any", "any", "any", "any", False, api_name="/ask")
    first = None
    for output in job:
        messages = [m for m in output[0] if m["role"] == "assistant"]
        text = str(messages[-1]["content"]) if messages else ""
        if first is None and text and not text.startswith("*Searching"):
            first = time.perf_counter() - started
    end = time.perf_counter() - started
    return {"first_s": first if first is not None else end, "end_s": end}


def run(ctx: Context) -> Result:
    from concurrent.futures import ThreadPoolExecutor

    res = Result()
    config = ctx.seed_index()
    qs = ctx.some_questions
    sessions = 20
    server = ChatServer(config["data_dir"])
    try:
        ui_ask(server.url, "warm-up: which papers use EEG signals?")
        single = [ui_ask(server.url, q) for q in qs]
        with ThreadPoolExecutor(max_workers=sessions) as pool:
            concurrent = list(pool.map(lambda i: ui_ask(server.url, qs[i % len(qs)]), range(sessions), timeout=600))
        peak = server.peak_rss_mb()
    finally:
        server.stop()
    first, end = stats(r["first_s"] * 1000 for r in single), stats(r["end_s"] * 1000 for r in single)
    load_first = stats(r["first_s"] * 1000 for r in concurrent)
    load_end = stats(r["end_s"] * 1000 for r in concurrent)
    res.metrics = {
        "questions": len(qs),
        "first_ms": first,
        "end_ms": end,
        "sessions": sessions,
        "concurrent_first_ms": load_first,
        "concurrent_end_ms": load_end,
        "server_peak_rss_mb": peak,
    }
    res.tables.append(
        Table(
            "Chat UI through gradio_client (ms)",
            ["what", "n", "p50", "p95"],
            [
                ["submit -> first streamed answer text, one session", len(single), first["p50"], first["p95"]],
                ["submit -> finished answer, one session", len(single), end["p50"], end["p95"]],
                [
                    f"submit -> first text, {sessions} concurrent sessions",
                    sessions,
                    load_first["p50"],
                    load_first["p95"],
                ],
                [f"submit -> finished, {sessions} concurrent sessions", sessions, load_end["p50"], load_end["p95"]],
            ],
            f"`assistant chat` in its own process on 127.0.0.1; queue concurrency from settings. Server peak RSS "
            f"(VmHWM) after all of it: {peak:.0f} MB.",
        )
    )
    res.target(
        "UI first streamed text p50", first["p50"] / 1000, TARGETS["ui_first_text_s"], "s", f"{len(single)} questions"
    )
    res.target("chat server peak RSS", peak, TARGETS["server_rss_mb"], "MB", "VmHWM after the UI section")
    return res


SECTION = Section("ui", "UI: time to first streamed text, 20 concurrent sessions, server memory", run)
