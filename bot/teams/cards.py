"""Adaptive Card 1.5 building blocks and Teams' size limits. Pure functions on plain dicts (no
botbuilder, no I/O), so everything built from them is unit-tested against the shipped card schema.

Size: Teams rejects a bot message over 40 KB measured as UTF-16 (413 MessageSizeTooBig) and cards are
kept under ~28 KB; `fits` checks all three limits.
"""

from __future__ import annotations

import json
from typing import Any

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_VERSION = "1.5"
CARD_MAX_BYTES = 28_000  # UTF-8 JSON of the card
MESSAGE_MAX_BYTES = 100_000  # UTF-8 JSON of the whole activity
MESSAGE_MAX_UTF16_BYTES = 40_000  # Teams' documented limit, whole payload encoded as UTF-16
HIBOT_KEY = "hibot"  # marks our own Action.Submit payloads (the `value` of the submit activity)


def card(body: list[dict], actions: list[dict] | None = None) -> dict[str, Any]:
    c: dict[str, Any] = {
        "$schema": CARD_SCHEMA,
        "type": "AdaptiveCard",
        "version": CARD_VERSION,
        "body": body,
    }
    if actions:
        c["actions"] = actions
    return c


def attachment(content: dict) -> dict[str, Any]:
    return {"contentType": CARD_CONTENT_TYPE, "content": content}


def text_block(text: str, **props: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **props}


def container(items: list[dict], **props: Any) -> dict[str, Any]:
    return {"type": "Container", "items": items, **props}


def action_set(actions: list[dict], **props: Any) -> dict[str, Any]:
    return {"type": "ActionSet", "actions": actions, **props}


def submit(title: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Action.Submit", "title": title, "data": data}


def task_fetch(title: str, data: dict[str, Any]) -> dict[str, Any]:
    """A button that opens a dialog for whoever pressed it (Teams sends the bot a task/fetch invoke with
    `data`): private even on a channel post."""
    return {"type": "Action.Submit", "title": title, "data": {**data, "msteams": {"type": "task/fetch"}}}


def message_back(title: str, text: str, data: dict[str, Any]) -> dict[str, Any]:
    """A button that sends `text` as if the user had typed it (shown in the chat as theirs), with
    `data` as the activity's value."""
    msteams = {"type": "messageBack", "text": text, "displayText": text}
    return {"type": "Action.Submit", "title": title, "data": {**data, "msteams": msteams}}


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a sentence or word boundary, marked with an ellipsis."""
    text = text or ""
    if len(text) <= limit:
        return text
    cut = text[: max(1, limit - 1)]
    for sep in (". ", "\n", " "):
        i = cut.rfind(sep)
        if i >= limit // 2:
            cut = cut[: i + (1 if sep == ". " else 0)]
            break
    return cut.rstrip() + "…"


def plain(text: str | None) -> str:
    return " ".join((text or "").split())


def md(text: str) -> str:
    """Engine text for card markdown: "[1](x)" would become a link, so a space keeps a marker a marker."""
    return text.replace("](", "] (")


def link_text(text: str) -> str:
    return plain(text).replace("[", "(").replace("]", ")")


def is_link(url: str | None) -> bool:
    return bool(url) and str(url).startswith(("https://", "http://")) and " " not in str(url)


def lines_as_blocks(text: str) -> list[dict]:
    """Plain engine text as TextBlocks: one per paragraph, one per "- " item (Adaptive Card markdown
    lists are inconsistent across Teams clients)."""
    blocks: list[dict] = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("- "):
            blocks.append(text_block(f"• {md(line[2:])}", spacing="None"))
        elif line:
            blocks.append(text_block(md(line)))
    return blocks


# --- sizes ---------------------------------------------------------------------------------------
def card_of(activity: dict[str, Any]) -> dict[str, Any] | None:
    for att in activity.get("attachments") or []:
        if att.get("contentType") == CARD_CONTENT_TYPE:
            return att["content"]
    return None


def card_bytes(content: dict[str, Any]) -> int:
    return len(json.dumps(content, ensure_ascii=False).encode("utf-8"))


def message_bytes(activity: dict[str, Any], encoding: str = "utf-8") -> int:
    return len(json.dumps(activity, ensure_ascii=False).encode(encoding))


def fits(activity: dict[str, Any]) -> bool:
    content = card_of(activity)
    return (
        (content is None or card_bytes(content) <= CARD_MAX_BYTES)
        and message_bytes(activity) <= MESSAGE_MAX_BYTES
        and message_bytes(activity, "utf-16-le") <= MESSAGE_MAX_UTF16_BYTES
    )


def render_text(text: str) -> dict[str, Any]:
    """A plain reply (confirmations, command output). Teams markdown needs blank lines for line breaks."""
    return {"type": "message", "text": text.replace("\r\n", "\n").replace("\n", "\n\n")}
