"""Server mode against a real ``chroma run``: a server killed mid-ingest gives a clear error and never leaves a
partial collection reported healthy; a rebuild keeps the old collection serving until it is complete; chat
processes and the CLI on one server see a record another process ingested, on their next request."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from gradio_client import Client

from assistant.index import server, store
from assistant.index.check import check_index
from assistant.index.ingest import ingest
from assistant.retrieve.hybrid import HybridRetriever
from assistant.settings import Settings
from tests.helpers import ROOT, THREE_PAPERS, free_port, paper, small_corpus, write_corpus
from tests.servers import ChromaServer
from tests.test_ui_client import ask

pytestmark = pytest.mark.slow

MANY = [
    (paper(f"Bulk{i}:cohort study {i}"), f"We follow cohort {i} of patients with condition {i}.") for i in range(150)
]
NEW = (paper("Spleen3D:spleen volume estimation"), "We estimate spleen volume from abdominal CT with a 3D network.")


def cli(*args: object) -> list[str]:
    return [sys.executable, "-m", "assistant.cli", *map(str, args)]


def cli_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def wait_for(
    condition: object, what: str, timeout: float = 300, proc: subprocess.Popen | None = None, log: Path | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if proc is not None and proc.poll() is not None:
            tail = log.read_text()[-2000:] if log is not None else ""
            raise AssertionError(f"the process ended (exit {proc.returncode}) before {what}: {tail}")
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def building(chroma: ChromaServer, settings: Settings) -> bool:
    """A new generation collection holds some chunks (the ingest is past its first batch)."""
    client = chroma.client()
    live = server.live_collection(client, settings.index.collection)
    return any(
        c.name.startswith(f"{settings.index.collection}{server.GENERATION_MARK}") and c.name != live and c.count() > 0
        for c in client.list_collections()
    )


@pytest.mark.parametrize("previous", [True, False], ids=["rebuild-over-old", "first-ingest"])
def test_server_killed_mid_ingest(tmp_path: Path, chroma_server: ChromaServer, previous: bool) -> None:
    settings: Settings = small_corpus(tmp_path, chroma_url=chroma_server.url)
    if previous:
        assert ingest(settings, progress=False).added == 3
    big = write_corpus(tmp_path / "big", THREE_PAPERS + MANY)
    proc = subprocess.Popen(
        cli(
            "ingest",
            big,
            *(["--rebuild"] if previous else []),
            "--data-dir",
            settings.data_dir,
            "--chroma-url",
            settings.index.chroma_url,
        ),
        cwd=ROOT,
        env=cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_for(lambda: building(chroma_server, settings), "the new collection to fill", proc=proc)
    if previous:  # the old collection serves while the new one is built
        assert HybridRetriever(settings).search("tokenizing EEG signals").hits[0].title.startswith("EEGTok")
        assert str(check_index(settings)).startswith("index ok: 3 records")
    chroma_server.kill()
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 1, err[-2000:]
    assert "Traceback" not in err and f"Chroma server at {chroma_server.url}" in err, err[-2000:]
    chroma_server.start()
    health = check_index(settings)
    if previous:  # old data served, never the partial collection
        assert health.ok and health.records == 3, health
    else:
        assert not health.ok and "no complete index" in str(health) and "assistant ingest" in str(health), health
    finished = ingest(settings.replace(sources=[big]), progress=False)
    assert finished.records == 153 and str(check_index(settings)).startswith("index ok: 153 records")
    names = {c.name for c in chroma_server.client().list_collections()}
    pointer = server.pointer(chroma_server.client(), settings.index.collection)
    kept = {g + part for g in pointer.values() for part in ("", "_views", "_sentences")}  # each with its views
    assert names == {server.pointer_name(settings.index.collection), *kept}  # the partial one is gone


@pytest.fixture
def shared(tmp_path: Path, chroma_server: ChromaServer) -> Iterator[tuple[Settings, list[str]]]:
    """An index on the server and two chat processes serving it; yields (settings, chat URLs)."""
    settings: Settings = small_corpus(tmp_path, chroma_url=chroma_server.url)
    ingest(settings, progress=False)
    ports = [free_port()]
    while len(ports) < 2:
        ports += [port] if (port := free_port()) not in ports else []
    logs = [tmp_path / f"chat-{port}.log" for port in ports]
    chats = [
        subprocess.Popen(
            cli("chat", "--port", port, "--data-dir", settings.data_dir, "--chroma-url", chroma_server.url),
            cwd=ROOT,
            env=cli_env(),
            stdout=subprocess.DEVNULL,
            stderr=log.open("w"),
        )
        for port, log in zip(ports, logs, strict=True)
    ]
    urls = [f"http://127.0.0.1:{port}/" for port in ports]
    try:
        for url, proc, log in zip(urls, chats, logs, strict=True):
            wait_for(lambda url=url: _answers(url), f"the chat server at {url}", proc=proc, log=log)
        yield settings, urls
    finally:
        for proc in chats:
            proc.terminate()
            proc.wait(timeout=30)


def _answers(url: str) -> bool:
    try:
        Client(url, verbose=False)
    except Exception:
        return False
    return True


def test_chats_and_cli_on_one_server_see_a_record_ingested_elsewhere(shared: tuple[Settings, list[str]]) -> None:
    settings, urls = shared
    question = "which study estimates spleen volume from CT?"
    clients = [Client(url, verbose=False) for url in urls]
    for client in clients:
        assert "Spleen3D" not in ask(client, question)[-1][1]
    write_corpus(settings.sources[0], [*THREE_PAPERS, NEW])
    added = subprocess.run(
        cli("ingest", "--data-dir", settings.data_dir, "--chroma-url", settings.index.chroma_url, settings.sources[0]),
        cwd=ROOT,
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert added.returncode == 0 and "added 1" in added.stdout, added.stderr[-2000:]
    for client in clients:  # the first request after the ingest already sees it: no restart
        chat, sources, *_ = ask(client, question)[-1]
        assert "Spleen3D" in sources, sources[:2000]
    search = subprocess.run(
        cli("search", "spleen volume", "--data-dir", settings.data_dir, "--chroma-url", settings.index.chroma_url),
        cwd=ROOT,
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert search.returncode == 0 and "Spleen3D" in search.stdout.splitlines()[1], search.stderr[-2000:]
    assert store.generation_token(settings) == server.live_collection(
        store.server_client(settings.index.chroma_url or ""), settings.index.collection
    )
