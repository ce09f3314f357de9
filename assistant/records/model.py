"""The Record: one paper, call for papers or data resource, with its provenance."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

Kind = Literal["paper", "call", "data", "other"]

# How the UI names each kind (filter choices, card chips).
KIND_LABELS: dict[str, str] = {
    "paper": "paper · 论文",
    "call": "call for papers · 征稿",
    "data": "data resource · 数据资源",
    "other": "other · 其他",
}


def kind_label(kind: str, lang: str) -> str:
    """A kind's name in one language ("论文" in a Chinese answer, "paper" in an English one)."""
    english, _, chinese = KIND_LABELS.get(kind, kind).partition(" · ")
    return chinese if lang == "zh" and chinese else english


def content_id(header: str, body: str) -> str:
    """Stable id of a record: a hash of its header and body text."""
    return hashlib.sha256(f"{header}\n{body}".encode()).hexdigest()[:16]


@dataclass(kw_only=True)
class RecordMeta:
    """The metadata that travels with a record through every layer: the Record itself, each retrieved
    Hit and each source card of the UI derive from this one definition."""

    title: str
    kind: Kind = "other"
    short_name: str = ""
    venue: str = ""
    presentation: str = ""
    year: int | None = None
    track: str = ""
    url: str = ""


META_FIELDS = tuple(f.name for f in fields(RecordMeta))


def meta_of(obj: Any) -> dict[str, Any]:
    """The RecordMeta fields of ``obj`` (a Record, a Hit, or anything with those attributes)."""
    return {name: getattr(obj, name) for name in META_FIELDS}


def meta_from_metadata(meta: dict[str, Any]) -> dict[str, Any]:
    """The RecordMeta fields read back from a chunk's stored metadata (see ``Record.metadata``)."""
    values = {name: meta.get(name, "") for name in META_FIELDS}
    values["year"] = meta.get("year") or None
    return values


@dataclass
class Record(RecordMeta):
    """A parsed record. ``sources`` lists every ``file:line`` where it occurs."""

    header: str
    abstract: str
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
            "header": self.header,
            **meta_of(self),
            "year": self.year or 0,  # Chroma stores no None
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
