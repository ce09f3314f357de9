"""What the UI knows about the index at start, and what it tells the user when there is none."""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.index.store import IndexUnavailable
from assistant.settings import Settings
from assistant.ui.markup import md_escape

INGEST_COMMAND = "assistant ingest"


@dataclass
class IndexInfo:
    """What the UI knows about the index at start: whether it is usable, and the filter choices."""

    ok: bool
    message: str = ""
    records: int = 0
    choices: dict[str, list[str]] = field(default_factory=dict)


def index_info(settings: Settings) -> IndexInfo:
    """Open the index (loading the retriever once) and read the filter choices from its catalog."""
    from assistant.retrieve.hybrid import get_retriever

    try:
        catalog = get_retriever(settings).catalog
    except IndexUnavailable as exc:
        return IndexInfo(False, str(exc))
    return IndexInfo(
        True,
        records=len(catalog.records),
        choices={
            "kind": sorted(v for v in catalog.values("kind") if v),
            "venue": list(catalog.venues),
            "presentation": sorted(v for v in catalog.values("presentation") if v),
            "year": sorted((str(v) for v in catalog.values("year") if v), reverse=True),
            "track": list(catalog.tracks),
        },
    )


def index_notice(exc: Exception) -> str:
    return (
        f"⚠️ **The index is not available.** Build it with `{INGEST_COMMAND}` (or `make ingest`), "
        f"then ask again.\n\nDetails: {md_escape(str(exc))}"
    )
