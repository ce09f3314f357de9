"""Record views (title, lead, sentences) in their own collection, and twins: records that share a title."""

from __future__ import annotations

from pathlib import Path

from assistant.index import store
from assistant.index.chunks import paper_key, twins_of, view_docs
from assistant.index.ingest import ingest
from assistant.records.model import Record
from assistant.retrieve.hybrid import get_retriever
from tests.helpers import THREE_PAPERS, paper, small_corpus

TWIN_TITLE = "SleepTok:睡眠脑电的离散词表"
TWINS = [
    (paper(TWIN_TITLE), "We learn a discrete vocabulary of sleep EEG patterns. It improves staging on five cohorts."),
    (paper(TWIN_TITLE), "把睡眠脑电切分为离散 token 的词表学习方法。"),
]


def views_count(settings) -> int:
    location = store.open_location(settings)
    name = store.views_collection(settings.index.collection)
    return location.client.get_collection(name, embedding_function=None).count()


def test_paper_key_folds_width_case_spacing_and_punctuation() -> None:
    assert paper_key("AttTok:医学 图像") == paper_key("atttok: 医学图像 ") == paper_key("ＡttTok：医学图像")
    assert paper_key("AttTok:医学图像") != paper_key("AttTok:医学影像")


def test_twins_and_view_documents_of_records() -> None:
    texts = [("X:a", "A one. A two."), ("x: A", "甲。"), ("Y", "")]
    a, b, c = (Record(title=t, header=t, abstract=x) for t, x in texts)
    assert twins_of([a, b, c]) == {a.id: [b.id], b.id: [a.id], c.id: []}
    docs = view_docs([a, b, c], ["title", "sentence"])
    assert [(d.metadata["record_id"], d.metadata["view"], d.page_content) for d in docs] == [
        (a.id, "title", "X:a"),
        (a.id, "sentence", "A one."),
        (a.id, "sentence", "A two."),
        (b.id, "title", "x: A"),
        (b.id, "sentence", "甲。"),
        (c.id, "title", "Y"),
    ]
    assert docs[0].metadata["twin_ids"] == b.id and docs[-1].metadata["twin_ids"] == ""


def test_a_hit_carries_its_twin_and_both_texts_can_be_read(tmp_path: Path) -> None:
    settings = small_corpus(tmp_path, [*THREE_PAPERS, *TWINS])
    report = ingest(settings, progress=False)
    assert (report.records, report.chunks, len(report.conflicts)) == (5, 5, 1)  # the twins: kept apart, linked
    retriever = get_retriever(settings)
    hit = retriever.search("睡眠脑电的离散词表").hits[0]
    assert hit.title == TWIN_TITLE and len(hit.twins) == 1
    (twin,) = hit.twins
    texts = {retriever.record_text(hit.record_id), retriever.record_text(twin)}
    assert any("five cohorts" in t for t in texts) and any("离散 token" in t for t in texts)
    assert retriever.search("video polyp segmentation").hits[0].twins == []


def test_views_follow_the_records_through_ingests(tmp_path: Path) -> None:
    settings = small_corpus(tmp_path, views=["title", "lead"])
    ingest(settings, progress=False)
    assert views_count(settings) == 2 * len(THREE_PAPERS)
    again = ingest(settings, progress=False)
    assert (again.added, again.skipped) == (0, len(THREE_PAPERS))  # nothing written, views included
    small_corpus(tmp_path, THREE_PAPERS[:2], views=["title", "lead"])  # one record removed from the sources
    ingest(settings, progress=False)
    assert views_count(settings) == 4
    hits = get_retriever(settings).search("ECG foundation model benchmark").hits
    assert hits[0].title.startswith("CardioBench") and len(hits) == 2
