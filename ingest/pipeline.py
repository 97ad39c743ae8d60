"""`hibot ingest`: corpus -> index, incrementally (per-file sha256) and atomically.

A no-change run compares hashes against the live manifest and returns without loading the
embedding model. Files that fail to load are reported with their reason and skipped.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from bot.engine import lexical
from bot.engine.text import split_units
from ingest import index_store
from ingest.chunking import ChunkerSettings, chunk_document, load_tokenizer
from ingest.embedding import PassageEncoder, has_export, max_pieces, model_export, resolve_model_dir
from ingest.library import build_library
from ingest.limits import IngestLimits
from ingest.loaders import LoadError, load_document, load_sources, scan_corpus
from ingest.lock import ingest_lock
from ingest.progress import NothingIndexed, Progress

# Bump when chunking, embedding text or the build's files change meaning: forces a full rebuild.
PIPELINE_VERSION = 9


@dataclass
class IngestReport:
    status: str  # "built" | "unchanged"
    build_id: str | None
    files: int = 0
    indexed: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    embedded: list[str] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)  # {"file", "reason"}
    chunks: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return self.__dict__.copy()


def file_key(path: Path, source_entry: dict | None) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:  # in blocks: a large file is hashed without being held in memory
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    if source_entry:
        h.update(json.dumps(source_entry, sort_keys=True, default=str).encode())
    return h.hexdigest()


def run_ingest(
    corpus_dir: Path,
    index_dir: Path,
    model: str,
    rebuild: bool = False,
    progress: Progress | None = None,
    chunker: ChunkerSettings = ChunkerSettings(),
    on_built: Callable[[Path], None] | None = None,
    limits: IngestLimits | None = None,
) -> IngestReport:
    """One ingest at a time per index directory (ingest/lock.py); each file within `limits`
    (ingest/limits.py, from HIBOT_INGEST_* by default), or skipped with the reason."""
    with ingest_lock(index_dir):
        return _run_ingest(
            corpus_dir,
            index_dir,
            model,
            rebuild,
            progress,
            chunker,
            on_built,
            limits or IngestLimits.from_env(),
        )


def _run_ingest(
    corpus_dir: Path,
    index_dir: Path,
    model: str,
    rebuild: bool,
    progress: Progress | None,
    chunker: ChunkerSettings,
    on_built: Callable[[Path], None] | None,
    limits: IngestLimits,
) -> IngestReport:
    t0 = time.perf_counter()
    progress = progress or Progress()
    if not corpus_dir.is_dir():
        raise NothingIndexed(f"corpus directory {corpus_dir} does not exist")
    model_dir = resolve_model_dir(model)
    sources = load_sources(corpus_dir)
    files, refused = scan_corpus(corpus_dir, limits)
    keys = {str(p.relative_to(corpus_dir)): file_key(p, sources.get(p.name)) for p in files}
    settings_sig = {"pipeline": PIPELINE_VERSION, "model": str(model), "chunker": chunker.to_dict()}

    previous = None if rebuild else index_store.read_manifest(index_dir)
    if previous and previous.get("settings") == settings_sig and previous.get("file_keys") == keys:
        return IngestReport(
            status="unchanged",
            build_id=previous["build_id"],
            files=len(files),
            chunks=previous["counts"]["chunks"],
            seconds=time.perf_counter() - t0,
            skipped=previous.get("skipped", []),
        )

    report = IngestReport(status="built", build_id=None, files=len(files), skipped=list(refused))
    for r in refused:
        progress.skipped(r["file"], r["reason"])
    build = _Build(keys=keys, settings=settings_sig, model=str(model), model_dir=model_dir, chunker=chunker)
    _load(build, corpus_dir, files, sources, report, progress, limits)
    _assemble(build, index_dir, previous, report)
    _embed(build, index_dir, previous, progress)
    _write(build, index_dir, previous, report, on_built)
    report.chunks = len(build.chunks)
    report.seconds = time.perf_counter() - t0
    return report


@dataclass
class _Build:
    """What one ingest gathers on its way to a new index build."""

    keys: dict[str, str]
    settings: dict
    model: str
    model_dir: Path
    chunker: ChunkerSettings
    docs: dict[str, dict] = field(default_factory=dict)  # doc id -> metadata
    doc_chunks: list[tuple[str, list]] = field(default_factory=list)  # (file, its chunks)
    chunks: list[dict] = field(default_factory=list)
    vectors: list[np.ndarray | None] = field(default_factory=list)  # None until embedded
    to_embed: list[tuple[int, str]] = field(default_factory=list)  # (chunk position, text)
    units: list[dict] = field(default_factory=list)
    unit_vectors: dict[str, np.ndarray] = field(default_factory=dict)  # by unit text
    export_dir: Path | None = None  # the ONNX export passages were embedded with


def _load(
    build: _Build,
    corpus_dir: Path,
    files,
    sources,
    report: IngestReport,
    progress: Progress,
    limits: IngestLimits,
) -> None:
    """Load and chunk every file; one that cannot be read is reported and skipped."""
    tokenizer = load_tokenizer(str(build.model_dir))
    for path in files:
        rel = str(path.relative_to(corpus_dir))
        try:
            doc = load_document(path, sources, limits)
            chunks = chunk_document(doc, tokenizer, build.chunker)
            if not chunks:
                raise LoadError("no text in file")
        except LoadError as e:
            report.skipped.append({"file": rel, "reason": str(e)})
            progress.skipped(rel, str(e))
            continue
        if doc.doc_id in build.docs:
            report.skipped.append({"file": rel, "reason": f"duplicate document id {doc.doc_id!r}"})
            progress.skipped(rel, report.skipped[-1]["reason"])
            continue
        build.docs[doc.doc_id] = _doc_meta(doc, rel, build.keys[rel])
        build.doc_chunks.append((rel, chunks))
    if not build.doc_chunks:
        reasons = "; ".join(f"{s['file']}: {s['reason']}" for s in report.skipped)
        raise NothingIndexed(
            "nothing usable to index: "
            + (reasons or f"no .md, .txt, .pdf, .docx or .html files in {corpus_dir}")
        )


def _assemble(build: _Build, index_dir: Path, previous: dict | None, report: IngestReport) -> None:
    """Every chunk and answer unit in order; a passage or sentence the live build already embedded
    keeps its vector, so an edited document re-embeds only the passages whose text changed."""
    reuse = _previous_vectors(index_dir, previous, build.settings)
    for rel, chunks in build.doc_chunks:
        new = 0
        for c in chunks:
            build.chunks.append({**c.to_dict(), "file": rel})
            build.vectors.append(reuse.get(c.embed_text))
            if build.vectors[-1] is None:
                build.to_embed.append((len(build.chunks) - 1, c.embed_text))
                new += 1
        (report.embedded if new else report.reused).append(rel)
        report.indexed.append(rel)
    # Answers are cut from sentences; their vectors let the engine pick the sentence that answers,
    # not only the one sharing the question's words.
    build.units = [
        {"chunk_id": c["chunk_id"], "text": text, "item": item}
        for c in build.chunks
        for text, item in split_units(c["text"])
    ]
    build.unit_vectors = _previous_unit_vectors(index_dir, previous, build.settings)


def _embed(build: _Build, index_dir: Path, previous: dict | None, progress: Progress) -> None:
    """Embed what is new with the model's ONNX export; the model is loaded only when something is."""
    units_to_embed = sorted({u["text"] for u in build.units if u["text"] not in build.unit_vectors})
    progress.start(len(build.to_embed) + len(units_to_embed))
    if build.to_embed or units_to_embed:
        build.export_dir = model_export(
            build.model_dir, scratch=index_dir / "builds" / f".tmp-export-{os.getpid()}"
        )
        encoder = PassageEncoder(build.export_dir, max_pieces(build.model_dir))
        embedded = encoder.embed([t for _, t in build.to_embed], progress=progress.advance)
        for (pos, _), vec in zip(build.to_embed, embedded, strict=True):
            build.vectors[pos] = vec
        embedded = encoder.embed(units_to_embed, progress=progress.advance)
        build.unit_vectors.update(zip(units_to_embed, embedded, strict=True))
    progress.stop()


def _write(build: _Build, index_dir: Path, previous: dict | None, report: IngestReport, on_built) -> None:
    """Write the build under a temporary name, then swap it in: readers never see half a build."""
    filled = [v for v in build.vectors if v is not None]
    assert len(filled) == len(build.vectors), "every passage is embedded or reused"
    matrix = np.vstack(filled).astype("float32")
    dims = matrix.shape[1]
    unit_matrix = (
        np.vstack([build.unit_vectors[u["text"]] for u in build.units]).astype("float32")
        if build.units
        else np.zeros((0, dims), dtype="float32")
    )
    corpus_hash = hashlib.sha256(json.dumps(build.keys, sort_keys=True).encode()).hexdigest()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    build_id = index_store.unused_build_id(index_dir, stamp + "-" + corpus_hash[:8])
    tmp = index_store.new_build_dir(index_dir)
    try:
        index_store.write_chunks(tmp, build.chunks)
        index_store.write_dense(tmp, matrix)
        index_store.write_units(tmp, build.units, unit_matrix)
        _write_lexical_and_library(tmp, build.chunks, build.docs)
        _write_query_encoder(tmp, index_dir, previous, build.settings, build.model_dir, build.export_dir)
        manifest = _manifest(build, build_id, corpus_hash, dims, report)
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str))
        if on_built:
            on_built(tmp)  # tests use this to simulate a crash before the swap
        index_store.publish(index_dir, tmp, build_id)
    except BaseException:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
        raise
    report.build_id = build_id


def _manifest(build: _Build, build_id: str, corpus_hash: str, dims: int, report: IngestReport) -> dict:
    return {
        "build_id": build_id,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "settings": build.settings,
        "model": {
            "name": build.model,
            "dir": str(build.model_dir),
            "dimensions": int(dims),
            "normalized": True,
            "max_pieces": build.chunker.max_pieces,
        },
        "chunker": {
            "splitter": "MarkdownHeaderTextSplitter + RecursiveCharacterTextSplitter (word pieces)",
            **build.chunker.to_dict(),
        },
        "file_keys": build.keys,
        "files": {m["file"]: {"doc_id": d, "sha256": m["sha256"]} for d, m in build.docs.items()},
        "documents": build.docs,
        "skipped": report.skipped,
        "counts": {"documents": len(build.docs), "chunks": len(build.chunks), "units": len(build.units)},
        "corpus_hash": corpus_hash,
    }


def _doc_meta(doc, rel: str, key: str) -> dict:
    m = doc.meta
    year = m.get("year")
    try:
        year = int(str(year)[:4]) if year else None
    except ValueError:
        year = None
    return {
        "doc_id": doc.doc_id,
        "file": rel,
        "sha256": key,
        "title": doc.title,
        "publisher": m.get("publisher"),
        "year": year,
        "url": m.get("url"),
        "licence": m.get("licence"),
        "published": _s(m.get("published")),
        "review_after": _s(m.get("review_after")),
        "superseded_by": m.get("superseded_by"),
        "description": m.get("description"),
        # Names people use for the document ("the Hunt letter"): resolve "summarise X" and "what does X say".
        "aliases": [str(a) for a in m.get("aliases") or []],
        "voice": m.get("voice"),  # who "I" is in a first-person text, for the attribution frame
    }


def _s(v) -> str | None:
    return str(v) if v else None


def _previous_vectors(index_dir: Path, previous: dict | None, sig: dict) -> dict[str, np.ndarray]:
    """Passage vectors of the live build by the text that was embedded (same model and pipeline)."""
    if not previous or previous.get("settings") != sig:
        return {}
    try:
        build = index_store.current_build_dir(index_dir)
        chunks = index_store.read_chunks(build)
        vecs = np.load(build / "vectors.npy")
    except (index_store.IndexMissing, OSError, ValueError):
        return {}
    if len(chunks) != len(vecs):
        return {}
    return {row["embed_text"]: v for row, v in zip(chunks, vecs, strict=True)}


def _previous_unit_vectors(index_dir: Path, previous: dict | None, sig: dict) -> dict[str, np.ndarray]:
    """Vectors of the live build's answer units, by text (same model and pipeline only)."""
    if not previous or previous.get("settings") != sig:
        return {}
    try:
        stored = index_store.read_units(index_store.current_build_dir(index_dir))
    except index_store.IndexMissing:
        return {}
    if stored is None:
        return {}
    units, vectors = stored
    return {u["text"]: v for u, v in zip(units, vectors, strict=True)}


def _write_lexical_and_library(build: Path, chunks: list[dict], docs_meta: dict) -> None:
    lexical.build([c["embed_text"] for c in chunks], build / "bm25")
    library = build_library(chunks, docs_meta)
    (build / "library.json").write_text(json.dumps(library, ensure_ascii=False))


def _write_query_encoder(
    build: Path, index_dir: Path, previous: dict | None, sig: dict, model_dir: Path, export_dir: Path | None
) -> None:
    """The build's query encoder is the export its vectors came from: the one passages were just
    embedded with, else the previous build's (every vector was reused from it), else the model's."""
    sources = [export_dir] if export_dir else []
    if previous and previous.get("settings", {}).get("model") == sig["model"]:
        try:
            sources.append(index_store.current_build_dir(index_dir))
        except index_store.IndexMissing:
            pass
    source = next((s for s in sources if has_export(s)), None)
    if source is None:
        source = model_export(model_dir, scratch=index_dir / "builds" / f".tmp-export-{os.getpid()}")
    for name in ("query_encoder.onnx", "tokenizer.json"):
        _link_or_copy(source / name, build / name)


def _link_or_copy(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:
        import shutil

        shutil.copy2(src, dst)
