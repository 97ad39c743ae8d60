"""The source library's document store (bot/storage/library_docs.py): documents leads added or
replaced (their file, its checked text and their metadata), and one row per add / replace / retire,
which is both the audit trail and what says which documents are retired or superseded.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.storage.schema import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "library_documents",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("doc_id", sa.String(128), nullable=False),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("publisher", sa.String(255), nullable=True),
        sa.Column("published", sa.String(10), nullable=True),
        sa.Column("url", sa.Text, nullable=True),
        sa.Column("review_after", sa.String(10), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("added_by", sa.String(64), nullable=True),
        sa.Column("created", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("doc_id", name="uq_library_documents_doc_id"),
    )
    op.create_table(
        "library_changes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("doc_id", sa.String(128), nullable=False),
        sa.Column("new_doc_id", sa.String(128), nullable=True),
        sa.Column("title", sa.String(500), nullable=True),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("actor", sa.String(64), nullable=True),
        sa.Column("created", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_library_changes_doc", "library_changes", ["doc_id"])


def downgrade() -> None:
    op.drop_index("ix_library_changes_doc", table_name="library_changes")
    op.drop_table("library_changes")
    op.drop_table("library_documents")
