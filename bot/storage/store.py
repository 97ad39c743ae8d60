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
    leads.py, local_prompts.py, digests.py, help_requests.py, engagement.py, insights.py,
    lead_retention.py  the leads' tools: roles, prompts written in chat, the digest ledger,
                       "Still need help?", engagement with prompt posts, the report's queries
    index_builds.py    index builds shared by replicas (requests, lease, published files, current)
    library_docs.py    the source library's documents (added, replaced, retired) and their audit

Code that only needs part of it annotates with the protocols in bot/storage/protocols.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.storage.answers import AnswerStore
from bot.storage.conversations import ConversationStore
from bot.storage.deliveries import DeliveryStore
from bot.storage.digests import DigestStore
from bot.storage.engagement import EngagementStore
from bot.storage.events import EventStore
from bot.storage.feedback import FeedbackStore
from bot.storage.help_requests import HelpRequestStore
from bot.storage.index_builds import IndexBuildStore
from bot.storage.insights import InsightStore
from bot.storage.lead_retention import LeadToolsRetention
from bot.storage.leads import LeadStore
from bot.storage.library_docs import DocumentStore
from bot.storage.local_prompts import LocalPromptStore
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
    LeadStore,  # the leads' tools (bot/storage/lead_tables.py) ...
    LocalPromptStore,
    DigestStore,
    HelpRequestStore,
    EngagementStore,
    InsightStore,  # ... and the report's queries
    LeadToolsRetention,  # extends purge and forget to the leads' tables
    TurnStore,  # conversation turns for follow-ups; extends RetentionStore's purge and forget
    IndexBuildStore,  # index builds shared by replicas: requests, the build lease, published builds
    DocumentStore,  # the source library's documents and their add / replace / retire trail
    RetentionStore,
):
    """Conversations, the answer audit trail, feedback, retry dedupe, subscriptions and deliveries.

    `Store(url, user_hash_salt)`; call `migrate()` once before use (`open_store` does)."""


if TYPE_CHECKING:  # mypy checks here that Store offers everything its protocol promises

    def _conforms(store: Store) -> StoreProtocol:
        return store
