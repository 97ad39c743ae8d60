"""What an ingest tells its caller as it goes; a module of its own so the CLI can implement it
without importing the pipeline (and its heavy imports) at start-up."""

from __future__ import annotations


class Progress:
    """The silent default; the CLI renders it as a rich progress bar."""

    def start(self, total: int) -> None: ...  # passages + sentences to embed
    def advance(self, n: int) -> None: ...
    def skipped(self, file: str, reason: str) -> None: ...
    def stop(self) -> None: ...
