"""Leads in the database: who may manage weekly prompts and receives the digest. Added and removed in
chat by an admin (`leads add @user`), seeded from HIBOT_LEADS (a removed lead stays removed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from bot.storage.base import StoreBase, utcnow
from bot.storage.lead_tables import leads


@dataclass(frozen=True)
class Lead:
    platform: str
    user_id: str
    source: str  # env | chat
    created: datetime


class LeadStore(StoreBase):
    def seed_leads(self, ids: list[tuple[str, str]], now: datetime | None = None) -> int:
        """Insert HIBOT_LEADS entries not seen before; a lead removed in chat is not brought back.
        Returns how many were added."""
        now = now or utcnow()
        added = 0
        with self.engine.begin() as conn:
            for platform, user_id in ids:
                stmt = (
                    self._insert(leads)
                    .values(
                        platform=platform,
                        user_id=user_id,
                        source="env",
                        active=True,
                        created=now,
                        updated=now,
                    )
                    .on_conflict_do_nothing(index_elements=["platform", "user_id"])
                )
                added += conn.execute(stmt).rowcount or 0
        return added

    def add_lead(
        self, platform: str, user_id: str, added_by: str | None = None, now: datetime | None = None
    ) -> bool:
        """Make someone a lead (again); False if they already were one."""
        now = now or utcnow()
        by = self.hash_user(platform, added_by) if added_by else None
        with self.engine.begin() as conn:
            row = conn.execute(
                select(leads.c.active).where(leads.c.platform == platform, leads.c.user_id == user_id)
            ).first()
            if row is not None and row.active:
                return False
            if row is not None:
                conn.execute(
                    update(leads)
                    .where(leads.c.platform == platform, leads.c.user_id == user_id)
                    .values(active=True, source="chat", added_by=by, updated=now)
                )
                return True
            conn.execute(
                leads.insert().values(
                    platform=platform,
                    user_id=user_id,
                    source="chat",
                    active=True,
                    added_by=by,
                    created=now,
                    updated=now,
                )
            )
        return True

    def remove_lead(self, platform: str, user_id: str, now: datetime | None = None) -> bool:
        with self.engine.begin() as conn:
            return (
                conn.execute(
                    update(leads)
                    .where(leads.c.platform == platform, leads.c.user_id == user_id, leads.c.active.is_(True))
                    .values(active=False, updated=now or utcnow())
                ).rowcount
                == 1
            )

    def is_lead(self, platform: str, user_id: str) -> bool:
        q = select(leads.c.id).where(
            leads.c.platform == platform, leads.c.user_id == user_id, leads.c.active.is_(True)
        )
        with self.engine.connect() as conn:
            return conn.execute(q).first() is not None

    def list_leads(self, platform: str | None = None) -> list[Lead]:
        q = select(leads).where(leads.c.active.is_(True)).order_by(leads.c.platform, leads.c.id)
        if platform:
            q = q.where(leads.c.platform == platform)
        return self._all(Lead, q)
