"""Helpers shared by tests: small corpora in the seed format, free ports."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent  # the checkout: seeds/, evals/, docs/
SEEDS = ROOT / "seeds"
API_KEY = "sk-test"  # neither test server checks keys (the fault server's "401" mode rejects any key)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_corpus(folder: Path, records: list[tuple[str, str]], name: str = "corpus.txt") -> Path:
    """Write (header, body) pairs in the seed format."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("".join(f"{h}\n{b}\n" for h, b in records), encoding="utf-8")
    return path


def paper(title: str, track: str = "clinical NLP", presentation: str = "Poster", venue: str = "ICLR 2026") -> str:
    return f"论文{venue} {presentation}2026 年{track} {title}"


def run_cli(*args: object, env: dict[str, str] | None = None) -> Any:
    """Run the `assistant` command in-process (typer's CliRunner); stdout and stderr kept apart."""
    from typer.testing import CliRunner

    from assistant.cli import app

    return CliRunner().invoke(app, [str(a) for a in args], env=env, catch_exceptions=False)


def small_corpus(root: Path, records: list[tuple[str, str]] | None = None, **settings: Any) -> Any:
    """Write a small corpus (default: THREE_PAPERS) under ``root`` and return Settings for an index beside it."""
    from assistant.settings import Settings

    write_corpus(root / "corpus", THREE_PAPERS if records is None else records)
    return Settings(data_dir=root / "data", sources=[root / "corpus"], **settings)


THREE_PAPERS = [
    (paper("EEGTok:tokenizing EEG signals"), "We tokenize single-channel EEG recordings with motif learning."),
    (paper("CardioBench:ECG foundation model benchmark"), "We benchmark ECG foundation models on 12-lead data."),
    (paper("PolypNet:video polyp segmentation", track="医学影像"), "Video polyp segmentation in colonoscopy videos."),
]


def serve_app(settings: Any, **kw: Any) -> Iterator[str]:
    """Run the chat UI on 127.0.0.1 for the duration of a fixture; yields its URL."""
    from assistant.ui.app import launch

    demo = launch(settings, prevent_thread_lock=True, quiet=True, **kw)
    try:
        yield f"http://127.0.0.1:{settings.ui.port}/"
    finally:
        demo.close()


@contextmanager
def tampered_live_collection(settings: Any) -> Iterator[Any]:
    """The live generation's collection opened in place, for a test to break it the way a bad build would; the
    generation is sealed again afterwards (as if an ingest had built it so). Readers never open it in place."""
    from assistant.index import readcopy, store

    generation = store.current_generation(settings)
    assert generation is not None
    location = store.generation_location(generation, settings)
    yield location.client.get_collection(location.collection, embedding_function=None)
    readcopy.seal(generation)
