""" "Still need help?": each press posts the redacted question to the leads channel; the request is
kept here with who asked (hashed) and who resolved it (hashed), for the report and for erasure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from bot.storage.base import StoreBase, utcnow
from bot.storage.lead_tables import help_requests


@dataclass
class HelpRequest:
    id: int
    platform: str
    answer_id: str
    reason: str
    channel_id: str | None
    message_id: str | None
    created: datetime
    resolved_by: str | None
    resolved_at: datetime | None


class HelpRequestStore(StoreBase):
    def add_help_request(
        self,
        platform: str,
        answer_id: str,
        reason: str,
        asker_id: str | None,
        channel_id: str | None,
        now: datetime | None = None,
    ) -> int:
        with self.engine.begin() as conn:
            row = conn.execute(
                help_requests.insert()
                .values(
                    platform=platform,
                    answer_id=answer_id,
                    reason=reason,
                    asker_hash=self.hash_user(platform, asker_id) if asker_id else None,
                    channel_id=channel_id,
                    created=now or utcnow(),
                )
                .returning(help_requests.c.id)
            ).first()
        assert row is not None
        return int(row.id)

    def set_help_message(self, request_id: int, message_id: str | None) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(help_requests).where(help_requests.c.id == request_id).values(message_id=message_id)
            )

    def resolve_help_request(
        self, request_id: int, platform: str, resolver_id: str, now: datetime | None = None
    ) -> bool:
        """Record who resolved it; False when it was already resolved (the first press counts)."""
        c = help_requests.c
        with self.engine.begin() as conn:
            return (
                conn.execute(
                    update(help_requests)
                    .where(c.id == request_id, c.resolved_at.is_(None))
                    .values(resolved_by=self.hash_user(platform, resolver_id), resolved_at=now or utcnow())
                ).rowcount
                == 1
            )

    def get_help_request(self, request_id: int) -> HelpRequest | None:
        return self._one(HelpRequest, select(help_requests).where(help_requests.c.id == request_id))

    def list_help_requests(self, since: datetime | None = None) -> list[HelpRequest]:
        q = select(help_requests).order_by(help_requests.c.id)
        if since is not None:
            q = q.where(help_requests.c.created >= since)
        return self._all(HelpRequest, q)
