"""Section ``ui``: the chat UI (``assistant chat``) through gradio_client: time to the first streamed text, one
session and 20 concurrent ones, the server's peak memory, and how fast Stop closes a streaming LLM request
(``benchmarks.sections.ui_stop``)."""

from __future__ import annotations

import time
from pathlib import Path

from benchmarks.core import Context, Result, Section, Table
from benchmarks.harness import TARGETS, stats
from benchmarks.processes import ServerProcess, free_port, venv_command
from benchmarks.sections.ui_stop import PROMPT_S, TOKEN_DELAY_S, TrickleServer, measure_stop


class ChatServer(ServerProcess):
    """`assistant chat` on 127.0.0.1 and a free port in its own process, stopped when the section ends."""

    def __init__(self, data_dir: str, llm_url: str | None = None) -> None:
        """With ``llm_url``: answers come from that OpenAI-compatible endpoint by default."""
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        cmd = [venv_command("assistant"), "chat", "--port", str(self.port), "--data-dir", data_dir]
        env = {"OPENAI_BASE_URL": llm_url, "OPENAI_API_KEY": "sk-bench"} if llm_url else None
        if llm_url:
            cmd += ["--backend", "openai"]
        super().__init__("chat-server-llm" if llm_url else "chat-server", cmd, self.url, 120, 0.5, env)

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
    for output in job:  # outputs of /ask: the chat id the browser keeps, then the chat's messages, ...
        messages = [m for m in output[1] if m["role"] == "assistant"]
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
    trickle = TrickleServer()
    try:
        server = ChatServer(config["data_dir"], llm_url=trickle.base_url)
        try:
            stops = measure_stop(server.url, trickle, ctx.p(12, 6))
            trickle.first_token_delay_s = PROMPT_S
            early = measure_stop(server.url, trickle, ctx.p(4, 2), tokens=0)
        finally:
            server.stop()
    finally:
        trickle.close()
    first, end = stats(r["first_s"] * 1000 for r in single), stats(r["end_s"] * 1000 for r in single)
    load_first = stats(r["first_s"] * 1000 for r in concurrent)
    load_end = stats(r["end_s"] * 1000 for r in concurrent)
    closed, reply = stats(r["closed_s"] * 1000 for r in stops), stats(r["reply_s"] * 1000 for r in stops)
    early_closed = stats(r["closed_s"] * 1000 for r in early)
    res.metrics = {
        "questions": len(qs),
        "first_ms": first,
        "end_ms": end,
        "sessions": sessions,
        "concurrent_first_ms": load_first,
        "concurrent_end_ms": load_end,
        "server_peak_rss_mb": peak,
        "stop_closed_ms": closed,
        "stop_reply_ms": reply,
        "stop_runs_still_open": sum(r["still_open"] for r in stops),
        "stop_before_first_token_closed_ms": early_closed,
        "stop_runs_shown_stopped": sum(r["shown_stopped"] for r in stops),
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
                [
                    "stop -> the chat shows the answer stopped (stop event's reply)",
                    len(stops),
                    reply["p50"],
                    reply["p95"],
                ],
                ["stop -> the LLM server sees the request closed", len(stops), closed["p50"], closed["p95"]],
                [
                    f"stop before the first token ({PROMPT_S:g} s of prompt reading) -> request closed",
                    len(early),
                    early_closed["p50"],
                    early_closed["p95"],
                ],
            ],
            f"`assistant chat` in its own process on 127.0.0.1; queue concurrency from settings. Server peak RSS "
            f"(VmHWM) after all of it: {peak:.0f} MB. Stop: a second chat server whose LLM backend streams a token "
            f"every {TOKEN_DELAY_S:g} s; each run a new session asks, waits for the answer to stream, sends the stop "
            f"event; the backend notes when its connection closes (one still open after 10 s counts as 10 s; "
            f"{sum(r['still_open'] for r in stops):.0f} of {len(stops)} were).",
        )
    )
    res.target(
        "UI first streamed text p50", first["p50"] / 1000, TARGETS["ui_first_text_s"], "s", f"{len(single)} questions"
    )
    res.target(
        "UI stop -> LLM request closed p95", closed["p95"] / 1000, TARGETS["ui_stop_s"], "s", f"{len(stops)} stops"
    )
    res.target("chat server peak RSS", peak, TARGETS["server_rss_mb"], "MB", "VmHWM after the UI section")
    return res


SECTION = Section("ui", "UI: time to first streamed text, 20 concurrent sessions, server memory, stop", run)
