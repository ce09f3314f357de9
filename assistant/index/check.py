"""Startup check of the live index: present, built with this embedding model, not empty, answering a query.

``check_index`` never raises for a broken index: every failure becomes a problem plus the command to run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from assistant.index import store
from assistant.index.embeddings import get_embeddings, model_id
from assistant.redact import redact_urls
from assistant.settings import Settings

INGEST = "run `assistant ingest`"
REBUILD = "run `assistant ingest --rebuild`"
SAMPLE_QUERY = "clinical prediction from medical images"


@dataclass
class IndexHealth:
    """What the check found; ``advice`` is the command that repairs a broken index."""

    ok: bool
    records: int = 0
    chunks: int = 0
    model: str = ""  # the embedding model the index was built with, when known
    problems: list[str] = field(default_factory=list)
    advice: str = ""

    def __str__(self) -> str:
        if self.ok:
            return f"index ok: {self.records} records in {self.chunks} chunks (embedding model {self.model})"
        return f"index unusable: {'; '.join(self.problems)}. To fix it, {self.advice}."


def check_index(settings: Settings) -> IndexHealth:
    """Open the live index and try it; a missing, mismatched, empty or unreadable index gives ok=False."""
    health = IndexHealth(ok=False)
    try:
        embeddings = get_embeddings(settings)
        wanted = model_id(embeddings)
    except Exception as exc:  # reported, not raised
        return _broken(
            health,
            f"cannot load embedding model {settings.index.embedding_model!r}: {exc}",
            "check the embedding_model setting (ASSISTANT_EMBEDDING_MODEL)",
        )
    try:
        location = store.open_location(settings)
        health.model = store.stored_model(location, settings) or ""
        store.vector_store(location, settings, embeddings, create=False)
        collection = location.client.get_collection(location.collection, embedding_function=None)
        health.chunks = collection.count()
        if health.chunks == 0:
            return _broken(health, f"the index in {location.label} is empty (0 chunks)", REBUILD)
        metadatas = collection.get(include=["metadatas"])["metadatas"] or []
        health.records = len({m.get("record_id") for m in metadatas})
    except store.IndexMismatch as exc:
        return _broken(health, str(exc), REBUILD)
    except (store.IndexMissing, store.IndexDamaged) as exc:
        return _broken(health, str(exc), INGEST)
    except store.IndexUnavailable as exc:  # the Chroma server cannot be reached
        return _broken(health, str(exc), "start the Chroma server or correct ASSISTANT_CHROMA_URL")
    except BaseException as exc:  # a damaged Chroma directory, or an unreachable server, raises many kinds of error
        if not isinstance(exc, Exception) and not store.is_engine_panic(exc):
            raise
        if settings.index.chroma_url:
            return _broken(
                health,
                redact_urls(
                    f"the Chroma server at {settings.index.chroma_url} cannot be used ({type(exc).__name__}: {exc})"
                ),
                "start the Chroma server or correct ASSISTANT_CHROMA_URL",
            )
        return _broken(health, f"the index cannot be read ({type(exc).__name__}: {exc})", INGEST)
    try:
        vector = embeddings.embed_query(SAMPLE_QUERY)
    except Exception as exc:
        return _broken(
            health,
            f"embedding model {wanted} cannot embed a query: {exc}",
            "check the embedding model or its endpoint (OPENAI_BASE_URL)",
        )
    try:
        found = collection.query(query_embeddings=np.asarray([vector], dtype=np.float32), n_results=1)
        if not found["ids"][0]:
            return _broken(health, f"a sample query found nothing among {health.chunks} chunks", REBUILD)
    except BaseException as exc:
        if not isinstance(exc, Exception) and not store.is_engine_panic(exc):
            raise
        return _broken(health, f"a sample query failed ({type(exc).__name__}: {exc})", INGEST)
    health.ok = True
    return health


def _broken(health: IndexHealth, problem: str, advice: str) -> IndexHealth:
    health.problems.append(redact_urls(problem))
    health.advice = advice
    return health
