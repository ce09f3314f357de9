"""The catalog: every chunk's id, text and metadata plus the BM25 index over them, persisted at ingest.

On disk (a ``catalog/`` folder inside the Chroma generation, or beside a Chroma server's data, see ``location``):

- ``rows.sqlite``: one row per chunk (row number, chunk id, record id, text, metadata JSON, BM25 tokens),
  opened read-only and immutable; texts and metadata are read per row, never all at once;
- ``codes.npy``: the filter fields (``FILTER_KEYS``) as small integer codes, one column per field, memory-mapped:
  a filter is a vectorised comparison of codes, with no record materialised in Python;
- ``bm25/``: the bm25s index, memory-mapped (``retrieve.lexical``);
- ``manifest.json``: format version, the tokenizer's version (``text.tokenizer_version``: a catalog tokenized by
  another is re-tokenized from its own texts when opened and rewritten by the next ingest, never searched with
  tokens a question would not produce), counts, each field's values (the codes' meaning), venues and tracks.

A catalog is written into a temporary folder and renamed into place, inside a generation that is not live
yet (the generation's pointer switch publishes both), so a crash never leaves a half-written catalog in use.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import sys
from collections.abc import Mapping, Sequence
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.index.rows import CatalogMissing, RecordRows, Rows
from assistant.retrieve.filters import FILTER_KEYS, Filters
from assistant.retrieve.lexical import Lexical, chunk_tokens
from assistant.retrieve.text import tokenizer_version
from assistant.settings import Settings

if TYPE_CHECKING:
    from assistant.index.store import Location

FORMAT = 1
TOKEN_SEP = "\x1f"


def filter_codes(metas: Sequence[Mapping[str, Any]]) -> tuple[np.ndarray, dict[str, list[Any]]]:
    """The filter fields of every chunk as integer codes (rows x FILTER_KEYS) and each field's values by code."""
    codes = np.zeros((len(metas), len(FILTER_KEYS)), dtype=np.int32)
    vocab: dict[str, list[Any]] = {}
    for j, key in enumerate(FILTER_KEYS):
        seen: dict[Any, int] = {}
        for i, meta in enumerate(metas):
            value = meta.get(key)
            marker = (type(value).__name__, value)  # True and 1 are different values of different fields
            codes[i, j] = seen.setdefault(marker, len(seen))
        vocab[key] = [value for _, value in seen]
    return codes, vocab


class Catalog:
    """Every chunk of one index: ``ids``, ``texts``, ``metas`` (sequences by row), ``row`` (chunk id -> row),
    ``records`` (record id -> rows), the filter codes and the BM25 index. ``Catalog(ids, texts, metas)`` holds
    them in memory; ``Catalog.open(folder)`` reads a persisted one lazily."""

    def __init__(self, ids: list[str], texts: list[str], metas: list[dict[str, Any]]) -> None:
        self.ids: Sequence[str] = ids
        self.texts: Sequence[str] = texts
        self.metas: Sequence[dict[str, Any]] = metas
        self.row: Mapping[str, int] = {cid: i for i, cid in enumerate(ids)}
        records: dict[str, list[int]] = {}
        for i, meta in enumerate(metas):
            records.setdefault(meta["record_id"], []).append(i)
        self.records: Mapping[str, list[int]] = records
        self.codes, self.vocab = filter_codes(metas)
        self.venues, self.tracks = distinct(metas, "venue"), distinct(metas, "track")
        self.lexical = Lexical.build([chunk_tokens(t) for t in texts])

    @classmethod
    def open(cls, folder: Path) -> Catalog:
        """A persisted catalog; CatalogMissing when there is none usable in ``folder``."""
        try:
            manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CatalogMissing(f"no catalog in {folder} ({type(exc).__name__})") from None
        if manifest.get("format") != FORMAT:
            raise CatalogMissing(f"the catalog in {folder} has format {manifest.get('format')}, {FORMAT} expected")
        self = cls.__new__(cls)
        try:  # a damaged file (an index built before generations were sealed) is rebuilt, never a crash
            rows = Rows(folder / "rows.sqlite")
            self.ids, self.texts, self.metas = rows.column("id"), rows.column("text"), rows.column("meta")
            self.row, self.records = rows.row_of(), rows.records(int(manifest["records"]))
            self.codes = np.load(folder / "codes.npy", mmap_mode="r")
            self.vocab, self.venues, self.tracks = manifest["vocab"], manifest["venues"], manifest["tracks"]
            if manifest.get("tokenizer") == tokenizer_version():
                self.lexical = Lexical.load(folder / "bm25", int(manifest["count"]))
            else:  # its stored tokens would not match a question's: the chunks' own texts, tokenized again
                print(
                    f"the catalog in {folder} was tokenized by another version of the tokenizer: re-tokenizing its "
                    f"{len(self.ids)} chunks for this process (`assistant ingest` stores them)",
                    file=sys.stderr,
                )
                self.lexical = Lexical.build([chunk_tokens(text) for text in self.texts])
        except (OSError, ValueError, KeyError, TypeError, sqlite3.DatabaseError) as exc:
            raise CatalogMissing(f"the catalog in {folder} cannot be read ({type(exc).__name__}: {exc})") from None
        return self

    def __len__(self) -> int:
        return len(self.codes)

    def allowed(self, filters: Filters) -> np.ndarray:
        """Rows whose metadata match ``filters``: a list value matches any of its items."""
        mask, together = np.ones(len(self), dtype=bool), np.ones(len(self), dtype=bool)
        for key, value, polarity in filters.clauses():
            values = value if isinstance(value, list) else [value]
            matching = [code for code, v in enumerate(self.vocab[key]) if any(same(v, w) for w in values)]
            hit = np.isin(self.codes[:, FILTER_KEYS.index(key)], matching)
            if polarity == "exclude_together":
                together &= hit
            else:
                mask &= hit if polarity == "include" else ~hit
        return mask & ~together if filters.together else mask

    def bm25_scores(self, terms: list[str]) -> np.ndarray:
        return self.lexical.scores(terms)

    def first_rows(self) -> dict[str, int]:
        """record id -> the row of its first chunk, for every record."""
        if isinstance(self.records, RecordRows):
            return self.records.first_rows()
        return {rid: min(rows) for rid, rows in self.records.items()}

    def values(self, key: str) -> list[Any]:
        """The distinct values of a filter field (``FILTER_KEYS``) over every chunk, without reading the rows."""
        return list(self.vocab[key])


def same(stored: Any, wanted: Any) -> bool:
    """Filter equality as Chroma's ``where`` applies it: equal values of the same kind (a bool is not an int)."""
    return isinstance(stored, bool) == isinstance(wanted, bool) and stored == wanted


def distinct(metas: Sequence[Mapping[str, Any]], key: str) -> list[str]:
    return sorted({m[key] for m in metas if m.get(key)})


def stored_tokens(folder: Path | None) -> dict[str, list[str]]:
    """chunk id -> BM25 tokens of a previous catalog (reused by an incremental build); empty when there is none or
    it was tokenized by another version of the tokenizer."""
    path = folder / "rows.sqlite" if folder else None
    if folder is None or path is None or not path.is_file() or not _tokenized_here(folder):
        return {}
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
            return {cid: tokens.split(TOKEN_SEP) for cid, tokens in db.execute("SELECT id, tokens FROM chunks")}
    except (sqlite3.Error, ValueError):  # a damaged catalog (ValueError: text that is not UTF-8): tokenize afresh
        return {}


def write_catalog(
    folder: Path,
    ids: Sequence[str],
    texts: Sequence[str],
    metas: Sequence[Mapping[str, Any]],
    tokens: Sequence[list[str]] | None = None,
    previous: Path | None = None,
) -> None:
    """Write the catalog of these chunks to ``folder``, replacing what is there. Tokens come from ``tokens``, else
    from the ``previous`` catalog (default: the one being replaced; the chunks an incremental ingest keeps), else
    from tokenizing the text."""
    if tokens is None:
        tokens = tokens_for(previous or folder, ids, texts)
    tmp = folder.with_name(f"{folder.name}.{os.getpid()}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    with sqlite3.connect(tmp / "rows.sqlite") as db:
        db.execute(
            "CREATE TABLE chunks (row INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, record_id TEXT NOT NULL, "
            "text TEXT NOT NULL, meta TEXT NOT NULL, tokens TEXT NOT NULL)"
        )
        db.executemany(
            "INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?)",
            (
                (i, cid, meta["record_id"], text, json.dumps(dict(meta), ensure_ascii=False), TOKEN_SEP.join(toks))
                for i, (cid, text, meta, toks) in enumerate(zip(ids, texts, metas, tokens, strict=True))
            ),
        )
        db.execute("CREATE INDEX chunks_record ON chunks (record_id, row)")
    codes, vocab = filter_codes(metas)
    np.save(tmp / "codes.npy", codes)
    Lexical.build(tokens).save(tmp / "bm25")
    manifest = {
        "format": FORMAT,
        "tokenizer": tokenizer_version(),
        "count": len(ids),
        "records": len({m["record_id"] for m in metas}),
        "vocab": vocab,
        "venues": distinct(metas, "venue"),
        "tracks": distinct(metas, "track"),
    }
    (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    if folder.exists():
        shutil.rmtree(folder)
    os.replace(tmp, folder)


def tokens_for(previous: Path | None, ids: Sequence[str], texts: Sequence[str]) -> list[list[str]]:
    """The BM25 tokens of these chunks: those stored in the ``previous`` catalog (kept chunks), else computed."""
    known = stored_tokens(previous)
    return [known.get(cid) or chunk_tokens(text) for cid, text in zip(ids, texts, strict=True)]


def _manifest(folder: Path) -> dict[str, Any]:
    try:
        found = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def _tokenized_here(folder: Path) -> bool:
    return _manifest(folder).get("tokenizer") == tokenizer_version()


def is_current(folder: Path, count: int) -> bool:
    """Whether ``folder`` holds a catalog of this format, tokenizer and ``count`` chunks (read from its manifest)."""
    manifest = _manifest(folder)
    return (
        manifest.get("format") == FORMAT
        and manifest.get("count") == count
        and manifest.get("tokenizer") == tokenizer_version()
        and (folder / "rows.sqlite").is_file()
    )


def read_collection(collection: Any, page: int = 5000) -> tuple[list[str], list[str], list[dict[str, Any]]]:
    """Every chunk of a Chroma collection (ids, texts, metadata), read a page at a time: one get() of everything
    fails past ~30k chunks with "too many SQL variables" (see benchmarks/, section "growth")."""
    ids: list[str] = []
    texts: list[str] = []
    metas: list[dict[str, Any]] = []
    while True:
        data = collection.get(include=["documents", "metadatas"], limit=page, offset=len(ids))
        if any(text is None for text in data["documents"] or []):  # a slim collection (slim.py): texts are gone
            raise CatalogMissing("its catalog is missing, and the collection keeps no chunk texts to rebuild it from")
        ids += data["ids"]
        texts += data["documents"]
        metas += [dict(m) for m in data["metadatas"]]
        if len(data["ids"]) < page:
            return ids, texts, metas


def server_home(settings: Settings) -> Path:
    """Where the catalogs of a Chroma server's collection live: the data dir, keyed by server and collection."""
    from assistant.index.store import server_key

    return settings.data_dir / "server-catalog" / server_key(settings)


def live_folder(settings: Settings, location: Location) -> Path:
    """The catalog folder of the index at ``location`` (it may not exist yet): inside an embedded generation, or
    for a server-mode generation (a collection of its own) a folder named after that collection."""
    if location.path is not None:
        return generation_folder(location.path)
    return server_home(settings) / location.collection


def generation_folder(generation: Path) -> Path:
    """The catalog folder inside an embedded generation."""
    return generation / "catalog"


def prune_server(settings: Settings, live: set[str]) -> None:
    """Delete the server-mode catalogs of collections that are gone (killed or superseded builds)."""
    home = server_home(settings)
    for folder in home.glob("*") if home.is_dir() else []:
        if folder.name.split(".", 1)[0] not in live:
            shutil.rmtree(folder, ignore_errors=True)


def open_catalog(settings: Settings, location: Location, collection: Any) -> Catalog:
    """The persisted catalog of the index. One that is missing (an index built before catalogs were persisted),
    of another format or not matching the collection's size is rebuilt once from the collection, with a message;
    where it cannot be written (a read-only data dir) it is held in memory for this process."""
    folder = live_folder(settings, location)
    count = collection.count()
    try:
        catalog = Catalog.open(folder)
        if len(catalog) == count:
            return catalog
        reason = f"the catalog in {folder} holds {len(catalog)} chunks, the collection {count}"
    except CatalogMissing as exc:
        reason = str(exc)
    print(f"{reason}: rebuilding the catalog and BM25 index from {location.label} (once)", file=sys.stderr)
    try:
        ids, texts, metas = read_collection(collection)
    except CatalogMissing as exc:
        from assistant.index.store import damaged

        raise damaged(location.label, str(exc)) from None
    try:
        write_catalog(folder, ids, texts, metas)
        return Catalog.open(folder)
    except OSError as exc:
        print(f"cannot save the rebuilt catalog ({exc}); it is kept in memory for this process", file=sys.stderr)
        return Catalog(ids, texts, metas)
