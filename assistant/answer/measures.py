"""Numbers compared across records, for a superlative ("which paper involved the most physicians?") or a
comparative choice between named papers ("which is larger, A or B?"): which count of each record is ranked, in which
unit, and how a count and its measure are written in the answer (``extractive.py`` composes the lines)."""

from __future__ import annotations

from collections import Counter

from assistant.answer.context import Source
from assistant.answer.evidence import Count, amount
from assistant.answer.plan import QuestionPlan

Counted = list[tuple[list[Count], Source]]  # each record's counts of the asked measure
Ranked = list[tuple[Count, Source]]


def plural(noun: str) -> str:
    """physician -> physicians, imaging modality -> imaging modalities."""
    if noun.endswith("y") and noun[-2:-1] not in "aeiou":
        return noun[:-1] + "ies"
    return noun if noun.endswith("s") else noun + "s"


def said(count: Count) -> str:
    """A count with its unit as the record writes it: 42 million QA-pairs, 239 physicians."""
    return f"{amount(count.value)} {count.unit}"


def comparable(counted: Counted, sized: bool, fewest: bool, shared: bool = False) -> tuple[Ranked, Ranked]:
    """Each record's count to rank, best first, and the records whose data is counted in another unit. A size is
    ranked in one unit, each record by its largest count in it: 42,249 recordings and 10,000 hours are no two sizes
    of one thing. The unit is that of the top record's count, or with ``shared`` (a compare of named papers) the one
    most records give. Counts of people or models share their unit through the other words for it
    (``COUNTED_AS``)."""
    given = sorted(((found, s) for found, s in counted if found), key=lambda fs: fs[0][0].value, reverse=not fewest)
    if not sized or not given:
        return [(found[0], s) for found, s in given], []
    if any(c.kind != "dataset" for found, _ in given for c in found):  # "12 public datasets" is a size only
        given = [([c for c in found if c.kind != "dataset"], s) for found, s in given]  # when no data unit is given
        given = [(found, s) for found, s in given if found]
    kinds = Counter(k for found, _ in given for k in kinds_of(found))
    kind = max(kinds, key=lambda k: kinds[k]) if shared and max(kinds.values()) > 1 else given[0][0][0].kind
    ranked = [(next(c for c in found if c.kind == kind), s) for found, s in given if kind in kinds_of(found)]
    others = [(found[0], s) for found, s in given if kind not in kinds_of(found)]
    return sorted(ranked, key=lambda cs: cs[0].value, reverse=not fewest), others


def kinds_of(found: list[Count]) -> set[str]:
    return {c.kind for c in found}


def measure_words(plan: QuestionPlan, lang: str) -> dict[str, str]:
    """The counted thing as the answer names it: 医生 in a Chinese answer, physician(s) in an English one."""
    measure = plan.measure_zh if lang == "zh" and plan.measure_zh else plan.measure
    return {"measure": measure, "measures": measure if lang == "zh" else plural(measure)}
