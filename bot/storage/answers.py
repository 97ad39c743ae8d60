"""The answer audit trail: every answer as served, with exactly the payload the platform received,
so `hibot audit show ID` reproduces it and Share / feedback can find it again."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import select

from bot.models import Answer
from bot.safety import redact
from bot.storage.base import StoreBase, utcnow
from bot.storage.records import StoredAnswer
from bot.storage.schema import answers


class AnswerStore(StoreBase):
    def save_answer(
        self,
        answer: Answer,
        platform: str,
        rendered: dict | str,
        user_id: str | None = None,
        *,
        corpus_hash: str | None = None,
        now: datetime | None = None,
    ) -> None:
        """Audit trail. `answer.question` is already redacted by the engine; the guard runs again here so
        nothing identifiable is stored whatever the caller passed. With `store_questions` off only the
        hash is kept (the text is blanked in the stored Answer too). Saving the same answer_id again
        (e.g. shared to a channel) keeps the first record."""
        question = redact(answer.question).text
        answer_json = answer.to_dict()
        answer_json["question"] = question if self.store_questions else ""
        stmt = (
            self._insert(answers)
            .values(
                answer_id=answer.answer_id,
                question_hash=hashlib.sha256(question.encode()).hexdigest(),
                question_redacted=question if self.store_questions else "",
                answer_json=answer_json,
                rendered_json=rendered,
                platform=platform,
                user_hash=self.hash_user(platform, user_id) if user_id else None,
                index_build_id=answer.index_build_id,
                corpus_hash=corpus_hash,
                created=now or utcnow(),
            )
            .on_conflict_do_nothing(index_elements=["answer_id"])
        )
        with self.engine.begin() as conn:
            conn.execute(stmt)

    def get_answer(self, answer_id: str) -> StoredAnswer | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(answers).where(answers.c.answer_id == answer_id)).first()
        if row is None:
            return None
        return StoredAnswer(
            answer=Answer.from_dict(row.answer_json),
            rendered=row.rendered_json,
            platform=row.platform,
            created=row.created,
            user_hash=row.user_hash,
            index_build_id=row.index_build_id,
            corpus_hash=row.corpus_hash,
        )
