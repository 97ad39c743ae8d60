"""Who may share an answer: only the person it was shown to. The share button carries the answer id,
and a forged or forwarded interaction must not post someone else's answer into a channel."""

from __future__ import annotations

from bot.storage.records import StoredAnswer

PLATFORM = "slack"


def may_share(store, user_id: str, stored: StoredAnswer) -> bool:
    """True when `user_id` asked for `stored` (answers saved without a user, e.g. weekly prompts posted
    to a channel, are everyone's to share)."""
    return not stored.user_hash or stored.user_hash == store.hash_user(PLATFORM, user_id)
