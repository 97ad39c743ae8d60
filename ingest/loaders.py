"""Load corpus files (markdown, text, PDF) into `Document`s with page markers kept.

Every expected kind of bad input raises `LoadError` with a reason a person can act on; the
pipeline reports it by file name and carries on with the rest of the corpus.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

SUPPORTED = {".md", ".markdown", ".txt", ".pdf"}
# Curated markdown marks page starts with this comment; PDFs get the same markers from pypdf pages.
PAGE_MARKER = re.compile(r"<!--\s*page:\s*(\d+)\s*-->")
FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)


class LoadError(Exception):
    """A file that cannot be indexed, with the reason."""


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
    return sorted(
        p
        for p in corpus_dir.rglob("*")
        if p.is_file()
        and p.suffix.lower() in SUPPORTED
        and not p.name.startswith(".")
        and p.name.lower() != "readme.md"
    )


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


def load_document(path: Path, sources: dict[str, dict] | None = None) -> Document:
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise LoadError(f"unsupported file type {suffix!r} (use .md, .txt or .pdf)")
    if path.stat().st_size == 0:
        raise LoadError("file is empty (0 bytes)")
    if suffix == ".pdf":
        text = _read_pdf(path)
        meta: dict = {}
    else:
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise LoadError(f"not UTF-8 text (byte {e.start}); re-save it as UTF-8") from None
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


def _read_pdf(path: Path) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            # Owner-password-only PDFs open with an empty user password; real encryption does not.
            try:
                ok = bool(reader.decrypt(""))
            except Exception:
                ok = False
            if not ok:
                raise LoadError("PDF is encrypted (password protected); save an unprotected copy")
        pages = []
        for n, page in enumerate(reader.pages, 1):
            pages.append(f"<!-- page: {n} -->\n{(page.extract_text() or '').strip()}\n")
    except LoadError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError) as e:
        raise LoadError(
            f"PDF could not be read ({type(e).__name__}: {str(e)[:120]}); is it corrupt?"
        ) from None
    text = "\n".join(pages)
    if not PAGE_MARKER.sub("", text).strip():
        raise LoadError("PDF has no extractable text (scanned/image-only?); OCR it first")
    return text
