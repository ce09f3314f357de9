"""The sentence store: split once at ingest, embedded, kept beside the records (idempotent, incremental)."""

from __future__ import annotations

from pathlib import Path

from assistant.index import store
from assistant.index.ingest import ingest
from assistant.index.sentences import SentenceIndex, collection_name, record_body, sentence_docs
from assistant.records.corpus import load_corpus
from assistant.settings import Settings
from tests.helpers import paper, small_corpus, write_corpus

RECORDS = [
    (
        paper("EEGTok:tokenizing EEG signals"),
        "ICLR 2026 Poster accepted paper at ICLR 2026. We tokenize single-channel EEG recordings. It uses 3.5 s "
        "windows from 120 subjects. Code/project link: https://github.com/x/eegtok",
    ),
    (paper("CardioBench:ECG benchmark"), "We benchmark ECG foundation models on 12-lead data. Results vary."),
]


def sentences_of(settings: Settings) -> SentenceIndex:
    location = store.open_location(settings)
    collection = location.client.get_collection(collection_name(settings.index.collection), embedding_function=None)
    return SentenceIndex.from_collection(collection)


def test_sentences_are_stored_with_ids_and_spans_and_reingest_is_idempotent(tmp_path: Path) -> None:
    settings = small_corpus(tmp_path, RECORDS)
    first = ingest(settings, progress=False)
    records = load_corpus(settings.sources, settings.index.max_line_chars).records
    expected = sentence_docs(records)
    assert first.sentences == first.sentences_added == len(expected) == 5  # the venue boilerplate is left out
    index = sentences_of(settings)
    bodies = {r.id: record_body(r) for r in records}
    for s in index.sentences:
        assert bodies[s.record_id][s.start : s.end] == s.text and s.id == f"{s.record_id}#s{s.position}"
    assert "3.5 s windows" in " ".join(s.text for s in index.sentences)  # decimals do not split
    assert any(s.text.startswith("Code/project link:") for s in index.sentences)
    assert index.vectors.shape == (5, 384)

    again = ingest(settings, progress=False)
    assert again.sentences_added == 0 and again.sentences_deleted == 0 and again.added == 0


def test_a_changed_record_rewrites_only_its_sentences(tmp_path: Path) -> None:
    settings = small_corpus(tmp_path, RECORDS)
    ingest(settings, progress=False)
    changed = [RECORDS[0], (RECORDS[1][0], "We benchmark ECG foundation models on 12-lead data. Results differ.")]
    write_corpus(tmp_path / "corpus", changed)
    report = ingest(settings, progress=False)
    assert report.sentences_added == 2 and report.sentences_deleted == 2  # the second record's two sentences
    texts = {s.text for s in sentences_of(settings).sentences}
    assert "Results differ." in texts and "Results vary." not in texts


def test_a_known_abbreviation_before_a_capital_does_not_end_the_sentence() -> None:
    from assistant.answer.sentences import split_sentences

    text = (
        "We release MRNet-Ext (abbr. MRN-E), a set of 5,000 knee scans. Labels cover e.g. ACL tears. "
        "It beats the baseline vs. GPT-4 by far. A new sentence starts here."
    )
    assert split_sentences(text) == [
        "We release MRNet-Ext (abbr. MRN-E), a set of 5,000 knee scans.",
        "Labels cover e.g. ACL tears.",
        "It beats the baseline vs. GPT-4 by far.",
        "A new sentence starts here.",
    ]


def test_a_bare_venue_line_is_no_sentence_to_quote() -> None:
    from assistant.records.model import Record

    record = Record(title="X", header="论文ICLR 2025 Poster X", abstract="ICLR 2025 Poster。该论文提出 X,用于问答。")
    assert [d.page_content for d in sentence_docs([record])] == ["该论文提出 X,用于问答。"]
