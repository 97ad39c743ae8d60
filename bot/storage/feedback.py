"""👍/👎 and comments on answers, keyed by a salted hash of who gave them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from bot.storage.base import StoreBase, utcnow
from bot.storage.schema import feedback


class FeedbackStore(StoreBase):
    def add_feedback(
        self,
        platform: str,
        user_id: str,
        answer_id: str,
        rating: int,
        comment: str | None = None,
        *,
        now: datetime | None = None,
    ) -> None:
        """`comment` is redacted by the adapters, and again by its column type (schema.RedactedText)."""
        if rating not in (1, -1):
            raise ValueError("rating must be +1 or -1")
        with self.engine.begin() as conn:
            conn.execute(
                feedback.insert().values(
                    platform=platform,
                    user_hash=self.hash_user(platform, user_id),
                    answer_id=answer_id,
                    rating=rating,
                    comment=comment,
                    created=now or utcnow(),
                )
            )

    def list_feedback(self, answer_id: str | None = None) -> list[dict[str, Any]]:
        q = select(feedback).order_by(feedback.c.id)
        if answer_id:
            q = q.where(feedback.c.answer_id == answer_id)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]
