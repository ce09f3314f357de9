"""The chat UI served for real on 127.0.0.1, driven through its API with gradio_client."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from gradio_client import Client

from assistant.settings import Settings
from assistant.ui.conversations import ConversationStore
from assistant.ui.filters import ANY
from tests.helpers import free_port, paper, serve_app, write_corpus
from tests.servers import FaultServer

pytestmark = pytest.mark.slow


def message_text(message: dict) -> str:
    content = message["content"]
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") for part in content if isinstance(part, dict))


def bot_text(chat: list[dict]) -> str:
    return message_text([m for m in chat if m["role"] == "assistant"][-1])


def latest_cards(sources: str) -> str:
    """The latest answer's cards (earlier answers' cards are folded below them)."""
    return sources.split('<details class="src-older"')[0]


def ask(
    client: Client,
    question: str,
    backend: str = "extractive",
    *,
    kind: str = ANY,
    venue: str = ANY,
    presentation: str = ANY,
    year: str = ANY,
    track: str = ANY,
    has_code: bool = False,
) -> list[tuple]:
    """Every output the streaming /ask endpoint sent, in order (the last one is the finished answer)."""
    job = client.submit(question, backend, kind, venue, presentation, year, track, has_code, api_name="/ask")
    outputs = list(job)
    final = job.outputs()[-1] if job.outputs() else None
    if final is not None and (not outputs or outputs[-1] != final):
        outputs.append(final)
    # /ask sends: the browser's chat id, chat, sources, debug, active filters, chat list; an output left
    # unchanged comes as {"__type__": "update"}: the value before it stands
    shown: list[tuple] = []
    current: list = [None] * 6
    for output in outputs:
        current = [
            was if isinstance(new, dict) and new.get("__type__") == "update" else new
            for was, new in zip(current, output, strict=True)
        ]
        _, chat, sources, debug, active, _ = current
        shown.append((chat, sources, debug, active))
    return shown


@pytest.fixture(scope="module")
def app_url(seed_settings: Settings) -> Iterator[str]:
    # An LLM endpoint that refuses connections: the openai backend fails fast and says so.
    settings = seed_settings.replace(
        **{
            "port": free_port(),
            "base_url": f"http://127.0.0.1:{free_port()}/v1",
            "model": "test-model",
            "max_retries": 0,
            "timeout": 5.0,
        }
    )
    yield from serve_app(settings)


@pytest.fixture
def client(app_url: str) -> Client:
    return Client(app_url, verbose=False)


def test_english_question_streams_a_cited_answer(client: Client) -> None:
    outputs = ask(client, "what is LiveClin and how many physicians took part?")
    chat, sources, debug, active = outputs[-1]
    answer = bot_text(chat)
    assert "239 physicians" in answer
    assert "[\\[1\\]](#src-1)" in answer  # [1] links to its source card
    assert "Answered by: extractive" in answer
    # streamed: a placeholder first, then the answer text before the finished message
    texts = [bot_text(o[0]) for o in outputs]
    assert len(outputs) >= 3
    assert texts[0].startswith("*Searching")
    assert any("From the collection" in t and "Answered by" not in t for t in texts[:-1])
    assert 'id="src-1"' in sources and sources.count('class="src-card') >= 2
    assert re.search(r'<article class="src-card cited" id="src-1"[^>]*>', sources)
    assert "LiveClin" in sources and "<mark>" in sources
    assert debug["retrieved"][0]["cited"] and debug["evidence"]["answerable"]


def test_chinese_question_gets_a_cited_answer(client: Client) -> None:
    chat, sources, debug, _ = ask(client, "哪篇论文研究呼吸音诊断?")[-1]
    answer = bot_text(chat)
    assert answer.startswith("根据收录的记录")
    assert "(#src-1)" in answer and "Resp-Agent" in answer
    assert 'id="src-1"' in sources and debug["lang"] == "zh"


def test_filters_restrict_the_sources(client: Client) -> None:
    chat, sources, debug, active = ask(client, "which papers work on segmentation?", track="医学影像")[-1]
    tracks = re.findall(r'data-track="([^"]*)"', latest_cards(sources))
    assert tracks and set(tracks) == {"医学影像"}
    assert debug["filters"]["explicit"] == {"track": "医学影像"}
    assert "track: 医学影像" in active
    _, sources, _, _ = ask(client, "list the papers", presentation="Oral")[-1]
    assert set(re.findall(r'data-presentation="([^"]*)"', latest_cards(sources))) == {"Oral"}


def test_filters_recognised_in_the_question_are_shown_and_clearable(client: Client) -> None:
    chat, sources, debug, active = ask(client, "list the oral papers")[-1]
    assert debug["filters"]["from_question"] == {"presentation": "Oral"}
    assert "presentation: Oral" in active and "from question" in active
    assert "presentation = Oral" in bot_text(chat)
    cleared = client.predict(api_name="/clear_filters")
    assert list(cleared[:6]) == [ANY, ANY, ANY, ANY, ANY, False] and "No filters" in cleared[6]


def test_follow_up_uses_the_conversation(client: Client) -> None:
    ask(client, "what is LiveClin and how many physicians took part?")
    chat, _, debug, _ = ask(client, "does it have code?")[-1]
    assert "LiveClin" in debug["standalone_question"]
    assert "github.com/AQ-MedAI/LiveClin" in bot_text(chat)
    assert len(chat) == 4  # two questions, two answers
    assert "(#src-t1-1)" in message_text(chat[1])  # the first answer now points at its folded cards


def test_export_returns_markdown_with_references(client: Client) -> None:
    ask(client, "what is LiveClin and how many physicians took part?")
    ask(client, "哪篇论文研究呼吸音诊断?")
    path = client.predict(api_name="/export")
    markdown = Path(path).read_text(encoding="utf-8")
    assert path.endswith(".md")
    assert "## 1. what is LiveClin and how many physicians took part?" in markdown
    assert "## 2. 哪篇论文研究呼吸音诊断?" in markdown
    assert markdown.count("**References**") == 2
    assert re.search(
        r"^1\. \*\*LiveClin:.*ICLR 2026.*https://github\.com/AQ-MedAI/LiveClin.*"
        r"`seeds/[^`]+\.txt:\d+`",
        markdown,
        re.M,
    )
    client.predict(api_name="/new_chat")
    assert client.predict(api_name="/export") is None  # nothing to export after "New chat"


def test_conversation_is_stored_with_answers_records_and_timings(client: Client, seed_settings: Settings) -> None:
    ask(client, "what is LiveClin and how many physicians took part?")
    ask(client, "does it have code?")
    store = ConversationStore(seed_settings.conversations_file)
    chat = next(c for c in store.list() if c.title.startswith("what is LiveClin") and c.turns == 2)
    rows = store.turn_rows(chat.id)
    questions = ["what is LiveClin and how many physicians took part?", "does it have code?"]
    assert [r["question"] for r in rows] == questions
    assert "239 physicians" in rows[0]["answer"] and rows[0]["backend"] == "extractive"
    assert rows[0]["records"] and rows[1]["records"][0] == rows[0]["records"][0]  # the same paper, cited first
    assert rows[0]["timings"]["total"] > 0 and rows[0]["filters"] == {}


def test_llm_failure_is_reported_and_the_ui_stays_usable(client: Client) -> None:
    chat, sources, debug, _ = ask(client, "what is LiveClin?", backend="openai")[-1]
    answer = bot_text(chat)
    assert "backend failed" in answer and "cannot connect" in answer
    assert "fallback" in answer  # the offline answer is offered, labelled
    assert debug["error"]
    chat, _, _, _ = ask(client, "what is LiveClin?", backend="extractive")[-1]
    assert "Answered by: extractive" in bot_text(chat) and len(chat) == 4


def test_missing_index_says_which_command_to_run(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "empty", port=free_port())
    for url in serve_app(settings):
        chat, *_ = ask(Client(url, verbose=False), "what is LiveClin?")[-1]
        assert "`assistant ingest`" in bot_text(chat)


def test_first_run_builds_the_index(tmp_path: Path) -> None:
    corpus = write_corpus(
        tmp_path / "records",
        [
            (
                paper("PulseNet: photoplethysmography arrhythmia screening"),
                "We introduce PulseNet, a model that screens for atrial fibrillation from smartwatch PPG signals.",
            ),
            (
                paper("DermaScope: skin lesion classification", track="医学影像"),
                "We present DermaScope, a vision model that classifies skin lesions from dermoscopy images.",
            ),
        ],
    )
    settings = Settings(data_dir=tmp_path / "data", sources=[corpus], port=free_port())
    for url in serve_app(settings, ingest_if_needed=True):
        chat, sources, *_ = ask(Client(url, verbose=False), "what is PulseNet?")[-1]
        assert "PulseNet" in bot_text(chat) and "(#src-1)" in bot_text(chat)
        assert "data-record-id" in sources


def test_a_stopped_answer_is_still_shown_stopped_when_its_stream_ends(
    seed_settings: Settings, fault_server: FaultServer, tmp_path: Path
) -> None:
    """Stop's update reaches the page first; then the answer's stream ends, and the page shows the stream's last
    output again: that output must show the answer stopped too, not the text streamed before the stop."""
    words = " ".join(f"word{i}" for i in range(200))
    fault_server.set_mode("ok", answer=f"LiveClin [1] {words}", token_delay=0.2)
    (tmp_path / "index").symlink_to(seed_settings.index_dir, target_is_directory=True)
    settings = seed_settings.replace(
        data_dir=tmp_path, port=free_port(), base_url=fault_server.base_url, api_key="sk-test"
    )
    for url in serve_app(settings):
        client = Client(url, verbose=False)
        job = client.submit("what is LiveClin?", "openai", ANY, ANY, ANY, ANY, ANY, False, api_name="/ask")
        for output in job:  # the answer streams
            if isinstance(output[1], list) and output[1] and "word3" in bot_text(output[1]):
                break
        stopped = client.predict(api_name="/stop")[0]
        assert "Stopped" in bot_text(stopped)
        job.result(timeout=60)
        last_chat = job.outputs()[-1][1]
        assert "Stopped" in bot_text(last_chat) and "word199" not in bot_text(last_chat)
