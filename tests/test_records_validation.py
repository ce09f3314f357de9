"""Input handling that used to be silent or misleading: CR-only files, body-only and binary files, JSONL types."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from assistant.records.parse import read_file
from tests.helpers import paper

RECORDS = [(paper(f"Cr{i}:study {i}"), f"We study topic {i} in detail.") for i in range(3)]


def test_cr_only_line_endings_are_lines(tmp_path: Path) -> None:
    path = tmp_path / "mac.txt"
    path.write_bytes("".join(f"{h}\r{b}\r" for h, b in RECORDS).encode())
    records, problems = read_file(path, 20_000)
    assert [r.title for r in records] == ["Cr0:study 0", "Cr1:study 1", "Cr2:study 2"] and problems == []


def test_body_only_file_named_once(tmp_path: Path) -> None:
    path = tmp_path / "bodies.txt"
    path.write_text("".join(f"{b}\n" for _, b in RECORDS), encoding="utf-8")
    records, problems = read_file(path, 20_000)
    assert records == [] and len(problems) == 1 and "no record header" in problems[0].message, problems


def test_binary_file_named_once(tmp_path: Path) -> None:
    path = tmp_path / "blob.txt"
    rng = random.Random(4)
    path.write_bytes(bytes(rng.randrange(1, 256) for _ in range(4096)))  # no NUL bytes at all
    records, problems = read_file(path, 20_000)
    assert records == [] and len(problems) == 1 and "binary" in problems[0].message, problems


@pytest.mark.parametrize(
    "field, value",
    [("year", 1e30), ("year", True), ("year", 2025.5), ("url", True), ("venue", {"name": "ICLR"}), ("track", [1])],
)
def test_jsonl_field_types_checked(tmp_path: Path, field: str, value: object) -> None:
    path = tmp_path / "c.jsonl"
    good = {"title": "Good:one", "abstract": "A fine abstract."}
    path.write_text(json.dumps(good) + "\n" + json.dumps(good | {"title": "Bad:two", field: value}) + "\n")
    records, problems = read_file(path, 20_000)
    assert [r.title for r in records] == ["Good:one"]
    assert len(problems) == 1 and problems[0].line == 2 and field in problems[0].message, problems


def test_jsonl_good_year_kept(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps({"title": "T:x", "abstract": "A.", "year": 2025, "url": "https://x.org"}) + "\n")
    [record], problems = read_file(path, 20_000)
    assert (record.year, record.url, problems) == (2025, "https://x.org", [])
