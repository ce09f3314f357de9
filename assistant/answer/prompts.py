"""Prompt files (package data ``assistant/prompts/*.md``): a ``version: N`` line, a ``---`` line, then the text."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

PROMPT_NAMES = ("system", "answer", "condense", "refusal")


@dataclass(frozen=True)
class Prompt:
    name: str
    version: str
    text: str

    def format(self, **values: str) -> str:
        return self.text.format(**values)


def packaged_prompts() -> Traversable:
    """The prompts shipped inside the package (work from a wheel as from a checkout)."""
    return resources.files("assistant").joinpath("prompts")


def read_prompt(path: Path | Traversable) -> Prompt:
    """Parse one prompt file; raises ValueError naming the file when the header is missing."""
    raw = path.read_text(encoding="utf-8")
    head, sep, body = raw.partition("\n---\n")
    if not sep or not head.startswith("version:"):
        raise ValueError(f"{path}:1: a prompt file starts with 'version: N' and a '---' line")
    return Prompt(path.name.removesuffix(".md"), head.split(":", 1)[1].strip(), body.strip())


@dataclass(frozen=True)
class PromptSet:
    prompts: dict[str, Prompt]

    def __getitem__(self, name: str) -> Prompt:
        return self.prompts[name]

    @property
    def version(self) -> str:
        """One string naming every prompt's version, reported with each answer."""
        return "+".join(f"{n}@{self.prompts[n].version}" for n in PROMPT_NAMES)

    def refusal(self, lang: str) -> str:
        lines = dict(line.split(":", 1) for line in self["refusal"].text.splitlines() if ":" in line)
        return lines.get(lang, lines["en"]).strip()


@lru_cache(maxsize=4)
def load_prompts(folder: Path | None = None) -> PromptSet:
    """The answer prompts from ``folder`` (a user's override), else the packaged ones."""
    root = folder if folder is not None else packaged_prompts()
    return PromptSet({name: read_prompt(root / f"{name}.md") for name in PROMPT_NAMES})
