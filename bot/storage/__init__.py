"""Persistence for hibot (see DESIGN.md "Storage"). Everything else uses only `Store` and its records."""

from bot.storage.records import Claim, Conversation, Delivery, StoredAnswer, Subscription
from bot.storage.store import Store

__all__ = ["Claim", "Conversation", "Delivery", "Store", "StoredAnswer", "Subscription"]
