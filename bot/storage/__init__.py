"""Persistence for hibot (see docs/architecture.md "Storage"). Everything else uses only `Store` (or
the protocols it satisfies) and its records."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.storage.protocols import (
    AnswerAudit,
    Conversations,
    DeliveryLedger,
    EventDedupe,
    FeedbackLog,
    Retention,
    StoreProtocol,
    Subscriptions,
)
from bot.storage.records import Claim, Conversation, Delivery, StoredAnswer, Subscription

if TYPE_CHECKING:
    from bot.storage.store import Store

__all__ = [
    "AnswerAudit",
    "Claim",
    "Conversation",
    "Conversations",
    "Delivery",
    "DeliveryLedger",
    "EventDedupe",
    "FeedbackLog",
    "Retention",
    "Store",
    "StoreProtocol",
    "StoredAnswer",
    "Subscription",
    "Subscriptions",
    "open_store",
]


def open_store(settings) -> Store:
    """The configured database, migrated: the one way the CLI and the server open it."""
    from bot.storage.store import Store

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = Store(
        settings.effective_database_url,
        user_hash_salt=settings.user_hash_salt,
        store_questions=settings.store_questions,
    )
    store.migrate()
    if settings.lead_ids:  # HIBOT_LEADS seeds the leads table; leads are then managed in chat
        store.seed_leads(settings.lead_pairs())
    return store


def __getattr__(name: str) -> Any:
    # `Store` pulls in SQLAlchemy (~1 s on a busy 2-core machine): loaded when first used, so the
    # CLI's `ask`, which never touches the database, starts without it.
    if name == "Store":
        from bot.storage.store import Store

        return Store
    raise AttributeError(name)
