"""Server mode's generations: each build is its own collection, and a pointer collection names the live one.

A Chroma server is shared by every process that uses it (chat servers, the CLI, ingests on other hosts), so
the pointer lives on the server too: the metadata of the empty collection ``<collection>.current`` holds
``live`` (the collection that serves) and ``previous``. An ingest builds ``<collection>-g<time>-<pid>``
(seeded with a copy of the live collection for an incremental update), checks it holds every chunk, and
only then switches the pointer, so a killed ingest never leaves a partial collection serving and a
``--rebuild`` keeps the old collection serving until the new one is complete. Readers read the pointer on
each request (one small request) and reopen when it names another collection.
"""

from __future__ import annotations

import os
import time

import chromadb
from chromadb.errors import NotFoundError

POINTER_SUFFIX = ".current"
GENERATION_MARK = "-g"
COPY_PAGE = 1000


def pointer_name(collection: str) -> str:
    return f"{collection}{POINTER_SUFFIX}"


def new_name(collection: str) -> str:
    return f"{collection}{GENERATION_MARK}{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"


def _exists(client: chromadb.ClientAPI, name: str) -> bool:
    try:
        client.get_collection(name, embedding_function=None)
    except NotFoundError:
        return False
    return True


def pointer(client: chromadb.ClientAPI, collection: str) -> dict[str, str]:
    """The pointer's metadata ({"live": name, "previous": name}); {} when no build ever completed.

    A collection named exactly ``collection`` without a pointer (built before generations existed) is live."""
    try:
        meta = client.get_collection(pointer_name(collection), embedding_function=None).metadata or {}
    except NotFoundError:
        return {"live": collection} if _exists(client, collection) else {}
    return {key: str(value) for key, value in meta.items() if key in ("live", "previous")}


def live_collection(client: chromadb.ClientAPI, collection: str) -> str | None:
    return pointer(client, collection).get("live")


def switch(client: chromadb.ClientAPI, collection: str, live: str, previous: str | None) -> None:
    """Make ``live`` the serving collection: one metadata update on the server, seen by the next request."""
    meta = {"live": live, **({"previous": previous} if previous else {})}
    target = client.get_or_create_collection(pointer_name(collection), embedding_function=None, metadata=meta)
    target.modify(metadata=meta)


def copy_collection(client: chromadb.ClientAPI, source: str, target: str) -> int:
    """Copy every chunk (vectors included: nothing is embedded again) from ``source`` into ``target``."""
    src = client.get_collection(source, embedding_function=None)
    dst = client.get_collection(target, embedding_function=None)
    copied = 0
    while True:
        page = src.get(include=["embeddings", "documents", "metadatas"], limit=COPY_PAGE, offset=copied)
        if not page["ids"]:
            return copied
        dst.add(
            ids=page["ids"], embeddings=page["embeddings"], documents=page["documents"], metadatas=page["metadatas"]
        )
        copied += len(page["ids"])


def prune(client: chromadb.ClientAPI, collection: str) -> list[str]:
    """Delete the generations that neither serve nor just served (left by killed or superseded builds).

    Run under the ingest lock. Ingests on other hosts do not share that lock: run ingests from one host."""
    keep = set(pointer(client, collection).values())
    if not keep:
        return []
    stale = [
        c.name
        for c in client.list_collections()
        if c.name.startswith(f"{collection}{GENERATION_MARK}")
        and not any(c.name == k or c.name.startswith(f"{k}_") for k in keep)  # a kept one's views too
    ]
    for name in stale:
        try:
            client.delete_collection(name)
        except NotFoundError:
            pass
    return stale
