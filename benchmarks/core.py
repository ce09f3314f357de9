"""What a section is made of: its ``Context`` (mode, shared set-up), the ``Result`` it returns (metrics,
``Table``s, notes, targets, plots), and the ``Section`` record the registry in ``benchmarks.sections`` holds.

Adding a section = one module in ``benchmarks/sections/`` with ``def run(ctx: Context) -> Result`` and
``SECTION = Section(name, title, run)``, listed in ``benchmarks.sections.SECTIONS``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.harness import SEEDS, WORK, golden_rows, log
from benchmarks.processes import Worker


def fmt(value: Any, digits: int = 1) -> str:
    """A table cell: thousands separators, ``digits`` decimals below 100, "–" for none or NaN."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if value != value:  # nan
            return "–"
        if abs(value) >= 100:
            return f"{value:,.0f}"
        return f"{value:.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def stat_row(label: str, s: dict[str, float], *extra: Any) -> list[Any]:
    """A table row of one ``stats`` dict: label, n, p50, p95, then ``extra`` cells."""
    return [label, s["n"], s["p50"], s["p95"], *extra]


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[Any]]
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "columns": self.columns, "rows": self.rows, "note": self.note}

    def markdown(self) -> str:
        def numeric(i: int) -> bool:
            return all(
                isinstance(r[i], (int, float)) or r[i] is None or re.fullmatch(r"[\d.,]+( \(.*\))?", str(r[i]))
                for r in self.rows
                if i < len(r)
            )

        out = [
            f"**{self.title}**",
            "",
            "| " + " | ".join(self.columns) + " |",
            "|" + "|".join("---:" if i and numeric(i) else "---" for i in range(len(self.columns))) + "|",
        ]
        out += ["| " + " | ".join(fmt(c) for c in row) + " |" for row in self.rows]
        if self.note:
            out += ["", self.note]
        return "\n".join(out)


@dataclass
class Result:
    metrics: dict[str, Any] = field(default_factory=dict)
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    targets: list[dict[str, Any]] = field(default_factory=list)
    plots: list[str] = field(default_factory=list)
    status: str = "ok"

    def target(self, name: str, measured: float, limit: float, unit: str, how: str) -> None:
        self.targets.append(
            {
                "name": name,
                "measured": measured,
                "target": limit,
                "unit": unit,
                "how": how,
                "pass": bool(measured == measured and measured <= limit),
            }
        )


@dataclass
class Context:
    quick: bool
    shared: dict[str, Any] = field(default_factory=dict)
    scale_sizes: list[int] = field(default_factory=list)  # the scale section's index sizes (default by mode)
    scale_reuse: bool = False  # the scale section re-measures the last build of a size instead of building it

    def p(self, full: Any, quick: Any) -> Any:
        """A parameter by mode."""
        return quick if self.quick else full

    @property
    def questions(self) -> list[str]:
        qs = [r["question"] for r in golden_rows()]
        return qs[::4] if self.quick else qs  # quick: every fourth question (36 of 143)

    @property
    def some_questions(self) -> list[str]:
        """For the comparison sections: every other golden question (72), every fourth in quick mode (36)."""
        qs = [r["question"] for r in golden_rows()]
        return qs[::4] if self.quick else qs[::2]

    @property
    def embed_cache(self) -> Path:
        return WORK / "embed-cache.json"

    def seed_index(self) -> dict[str, Any]:
        """Config of an embedded index of seeds/ (set-up, not measured): incremental, so usually a no-op."""
        if "seed_index" not in self.shared:
            config = {
                "data_dir": str(WORK / "seed-data"),
                "sources": [str(SEEDS)],
                "embed_cache": str(self.embed_cache),
            }
            with Worker("ingest", config, "setup-seed-index") as w:
                out = w.call("ingest", use_cache=True, save_cache=True)
            log(f"  seed index ready ({out['report']['chunks']} chunks, {out['wall_s']:.1f}s)")
            self.shared["seed_index"] = {"data_dir": config["data_dir"], "sources": config["sources"]}
        index: dict[str, Any] = self.shared["seed_index"]
        return index


@dataclass
class Section:
    name: str
    title: str
    run: Callable[[Context], Result]
