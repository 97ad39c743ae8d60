"""Weekly-prompt subscriptions: one slot (weekday, time, time zone, optional audience and tag) per
conversation. Unsubscribing keeps the row (with `unsubscribed_at`) so the delivery history survives."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from bot.storage.base import StoreBase, utcnow
from bot.storage.records import Subscription
from bot.storage.schema import subscriptions


class SubscriptionStore(StoreBase):
    def subscribe(
        self,
        platform: str,
        conversation_id: str,
        *,
        weekday: int,
        time: str,
        timezone: str,
        audience: str | None = None,
        tag: str | None = None,
        created_by: str | None = None,
        now: datetime | None = None,
    ) -> Subscription:
        """Create or replace this conversation's weekly slot (one per conversation) and make it active.
        Re-subscribing keeps the delivery history, so the rotation carries on without repeats.
        `created_by` is the raw platform user id; only its salted hash is stored."""
        if not 0 <= weekday <= 6:
            raise ValueError("weekday must be 0 (Monday) .. 6 (Sunday)")
        now = now or utcnow()
        values = {
            "weekday": weekday,
            "time": time,
            "timezone": timezone,
            "audience": audience,
            "tag": tag,
            "created_by": self.hash_user(platform, created_by) if created_by else None,
            "active": True,
            "paused_reason": None,
            "starts_at": now,
            "unsubscribed_at": None,
            "updated": now,
        }
        stmt = (
            self._insert(subscriptions)
            .values(platform=platform, conversation_id=conversation_id, created=now, **values)
            .on_conflict_do_update(index_elements=["platform", "conversation_id"], set_=values)
        )
        with self.engine.begin() as conn:
            conn.execute(stmt)
        sub = self.get_subscription(platform, conversation_id)
        assert sub is not None
        return sub

    def get_subscription(self, platform: str, conversation_id: str) -> Subscription | None:
        """The conversation's current subscription (None if never subscribed or unsubscribed)."""
        q = select(subscriptions).where(
            subscriptions.c.platform == platform,
            subscriptions.c.conversation_id == conversation_id,
            subscriptions.c.unsubscribed_at.is_(None),
        )
        return self._one(Subscription, q)

    def get_subscription_by_id(self, subscription_id: int) -> Subscription | None:
        return self._one(Subscription, select(subscriptions).where(subscriptions.c.id == subscription_id))

    def list_subscriptions(
        self, platform: str | None = None, *, active_only: bool = False, created_by: str | None = None
    ) -> list[Subscription]:
        """Current subscriptions (unsubscribed ones excluded). `created_by` is a raw user id (needs
        `platform`); it is hashed before the lookup, e.g. for a Slack App Home "your subscriptions"."""
        q = (
            select(subscriptions)
            .where(subscriptions.c.unsubscribed_at.is_(None))
            .order_by(subscriptions.c.id)
        )
        if platform:
            q = q.where(subscriptions.c.platform == platform)
        if active_only:
            q = q.where(subscriptions.c.active.is_(True))
        if created_by is not None:
            if not platform:
                raise ValueError("created_by needs the platform")
            q = q.where(subscriptions.c.created_by == self.hash_user(platform, created_by))
        return self._all(Subscription, q)

    def pause_subscription(
        self, platform: str, conversation_id: str, reason: str, now: datetime | None = None
    ) -> Subscription | None:
        return self._set_subscription(
            platform, conversation_id, active=False, paused_reason=reason[:255], updated=now or utcnow()
        )

    def resume_subscription(
        self, platform: str, conversation_id: str, now: datetime | None = None
    ) -> Subscription | None:
        """Active again from now on: slots that passed while paused are not sent late."""
        now = now or utcnow()
        return self._set_subscription(
            platform, conversation_id, active=True, paused_reason=None, starts_at=now, updated=now
        )

    def unsubscribe(self, platform: str, conversation_id: str, now: datetime | None = None) -> bool:
        now = now or utcnow()
        changed = self._update_subscription(
            platform,
            conversation_id,
            active=False,
            paused_reason="unsubscribed",
            unsubscribed_at=now,
            updated=now,
        )
        return changed == 1

    def _update_subscription(self, platform: str, conversation_id: str, **values) -> int:
        with self.engine.begin() as conn:
            return conn.execute(
                update(subscriptions)
                .where(
                    subscriptions.c.platform == platform,
                    subscriptions.c.conversation_id == conversation_id,
                    subscriptions.c.unsubscribed_at.is_(None),
                )
                .values(**values)
            ).rowcount

    def _set_subscription(self, platform: str, conversation_id: str, **values) -> Subscription | None:
        n = self._update_subscription(platform, conversation_id, **values)
        return self.get_subscription(platform, conversation_id) if n else None
