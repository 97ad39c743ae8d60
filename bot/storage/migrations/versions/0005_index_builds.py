"""Index builds shared by replicas (bot/storage/build_tables.py): build requests, the build lease,
published builds with their files and contents, and the build every replica should serve.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.storage.schema import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "index_build_requests",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("reason", sa.String(255), nullable=False),
        sa.Column("requested_by", sa.String(255), nullable=True),
        sa.Column("notify", sa.JSON, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("claim_token", sa.String(32), nullable=True),
        sa.Column("claimed_at", UTCDateTime(), nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("build_id", sa.String(64), nullable=True),
        sa.Column("detail", sa.Text, nullable=True),
        sa.Column("created", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_index_build_requests_status", "index_build_requests", ["status"])
    op.create_table(
        "index_build_lease",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("holder", sa.String(255), nullable=True),
        sa.Column("token", sa.String(32), nullable=True),
        sa.Column("expires_at", UTCDateTime(), nullable=True),
    )
    op.create_table(
        "index_builds",
        sa.Column("build_id", sa.String(64), primary_key=True),
        sa.Column("corpus_hash", sa.String(64), nullable=True),
        sa.Column("built_at", sa.String(32), nullable=True),
        sa.Column("published_at", UTCDateTime(), nullable=False),
        sa.Column("published_by", sa.String(255), nullable=False),
        sa.Column("files", sa.Integer, nullable=False),
        sa.Column("bytes", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "index_build_files",
        sa.Column("build_id", sa.String(64), primary_key=True),
        sa.Column("path", sa.String(255), primary_key=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_index_build_files_sha256", "index_build_files", ["sha256"])
    op.create_table(
        "index_build_blobs",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("part", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("created", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "index_current",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("build_id", sa.String(64), nullable=False),
        sa.Column("updated", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    for table in (
        "index_current",
        "index_build_blobs",
        "index_build_files",
        "index_builds",
        "index_build_lease",
    ):
        op.drop_table(table)
    op.drop_index("ix_index_build_requests_status", "index_build_requests")
    op.drop_table("index_build_requests")
