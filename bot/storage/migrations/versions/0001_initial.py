"""Initial schema: conversations, subscriptions, deliveries, feedback, events_seen, answers.

Revision ID: 0001
Revises:
Create Date: 2025-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.storage.schema import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("reference", sa.JSON, nullable=True),
        sa.Column("channel_id", sa.String(255), nullable=True),
        sa.Column("team_id", sa.String(255), nullable=True),
        sa.Column("name", sa.String(255), nullable=True),
        sa.Column("kind", sa.String(32), nullable=True),
        sa.Column("installed", sa.Boolean, nullable=False),
        sa.Column("removed", sa.Boolean, nullable=False),
        sa.Column("created", UTCDateTime(), nullable=False),
        sa.Column("updated", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("platform", "conversation_id", name="uq_conversations_platform_conv"),
    )
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("weekday", sa.Integer, nullable=False),
        sa.Column("time", sa.String(5), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("audience", sa.String(64), nullable=True),
        sa.Column("tag", sa.String(64), nullable=True),
        sa.Column("created_by", sa.String(64), nullable=True),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("paused_reason", sa.String(255), nullable=True),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("unsubscribed_at", UTCDateTime(), nullable=True),
        sa.Column("created", UTCDateTime(), nullable=False),
        sa.Column("updated", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("platform", "conversation_id", name="uq_subscriptions_platform_conv"),
    )
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "subscription_id",
            sa.Integer,
            sa.ForeignKey("subscriptions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("period_key", sa.String(16), nullable=False),
        sa.Column("slot_at", UTCDateTime(), nullable=False),
        sa.Column("prompt_id", sa.String(128), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("claimed_at", UTCDateTime(), nullable=True),
        sa.Column("claim_token", sa.String(32), nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("message_id", sa.String(255), nullable=True),
        sa.Column("answer_id", sa.String(32), nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("created", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("subscription_id", "period_key", name="uq_deliveries_subscription_period"),
    )
    op.create_index("ix_deliveries_status", "deliveries", ["status"])
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("user_hash", sa.String(64), nullable=False),
        sa.Column("answer_id", sa.String(32), nullable=False),
        sa.Column("rating", sa.Integer, nullable=False),
        sa.Column("comment", sa.Text, nullable=True),
        sa.Column("created", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_feedback_created", "feedback", ["created"])
    op.create_index("ix_feedback_user", "feedback", ["platform", "user_hash"])
    op.create_table(
        "events_seen",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("event_id", sa.String(255), nullable=False),
        sa.Column("seen_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("platform", "event_id", name="uq_events_seen_platform_event"),
    )
    op.create_index("ix_events_seen_seen_at", "events_seen", ["seen_at"])
    op.create_table(
        "answers",
        sa.Column("answer_id", sa.String(32), primary_key=True),
        sa.Column("question_hash", sa.String(64), nullable=False),
        sa.Column("question_redacted", sa.Text, nullable=False),
        sa.Column("answer_json", sa.JSON, nullable=False),
        sa.Column("rendered_json", sa.JSON, nullable=False),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("user_hash", sa.String(64), nullable=True),
        sa.Column("index_build_id", sa.String(128), nullable=True),
        sa.Column("corpus_hash", sa.String(64), nullable=True),
        sa.Column("created", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_answers_created", "answers", ["created"])
    op.create_index("ix_answers_user", "answers", ["platform", "user_hash"])


def downgrade() -> None:
    for index, table in [
        ("ix_answers_user", "answers"),
        ("ix_answers_created", "answers"),
        ("ix_events_seen_seen_at", "events_seen"),
        ("ix_feedback_user", "feedback"),
        ("ix_feedback_created", "feedback"),
        ("ix_deliveries_status", "deliveries"),
    ]:
        op.drop_index(index, table_name=table)
    for table in ["answers", "events_seen", "feedback", "deliveries", "subscriptions", "conversations"]:
        op.drop_table(table)
