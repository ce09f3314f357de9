"""Question patterns a Chinese researcher's probe found broken (evals/RESULTS-2026-12-06.md), each tested on new
cases of the pattern: plans, missing details, counts, compares, follow-ups, superlatives and junk."""

from __future__ import annotations

import re

import pytest

from assistant.answer import answer
from assistant.answer.analyse import analyse
from assistant.answer.history import HistoryItem
from assistant.answer.junk import is_junk
from assistant.answer.plan import plan_question
from assistant.evals.runner import language_match, own_text
from assistant.records.corpus import load_corpus
from assistant.retrieve.query import plan_query
from assistant.settings import Settings


def test_a_chinese_compare_says_what_each_record_is_in_chinese(seed_settings: Settings) -> None:
    """The "不同之处" lines name each record's kind as the answer's language does (论文, not "paper")."""
    turn = answer("NurValues 和 Cancer-Myth 的评测对象有什么区别?", settings=seed_settings)
    assert turn.plan is not None and turn.plan.type == "compare"
    differs = turn.text.split("不同之处:")[1]
    assert differs.count("论文") == 2 and not re.search(r"\bpaper\b", differs)


def test_punctuation_alone_is_junk_and_a_short_follow_up_is_not() -> None:
    assert is_junk("？？？") and is_junk("...!!!") and is_junk(" ¿¡ -- ")
    assert not is_junk("它呢?") and not is_junk("why?") and not is_junk("2025?")


@pytest.mark.parametrize(
    ("question", "title", "missing"),
    [
        ("ECG 基础模型基准的数据来自哪些国家?", "ECG 基础模型基准", True),  # 12 public datasets, no country
        ("Nef-Net v2 在 PTB-XL 上得了多少分?", "Nef-Net v2", True),  # no score; the 2 of its name is no number
        ("MedAraBench 的题目来自哪个地区?", "MedAraBench", False),  # "the Arabic-speaking region"
        ("MedThinkVQA 的专家标注持续了多少个月?", "多图像医学思维", True),  # it counts cases and images, not months
        ("ECG 基础模型基准一共用了几个数据集?", "ECG 基础模型基准", False),  # "12 public datasets"
        ("ECG 基础模型基准比较了几个模型?", "ECG 基础模型基准", False),  # "eight ECG FMs"
    ],
)
def test_a_chinese_question_for_a_place_or_a_score_says_when_the_record_lacks_it(
    seed_settings: Settings, question: str, title: str, missing: bool
) -> None:
    turn = answer(question, settings=seed_settings)
    assert turn.detail_missing is missing and title in turn.citations[0]["title"]
    assert ("没有给出" in turn.text) is missing


@pytest.mark.parametrize(
    ("question", "intro"),
    [
        ("trustworthy medical AI 赛道一共有多少篇论文?", "共找到 {n} 条匹配的记录"),
        ("How many papers are in the trustworthy medical AI track?", "{n} matching records"),
    ],
)
def test_a_count_reports_every_matching_record_when_the_budget_lists_fewer(
    seed_settings: Settings, question: str, intro: str
) -> None:
    n = sum(r.track == "trustworthy medical AI" for r in load_corpus(seed_settings.sources).records)
    turn = answer(question, settings=seed_settings)
    assert turn.text.startswith(intro.format(n=n)) and 0 < len(turn.sources) < n  # the budget lists fewer


@pytest.mark.parametrize(
    ("first", "follow_up"),
    [
        ("哪些论文研究心理健康?", "第二篇的代码在哪里?"),
        ("Which papers study ultrasound?", "Tell me about the second one."),
    ],
)
def test_an_ordinal_after_a_bare_question_means_that_questions_answer(
    seed_settings: Settings, first: str, follow_up: str
) -> None:
    """A history of questions only (``ask --history-file``): the earlier answer is given again to read its order."""
    earlier = answer(first, settings=seed_settings)
    assert len(earlier.sources) >= 2
    stale: HistoryItem = {"question": first, "answer": "…", "records": ["0000000000000000"]}  # ids of an older index
    for history in ([first], [stale]):
        turn = answer(follow_up, history, settings=seed_settings)
        assert earlier.sources[1].hit.name in turn.standalone and earlier.sources[0].hit.name not in turn.standalone


def test_each_papers_code_after_a_compare(seed_settings: Settings) -> None:
    turn = answer("它们各自的代码在哪里?", ["比较 SE-Diff 和 Nef-Net v2"], settings=seed_settings)
    assert turn.plan is not None and turn.plan.type == "compare"
    assert "github.com/HKUSTGZ-ML4Health-Lab/NEFNET-v2" in turn.text and "该记录没有给出代码或项目链接" in turn.text


def test_a_compare_asked_for_an_aspect_quotes_the_sentence_that_holds_it() -> None:
    """Besides what each paper is, its sentence of the asked kind (a method), even when another scores higher."""
    from assistant.answer.context import Source
    from assistant.answer.evidence import Quote
    from assistant.answer.extractive import compare_lines
    from assistant.answer.plan import QuestionPlan
    from assistant.retrieve.hybrid import Hit

    def quote(i: int, text: str, score: float, wanted: bool) -> Quote:
        return Quote(f"r{i}", "r", text, i, 0, len(text), score, score, 0.0, wanted)

    quotes = [
        quote(1, "We propose X, a planner.", 0.95, True),
        quote(2, "Dialogue is hard for models.", 0.90, False),
        quote(3, "Our method splits the rollout budget by uncertainty.", 0.85, True),
    ]
    fields = dict(rank=1, record_id="r", title="X 规划器", short_name="X", kind="paper", venue="V", presentation="")
    fields |= dict(year=2026, track="t", header="h", sources=[], score=0.0, snippet="", dense=0.0, bm25=0.0, text="h")
    source = Source(1, Hit(**fields), "h", quotes)  # type: ignore[arg-type]
    plan = QuestionPlan("compare", "method", names=["X", "Y"])
    line = next(iter(list(compare_lines([source], plan, "zh", []))[1:]))
    assert "rollout budget" in line and "Dialogue is hard" not in line


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("总结一下 LiveClin 的主要贡献", "lookup"),  # one paper, by its name
        ("Summarize SE-Diff.", "lookup"),
        ("DM4CT 这个基准综述了哪些重建方法?", "lookup"),  # 综述 in a question about one paper
        ("总结一下 EEG 方面的工作", "topic"),  # a field's acronym is no paper name
        ("概括一下 SE-Diff 和 DM4CT", "topic"),  # two papers
    ],
)
def test_a_summary_of_one_named_paper_is_a_lookup(question: str, kind: str) -> None:
    query = plan_query(question, ["ICLR 2026"], [])
    assert plan_question(question, query, analyse(question, query)).type == kind


def test_a_prefixed_acronym_names_the_modality_it_is_a_kind_of() -> None:
    from assistant.retrieve.abbreviations import qualified_bases

    assert qualified_bases("intracranial electroencephalography (iEEG) and sEEG, with fMRIs") == {"eeg", "mri"}
    assert not qualified_bases("ECG, EEG, eLife, iPhone and the CT scans")  # no prefixed acronym


def test_an_eeg_list_keeps_the_paper_that_says_only_ieeg(seed_settings: Settings) -> None:
    turn = answer("有代码的脑电论文里,哪些属于 clinical prediction 赛道?", settings=seed_settings)
    assert [s.hit.title for s in turn.sources] == ["基于多变量并行注意力生成神经元活动的基础模型"]


@pytest.mark.parametrize("question", ["Which EEG dataset is the largest?", "哪个脑电数据集规模最大?"])
def test_a_size_superlative_compares_only_the_records_on_its_topic(seed_settings: Settings, question: str) -> None:
    turn = answer(question, settings=seed_settings)
    titles = [s.hit.title for s in turn.sources]
    assert titles and titles[0] == "基于多变量并行注意力生成神经元活动的基础模型"  # SWEC iEEG, 10,000 hours
    assert not any("胸部 X 光" in t for t in titles)  # 42 million QA-pairs, but no EEG


def test_language_match_ignores_a_quote_after_a_dash() -> None:
    """A superlative's comparison lines read "<title>: 38 — <quoted sentence>": the quote is not the answer's."""
    source = "We evaluate 38 models on 383 problems."
    answer = "模型 最多:**甲**,38。 [1]\n比较了 1 条给出 模型 数量的记录:\n"
    answer += "- 甲: 38 — We evaluate 38 models on 383 problems. [1]"
    assert "evaluate" not in own_text(answer, [source], [], ["甲"])
    assert language_match(answer, "zh", [source], [], ["甲"]) is True
