"""👍/👎 and comments on answers, keyed by a salted hash of who gave them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select

from bot.storage.base import StoreBase, utcnow
from bot.storage.schema import answers, feedback

MAX_COMMENT_CHARS = 2000  # Slack's modal allows 3000; a comment is a sentence or two, not a document


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
    ) -> bool:
        """One vote per person per answer: a changed vote replaces the old one. False (nothing stored)
        for an answer hibot never gave — a forged button value. `comment` is redacted by the adapters,
        and again by its column type (schema.RedactedText), and cut to MAX_COMMENT_CHARS."""
        if rating not in (1, -1):
            raise ValueError("rating must be +1 or -1")
        if comment and len(comment) > MAX_COMMENT_CHARS:
            comment = comment[: MAX_COMMENT_CHARS - 1] + "…"
        who = self.hash_user(platform, user_id)
        with self.engine.begin() as conn:
            # FOR UPDATE (PostgreSQL; SQLite's write lock does the same) serialises votes on one answer.
            known = conn.execute(
                select(answers.c.answer_id).where(answers.c.answer_id == answer_id).with_for_update()
            ).first()
            if known is None:
                return False
            conn.execute(
                delete(feedback).where(
                    feedback.c.platform == platform,
                    feedback.c.user_hash == who,
                    feedback.c.answer_id == answer_id,
                )
            )
            conn.execute(
                feedback.insert().values(
                    platform=platform,
                    user_hash=who,
                    answer_id=answer_id,
                    rating=rating,
                    comment=comment,
                    created=now or utcnow(),
                )
            )
        return True

    def list_feedback(self, answer_id: str | None = None) -> list[dict[str, Any]]:
        q = select(feedback).order_by(feedback.c.id)
        if answer_id:
            q = q.where(feedback.c.answer_id == answer_id)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]
