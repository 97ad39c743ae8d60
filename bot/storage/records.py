"""Plain records the Store hands out: detached from the database, safe to pass between threads."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from bot.models import Answer


def from_row(cls, row) -> Any:
    mapping = row._mapping
    return cls(**{f.name: mapping[f.name] for f in fields(cls) if f.name in mapping})


@dataclass
class Conversation:
    platform: str
    conversation_id: str
    reference: dict | None
    channel_id: str | None
    team_id: str | None
    name: str | None
    kind: str | None
    installed: bool
    removed: bool
    created: datetime
    updated: datetime


@dataclass
class StoredAnswer:
    answer: Answer
    rendered: Any  # exactly the payload that was sent (dict for Block Kit / cards, str for text)
    platform: str
    created: datetime
    user_hash: str | None = None
    index_build_id: str | None = None
    corpus_hash: str | None = None


@dataclass
class Subscription:
    id: int
    platform: str
    conversation_id: str
    weekday: int  # 0 = Monday
    time: str  # "HH:MM" local
    timezone: str  # IANA
    audience: str | None
    tag: str | None
    created_by: str | None  # salted hash of the lead who subscribed; None once forgotten
    active: bool
    paused_reason: str | None
    starts_at: datetime
    unsubscribed_at: datetime | None
    created: datetime
    updated: datetime


@dataclass
class Delivery:
    id: int
    subscription_id: int
    period_key: str
    slot_at: datetime
    prompt_id: str | None
    status: str  # claimed | sent | failed | skipped
    claimed_at: datetime | None
    claim_token: str | None
    attempts: int
    sent_at: datetime | None
    message_id: str | None
    answer_id: str | None
    error: str | None
    created: datetime


@dataclass(frozen=True)
class Claim:
    """Proof that this worker, and only it, may send one delivery (until the lease runs out)."""

    delivery_id: int
    token: str
    prompt_id: str | None
    attempts: int
    reclaimed: bool  # True when taking over a stale claim or retrying a failed send
