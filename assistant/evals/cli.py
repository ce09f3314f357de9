"""The body of ``assistant eval`` (the typer command in assistant/cli.py only parses the flags)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assistant.evals.golden import GoldenError, load_golden
from assistant.evals.judge import judge_from_env
from assistant.evals.metrics import check_thresholds
from assistant.evals.report import text_summary, write_report
from assistant.evals.runner import run_eval
from assistant.settings import SOURCE_TREE, Settings

JSON_KEYS = ("metrics", "by_kind", "by_lang", "questions")


def resolve(path: Path) -> Path:
    """A relative path as given, else relative to the project (so the default works from any folder)."""
    if path.exists() or path.is_absolute():
        return path
    return SOURCE_TREE / path if (SOURCE_TREE / path).exists() else path


def load_thresholds(path: Path) -> dict[str, Any]:
    return json.loads(resolve(path).read_text(encoding="utf-8"))


def run_command(
    golden_set: Path,
    settings: Settings,
    *,
    backend: str | None,
    as_json: bool,
    report: Path | None,
    thresholds: Path | None,
    limit: int | None,
    fail: Callable[..., None],
    emit_json: Callable[[object], None],
) -> None:
    golden_set = resolve(golden_set)
    try:
        questions = load_golden(golden_set, limit)
        gate = load_thresholds(thresholds) if thresholds else None
    except (OSError, GoldenError, json.JSONDecodeError) as exc:
        fail(str(exc), code=2)
        return
    judge = judge_from_env()
    if judge is not None:
        print(f"LLM judge: {judge.describe()}", file=sys.stderr)
    result = run_eval(questions, settings, backend=backend, judge=judge, progress=True)
    result["meta"]["golden"] = str(golden_set)
    written = write_report(result, report) if report else None
    if as_json:
        emit_json({key: result[key] for key in JSON_KEYS})
    else:
        print(text_summary(result, written["comparison"] if written else None))
    if written:
        print(f"report: {written['markdown']} and {written['html']} (run saved as {written['run']})", file=sys.stderr)
        if written["comparison"] and written["comparison"]["regressions"]:
            print(
                f"{len(written['comparison']['regressions'])} regression(s) against the previous run", file=sys.stderr
            )
    if gate is not None:
        problems = check_thresholds(result["metrics"], result["by_lang"], gate)
        if problems:
            fail("below the thresholds:\n  " + "\n  ".join(problems))
