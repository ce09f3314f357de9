"""What the UI knows about the index at start, and what it tells the user when there is none."""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.index.store import IndexUnavailable
from assistant.redact import redact_urls
from assistant.settings import Settings
from assistant.ui.markup import md_escape

INGEST_COMMAND = "assistant ingest"


@dataclass
class IndexInfo:
    """What the UI knows about the index at start: whether it is usable, and the filter choices."""

    ok: bool
    message: str = ""
    records: int = 0
    choices: dict[str, list[str]] = field(default_factory=dict)


def index_info(settings: Settings) -> IndexInfo:
    """Open the index (loading the retriever once) and read the filter choices from its catalog."""
    from assistant.retrieve.hybrid import get_retriever

    try:
        catalog = get_retriever(settings).catalog
    except IndexUnavailable as exc:
        return IndexInfo(False, str(exc))
    metas = catalog.metas
    return IndexInfo(
        True,
        records=len(catalog.records),
        choices={
            "kind": sorted({m["kind"] for m in metas if m.get("kind")}),
            "venue": list(catalog.venues),
            "presentation": sorted({m["presentation"] for m in metas if m.get("presentation")}),
            "year": sorted({str(m["year"]) for m in metas if m.get("year")}, reverse=True),
            "track": list(catalog.tracks),
        },
    )


def index_notice(exc: Exception) -> str:
    return (
        f"⚠️ **The index is not available.** Build it with `{INGEST_COMMAND}` (or `make ingest`), "
        f"then ask again.\n\nDetails: {md_escape(str(exc))}"
    )


BACKEND_SETUP = (
    "set `OPENAI_BASE_URL` (e.g. `http://127.0.0.1:11434/v1` for Ollama), `ASSISTANT_MODEL`, and "
    "`OPENAI_API_KEY` when the endpoint needs one, then restart the chat"
)


def llm_configured(settings: Settings) -> bool:
    """An endpoint to talk to: a base URL (a local server may need no key) or a key for the default API."""
    return bool(settings.llm.base_url or settings.llm.api_key)


def backend_status(settings: Settings) -> str:
    """Markdown: whether the OpenAI-compatible backend is configured (endpoint, model, key present; never the key)."""
    llm = settings.llm
    if not llm_configured(settings):
        return f"**OpenAI-compatible backend: not configured.** To use it, {BACKEND_SETUP}."
    endpoint = redact_urls(llm.base_url) if llm.base_url else "the OpenAI API (default endpoint)"
    key = "key set" if llm.api_key else "no key"
    return (
        f"**OpenAI-compatible backend: configured** · endpoint `{md_escape(endpoint)}` · "
        f"model `{md_escape(llm.model)}` · {key}"
    )


def check_connection(settings: Settings, timeout: float = 5.0) -> str:
    """Ask the endpoint for its models (GET /models): Markdown saying whether it answered and with what."""
    if not llm_configured(settings):
        return f"⚠️ Nothing to test: {BACKEND_SETUP}."
    import openai

    key = settings.llm.api_key.get_secret_value() if settings.llm.api_key else "none"
    client = openai.OpenAI(base_url=settings.llm.base_url, api_key=key, timeout=timeout, max_retries=0)
    try:
        models = [m.id for m in client.models.list()]
    except openai.APIError as exc:
        return f"⚠️ The endpoint did not answer: {md_escape(redact_urls(str(exc)))[:300]}"
    finally:
        client.close()
    listed = "yes" if settings.llm.model in models else "not listed by the endpoint"
    return f"✅ Connected: {len(models)} model(s) offered; `{md_escape(settings.llm.model)}`: {listed}."
