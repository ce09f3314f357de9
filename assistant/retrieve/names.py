"""The catalog's names as a question may write them: each venue and venue family ("ICLR" for ICLR 2025 and 2026),
each track in either language (``TRACK_ALIASES``) and by either side of a slash, as patterns for the parser
(``query.plan_query``) and groups for the UI's track choices."""

from __future__ import annotations

import re
from functools import lru_cache

from assistant.retrieve.filters import Value

# The same track in the other language (a catalog may name it either way)
TRACK_ALIASES = [
    ("医学影像", "medical imaging"),
    ("医疗多模态", "Medical multimodal AI", "medical multimodal"),
    ("临床 LLM", "clinical LLM"),
    ("clinical prediction", "临床预测"),
    ("clinical NLP", "临床 NLP", "临床自然语言处理"),
    ("trustworthy medical AI", "可信医疗 AI", "可信医学 AI"),
    ("surgical/interventional AI", "手术/介入 AI"),
]


def track_group(track: str) -> tuple[str, ...]:
    """The spellings of one track in either language (its ``TRACK_ALIASES`` group), or the track alone."""
    return next((g for g in TRACK_ALIASES if track.lower() in {a.lower() for a in g}), (track,))


NamePatterns = tuple[tuple[re.Pattern[str], list[Value]], ...]


def _name_patterns(names: dict[str, list[str]]) -> NamePatterns:
    """A pattern per spelling, longest first, with the catalog values it stands for (its own value first).
    A Latin name is word-bounded, a Chinese one may touch it ("LLM方向"); a space may be left out ("临床LLM")."""
    out = []
    for name in sorted(names, key=len, reverse=True):
        edge = r"(?<![A-Za-z0-9])" if name[:1].isascii() else ""
        tail = r"(?![A-Za-z0-9])" if name[-1:].isascii() else ""
        spelled = re.escape(name).replace(r"\ ", r"\s*")
        spellings: list[str] = sorted(names[name], key=lambda value: value.lower() != name.lower())
        values: list[Value] = list(spellings)
        out.append((re.compile(edge + spelled + tail, re.I), values))
    return tuple(out)


@lru_cache(maxsize=8)
def venue_names(venues: tuple[str, ...]) -> NamePatterns:
    """Each venue by its name, and each venue family ("ICLR" for ICLR 2025 and ICLR 2026) by the family name."""
    names = {v: [v] for v in venues}
    for venue in venues:
        family = re.sub(r"\s*(?:19|20)\d\d$", "", venue)
        if family != venue:
            names.setdefault(family, []).append(venue)
    return _name_patterns(names)


SLASHED = re.compile(r"(\S+)/(\S+)")


def _slash_spellings(name: str) -> list[str]:
    """A name with slashed alternatives is also written with either one ("surgical/interventional AI" ->
    "surgical AI", "interventional AI"; "手术/介入 AI" -> "手术 AI", "介入 AI")."""
    m = SLASHED.search(name)
    if not m:
        return []
    return [name[: m.start()] + part + name[m.end() :] for part in m.groups()]


@lru_cache(maxsize=8)
def track_names(tracks: tuple[str, ...]) -> NamePatterns:
    """Each track by its name, by the names of its translation group (all catalog members of the group) and by
    either side of a slash in any of these."""
    names = {t: [t] for t in tracks}
    for group in TRACK_ALIASES:
        members = [t for t in tracks if t.lower() in {g.lower() for g in group}]
        for spelling in group:
            if members:
                names[spelling] = list(dict.fromkeys(names.get(spelling, []) + members))
    for name, values in list(names.items()):
        for spelling in _slash_spellings(name):
            names[spelling] = list(dict.fromkeys(names.get(spelling, []) + values))
    return _name_patterns(names)
