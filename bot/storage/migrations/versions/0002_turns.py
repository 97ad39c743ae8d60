"""Conversation turns (bot/storage/turns.py): the redacted questions of a chat, for follow-ups.

Revision ID: 0002
Revises: 0001
Create Date: 2026-05-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.storage.schema import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "turns",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("thread_id", sa.String(255), nullable=False),
        sa.Column("user_hash", sa.String(64), nullable=True),
        sa.Column("question_redacted", sa.Text, nullable=False),
        sa.Column("created", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_turns_conversation", "turns", ["platform", "conversation_id", "thread_id", "created"])
    op.create_index("ix_turns_created", "turns", ["created"])
    op.create_index("ix_turns_user", "turns", ["platform", "user_hash"])


def downgrade() -> None:
    for index in ("ix_turns_user", "ix_turns_created", "ix_turns_conversation"):
        op.drop_index(index, table_name="turns")
    op.drop_table("turns")
