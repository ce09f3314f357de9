"""Bad input never breaks the record parser: property-based tests (hypothesis).

Invariants checked everywhere: no exception; every Problem names its file, with line 0 only for
whole-file problems and a real line number otherwise; a valid record surrounded by garbage is still
found, with the line of its header as its source.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzzing import (
    Item,
    assemble,
    assert_found,
    check_invariants,
    complete_before,
    fast,
    free_text,
    header,
    junk,
    junk_text,
    location,
    newline,
    paper_header,
    parse,
    planted,
    record,
)


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
