"""Metadata filters with polarity: values a record must have (include) and values it must not have (exclude)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

FILTER_KEYS = ("kind", "venue", "presentation", "year", "track", "has_code")
Value = str | int | bool


def _as_list(value: Value | list[Value]) -> list[Value]:
    return list(value) if isinstance(value, list) else [value]


def _shown(value: Value | list[Value]) -> str:
    return " or ".join(map(str, value)) if isinstance(value, list) else str(value)


def _one_or_list(values: list[Value]) -> Value | list[Value]:
    return values[0] if len(values) == 1 else values


@dataclass
class Filters:
    """Metadata constraints; None means unconstrained. ``exclude`` maps a key to the values a record must not
    have ("not posters": presentation -> ["Poster"]; "without code": has_code -> [True])."""

    kind: str | None = None
    venue: str | list[str] | None = None  # a list: any of these (a question naming a track in two languages)
    presentation: str | None = None
    year: int | list[int] | None = None  # a list: any of these (a range of years: "2026 年以前")
    track: str | list[str] | None = None
    has_code: bool | None = None
    exclude: dict[str, list[Value]] = field(default_factory=dict)
    together: dict[str, Value] = field(default_factory=dict)  # NOT (all of these): "not ICLR 2026 posters"

    def included(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name in FILTER_KEYS}

    def active(self) -> dict[str, Any]:
        """The constraints in force, for display and JSON: included values, then ``"not": {key: value(s)}``."""
        out = {k: v for k, v in self.included().items() if v is not None}
        if self.exclude:
            out["not"] = {k: _one_or_list(v) for k, v in self.exclude.items()}
        if self.together:
            out["not_all"] = dict(self.together)
        return out

    def clauses(self) -> list[tuple[str, Value | list[Value], str]]:
        """Every constraint as (key, value or values, "include" | "exclude" | "exclude_together": a record may
        not have all of the ``exclude_together`` values at once)."""
        out: list[tuple[str, Value | list[Value], str]] = [
            (k, v, "include") for k, v in self.included().items() if v is not None
        ]
        out += [(k, _one_or_list(v), "exclude") for k, v in self.exclude.items()]
        return out + [(k, v, "exclude_together") for k, v in self.together.items()]

    def described(self) -> str:
        """The constraints for a reader: "presentation=Oral, not has_code=True, not (venue=ICLR 2026 and ...)"."""
        parts = [
            f"{'not ' if polarity == 'exclude' else ''}{key}={_shown(value)}"
            for key, value, polarity in self.clauses()
            if polarity != "exclude_together"
        ]
        together = " and ".join(f"{key}={value}" for key, value in self.together.items())
        return ", ".join(parts + ([f"not ({together})"] if together else []))

    def chroma_where(self) -> dict[str, Any] | None:
        ops = {
            ("include", False): "$eq",
            ("include", True): "$in",
            ("exclude", False): "$ne",
            ("exclude", True): "$nin",
        }
        clauses: list[dict[str, Any]] = [
            {key: {ops[(polarity, isinstance(value, list))]: value}}
            for key, value, polarity in self.clauses()
            if polarity != "exclude_together"
        ]
        if self.together:
            clauses.append({"$or": [{key: {"$ne": value}} for key, value in self.together.items()]})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def merged(self, other: Filters) -> Filters:
        """These filters with ``other``'s where ``other`` constrains a key (explicit filters win over recognised
        ones, whatever the polarity of either)."""
        theirs = {key for key, _, _ in other.clauses()}
        include = {k: v for k, v in self.included().items() if k not in theirs} | {
            k: v for k, v in other.included().items() if v is not None
        }
        exclude = {k: v for k, v in self.exclude.items() if k not in theirs} | other.exclude
        together = other.together or ({} if theirs & set(self.together) else self.together)
        return Filters(**include, exclude=exclude, together=together)

    @classmethod
    def parse_pairs(cls, pairs: list[str]) -> Filters:
        """Parse CLI ``key=value`` (include) and ``key!=value`` (exclude) pairs; raises ValueError naming the
        bad pair. Repeating ``key!=value`` excludes several values."""
        include: dict[str, Any] = {}
        exclude: dict[str, list[Value]] = {}
        for pair in pairs:
            negated = "!=" in pair
            key, sep, raw = pair.partition("!=" if negated else "=")
            key = key.strip().replace("-", "_")
            if not sep or key not in FILTER_KEYS:
                raise ValueError(
                    f"--where {pair!r}: expected key=value or key!=value with key one of {', '.join(FILTER_KEYS)}"
                )
            value: Value
            if key == "year":
                if not raw.strip().isdigit():
                    raise ValueError(f"--where {pair!r}: year must be a number")
                value = int(raw)
            elif key == "has_code":
                value = raw.strip().lower() in ("1", "true", "yes", "y")
            else:
                value = raw.strip()
            if negated:
                exclude.setdefault(key, []).append(value)
            else:
                include[key] = value
        return cls(**include, exclude=exclude)
