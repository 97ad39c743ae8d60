"""Protocols for the leads' parts of the store (bot/storage/lead_tables.py), for callers that need
only some of them (the adapters, the digest), as bot/storage/protocols.py does for the rest."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from bot.models import Prompt
from bot.storage.records import Claim

if TYPE_CHECKING:  # the rows' modules import SQLAlchemy; `hibot --help` and `ask` should not
    from bot.storage.digests import DigestDelivery
    from bot.storage.help_requests import HelpRequest
    from bot.storage.leads import Lead


class LocalPrompts(Protocol):
    """Prompts leads wrote in chat (bot/storage/local_prompts.py)."""

    def add_local_prompt(
        self, prompt: Prompt, created_by: tuple[str, str] | None = None, now: datetime | None = None
    ) -> bool: ...
    def remove_local_prompt(self, prompt_id: str, now: datetime | None = None) -> bool: ...
    def list_local_prompts(self, include_removed: bool = False) -> list[Prompt]: ...
    def local_prompt_ids(self) -> set[str]: ...


class Leads(Protocol):
    def seed_leads(self, ids: list[tuple[str, str]]) -> int: ...
    def is_lead(self, platform: str, user_id: str) -> bool: ...
    def add_lead(self, platform: str, user_id: str, added_by: str | None = None) -> bool: ...
    def remove_lead(self, platform: str, user_id: str) -> bool: ...
    def list_leads(self, platform: str | None = None) -> list[Lead]: ...


class HelpRequests(Protocol):
    def add_help_request(
        self,
        platform: str,
        answer_id: str,
        reason: str,
        asker_id: str | None,
        channel_id: str | None,
        now: datetime | None = None,
    ) -> int: ...
    def set_help_message(self, request_id: int, message_id: str | None) -> None: ...
    def resolve_help_request(
        self, request_id: int, platform: str, resolver_id: str, now: datetime | None = None
    ) -> bool: ...
    def get_help_request(self, request_id: int) -> HelpRequest | None: ...


class PromptEngagement(Protocol):
    def record_engagement(
        self,
        platform: str,
        conversation_id: str,
        message_id: str,
        kind: str,
        user_id: str | None,
        now: datetime | None = None,
    ) -> bool: ...


class DigestLedger(Protocol):
    def claim_digest(
        self, recipient: str, period_key: str, *, now: datetime, lease: timedelta, max_attempts: int
    ) -> Claim | None: ...
    def holds_digest_claim(self, claim: Claim) -> bool: ...
    def mark_digest_sent(self, claim: Claim, message_id: str | None, now: datetime | None = None) -> bool: ...
    def mark_digest_failed(self, claim: Claim, error: str, *, final_attempts: int | None = None) -> bool: ...
    def list_digest_deliveries(self, period_key: str | None = None) -> list[DigestDelivery]: ...
