"""`Store`: the only code that talks to the database (SQLite by default, PostgreSQL in deploy).

One class for callers, built from one part per thing stored, each in its own module on the shared
engine and helpers of `StoreBase` (bot/storage/base.py, which also says why SQLite transactions
begin IMMEDIATE):

    conversations.py   where the bot is installed, and where it was removed
    events.py          retry dedupe of platform events
    answers.py         the answer audit trail (what each platform received)
    feedback.py        👍/👎 and comments
    subscriptions.py   weekly-prompt slots
    deliveries.py      the exactly-once delivery ledger
    retention.py       purge by age, and erasure of one person

Code that only needs part of it annotates with the protocols in bot/storage/protocols.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.storage.answers import AnswerStore
from bot.storage.conversations import ConversationStore
from bot.storage.deliveries import DeliveryStore
from bot.storage.events import EventStore
from bot.storage.feedback import FeedbackStore
from bot.storage.protocols import StoreProtocol
from bot.storage.retention import RetentionStore
from bot.storage.subscriptions import SubscriptionStore
from bot.storage.turns import TurnStore


class Store(
    ConversationStore,
    EventStore,
    AnswerStore,
    FeedbackStore,
    SubscriptionStore,
    DeliveryStore,
    TurnStore,  # conversation turns for follow-ups; extends RetentionStore's purge and forget
    RetentionStore,
):
    """Conversations, the answer audit trail, feedback, retry dedupe, subscriptions and deliveries.

    `Store(url, user_hash_salt)`; call `migrate()` once before use (`open_store` does)."""


if TYPE_CHECKING:  # mypy checks here that Store offers everything its protocol promises

    def _conforms(store: Store) -> StoreProtocol:
        return store
