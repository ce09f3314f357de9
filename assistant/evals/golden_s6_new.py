"""The true sets of the filter questions of the new-user round s6-new (ids ``s6-new-*``, all dev: their failures
were read before they were added). ``check_golden`` checks them with the other rounds' sets."""

from __future__ import annotations

from assistant.evals.golden_terms import ECG, SEGMENTATION, Predicate, paper

TRUSTWORTHY = "trustworthy medical AI"

EXACT_SETS: dict[str, Predicate] = {
    "s6-new-en-12": lambda r: paper(r) and ECG(r) and not r.has_code,
    "s6-new-en-13": lambda r: r.track == "医学影像" and not r.has_code,
    "s6-new-en-14": lambda r: SEGMENTATION(r) and r.track != TRUSTWORTHY,
    "s6-new-en-15": lambda r: bool(r.year) and (r.year or 0) < 2026,
    "s6-new-en-30": lambda r: r.presentation == "Oral",
    "s6-new-zh-11": lambda r: r.presentation == "Oral",
    "s6-new-zh-12": lambda r: r.track == "clinical NLP" and r.has_code,
    "s6-new-zh-13": lambda r: SEGMENTATION(r) and r.track == TRUSTWORTHY and not r.has_code,
}
