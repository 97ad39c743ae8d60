"""The exactly-once ledger of weekly-prompt deliveries: one row per (subscription, local ISO week),
claimed before sending, marked sent, failed (retried while attempts are left) or skipped."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from bot.storage.base import StoreBase, utcnow
from bot.storage.claims import held, insert_claim, take_over
from bot.storage.records import Claim, Delivery
from bot.storage.schema import deliveries


class DeliveryStore(StoreBase):
    def get_delivery(self, subscription_id: int, period_key: str) -> Delivery | None:
        q = select(deliveries).where(
            deliveries.c.subscription_id == subscription_id, deliveries.c.period_key == period_key
        )
        return self._one(Delivery, q)

    def list_deliveries(
        self, subscription_id: int | None = None, status: str | None = None
    ) -> list[Delivery]:
        q = select(deliveries).order_by(deliveries.c.subscription_id, deliveries.c.slot_at)
        if subscription_id is not None:
            q = q.where(deliveries.c.subscription_id == subscription_id)
        if status:
            q = q.where(deliveries.c.status == status)
        return self._all(Delivery, q)

    def recent_deliveries(self, since: datetime) -> list[Delivery]:
        """Every delivery row whose slot is at or after `since`: one query per scheduler tick."""
        q = select(deliveries).where(deliveries.c.slot_at >= since).order_by(deliveries.c.id)
        return self._all(Delivery, q)

    def sent_prompt_ids(self, subscription_id: int) -> list[str]:
        """Prompts already delivered (or being delivered) to this subscription, oldest first."""
        q = (
            select(deliveries.c.prompt_id)
            .where(
                deliveries.c.subscription_id == subscription_id,
                deliveries.c.status.in_(("sent", "claimed")),
                deliveries.c.prompt_id.is_not(None),
            )
            .order_by(deliveries.c.slot_at)
        )
        with self.engine.connect() as conn:
            return [r[0] for r in conn.execute(q)]

    def claim_delivery(
        self,
        subscription_id: int,
        period_key: str,
        slot_at: datetime,
        prompt_id: str | None,
        *,
        now: datetime,
        lease: timedelta,
        max_attempts: int,
    ) -> Claim | None:
        """Take the right to send this (subscription, period), or return None if someone else has it.

        First claim: INSERT under UNIQUE(subscription_id, period_key); exactly one concurrent inserter
        wins. Otherwise a row exists: it can be taken over only when its claim is older than `lease`
        (the claimant crashed) or its last send failed with attempts left. On PostgreSQL the row is
        picked with FOR UPDATE SKIP LOCKED so racing replicas do not queue on it, and on every backend
        the takeover is a conditional UPDATE on the old claim_token, so exactly one reclaimer wins.
        A retried row keeps its prompt_id: the channel gets the prompt that was chosen first."""
        token = uuid.uuid4().hex
        key = {"subscription_id": subscription_id, "period_key": period_key}
        ins = self._insert(deliveries).values(
            **key,
            slot_at=slot_at,
            prompt_id=prompt_id,
            status="claimed",
            claimed_at=now,
            claim_token=token,
            attempts=1,
            created=now,
        )
        with self.engine.begin() as conn:
            row_id = insert_claim(conn, ins, deliveries, key)
            if row_id is not None:
                return Claim(row_id, token, prompt_id, 1, reclaimed=False)
            old = take_over(conn, deliveries, key, token, now, now - lease, max_attempts)
            if old is None:
                return None
            return Claim(old.id, token, old.prompt_id, old.attempts + 1, reclaimed=True)

    def holds_claim(self, claim: Claim) -> bool:
        """Checked just before posting, to shrink the window in which a takeover could double-send."""
        q = select(deliveries.c.status, deliveries.c.claim_token).where(deliveries.c.id == claim.delivery_id)
        with self.engine.connect() as conn:
            row = conn.execute(q).first()
        return row is not None and row.status == "claimed" and row.claim_token == claim.token

    def mark_delivery_sent(
        self,
        claim: Claim,
        message_id: str | None,
        *,
        answer_id: str | None = None,
        prompt_id: str | None = None,
        now: datetime | None = None,
    ) -> bool:
        """Record the post. Returns False if the claim had been taken over meanwhile; the row is still
        marked sent (the message exists), which stops the other claimant before it posts.
        `prompt_id` corrects the row when a retry had to post a different prompt (the first choice
        was removed from the library), so the rotation history stays true."""
        values: dict[str, Any] = {
            "status": "sent",
            "sent_at": now or utcnow(),
            "message_id": message_id,
            "answer_id": answer_id,
            "error": None,
        }
        if prompt_id is not None:
            values["prompt_id"] = prompt_id
        with self.engine.begin() as conn:
            if conn.execute(_held(claim).values(**values)).rowcount:
                return True
            conn.execute(
                update(deliveries)
                .where(deliveries.c.id == claim.delivery_id, deliveries.c.status.in_(("claimed", "failed")))
                .values(**values)
            )
            return False

    def mark_delivery_failed(
        self, claim: Claim, error: str, *, final: bool = False, max_attempts: int | None = None
    ) -> bool:
        """A send failed before the platform accepted it. Retried on a later tick while attempts are
        left, unless `final` (e.g. the bot was removed from the conversation)."""
        values: dict[str, Any] = {"status": "failed", "error": error[:2000]}
        if final and max_attempts is not None:
            values["attempts"] = max_attempts
        with self.engine.begin() as conn:
            return conn.execute(_held(claim).values(**values)).rowcount == 1

    def record_skipped(
        self,
        subscription_id: int,
        period_key: str,
        slot_at: datetime,
        reason: str,
        now: datetime | None = None,
    ) -> bool:
        """Note a slot that will never be sent (missed while down past its week, or nothing to send).
        A no-op if the period already has a row."""
        stmt = (
            self._insert(deliveries)
            .values(
                subscription_id=subscription_id,
                period_key=period_key,
                slot_at=slot_at,
                status="skipped",
                attempts=0,
                error=reason[:2000],
                created=now or utcnow(),
            )
            .on_conflict_do_nothing(index_elements=["subscription_id", "period_key"])
            .returning(deliveries.c.id)
        )
        with self.engine.begin() as conn:
            return conn.execute(stmt).first() is not None


def _held(claim: Claim):
    return held(deliveries, claim.delivery_id, claim.token)
