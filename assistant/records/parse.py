"""Read record files (the seed .txt format and JSONL) into Records, and every problem into a Problem.

A bad file or line never aborts the rest: it becomes a Problem naming the file and line, and
every good record of the same run is kept.
"""

from __future__ import annotations

import codecs
import json
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from assistant.records.header import HeaderError, parse_header
from assistant.records.links import split_links
from assistant.records.model import META_FIELDS, Problem, Record, meta_of

KIND_PREFIXES = ("论文", "征稿与合作", "数据资源")
JSONL_FIELDS = ("title", "abstract")
JSONL_OPTIONAL = (*(name for name in META_FIELDS if name != "title"), "header")
SURROGATE = re.compile("[\ud800-\udfff]")  # from a lone \uXXXX escape in JSON; not UTF-8


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _decode_lines(path: Path, data: bytes, problems: list[Problem]) -> list[tuple[int, str | None]]:
    """Split bytes into (line number, text) pairs; an undecodable line becomes None and a Problem."""
    out: list[tuple[int, str | None]] = []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        try:
            text = raw.decode("utf-8").rstrip("\r")
        except UnicodeDecodeError as exc:
            problems.append(Problem(_display(path), number, f"not valid UTF-8 (byte {exc.start} of the line)"))
            out.append((number, None))
            continue
        if "\x00" in text:
            problems.append(Problem(_display(path), number, "contains a NUL byte (binary data)"))
            out.append((number, None))
            continue
        out.append((number, text))
    return out


def _without_bom(data: bytes) -> bytes:
    """Drop a UTF-8 byte-order mark and re-encode UTF-16 text with a BOM (as Windows editors save it) as UTF-8."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :]
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and b"\x00" in data:  # ASCII and newlines hold NULs
        try:
            return data.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:  # not UTF-16 after all: left to the binary and UTF-8 checks
            return data
    return data


def _looks_binary(data: bytes) -> bool:
    """NUL bytes, or (without them) mostly control bytes and invalid UTF-8: not a text file at all."""
    sample = data[:8192]
    if b"\x00" in sample and sample.count(b"\x00") > len(sample) // 100:
        return True
    controls = sum(1 for b in sample if b < 0x20 and b not in b"\t\n\r\x0c")
    invalid = len(sample) - len(sample.decode("utf-8", errors="ignore").encode("utf-8"))
    return len(sample) >= 1024 and (controls + invalid) > len(sample) * 3 // 10


def _line_breaks(data: bytes) -> bytes:
    """Old Mac files end lines with CR alone: read them as lines (only when the file has no LF at all)."""
    return data.replace(b"\r", b"\n") if b"\n" not in data and b"\r" in data else data


def _split_body(body: str) -> tuple[str, str]:
    """Separate the trailing code/project link from the abstract text. With several links, the first is the
    record's url and the others stay in the text as "Further links: ..." (e.g. a released data set)."""
    abstract, links = split_links(body)
    if not links:
        return abstract, ""
    if len(links) > 1:
        abstract += " Further links: " + "; ".join(links[1:])
    return abstract, links[0]


def _is_header(text: str) -> bool:
    return text.startswith(KIND_PREFIXES)


def parse_text(path: Path, data: bytes, max_line_chars: int) -> tuple[list[Record], list[Problem]]:
    """Parse the seed format: a header line, then a body line, per record (blank lines ignored)."""
    name = _display(path)
    problems: list[Problem] = []
    data = _without_bom(data)
    if _looks_binary(data):
        return [], [Problem(name, 0, "binary file, not text: skipped")]
    lines = [(n, t) for n, t in _decode_lines(path, _line_breaks(data), problems) if t is None or t.strip()]
    if not lines:
        return [], [Problem(name, 0, "empty file: no records")]
    if not any(t is not None and _is_header(t) for _, t in lines):
        start = "、".join(KIND_PREFIXES)
        return [], [*problems, Problem(name, 0, f"no record header found (a header line starts with {start})")]
    records: list[Record] = []
    i = 0
    while i < len(lines):
        number, header = lines[i]
        if header is None:  # undecodable line: its record is lost, resynchronise on the next header
            i += 1
            nxt = lines[i][1] if i < len(lines) else None
            if nxt is not None and not _is_header(nxt):
                i += 1
            continue
        following = lines[i + 1][1] if i + 1 < len(lines) else ""
        if following is None:  # undecodable body, already reported: drop the record
            i += 2
            continue
        if not following or _is_header(following):
            problems.append(Problem(name, number, "header without a body line"))
            i += 1
            continue
        body_number, body = lines[i + 1][0], following
        i += 2
        too_long = next((n for n, t in ((number, header), (body_number, body)) if len(t) > max_line_chars), None)
        if too_long:
            problems.append(Problem(name, too_long, f"line longer than {max_line_chars} characters: record skipped"))
            continue
        try:
            h = parse_header(header)
        except HeaderError as exc:
            problems.append(Problem(name, number, f"unknown header shape: {exc}"))
            continue
        abstract, url = _split_body(body)
        if not abstract:
            problems.append(Problem(name, body_number, "empty abstract"))
            continue
        records.append(
            Record(
                header=header.strip(),
                abstract=abstract,
                **(meta_of(h) | {"url": url}),
                sources=[f"{name}:{number}"],
            )
        )
    return records, problems


def parse_jsonl(path: Path, data: bytes, max_line_chars: int) -> tuple[list[Record], list[Problem]]:
    """Parse user collections: one JSON object per line with title, abstract and optional metadata."""
    name = _display(path)
    problems: list[Problem] = []
    records: list[Record] = []
    data = _line_breaks(_without_bom(data))
    if _looks_binary(data):
        return [], [Problem(name, 0, "binary file, not text: skipped")]
    lines = [(n, t) for n, t in _decode_lines(path, data, problems) if t is None or t.strip()]
    if not lines:
        return [], [Problem(name, 0, "empty file: no records")]
    for number, text in lines:
        if text is None:
            continue
        if len(text) > max_line_chars:
            problems.append(Problem(name, number, f"line longer than {max_line_chars} characters: record skipped"))
            continue
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            problems.append(Problem(name, number, f"invalid JSON: {exc.msg} (column {exc.colno})"))
            continue
        except (ValueError, RecursionError) as exc:  # an integer of over 4300 digits, or too deeply nested
            problems.append(Problem(name, number, f"unreadable JSON: {exc}"))
            continue
        if not isinstance(obj, dict):
            problems.append(Problem(name, number, "expected a JSON object"))
            continue
        missing = [f for f in JSONL_FIELDS if not isinstance(obj.get(f), str) or not obj[f].strip()]
        if missing:
            problems.append(Problem(name, number, f"missing or empty field(s): {', '.join(missing)}"))
            continue
        extra = {k: obj[k] for k in JSONL_OPTIONAL if obj.get(k) not in (None, "")}
        if wrong := _wrong_type(extra):
            problems.append(Problem(name, number, wrong))
            continue
        year = extra.pop("year", None)
        kind = extra.pop("kind", "paper")
        if kind not in ("paper", "call", "data", "other"):
            problems.append(Problem(name, number, f"field 'kind' must be paper|call|data|other, not {kind!r}"))
            continue
        title, abstract = obj["title"].strip(), obj["abstract"].strip()
        header = str(extra.pop("header", "")).strip() or title
        fields = {k: str(v) for k, v in extra.items()}
        if any(SURROGATE.search(text) for text in (title, abstract, header, *fields.values())):
            problems.append(Problem(name, number, "a \\u escape names a lone UTF-16 surrogate (invalid Unicode)"))
            continue
        records.append(
            Record(
                header=header,
                abstract=abstract,
                title=title,
                kind=kind,
                year=year,
                sources=[f"{name}:{number}"],
                **fields,
            )
        )
    return records, problems


RECORD_SUFFIXES = (".txt", ".jsonl")


def _read_bytes(path: Path) -> bytes:
    return path.read_bytes()


def _list_dir(path: Path) -> list[Path]:
    with os.scandir(path) as entries:
        return [Path(entry.path) for entry in entries]


def walk_sources(sources: Iterable[Path]) -> tuple[list[Path], list[Problem]]:
    """Every .txt and .jsonl file named by, or inside, the given paths (in a stable order), and every source
    that could not be read: a folder that cannot be listed, a dangling symlink, a FIFO or device named as a
    record file, a named path that does not exist. Folders reached through a symlink are not followed."""
    files: list[Path] = []
    unreadable: list[Problem] = []

    def visit(path: Path, named: bool) -> None:
        if path.is_symlink() and not path.exists():
            if named or path.suffix in RECORD_SUFFIXES:
                unreadable.append(Problem(_display(path), 0, "cannot read: a symbolic link to nothing"))
            return
        if path.is_dir():
            if not named and path.is_symlink():
                return
            try:
                entries = _list_dir(path)
            except OSError as exc:
                unreadable.append(Problem(_display(path), 0, f"cannot read the folder: {exc.strerror or exc}"))
                return
            for entry in entries:
                visit(entry, False)
        elif named or path.suffix in RECORD_SUFFIXES:
            if path.is_file():
                files.append(path)
            elif path.exists():
                unreadable.append(Problem(_display(path), 0, "cannot read: not a regular file (FIFO, socket, device)"))
            else:
                unreadable.append(Problem(_display(path), 0, "cannot read: no such file or folder"))

    for source in sources:
        start = len(files)
        visit(Path(source), True)
        files[start:] = sorted(files[start:])
    return files, unreadable


def _wrong_type(fields: dict) -> str | None:
    """Why a JSONL record's optional fields have the wrong type (a year is a whole number 0..9999, or its digits
    as text, the rest are strings), or None. A year given as digits is converted in place."""
    for key, value in fields.items():
        if key == "year":
            if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
                fields[key] = value = int(value)  # "2025" as text is still a year
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 9999:
                return f"field 'year' must be a whole number (0-9999), not {value!r}"[:200]
        elif not isinstance(value, str):
            return f"field {key!r} must be a string, not {type(value).__name__} {value!r}"[:200]
    return None


def iter_files(sources: Iterable[Path]) -> Iterator[Path]:
    """Every readable record file named by, or inside, the given paths, in a stable order."""
    yield from walk_sources(sources)[0]


def read_source(path: Path) -> bytes | Problem:
    """The bytes of a record file, or the Problem that says why it cannot be read."""
    try:
        return _read_bytes(path)
    except OSError as exc:
        return Problem(_display(path), 0, f"cannot read: {exc.strerror or exc}")


def parse_bytes(path: Path, data: bytes, max_line_chars: int) -> tuple[list[Record], list[Problem]]:
    parser = parse_jsonl if path.suffix == ".jsonl" else parse_text
    return parser(path, data, max_line_chars)


def read_file(path: Path, max_line_chars: int) -> tuple[list[Record], list[Problem]]:
    """Parse one file by its suffix; unreadable files become a Problem."""
    data = read_source(path)
    if isinstance(data, Problem):
        return [], [data]
    return parse_bytes(path, data, max_line_chars)
