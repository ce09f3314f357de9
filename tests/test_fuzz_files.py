"""Bad input never breaks the record parser: a seeded fuzz run over 1,000 generated files."""

from __future__ import annotations

import codecs
import json
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

from assistant.records.corpus import load_corpus
from assistant.records.header import KNOWN_TRACKS
from assistant.records.parse import KIND_PREFIXES, read_file
from tests.fuzzing import (
    ACCESS,
    CATEGORIES,
    FUZZ_FILES,
    LIMIT,
    VENUES,
    Item,
    assemble,
    assert_found,
    call_header,
    check_invariants,
    complete_before,
    data_header,
    headerish,
    location,
    paper_header,
    records_of,
)


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
