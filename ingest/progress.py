"""What an ingest tells its caller as it goes, and how it fails; a module of its own so the CLI can
use both without importing the pipeline (langchain, sentence-transformers) at start-up."""

from __future__ import annotations


class NothingIndexed(Exception):
    """No file in the corpus could be indexed (each one's reason is in the message)."""


class IngestBusy(NothingIndexed):
    """Another ingest holds the index directory's lock (ingest/lock.py)."""


class Progress:
    """The silent default; the CLI renders it as a rich progress bar."""

    def start(self, total: int) -> None: ...  # passages + sentences to embed
    def advance(self, n: int) -> None: ...
    def skipped(self, file: str, reason: str) -> None: ...
    def stop(self) -> None: ...
