"""The documents of one index build as people need to see them: title, publisher, dates, whether
past review, and how many passages each gave the index. Read from the build (manifest.json, whose
`documents` carry corpus/sources.yaml's metadata, and chunks.jsonl), so it always describes the
build that is answering, never a hand-written list. One service for the CLI and both chat surfaces."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from bot.engine.index import IndexMissing, current_build_dir

NO_PUBLISHER = "publisher not stated in the document"


@dataclass(frozen=True)
class Source:
    doc_id: str
    title: str
    publisher: str | None  # None: the document does not say who published it
    published: str | None  # ISO date, or None when only a year (or nothing) is known
    year: int | None
    review_after: str | None
    superseded_by: str | None
    url: str | None
    passages: int
    past_review: bool


@dataclass(frozen=True)
class SourceLibrary:
    build_id: str
    built_at: str | None
    sources: list[Source]

    def as_json(self) -> dict:
        return {
            "build_id": self.build_id,
            "built_at": self.built_at,
            "documents": [asdict(s) for s in self.sources],
        }


def library_of_index(index_dir: Path, today: date | None = None) -> SourceLibrary:
    """The live build of an index directory (raises IndexMissing when there is none)."""
    return library_of_build(current_build_dir(Path(index_dir)), today)


def library_of_build(build_dir: Path, today: date | None = None) -> SourceLibrary:
    manifest, passages = _read_build(Path(build_dir).resolve())
    when = today or date.today()
    docs = manifest.get("documents") or {}
    sources = [_source(doc_id, meta, passages.get(doc_id, 0), when) for doc_id, meta in docs.items()]
    sources.sort(key=lambda s: (s.published or str(s.year or ""), s.title), reverse=True)
    return SourceLibrary(manifest.get("build_id", build_dir.name), manifest.get("built_at"), sources)


@lru_cache(maxsize=8)  # a build never changes once written, so its reading can be kept
def _read_build(build_dir: Path) -> tuple[dict, dict[str, int]]:
    try:
        manifest = json.loads((build_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise IndexMissing(f"index build {build_dir.name} cannot be read ({type(e).__name__})") from e
    counts: Counter[str] = Counter()
    try:
        with open(build_dir / "chunks.jsonl", encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    counts[json.loads(line).get("doc_id", "")] += 1
    except (OSError, ValueError) as e:
        raise IndexMissing(f"index build {build_dir.name} cannot be read ({type(e).__name__})") from e
    return manifest, dict(counts)


def _source(doc_id: str, meta: dict, passages: int, today: date) -> Source:
    review = _text(meta.get("review_after"))
    return Source(
        doc_id=doc_id,
        title=_text(meta.get("title")) or doc_id,
        publisher=stated_publisher(meta.get("publisher")),
        published=_text(meta.get("published")),
        year=meta.get("year") if isinstance(meta.get("year"), int) else None,
        review_after=review,
        superseded_by=_text(meta.get("superseded_by")),
        url=_text(meta.get("url")),
        passages=passages,
        past_review=_before(review, today),
    )


def stated_publisher(value: object) -> str | None:
    """The publisher, or None when the document does not state one. The corpus records that case in
    words ("Unknown (not stated in the source)"); it is shown as NO_PUBLISHER instead."""
    text = _text(value)
    if not text or text.lower().startswith(("unknown", "not stated")):
        return None
    return text


def _text(value: object) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


def _before(iso: str | None, today: date) -> bool:
    try:
        return iso is not None and date.fromisoformat(iso[:10]) < today
    except ValueError:
        return False
