"""Hot reload: a running server notices a new index build (index/CURRENT changed by `hibot ingest`),
loads it fully off the request path, then swaps it in with one assignment. Until the swap every
answer comes from the old build; a build that fails to load leaves the old one serving and is one
`index_reload_failed` log line (tried again only when CURRENT names another build).

Polling, not inotify: CURRENT is replaced with os.replace by ingest, which works the same on every
filesystem a container may mount the index from."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from bot import logs, metrics
from bot.engine.index import POINTER
from bot.runtime import LoadedEngine

log = logs.get_logger("hibot.index")


class SwappableEngine(Protocol):
    @property
    def build_id(self) -> str: ...

    def swap(self, engine: LoadedEngine) -> LoadedEngine: ...


class IndexWatcher:
    def __init__(
        self,
        index_dir: Path,
        engine: SwappableEngine,
        load: Callable[[Path], LoadedEngine],
        on_swap: Callable[[LoadedEngine], None] = lambda _: None,
        interval_s: float = 5.0,
    ):
        self.index_dir = Path(index_dir)
        self.engine = engine
        self.load = load  # build directory -> engine loaded and warmed
        self.on_swap = on_swap
        self.interval_s = interval_s
        self.failed: str | None = None  # the build that last failed to load: not retried every poll

    def pointed_build(self) -> str | None:
        try:
            return (self.index_dir / POINTER).read_text(encoding="utf-8").strip() or None
        except OSError:
            return None

    def check_once(self) -> bool:
        """Load and swap in the build CURRENT names, if it is new; True when swapped. Blocking: run it
        in a thread."""
        build_id = self.pointed_build()
        serving = self.engine.build_id
        if build_id is None or build_id in (serving, self.failed):
            return False
        try:
            fresh = self.load(self.index_dir / "builds" / build_id)
        except Exception as e:  # noqa: BLE001 - any unloadable build: the old one keeps serving
            self.failed = build_id
            metrics.INDEX_RELOADS.labels(outcome="failed").inc()
            detail = str(e).splitlines()[0][:200] if str(e) else ""
            log.error(
                "index_reload_failed",
                build_id=build_id,
                serving=serving,
                reason=f"{type(e).__name__}: {detail}".rstrip(": "),
            )
            return False
        self.engine.swap(fresh)
        self.on_swap(fresh)
        self.failed = None
        metrics.INDEX_RELOADS.labels(outcome="swapped").inc()
        log.info("index_reloaded", build_id=fresh.build_id, previous=serving)
        return True

    async def run_forever(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            try:
                await asyncio.to_thread(self.check_once)
            except Exception:  # never let the watcher die: the next poll tries again
                log.exception("index_watch_failed")
