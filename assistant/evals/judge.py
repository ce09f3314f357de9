"""Optional LLM judge: faithfulness and correctness of each answer, graded 1-5 with a JSON reply.

Enabled when ``ASSISTANT_JUDGE_BASE_URL`` and ``ASSISTANT_JUDGE_MODEL`` are set (``ASSISTANT_JUDGE_API_KEY``
optional). Its own settings class, so the shared ``Settings`` stays as it is. A judgment that fails
(transport error, no JSON, grades missing or out of range) is recorded with its error and counted as
failed; it never becomes a NaN in an average.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from assistant.answer.prompts import Prompt, packaged_prompts, read_prompt
from assistant.settings import LLMSettings

GRADES = ("faithfulness", "correctness")
JSON_OBJECT = re.compile(r"\{.*\}", re.S)
SOURCE_CHARS = 1500


class JudgeSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ASSISTANT_JUDGE_", extra="ignore")

    base_url: str | None = None
    model: str | None = None
    api_key: SecretStr | None = None
    timeout: float = 60.0
    max_retries: int = 1
    max_tokens: int = 300
    prompt: Path | None = None  # a judge prompt file; the packaged judge.md when unset

    @property
    def enabled(self) -> bool:
        return bool(self.base_url and self.model)

    def endpoint(self) -> LLMSettings:
        """The judge's endpoint in the answerer's terms (one way to build a chat model)."""
        return LLMSettings(
            model=self.model or "",
            base_url=self.base_url,
            api_key=self.api_key,
            timeout=self.timeout,
            max_retries=self.max_retries,
            max_tokens=self.max_tokens,
        )


@dataclass
class Judgment:
    faithfulness: int | None = None
    correctness: int | None = None
    reason: str = ""
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def parse_judgment(reply: str) -> Judgment:
    """Read the judge's reply: one JSON object (possibly fenced) with integer grades 1-5."""
    match = JSON_OBJECT.search(reply or "")
    if not match:
        return Judgment(error=f"no JSON object in the reply: {reply[:120]!r}")
    try:
        obj = json.loads(match.group(0))
    except json.JSONDecodeError as exc:
        return Judgment(error=f"unparseable JSON ({exc.msg}): {match.group(0)[:120]!r}")
    if not isinstance(obj, dict):
        return Judgment(error="the reply is not a JSON object")
    grades: dict[str, int] = {}
    for name in GRADES:
        value = obj.get(name)
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
            return Judgment(error=f"{name} must be an integer 1-5, got {obj.get(name)!r}")
        grades[name] = value
    return Judgment(grades["faithfulness"], grades["correctness"], str(obj.get("reason", ""))[:300])


def reference_of(question: Any) -> str:
    parts = []
    if question.expect_any:
        parts.append("the record(s): " + " or ".join(question.expect_any))
    if question.expect_all:
        parts.append("all of the records: " + "; ".join(question.expect_all))
    if question.facts:
        parts.append("the facts: " + "; ".join(question.facts))
    return "\n".join(parts)


class Judge:
    """Grades answers with an OpenAI-compatible chat model (``complete`` can be replaced in tests)."""

    def __init__(self, settings: JudgeSettings, complete: Any = None) -> None:
        self.settings = settings
        self.prompt: Prompt = read_prompt(settings.prompt or packaged_prompts() / "judge.md")
        self._complete = complete or self._chat

    def describe(self) -> str:
        return f"{self.settings.model} at {self.settings.base_url} (judge prompt v{self.prompt.version})"

    def _chat(self, text: str) -> str:
        from langchain_core.messages import HumanMessage

        from assistant.answer.llm import chat_model

        reply = chat_model(self.settings.endpoint(), streaming=False).invoke([HumanMessage(content=text)])
        return reply.content if isinstance(reply.content, str) else json.dumps(reply.content)

    def message(self, question: Any, turn: Any) -> str:
        sources = "\n\n".join(f"[{s.n}] {s.text[:SOURCE_CHARS]}" for s in turn.sources)
        return self.prompt.format(
            sources=sources or "(none)",
            question=turn.standalone or question.question,
            reference=reference_of(question) or "(none)",
            answer=turn.text,
        )

    def grade(self, question: Any, turn: Any) -> Judgment:
        try:
            reply = self._complete(self.message(question, turn))
        except Exception as exc:  # noqa: BLE001 - a failed judgment is counted, not fatal
            detail = str(exc)
            key = self.settings.api_key.get_secret_value() if self.settings.api_key else ""
            if key:
                detail = detail.replace(key, "***")
            return Judgment(error=f"judge request failed: {type(exc).__name__}: {detail[:200]}")
        return parse_judgment(reply)


def judge_from_env() -> Judge | None:
    settings = JudgeSettings()
    return Judge(settings) if settings.enabled else None
