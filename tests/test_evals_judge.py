"""The optional LLM judge: parsing its replies, counting its failures, the prompt it is sent, and a run against a
fake OpenAI-compatible endpoint."""

from __future__ import annotations

import json
from typing import Any

import pytest

from assistant.evals.golden import GoldenQuestion
from assistant.evals.judge import Judge, JudgeSettings, parse_judgment
from assistant.evals.metrics import compute_metrics
from assistant.settings import Settings
from tests.helpers import ROOT
from tests.test_evals import row


@pytest.mark.parametrize(
    "reply, grades",
    [
        ('{"faithfulness": 4, "correctness": 5, "reason": "ok"}', (4, 5)),
        ('```json\n{"faithfulness": "3", "correctness": 2.0}\n```', (3, 2)),
        ('Sure! {"faithfulness": 5, "correctness": 1} Hope this helps.', (5, 1)),
    ],
)
def test_judge_replies_that_parse(reply: str, grades: tuple[int, int]) -> None:
    judgment = parse_judgment(reply)
    assert judgment.error is None and (judgment.faithfulness, judgment.correctness) == grades


@pytest.mark.parametrize(
    "reply, error",
    [
        ("I think it is good.", "no JSON object"),
        ('{"faithfulness": 4, correctness: 5}', "unparseable JSON"),
        ('{"faithfulness": 7, "correctness": 5}', "faithfulness must be an integer 1-5"),
        ('{"faithfulness": 4}', "correctness must be an integer 1-5"),
        ('{"faithfulness": true, "correctness": 3}', "faithfulness must be"),
        ("", "no JSON object"),
    ],
)
def test_judge_replies_that_fail(reply: str, error: str) -> None:
    judgment = parse_judgment(reply)
    assert judgment.error and error in judgment.error
    assert judgment.faithfulness is None and judgment.correctness is None


def test_failed_judgments_are_counted_not_averaged() -> None:
    rows = [
        row("q1", judge={"faithfulness": 4, "correctness": 2, "reason": "", "error": None}),
        row("q2", judge={"faithfulness": None, "correctness": None, "reason": "", "error": "no JSON object"}),
        row("q3", judge={"faithfulness": 2, "correctness": 4, "reason": "", "error": None}),
        row("q4", kind="abstain", abstained=True),
    ]
    metrics = compute_metrics(rows)
    assert metrics["judge_faithfulness"] == pytest.approx(3.0) and metrics["judge_correctness"] == pytest.approx(3.0)
    assert (metrics["judge_ok"], metrics["judge_failed"], metrics["judge_skipped"]) == (2, 1, 1)
    all_failed = compute_metrics([rows[1]])
    assert all_failed["judge_faithfulness"] is None and all_failed["judge_failed"] == 1
    assert json.dumps(all_failed, allow_nan=False)  # no NaN anywhere


class FakeTurn:
    def __init__(self) -> None:
        from types import SimpleNamespace

        self.sources = [SimpleNamespace(n=1, text="LiveClin {x} benchmark with 239 physicians.")]
        self.standalone, self.text = "What is LiveClin?", "LiveClin is a benchmark [1]."


def test_judge_sends_the_prompt_and_records_a_transport_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_JUDGE_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("ASSISTANT_JUDGE_MODEL", "judge-model")
    monkeypatch.setenv("ASSISTANT_JUDGE_API_KEY", "sk-secret")
    settings = JudgeSettings()
    assert settings.enabled
    question = GoldenQuestion("q", "What is LiveClin?", "en", "lookup", expect_any=["LiveClin"], facts=["239"])
    sent: list[str] = []

    def complete(text: str) -> str:
        sent.append(text)
        return '{"faithfulness": 5, "correctness": 4}'

    judge = Judge(settings, complete=complete)
    assert judge.grade(question, FakeTurn()).to_dict() == {
        "faithfulness": 5,
        "correctness": 4,
        "reason": "",
        "error": None,
    }
    assert "LiveClin {x} benchmark" in sent[0] and "the facts: 239" in sent[0] and "LiveClin is a benchmark" in sent[0]

    def broken(text: str) -> str:
        raise ConnectionError("refused for key sk-secret")

    failed = Judge(settings, complete=broken).grade(question, FakeTurn())
    assert failed.error and "ConnectionError" in failed.error and "sk-secret" not in failed.error


def test_judge_against_an_unreachable_endpoint_fails_cleanly(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = JudgeSettings(base_url="http://127.0.0.1:9/v1", model="m", timeout=2, max_retries=0)
    question = GoldenQuestion("q", "What is LiveClin?", "en", "lookup")
    judgment = Judge(settings).grade(question, FakeTurn())
    assert judgment.error and judgment.error.startswith("judge request failed")


class _FakeJudgeServer:
    """A tiny OpenAI-compatible chat endpoint on loopback that replies with scripted contents (or HTTP 500)."""

    def __init__(self, replies: list[str | int]) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.replies, self.requests = list(replies), list[dict[str, Any]]()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                fake.requests.append(body)
                reply = fake.replies.pop(0) if fake.replies else '{"faithfulness": 5, "correctness": 5}'
                if isinstance(reply, int):
                    payload: dict[str, Any] = {"error": {"message": "boom", "type": "server_error"}}
                    status = reply
                else:
                    payload = {
                        "id": "x",
                        "object": "chat.completion",
                        "created": 0,
                        "model": body.get("model"),
                        "choices": [
                            {
                                "index": 0,
                                "finish_reason": "stop",
                                "message": {"role": "assistant", "content": reply},
                            }
                        ],
                        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                    }
                    status = 200
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_judge_end_to_end_counts_failed_judgments(seed_settings: Settings) -> None:
    from assistant.evals.runner import run_eval

    fake = _FakeJudgeServer(
        ['```json\n{"faithfulness": 4, "correctness": 5, "reason": "fine"}\n```', "I cannot grade this.", 500]
    )
    try:
        judge = Judge(JudgeSettings(base_url=fake.url, model="judge-model", timeout=10, max_retries=0))
        result = run_eval(ROOT / "evals" / "golden.jsonl", seed_settings, limit=3, judge=judge, progress=False)
    finally:
        fake.close()
    metrics = result["metrics"]
    assert (metrics["judge_ok"], metrics["judge_failed"]) == (1, 2)
    assert metrics["judge_faithfulness"] == 4 and metrics["judge_correctness"] == 5
    errors = [q["judge"]["error"] for q in result["questions"]]
    assert errors[0] is None and "no JSON object" in errors[1] and errors[2].startswith("judge request failed")
    assert (
        fake.requests[0]["model"] == "judge-model" and "Answer to grade" in fake.requests[0]["messages"][0]["content"]
    )
    assert "judge-model" in result["meta"]["judge"]
