"""Ingest: records -> chunks -> embeddings -> Chroma, idempotent and incremental via LangChain's indexing API.

Chunk ids are content hashes, so an unchanged corpus writes nothing, one changed record rewrites
only its chunks and a removed record is cleaned up (``cleanup="full"``). One ingest at a time
(a file lock); embedded builds go to a new generation directory that is switched in atomically.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TextIO

from chromadb.errors import NotFoundError
from filelock import FileLock, Timeout
from langchain_classic.indexes import SQLRecordManager
from langchain_core.documents import Document
from langchain_core.indexing import index
from tqdm import tqdm

from assistant.index import catalog, readcopy, sentences, server, store
from assistant.index.chunks import chunk_records, view_docs
from assistant.index.embeddings import get_embeddings, model_id
from assistant.records.corpus import Corpus, load_corpus
from assistant.settings import Settings


class IngestLocked(RuntimeError):
    """Another ingest holds the lock."""


class SourcesUnreadable(RuntimeError):
    """Some sources could not be read: nothing is written, so their records are not deleted from the index."""

    def __init__(self, problems: list) -> None:
        names = "; ".join(str(p) for p in problems)
        super().__init__(
            f"{len(problems)} source(s) cannot be read: {names}. Nothing was changed in the index; make them "
            "readable, or leave them out of the sources to drop their records"
        )
        self.problems = problems


@dataclass
class IngestReport:
    records: int = 0
    occurrences: int = 0
    chunks: int = 0
    added: int = 0
    updated: int = 0
    skipped: int = 0
    deleted: int = 0
    conflicts: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    sentences: int = 0  # sentence-store entries (see index/sentences.py)
    sentences_added: int = 0
    sentences_deleted: int = 0
    location: str = ""
    rebuilt: bool = False
    seconds: float = 0.0
    embed_seconds: float = 0.0  # writing the vectors: embedding the new chunks and storing them
    sentence_seconds: float = 0.0  # the same for the new sentences

    def to_dict(self) -> dict:
        return asdict(self) | {"chunks_per_s": self.chunks_per_s, "sentences_per_s": self.sentences_per_s}

    @property
    def chunks_per_s(self) -> float:
        """Chunks embedded and stored per second of the vector step (0 when nothing was written)."""
        written = self.added + self.updated
        return written / self.embed_seconds if written and self.embed_seconds > 0 else 0.0

    @property
    def sentences_per_s(self) -> float:
        """Sentences embedded and stored per second of their step (0 when none was written)."""
        written = self.sentences_added
        return written / self.sentence_seconds if written and self.sentence_seconds > 0 else 0.0


def chunk_key(doc: Document) -> str:
    """Stable content-hash id of a chunk (text and metadata)."""
    meta = json.dumps(doc.metadata, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(f"{doc.page_content}\x1f{meta}".encode()).hexdigest()


@contextmanager
def ingest_lock(settings: Settings) -> Iterator[None]:
    """Hold an exclusive lock for the whole ingest; a second one fails at once with a clear message.

    The holder's pid is written beside the lock (``ingest.lock.pid``) so the message can name it.
    """
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    path = settings.data_dir / "ingest.lock"
    holder_file = path.with_name(path.name + ".pid")
    lock = FileLock(path, blocking=False)
    try:
        lock.acquire()
    except Timeout:
        holder = holder_file.read_text(encoding="utf-8").strip() if holder_file.exists() else "unknown"
        raise IngestLocked(
            f"another ingest is running (pid {holder}, lock {path}); wait for it to finish, then run ingest again"
        ) from None
    except OSError as exc:
        raise IngestLocked(f"cannot take the ingest lock {path}: {exc.strerror or exc}") from None
    try:
        holder_file.write_text(str(os.getpid()), encoding="utf-8")
        yield
    finally:
        holder_file.unlink(missing_ok=True)
        lock.release()


def tidy_index(settings: Settings) -> list[Path]:
    """Start-up cleanup of what killed builds left (embedded mode); nothing while another ingest holds the lock
    (it may be building a generation), and nothing on a read-only data folder. Returns what was removed."""
    if settings.index.chroma_url or not settings.index_dir.is_dir():
        return []
    try:
        with ingest_lock(settings):
            return store.prune_generations(settings)
    except (IngestLocked, OSError):
        return []


PROGRESS_EVERY = 500  # chunks between progress lines when stderr is not a terminal (a log, a CI job)


def progress_lines(docs: list[Document], out: TextIO) -> Iterator[Document]:
    """The chunks, with one plain progress line per PROGRESS_EVERY of them (only for ingests that long)."""
    started = time.perf_counter()
    for n, doc in enumerate(docs, start=1):
        yield doc
        if n % PROGRESS_EVERY == 0 and n < len(docs):
            rate = n / max(time.perf_counter() - started, 1e-9)
            left = (len(docs) - n) / rate
            print(f"embedded {n}/{len(docs)} chunks ({rate:.1f}/s, about {left:.0f} s left)", file=out, flush=True)


def record_manager(location: store.Location, namespace: str) -> SQLRecordManager:
    location.record_db.parent.mkdir(parents=True, exist_ok=True)
    manager = SQLRecordManager(namespace, db_url=f"sqlite:///{location.record_db}")
    manager.create_schema()
    return manager


Stores = list[tuple[str, list[Document]]]


def stores_of(settings: Settings, corpus: Corpus, docs: list[Document]) -> Stores:
    """(collection, documents) of every collection an ingest writes: the records' chunks, their views, then
    their sentences (the sentence store of index/sentences.py)."""
    views = view_docs(corpus.records, settings.index.views)
    return [
        (settings.index.collection, docs),
        (store.views_collection(settings.index.collection), views),
        (sentences.collection_name(settings.index.collection), sentences.sentence_docs(corpus.records)),
    ]


def _index_into(
    location: store.Location, stores: Stores, settings: Settings, report: IngestReport, progress: bool | str
) -> None:
    """Index the record chunks, then each further collection (views, sentences); the report counts the chunks and
    the sentences, each with the seconds spent embedding and storing them."""
    for i, (name, docs) in enumerate(stores):
        source: Iterable[Document] = docs
        if i == 0 and progress == "lines":
            source = progress_lines(docs, sys.stderr)
        elif i == 0 and progress:
            source = tqdm(docs, desc="embedding chunks", unit="chunk", leave=False)
        slim = i == 0 and location.path is not None  # an embedded generation's chunks: their texts are in the catalog
        target = physical(location, name)
        vectors = store.vector_store(
            location, settings, get_embeddings(settings), create=True, collection_name=target, slim=slim
        )
        started = time.perf_counter()
        found = index(
            source,
            record_manager(location, f"chroma/{name}"),
            vectors,
            cleanup="full",
            source_id_key="record_id",
            key_encoder=chunk_key,
            batch_size=settings.index.embed_batch,
        )
        vectors.flush()  # type: ignore[attr-defined]  # PipelinedChroma: the last batch is stored
        seconds = time.perf_counter() - started
        if i == 0:
            report.added, report.skipped = found["num_added"], found["num_skipped"]
            report.updated, report.deleted, report.embed_seconds = found["num_updated"], found["num_deleted"], seconds
        elif name == sentences.collection_name(settings.index.collection):
            report.sentences_added, report.sentences_deleted = found["num_added"], found["num_deleted"]
            report.sentence_seconds = seconds


def _live_state(location: store.Location, stores: Stores) -> str:
    """ "unchanged" when the live index holds exactly these documents (nothing to write), "consistent" when each
    record manager and its collection agree (an incremental update is safe; a missing views collection is
    added), else "inconsistent" (rebuild)."""
    if not location.record_db.exists():
        return "inconsistent"
    same = True
    for i, (name, wanted) in enumerate(stores):
        keys = set(record_manager(location, f"chroma/{name}").list_keys())
        try:
            stored = location.client.get_collection(physical(location, name), embedding_function=None).count()
        except Exception:  # no such collection: an index built before the views
            if i == 0:
                raise
            stored = 0
        if stored != len(keys):
            return "inconsistent"
        same = same and keys == {chunk_key(d) for d in wanted}
    return "unchanged" if same else "consistent"


def _summarise(corpus: Corpus, docs: list[Document], report: IngestReport) -> None:
    report.records, report.occurrences, report.chunks = len(corpus.records), corpus.occurrences, len(docs)
    report.conflicts = [str(c) for c in corpus.conflicts]
    report.rejected = [str(p) for p in corpus.problems]


def ingest(settings: Settings, *, rebuild: bool = False, progress: bool | str = True) -> IngestReport:
    """Bring the index in line with the record files. Raises IngestLocked if another ingest runs.

    ``progress``: True for a terminal progress bar, "lines" for plain progress lines (stderr not a terminal)."""
    started = time.perf_counter()
    report = IngestReport()
    with ingest_lock(settings):
        corpus = load_corpus(settings.sources, settings.index.max_line_chars)
        if corpus.unreadable:
            raise SourcesUnreadable(corpus.unreadable)
        docs = chunk_records(corpus.records, settings.index.chunk_tokens, settings.index.chunk_overlap)
        stores = stores_of(settings, corpus, docs)
        report.sentences = len(stores[-1][1])
        _summarise(corpus, docs, report)
        if not docs:
            report.seconds = time.perf_counter() - started
            return report
        wanted = model_id(get_embeddings(settings))
        if settings.index.chroma_url:
            _ingest_server(settings, stores, wanted, rebuild, report, progress)
        else:
            live = store.current_generation(settings)
            live_model = None if live is None or rebuild else _readable_model(live, settings)
            state = _safe_live_state(live, stores, settings) if live is not None and live_model == wanted else ""
            if state == "unchanged":
                assert live is not None
                unsealed = not (live / readcopy.MANIFEST).exists()  # by an earlier version: its catalog is unchecked
                if unsealed or not catalog.is_current(catalog.generation_folder(live), len(docs)):
                    print(f"{live}: writing its catalog and BM25 index", file=sys.stderr)
                    fresh = catalog.tokens_for(None, [chunk_key(d) for d in docs], [d.page_content for d in docs])
                    _write_catalog(store.generation_location(live, settings), docs, settings, tokens=fresh)
                    readcopy.seal(live)  # readers skip the probe and trust the catalog now
                store.prune_generations(settings)
                report.skipped, report.location = len(docs), f"embedded {live}"
                report.seconds = time.perf_counter() - started
                return report
            reuse = state == "consistent"  # else: another model, or a damaged index: build afresh
            report.rebuilt = live is not None and not reuse
            generation = store.new_generation(settings, live if reuse else None)
            location = store.generation_location(generation, settings)
            report.location = location.label
            _build(location, stores, settings, report, progress)
            readcopy.seal(generation)  # after every file of the generation is written
            store.switch_generation(settings, generation)
            store.prune_generations(settings, previous=live)
    report.seconds = time.perf_counter() - started
    return report


def _build(
    location: store.Location,
    stores: Stores,
    settings: Settings,
    report: IngestReport,
    progress: bool | str,
    previous: Path | None = None,
) -> None:
    """Embed and store every collection, verify them, write the catalog; the chunks' BM25 tokens are computed in
    a thread meanwhile (the embedding engine releases the GIL), those of kept chunks read from the catalog."""
    docs = stores[0][1]
    ids, texts = [chunk_key(d) for d in docs], [d.page_content for d in docs]
    with ThreadPoolExecutor(1, thread_name_prefix="catalog-tokens") as pool:
        tokens = pool.submit(catalog.tokens_for, previous or catalog.live_folder(settings, location), ids, texts)
        _index_into(location, stores, settings, report, progress)
        _verify(location, stores)
        _write_catalog(location, docs, settings, previous, tokens.result())


def _write_catalog(
    location: store.Location,
    docs: list[Document],
    settings: Settings,
    previous: Path | None = None,
    tokens: list[list[str]] | None = None,
) -> None:
    """The catalog and BM25 index of exactly these chunks (the collection holds them after ``index``), in the
    collection's ids (the chunk keys); the chunks an incremental ingest kept reuse their stored tokens.
    Called after the vectors are written and before the generation switch (and the seal), so it goes live with
    the vectors; ``previous``: the live catalog an incremental server-mode build reuses tokens from."""
    ids = [chunk_key(d) for d in docs]
    folder = catalog.live_folder(settings, location)
    catalog.write_catalog(folder, ids, [d.page_content for d in docs], [d.metadata for d in docs], tokens, previous)


def _ingest_server(
    settings: Settings, stores: Stores, wanted: str, rebuild: bool, report: IngestReport, progress: bool | str
) -> None:
    """Server mode: build a new collection (a copy of the live one for an incremental update), verify it, then
    switch the pointer; the live collection keeps serving until then, and is never written."""
    live = store.live_server_collection(settings)
    live_location = store.server_location(settings, live) if live else None
    state = ""
    if live_location is not None and not rebuild and store.stored_model(live_location, settings) == wanted:
        state = _live_state(live_location, stores)
    if state == "unchanged" and live_location is not None:
        if not catalog.is_current(catalog.live_folder(settings, live_location), len(stores[0][1])):
            _write_catalog(live_location, stores[0][1], settings)  # a live index built before catalogs
        _prune_server(settings)
        report.skipped, report.location = len(stores[0][1]), live_location.label
        return
    reuse = state == "consistent"
    report.rebuilt = live is not None and not reuse
    location = store.server_location(settings, server.new_name(settings.index.collection))
    report.location = location.label
    if reuse and live_location is not None:
        for name, _ in stores:  # created with the project's configuration, then filled with the live copy
            target = physical(location, name)
            store.vector_store(location, settings, get_embeddings(settings), create=True, collection_name=target)
            try:
                server.copy_collection(location.client, physical(live_location, name), target)
            except NotFoundError:  # a live index built before the views: they are indexed afresh
                pass
        shutil.copyfile(live_location.record_db, location.record_db)
    previous = catalog.live_folder(settings, live_location) if reuse and live_location is not None else None
    _build(location, stores, settings, report, progress, previous)
    server.switch(location.client, settings.index.collection, location.collection, live)
    _prune_server(settings)


def _prune_server(settings: Settings) -> None:
    """Delete collections of killed or superseded builds, and their record-manager databases."""
    client = store.server_client(settings.index.chroma_url or "")
    for name in server.prune(client, settings.index.collection):
        store.server_location(settings, name).record_db.unlink(missing_ok=True)
    catalog.prune_server(settings, set(server.pointer(client, settings.index.collection).values()))


def physical(location: store.Location, name: str) -> str:
    """The collection that holds ``name`` (a collection named by the settings) in ``location``: server-mode
    generations rename the records collection, and its views follow it."""
    base = location.collection.split(server.GENERATION_MARK, 1)[0]
    return location.collection + name[len(base) :] if name.startswith(base) else name


def _readable_model(generation: Path, settings: Settings) -> str | None:
    """The model id of a generation, or None when it cannot be read (a damaged index is rebuilt, not reused)."""
    try:
        return store.stored_model(store.read_location(generation, settings), settings)
    except Exception:  # IndexDamaged, or one of the many errors chromadb raises for a damaged directory
        return None


def _safe_live_state(generation: Path, stores: Stores, settings: Settings) -> str:
    """``_live_state`` of a generation (read from its checked copy); "" (rebuild from the sources) when the
    engine fails on its files."""
    try:
        return _live_state(store.read_location(generation, settings), stores)
    except Exception:
        return ""
    except BaseException as exc:  # the Rust engine's panic on a damaged file
        if store.is_engine_panic(exc):
            return ""
        raise


def _verify(location: store.Location, stores: Stores) -> None:
    """Check a new generation before it goes live: every chunk (and every view) is stored."""
    for i, (name, docs) in enumerate(stores):
        count = location.client.get_collection(physical(location, name), embedding_function=None).count()
        expected = len(docs)
        if count != expected:
            what = "chunks" if i == 0 else f"entries in {name}"
            raise RuntimeError(
                f"new index holds {count} {what}, {expected} expected: not switched; previous index kept"
            )
