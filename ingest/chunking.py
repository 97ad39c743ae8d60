"""Heading-aware, token-aware chunking (langchain-text-splitters).

Sections come from markdown headings; each section is then split by word-piece count so that
the embedded text (section heading line + chunk) never exceeds the model's 256-piece window —
nothing is silently truncated. Page numbers come from `<!-- page: N -->` markers.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

from ingest.loaders import PAGE_MARKER, Document

MODEL_MAX_PIECES = 256
HEADERS = [("#", "h1"), ("##", "h2"), ("###", "h3"), ("####", "h4")]


@dataclass(frozen=True)
class ChunkerSettings:
    chunk_pieces: int = 140  # word pieces of body text per chunk
    overlap_pieces: int = 30
    max_pieces: int = MODEL_MAX_PIECES - 2  # room for [CLS] and [SEP]

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Chunk:
    chunk_id: str
    doc_id: str
    ordinal: int
    section: str | None
    page: int | None
    text: str  # exact source text shown and quoted
    embed_text: str  # what the models see: heading path + text

    def to_dict(self) -> dict:
        return asdict(self)


@lru_cache(maxsize=2)
def load_tokenizer(model_dir: str):
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(Path(model_dir) / "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    return tok


def count_pieces(tokenizer, text: str) -> int:
    return len(tokenizer.encode(text, add_special_tokens=False).ids)


def _clean(text: str) -> str:
    text = PAGE_MARKER.sub("", text)
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def chunk_document(doc: Document, tokenizer, settings: ChunkerSettings = ChunkerSettings()) -> list[Chunk]:
    # langchain costs ~0.3 s to import; an ingest that finds nothing changed never chunks
    from langchain_text_splitters import MarkdownHeaderTextSplitter, RecursiveCharacterTextSplitter

    pieces = lambda s: count_pieces(tokenizer, PAGE_MARKER.sub("", s))  # noqa: E731
    header_splitter = MarkdownHeaderTextSplitter(HEADERS, strip_headers=True)
    sections = header_splitter.split_text(doc.text)
    chunks: list[Chunk] = []
    page: int | None = None
    for section in sections:
        body = section.page_content
        path = [section.metadata[k] for _, k in HEADERS if section.metadata.get(k)]
        if path and path[0].strip().lower() == doc.title.strip().lower():
            path = path[1:]  # a cover-title H1 repeats the document title: not a section
        heading = " > ".join(path) if path else None
        head_line = f"{doc.title}" + (f" — {heading}" if heading else "")
        # Keep the heading line short enough that body + heading always fit the model window.
        head_pieces = min(pieces(head_line), 60)
        if pieces(head_line) > 60:
            head_line = tokenizer.decode(tokenizer.encode(head_line, add_special_tokens=False).ids[:60])
        budget = min(settings.chunk_pieces, settings.max_pieces - head_pieces - 1)
        splitter = RecursiveCharacterTextSplitter(
            chunk_size=budget,
            chunk_overlap=min(settings.overlap_pieces, budget // 3),
            length_function=pieces,
            separators=["\n\n", "\n", ". ", "; ", ", ", " ", ""],
            keep_separator="end",
        )
        # Page markers split a section: a chunk never spans a page break, so its page is exact.
        for seg_page, segment in _page_segments(body, page):
            for piece in splitter.split_text(segment):
                text = _clean(piece)
                if not text:
                    continue
                ordinal = len(chunks)
                digest = hashlib.sha1(f"{doc.doc_id}:{ordinal}:{text}".encode()).hexdigest()[:10]
                chunks.append(
                    Chunk(
                        chunk_id=f"{doc.doc_id}:{ordinal:04d}:{digest}",
                        doc_id=doc.doc_id,
                        ordinal=ordinal,
                        section=heading,
                        page=seg_page,
                        text=text,
                        embed_text=f"{head_line}\n{text}",
                    )
                )
        markers = PAGE_MARKER.findall(body)
        if markers:
            page = int(markers[-1])
    return chunks


def _page_segments(body: str, page: int | None) -> list[tuple[int | None, str]]:
    """Split text at page markers: [(page, text), ...], carrying the page in force at the start."""
    out: list[tuple[int | None, str]] = []
    last = 0
    for m in PAGE_MARKER.finditer(body):
        out.append((page, body[last : m.start()]))
        page, last = int(m.group(1)), m.end()
    out.append((page, body[last:]))
    return [(p, t) for p, t in out if t.strip()]
