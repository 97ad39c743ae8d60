"""Index builds shared by replicas: asking for one (`request_build`), and being told when one ends
(`on_build_finished`). The coordinator that serves the requests is in bot/sources/coordinator.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# (request_id, notify, outcome "live" | "failed", detail): called once per finished request, on the
# replica that built it.
BuildFinished = Callable[[int, dict | None, str, str], None]
_CALLBACKS: list[BuildFinished] = []


def request_build(store: Any, *, reason: str, requested_by: str | None, notify: dict | None = None) -> int:
    """Ask for a new index build of the corpus and the stored documents; the request's id. Whichever
    replica holds the build lease builds it (in the background, within seconds) and every replica
    then serves it. `notify` is handed back to the `on_build_finished` callbacks as it was given."""
    return int(store.request_index_build(reason, requested_by, notify))


def on_build_finished(callback: BuildFinished) -> BuildFinished:
    """Register `callback(request_id, notify, outcome, detail)`; usable as a decorator."""
    if callback not in _CALLBACKS:
        _CALLBACKS.append(callback)
    return callback


def build_finished_callbacks() -> list[BuildFinished]:
    return list(_CALLBACKS)
