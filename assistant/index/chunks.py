"""Records -> LangChain Documents: the body chunks (one per record when it fits the token budget, else
overlapping chunks), the extra views of each record searched beside them, and the links between records
that share a title.

Views (``IndexSettings.views``) are short texts embedded on their own in a second collection
(``store.views_collection``) so that a question can match a record by what it is called, not only by its whole
abstract: ``title`` is the header title with the English short name; ``lead`` is the abstract's first sentence
after the venue boilerplate (what the paper is about, in its own English words); ``sentence`` is each sentence of
the abstract (a question about one detail matches the sentence that states it).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence

from langchain_core.documents import Document
from langchain_text_splitters import RecursiveCharacterTextSplitter

from assistant.answer.sentences import split_sentences
from assistant.index.tokens import count_tokens
from assistant.records.links import link_line, split_links
from assistant.records.model import Record

SEPARATORS = ["\n\n", "\n", ". ", "。", "; ", " ", ""]
VIEW_NAMES = ("title", "lead", "sentence")
BOILERPLATE = re.compile(r"^(?:ICLR \d{4} (?:Oral|Poster|Spotlight)\.?\s*)?accepted paper at [^.]+\.?$", re.I)
KEY_DROP = re.compile(r"[\W_]+")


def paper_key(title: str) -> str:
    """What makes two titles the same paper's: NFKC, case, spacing and punctuation folded."""
    return KEY_DROP.sub("", unicodedata.normalize("NFKC", title).casefold())


def twins_of(records: list[Record]) -> dict[str, list[str]]:
    """record id -> the ids of the other records with the same paper key (the same paper told twice)."""
    groups: dict[str, list[str]] = defaultdict(list)
    for record in records:
        groups[paper_key(record.title)].append(record.id)
    return {rid: [other for other in ids if other != rid] for ids in groups.values() for rid in ids}


def record_text(record: Record) -> str:
    """The text embedded and searched for a record: header line, abstract and code link."""
    parts = [record.header, record.abstract]
    if record.url:
        parts.append(link_line(record.url))
    return "\n".join(parts)


def abstract_sentences(record: Record) -> list[str]:
    """The abstract's sentences without the venue boilerplate and the code link."""
    body, _ = split_links(record.abstract)
    return [rest for s in split_sentences(body) if len(rest := BOILERPLATE.sub("", s).strip()) > 1]


def view_texts(record: Record, view: str) -> list[str]:
    """The texts of one view of a record (none when the record has nothing for it)."""
    if view == "title":
        return ["\n".join(filter(None, [record.title, record.short_name]))]
    if view == "lead":
        return abstract_sentences(record)[:1]
    if view == "sentence":
        return abstract_sentences(record)
    raise ValueError(f"unknown record view {view!r}: one of {', '.join(VIEW_NAMES)}")


def _link_meta(record: Record, twins: dict[str, list[str]]) -> dict[str, str]:
    return {"paper_key": paper_key(record.title), "twin_ids": "\n".join(twins.get(record.id, []))}


def make_splitter(chunk_tokens: int, chunk_overlap: int) -> RecursiveCharacterTextSplitter:
    return RecursiveCharacterTextSplitter(
        chunk_size=chunk_tokens, chunk_overlap=chunk_overlap, length_function=count_tokens, separators=SEPARATORS
    )


def chunk_records(records: list[Record], chunk_tokens: int, chunk_overlap: int) -> list[Document]:
    """Split every record; each chunk repeats the header so it can be found by title, and carries the metadata
    (with the record's paper key and twins)."""
    splitter = make_splitter(
        chunk_tokens - count_tokens(max((r.header for r in records), key=len, default="")), chunk_overlap
    )
    twins = twins_of(records)
    docs: list[Document] = []
    for record in records:
        body = "\n".join(filter(None, [record.abstract, link_line(record.url) if record.url else ""]))
        pieces = [body] if count_tokens(record_text(record)) <= chunk_tokens else splitter.split_text(body)
        for i, piece in enumerate(pieces):
            meta = record.metadata() | _link_meta(record, twins) | {"chunk": i, "chunks": len(pieces)}
            docs.append(Document(page_content=f"{record.header}\n{piece}", metadata=meta))
    return docs


def view_docs(records: list[Record], views: Sequence[str]) -> list[Document]:
    """The Documents of every record's views, with the record's metadata, ``view`` and ``position``."""
    twins = twins_of(records)
    docs: list[Document] = []
    for record in records:
        for view in views:
            for i, text in enumerate(view_texts(record, view)):
                meta = record.metadata() | _link_meta(record, twins) | {"view": view, "position": i}
                docs.append(Document(page_content=text, metadata=meta))
    return docs
