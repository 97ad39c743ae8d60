"""Conversation turns: the recent questions of a chat, so a follow-up ("and for children?") is read
with what came before it, on every replica and across restarts.

Teams gives a bot no way to read a chat back, so each user turn is kept here (Slack DMs are read back
from conversations.history instead). Only the redacted question is stored, keyed by platform,
conversation and reply chain, with a salted hash of who asked. `TurnStore` extends the retention
part of the store, so `hibot purge --older-than` and `hibot forget --user` cover this table too.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol, cast

from sqlalchemy import Index, Integer, String, Table, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from bot.safety import redact
from bot.storage.base import utcnow
from bot.storage.retention import RetentionStore
from bot.storage.schema import Base, RedactedText


class TurnRow(Base):
    __tablename__ = "turns"
    __table_args__ = (
        Index("ix_turns_conversation", "platform", "conversation_id", "thread_id", "created"),
        Index("ix_turns_created", "created"),
        Index("ix_turns_user", "platform", "user_hash"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(16))
    conversation_id: Mapped[str] = mapped_column(String(255))
    thread_id: Mapped[str] = mapped_column(String(255))  # the reply chain's root; "" when there is none
    user_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)  # salted sha256
    question_redacted: Mapped[str] = mapped_column(RedactedText)
    created: Mapped[datetime]


turns = cast(Table, TurnRow.__table__)


class ConversationTurns(Protocol):
    def add_turn(
        self,
        platform: str,
        conversation_id: str,
        question: str,
        *,
        thread_id: str = "",
        user_id: str | None = None,
        now: datetime | None = None,
    ) -> None: ...
    def recent_turns(
        self,
        platform: str,
        conversation_id: str,
        *,
        thread_id: str = "",
        limit: int,
        within: timedelta,
        now: datetime | None = None,
    ) -> list[str]: ...


class TurnStore(RetentionStore):
    def add_turn(
        self,
        platform: str,
        conversation_id: str,
        question: str,
        *,
        thread_id: str = "",
        user_id: str | None = None,
        now: datetime | None = None,
    ) -> None:
        """Keep one user turn. The patient-data guard runs here, so nothing identifiable is stored
        whatever the caller passed."""
        text = redact(question).text.strip()
        if not text:
            return
        row = {
            "platform": platform,
            "conversation_id": conversation_id,
            "thread_id": thread_id,
            "user_hash": self.hash_user(platform, user_id) if user_id else None,
            "question_redacted": text,
            "created": now or utcnow(),
        }
        with self.engine.begin() as conn:
            conn.execute(turns.insert().values(**row))

    def recent_turns(
        self,
        platform: str,
        conversation_id: str,
        *,
        thread_id: str = "",
        limit: int,
        within: timedelta,
        now: datetime | None = None,
    ) -> list[str]:
        """The last `limit` questions of this conversation (and reply chain) asked within `within`,
        oldest first."""
        q = (
            select(turns.c.question_redacted)
            .where(
                turns.c.platform == platform,
                turns.c.conversation_id == conversation_id,
                turns.c.thread_id == thread_id,
                turns.c.created >= (now or utcnow()) - within,
            )
            .order_by(turns.c.created.desc(), turns.c.id.desc())
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [r[0] for r in conn.execute(q)][::-1]

    # --- retention and erasure: the other tables' rules, and this table's ----------------------
    def purge(self, older_than_days: int, now: datetime | None = None) -> dict[str, int]:
        counts = super().purge(older_than_days, now)
        cutoff = (now or utcnow()) - timedelta(days=older_than_days)
        with self.engine.begin() as conn:
            counts["turns"] = conn.execute(delete(turns).where(turns.c.created < cutoff)).rowcount
        return counts

    def forget_user(self, platform: str, user_id: str) -> int:
        n = super().forget_user(platform, user_id)
        h = self.hash_user(platform, user_id)
        with self.engine.begin() as conn:
            return (
                n
                + conn.execute(
                    delete(turns).where(turns.c.platform == platform, turns.c.user_hash == h)
                ).rowcount
            )
