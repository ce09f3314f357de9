"""The filter controls: their values as retrieval Filters, and the chips that show the filters in force."""

from __future__ import annotations

from typing import Any

from assistant.retrieve.query import Filters
from assistant.ui.markup import esc

ANY = "any"  # the "no constraint" choice of every filter dropdown


def filters_from_inputs(
    kind: str | None,
    venue: str | None,
    presentation: str | None,
    year: str | int | None,
    track: str | None,
    has_code: bool | None,
) -> Filters:
    """Filters from the UI controls; the ``any`` choice (or an empty value) means unconstrained."""

    def value(v: Any) -> Any:
        return None if v is None or v == "" or v == ANY else v

    year_value = value(year)
    return Filters(
        kind=value(kind),
        venue=value(venue),
        presentation=value(presentation),
        year=int(year_value) if year_value is not None else None,
        track=value(track),
        has_code=True if has_code else None,
    )


def render_active_filters(explicit: dict[str, Any], recognised: dict[str, Any] | None = None) -> str:
    """Chips for the filters in force: those set in the controls, and those read from the last question."""
    chips = [f'<span class="flt-chip">{esc(k.replace("_", " "))}: {esc(v)}</span>' for k, v in explicit.items()]
    chips += [
        f'<span class="flt-chip from-question" title="recognised in the last question">'
        f"{esc(k.replace('_', ' '))}: {esc(v)} <i>(from question)</i></span>"
        for k, v in (recognised or {}).items()
    ]
    if not chips:
        return '<div class="flt-active"><span class="flt-none">No filters: searching every record.</span></div>'
    return f'<div class="flt-active"><span class="flt-label">Active filters:</span> {"".join(chips)}</div>'
