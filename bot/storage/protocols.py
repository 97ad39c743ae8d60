"""The store's public surface as `Protocol`s, so callers (adapters, the scheduler, the CLI) can be
annotated with what they use and tested with any object that has it. `Store` satisfies them all."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.models import Answer
from bot.storage.records import Claim, Conversation, Delivery, StoredAnswer, Subscription


class Lifecycle(Protocol):
    def migrate(self) -> None: ...
    def ping(self) -> None: ...
    def close(self) -> None: ...
    def hash_user(self, platform: str, user_id: str) -> str: ...


class EventDedupe(Protocol):
    def claim_event(self, platform: str, event_id: str, now: datetime | None = None) -> bool: ...


class Conversations(Protocol):
    def upsert_conversation(
        self,
        platform: str,
        conversation_id: str,
        reference: dict | None = None,
        *,
        channel_id: str | None = None,
        team_id: str | None = None,
        name: str | None = None,
        kind: str | None = None,
        now: datetime | None = None,
    ) -> None: ...
    def mark_conversation_removed(
        self, platform: str, conversation_id: str, now: datetime | None = None
    ) -> None: ...
    def get_conversation(self, platform: str, conversation_id: str) -> Conversation | None: ...
    def list_conversations(
        self, platform: str, kind: str | None = None, include_removed: bool = False
    ) -> list[Conversation]: ...


class AnswerAudit(Protocol):
    def save_answer(
        self,
        answer: Answer,
        platform: str,
        rendered: dict | str,
        user_id: str | None = None,
        *,
        corpus_hash: str | None = None,
        now: datetime | None = None,
    ) -> None: ...
    def get_answer(self, answer_id: str) -> StoredAnswer | None: ...
    def hash_user(self, platform: str, user_id: str) -> str: ...  # to match StoredAnswer.user_hash


class FeedbackLog(Protocol):
    def add_feedback(
        self,
        platform: str,
        user_id: str,
        answer_id: str,
        rating: int,
        comment: str | None = None,
        *,
        now: datetime | None = None,
    ) -> bool | None: ...  # None: waiting in the outbox (bot/storage/durable.py)
    def list_feedback(self, answer_id: str | None = None) -> list[dict[str, Any]]: ...


class Subscriptions(Protocol):
    def subscribe(
        self,
        platform: str,
        conversation_id: str,
        *,
        weekday: int,
        time: str,
        timezone: str,
        audience: str | None = None,
        tag: str | None = None,
        created_by: str | None = None,
        now: datetime | None = None,
    ) -> Subscription: ...
    def get_subscription(self, platform: str, conversation_id: str) -> Subscription | None: ...
    def get_subscription_by_id(self, subscription_id: int) -> Subscription | None: ...
    def list_subscriptions(
        self, platform: str | None = None, *, active_only: bool = False, created_by: str | None = None
    ) -> list[Subscription]: ...
    def pause_subscription(
        self, platform: str, conversation_id: str, reason: str, now: datetime | None = None
    ) -> Subscription | None: ...
    def resume_subscription(
        self, platform: str, conversation_id: str, now: datetime | None = None
    ) -> Subscription | None: ...
    def unsubscribe(self, platform: str, conversation_id: str, now: datetime | None = None) -> bool: ...


class DeliveryLedger(Protocol):
    def get_delivery(self, subscription_id: int, period_key: str) -> Delivery | None: ...
    def list_deliveries(
        self, subscription_id: int | None = None, status: str | None = None
    ) -> list[Delivery]: ...
    def recent_deliveries(self, since: datetime) -> list[Delivery]: ...
    def sent_prompt_ids(self, subscription_id: int) -> list[str]: ...
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
    ) -> Claim | None: ...
    def holds_claim(self, claim: Claim) -> bool: ...
    def mark_delivery_sent(
        self,
        claim: Claim,
        message_id: str | None,
        *,
        answer_id: str | None = None,
        prompt_id: str | None = None,
        now: datetime | None = None,
    ) -> bool: ...
    def mark_delivery_failed(
        self, claim: Claim, error: str, *, final: bool = False, max_attempts: int | None = None
    ) -> bool: ...
    def record_skipped(
        self,
        subscription_id: int,
        period_key: str,
        slot_at: datetime,
        reason: str,
        now: datetime | None = None,
    ) -> bool: ...


class Retention(Protocol):
    def purge(self, older_than_days: int, now: datetime | None = None) -> dict[str, int]: ...
    def forget_user(self, platform: str, user_id: str) -> int: ...


class StoreProtocol(
    Lifecycle,
    EventDedupe,
    Conversations,
    AnswerAudit,
    FeedbackLog,
    Subscriptions,
    DeliveryLedger,
    Retention,
    Protocol,
):
    """Everything `Store` offers: what the server's composition root hands to adapters."""
