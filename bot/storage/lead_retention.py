"""Retention and erasure for the leads' tables (bot/storage/lead_tables.py), on top of the other
tables' rules: old help requests and engagement rows are purged with the answers; `hibot forget`
also removes a person's lead role, help requests, engagement and digest rows, and clears their hash
where they only acted as a lead (prompts written, requests resolved, leads added)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, update

from bot.storage.base import utcnow
from bot.storage.lead_tables import digest_deliveries, help_requests, leads, local_prompts, prompt_engagement
from bot.storage.retention import RetentionStore


class LeadToolsRetention(RetentionStore):
    def purge(self, older_than_days: int, now: datetime | None = None) -> dict[str, int]:
        counts = super().purge(older_than_days, now)
        cutoff = (now or utcnow()) - timedelta(days=older_than_days)
        with self.engine.begin() as conn:
            counts["help_requests"] = conn.execute(
                delete(help_requests).where(help_requests.c.created < cutoff)
            ).rowcount
            counts["prompt_engagement"] = conn.execute(
                delete(prompt_engagement).where(prompt_engagement.c.created < cutoff)
            ).rowcount
        return counts

    def forget_user(self, platform: str, user_id: str) -> int:
        n = super().forget_user(platform, user_id)
        h = self.hash_user(platform, user_id)
        hr, pe = help_requests.c, prompt_engagement.c
        with self.engine.begin() as conn:
            n += conn.execute(
                delete(help_requests).where(hr.platform == platform, hr.asker_hash == h)
            ).rowcount
            n += conn.execute(
                delete(prompt_engagement).where(pe.platform == platform, pe.user_hash == h)
            ).rowcount
            n += conn.execute(
                delete(leads).where(leads.c.platform == platform, leads.c.user_id == user_id)
            ).rowcount
            n += conn.execute(
                delete(digest_deliveries).where(digest_deliveries.c.recipient == f"lead:{h}")
            ).rowcount
            for table, column in (
                (help_requests, "resolved_by"),
                (local_prompts, "created_by"),
                (leads, "added_by"),
            ):
                n += conn.execute(update(table).where(table.c[column] == h).values({column: None})).rowcount
        return n
