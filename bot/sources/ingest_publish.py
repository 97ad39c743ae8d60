"""`hibot ingest` with a database configured (HIBOT_DATABASE_URL): the operator's build is one the
replicas share. It is built from the curated corpus plus the documents leads added (so an operator's
rebuild does not drop them), and published to the database, where every running replica's build
coordinator fetches it and swaps it in (bot/sources/coordinator.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.sources.build_files import BUILDER_DIR, publish_build
from bot.sources.build_worker import materialise
from ingest.loaders import scan_corpus

OPERATOR = "operator (hibot ingest)"


def open_shared_store(settings: Any) -> Any:
    from bot.storage import open_store

    return open_store(settings)


def corpus_to_ingest(store: Any, corpus_dir: Path, index_dir: Path) -> tuple[Path, list[dict]]:
    """The curated corpus plus the stored documents, materialised beside the index, and the curated
    files refused before anything read them (a symbolic link, a file over the size limit): they are
    left out of the materialised corpus, and the operator's report must still name them."""
    refused = scan_corpus(Path(corpus_dir))[1]
    return materialise(store, corpus_dir, Path(index_dir) / BUILDER_DIR / "operator-corpus"), refused


def publish_ingested(store: Any, index_dir: Path, build_id: str | None, built: bool) -> bool:
    """Publish the build ingest made (or, when nothing changed, the live one if the database has no
    current build yet); True when published. An unchanged re-ingest never overrides a newer shared
    build (one a lead's upload made on a replica)."""
    if not build_id or (not built and store.current_index_build() is not None):
        return False
    return publish_build(store, Path(index_dir) / "builds" / build_id, published_by=OPERATOR)
