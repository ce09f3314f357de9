"""Hybrid retrieval on the seed corpus, in English and Chinese, with filters from flags and from the question."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from assistant.answer.chain import answer
from assistant.records.corpus import load_corpus
from assistant.retrieve.bridge import bridge_terms
from assistant.retrieve.hybrid import BRIDGE_WEIGHT, EVIDENCE_BRIDGE_WEIGHT, get_retriever
from assistant.retrieve.query import Filters
from assistant.retrieve.text import search_tokens, tokenize
from assistant.settings import Settings
from tests.helpers import SEEDS, run_cli

CORPUS = load_corpus([SEEDS])


def headers_where(predicate: Callable[[Any], bool]) -> set[str]:
    return {r.header for r in CORPUS.records if predicate(r)}


@pytest.mark.parametrize(
    "question, expected",
    [
        ("what is LiveClin and how many physicians took part?", "LiveClin"),
        ("Which benchmark tests LLMs on mental health questions with expert ratings?", "CounselBench"),
        ("Do language model reasoning errors follow human fallacy patterns?", "类人谬误"),
        ("a graph foundation model pre-trained on fMRI brain atlases", "脑图基础模型"),
        ("Arabic medical question answering benchmark", "MedAraBench"),
        ("video polyp segmentation in colonoscopy", "HFSTI-Net"),
    ],
)
def test_english_questions_put_the_right_record_first(seed_settings: Settings, question: str, expected: str) -> None:
    hits = get_retriever(seed_settings).search(question).hits
    assert expected in hits[0].header, [h.title for h in hits]


@pytest.mark.parametrize(
    "question, expected",
    [
        ("哪篇论文研究呼吸音诊断?", "Resp-Agent"),
        ("有没有关于心理健康问答评测的基准?", "CounselBench"),
        ("医疗保险欺诈检测用的是什么方法?", "医疗保险欺诈"),
        ("胎儿超声图像的视觉语言模型评测", "FETAL-GAUGE"),
        ("阿尔茨海默病的多模态诊断", "阿尔茨海默"),
    ],
)
def test_chinese_questions_find_the_english_abstract(seed_settings: Settings, question: str, expected: str) -> None:
    hits = get_retriever(seed_settings).search(question).hits
    assert any(expected in h.header for h in hits[:3]), [h.title for h in hits]


@pytest.mark.parametrize(
    "question, expected",
    [  # paraphrases sharing no content word with the record's Chinese title: found through its English abstract
        ("有没有能在组织切片上按文字提示圈出从没见过的组织形态的方法?", "PathChat-SegR1"),
        ("结合组织切片和基因表达来预测肿瘤病人寿命的论文是哪篇?", "癌症生存分析"),
        ("有没有让语言模型像医生那样反复决定下一步做什么检查的智能体?", "假设驱动"),
        # the question's own Chinese words match other records' Chinese lines (a title, a Chinese summary); the
        # bridge names the right abstract only at a weight beside them that counts (BRIDGE_WEIGHT)
        ("哪篇论文研究把决定交给从未见过的人类专家?", "未见专家"),
        ("哪篇论文在眼底照片上分析掩码重建偏向低频的问题?", "频率均衡视网膜"),
        # 大模型 (LLM) is spelled so in one record's track label only: searched as a Chinese word, not by its English
        # word, it pulled that record first (text.search_tokens)
        ("哪篇论文研究大模型在多轮临床推理中知道什么时候不回答?", "KnowGuard"),
        ("哪篇论文让多模态大模型看三维体数据更省算力?", "Photon"),
    ],
)
def test_chinese_paraphrases_reach_the_english_abstract_through_the_bridge(
    seed_settings: Settings, question: str, expected: str
) -> None:
    hits = get_retriever(seed_settings).search(question).hits
    assert expected in hits[0].header, [h.title for h in hits]
    assert hits[0].bm25 > 0  # the lexical side found it too, though its Chinese title shares no word


def test_abstention_reads_the_bridge_at_its_calibrated_weight(seed_settings: Settings) -> None:
    retriever = get_retriever(seed_settings)
    question = "哪篇论文研究把决定交给从未见过的人类专家?"
    result = retriever.search(question)
    own = retriever.catalog.bm25_scores(tokenize(question))
    bridged = retriever.catalog.bm25_scores(bridge_terms(question))
    assert result.top_bm25 == pytest.approx(float((own + EVIDENCE_BRIDGE_WEIGHT * bridged).max()), rel=1e-5)
    assert result.top_bm25 < float((own + BRIDGE_WEIGHT * bridged).max())  # the ranking's mix is not the evidence


def test_a_chinese_domain_term_searches_by_its_english_words_only() -> None:
    tokens = tokenize("护士和大模型")
    assert {"护士", "大模型", "大模", "模型", "llm"} <= set(tokens)
    assert search_tokens(tokens) == ["护士", "llm"]  # 护士 is no domain term: searched as written


def test_list_question_returns_every_oral_paper(seed_settings: Settings) -> None:
    result = get_retriever(seed_settings).search("list the oral papers")
    assert result.filters.presentation == "Oral"
    assert {h.header for h in result.hits} == headers_where(lambda r: r.presentation == "Oral")


def test_track_and_code_filters_from_the_question(seed_settings: Settings) -> None:
    result = get_retriever(seed_settings).search("which papers in the 医学影像 track have code?")
    assert result.filters.active() == {"track": "医学影像", "has_code": True}
    assert {h.header for h in result.hits} == headers_where(lambda r: r.track == "医学影像" and r.url)


def test_explicit_filters_restrict_every_hit(seed_settings: Settings) -> None:
    filters = Filters(venue="ICLR 2026", track="clinical NLP")
    hits = get_retriever(seed_settings).search("medical reasoning", k=50, filters=filters).hits
    assert hits and all(h.venue == "ICLR 2026" and h.track == "clinical NLP" for h in hits)


def test_list_question_on_a_topic_returns_all_eeg_papers(seed_settings: Settings) -> None:
    hits = get_retriever(seed_settings).search("which papers work on EEG?").hits
    eeg_titles = {r.header for r in CORPUS.records if "EEG" in r.header}
    assert eeg_titles <= {h.header for h in hits}


def test_hits_are_one_per_record_with_provenance(seed_settings: Settings) -> None:
    hits = get_retriever(seed_settings).search("LiveClin benchmark", k=10).hits
    assert len({h.record_id for h in hits}) == len(hits)
    assert all(h.sources and all(":" in s for s in h.sources) for h in hits)


def test_search_cli_json_shape(seed_settings: Settings) -> None:
    result = run_cli(
        "search",
        "EEG tokenizer",
        "--json",
        "-k",
        3,
        "--where",
        "has_code=true",
        "--where",
        "presentation!=Oral",
        "--data-dir",
        seed_settings.data_dir,
    )
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["query"] == "EEG tokenizer" and out["filters"] == {"has_code": True, "not": {"presentation": "Oral"}}
    assert out["plan"] == {
        "filters": [
            {"key": "has_code", "value": True, "polarity": "include"},
            {"key": "presentation", "value": "Oral", "polarity": "exclude"},
        ],
        "topic_terms": ["eeg", "tokenizer"],
        "question_type": "lookup",
    }
    assert 0 < len(out["hits"]) <= 3
    keys = {
        "rank",
        "record_id",
        "title",
        "header",
        "kind",
        "venue",
        "presentation",
        "year",
        "track",
        "url",
        "sources",
        "score",
        "snippet",
        "twins",  # ids of the records that share its title
    }
    assert all(set(h) == keys and h["url"] for h in out["hits"])


def test_bad_where_is_a_clear_error(seed_settings: Settings) -> None:
    result = run_cli("search", "x", "--where", "colour=red", "--data-dir", seed_settings.data_dir)
    assert result.exit_code == 2 and "colour=red" in result.stderr


def test_negated_filters_from_the_question(seed_settings: Settings) -> None:
    result = get_retriever(seed_settings).search("Which oral papers do not have a code link?")
    assert result.filters.active() == {"presentation": "Oral", "not": {"has_code": True}}
    assert {h.header for h in result.hits} == headers_where(lambda r: r.presentation == "Oral" and not r.url)
    hits = get_retriever(seed_settings).search("Which papers are not posters?").hits
    assert {h.header for h in hits} == headers_where(lambda r: r.presentation != "Poster")


def test_chroma_where_excludes_like_the_catalog_mask(seed_settings: Settings) -> None:
    retriever = get_retriever(seed_settings)
    filters = Filters(year=2026, exclude={"presentation": ["Oral"], "track": ["医学影像", "clinical NLP"]})
    found = retriever.collection.get(where=filters.chroma_where(), include=[])
    allowed = retriever.catalog.allowed(filters)
    assert set(found["ids"]) == {cid for cid, ok in zip(retriever.catalog.ids, allowed, strict=True) if ok}
    assert 0 < len(found["ids"]) < len(retriever.catalog.ids)


def test_topic_scores_cover_the_allowed_records_and_single_out_the_topic(seed_settings: Settings) -> None:
    retriever = get_retriever(seed_settings)
    scores = retriever.topic_scores("Which papers work on EEG?", "eeg", Filters())
    assert set(scores) == set(retriever.matching_records(Filters()))
    eeg = {r.id for r in CORPUS.records if "EEG" in r.header}
    ranked = sorted(scores, key=scores.__getitem__, reverse=True)
    assert eeg and eeg <= set(ranked[: len(eeg) + 2]), [retriever.hit_for(r, 0).title for r in ranked[:8]]
    coded = retriever.topic_scores("Which papers work on EEG?", "eeg", Filters(has_code=True))
    assert set(coded) == {r.id for r in CORPUS.records if r.url}
    assert retriever.topic_scores("EEG", "eeg", Filters(year=1990)) == {}


@pytest.mark.parametrize(
    "question, wording",
    [
        ("Which papers are about chest X-rays?", r"chest X-?rays?|胸部 X 光"),
        ("哪些论文研究联邦学习?", r"federated|联邦学习"),
    ],
)
def test_topic_list_is_every_record_on_the_topic_and_says_why(
    seed_settings: Settings, question: str, wording: str
) -> None:
    """Members come from the whole collection (not the retriever's top k), without padding; each says why."""
    turn = answer(question, settings=seed_settings)
    on_topic = {r.id for r in CORPUS.records if re.search(wording, f"{r.header} {r.abstract}", re.I)}
    assert turn.plan is not None and turn.plan.type == "topic"
    assert {s.hit.record_id for s in turn.sources} == on_topic
    assert set(turn.selection.why) == on_topic and all("relevance" in why for why in turn.selection.why.values())
    assert f"{len(on_topic)} of {turn.selection.candidates} records match the topic" in turn.selection.reason


def test_a_compound_the_records_write_apart_is_scored_by_its_parts(seed_settings: Settings) -> None:
    import numpy as np

    lexical = get_retriever(seed_settings).catalog.lexical
    assert "insurance-fraud" not in lexical.vocab  # the record says "insurance fraud detection"
    parts = lexical.scores(["insurance", "fraud"])
    assert parts.max() > 0 and np.array_equal(lexical.scores(["insurance-fraud"]), parts)
    held = lexical.scores(["multi-modal"])  # a compound the records hold is scored as itself
    assert "multi-modal" in lexical.vocab and held.max() > 0 and not np.array_equal(held, lexical.scores(["modal"]))
