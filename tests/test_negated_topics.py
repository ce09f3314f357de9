"""A list whose topic is negated ("papers that do not use EEG") leaves out the records on that topic, instead of
listing exactly them; the parser reads the negation, the ``exclude`` step applies it (real seed index)."""

from __future__ import annotations

import re

import pytest

from assistant.answer import answer
from assistant.records.corpus import load_corpus
from assistant.retrieve.query import plan_query
from assistant.settings import Settings

TRACKS = ["医学影像", "clinical NLP"]


@pytest.mark.parametrize(
    ("question", "excluded", "topic"),
    [
        ("List the papers that don't use ECG.", ["ECG"], []),
        ("Which studies are not about fMRI or EEG?", ["fMRI", "EEG"], []),
        ("Which LLM papers do not focus on radiology?", ["radiology"], ["llm"]),
        ("Which works are not benchmark papers?", ["benchmark"], []),
        ("哪些论文没有使用强化学习?", ["强化学习"], []),
        ("不是研究超声的论文有哪些?", ["超声"], []),
        # no negated topic: a question asks ("有没有"), a clause negates something else, a filter is negated
        ("有没有论文研究睡眠?", [], None),
        ("Which papers evaluate models that are not robust to noise?", [], None),
        ("哪些论文让模型在没把握时交给医生?", [], None),
        ("Which papers do not have a code link?", [], []),
    ],
)
def test_the_parser_reads_a_negated_topic(question: str, excluded: list[str], topic: list[str] | None) -> None:
    plan = plan_query(question, ["ICLR 2026"], TRACKS, [2025, 2026])
    assert plan.excluded_terms == excluded
    if topic is not None:
        assert plan.topic_terms == topic
    assert not {t.lower() for t in excluded} & {t.lower() for t in plan.topic_terms}


def test_a_negated_topic_leaves_its_records_out(seed_settings: Settings) -> None:
    corpus = load_corpus(seed_settings.sources, seed_settings.index.max_line_chars)
    papers = [r for r in corpus.records if r.kind == "paper"]
    ecg = re.compile(r"\bECGs?\b|electrocardiogra", re.I)
    turn = answer("List the papers that don't use ECG.", settings=seed_settings)
    listed = {c["record_id"] for c in turn.citations}
    assert listed and not turn.abstained
    by_id = {r.id: r for r in papers}
    assert all(not ecg.search(f"{by_id[i].title} {by_id[i].abstract}") for i in listed)
    left_out = turn.selection.excluded
    assert left_out and all(ecg.search(by_id[i].abstract) for i in left_out)
    assert f"{len(left_out)} that mention ECG are left out" in turn.text.splitlines()[0]


def test_a_chinese_negated_topic_within_a_track(seed_settings: Settings) -> None:
    corpus = load_corpus(seed_settings.sources, seed_settings.index.max_line_chars)
    track = {r.id: r for r in corpus.records if r.track == "医学影像"}
    turn = answer("医学影像方向里不涉及分割的论文有哪些?", settings=seed_settings)
    listed = {c["record_id"] for c in turn.citations}
    assert listed and listed <= set(track)
    assert all(not re.search(r"segment|分割", f"{track[i].title} {track[i].abstract}", re.I) for i in listed)
    assert set(turn.selection.excluded) | listed == set(track)
    assert "条提到 分割 的记录被排除" in turn.text.splitlines()[0]
