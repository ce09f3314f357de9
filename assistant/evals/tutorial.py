"""The LangChain + Chroma tutorial pipeline: the named baseline of ``assistant eval --compare tutorial default``
and the pipeline the benchmarks' ``baseline`` section times (benchmarks/workers/baseline.py builds it here).

What it does, as LangChain's RAG tutorial does: the project's chunks (same text and metadata) embedded with
all-MiniLM-L6-v2 (sentence-transformers) into a Chroma collection through ``langchain_chroma``; a question
is answered from its top-k chunks by cosine alone: no query analysis or filters, no BM25, no rewriting of
follow-ups (the earlier questions and the question are joined as the query), no abstention. Those chunks
are numbered and "stuffed" into the same answer step and citation check as the project's chain (offline:
the extractive answerer; ``backend=openai``: the LLM with the project's prompts), so a comparison measures
the pipeline around the answerer. It needs the ``bench`` extra (torch, sentence-transformers, the MiniLM
wheel).
"""

from __future__ import annotations

from typing import Any

from assistant.settings import Settings

EXTRA = "bench"
DESCRIPTION = "tutorial: MiniLM dense top-k (langchain_chroma), no analysis, filters or abstention"


class TutorialUnavailable(RuntimeError):
    """The tutorial's dependencies are not installed; the message names the extra."""


def minilm(settings: Settings) -> Any:
    """all-MiniLM-L6-v2, behind the settings' embedding cache when one is set."""
    from assistant.index.embeddings import MiniLMEmbeddings, cache_backed

    try:
        model = MiniLMEmbeddings()
    except ImportError as exc:
        raise TutorialUnavailable(
            f"the tutorial pipeline needs the {EXTRA!r} extra ({exc.name or exc}): pip install -e '.[{EXTRA}]' "
            "(or make bench)"
        ) from None
    cache = settings.index.embedding_cache
    return cache_backed(model, cache) if cache is not None else model


class TutorialPipeline:
    """Chroma over the given chunks (LangChain Documents) with ``embeddings``; ``search`` returns the top-k."""

    def __init__(self, docs: list[Any], embeddings: Any, client: Any = None) -> None:
        import chromadb
        from langchain_chroma import Chroma

        if client is None:
            client = chromadb.EphemeralClient(settings=chromadb.config.Settings(anonymized_telemetry=False))
        self.docs, self.embeddings = docs, embeddings
        self.store = Chroma.from_documents(docs, embeddings, client=client, collection_name="tutorial")

    @classmethod
    def over_index(cls, settings: Settings) -> TutorialPipeline:
        """The tutorial over the chunks of the live index (identical text and metadata), with MiniLM."""
        from langchain_core.documents import Document

        from assistant.retrieve.hybrid import get_retriever

        catalog = get_retriever(settings).catalog
        docs = [Document(page_content=t, metadata=m) for t, m in zip(catalog.texts, catalog.metas, strict=True)]
        return cls(docs, minilm(settings))

    def search(self, query: str, k: int) -> list[Any]:
        """The top-k chunks (LangChain Documents) with their cosine distance."""
        return self.store.similarity_search_with_score(query, k=k)


def hits(results: list[Any]) -> list[Any]:
    """The chunks as the chain's ``Hit`` objects, one per record, in rank order."""
    from assistant.records.model import meta_from_metadata
    from assistant.retrieve.hybrid import Hit

    out: list[Hit] = []
    seen: set[str] = set()
    for doc, distance in results:
        meta = doc.metadata
        if meta["record_id"] in seen:
            continue
        seen.add(meta["record_id"])
        body = doc.page_content.split("\n", 1)[-1]
        score = 1.0 - float(distance) / 2  # Chroma's default l2 (squared) of unit vectors is 2 - 2 cos
        out.append(
            Hit(
                **meta_from_metadata(meta),
                rank=len(out) + 1,
                record_id=meta["record_id"],
                header=meta["header"],
                sources=meta["sources"].split("\n"),
                score=score,
                snippet=body[:200],
                text=doc.page_content,
                dense=score,
            )
        )
    return out


class TutorialAnswerer:
    """``answer(question, history, settings, backend)`` the tutorial's way, returning a chain ``Turn``."""

    def __init__(self, settings: Settings) -> None:
        self.pipeline = TutorialPipeline.over_index(settings)

    def __call__(self, question: str, history: list[Any], settings: Settings, backend: str | None) -> Any:
        import time

        from assistant.answer.analyse import analyse
        from assistant.answer.chain import answer_step, check, new_turn
        from assistant.answer.context import build_context
        from assistant.retrieve.query import QueryPlan

        started = time.perf_counter()
        turn = new_turn(question, history, settings, backend, None)
        turn.standalone = " ".join([*turn.history, turn.question])
        turn.analysis = analyse(turn.question, QueryPlan(turn.standalone))
        found = hits(self.pipeline.search(turn.standalone, settings.retrieval.k))
        turn.sources = build_context(found, {}, settings.answer.context_tokens)
        turn = (answer_step | check).invoke(turn)
        turn.timings_ms["total"] = (time.perf_counter() - started) * 1000
        return turn
