"""The exactly-once ledger of the weekly leads digest: one row per (recipient, ISO week), claimed
before sending with the same claim as weekly prompts (bot/storage/claims.py)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from bot.storage.base import StoreBase, utcnow
from bot.storage.claims import held, insert_claim, take_over
from bot.storage.lead_tables import digest_deliveries
from bot.storage.records import Claim


@dataclass
class DigestDelivery:
    id: int
    recipient: str
    period_key: str
    status: str
    attempts: int
    sent_at: datetime | None
    message_id: str | None
    error: str | None


class DigestStore(StoreBase):
    def claim_digest(
        self, recipient: str, period_key: str, *, now: datetime, lease: timedelta, max_attempts: int
    ) -> Claim | None:
        """The right to send this recipient's digest for this week, or None (someone else has it, or
        it is settled)."""
        token = uuid.uuid4().hex
        key = {"recipient": recipient, "period_key": period_key}
        ins = self._insert(digest_deliveries).values(
            **key, status="claimed", claimed_at=now, claim_token=token, attempts=1, created=now
        )
        with self.engine.begin() as conn:
            row_id = insert_claim(conn, ins, digest_deliveries, key)
            if row_id is not None:
                return Claim(row_id, token, None, 1, reclaimed=False)
            old = take_over(conn, digest_deliveries, key, token, now, now - lease, max_attempts)
            return None if old is None else Claim(old.id, token, None, old.attempts + 1, reclaimed=True)

    def holds_digest_claim(self, claim: Claim) -> bool:
        c = digest_deliveries.c
        q = select(c.status, c.claim_token).where(c.id == claim.delivery_id)
        with self.engine.connect() as conn:
            row = conn.execute(q).first()
        return row is not None and row.status == "claimed" and row.claim_token == claim.token

    def mark_digest_sent(self, claim: Claim, message_id: str | None, now: datetime | None = None) -> bool:
        values = {"status": "sent", "sent_at": now or utcnow(), "message_id": message_id, "error": None}
        with self.engine.begin() as conn:
            if conn.execute(
                held(digest_deliveries, claim.delivery_id, claim.token).values(**values)
            ).rowcount:
                return True
            conn.execute(
                update(digest_deliveries).where(digest_deliveries.c.id == claim.delivery_id).values(**values)
            )
            return False

    def mark_digest_failed(self, claim: Claim, error: str, *, final_attempts: int | None = None) -> bool:
        values: dict = {"status": "failed", "error": error[:2000]}
        if final_attempts is not None:
            values["attempts"] = final_attempts
        with self.engine.begin() as conn:
            return (
                conn.execute(
                    held(digest_deliveries, claim.delivery_id, claim.token).values(**values)
                ).rowcount
                == 1
            )

    def list_digest_deliveries(self, period_key: str | None = None) -> list[DigestDelivery]:
        q = select(digest_deliveries).order_by(digest_deliveries.c.id)
        if period_key:
            q = q.where(digest_deliveries.c.period_key == period_key)
        return self._all(DigestDelivery, q)
