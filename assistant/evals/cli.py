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
    split: str = "all",
    cache: bool | None = None,
    compare: tuple[str, str] | None = None,
) -> None:
    golden_set = resolve(golden_set)
    try:
        questions = load_golden(golden_set, limit, split)
        gate = load_thresholds(thresholds) if thresholds else None
    except (OSError, GoldenError, json.JSONDecodeError) as exc:
        fail(str(exc), code=2)
        return
    judge = judge_from_env()
    if judge is not None:
        print(f"LLM judge: {judge.describe()}", file=sys.stderr)

    def evaluate(run_settings: Settings, run_backend: str | None, pipeline: str = "assistant") -> dict[str, Any]:
        options: dict[str, Any] = {"judge": judge, "progress": True, "cache": cache, "split": split}
        result = run_eval(questions, run_settings, backend=run_backend, pipeline=pipeline, **options)
        result["meta"]["golden"] = str(golden_set)
        return result

    if compare is not None:
        compare_command(compare, settings, backend, evaluate, as_json=as_json, report=report, fail=fail, emit=emit_json)
        return
    result = evaluate(settings, backend)
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


def compare_command(
    specs: tuple[str, str],
    settings: Settings,
    backend: str | None,
    evaluate: Callable[[Settings, str | None, str], dict[str, Any]],
    *,
    as_json: bool,
    report: Path | None,
    fail: Callable[..., None],
    emit: Callable[[object], None],
) -> None:
    """Both sides loaded (a run file) or run (a configuration), then compared on their shared questions."""
    from assistant.evals import sidebyside
    from assistant.evals.compare import compare_runs
    from assistant.evals.tutorial import DESCRIPTION, TutorialUnavailable

    runs = []
    try:
        for spec in specs:
            if sidebyside.is_run_file(spec):
                runs.append(sidebyside.load_run(resolve(Path(spec))))
            else:
                side, pipeline = sidebyside.side_for(spec, settings)
                what = f"{side.answer.backend}, retrieval {side.retrieval.retrieval_mode}, k {side.retrieval.k}"
                print(f"running {spec}: {DESCRIPTION if pipeline == 'tutorial' else what}", file=sys.stderr)
                runs.append(evaluate(side, side.answer.backend if spec != "default" else backend, pipeline))
        comparison = compare_runs(runs[0], runs[1])
    except (sidebyside.SpecError, TutorialUnavailable, ValueError) as exc:
        fail(str(exc), code=2)
        return
    if as_json:
        emit(comparison)
    else:
        print(sidebyside.text(comparison))
    if report:
        paths = sidebyside.write(comparison, runs[0], runs[1], report)
        print(f"comparison: {paths['markdown']} and {paths['html']}", file=sys.stderr)
