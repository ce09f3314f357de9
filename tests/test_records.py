"""The record parser: every header shape, bad input named by file and line, dedup and conflicts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.records.corpus import load_corpus
from assistant.records.header import HeaderError, parse_header
from tests.helpers import SEEDS, paper, write_corpus

BODY = "ICLR 2026 Poster accepted paper at ICLR 2026. We study things. Code/project link: https://github.com/a/b;"


@pytest.mark.parametrize(
    "line, expected",
    [
        (
            "论文ICLR 2026 Poster2026 年clinical NLP LaVCa:LLM 辅助的视觉皮层图像描述",
            dict(
                kind="paper",
                venue="ICLR 2026",
                presentation="Poster",
                year=2026,
                track="clinical NLP",
                title="LaVCa:LLM 辅助的视觉皮层图像描述",
                short_name="LaVCa",
            ),
        ),
        (
            "论文ICLR 2026 Oral2026 年clinical prediction CounselBench:心理健康问答中大语言模型的大规模专家评测",
            dict(kind="paper", presentation="Oral", track="clinical prediction", short_name="CounselBench"),
        ),
        (
            "论文ICLR 2026 Poster2026 年医学影像 脑图基础模型:跨多图谱与疾病的预训练和提示微调",
            dict(track="医学影像", title="脑图基础模型:跨多图谱与疾病的预训练和提示微调", short_name=""),
        ),
        (
            "论文ICLR 2026 Poster2026 年trustworthy medical AI SAE 能否揭示并缓解医疗 LLM 的种族偏差?",
            dict(track="trustworthy medical AI", title="SAE 能否揭示并缓解医疗 LLM 的种族偏差?"),
        ),
        (
            "论文Nature Medicine2025 年临床 LLM 面向专家级医学问答的大语言模型",
            dict(
                venue="Nature Medicine",
                presentation="",
                year=2025,
                track="临床 LLM",
                title="面向专家级医学问答的大语言模型",
            ),
        ),
        (
            "论文ICLR 2025 Poster2025 年医疗大模型与 Agent KGARevion:面向知识密集型生物医学问答的 AI Agent",
            dict(venue="ICLR 2025", track="医疗大模型与 Agent", short_name="KGARevion"),
        ),
        (
            "论文ICLR 2026 Poster2026 年wearable health SleepNet:a new thing",  # unseen track: guessed
            dict(track="wearable health", title="SleepNet:a new thing", short_name="SleepNet"),
        ),
        (
            "征稿与合作npj Digital Medicine截止 北京时间 2027-04-30期刊专刊 npj Digital Medicine 专辑:多模态数据与 AI",
            dict(
                kind="call",
                venue="npj Digital Medicine",
                year=2027,
                track="期刊专刊",
                title="npj Digital Medicine 专辑:多模态数据与 AI",
            ),
        ),
        (
            "数据资源Chinese medical exam and QA textChinese medical LLM evaluation benchmark开放访问 CMB:中文医学基准",
            dict(kind="data", title="CMB:中文医学基准", short_name="CMB"),
        ),
        ("迈向通用生物医学 AI", dict(kind="other", title="迈向通用生物医学 AI")),
    ],
)
def test_header_shapes(line: str, expected: dict) -> None:
    header = parse_header(line)
    for key, value in expected.items():
        assert getattr(header, key) == value, key


@pytest.mark.parametrize(
    "line", ["论文ICLR Poster clinical NLP no year here", "征稿与合作npj without deadline", "数据资源no access label"]
)
def test_known_prefix_with_unknown_shape_is_rejected(line: str) -> None:
    with pytest.raises(HeaderError):
        parse_header(line)


def test_seed_corpus_dedup_and_conflicts() -> None:
    corpus = load_corpus([SEEDS])
    assert corpus.occurrences == 97
    assert len(corpus.records) == 80
    assert corpus.problems == []
    titles = {c.title for c in corpus.conflicts}
    assert "能否用 LLM 为临床时间序列数据生成可迁移表征?" in titles
    liveclin = [r for r in corpus.records if r.short_name == "LiveClin"]
    assert len(liveclin) == 1 and len(liveclin[0].sources) == 3  # one record, every occurrence kept
    assert all(":" in s and s.startswith("seeds/") for s in liveclin[0].sources)
    brain = next(r for r in corpus.records if r.title.startswith("脑图基础模型"))
    assert brain.url == "https://github.com/weixinxu666/BrainGFM" and "Code/project link" not in brain.abstract


def test_code_link_trailing_semicolon_is_stripped(tmp_path: Path) -> None:
    write_corpus(tmp_path, [(paper("X:one"), BODY)])
    [record] = load_corpus([tmp_path]).records
    assert record.url == "https://github.com/a/b"


def test_bad_inputs_are_named_and_good_records_kept(tmp_path: Path) -> None:
    good = (paper("Good:kept"), BODY)
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02" * 500)
    (tmp_path / "latin1.txt").write_bytes(f"{good[0]}\n{good[1]}\n".encode() + "论文bad\n".encode() + b"caf\xe9 body\n")
    write_corpus(tmp_path, [(paper("Orphan:no body"), BODY)], name="orphan.txt")
    (tmp_path / "orphan.txt").write_text(f"{paper('Orphan:no body')}\n{good[0].replace('Good', 'Fine')}\n{BODY}\n")
    (tmp_path / "long.txt").write_text(f"{paper('Long:line')}\n{'x' * 30_000}\n{paper('After:long')}\n{BODY}\n")
    (tmp_path / "shape.txt").write_text(f"论文no year here at all\n{BODY}\n")
    corpus = load_corpus([tmp_path], max_line_chars=20_000)
    messages = [str(p) for p in corpus.problems]
    expect = {
        "empty.txt": "empty file",
        "binary.txt": "binary",
        "latin1.txt:4": "UTF-8",
        "orphan.txt:1": "header without a body",
        "long.txt:2": "longer than",
        "shape.txt:1": "unknown header",
    }
    for where, what in expect.items():
        assert any(where in m and what in m for m in messages), (where, messages)
    assert sorted(r.short_name for r in corpus.records) == ["After", "Fine", "Good"]


def test_jsonl_records(tmp_path: Path) -> None:
    lines = [
        json.dumps(
            {
                "title": "MyPaper:about EEG",
                "abstract": "We do EEG.",
                "venue": "ICLR 2026",
                "year": 2026,
                "url": "https://x",
            }
        ),
        "not json",
        json.dumps({"title": "no abstract"}),
        json.dumps({"title": "t", "abstract": "a", "year": "soon"}),
    ]
    (tmp_path / "mine.jsonl").write_text("\n".join(lines) + "\n")
    corpus = load_corpus([tmp_path])
    [record] = corpus.records
    assert (record.title, record.year, record.url, record.kind) == ("MyPaper:about EEG", 2026, "https://x", "paper")
    assert record.sources[0].endswith("mine.jsonl:1")
    problems = [str(p) for p in corpus.problems]
    assert any("mine.jsonl:2" in p and "invalid JSON" in p for p in problems)
    assert any("mine.jsonl:3" in p and "abstract" in p for p in problems)
    assert any("mine.jsonl:4" in p and "year" in p for p in problems)
