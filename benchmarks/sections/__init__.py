"""The registry of benchmark sections, in the order a full run measures them (name -> Section)."""

from __future__ import annotations

from benchmarks.core import Section
from benchmarks.sections import (
    ask,
    baseline,
    contention,
    growth,
    ingest,
    memory,
    processes,
    scale,
    search,
    server,
    ui,
)

SECTIONS: dict[str, Section] = {
    module.SECTION.name: module.SECTION
    for module in (ingest, search, baseline, growth, scale, server, processes, memory, contention, ask, ui)
}
DEFAULT_ORDER = list(SECTIONS)
