"""Table definitions (SQLAlchemy 2 declarative). Alembic migrations in `migrations/versions` create
exactly these; `tests/test_storage.py` checks that the two never drift apart.

No column holds a raw user id or a raw question: user ids are salted sha256 hashes and questions are
stored only after the engine's patient-data redaction.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.safety import redact


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in Python on every backend (SQLite has no time zones: store naive UTC)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use an aware UTC datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class RedactedText(TypeDecorator):
    """Free text people typed (questions, feedback comments, prompts leads write): the patient-data
    guard runs on every value written, whichever code path wrote it — the last line of defence behind
    the callers' own redaction (idempotent, so running twice changes nothing)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect) -> str | None:
        return None if value is None else redact(value).text


class RedactedString(RedactedText):
    """The same, for a length-limited column: `RedactedString(255)`."""

    impl = String  # type: ignore[assignment]  # the same decorator over a length-limited type
    cache_ok = True


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON()}  # noqa: RUF012 - SQLAlchemy API


class ConversationRow(Base):
    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("platform", "conversation_id", name="uq_conversations_platform_conv"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(16))
    conversation_id: Mapped[str] = mapped_column(String(255))
    # Teams ConversationReference (needed for proactive posts); Slack needs none.
    reference: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    channel_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    team_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    kind: Mapped[str | None] = mapped_column(String(32), nullable=True)
    installed: Mapped[bool] = mapped_column(Boolean, default=True)
    removed: Mapped[bool] = mapped_column(Boolean, default=False)
    created: Mapped[datetime]
    updated: Mapped[datetime]


class SubscriptionRow(Base):
    __tablename__ = "subscriptions"
    # One weekly slot per conversation: pause/resume/status/unsubscribe then need no extra argument.
    __table_args__ = (UniqueConstraint("platform", "conversation_id", name="uq_subscriptions_platform_conv"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(16))
    conversation_id: Mapped[str] = mapped_column(String(255))
    weekday: Mapped[int] = mapped_column(Integer)  # 0 = Monday .. 6 = Sunday
    time: Mapped[str] = mapped_column(String(5))  # HH:MM, local to `timezone`
    timezone: Mapped[str] = mapped_column(String(64))  # IANA name
    audience: Mapped[str | None] = mapped_column(String(64), nullable=True)
    tag: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_by: Mapped[str | None] = mapped_column(
        String(64), nullable=True
    )  # salted sha256, or None once forgotten
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    paused_reason: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # Slots before this instant are never sent or recorded as skipped (set on subscribe and resume),
    # so subscribing on a Wednesday to "monday 09:00" does not post immediately.
    starts_at: Mapped[datetime]
    # Unsubscribing keeps the row (and its delivery history, which drives the rotation) but ends it.
    unsubscribed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created: Mapped[datetime]
    updated: Mapped[datetime]


class DeliveryRow(Base):
    __tablename__ = "deliveries"
    # The exactly-once key: at most one row, hence one post, per subscription per local ISO week.
    __table_args__ = (
        UniqueConstraint("subscription_id", "period_key", name="uq_deliveries_subscription_period"),
        Index("ix_deliveries_status", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id", ondelete="CASCADE"))
    period_key: Mapped[str] = mapped_column(String(16))  # ISO week of the slot in local time, "2026-W48"
    slot_at: Mapped[datetime]
    prompt_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    status: Mapped[str] = mapped_column(String(16))  # claimed | sent | failed | skipped
    claimed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    claim_token: Mapped[str | None] = mapped_column(String(32), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(nullable=True)
    message_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    answer_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created: Mapped[datetime]


class FeedbackRow(Base):
    __tablename__ = "feedback"
    __table_args__ = (
        Index("ix_feedback_created", "created"),
        Index("ix_feedback_user", "platform", "user_hash"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(16))
    user_hash: Mapped[str] = mapped_column(String(64))
    answer_id: Mapped[str] = mapped_column(String(32))
    rating: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(RedactedText, nullable=True)
    created: Mapped[datetime]


class EventSeenRow(Base):
    __tablename__ = "events_seen"
    __table_args__ = (
        UniqueConstraint("platform", "event_id", name="uq_events_seen_platform_event"),
        Index("ix_events_seen_seen_at", "seen_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(16))
    event_id: Mapped[str] = mapped_column(String(255))
    seen_at: Mapped[datetime]


class AnswerRow(Base):
    __tablename__ = "answers"
    __table_args__ = (
        Index("ix_answers_created", "created"),
        Index("ix_answers_user", "platform", "user_hash"),
    )

    answer_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    question_hash: Mapped[str] = mapped_column(String(64))  # sha256 of the redacted question
    question_redacted: Mapped[str] = mapped_column(RedactedText)
    answer_json: Mapped[dict[str, Any]] = mapped_column(JSON)
    rendered_json: Mapped[Any] = mapped_column(JSON)  # the payload exactly as sent (dict or text)
    platform: Mapped[str] = mapped_column(String(16))
    user_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    index_build_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    corpus_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created: Mapped[datetime]


# The tables as SQLAlchemy Core sees them: what the Store's queries are written against.
conversations = Base.metadata.tables["conversations"]
subscriptions = Base.metadata.tables["subscriptions"]
deliveries = Base.metadata.tables["deliveries"]
feedback = Base.metadata.tables["feedback"]
events_seen = Base.metadata.tables["events_seen"]
answers = Base.metadata.tables["answers"]
