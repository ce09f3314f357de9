"""Records -> LangChain Documents: one chunk per record when it fits the token budget, else overlapping chunks."""

from __future__ import annotations

from langchain_core.documents import Document
from langchain_text_splitters import RecursiveCharacterTextSplitter

from assistant.index.tokens import count_tokens
from assistant.records.links import link_line
from assistant.records.model import Record

SEPARATORS = ["\n\n", "\n", ". ", "。", "; ", " ", ""]


def record_text(record: Record) -> str:
    """The text embedded and searched for a record: header line, abstract and code link."""
    parts = [record.header, record.abstract]
    if record.url:
        parts.append(link_line(record.url))
    return "\n".join(parts)


def make_splitter(chunk_tokens: int, chunk_overlap: int) -> RecursiveCharacterTextSplitter:
    return RecursiveCharacterTextSplitter(
        chunk_size=chunk_tokens, chunk_overlap=chunk_overlap, length_function=count_tokens, separators=SEPARATORS
    )


def chunk_records(records: list[Record], chunk_tokens: int, chunk_overlap: int) -> list[Document]:
    """Split every record; each chunk repeats the header so it can be found by title, and carries the metadata."""
    splitter = make_splitter(
        chunk_tokens - count_tokens(max((r.header for r in records), key=len, default="")), chunk_overlap
    )
    docs: list[Document] = []
    for record in records:
        body = "\n".join(filter(None, [record.abstract, link_line(record.url) if record.url else ""]))
        pieces = [body] if count_tokens(record_text(record)) <= chunk_tokens else splitter.split_text(body)
        for i, piece in enumerate(pieces):
            meta = record.metadata() | {"chunk": i, "chunks": len(pieces)}
            docs.append(Document(page_content=f"{record.header}\n{piece}", metadata=meta))
    return docs
