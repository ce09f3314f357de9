"""Cited answers from the offline (extractive) backend on the seed corpus, and the chain's steps alone."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from assistant.answer import answer
from assistant.answer.abstain import Vocabulary, action, no_paper, topic_presence
from assistant.answer.chain import QuestionError, Turn, analyse_step, condense, new_turn
from assistant.answer.citations import check_citations
from assistant.answer.prompts import load_prompts
from assistant.settings import Settings
from tests.helpers import run_cli

REFUSAL_EN = load_prompts().refusal("en")
REFUSAL_ZH = load_prompts().refusal("zh")


def assert_citations_point_to_sources(turn: Turn) -> None:
    """Every [n] in the answer text names a numbered source, and the citation list is exactly those markers."""
    numbers = {s.n for s in turn.sources}
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", turn.text)}
    assert markers and markers <= numbers, (markers, sorted(numbers))
    assert {c["n"] for c in turn.citations} == markers
    assert not turn.unsupported


def test_lookup_answer_has_the_key_facts_with_valid_citations(seed_settings: Settings) -> None:
    turn = answer("What is LiveClin and how many physicians took part?", settings=seed_settings)
    assert not turn.abstained and turn.answered_by == "extractive"
    assert "239 physicians" in turn.text and "LiveClin" in turn.text
    assert turn.citations[0]["title"].startswith("LiveClin")
    assert_citations_point_to_sources(turn)


def test_numbers_of_the_fallacy_paper(seed_settings: Settings) -> None:
    turn = answer(
        "How many reasoning problems and models did the human fallacy patterns study evaluate?", settings=seed_settings
    )
    assert "383" in turn.text and "38 models" in turn.text
    assert_citations_point_to_sources(turn)


def test_list_question_gives_one_cited_line_per_record(seed_settings: Settings) -> None:
    turn = answer("list the oral papers", settings=seed_settings)
    lines = [line for line in turn.text.splitlines() if line.startswith("- ")]
    assert len(lines) == 2 and {"CounselBench", "BioX-Bridge"} <= {c["title"].split(":")[0] for c in turn.citations}
    assert all(line.rstrip().endswith(("[1]", "[2]")) for line in lines)
    assert_citations_point_to_sources(turn)


def test_code_link_question(seed_settings: Settings) -> None:
    turn = answer(
        "Where can I find the code for the EEG tokenizer that learns time-frequency motifs?", settings=seed_settings
    )
    assert "https://github.com/Jathurshan0330/TFM-Tokenizer" in turn.text
    assert_citations_point_to_sources(turn)


def test_chinese_question_gets_a_chinese_scaffold_and_the_english_abstract(seed_settings: Settings) -> None:
    turn = answer("哪篇论文研究呼吸音诊断?", settings=seed_settings)
    assert turn.to_dict()["lang"] == "zh" and turn.text.startswith("根据收录的记录")
    assert "Resp-Agent" in turn.text
    assert_citations_point_to_sources(turn)


def test_follow_up_is_resolved_against_the_previous_question(seed_settings: Settings) -> None:
    turn = answer("where is its code?", ["what is LiveClin?"], settings=seed_settings)
    assert "LiveClin" in turn.standalone
    assert "https://github.com/AQ-MedAI/LiveClin" in turn.text
    zh = answer("它有多少位医生参与?", ["LiveClin 是什么?"], settings=seed_settings)
    assert "LiveClin" in zh.standalone and "239" in zh.text


def test_a_plural_follow_up_to_a_list_question_is_asked_of_that_list(seed_settings: Settings) -> None:
    turn = answer(
        "Which of them have a code link?", ["Which papers deal with ultrasound imaging?"], settings=seed_settings
    )
    assert turn.standalone.startswith("Which papers deal with ultrasound imaging?")
    assert turn.result is not None and turn.result.filters.active() == {"has_code": True}
    cited = {s.hit.short_name or s.hit.title for s in turn.sources if any(c["n"] == s.n for c in turn.citations)}
    assert cited == {"FETAL-GAUGE"}  # the ultrasound paper with a code link, not the one without


@pytest.mark.parametrize(
    "question, refusal",
    [
        ("What is the recommended dose of metformin?", REFUSAL_EN),
        ("Who won the NeurIPS 2019 best paper award?", REFUSAL_EN),
        ("Which paper is about autonomous driving perception?", REFUSAL_EN),
        ("二甲双胍的推荐剂量是多少?", REFUSAL_ZH),
    ],
)
def test_out_of_scope_questions_are_refused_without_citations(
    seed_settings: Settings, question: str, refusal: str
) -> None:
    turn = answer(question, settings=seed_settings)
    assert turn.abstained and turn.text == refusal and turn.citations == [] and turn.sources == []


def test_steps_run_alone(seed_settings: Settings) -> None:
    turn = condense.invoke(new_turn("and its code?", ["what is LiveClin?"], seed_settings, None, None))
    assert "LiveClin" in turn.standalone and "condense" in turn.timings_ms
    fresh = new_turn("哪些论文是 Oral 报告?", [], seed_settings, None, None)
    fresh.standalone = fresh.question
    turn = analyse_step.invoke(fresh)
    assert turn.analysis and (turn.analysis.lang, turn.analysis.kind) == ("zh", "list")


def test_citation_checker_removes_invalid_and_flags_unsupported() -> None:
    sources = {1: "LiveClin uses 239 physicians to build cases.", 2: "ECG foundation models benchmark."}
    checked = check_citations(
        "LiveClin involved 239 physicians [1]. It also cured cancer in mice [1]. "
        "Invented claim about quantum gravity [7].",
        sources,
        {REFUSAL_EN},
    )
    assert checked.invalid == [7] and "[7]" not in checked.text and checked.cited == [1]
    assert any("cured cancer" in s for s in checked.unsupported)
    assert any("quantum gravity" in s for s in checked.unsupported)  # uncited once [7] is removed
    assert not any("239 physicians" in s for s in checked.unsupported)


def test_empty_and_control_character_questions() -> None:
    with pytest.raises(QuestionError):
        new_turn(" \t\n\x00\x07 ", [], Settings(), None, None)
    assert new_turn("EEG\x00 papers\x1b?", [], Settings(), None, None).question == "EEG papers ?"


def test_ask_cli_json_shape(seed_settings: Settings, tmp_path: Path) -> None:
    history = tmp_path / "history.json"
    history.write_text(json.dumps(["what is LiveClin?"]))
    result = run_cli(
        "ask",
        "how many physicians took part in it?",
        "--json",
        "--history-file",
        history,
        "--data-dir",
        seed_settings.data_dir,
    )
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert {
        "question",
        "standalone_question",
        "answer",
        "abstained",
        "backend",
        "prompt_version",
        "citations",
        "unsupported_sentences",
        "sources",
        "timings_ms",
    } <= set(out)
    assert out["backend"] == "extractive" and "239" in out["answer"]
    assert set(out["citations"][0]) == {
        "n",
        "record_id",
        "title",
        "quote",
        "quotes",
        "sentence_ids",
        "spans",
        "url",
        "sources",
    }
    assert out["prompt_version"] == "system@2+answer@2+condense@2+refusal@1"


def test_ask_cli_rejects_a_bad_history_file(seed_settings: Settings, tmp_path: Path) -> None:
    bad = tmp_path / "h.json"
    bad.write_text("{not json")
    result = run_cli("ask", "x", "--history-file", bad, "--data-dir", seed_settings.data_dir)
    assert result.exit_code == 2 and "h.json" in result.stderr


def test_topic_presence_reads_word_forms_and_chinese_readings() -> None:
    vocabulary = Vocabulary(["diagnosis", "privacy", "tumor", "policy", "optimization", "colonoscope", "insula"])
    for topic in ("diagnose", "private", "tumour", "policy-optimization", "结肠镜"):  # forms of words it has
        assert topic_presence(topic, vocabulary).present, topic
    # common words say nothing about the topic (look, heart, 最新 "latest"); specific ones must be there
    assert topic_presence("look heart 最新", vocabulary).present
    assert topic_presence("insulin glaucoma look", vocabulary).absent == ["insulin", "glaucoma"]  # insula: no form
    assert topic_presence("帕金森 最新", vocabulary).absent == ["帕金森"]  # through its reading "parkinson"
    # one specific reading is enough (龋齿: tooth, decay, dental, caries, cavity), unless the collection has any
    assert topic_presence("龋齿 最新", vocabulary).absent == ["龋齿"]
    assert topic_presence("龋齿", Vocabulary(["dental"])).present
    # a word the collection has only in a Chinese title or summary (the dictionary's 青光眼 for glaucoma)
    assert topic_presence("glaucoma", Vocabulary(["青光眼"])).present


def test_a_topic_no_record_mentions_is_refused_and_named(seed_settings: Settings) -> None:
    zh = answer("哪些论文研究疟疾诊断?", settings=seed_settings)
    assert zh.abstained and zh.text == f"{REFUSAL_ZH} {no_paper(['疟疾'], 'zh')}" and zh.citations == []
    en = answer("Which papers use reinforcement learning to plan radiotherapy doses?", settings=seed_settings)
    assert en.abstained and en.sources == [] and en.text == f"{REFUSAL_EN} {no_paper(['radiotherapy'], 'en')}"


@pytest.mark.parametrize(
    "question, member",
    [("Which papers work on tumour segmentation?", "序贯信息瓶颈融合"), ("哪些论文研究心电?", "SE-Diff")],
)
def test_a_topic_in_other_words_is_answered(seed_settings: Settings, question: str, member: str) -> None:
    turn = answer(question, settings=seed_settings)  # British spelling; 心电 for the abstracts' ECG
    assert not turn.abstained and any(c["title"].startswith(member) for c in turn.citations)


def test_an_existence_question_about_a_topic_no_record_has_is_refused(seed_settings: Settings) -> None:
    turn = answer("Is there a paper on glaucoma screening?", settings=seed_settings)  # no record says glaucoma
    assert turn.abstained and not turn.citations and "glaucoma" in turn.selection.absent
    kept = answer("Is there a study on sleep staging?", settings=seed_settings)
    assert not kept.abstained and kept.sources[0].hit.short_name == "sleep2vec"


def test_a_lookup_barely_above_the_threshold_needs_its_words_for_things(seed_settings: Settings) -> None:
    def margin(value: float) -> Settings:
        return seed_settings.replace(abstention=seed_settings.abstention.model_copy(update={"absent_margin": value}))

    question = "Which paper uses a language model to recommend antibiotics for pneumonia patients?"  # clears by 0.023
    assert not answer(question, settings=margin(0.0)).abstained
    turn = answer(question, settings=margin(0.03))
    assert turn.evidence is not None and turn.evidence.marginal
    assert turn.abstained and not turn.citations and turn.selection.absent == ["antibiotics", "pneumonia"]
    assert turn.text == f"{REFUSAL_EN} {no_paper(['antibiotics', 'pneumonia'], 'en')}"
    assert not turn.unsupported  # the refusal's reason is no claim about a source
    # a paraphrase's own verb the collection lacks ("skims" for GF-Screen's glance) refuses nothing
    kept = answer(
        "Which paper skims a whole-body CT volume, then zooms in to screen for cancers?", settings=margin(0.03)
    )
    assert kept.evidence is not None and kept.evidence.marginal
    assert not kept.abstained and kept.sources[0].hit.title.startswith("泛癌筛查")
    # the calibrated margin (presets.json) refuses one that barely clears the threshold
    shipped = answer("Which paper detects arrhythmia in smartwatch recordings?", settings=seed_settings)
    assert shipped.abstained and shipped.selection.absent == ["arrhythmia", "smartwatch"]


def test_words_for_actions_are_told_from_words_for_things() -> None:
    assert all(action(w) for w in ("skim", "mimicking", "rewrite", "切除", "撰写"))
    assert not any(action(w) for w in ("insulin", "biopsy", "pneumonia", "癫痫", "显微镜"))


def test_absent_words_are_named_in_the_questions_order() -> None:
    nothing = Vocabulary([])  # the set of a topic's words has no order of its own: a refusal reads the same every run
    assert topic_presence("手环 癫痫", nothing).absent == ["手环", "癫痫"]
    assert topic_presence("癫痫 手环", nothing).absent == ["癫痫", "手环"]
