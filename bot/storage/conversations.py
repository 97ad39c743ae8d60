"""Conversations the bot is in: where weekly prompts can be posted and answers shared, and which
ones removed it (never posted to again until it hears from them)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update

from bot.storage.base import StoreBase, utcnow
from bot.storage.records import Conversation
from bot.storage.schema import conversations


class ConversationStore(StoreBase):
    def upsert_conversation(
        self,
        platform: str,
        conversation_id: str,
        reference: dict | None = None,
        *,
        channel_id: str | None = None,
        team_id: str | None = None,
        name: str | None = None,
        kind: str | None = None,
        now: datetime | None = None,
    ) -> None:
        """Called on install and on every message: (re)marks the conversation installed and not removed.
        Fields passed as None keep their stored value (a later message may carry less context)."""
        now = now or utcnow()
        values = {
            "platform": platform,
            "conversation_id": conversation_id,
            "reference": reference,
            "channel_id": channel_id,
            "team_id": team_id,
            "name": name,
            "kind": kind,
        }
        stmt = self._insert(conversations).values(
            **values, installed=True, removed=False, created=now, updated=now
        )
        keep = {
            k: func.coalesce(stmt.excluded[k], conversations.c[k])
            for k in ("channel_id", "team_id", "name", "kind")
        }
        if reference is not None:  # JSON columns do not coalesce portably; only overwrite when given
            keep["reference"] = stmt.excluded.reference
        stmt = stmt.on_conflict_do_update(
            index_elements=["platform", "conversation_id"],
            set_={**keep, "installed": True, "removed": False, "updated": now},
        )
        with self.engine.begin() as conn:
            conn.execute(stmt)

    def mark_conversation_removed(
        self, platform: str, conversation_id: str, now: datetime | None = None
    ) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(conversations)
                .where(
                    conversations.c.platform == platform, conversations.c.conversation_id == conversation_id
                )
                .values(removed=True, updated=now or utcnow())
            )

    def get_conversation(self, platform: str, conversation_id: str) -> Conversation | None:
        q = select(conversations).where(
            conversations.c.platform == platform, conversations.c.conversation_id == conversation_id
        )
        return self._one(Conversation, q)

    def list_conversations(
        self, platform: str, kind: str | None = None, include_removed: bool = False
    ) -> list[Conversation]:
        q = select(conversations).where(conversations.c.platform == platform).order_by(conversations.c.id)
        if kind:
            q = q.where(conversations.c.kind == kind)
        if not include_removed:
            q = q.where(conversations.c.removed.is_(False))
        return self._all(Conversation, q)
