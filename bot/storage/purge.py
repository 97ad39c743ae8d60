"""The retention policy applied in the background: `hibot serve` purges records older than
HIBOT_RETENTION_DAYS once a day (`hibot purge --older-than DAYS` does the same by hand).

What is purged and what is kept is `Store.purge` (bot/storage/retention.py); this module only
decides when, and keeps going through a database outage."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import structlog

from bot.storage.protocols import Retention

log = structlog.get_logger("hibot.retention")

EVERY = timedelta(days=1)


def utc_clock() -> datetime:
    return datetime.now(UTC)


class RetentionJob:
    def __init__(
        self,
        store: Retention,
        retention_days: int,
        clock: Callable[[], datetime] = utc_clock,
        every: timedelta = EVERY,
    ):
        self.store = store
        self.retention_days = retention_days
        self.clock = clock
        self.every = every
        self._last: datetime | None = None

    async def run_due(self) -> dict[str, int] | None:
        """Purge if the last purge is `every` ago (or never ran here); returns the rows deleted."""
        now = self.clock()
        if self._last is not None and now - self._last < self.every:
            return None
        counts = await asyncio.to_thread(self.store.purge, self.retention_days, now)
        self._last = now
        log.info("retention_purge", days=self.retention_days, **counts)
        return counts

    async def run_forever(self, interval_s: float = 600) -> None:
        """Check every `interval_s`; a failed purge is logged and tried again at the next check."""
        while True:
            try:
                await self.run_due()
            except asyncio.CancelledError:
                raise
            except Exception:  # a database blip must not end the loop
                log.exception("retention_purge_failed")
            await asyncio.sleep(interval_s)
