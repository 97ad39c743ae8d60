"""Build requests record when their requester was told how the build ended (`notified_at`), so a
replica can tell a lead the builder never told (it died after publishing, before its callbacks ran),
exactly once across replicas: bot/storage/index_builds.py `claim_build_notices`.

Requests that had already ended are marked told: the builder told them before this column existed.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.storage.schema import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("index_build_requests", sa.Column("notified_at", UTCDateTime(), nullable=True))
    requests = sa.table(
        "index_build_requests",
        sa.column("status", sa.String),
        sa.column("created", UTCDateTime()),
        sa.column("finished_at", UTCDateTime()),
        sa.column("notified_at", UTCDateTime()),
    )
    op.execute(
        requests.update()
        .where(requests.c.status.in_(("live", "failed")))
        .values(notified_at=sa.func.coalesce(requests.c.finished_at, requests.c.created))
    )


def downgrade() -> None:
    with op.batch_alter_table("index_build_requests") as batch:
        batch.drop_column("notified_at")
