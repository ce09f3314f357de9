"""assistant.evals.ranks: where the right paper ranks in each list the hybrid search fuses."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from assistant.evals import ranks
from assistant.evals.golden import GoldenQuestion
from assistant.retrieve.hybrid import get_retriever
from assistant.settings import Settings


def lookup(qid: str, question: str, lang: str, expected: str) -> GoldenQuestion:
    return GoldenQuestion(qid, question, lang, "lookup", expect_any=[expected], split="dev")


def test_a_chinese_paraphrase_is_found_through_its_english_words(seed_settings: Settings) -> None:
    question = lookup("p", "有没有能在组织切片上按文字提示圈出从没见过的组织形态的方法?", "zh", "PathChat-SegR1")
    row = ranks.question_ranks(get_retriever(seed_settings), question)
    assert row.ranks["fused"] == 1 and "PathChat-SegR1" in row.first
    assert row.ranks["bridge"] >= 1  # the English abstract holds the question's Chinese words' English words


def test_an_english_question_has_no_bridge_ranking(seed_settings: Settings) -> None:
    question = lookup("e", "video polyp segmentation in colonoscopy", "en", "HFSTI-Net")
    row = ranks.question_ranks(get_retriever(seed_settings), question)
    assert row.ranks["bridge"] == ranks.MISSING
    assert row.ranks["dense"] == row.ranks["own"] == row.ranks["fused"] == 1


def write_set(path: Path, questions: list[GoldenQuestion]) -> Path:
    path.write_text("".join(json.dumps(q.to_dict(), ensure_ascii=False) + "\n" for q in questions), encoding="utf-8")
    return path


def test_cli_prints_each_question_and_a_tally_per_language(
    seed_settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    golden = write_set(
        tmp_path / "set.jsonl",
        [
            lookup("en-1", "video polyp segmentation in colonoscopy", "en", "HFSTI-Net"),
            lookup("zh-1", "哪篇论文研究呼吸音诊断?", "zh", "Resp-Agent"),
        ],
    )
    argv = ["ranks", "--set", str(golden), "--data-dir", str(seed_settings.data_dir)]
    monkeypatch.setattr(sys, "argv", argv)
    ranks.main()
    out = capsys.readouterr().out
    assert "en-1" in out and "zh-1" in out
    assert "en: 1 questions, right paper first in" in out and "zh: 1 questions" in out
    monkeypatch.setattr(sys, "argv", [*argv, "--only-misses"])
    ranks.main()
    assert "en-1" not in capsys.readouterr().out  # found first: not a miss


def test_a_bad_split_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    golden = write_set(tmp_path / "set.jsonl", [lookup("e", "q", "en", "x")])
    monkeypatch.setattr(sys, "argv", ["ranks", "--set", str(golden), "--split", "train"])
    with pytest.raises(SystemExit) as exit_info:
        ranks.main()
    assert exit_info.value.code == 2
    assert "split must be dev, test or all" in capsys.readouterr().err
