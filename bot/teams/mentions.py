"""Pure helpers on incoming Teams message text and ids (no botbuilder)."""

from __future__ import annotations

import html
import re

_AT_TAG = re.compile(r"<at[^>]*>(.*?)</at>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)(?:\s[^<>]*)?/?>")
_BLOCK = {"p", "div", "br", "li", "ul", "ol", "tr", "td", "h1", "h2", "h3", "blockquote"}
_LEADING_AT = re.compile(r"^\s*<at[^>]*>.*?</at>", re.IGNORECASE | re.DOTALL)
_THREAD = ";messageid="


def strip_mentions(text: str | None, entities: list[dict] | None, bot_id: str | None) -> str:
    """The question without the bot's @mention. Other people's mentions keep their names as plain text.

    Teams puts `<at>hibot</at>` in `text` and a `mention` entity naming who was mentioned; the entity is the
    authority (the bot may be renamed per team), the tag pattern a fallback for clients that omit it."""
    text = text or ""
    found = False
    for e in entities or []:
        if (e.get("type") or "").lower() != "mention":
            continue
        mentioned = e.get("mentioned") or {}
        tag = e.get("text") or ""
        if tag and bot_id and mentioned.get("id") == bot_id:
            text = text.replace(tag, " ")
            found = True
    if not found:
        # No entity for us: a tag at the very start is the bot's (it only sees channel posts that mention it).
        text = _LEADING_AT.sub(" ", text)
    text = _AT_TAG.sub(lambda m: m.group(1), text)
    text = _TAG.sub(_tag_space, text)  # channel messages may arrive as HTML
    return " ".join(html.unescape(text).replace("\xa0", " ").split())


def _tag_space(m: re.Match) -> str:
    # Block tags separate words; inline ones (<b>, <span>) sit inside them.
    return " " if (m.group(1) or "").lower() in _BLOCK else ""


def base_conversation_id(conversation_id: str) -> str:
    """A channel thread's conversation id is `<channel id>;messageid=<root>`; the channel is the part
    before it."""
    return (conversation_id or "").split(_THREAD, 1)[0]


def reply_chain_id(conversation_id: str) -> str:
    """The root message id of a channel thread ("" outside one): with the channel, it keys the thread's
    conversation turns."""
    _, _, root = (conversation_id or "").partition(_THREAD)
    return root


def first_word(text: str) -> tuple[str, str]:
    """("prompts", "subscribe monday 09:00") for "Prompts subscribe monday 09:00"."""
    parts = text.strip().split(None, 1)
    if not parts:
        return "", ""
    return parts[0].lower(), parts[1] if len(parts) > 1 else ""
