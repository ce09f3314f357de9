"""Load every record file, merge exact duplicates and report conflicting ones."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from assistant.records.model import Problem, Record
from assistant.records.parse import parse_bytes, read_source, walk_sources


@dataclass
class Conflict:
    """One title that occurs with different bodies: the records are kept apart."""

    title: str
    record_ids: list[str]
    sources: list[str]

    def __str__(self) -> str:
        return f"{self.title!r} has {len(self.record_ids)} different versions ({', '.join(self.sources)})"


@dataclass
class Corpus:
    records: list[Record] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    occurrences: int = 0
    files: int = 0
    unreadable: list[Problem] = field(default_factory=list)  # sources that could not be read at all


def merge(records: Iterable[Record]) -> tuple[list[Record], list[Conflict], int]:
    """Merge exact duplicates (same header and body) keeping every occurrence; find same-title conflicts."""
    by_id: dict[str, Record] = {}
    occurrences = 0
    for record in records:
        occurrences += 1
        if record.id in by_id:
            by_id[record.id].sources.extend(s for s in record.sources if s not in by_id[record.id].sources)
        else:
            by_id[record.id] = record
    by_title: dict[str, list[Record]] = defaultdict(list)
    for record in by_id.values():
        by_title[record.title].append(record)
    conflicts = [
        Conflict(title, [r.id for r in group], [r.sources[0] for r in group])
        for title, group in by_title.items()
        if len(group) > 1
    ]
    return list(by_id.values()), conflicts, occurrences


def load_corpus(sources: Iterable[Path], max_line_chars: int = 20_000) -> Corpus:
    """Read all record files below ``sources``; problems are collected, never raised. A source that cannot be
    read goes to ``unreadable`` (its records are unknown, not absent: an ingest must not delete them)."""
    parsed: list[Record] = []
    corpus = Corpus()
    files, corpus.unreadable = walk_sources(sources)
    for path in files:
        corpus.files += 1
        data = read_source(path)
        if isinstance(data, Problem):
            corpus.unreadable.append(data)
            continue
        records, problems = parse_bytes(path, data, max_line_chars)
        parsed.extend(records)
        corpus.problems.extend(problems)
    corpus.records, corpus.conflicts, corpus.occurrences = merge(parsed)
    return corpus
