"""Retention and erasure across the tables (`hibot purge`, `hibot forget`; see docs/architecture.md
"Storage"). Subscriptions and delivery history are kept: the rotation depends on them and they hold
no personal data once `created_by` is cleared."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, update

from bot.storage.base import StoreBase, utcnow
from bot.storage.schema import answers, events_seen, feedback, subscriptions


class RetentionStore(StoreBase):
    def purge(self, older_than_days: int, now: datetime | None = None) -> dict[str, int]:
        """Delete answers, feedback and seen events older than the cut-off; returns rows deleted per table."""
        cutoff = (now or utcnow()) - timedelta(days=older_than_days)
        with self.engine.begin() as conn:
            return {
                "answers": conn.execute(delete(answers).where(answers.c.created < cutoff)).rowcount,
                "feedback": conn.execute(delete(feedback).where(feedback.c.created < cutoff)).rowcount,
                "events_seen": conn.execute(
                    delete(events_seen).where(events_seen.c.seen_at < cutoff)
                ).rowcount,
            }

    def forget_user(self, platform: str, user_id: str) -> int:
        """Erase one person: their feedback and answers go; subscriptions they created stay but lose
        the link to them. Returns the number of records deleted or anonymised."""
        h = self.hash_user(platform, user_id)
        with self.engine.begin() as conn:
            n = conn.execute(
                delete(feedback).where(feedback.c.platform == platform, feedback.c.user_hash == h)
            ).rowcount
            n += conn.execute(
                delete(answers).where(answers.c.platform == platform, answers.c.user_hash == h)
            ).rowcount
            n += conn.execute(
                update(subscriptions)
                .where(subscriptions.c.platform == platform, subscriptions.c.created_by == h)
                .values(created_by=None)
            ).rowcount
        return n
