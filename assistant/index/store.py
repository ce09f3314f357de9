"""Where the index lives: an embedded Chroma generation directory, or a Chroma server.

Embedded mode keeps each build in its own generation directory (``index/g-<time>/``) and a
``CURRENT`` file naming the live one; an ingest builds a new generation and switches ``CURRENT``
with an atomic rename, so a crash mid-ingest leaves the previous index untouched. Readers open a checked
private copy of it (see readcopy.py), never the live files. Server mode keeps generations as collections
(see server.py). ``generation_token`` names what serves now, cheaply, so long-running readers can reopen.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import threading
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

import chromadb
from chromadb.config import Settings as ChromaSettings

from assistant.index import readcopy, server
from assistant.index.embeddings import model_id
from assistant.redact import redact_urls
from assistant.settings import Settings

if TYPE_CHECKING:
    from langchain_chroma import Chroma
    from langchain_core.embeddings import Embeddings

MODEL_KEY = "embedding_model"


def chroma_settings() -> ChromaSettings:
    """New settings for every client: chromadb's client factories write into the object they are given, so
    a shared one would turn every embedded client into an HTTP client once a server client was made."""
    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


class IndexUnavailable(RuntimeError):
    """The index cannot be used as it is; the message says what to run."""


class IndexMissing(IndexUnavailable):
    pass


class IndexMismatch(IndexUnavailable):
    pass


class IndexDamaged(IndexUnavailable):
    """The store's files are corrupt, or the engine failed on them; a plain ingest rebuilds from the sources."""


REPAIR = "run `assistant ingest` to rebuild it from the sources"
STORE_DATABASES = ("chroma/chroma.sqlite3", "records.sqlite")


def is_engine_panic(exc: BaseException) -> bool:
    """chromadb's Rust engine reports a failed assertion as pyo3's PanicException, a BaseException subclass."""
    return type(exc).__name__ == "PanicException"


def sqlite_problem(path: Path) -> str | None:
    """What ``PRAGMA quick_check`` finds wrong with an SQLite file (opened read-only), or None when it is sound."""
    if not path.exists():
        return None
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10)) as db:
            rows = [str(row[0]) for row in db.execute("PRAGMA quick_check(3)")]
    except sqlite3.Error as exc:
        return f"{path.name}: {exc}"
    except UnicodeDecodeError as exc:  # SQLite's message quotes damaged schema bytes that are not UTF-8
        return f"{path.name}: {exc.object.decode('utf-8', 'replace')}"
    return None if rows == ["ok"] else f"{path.name}: {'; '.join(rows)}"


def generation_problem(generation: Path) -> str | None:
    """The first damage found in a generation's databases, checked before chromadb touches them."""
    for name in STORE_DATABASES:
        if problem := sqlite_problem(generation / name):
            return problem
    return None


def damaged(label: str, cause: str) -> IndexDamaged:
    return IndexDamaged(f"the index in {label} cannot be read, it is damaged ({cause}): {REPAIR}")


def engine_failure(exc: BaseException, settings: Settings) -> str | None:
    """A user-facing message for an error the store's engine raised, or None when ``exc`` is not one."""
    if isinstance(exc, IndexUnavailable):
        return str(exc)
    module = type(exc).__module__ or ""
    if not (is_engine_panic(exc) or isinstance(exc, sqlite3.Error) or module.startswith(("chromadb", "httpx"))):
        return None
    cause = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
    if settings.index.chroma_url:
        return (
            f"the Chroma server at {redact_urls(settings.index.chroma_url)} cannot be used ({redact_urls(cause)}): "
            "start the Chroma server or correct ASSISTANT_CHROMA_URL"
        )
    return str(damaged(str(current_generation(settings) or settings.index_dir), cause))


@dataclass
class Location:
    """One concrete index: a Chroma client plus the record-manager database that tracks it."""

    client: chromadb.ClientAPI
    record_db: Path
    path: Path | None  # the generation directory (embedded mode)
    label: str
    collection: str  # the Chroma collection: settings.index.collection, or a server-mode generation


def current_generation(settings: Settings) -> Path | None:
    """The live generation named by ``CURRENT``; None when there is none or the pointer is damaged."""
    try:
        name = (settings.index_dir / "CURRENT").read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    gen = settings.index_dir / name
    return gen if name.startswith("g-") and "/" not in name and gen.is_dir() else None


def switch_generation(settings: Settings, generation: Path) -> None:
    """Make ``generation`` the live index with an atomic rename of the pointer file."""
    tmp = settings.index_dir / f"CURRENT.{os.getpid()}.tmp"
    tmp.write_text(generation.name)
    with tmp.open("rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, settings.index_dir / "CURRENT")


def new_generation(settings: Settings, copy_from: Path | None) -> Path:
    """A fresh generation directory, seeded with a copy of the live one for an incremental build."""
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    gen = settings.index_dir / f"g-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    if copy_from is not None:
        shutil.copytree(copy_from, gen)
    else:
        gen.mkdir()
    return gen


def prune_generations(settings: Settings, previous: Path | None = None) -> list[Path]:
    """Remove every generation but the live one and its predecessor (maybe still open in readers), and every
    ``CURRENT.<pid>.tmp`` pointer. The predecessor is ``previous`` when known, else the newest generation older
    than the live one (a killed build is newer than the live generation it was copied from).

    Run under the ingest lock only: then any other generation or temp pointer was abandoned by a crashed ingest.
    """
    index_dir = settings.index_dir
    live = current_generation(settings)
    if live is None:  # no live index to anchor on: leave everything (a damaged pointer is repaired by ingest)
        return []
    gens = sorted(g for g in index_dir.glob("g-*") if g.is_dir())
    if previous is None:
        previous = max((g for g in gens if g.name < live.name), default=None)
    removable = [g for g in gens if g not in (live, previous)]
    for gen in removable:
        shutil.rmtree(gen, ignore_errors=True)
    temps = list(index_dir.glob("CURRENT.*.tmp"))
    for tmp in temps:
        tmp.unlink(missing_ok=True)
    return removable + temps


_clients: dict[str, chromadb.ClientAPI] = {}
_clients_lock = threading.Lock()


def server_client(url: str) -> chromadb.ClientAPI:
    """A client of the Chroma server at ``url`` (one per process and URL); IndexUnavailable (one clear message)
    when it cannot be reached."""
    with _clients_lock:
        if (client := _clients.get(url)) is not None:
            return client
        parsed = urlparse(url if "://" in url else f"http://{url}")
        try:
            client = chromadb.HttpClient(
                host=parsed.hostname or "127.0.0.1",
                port=parsed.port or 8000,
                ssl=parsed.scheme == "https",
                settings=chroma_settings(),
            )
        except Exception as exc:  # chromadb raises ValueError("Could not connect ...") or an httpx error
            raise server_down(url, exc) from None
        _clients[url] = client
        return client


def server_key(settings: Settings) -> str:
    """What names a Chroma server's index in the data dir (its catalog)."""
    return hashlib.sha1(f"{settings.index.chroma_url}|{settings.index.collection}".encode()).hexdigest()[:12]


def server_down(url: str, exc: BaseException) -> IndexUnavailable:
    return IndexUnavailable(
        f"the Chroma server at {redact_urls(url)} cannot be used ({type(exc).__name__}: {redact_urls(str(exc))}): "
        "start the Chroma server or correct ASSISTANT_CHROMA_URL"
    )


def server_location(settings: Settings, collection: str | None = None) -> Location:
    """A collection on the Chroma server: ``collection``, else the live one (IndexMissing when none is)."""
    url = settings.index.chroma_url
    assert url
    client = server_client(url)
    if collection is None:
        collection = live_server_collection(settings)
        if collection is None:
            raise IndexMissing(
                f"no complete index of {settings.index.collection!r} on the chroma server {redact_urls(url)}: "
                "run `assistant ingest` first"
            )
    key = hashlib.sha1(f"{url}|{collection}".encode()).hexdigest()[:12]
    record_db = settings.data_dir / "server-records" / f"{key}.sqlite"  # created by the ingest that needs it
    return Location(client, record_db, None, f"chroma server {redact_urls(url)} ({collection})", collection)


def live_server_collection(settings: Settings) -> str | None:
    assert settings.index.chroma_url
    try:
        return server.live_collection(server_client(settings.index.chroma_url), settings.index.collection)
    except IndexUnavailable:
        raise
    except Exception as exc:  # the server went away: httpx / chromadb errors
        raise server_down(settings.index.chroma_url, exc) from None


def generation_token(settings: Settings) -> str:
    """What serves now: the live generation's name (embedded: ``CURRENT``; server: the pointer collection's
    ``live``), or "" when nothing does. Cheap enough to check on every request (a file read, or one small
    request to the server); whatever is cached per index (retriever, lexical index, catalog) keys on it."""
    if settings.index.chroma_url:
        return live_server_collection(settings) or ""
    gen = current_generation(settings)
    return gen.name if gen is not None else ""


def generation_location(generation: Path, settings: Settings) -> Location:
    """The generation itself, for the ingest that builds it (chromadb writes into what it opens)."""
    client = chromadb.PersistentClient(path=str(generation / "chroma"), settings=chroma_settings())
    return Location(
        client, generation / "records.sqlite", generation, f"embedded {generation}", settings.index.collection
    )


def read_location(generation: Path, settings: Settings) -> Location:
    """A checked private copy of a generation for reading (IndexDamaged when its files changed or are corrupt)."""
    sealed = (generation / readcopy.MANIFEST).exists()  # else built by an earlier version: check it the old way
    if not sealed and (problem := generation_problem(generation)):
        raise damaged(str(generation), problem)
    try:
        copy = readcopy.read_copy(generation)
    except readcopy.CopyDamaged as exc:
        raise damaged(str(generation), str(exc)) from None
    client = chromadb.PersistentClient(path=str(copy / "chroma"), settings=chroma_settings())
    return Location(client, copy / "records.sqlite", copy, f"embedded {generation}", settings.index.collection)


def open_location(settings: Settings) -> Location:
    """The live index for reading (never written). Raises IndexMissing when nothing was ingested yet."""
    if settings.index.chroma_url:
        return server_location(settings)
    gen = current_generation(settings)
    if gen is None:
        raise IndexMissing(f"no index in {settings.index_dir}: run `assistant ingest` (or `make ingest`) first")
    return read_location(gen, settings)


def views_collection(records_collection: str) -> str:
    """The collection that holds the record views (index/chunks.py) of ``records_collection``'s records."""
    return records_collection + "_views"


def open_collection(
    location: Location, settings: Settings, embeddings: Embeddings, collection_name: str | None = None
) -> chromadb.Collection:
    """The collection of a location (the records collection unless ``collection_name`` names another, e.g. the
    views), checked to be built with the same model (without LangChain's wrapper)."""
    wanted = model_id(embeddings)
    name = collection_name or location.collection
    try:
        collection = location.client.get_collection(name, embedding_function=None)
    except BaseException as exc:  # chromadb raises NotFoundError / ValueError depending on mode
        if not isinstance(exc, Exception) and not is_engine_panic(exc):
            raise
        if is_engine_panic(exc) or isinstance(exc, sqlite3.Error):
            raise damaged(location.label, f"{type(exc).__name__}: {exc}") from None
        raise IndexMissing(f"collection {name!r} not found in {location.label}: run `assistant ingest` first") from exc
    built_with = (collection.metadata or {}).get(MODEL_KEY)
    if built_with != wanted:
        raise IndexMismatch(
            f"the index in {location.label} was built with embedding model {built_with!r}, "
            f"but the settings use {wanted!r}: run `assistant ingest --rebuild`"
        )
    return collection


def vector_store(
    location: Location,
    settings: Settings,
    embeddings: Embeddings,
    *,
    create: bool,
    collection_name: str | None = None,
    slim: bool = False,
) -> Chroma:
    """The LangChain Chroma store of a location (the records collection unless ``collection_name`` names another,
    e.g. the views); checks the collection was built with the same model. ``create``: for an ingest, storing in
    the background (slim.py); ``slim``: it writes vectors and the filter fields only."""
    from langchain_chroma import Chroma  # LangChain's tracing stack: seconds of start-up a search does not need

    from assistant.index.slim import PipelinedChroma, SlimChroma

    name = collection_name or location.collection
    if not create:
        open_collection(location, settings, embeddings, name)
    return (Chroma if not create else SlimChroma if slim else PipelinedChroma)(
        collection_name=name,
        embedding_function=embeddings,
        client=location.client,
        collection_metadata={MODEL_KEY: model_id(embeddings)},
        collection_configuration={"hnsw": {"space": "cosine"}},
    )


def stored_model(location: Location, settings: Settings) -> str | None:
    """The embedding model id the collection was built with, or None if there is no collection."""
    try:
        collection = location.client.get_collection(location.collection, embedding_function=None)
    except Exception:
        return None
    except BaseException as exc:
        if is_engine_panic(exc):
            raise damaged(location.label, f"{type(exc).__name__}: {exc}") from None
        raise
    return (collection.metadata or {}).get(MODEL_KEY)
