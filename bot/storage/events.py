"""Retry dedupe: Slack and Teams resend an event they think was lost; only its first delivery counts."""

from __future__ import annotations

from datetime import datetime

from bot.storage.base import StoreBase, utcnow
from bot.storage.schema import events_seen


class EventStore(StoreBase):
    def claim_event(self, platform: str, event_id: str, now: datetime | None = None) -> bool:
        """True exactly once per (platform, event id), across replicas and restarts."""
        stmt = (
            self._insert(events_seen)
            .values(platform=platform, event_id=event_id, seen_at=now or utcnow())
            .on_conflict_do_nothing(index_elements=["platform", "event_id"])
            .returning(events_seen.c.id)
        )
        with self.engine.begin() as conn:
            return conn.execute(stmt).first() is not None
