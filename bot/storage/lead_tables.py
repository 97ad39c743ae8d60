"""The tables behind the leads' tools (issue: insight, prompts in chat, roles, "Still need help?"):

    leads               who may manage weekly prompts, added in chat or seeded from HIBOT_LEADS
    local_prompts       prompts a lead wrote in chat, used in rotation beside the library
    digest_deliveries   the exactly-once ledger of the weekly leads digest
    help_requests       "Still need help?" posts to the leads channel, and who resolved them
    prompt_engagement   replies and reactions to weekly-prompt posts

`leads.user_id` is the one raw platform user id hibot keeps: a lead's role has to be checked against
the id the platform sends, and the digest is sent to it. Everything else about a person is a salted
hash, as in the other tables (docs/information-governance.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.schema import Base, RedactedString, RedactedText


class LeadRow(Base):
    __tablename__ = "leads"
    __table_args__ = (UniqueConstraint("platform", "user_id", name="uq_leads_platform_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(255))
    source: Mapped[str] = mapped_column(String(16))  # env (seeded from HIBOT_LEADS) | chat
    # Removal keeps the row inactive, so a lead removed in chat is not re-seeded from HIBOT_LEADS.
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    added_by: Mapped[str | None] = mapped_column(String(64), nullable=True)  # salted sha256
    created: Mapped[datetime]
    updated: Mapped[datetime]


class LocalPromptRow(Base):
    __tablename__ = "local_prompts"
    __table_args__ = (UniqueConstraint("prompt_id", name="uq_local_prompts_prompt_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    prompt_id: Mapped[str] = mapped_column(String(128))
    title: Mapped[str] = mapped_column(RedactedString(255))  # a lead's free text: the guard runs on it
    body: Mapped[str] = mapped_column(RedactedText)
    question: Mapped[str] = mapped_column(RedactedText)
    action: Mapped[str] = mapped_column(String(16))
    audience: Mapped[str] = mapped_column(String(32))
    tags: Mapped[Any] = mapped_column(JSON)
    created_by: Mapped[str | None] = mapped_column(String(64), nullable=True)  # salted sha256
    created: Mapped[datetime]
    removed_at: Mapped[datetime | None] = mapped_column(nullable=True)


class DigestDeliveryRow(Base):
    __tablename__ = "digest_deliveries"
    # The exactly-once key, as for weekly prompts: one row, hence one post, per recipient per week.
    __table_args__ = (
        UniqueConstraint("recipient", "period_key", name="uq_digest_deliveries_recipient_period"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    recipient: Mapped[str] = mapped_column(String(128))  # lead:<hash> or channel:<platform>:<id>
    period_key: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))  # claimed | sent | failed | skipped
    claimed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    claim_token: Mapped[str | None] = mapped_column(String(32), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(nullable=True)
    message_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created: Mapped[datetime]


class HelpRequestRow(Base):
    __tablename__ = "help_requests"
    __table_args__ = (
        Index("ix_help_requests_created", "created"),
        Index("ix_help_requests_asker", "platform", "asker_hash"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(16))
    answer_id: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(32))  # declined | feedback
    asker_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    channel_id: Mapped[str | None] = mapped_column(String(255), nullable=True)  # the leads channel
    message_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    created: Mapped[datetime]
    resolved_by: Mapped[str | None] = mapped_column(String(64), nullable=True)  # salted sha256
    resolved_at: Mapped[datetime | None] = mapped_column(nullable=True)


class PromptEngagementRow(Base):
    __tablename__ = "prompt_engagement"
    __table_args__ = (
        Index("ix_prompt_engagement_delivery", "delivery_id"),
        Index("ix_prompt_engagement_created", "created"),
        Index("ix_prompt_engagement_user", "platform", "user_hash"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(16))
    conversation_id: Mapped[str] = mapped_column(String(255))
    message_id: Mapped[str] = mapped_column(String(255))
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # reply | reaction
    user_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created: Mapped[datetime]


leads = cast(Table, LeadRow.__table__)
local_prompts = cast(Table, LocalPromptRow.__table__)
digest_deliveries = cast(Table, DigestDeliveryRow.__table__)
help_requests = cast(Table, HelpRequestRow.__table__)
prompt_engagement = cast(Table, PromptEngagementRow.__table__)
