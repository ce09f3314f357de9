"""The pure rendering of the chat UI: escaping, citation links, highlighted quotes, export, feedback."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from html import unescape
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from assistant.answer.analyse import Analysis
from assistant.answer.chain import Turn, answer
from assistant.answer.context import Source
from assistant.answer.extractive import label
from assistant.answer.markers import CITATION
from assistant.answer.sentences import split_sentences
from assistant.index.ingest import ingest
from assistant.retrieve.hybrid import Hit
from assistant.retrieve.query import Filters
from assistant.settings import Settings
from assistant.ui.cards import render_sources, sources_panel
from assistant.ui.debug import render_debug
from assistant.ui.export import render_export, render_export_turn
from assistant.ui.feedback import append_feedback, feedback_record
from assistant.ui.filters import ANY, filters_from_inputs, render_active_filters
from assistant.ui.messages import anchor_prefix, chat_messages, render_message
from assistant.ui.views import SourceView, TurnView
from tests.helpers import paper, small_corpus

SCRIPT = "<script>alert(1)</script>"
IMG = '<img src=x onerror="alert(2)">'
RAW_TAG = re.compile(r"<\s*(?:script|img|iframe|svg|b)\b", re.I)


def source(n: int, **kw) -> SourceView:
    values: dict[str, Any] = dict(
        record_id=f"r{n}",
        title=f"论文 {n}:标题",
        short_name=f"Paper{n}",
        kind="paper",
        venue="ICLR 2026",
        presentation="Poster",
        year=2026,
        track="clinical NLP",
        url=f"https://github.com/x/p{n}",
        provenance=[f"seeds/a.txt:{n * 2 + 1}"],
        score=0.03 / n,
        dense=0.85,
        bm25=3.0,
        body=f"ICLR 2026 Poster accepted paper at ICLR 2026. Paper{n} studies topic {n}. "
        f"We introduce Paper{n}, a method evaluated with {n * 100} physicians on real cases. "
        "It is released openly.",
    )
    values.update(kw)
    return SourceView(n=n, **values)


def answered(text: str, sources: list[SourceView], **kw) -> TurnView:
    cited = sorted({int(n) for n in re.findall(r"\[(\d+)\]", text) if int(n) <= len(sources)})
    citations = [
        {"n": n, "record_id": f"r{n}", "title": sources[n - 1].title, "quote": "", "url": "", "sources": []}
        for n in cited
    ]
    values: dict[str, Any] = dict(
        question="what is Paper1?",
        text=text,
        standalone="what is Paper1?",
        backend="extractive",
        answered_by="extractive",
        sources=sources,
        citations=citations,
    )
    values.update(kw)
    return TurnView(**values)


def make_hit(**kw) -> Hit:
    values: dict[str, Any] = dict(
        rank=1,
        record_id="r1",
        title="T",
        short_name="S",
        kind="paper",
        venue="V",
        presentation="Oral",
        year=2026,
        track="tr",
        header="header",
        sources=["f.txt:1"],
        score=0.5,
        snippet="body",
        dense=0.9,
        bm25=2.0,
        text="header\nbody",
    )
    values.update(kw)
    return Hit(**values)


def chain_turn(**kw) -> Turn:
    return Turn(**{"question": "q", "history": [], "settings": Settings(), "backend": "extractive", **kw})


def test_record_markup_is_shown_as_text_in_cards_and_chat() -> None:
    evil = source(
        1,
        title=f"Evil{SCRIPT}",
        short_name=f"E{IMG}",
        track=f"t{SCRIPT}",
        venue=IMG,
        provenance=[f"{SCRIPT}.txt:1"],
        body=f"We introduce Evil {IMG} and {SCRIPT}. More text here.",
    )
    view = answered(f"**Evil{SCRIPT}**: We introduce Evil {IMG} and {SCRIPT}. [1]", [evil])
    html = render_sources(view)
    assert not RAW_TAG.search(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in html
    message = render_message(view)
    assert not RAW_TAG.search(message)
    assert "&lt;script&gt;" in message and "&lt;img" in message


def test_question_markup_is_escaped_everywhere() -> None:
    view = answered("Nothing here. [1]", [source(1)], question=f"hi {SCRIPT} {IMG} [x](javascript:alert(3))")
    user, bot = chat_messages([view])
    assert user["role"] == "user" and bot["role"] == "assistant"
    assert not RAW_TAG.search(user["content"]) and "&lt;script&gt;" in user["content"]
    assert "](javascript" not in user["content"].replace("\\]", "")  # brackets escaped: no link
    assert not RAW_TAG.search(sources_panel([view]))
    assert not RAW_TAG.search(render_export([view]))


def test_answer_cannot_inject_links_images_or_html() -> None:
    text = "See <b>bold</b> [click](javascript:alert(1)) and ![img](http://evil/x.png) `code` [1]"
    message = render_message(answered(text, [source(1)]))
    assert "<b>" not in message
    assert "\\[click\\](javascript" in message  # literal text, not a link
    assert "!\\[img\\]" in message
    assert "(#src-1)" in message


def test_citations_link_to_their_cards() -> None:
    view = answered("A [1]. B [2, 3]. C [9].", [source(1), source(2), source(3)])
    message = render_message(view)
    assert "[\\[1\\]](#src-1)" in message
    assert "\\[[2](#src-2), [3](#src-3)\\]" in message
    assert "\\[9\\]" in message and "#src-9" not in message  # a number without a source stays plain
    html = render_sources(view)
    for n in (1, 2, 3):
        assert f'id="src-{n}"' in html


def test_earlier_answers_keep_their_own_anchors() -> None:
    first = answered("First [1].", [source(1)], question="first?")
    second = answered("Second [1].", [source(1, record_id="other")], question="second?")
    messages = chat_messages([first, second])
    assert "(#src-t1-1)" in messages[1]["content"]
    assert "(#src-1)" in messages[3]["content"]
    panel = sources_panel([first, second])
    assert 'id="src-1"' in panel and 'id="src-t1-1"' in panel
    assert panel.index('id="src-1"') < panel.index('id="src-t1-1"')  # the latest answer on top
    assert anchor_prefix(0, 20) is None  # too old to stay in the panel: no dead links


def test_supporting_sentence_is_highlighted() -> None:
    s = source(1)
    view = answered("**Paper1**: We introduce Paper1, a method evaluated with 100 physicians on real cases. [1]", [s])
    html = render_sources(view)
    assert "<mark>We introduce Paper1, a method evaluated with 100 physicians on real cases.</mark>" in html
    assert "<mark>ICLR 2026 Poster" not in html and "<mark>It is released openly.</mark>" not in html


def test_card_highlights_exactly_the_sentences_the_checker_accepts(tmp_path: Path) -> None:
    """The extractive answer quotes abstract sentences; the checker splits the answer into sentences and
    accepts the supported ones; the card marks the abstract's sentences the answer relies on. All three
    split with one splitter, so the marks are those accepted sentences (an abstract sentence that starts
    with emphasis or a curly quote, or a Chinese one, was split differently by each before)."""
    abstract = (
        "ICLR 2026 Poster accepted paper at ICLR 2026. Sleep staging from wearables is hard. "
        "We introduce SleepNet, a model trained on 5.5 million nights, i.e. portable recordings. "
        "_SleepNet_ improves staging accuracy by 3.2 points over prior models. "
        "“Our benchmark” covers 12 cohorts and we release the SleepNet weights. 我们还构建了中文评测集。"
    )
    settings = small_corpus(tmp_path, [(paper("SleepNet:wearable sleep staging"), abstract)])
    ingest(settings, progress=False)  # the checker reads the record's whole text from the index
    turn = answer("What does SleepNet release and improve?", settings=settings)
    (src,) = [s for s in turn.sources if s.n in {c["n"] for c in turn.citations}]
    accepted = [
        CITATION.sub("", sentence).strip().removeprefix(f"{label(src)}: ")
        for sentence in split_sentences(turn.text)
        if not sentence.endswith(":") and sentence not in turn.unsupported
    ]
    view = TurnView.from_turn(turn)
    marked = [unescape(m) for m in re.findall(r"<mark>(.*?)</mark>", render_sources(view))]
    assert len(accepted) >= 3 and not turn.unsupported
    assert sorted(marked) == sorted(accepted)  # the card marks in record order, the answer quotes by relevance


def test_cited_cards_come_first_and_are_marked() -> None:
    view = answered("Only the third. [3]", [source(1), source(2), source(3)])
    html = render_sources(view)
    cards = re.findall(r'<article class="([^"]+)" id="src-(\d+)"', html)
    assert cards[0] == ("src-card cited", "3")
    assert [n for _, n in cards] == ["3", "1", "2"]
    assert "cited" not in cards[1][0]


def test_card_shows_metadata_code_link_and_provenance() -> None:
    html = render_sources(answered("X [1]", [source(1, presentation="Oral")]))
    for text in (
        "论文 1:标题",
        "Paper1",
        "ICLR 2026",
        "Oral",
        "clinical NLP",
        "paper · 论文",
        'href="https://github.com/x/p1"',
        "seeds/a.txt:3",
        "best match",  # a relevance label; the fusion score only in its tooltip
        "fusion 0.0300",
    ):
        assert text in html
    unsafe = render_sources(answered("X [1]", [source(1, url="javascript:alert(1)")]))
    assert 'href="javascript' not in unsafe and "javascript:alert(1)" in unsafe  # shown, not linked


def test_export_has_numbered_references() -> None:
    view = answered("**Paper2** uses 200 physicians [2]. Also [1].", [source(1), source(2), source(3)])
    md = render_export([view], exported_at=datetime(2026, 1, 2, tzinfo=UTC))
    assert md.startswith("# Research assistant conversation")
    assert "## 1. what is Paper1?" in md
    assert "**Paper2** uses 200 physicians [2]. Also [1]." in md
    assert (
        "1. **论文 1:标题 (Paper1)** — ICLR 2026, Poster, clinical NLP — Code: https://github.com/x/p1 — "
        "Source: `seeds/a.txt:3`" in md
    )
    assert "2. **论文 2:标题 (Paper2)**" in md and "seeds/a.txt:5" in md
    assert "3. **" not in md  # not cited, not listed
    assert render_export_turn(view, 1) in md


def test_backend_failure_is_said_in_the_message() -> None:
    view = answered(
        "",
        [source(1)],
        backend="openai",
        answered_by="",
        error="The OpenAI-compatible model m at http://127.0.0.1:9/v1 failed: cannot connect.",
    )
    message = render_message(view)
    assert "backend failed" in message and "cannot connect" in message
    assert "Extractive (offline)" in message


def test_streaming_message_has_no_footer() -> None:
    pending = answered("From the collection: [1]", [source(1)], pending=True, answered_by="")
    message = render_message(pending)
    assert "Answered by" not in message and "(#src-1)" in message
    assert "Searching" in render_message(TurnView(question="q", pending=True))


def test_filters_from_controls() -> None:
    assert filters_from_inputs(ANY, ANY, ANY, ANY, ANY, False) == Filters()
    assert filters_from_inputs("paper", "ICLR 2026", "Oral", "2026", "医学影像", True) == Filters(
        kind="paper", venue="ICLR 2026", presentation="Oral", year=2026, track="医学影像", has_code=True
    )
    assert filters_from_inputs(None, "", ANY, None, None, None) == Filters()


def test_active_filters_show_explicit_and_recognised() -> None:
    html = render_active_filters({"track": f"t{SCRIPT}"}, {"presentation": "Oral"})
    assert not RAW_TAG.search(html)
    assert "track: t&lt;script&gt;" in html and "presentation: Oral" in html and "from question" in html
    assert "No filters" in render_active_filters({})
    negated = render_active_filters({}, {"not_all": {"venue": "ICLR 2026", "presentation": "Poster"}})
    assert "not all: venue=ICLR 2026, presentation=Poster" in negated  # an exclusion reads as pairs, not a dict


def test_debug_lists_retrieved_ids_scores_and_filters() -> None:
    view = answered(
        "X [2]",
        [source(1), source(2)],
        explicit_filters={"venue": "ICLR 2026"},
        applied_filters={"venue": "ICLR 2026", "presentation": "Oral"},
        evidence={"answerable": True, "score": 0.9, "threshold": 0.84, "reason": "ok"},
        timings_ms={"retrieve": 12.345},
    )
    debug = render_debug(view)
    assert debug["standalone_question"] == "what is Paper1?"
    assert debug["filters"]["from_question"] == {"presentation": "Oral"}
    assert [(r["record_id"], r["cited"]) for r in debug["retrieved"]] == [("r1", False), ("r2", True)]
    assert debug["evidence"]["score"] == 0.9 and debug["timings_ms"] == {"retrieve": 12.3}
    json.dumps(debug)


def test_view_from_a_chain_turn() -> None:
    hit = make_hit()
    turn = chain_turn(
        text="Body [1]",
        standalone="q2",
        answered_by="extractive",
        sources=[Source(1, hit, "header\nBody text.\nCode/project link: https://x")],
        result=SimpleNamespace(filters=Filters(presentation="Oral"), hits=[hit]),
        evidence=SimpleNamespace(answerable=True, score=1.0, threshold=0.8, reason="r"),
        citations=[{"n": 1, "quote": "Body"}],
        timings_ms={"total": 1.0},
        analysis=Analysis(lang="en", kind="lookup", asks_code=False, asks_number=False),
    )
    view = TurnView.from_turn(turn)
    assert view.sources[0].body == "Body text."
    assert view.recognised_filters == {"presentation": "Oral"}
    assert "(#src-1)" in render_message(view) and 'id="src-1"' in render_sources(view)
    assert render_debug(view)["standalone_question"] == "q2"


def test_feedback_is_appended_as_json_lines(tmp_path) -> None:
    path = tmp_path / "sub" / "feedback.jsonl"
    view = answered("Paper1 [1]", [source(1)])
    append_feedback(path, feedback_record(view, "up"))
    append_feedback(path, feedback_record(view, "down"))
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [r["vote"] for r in lines] == ["up", "down"]
    assert lines[0]["question"] == "what is Paper1?" and lines[0]["answer"] == "Paper1 [1]"
    assert lines[0]["cited"] == ["r1"] and "timestamp" in lines[0]
    assert set(lines[0]) == {"timestamp", "vote", "question", "answer", "backend", "cited"}


@pytest.mark.parametrize("value, expected", [(None, None), ("u:p", ("u", "p")), ("u:p:q", ("u", "p:q"))])
def test_auth_setting(value, expected) -> None:
    from assistant.ui.app import parse_auth

    assert parse_auth(value) == expected
    with pytest.raises(ValueError):
        parse_auth("no-colon")
