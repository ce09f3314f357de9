"""The Record: one paper, call for papers or data resource, with its provenance."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Literal

Kind = Literal["paper", "call", "data", "other"]

KIND_LABELS: dict[str, str] = {"paper": "论文", "call": "征稿与合作", "data": "数据资源", "other": ""}


def content_id(header: str, body: str) -> str:
    """Stable id of a record: a hash of its header and body text."""
    return hashlib.sha256(f"{header}\n{body}".encode()).hexdigest()[:16]


@dataclass
class Record:
    """A parsed record. ``sources`` lists every ``file:line`` where it occurs."""

    header: str
    abstract: str
    title: str
    kind: Kind = "other"
    short_name: str = ""
    venue: str = ""
    presentation: str = ""
    year: int | None = None
    track: str = ""
    url: str = ""
    sources: list[str] = field(default_factory=list)
    id: str = ""

    def __post_init__(self) -> None:
        if not self.id:
            self.id = content_id(self.header, self.abstract)

    @property
    def has_code(self) -> bool:
        return bool(self.url)

    def metadata(self) -> dict[str, str | int | bool]:
        """Flat metadata as stored with every chunk (Chroma accepts only scalars)."""
        return {
            "record_id": self.id,
            "title": self.title,
            "header": self.header,
            "kind": self.kind,
            "short_name": self.short_name,
            "venue": self.venue,
            "presentation": self.presentation,
            "year": self.year or 0,
            "track": self.track,
            "url": self.url,
            "has_code": self.has_code,
            "sources": "\n".join(self.sources),
        }

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Problem:
    """A rejected input, named by file and line so the user can fix it."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}" if self.line else f"{self.path}: {self.message}"
