"""Load corpus files (markdown, text, PDF, Word .docx, saved web pages) into `Document`s with page
markers kept. Word documents and web pages become markdown (ingest/docx_text.py, html_text.py), so
their headings and lists reach chunking as a curated markdown file's do.

Every expected kind of bad input raises `LoadError` with a reason a person can act on; the
pipeline reports it by file name and carries on with the rest of the corpus.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ingest.docx_text import docx_text
from ingest.html_text import html_text
from ingest.limits import IngestLimits, megabytes
from ingest.load_error import LoadError

SUPPORTED = {".md", ".markdown", ".txt", ".pdf", ".docx", ".html", ".htm"}
# Curated markdown marks page starts with this comment; PDFs get the same markers from pypdf pages.
PAGE_MARKER = re.compile(r"<!--\s*page:\s*(\d+)\s*-->")
FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)


@dataclass
class Document:
    doc_id: str
    path: Path
    text: str  # markdown-ish text; page starts marked with PAGE_MARKER comments
    meta: dict = field(default_factory=dict)  # title, publisher, year, url, licence, review_after, ...

    @property
    def title(self) -> str:
        return self.meta.get("title") or self.path.stem.replace("-", " ").replace("_", " ")


def corpus_files(corpus_dir: Path) -> list[Path]:
    return scan_corpus(corpus_dir)[0]


def scan_corpus(corpus_dir: Path, limits: IngestLimits | None = None) -> tuple[list[Path], list[dict]]:
    """The corpus files to ingest, and those refused before anything reads them ({"file", "reason"}):
    symlinks and anything resolving outside the corpus (a link to /etc or another share is never
    followed), and files over the size limit."""
    limits = limits or IngestLimits()
    root = corpus_dir.resolve()
    files: list[Path] = []
    refused: list[dict] = []
    for p in sorted(corpus_dir.rglob("*")):
        if p.suffix.lower() not in SUPPORTED or p.name.startswith(".") or p.name.lower() == "readme.md":
            continue
        rel = str(p.relative_to(corpus_dir))
        reason = _refusal(p, root, limits)
        if reason:
            refused.append({"file": rel, "reason": reason})
        elif p.is_file():
            files.append(p)
    return files, refused


def _refusal(p: Path, root: Path, limits: IngestLimits) -> str | None:
    if p.is_symlink():
        return "symbolic link; put the file itself in the corpus"
    try:
        real = p.resolve(strict=True)
        size = real.stat().st_size
    except (OSError, RuntimeError):
        return "cannot be resolved (broken link or loop)"
    if not real.is_relative_to(root):
        return "resolves outside the corpus directory"
    if size > limits.max_file_bytes:
        return f"file is {megabytes(size)}, over the limit of {megabytes(limits.max_file_bytes)}"
    return None


def load_sources(corpus_dir: Path) -> dict[str, dict]:
    """sources.yaml entries keyed by file name (and by id), so metadata follows the file."""
    path = corpus_dir / "sources.yaml"
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if isinstance(data, dict):
        data = data.get("sources") or list(data.values())
    out: dict[str, dict] = {}
    for entry in data:
        if isinstance(entry, dict):
            for key in (entry.get("file"), entry.get("id")):
                if key:
                    out[str(key)] = entry
    return out


def load_document(
    path: Path, sources: dict[str, dict] | None = None, limits: IngestLimits | None = None
) -> Document:
    limits = limits or IngestLimits()
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise LoadError(f"unsupported file type {suffix!r} (use .md, .txt, .pdf, .docx or .html)")
    size = path.stat().st_size
    if size == 0:
        raise LoadError("file is empty (0 bytes)")
    if size > limits.max_file_bytes:
        raise LoadError(f"file is {megabytes(size)}, over the limit of {megabytes(limits.max_file_bytes)}")
    meta: dict = {}
    if suffix == ".pdf":
        text = _read_pdf(path, limits)
    elif suffix == ".docx":
        text, props = docx_text(path.read_bytes(), limits)
        # A .docx's created date is when someone started the file, not when it was published.
        meta = {"title": props["title"]} if props.get("title") else {}
    else:
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise LoadError(f"not UTF-8 text (byte {e.start}); re-save it as UTF-8") from None
        if len(text) > limits.max_chars:
            raise LoadError(f"holds {len(text):,} characters, over the limit of {limits.max_chars:,}")
        if suffix in (".html", ".htm"):
            text, meta = html_text(text, limits)  # the page's title and published date
        else:
            meta, text = _split_front_matter(text)
    if not PAGE_MARKER.sub("", text).strip():
        raise LoadError("no text in file")
    entry = (sources or {}).get(path.name) or (sources or {}).get(meta.get("id", path.stem)) or {}
    merged = {**meta, **{k: v for k, v in entry.items() if v is not None}}
    doc_id = str(merged.get("id") or path.stem)
    return Document(doc_id=doc_id, path=path, text=text, meta=merged)


def _split_front_matter(text: str) -> tuple[dict, str]:
    m = FRONT_MATTER.match(text)
    if not m:
        return {}, text
    try:
        meta = yaml.safe_load(m.group(1)) or {}
    except yaml.YAMLError:
        return {}, text
    return (meta if isinstance(meta, dict) else {}), text[m.end() :]


def _read_pdf(path: Path, limits: IngestLimits) -> str:
    from ingest import pdf_text  # the child process that reads PDFs under the limits

    text = pdf_text.extract(path, limits)
    if not PAGE_MARKER.sub("", text).strip():
        raise LoadError("PDF has no extractable text (scanned/image-only?); OCR it first")
    return text
