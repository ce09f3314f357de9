"""The vocabulary the golden set's lists are defined with (``check_golden``): how a string names a record,
predicates over the parsed records (a metadata test or a text test), and a topic list's terms and exclusions."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from assistant.evals.metrics import matches
from assistant.records.model import Record

Predicate = Callable[[Record], bool]


def named(text: str, record: Record) -> bool:
    """Whether ``text`` names ``record`` the way the evals match an expected string."""
    return matches(text, record.title, record.header)


def mentions(pattern: str) -> Predicate:
    regex = re.compile(pattern, re.I)
    return lambda r: bool(regex.search(r.header + "\n" + r.abstract))


def titled(*names: str) -> Predicate:
    return lambda r: any(named(n, r) for n in names)


EEG = mentions(r"\bi?EEG\b|electroencephalogra|脑电")
ECG = mentions(r"\bECG\b|electrocardiogra|心电")
# The records that segment images, as their aim or as a step of their method (see TOPICS["i16-agg-en-01"]).
SEGMENTATION = titled(
    *("CARE:", "PathChat-SegR1", "Disco", "脑肿瘤分割", "谱熵正则"),
    *("交互式分割模型", "HFSTI-Net", "泛癌筛查", "无监督病理分割"),
)


def paper(r: Record) -> bool:
    return r.kind == "paper"


@dataclass(frozen=True)
class Topic:
    """A topic list: the terms (a regex) that find its candidates, and the candidates that are not members,
    each with the reason."""

    pattern: str
    excluded: dict[str, str] = field(default_factory=dict)
