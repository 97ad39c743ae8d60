"""Exactly-once claims on a ledger table: the weekly-prompt deliveries and the leads digest share it.

A ledger row is keyed by a unique (thing, period). The first claimant INSERTs it under that key
(exactly one concurrent inserter wins); afterwards the row can be taken over only when its claim is
older than the lease (the claimant crashed) or its last send failed with attempts left. On
PostgreSQL the row is picked with FOR UPDATE SKIP LOCKED so racing replicas do not queue on it, and
on every backend the takeover is a conditional UPDATE on the old claim_token, so exactly one
reclaimer wins.

The table needs the columns: id, status, claimed_at, claim_token, attempts (and the key columns).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, and_, or_, select, update


def insert_claim(conn: Connection, insert: Any, table: Table, key: dict[str, Any]) -> int | None:
    """Try the first claim: `insert` is a backend INSERT (see StoreBase._insert) of the claimed row;
    returns its id, or None when the key already has a row."""
    stmt = insert.on_conflict_do_nothing(index_elements=list(key)).returning(table.c.id)
    row = conn.execute(stmt).first()
    return None if row is None else int(row.id)


def take_over(
    conn: Connection,
    table: Table,
    key: dict[str, Any],
    token: str,
    now: datetime,
    stale_after: datetime,
    max_attempts: int,
) -> Any | None:
    """Reclaim the row at `key` if its claim went stale or its send failed; the old row (before the
    takeover) when this worker won, else None."""
    c = table.c
    stale = (
        select(table)
        .where(
            *(c[k] == v for k, v in key.items()),
            c.attempts < max_attempts,
            or_(and_(c.status == "claimed", c.claimed_at < stale_after), c.status == "failed"),
        )
        .with_for_update(skip_locked=True)
    )
    old = conn.execute(stale).first()
    if old is None:
        return None
    took = conn.execute(
        update(table)
        .where(c.id == old.id, c.status == old.status, c.claim_token == old.claim_token)
        .values(status="claimed", claim_token=token, claimed_at=now, attempts=c.attempts + 1)
    ).rowcount
    return old if took == 1 else None


def held(table: Table, row_id: int, token: str):
    """An UPDATE of a claimed row that applies only while this claim still holds it."""
    c = table.c
    return update(table).where(c.id == row_id, c.claim_token == token, c.status == "claimed")
