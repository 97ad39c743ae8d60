"""Leads' tools (bot/storage/lead_tables.py): leads, local prompts, the digest ledger, "Still need
help?" requests and weekly-prompt engagement.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.storage.schema import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer, primary_key=True, autoincrement=True)


def upgrade() -> None:
    op.create_table(
        "leads",
        _id(),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("user_id", sa.String(255), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("added_by", sa.String(64), nullable=True),
        sa.Column("created", UTCDateTime(), nullable=False),
        sa.Column("updated", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("platform", "user_id", name="uq_leads_platform_user"),
    )
    op.create_table(
        "local_prompts",
        _id(),
        sa.Column("prompt_id", sa.String(128), nullable=False),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("audience", sa.String(32), nullable=False),
        sa.Column("tags", sa.JSON, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=True),
        sa.Column("created", UTCDateTime(), nullable=False),
        sa.Column("removed_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("prompt_id", name="uq_local_prompts_prompt_id"),
    )
    op.create_table(
        "digest_deliveries",
        _id(),
        sa.Column("recipient", sa.String(128), nullable=False),
        sa.Column("period_key", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("claimed_at", UTCDateTime(), nullable=True),
        sa.Column("claim_token", sa.String(32), nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("message_id", sa.String(255), nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("created", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("recipient", "period_key", name="uq_digest_deliveries_recipient_period"),
    )
    op.create_table(
        "help_requests",
        _id(),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("answer_id", sa.String(32), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("asker_hash", sa.String(64), nullable=True),
        sa.Column("channel_id", sa.String(255), nullable=True),
        sa.Column("message_id", sa.String(255), nullable=True),
        sa.Column("created", UTCDateTime(), nullable=False),
        sa.Column("resolved_by", sa.String(64), nullable=True),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_help_requests_created", "help_requests", ["created"])
    op.create_index("ix_help_requests_asker", "help_requests", ["platform", "asker_hash"])
    op.create_table(
        "prompt_engagement",
        _id(),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("message_id", sa.String(255), nullable=False),
        sa.Column(
            "delivery_id", sa.Integer, sa.ForeignKey("deliveries.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("user_hash", sa.String(64), nullable=True),
        sa.Column("created", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_prompt_engagement_delivery", "prompt_engagement", ["delivery_id"])
    op.create_index("ix_prompt_engagement_created", "prompt_engagement", ["created"])
    op.create_index("ix_prompt_engagement_user", "prompt_engagement", ["platform", "user_hash"])


def downgrade() -> None:
    for index in (
        "ix_prompt_engagement_user",
        "ix_prompt_engagement_created",
        "ix_prompt_engagement_delivery",
    ):
        op.drop_index(index, table_name="prompt_engagement")
    op.drop_table("prompt_engagement")
    op.drop_index("ix_help_requests_asker", table_name="help_requests")
    op.drop_index("ix_help_requests_created", table_name="help_requests")
    for table in ("help_requests", "digest_deliveries", "local_prompts", "leads"):
        op.drop_table(table)
