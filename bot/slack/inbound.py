"""Reading what Slack sends: which message events hibot answers, and the question's plain text.

Pure functions. Slack delivers user text with `&`, `<`, `>` escaped and mentions, channels and links
as `<@U…>`, `<#C…|name>`, `<url|label>`; the engine wants the words a person would read.
"""

from __future__ import annotations

import html
import re
from typing import Any

# Subtypes that are still a person writing: everything else (bot_message, message_changed,
# message_deleted, channel_join, channel_topic, …) is housekeeping and never answered.
ANSWERABLE_SUBTYPES = {None, "thread_broadcast", "file_share"}
_ANGLE = re.compile(r"<([^<>]*)>")
_CHATTER = {
    "",
    "thanks",
    "thank you",
    "thankyou",
    "thx",
    "ta",
    "cheers",
    "ok",
    "okay",
    "great",
    "perfect",
    "nice",
    "cool",
    "brilliant",
    "got it",
    "lol",
    "yes",
    "no",
    ":+1:",
    ":thumbsup:",
    ":pray:",
}


def is_from_a_person(
    event: dict[str, Any], bot_user_id: str | None = None, bot_id: str | None = None
) -> bool:
    """False for bots (including hibot itself), edits, deletions, joins and other housekeeping."""
    if event.get("subtype") not in ANSWERABLE_SUBTYPES:
        return False
    if event.get("bot_id") or event.get("bot_profile") or event.get("hidden"):
        return False
    user = event.get("user")
    return bool(user) and user != bot_user_id


def mentions(text: str | None, user_id: str | None) -> bool:
    return bool(user_id and text and f"<@{user_id}" in text)


def clean_text(text: str | None, bot_user_id: str | None = None) -> str:
    """Slack message markup -> the plain question: hibot's own mention removed, other mentions,
    channels and links turned into their readable form, entities unescaped."""

    def repl(m: re.Match) -> str:
        inner = m.group(1)
        target, _, label = inner.partition("|")
        if target.startswith("@"):
            return "" if bot_user_id and target[1:] == bot_user_id else "@" + (label or "someone")
        if target.startswith("#"):
            return "#" + (label or "channel")
        if target.startswith("!"):  # <!here>, <!channel>, <!date^…|fallback>
            return label
        return label or target

    return re.sub(r"\s+", " ", html.unescape(_ANGLE.sub(repl, text or ""))).strip()


def is_chatter(text: str) -> bool:
    """A thank-you, an "ok" or an emoji: answered like any message, but never context for a follow-up."""
    words = re.sub(r"[!.?,]+", " ", text.lower()).strip()
    return re.sub(r"\s+", " ", words) in _CHATTER


def thread_history(
    messages: list[dict[str, Any]],
    *,
    before_ts: str,
    bot_user_id: str | None,
    bot_id: str | None,
    limit: int = 10,
) -> tuple[list[str], bool]:
    """Earlier user questions in a thread (oldest first, at most `limit`) and whether hibot took part."""
    questions: list[str] = []
    participated = False
    for m in messages:
        if (bot_user_id and m.get("user") == bot_user_id) or (bot_id and m.get("bot_id") == bot_id):
            participated = True
            continue
        if float(m.get("ts") or 0) >= float(before_ts or 0) or not is_from_a_person(m, bot_user_id, bot_id):
            continue
        text = clean_text(m.get("text"), bot_user_id)
        if text and not is_chatter(text):
            questions.append(text)
    return questions[-limit:], participated


def dm_history(
    messages: list[dict[str, Any]],
    *,
    before_ts: str,
    user: str,
    bot_user_id: str | None,
    bot_id: str | None,
    limit: int,
) -> list[str]:
    """The user's own earlier top-level messages in a DM (conversations.history lists them newest
    first), oldest first, at most `limit`; hibot's replies and thread replies are not part of it."""
    questions: list[str] = []
    for m in sorted(messages, key=lambda m: float(m.get("ts") or 0)):
        if float(m.get("ts") or 0) >= float(before_ts or 0) or m.get("user") != user:
            continue
        if not is_from_a_person(m, bot_user_id, bot_id) or m.get("thread_ts") not in (None, m.get("ts")):
            continue
        text = clean_text(m.get("text"), bot_user_id)
        if text and not is_chatter(text):
            questions.append(text)
    return questions[-limit:]
