"""The corpus a build ingests: the curated files in `corpus/` merged with the library's stored
documents (bot/storage/library_docs.py), as one directory `ingest.pipeline.run_ingest` reads as it
reads `corpus/` itself.

`materialise_corpus(store, corpus_dir, staging_dir)` writes that directory: every curated file (hard
linked where it can be) except retired ones, every active stored document as `library/<id>.md` (its
checked text), and a merged `sources.yaml` carrying each stored document's metadata and
`superseded_by` where a document was replaced. The same store state gives byte-identical files, so
ingest's per-file hashes find unchanged documents unchanged and reuses their passages.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Protocol

import yaml

from bot.storage.library_docs import LibraryDocument, LibraryState
from ingest.loaders import FRONT_MATTER, load_sources, scan_corpus

LIBRARY_SUBDIR = "library"


class LibrarySource(Protocol):
    def library_documents(self, include_retired: bool = False) -> list[LibraryDocument]: ...
    def library_state(self) -> LibraryState: ...


def curated_documents(corpus_dir: Path) -> dict[str, Path]:
    """The curated corpus's document ids and their files (ids as ingest will give them)."""
    sources = load_sources(corpus_dir)
    files, _refused = scan_corpus(corpus_dir)
    out: dict[str, Path] = {}
    for path in files:
        named = _front_matter_id(path)  # as ingest.loaders.load_document finds an entry and an id
        entry = sources.get(path.name) or sources.get(named or path.stem) or {}
        doc_id = entry.get("id") or named or path.stem
        out[str(doc_id)] = path
    return out


def corpus_ids(corpus_dir: Path) -> set[str]:
    """What a stored document may not be called: the curated ids and file names (without suffix), so
    its `library/<id>.md` never shares a name with a curated file in sources.yaml."""
    docs = curated_documents(corpus_dir)
    return set(docs) | {p.stem for p in docs.values()}


def materialise_corpus(store: LibrarySource, corpus_dir: Path, staging_dir: Path) -> Path:
    """Write the merged corpus into `staging_dir` (emptied first) and return it."""
    corpus_dir, staging_dir = Path(corpus_dir), Path(staging_dir)
    state = store.library_state()
    if staging_dir.exists():
        shutil.rmtree(staging_dir)
    staging_dir.mkdir(parents=True)
    curated = {
        doc_id: p for doc_id, p in curated_documents(corpus_dir).items() if doc_id not in state.retired
    }
    for path in sorted(curated.values()):
        _link_or_copy(path, staging_dir / path.relative_to(corpus_dir))
    entries = _curated_entries(corpus_dir, curated, state)
    for doc in store.library_documents():  # active ones, oldest first: a stable order
        rel = f"{LIBRARY_SUBDIR}/{doc.doc_id}.md"
        target = staging_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(doc.text.encode("utf-8"))
        entries.append(_entry(doc, rel))
    text = yaml.safe_dump(entries, sort_keys=False, allow_unicode=True, width=1000)
    (staging_dir / "sources.yaml").write_text(
        "# Written by hibot from corpus/sources.yaml and the source library; do not edit.\n" + text,
        encoding="utf-8",
    )
    return staging_dir


def _curated_entries(corpus_dir: Path, curated: dict[str, Path], state: LibraryState) -> list[dict]:
    """corpus/sources.yaml's entries for the documents kept, with `superseded_by` where replaced."""
    path = corpus_dir / "sources.yaml"
    data = (yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None) or []
    if isinstance(data, dict):
        data = data.get("sources") or list(data.values())
    out = []
    for entry in data:
        if not isinstance(entry, dict):
            continue
        doc_id = entry.get("id")
        if doc_id in state.retired:
            continue
        if doc_id in state.superseded_by:
            entry = {**entry, "superseded_by": state.superseded_by[doc_id]}
        out.append(entry)
    for doc_id, file_path in curated.items():  # a curated file with no entry, replaced in the library
        if doc_id in state.superseded_by and not any(e.get("id") == doc_id for e in out):
            out.append({"id": doc_id, "file": file_path.name, "superseded_by": state.superseded_by[doc_id]})
    return out


def _entry(doc: LibraryDocument, rel: str) -> dict:
    entry: dict = {"id": doc.doc_id, "title": doc.title, "publisher": doc.publisher}
    if doc.published:
        entry["year"] = int(doc.published[:4])
    entry |= {
        "published": doc.published,
        "review_after": doc.review_after,
        "url": doc.url,
        "superseded_by": doc.superseded_by,
        "file": Path(rel).name,
        "origin": "library",
        "original_file": doc.filename,
    }
    return {k: v for k, v in entry.items() if v is not None}


def _front_matter_id(path: Path) -> str | None:
    if path.suffix.lower() not in (".md", ".markdown", ".txt"):
        return None
    try:
        with open(path, encoding="utf-8-sig") as f:
            head = f.read(8192)
    except (OSError, UnicodeDecodeError):
        return None
    m = FRONT_MATTER.match(head)
    try:
        meta = yaml.safe_load(m.group(1)) if m else None
    except yaml.YAMLError:
        return None
    return str(meta["id"]) if isinstance(meta, dict) and meta.get("id") else None


def _link_or_copy(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)
    except OSError:  # another file system, or links not allowed: a copy is the same bytes
        shutil.copy2(src, dst)
