"""The report's reads (`hibot report`, the weekly leads digest): what was asked and answered, the
feedback, the "Still need help?" requests, and engagement with weekly-prompt posts, since a date.

Each is one query returning plain rows; the report (bot/report/) does the counting. Only the parts of
the stored answer the report needs are read (reason, citations), not the rendered payloads."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select

from bot.storage.base import StoreBase
from bot.storage.lead_tables import prompt_engagement
from bot.storage.schema import answers, conversations, deliveries, feedback, subscriptions


@dataclass
class AskedRow:
    answer_id: str
    created: datetime
    platform: str
    question: str  # redacted; "" when HIBOT_STORE_QUESTIONS=false
    abstained: bool
    reason: str | None
    citations: list[dict[str, Any]] = field(default_factory=list)  # doc_id, title, section


@dataclass
class FeedbackRow:
    answer_id: str
    created: datetime
    platform: str
    rating: int
    comment: str | None
    question: str | None  # the answer's redacted question, when it is still kept


@dataclass
class PromptPostRow:
    delivery_id: int
    platform: str
    conversation_id: str
    conversation_name: str | None
    prompt_id: str | None
    sent_at: datetime
    replies: int
    reactions: int
    feedback_up: int
    feedback_down: int


def _bool(value: Any) -> bool:
    return value in (True, 1, "true", "1")


class InsightStore(StoreBase):
    def asked_since(self, since: datetime, until: datetime | None = None) -> list[AskedRow]:
        """Every answer given to a person (weekly-prompt posts left out), oldest first."""
        data = answers.c.answer_json
        prompt_posts = select(deliveries.c.answer_id).where(deliveries.c.answer_id.is_not(None))
        q = (
            select(
                answers.c.answer_id,
                answers.c.created,
                answers.c.platform,
                answers.c.question_redacted,
                data["abstained"].as_string().label("abstained"),
                data["reason"].as_string().label("reason"),
                data["citations"].label("citations"),
            )
            .where(answers.c.created >= since, answers.c.answer_id.not_in(prompt_posts))
            .order_by(answers.c.created)
        )
        if until is not None:
            q = q.where(answers.c.created < until)
        with self.engine.connect() as conn:
            return [
                AskedRow(
                    r.answer_id,
                    r.created,
                    r.platform,
                    r.question_redacted or "",
                    _bool(r.abstained),
                    r.reason,
                    [
                        {"doc_id": c.get("doc_id"), "title": c.get("title"), "section": c.get("section")}
                        for c in (r.citations or [])
                        if isinstance(c, dict)
                    ],
                )
                for r in conn.execute(q)
            ]

    def feedback_since(self, since: datetime, until: datetime | None = None) -> list[FeedbackRow]:
        q = (
            select(
                feedback.c.answer_id,
                feedback.c.created,
                feedback.c.platform,
                feedback.c.rating,
                feedback.c.comment,
                answers.c.question_redacted,
            )
            .select_from(feedback.outerjoin(answers, answers.c.answer_id == feedback.c.answer_id))
            .where(feedback.c.created >= since)
            .order_by(feedback.c.created)
        )
        if until is not None:
            q = q.where(feedback.c.created < until)
        with self.engine.connect() as conn:
            return [
                FeedbackRow(r.answer_id, r.created, r.platform, r.rating, r.comment, r.question_redacted)
                for r in conn.execute(q)
            ]

    def prompt_posts_since(self, since: datetime, until: datetime | None = None) -> list[PromptPostRow]:
        """Weekly-prompt posts sent since `since`, each with its replies, reactions and 👍/👎."""
        pe = prompt_engagement.c
        engaged = (
            select(
                pe.delivery_id,
                func.sum(case((pe.kind == "reply", 1), else_=0)).label("replies"),
                func.sum(case((pe.kind == "reaction", 1), else_=0)).label("reactions"),
            )
            .group_by(pe.delivery_id)
            .subquery()
        )
        rated = (
            select(
                feedback.c.answer_id,
                func.sum(case((feedback.c.rating > 0, 1), else_=0)).label("up"),
                func.sum(case((feedback.c.rating < 0, 1), else_=0)).label("down"),
            )
            .group_by(feedback.c.answer_id)
            .subquery()
        )
        d, s, c = deliveries.c, subscriptions.c, conversations.c
        q = (
            select(
                d.id,
                s.platform,
                s.conversation_id,
                c.name,
                d.prompt_id,
                d.sent_at,
                engaged.c.replies,
                engaged.c.reactions,
                rated.c.up,
                rated.c.down,
            )
            .select_from(
                deliveries.join(subscriptions, s.id == d.subscription_id)
                .outerjoin(
                    conversations, (c.platform == s.platform) & (c.conversation_id == s.conversation_id)
                )
                .outerjoin(engaged, engaged.c.delivery_id == d.id)
                .outerjoin(rated, rated.c.answer_id == d.answer_id)
            )
            .where(d.status == "sent", d.sent_at >= since)
            .order_by(d.sent_at)
        )
        if until is not None:
            q = q.where(d.sent_at < until)
        with self.engine.connect() as conn:
            return [
                PromptPostRow(
                    r.id,
                    r.platform,
                    r.conversation_id,
                    r.name,
                    r.prompt_id,
                    r.sent_at,
                    int(r.replies or 0),
                    int(r.reactions or 0),
                    int(r.up or 0),
                    int(r.down or 0),
                )
                for r in conn.execute(q)
            ]
