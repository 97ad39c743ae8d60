"""Replies and reactions to weekly-prompt posts, for the leads' report: a reply in a prompt's thread
or a reaction on the post is matched to its delivery by the posted message id."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from bot.storage.base import StoreBase, utcnow
from bot.storage.lead_tables import prompt_engagement
from bot.storage.schema import deliveries, subscriptions

KINDS = ("reply", "reaction")


class EngagementStore(StoreBase):
    def prompt_delivery_for(self, platform: str, conversation_id: str, message_id: str) -> int | None:
        """The delivery whose post is this message, or None (most messages are not prompt posts)."""
        q = (
            select(deliveries.c.id)
            .join(subscriptions, subscriptions.c.id == deliveries.c.subscription_id)
            .where(
                subscriptions.c.platform == platform,
                subscriptions.c.conversation_id == conversation_id,
                deliveries.c.message_id == message_id,
                deliveries.c.status == "sent",
            )
        )
        with self.engine.connect() as conn:
            row = conn.execute(q).first()
        return None if row is None else int(row.id)

    def record_engagement(
        self,
        platform: str,
        conversation_id: str,
        message_id: str,
        kind: str,
        user_id: str | None,
        now: datetime | None = None,
    ) -> bool:
        """Count a reply or reaction if `message_id` is a weekly-prompt post; True when it was."""
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}")
        delivery_id = self.prompt_delivery_for(platform, conversation_id, message_id)
        if delivery_id is None:
            return False
        with self.engine.begin() as conn:
            conn.execute(
                prompt_engagement.insert().values(
                    platform=platform,
                    conversation_id=conversation_id,
                    message_id=message_id,
                    delivery_id=delivery_id,
                    kind=kind,
                    user_hash=self.hash_user(platform, user_id) if user_id else None,
                    created=now or utcnow(),
                )
            )
        return True
