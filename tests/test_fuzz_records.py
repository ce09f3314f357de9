"""Bad input never breaks the record parser: property-based tests plus a seeded fuzz run over 1,000 files.

Invariants checked everywhere: no exception; every Problem names its file, with line 0 only for
whole-file problems and a real line number otherwise; a valid record surrounded by garbage is still
found, with the line of its header as its source.
"""

from __future__ import annotations

import codecs
import json
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.records.corpus import load_corpus
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


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One file path that each example overwrites."""
    return tmp_path_factory.mktemp("fuzz") / "case.txt"


@fast
@given(data=st.binary(max_size=3000), suffix=st.sampled_from([".txt", ".jsonl"]))
def test_random_bytes_never_raise(case: Path, data: bytes, suffix: str) -> None:
    path = case.with_suffix(suffix)
    records, problems = parse(path, data)
    check_invariants(path, data, records, problems)


@fast
@given(
    lines=st.lists(st.text(st.characters(codec="utf-8"), max_size=80), max_size=30),
    sep=st.sampled_from(["\n", "\r\n", "\r"]),
    bom=st.booleans(),
    suffix=st.sampled_from([".txt", ".jsonl"]),
)
def test_random_unicode_never_raises(case: Path, lines: list[str], sep: str, bom: bool, suffix: str) -> None:
    path = case.with_suffix(suffix)
    data = ("\ufeff" if bom else "").encode() + sep.join(lines).encode()
    records, problems = parse(path, data)
    check_invariants(path, data, records, problems)


@fast
@given(items=st.lists(st.one_of(record, junk), max_size=25), sep=newline, bom=st.booleans(), trailing=st.booleans())
def test_valid_records_survive_surrounding_garbage(
    case: Path, items: list[Item], sep: bytes, bom: bool, trailing: bool
) -> None:
    data, starts = assemble(items, sep, bom, trailing)
    expected = planted(case, items, starts)
    records, problems = parse(case, data)
    check_invariants(case, data, records, problems)
    assert_found(records, expected)


@fast
@given(items=st.lists(st.one_of(record, junk), min_size=1, max_size=12), sep=newline, cut=st.floats(0, 1))
def test_truncated_file_keeps_every_complete_record(case: Path, items: list[Item], sep: bytes, cut: float) -> None:
    data, starts = assemble(items, sep)
    cut_at = int(len(data) * cut)
    expected = complete_before(data, planted(case, items, starts), cut_at)
    records, problems = parse(case, data[:cut_at])
    check_invariants(case, data[:cut_at], records, problems)
    assert_found(records, expected)


@fast
@given(
    before=st.lists(record, max_size=3),
    after=st.lists(record, max_size=3),
    limit=st.integers(150, 1000),
    over=st.integers(1, 2000),
    in_body=st.booleans(),
)
def test_overlong_line_is_named_and_neighbours_kept(
    case: Path, before: list[Item], after: list[Item], limit: int, over: int, in_body: bool
) -> None:
    huge = "x" * (limit + over)
    long_one = (
        ("论文ICLR 2026 Poster2026 年clinical NLP Long:one", huge)
        if in_body
        else (paper_header("ICLR 2026", "Poster", 2026, "clinical NLP", huge), "We study long lines.")
    )
    items = [*before, long_one, *after]
    data, starts = assemble(items)
    expected = planted(case, before + after, starts[: len(before)] + starts[len(before) + 1 :])
    records, problems = parse(case, data, limit)
    check_invariants(case, data, records, problems)
    assert [(p.line, "longer than" in p.message) for p in problems] == [(starts[len(before)] + in_body, True)]
    assert_found(records, expected)
    assert len(records) == len(expected)


@fast
@given(items=st.lists(st.one_of(record, header), max_size=12), sep=newline)
def test_lone_headers_are_named_by_line(case: Path, items: list[Item], sep: bytes) -> None:
    data, starts = assemble(items, sep)
    expected = planted(case, items, starts)
    records, problems = parse(case, data)
    check_invariants(case, data, records, problems)
    assert {p.line for p in problems if p.message == "header without a body line"} == {
        n for item, n in zip(items, starts, strict=False) if isinstance(item, str)
    }
    assert_found(records, expected)
    assert len(records) == len(expected)


json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.integers(10**300, 10**320) | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
any_object = st.fixed_dictionaries(
    {},
    optional={
        "title": json_value | free_text,
        "abstract": json_value | free_text,
        "year": json_value,
        "kind": json_value | st.sampled_from(["paper", "call", "data", "other"]),
        "url": json_value,
        "venue": json_value,
        "header": json_value,
    },
)
valid_object = st.fixed_dictionaries(
    {"title": free_text, "abstract": free_text},
    optional={
        "year": st.integers(1900, 2100),
        "venue": free_text,
        "url": free_text,
        "kind": st.sampled_from(["paper", "call", "data", "other"]),
    },
)
nasty = st.sampled_from(
    [
        '{"title": "\\ud800", "abstract": "a"}',
        '{"title": "t", "abstract": "a", "year": 1e999}',
        '{"title": "t", "abstract": "a", "year": NaN}',
        "[" * 5000 + "]" * 5000,
        '{"title": "t", "abstract": "a", "year": ' + "9" * 5000 + "}",
    ]
)


@fast
@given(
    lines=st.lists(st.one_of(valid_object, any_object.map(json.dumps), junk_text, nasty, st.just("")), max_size=20),
    sep=newline,
)
def test_jsonl_every_line_is_a_record_or_a_problem(case: Path, lines: list[dict | str], sep: bytes) -> None:
    path = case.with_suffix(".jsonl")
    texts = [json.dumps(line) if isinstance(line, dict) else line for line in lines]
    data = sep.join(text.encode() for text in texts) + sep
    records, problems = parse(path, data)
    check_invariants(path, data, records, problems)
    nonblank = [n for n, text in enumerate(texts, start=1) if (text.removeprefix("\ufeff") if n == 1 else text).strip()]
    accounted = Counter([location(r.sources[0])[1] for r in records] + [p.line for p in problems])
    assert accounted == (Counter(nonblank) if nonblank else Counter([0]))
    assert_found(
        records, [(line["title"].strip(), n) for n, line in enumerate(lines, start=1) if isinstance(line, dict)]
    )


# ---------------------------------------------------------------- the seeded 1,000-file fuzz run


@dataclass
class Case:
    """One generated file and what the parser must report for it."""

    data: bytes
    suffix: str = ".txt"
    expected: list[tuple[str, int]] = field(default_factory=list)  # (header, line) of records that must be found
    problems: dict[int, str] = field(default_factory=dict)  # line -> part of the message that must be reported


def rand_text(rng: random.Random, n: int, lo: int = 0x20, hi: int = 0x2FFFF) -> str:
    """Random text of code points in [lo, hi], without newlines, NULs or surrogates."""
    out: list[str] = []
    while len(out) < n:
        c = rng.randint(lo, hi)
        if c not in (0x00, 0x0A, 0x0D) and not 0xD800 <= c <= 0xDFFF:
            out.append(chr(c))
    return "".join(out)


def rand_record(rng: random.Random) -> tuple[str, str]:
    title = rng.choice(["Alpha:", "脑图", "EEGTok:", "X"]) + rand_text(rng, rng.randint(1, 30), 0x20, 0x9FFF)
    head = rng.choice(
        [
            paper_header(
                rng.choice(VENUES),
                rng.choice(["Poster", "Oral", ""]),
                rng.randint(1990, 2029),
                rng.choice(KNOWN_TRACKS),
                title,
            ),
            call_header(rng.choice(VENUES), rng.randint(1990, 2029), rng.choice(CATEGORIES), title),
            data_header("Chinese medical QA text", rng.choice(ACCESS), title),
        ]
    )
    return head, "We study " + rand_text(rng, rng.randint(1, 200)) + rng.choice(
        ["", " Code/project link: https://a.b/c;"]
    )


def rand_junk(rng: random.Random) -> bytes:
    line = rng.choice(
        [
            rng.randbytes(rng.randint(0, 80)).replace(b"\n", b" ").replace(b"\x00", b"?"),
            rand_text(rng, rng.randint(0, 80), 0x01).encode(),
            rng.choice([b"", b"   ", b"\t", b"\r", b"Code/project link: x", codecs.BOM_UTF8, "2026 年".encode()]),
            rng.choice(KIND_PREFIXES).encode()[1:] + b" a prefix cut inside its first character",
        ]
    )
    return b"junk" if headerish(line) else line


def expect(items: list[Item], starts: list[int]) -> list[tuple[str, int]]:
    return [(record[0].strip(), line) for record, line in records_of(items, starts)]


def fuzz_bytes(rng: random.Random) -> Case:
    return Case(rng.randbytes(rng.randint(0, 4000)), rng.choice([".txt", ".jsonl"]))


def fuzz_unicode(rng: random.Random) -> Case:
    sep = rng.choice(["\n", "\r\n", "\r"])
    lines = (rand_text(rng, rng.randint(0, 100), 0x01) for _ in range(rng.randint(0, 40)))
    return Case(sep.join(lines).encode(), rng.choice([".txt", ".jsonl"]))


def fuzz_garbage_mix(rng: random.Random) -> Case:
    items: list[Item] = []
    for _ in range(rng.randint(1, 8)):
        items += [rand_junk(rng) for _ in range(rng.randint(0, 4))] + [rand_record(rng)]
    items += [rand_junk(rng) for _ in range(rng.randint(0, 4))]
    data, starts = assemble(items, rng.choice([b"\n", b"\r\n"]), bom=rng.random() < 0.3, trailing=rng.random() < 0.8)
    return Case(data, expected=expect(items, starts))


def fuzz_truncated(rng: random.Random) -> Case:
    items: list[Item] = [rand_record(rng) for _ in range(rng.randint(1, 8))]
    data, starts = assemble(items, rng.choice([b"\n", b"\r\n"]))
    cut = rng.randint(0, len(data))
    return Case(data[:cut], expected=complete_before(data, expect(items, starts), cut))


def fuzz_huge_line(rng: random.Random) -> Case:
    items: list[Item] = [rand_record(rng) for _ in range(rng.randint(1, 5))]
    size = rng.randint(LIMIT + 1, 200_000)
    huge = (rand_text(rng, 997) * (size // 997 + 1))[:size]
    at = rng.randint(0, len(items))
    items.insert(at, (paper_header("ICLR 2026", "Poster", 2026, "clinical NLP", "Huge:x"), huge))
    data, starts = assemble(items)
    return Case(
        data,
        expected=expect(items[:at] + items[at + 1 :], starts[:at] + starts[at + 1 :]),
        problems={starts[at] + 1: "longer than"},
    )


def fuzz_lone_header(rng: random.Random) -> Case:
    items: list[Item] = [rand_record(rng) for _ in range(rng.randint(0, 5))]
    at = rng.randint(0, len(items))
    items.insert(at, rand_record(rng)[0])
    data, starts = assemble(items, rng.choice([b"\n", b"\r\n"]))
    return Case(data, expected=expect(items, starts), problems={starts[at]: "header without a body line"})


def fuzz_jsonl(rng: random.Random) -> Case:
    lines: list[bytes] = []
    expected: list[tuple[str, int]] = []
    for _ in range(rng.randint(1, 8)):
        lines += [rand_junk(rng) for _ in range(rng.randint(0, 3))]
        title, abstract = rand_record(rng)
        expected.append((title.strip(), len(lines) + 1))
        lines.append(
            json.dumps(
                {"title": title, "abstract": abstract, "year": rng.randint(1900, 2100)}, ensure_ascii=rng.random() < 0.5
            ).encode()
        )
    lines.append(rng.choice([b'{"title": "\\udfff", "abstract": "x"}', b"[" * 3000, b'{"year": 1e999}']))
    return Case(b"\n".join(lines), ".jsonl", expected, {len(lines): ""})


def fuzz_utf16(rng: random.Random) -> Case:
    items: list[Item] = [rand_record(rng) for _ in range(rng.randint(1, 6))]
    data, starts = assemble(items, rng.choice([b"\n", b"\r\n"]))
    encoding = rng.choice(["utf-16-le", "utf-16-be"])
    return Case("\ufeff".encode(encoding) + data.decode().encode(encoding), expected=expect(items, starts))


def fuzz_binary(rng: random.Random) -> Case:
    data = bytes(rng.randrange(256) if rng.random() < 0.5 else 0 for _ in range(rng.randint(200, 4000)))
    return Case(b"\x89PNG" + data, problems={0: "binary file"})


def fuzz_empty(rng: random.Random) -> Case:
    return Case(
        rng.choice([b"", b"\n\n", b" \r\n\t", codecs.BOM_UTF8]),
        rng.choice([".txt", ".jsonl"]),
        problems={0: "empty file"},
    )


FUZZERS = [
    fuzz_bytes,
    fuzz_unicode,
    fuzz_garbage_mix,
    fuzz_truncated,
    fuzz_huge_line,
    fuzz_lone_header,
    fuzz_jsonl,
    fuzz_utf16,
    fuzz_binary,
    fuzz_empty,
]


def test_fuzz_1000_files(tmp_path: Path, output_dir: Path) -> None:
    """1,000 seeded files of bad input, read one by one, then all together as one corpus."""
    rng = random.Random(20260501)
    started = time.perf_counter()
    folder = tmp_path / "corpus"
    folder.mkdir()
    cases: dict[Path, Case] = {}
    for i in range(FUZZ_FILES):
        fuzzer = FUZZERS[i % len(FUZZERS)]
        case = fuzzer(rng)
        path = folder / f"{i:04d}-{fuzzer.__name__}{case.suffix}"
        path.write_bytes(case.data)
        cases[path] = case
    for path, case in cases.items():
        records, problems = read_file(path, LIMIT)
        check_invariants(path, case.data, records, problems)
        assert_found(records, case.expected)
        for line, message in case.problems.items():
            assert any(p.line == line and message in p.message for p in problems), (path, line, problems)
    corpus = load_corpus([folder], LIMIT)
    assert corpus.files == FUZZ_FILES
    assert {Path(p.path).resolve() for p in corpus.problems} <= {p.resolve() for p in cases}
    merged = {(r.header, *location(source)) for r in corpus.records for source in r.sources}
    assert all(
        (header, path.resolve(), line) in merged for path, case in cases.items() for header, line in case.expected
    )
    summary = {
        "files": FUZZ_FILES,
        "planted_records": sum(len(c.expected) for c in cases.values()),
        "records": len(corpus.records),
        "problems": len(corpus.problems),
        "seconds": round(time.perf_counter() - started, 2),
    }
    (output_dir / "fuzz-summary.json").write_text(json.dumps(summary, indent=2))
    print(f"fuzz run: {summary}")
