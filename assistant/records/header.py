"""Parse the Chinese header line of a record into kind, venue, presentation, year, track and title."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.records.model import RecordMeta

# Tracks seen in the shipped corpus. A header whose track is not listed is still parsed:
# the track is then guessed (see ``_split_track``).
KNOWN_TRACKS = (
    "clinical NLP",
    "clinical prediction",
    "medical LLM agent",
    "trustworthy medical AI",
    "surgical/interventional AI",
    "Medical multimodal AI",
    "医学影像",
    "医疗多模态",
    "临床 LLM",
    "医疗大模型与 Agent",
)

PAPER = re.compile(
    r"^论文(?P<venue>.+?)(?: (?P<presentation>Oral|Poster|Spotlight))?(?P<year>(?:19|20)\d\d) ?年\s*(?P<rest>.+)$"
)
CALL = re.compile(
    r"^征稿与合作(?P<venue>(?:(?!截止).)+)截止\s*(?P<deadline>.*?(?P<year>(?:19|20)\d\d)-\d\d-\d\d)\s*(?P<rest>.+)$"
)
DATA = re.compile(r"^数据资源(?P<description>.+?)(?P<access>开放访问|申请访问|受限访问)\s*(?P<title>.+)$")
CJK = re.compile(r"[\u3400-\u9fff]")
SHORT_NAME = re.compile(r"^(?P<name>[A-Za-z0-9][\w.+\-/ ]{0,39}?)\s*[:：]")


class HeaderError(ValueError):
    """The header line has a kind prefix but not the shape that kind must have."""


@dataclass
class Header(RecordMeta):
    """What a header line says of its record: every RecordMeta field but the url (the body line gives it)."""

    def __post_init__(self) -> None:
        if not self.short_name:
            m = SHORT_NAME.match(self.title)
            self.short_name = m.group("name").strip() if m and not CJK.search(m.group("name")) else ""


def _split_track(rest: str) -> tuple[str, str]:
    """Split "track title" into (track, title); an unknown track is guessed from the words' shape."""
    for track in sorted(KNOWN_TRACKS, key=len, reverse=True):
        if rest.startswith(track + " "):
            return track, rest[len(track) + 1 :].strip()
    words = rest.split(" ")
    if len(words) < 2:
        raise HeaderError("no track and title after the year")
    if CJK.search(words[0]):  # a Chinese track is one word
        return words[0], " ".join(words[1:])
    # An English track: the lowercase-led words before the first word that starts the title
    # (a Chinese word, a word with a colon, or a capitalised name).
    for i, word in enumerate(words[1:], start=1):
        if CJK.search(word) or ":" in word or "：" in word or word[:1].isupper():
            return " ".join(words[:i]), " ".join(words[i:])
    raise HeaderError("cannot tell the track from the title")


def parse_header(line: str) -> Header:
    """Parse one header line. Raises HeaderError for a known kind prefix with an unknown shape."""
    line = line.strip()
    if line.startswith("论文"):
        m = PAPER.match(line)
        if not m:
            raise HeaderError("paper header (论文) without '<venue> [Oral|Poster]<year> 年<track> <title>'")
        track, title = _split_track(m.group("rest"))
        return Header(
            kind="paper",
            title=title,
            venue=m.group("venue").strip(),
            presentation=m.group("presentation") or "",
            year=int(m.group("year")),
            track=track,
        )
    if line.startswith("征稿与合作"):
        m = CALL.match(line)
        if not m:
            raise HeaderError("call-for-papers header (征稿与合作) without '<venue>截止 <deadline date><title>'")
        category, _, title = m.group("rest").strip().partition(" ")
        if not (title and CJK.fullmatch(category[:1] or "x") and not SHORT_NAME.match(category)):
            category, title = "", m.group("rest").strip()
        return Header(
            kind="call", title=title, venue=m.group("venue").strip(), year=int(m.group("year")), track=category
        )
    if line.startswith("数据资源"):
        m = DATA.match(line)
        if not m:
            raise HeaderError(
                "data-resource header (数据资源) without an access label (开放访问/申请访问) before the title"
            )
        return Header(kind="data", title=m.group("title").strip())
    return Header(kind="other", title=line)
