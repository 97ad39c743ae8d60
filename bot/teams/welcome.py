"""The welcome card, sent once when hibot is installed in a chat, group chat or team (questions,
"hi" and "help" included, are answered by the engine)."""

from __future__ import annotations

from typing import Any

from bot.models import SCOPE_TEXT
from bot.teams.cards import attachment, card, text_block


def render_welcome(kind: str | None = None) -> dict[str, Any]:
    in_channel = kind in ("channel", "groupChat")
    how = (
        "Mention me with your question, e.g. **@hibot What is Core20PLUS5?** — I reply in the thread."
        if in_channel
        else "Type a question here, e.g. **What is Core20PLUS5?** Follow-up questions use the previous ones."
    )
    body: list[dict] = [
        text_block("Hi, I'm hibot", size="Medium", weight="Bolder"),
        text_block(SCOPE_TEXT),
        text_block("**How to ask**", spacing="Medium"),
        text_block(how),
        text_block(
            "Every answer quotes the guidance with numbered sources, suggests actions you can take, and has "
            "👍/👎 buttons so you can tell us whether it helped. Say **help** any time."
        ),
        text_block(
            "Anywhere in Teams: **Ask hibot** in the compose box puts a cited answer into the conversation; "
            "**Ask hibot about this message** in a message's … menu answers it just for you, with Share."
        ),
        text_block(
            "Please don't share patient-identifiable information (NHS numbers, names, dates of birth, "
            "postcodes)."
        ),
        text_block(
            "Weekly prompts: a lead can type **prompts subscribe monday 09:00**; anyone can type "
            "**prompts status**.",
            isSubtle=True,
        ),
    ]
    text = f"Hi, I'm hibot. {SCOPE_TEXT} {how.replace('**', '')}"
    return {"type": "message", "text": text, "attachments": [attachment(card(body))]}
