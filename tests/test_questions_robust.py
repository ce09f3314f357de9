"""Odd questions get a clear answer or message, never a traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest

from assistant.answer import answer
from assistant.answer.chain import QuestionError
from assistant.answer.turn import clean_question
from assistant.settings import Settings
from tests.helpers import ROOT


@pytest.mark.parametrize(
    "question",
    [
        "x" * 100_000,
        "EEG " * 25_000,
        "\x01\x02 EEG \x1b[31m papers \x7f",
        "🧠🫀🩺💊",
        "哪篇 paper 用 diffusion model 生成 ECG 信号?",
        "Ｗｈｉｃｈ ｐａｐｅｒｓ ｗｏｒｋ ｏｎ ＥＥＧ？",
        "<script>alert(1)</script>",
        "'; DROP TABLE records; --",
    ],
)
def test_odd_questions_answer_or_refuse(seed_settings: Settings, question: str) -> None:
    turn = answer(question, settings=seed_settings)
    assert turn.text
    numbers = {s.n for s in turn.sources}
    assert all(c["n"] in numbers for c in turn.citations)
    assert turn.abstained or turn.citations


@pytest.mark.parametrize("question", ["", "   ", "\n\t", "\x00\x01"])
def test_empty_questions_are_a_clear_error(seed_settings: Settings, question: str) -> None:
    with pytest.raises(QuestionError, match="empty"):
        answer(question, settings=seed_settings)


def test_empty_question_from_the_cli_has_no_traceback(seed_settings: Settings) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "ask", " \t ", "--data-dir", str(seed_settings.data_dir)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert proc.returncode == 2 and "question is empty" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("question", ["?????", "…!!! ¿¿", "--- *** ---"])
def test_questions_of_symbols_only_are_refused(seed_settings: Settings, question: str) -> None:
    turn = answer(question, settings=seed_settings)
    assert turn.abstained and not turn.citations
    assert "no words" in turn.selection.reason


def test_markdown_around_a_question_is_unwrapped(seed_settings: Settings) -> None:
    turn = answer("**Which papers** deal with [ultrasound](https://example.org/us)?", settings=seed_settings)
    assert turn.standalone == "Which papers deal with ultrasound?"
    assert turn.plan is not None and turn.plan.type == "topic"
    assert turn.citations and not turn.abstained


@pytest.mark.parametrize(
    "pasted, cleaned",
    [
        ("哪些论文用了**脑电**?", "哪些论文用了脑电?"),  # no spaces around Chinese emphasis
        ("Is (_EEG_) in `any` paper?", "Is (EEG) in any paper?"),
        ("what does window.__name__ or snake_case_id mean?", "what does window.__name__ or snake_case_id mean?"),
        ("is 2*3*4 a count?", "is 2*3*4 a count?"),
    ],
)
def test_only_emphasis_marks_around_words_are_unwrapped(pasted: str, cleaned: str) -> None:
    assert clean_question(pasted) == cleaned
