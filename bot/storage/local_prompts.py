"""Prompts a lead wrote in chat (`prompts add`): stored here and used in rotation beside the YAML
library. Removing one keeps its row (the delivery history still names it) but takes it out of use."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from bot.models import Prompt
from bot.storage.base import StoreBase, utcnow
from bot.storage.lead_tables import local_prompts


class LocalPromptStore(StoreBase):
    def add_local_prompt(
        self, prompt: Prompt, created_by: tuple[str, str] | None = None, now: datetime | None = None
    ) -> bool:
        """False when a prompt with this id already exists (removed ones included: ids are not reused)."""
        by = self.hash_user(*created_by) if created_by else None
        stmt = (
            self._insert(local_prompts)
            .values(
                prompt_id=prompt.id,
                title=prompt.title,
                body=prompt.body,
                question=prompt.question,
                action=prompt.action,
                audience=prompt.audience,
                tags=list(prompt.tags),
                created_by=by,
                created=now or utcnow(),
            )
            .on_conflict_do_nothing(index_elements=["prompt_id"])
        )
        with self.engine.begin() as conn:
            return (conn.execute(stmt).rowcount or 0) == 1

    def remove_local_prompt(self, prompt_id: str, now: datetime | None = None) -> bool:
        c = local_prompts.c
        with self.engine.begin() as conn:
            return (
                conn.execute(
                    update(local_prompts)
                    .where(c.prompt_id == prompt_id, c.removed_at.is_(None))
                    .values(removed_at=now or utcnow())
                ).rowcount
                == 1
            )

    def list_local_prompts(self, include_removed: bool = False) -> list[Prompt]:
        c = local_prompts.c
        q = select(local_prompts).order_by(c.id)
        if not include_removed:
            q = q.where(c.removed_at.is_(None))
        with self.engine.connect() as conn:
            return [
                Prompt(
                    id=r.prompt_id,
                    title=r.title,
                    audience=r.audience,
                    tags=list(r.tags or []),
                    body=r.body,
                    question=r.question,
                    action=r.action,
                )
                for r in conn.execute(q)
            ]

    def local_prompt_ids(self) -> set[str]:
        """Every id ever used by a local prompt (so a new one never takes a removed one's id)."""
        with self.engine.connect() as conn:
            return {r[0] for r in conn.execute(select(local_prompts.c.prompt_id))}
