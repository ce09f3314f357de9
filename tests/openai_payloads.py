"""The JSON bodies an OpenAI-compatible chat server sends (used by the scripted fake in fault_server.py)."""

from __future__ import annotations

import re
import time
from typing import Any


def split_tokens(text: str) -> list[str]:
    """Split text into stream chunks: words with their following whitespace."""
    return re.findall(r"\s*\S+\s*", text) or [text]


def error_body(status: int) -> dict[str, Any]:
    errors = {
        429: ("Rate limit reached for requests. Please try again in 1s.", "requests", "rate_limit_exceeded"),
        500: ("The server had an error while processing your request. Sorry about that!", "server_error", None),
        401: ("Incorrect API key provided: sk-test.", "invalid_request_error", "invalid_api_key"),
        400: ("We could not parse the JSON body of your request.", "invalid_request_error", None),
        404: ("Not found.", "invalid_request_error", None),
    }
    message, kind, code = errors[status]
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


def usage(answer: str) -> dict[str, int]:
    completion = len(split_tokens(answer))
    return {"prompt_tokens": 10, "completion_tokens": completion, "total_tokens": 10 + completion}


def completion(model: str, answer: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fault",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": answer}, "finish_reason": "stop", "logprobs": None}
        ],
        "usage": usage(answer),
    }


def chunk_payload(
    cid: str, created: int, model: str, delta: dict[str, Any], finish_reason: str | None = None
) -> dict[str, Any]:
    return {
        "id": cid,
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason, "logprobs": None}],
    }
