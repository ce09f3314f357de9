"""Shared builders, invariants and hypothesis strategies for the record-parser fuzz tests."""

from __future__ import annotations

import codecs
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from assistant.records.header import KNOWN_TRACKS
from assistant.records.model import Problem, Record
from assistant.records.parse import KIND_PREFIXES, read_file

LIMIT = 20_000
FILE_LEVEL = ("empty file", "binary file", "cannot read", "no record header")
VENUES = ("ICLR 2026", "Nature Medicine", "NeurIPS 2025", "npj Digital Medicine", "MICCAI")
CATEGORIES = ("期刊专刊", "会议", "")
ACCESS = ("开放访问", "申请访问", "受限访问")
FUZZ_FILES = 1_000

# A file is a list of items: a record (header line, body line), a lone header line (str) or a junk line (bytes).
Item = tuple[str, str] | str | bytes


def paper_header(venue: str, presentation: str, year: int, track: str, title: str) -> str:
    return f"论文{venue} {presentation}{year} 年{track} {title}"


def call_header(venue: str, year: int, category: str, title: str) -> str:
    return f"征稿与合作{venue}截止 北京时间 {year}-04-30{category} {title}"


def data_header(description: str, access: str, title: str) -> str:
    return f"数据资源{description}{access} {title}"


def headerish(line: bytes) -> bool:
    """Could this line be taken for a record header (a kind prefix, maybe after a BOM)?"""
    return line.removeprefix(codecs.BOM_UTF8).decode("utf-8", "replace").startswith(KIND_PREFIXES)


def assemble(
    items: list[Item], newline: bytes = b"\n", bom: bool = False, trailing: bool = True
) -> tuple[bytes, list[int]]:
    """The file's bytes and the line number where each item starts."""
    lines: list[bytes] = []
    starts: list[int] = []
    for item in items:
        starts.append(len(lines) + 1)
        if isinstance(item, bytes):
            lines.append(item)
        elif isinstance(item, str):
            lines.append(item.encode())
        else:
            lines += [item[0].encode(), item[1].encode()]
    data = newline.join(lines) + (newline if trailing and lines else b"")
    return (codecs.BOM_UTF8 if bom else b"") + data, starts


def records_of(items: list[Item], starts: list[int]) -> list[tuple[tuple[str, str], int]]:
    """The records among the items, each with the line of its header."""
    return [(item, n) for item, n in zip(items, starts, strict=False) if isinstance(item, tuple)]


def parse(path: Path, data: bytes, limit: int = LIMIT) -> tuple[list[Record], list[Problem]]:
    path.write_bytes(data)
    return read_file(path, limit)


def location(source: str) -> tuple[Path, int]:
    file, _, line = source.rpartition(":")
    return Path(file).resolve(), int(line)


def check_invariants(path: Path, data: bytes, records: list[Record], problems: list[Problem]) -> None:
    """Every problem and record points into this file, at a line that exists."""
    last_line = max(data.count(b"\n"), data.count(b"\r")) + 1  # an upper bound, also for UTF-16 and CR-only text
    for problem in problems:
        assert Path(problem.path).resolve() == path.resolve(), problem
        assert str(problem).startswith(problem.path)
        assert (problem.line == 0) == problem.message.startswith(FILE_LEVEL), problem
        assert 0 <= problem.line <= last_line, problem
    for record in records:
        [source] = record.sources
        file, line = location(source)
        assert file == path.resolve() and 1 <= line <= last_line, source
        assert record.abstract.strip() and record.id


def standalone(path: Path, record: tuple[str, str]) -> Record:
    """The record parsed from a file of its own: every generated record must be valid."""
    records, problems = parse(path, f"{record[0]}\n{record[1]}\n".encode())
    assert problems == [] and len(records) == 1, (record, problems)
    return records[0]


def assert_found(records: list[Record], expected: list[tuple[str, int]]) -> None:
    """Each (header, line) expected is among the records, with that line as its source."""
    found = {(r.header, location(r.sources[0])[1]) for r in records}
    missing = [e for e in expected if e not in found]
    assert not missing, (missing, sorted(found))


def planted(path: Path, items: list[Item], starts: list[int]) -> list[tuple[str, int]]:
    """(header, line) of every record among the items, checked valid on its own first."""
    return [(standalone(path, record).header, line) for record, line in records_of(items, starts)]


def complete_before(data: bytes, expected: list[tuple[str, int]], cut: int) -> list[tuple[str, int]]:
    """The records whose body line ends before byte ``cut`` (a CR before the cut newline does not count)."""
    lines = data.split(b"\n")
    return [(h, n) for h, n in expected if len(b"\n".join(lines[: n + 1]).rstrip(b"\r")) <= cut]


# ---------------------------------------------------------------- hypothesis strategies

free_text = st.text(st.characters(codec="utf-8", exclude_characters="\n\r\x00"), min_size=1, max_size=40).filter(
    str.strip
)
venue = st.sampled_from(VENUES)
year = st.integers(1990, 2029)
header = st.one_of(
    st.builds(
        paper_header,
        venue,
        st.sampled_from(["Poster", "Oral", "Spotlight", ""]),
        year,
        st.sampled_from(KNOWN_TRACKS),
        free_text,
    ),
    st.builds(call_header, venue, year, st.sampled_from(CATEGORIES), free_text),
    st.builds(
        data_header,
        st.sampled_from(["Chinese medical QA text", "胸片与报告", "ECG"]),
        st.sampled_from(ACCESS),
        free_text,
    ),
)
link = st.sampled_from(["", " Code/project link: https://github.com/a/b;", " Code/project link: https://x.org/p"])
body = st.builds(str.__add__, free_text.filter(lambda t: not t.startswith(KIND_PREFIXES)), link)
record = st.tuples(header, body)
junk_text = st.text(st.characters(codec="utf-8", exclude_characters="\n\x00"), max_size=60)
junk_bytes = st.binary(max_size=60).map(lambda b: b.replace(b"\n", b" ").replace(b"\x00", b"?"))
junk = st.one_of(junk_text.map(str.encode), junk_bytes).filter(lambda line: not headerish(line))
newline = st.sampled_from([b"\n", b"\r\n"])

fast = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
