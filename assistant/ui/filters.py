"""The filter controls: their values as retrieval Filters, and the chips that show the filters in force."""

from __future__ import annotations

from typing import Any

from assistant.retrieve.names import track_group
from assistant.retrieve.query import Filters
from assistant.ui.markup import esc

ANY = "any"  # the "no constraint" choice of every filter dropdown
TRACK_JOIN = "||"  # a track choice names every catalog spelling of one track (Chinese and English)


def track_choices(tracks: list[str]) -> list[tuple[str, str]]:
    """One (label, value) per track: the catalog's spellings of one track (``track_group``) become one entry,
    labelled with both names, whose value names them all."""
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for track in tracks:
        if track in seen:
            continue
        group = track_group(track)
        spellings = {a.lower() for a in group}
        members = [t for t in tracks if t.lower() in spellings]
        seen.update(members)
        english = next((a for a in group if a.isascii()), track)
        chinese = next((a for a in group if not a.isascii()), "")
        label = f"{english} · {chinese}" if chinese and chinese != english else english
        out.append((label, TRACK_JOIN.join(members)))
    return sorted(out, key=lambda c: c[0].lower())


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
    track_value = value(track)
    if isinstance(track_value, str) and TRACK_JOIN in track_value:
        track_value = track_value.split(TRACK_JOIN)
    return Filters(
        kind=value(kind),
        venue=value(venue),
        presentation=value(presentation),
        year=int(year_value) if year_value is not None else None,
        track=track_value,
        has_code=True if has_code else None,
    )


def _shown(value: Any) -> str:
    """A filter value as a chip shows it: a list as alternatives, the exclusions as key=value pairs."""
    if isinstance(value, dict):
        return ", ".join(f"{k.replace('_', ' ')}={_shown(v)}" for k, v in value.items())
    return " / ".join(map(str, value)) if isinstance(value, list) else str(value)


def render_active_filters(explicit: dict[str, Any], recognised: dict[str, Any] | None = None) -> str:
    """Chips for the filters in force: those set in the controls, and those read from the last question."""
    chips = [f'<span class="flt-chip">{esc(k.replace("_", " "))}: {esc(_shown(v))}</span>' for k, v in explicit.items()]
    chips += [
        f'<span class="flt-chip from-question" title="recognised in the last question">'
        f"{esc(k.replace('_', ' '))}: {esc(_shown(v))} <i>(from question)</i></span>"
        for k, v in (recognised or {}).items()
    ]
    if not chips:
        return '<div class="flt-active"><span class="flt-none">No filters: searching every record.</span></div>'
    return f'<div class="flt-active"><span class="flt-label">Active filters:</span> {"".join(chips)}</div>'
