"""One index build, in a process of its own (`python -m bot.sources.build_worker TOKEN HOLDER`), started
by the coordinator of the replica holding the build lease: answering in the server must not wait for
chunking and embedding, which hold the interpreter for seconds at a time.

It materialises the corpus (the curated files plus the documents leads added), ingests it into the
builder's own index (`<index>/.builder`, seeded from the build being served so only what changed is
embedded), publishes the build to the database and ends the requests as live — or, when anything
fails, ends them as failed with the reason, leaving the current build serving. It prints one JSON
line: {"outcome": "live"|"failed"|"lost", "build_id", "detail"}.

If the server that started it dies, so does it (a watchdog on the parent): the lease then expires
and whoever takes it next builds again.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import threading
import time
from pathlib import Path
from typing import Any

from bot.config import get_settings
from bot.sources.build_files import BUILDER_DIR, build_files, local_build, publish_build, remember_published


def materialise(store: Any, corpus_dir: Path, staging_dir: Path) -> Path:
    """The corpus to build from: the curated directory plus the documents in the store (the source
    library's `materialise_corpus`), or the curated directory alone where that is not available."""
    try:
        from bot.sources.store import materialise_corpus  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return corpus_dir
    return Path(materialise_corpus(store, corpus_dir, staging_dir))


def seed_builder(index_dir: Path, builder: Path) -> None:
    """Point the builder's index at the build being served (hard links), so ingest reuses its
    vectors and re-embeds only the documents that changed."""
    serving = local_build(index_dir)
    if serving is None or local_build(builder) == serving:
        return
    source, target = index_dir / "builds" / serving, builder / "builds" / serving
    if not target.is_dir():
        tmp = builder / "builds" / f".tmp-seed-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(source, tmp, copy_function=_link_or_copy)
        os.replace(tmp, target)
    pointer = builder / ".CURRENT.tmp"
    pointer.write_text(serving)
    os.replace(pointer, builder / "CURRENT")


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def build(store: Any, settings: Any, token: str, holder: str) -> dict:
    from ingest.pipeline import run_ingest

    index_dir = Path(settings.index_dir)
    builder = index_dir / BUILDER_DIR
    try:
        seed_builder(index_dir, builder / "index")
        remember_published(store, index_dir)  # publishing then hashes only the files that are new
        corpus = materialise(store, Path(settings.corpus_dir), builder / "corpus")
        report = run_ingest(corpus, builder / "index", settings.model)
        assert report.build_id, "ingest gave no build"
        built = builder / "index" / "builds" / report.build_id
        if not publish_build(store, built, published_by=holder, token=token):
            return {"outcome": "lost", "build_id": report.build_id, "detail": "the build lease was lost"}
        embedded = f"{len(report.embedded)} of {len(report.indexed)} documents embedded"
        return {
            "outcome": "live",
            "build_id": report.build_id,
            "detail": embedded,
            "ingest_s": round(report.seconds, 1),
            "hashes": {f.path: f.sha256 for _, f in build_files(built)},  # cached: publish hashed them
        }
    except Exception as e:  # noqa: BLE001 - whatever broke, the lead is told why and the old build serves
        detail = f"{type(e).__name__}: {str(e).splitlines()[0][:300] if str(e) else ''}".rstrip(": ")
        store.fail_build_requests(token, detail)
        return {"outcome": "failed", "build_id": None, "detail": detail}


def _die_with_parent(parent: int) -> None:
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(3)

    threading.Thread(target=watch, daemon=True).start()


def main(argv: list[str]) -> int:
    token, holder, parent = argv[0], argv[1], int(argv[2])
    _die_with_parent(parent)
    try:
        os.nice(10)  # answering, in the server beside it, comes first for the CPU
    except OSError:
        pass
    from bot.storage.store import Store

    settings = get_settings()
    store = Store(settings.effective_database_url, user_hash_salt=settings.user_hash_salt)
    try:
        result = build(store, settings, token, holder)
    finally:
        store.close()
    print(json.dumps(result), flush=True)
    return 0 if result["outcome"] == "live" else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
