"""Synthetic corpora for the growth section: chunks recombined from the seed records and random unit vectors,
both determined by a seed so a later process can regenerate the same index contents."""

from __future__ import annotations

import hashlib
import random
import re
from typing import Any

from benchmarks.harness import SEEDS


def synthetic_corpus(n_chunks: int, seed: int = 0) -> tuple[list[str], list[str], list[dict[str, Any]]]:
    """N chunks recombined from the seed records: sentences of the seed abstracts shuffled into new abstracts,
    titles built from seed title words, varied metadata in the exact shape of Record.metadata() + chunk/chunks.
    Most records are one chunk (as in the seeds); some have 2-3."""
    from assistant.records.corpus import load_corpus
    from assistant.records.model import content_id

    rng = random.Random(seed)
    records = load_corpus([SEEDS]).records
    sentences = [s for r in records for s in re.split(r"(?<=[.!?。])\s+", r.abstract) if len(s) > 25]
    title_words = sorted({w for r in records for w in re.split(r"[\s:：]+", r.title) if w})
    venues = sorted({r.venue for r in records if r.venue} | {"NeurIPS 2025", "MICCAI 2025", "ACL 2025", "CVPR 2026"})
    tracks = sorted({r.track for r in records if r.track})
    ids: list[str] = []
    texts: list[str] = []
    metas: list[dict[str, Any]] = []
    i = 0
    while len(texts) < n_chunks:
        kind = rng.choices(["paper", "call", "data", "other"], weights=[90, 4, 4, 2])[0]
        venue = rng.choice(venues) if kind in ("paper", "call") else ""
        year = rng.choice([2023, 2024, 2025, 2026]) if kind != "data" else 0
        presentation = rng.choice(["Oral", "Poster", "Poster", "Poster", "Spotlight", ""]) if kind == "paper" else ""
        track = rng.choice(tracks) if kind == "paper" else ""
        short = f"Syn{i}"
        title = f"{short}: " + " ".join(rng.sample(title_words, k=min(len(title_words), rng.randint(3, 8))))
        if kind == "paper":
            header = f"论文{venue} {presentation}{year} 年{track} {title}".replace("  ", " ")
        elif kind == "call":
            header = f"征稿与合作{venue}截止 {year}-06-30 {title}"
        elif kind == "data":
            header = f"数据资源synthetic resource开放访问 {title}"
        else:
            header = title
        url = f"https://github.com/synthetic/{short.lower()}" if rng.random() < 0.4 else ""
        n_pieces = min(rng.choices([1, 2, 3], weights=[80, 15, 5])[0], n_chunks - len(texts))
        bodies = [" ".join(rng.sample(sentences, k=rng.randint(4, 9))) for _ in range(n_pieces)]
        rid = content_id(header, " ".join(bodies))
        base = {
            "record_id": rid,
            "title": title,
            "header": header,
            "kind": kind,
            "short_name": short,
            "venue": venue,
            "presentation": presentation,
            "year": year,
            "track": track,
            "url": url,
            "has_code": bool(url),
            "sources": f"synthetic.txt:{2 * i + 1}",
        }
        for j, body in enumerate(bodies):
            if url and j == n_pieces - 1:
                body += f"\nCode/project link: {url}"
            ids.append(hashlib.sha256(f"{rid}:{j}".encode()).hexdigest())
            texts.append(f"{header}\n{body}")
            metas.append(base | {"chunk": j, "chunks": n_pieces})
        i += 1
    return ids, texts, metas


def synthetic_vectors(n_chunks: int, seed: int) -> Any:
    """``n_chunks`` random 384-d unit vectors (float32), the same for the same seed."""
    import numpy as np

    vectors = np.random.default_rng(seed).standard_normal((n_chunks, 384), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors
