"""Invoke responses: dialogs (task modules) shown to one person, and message-extension results. Pure
functions on plain dicts, like render.py.

- 👍 answers with a short "thanks" dialog; 👎 opens a dialog asking for an optional comment — both only
  for the person who pressed the button, so a channel post never carries a free-text box.
- The message extension's search returns answer cards (`composeExtension` results) that the user can
  insert into any compose box; its message action opens the answer in a dialog with Share.
"""

from __future__ import annotations

from typing import Any

from bot.still_need_help import LABEL as STILL_NEED_HELP
from bot.teams.cards import HIBOT_KEY, attachment, card, card_of, plain, shorten, submit, text_block

COMMENT_MAX = 500
PREVIEW_TITLE_MAX = 80
PREVIEW_TEXT_MAX = 200
THUMBNAIL_CONTENT_TYPE = "application/vnd.microsoft.card.thumbnail"


def message_task(text: str) -> dict[str, Any]:
    """A dialog that just says `text` (Teams shows it and the user closes it)."""
    return {"task": {"type": "message", "value": text}}


def card_task(title: str, content: dict[str, Any], *, size: str = "medium") -> dict[str, Any]:
    return {
        "task": {
            "type": "continue",
            "value": {"title": title, "height": size, "width": size, "card": attachment(content)},
        }
    }


def comment_task(answer_id: str) -> dict[str, Any]:
    """After 👎: what was wrong or missing (optional); Send records the 👎 with it."""
    body = [
        text_block("Thanks — what was wrong or missing? (Optional.)"),
        {
            "type": "Input.Text",
            "id": "comment",
            "placeholder": "Please don't include patient details.",
            "isMultiline": True,
            "maxLength": COMMENT_MAX,
        },
    ]
    actions = [
        submit("Send", {HIBOT_KEY: "feedback_comment", "answer_id": answer_id}),
        submit(STILL_NEED_HELP, {HIBOT_KEY: "help", "answer_id": answer_id}),  # bot/teams/help.py
    ]
    return card_task("Not helpful", card(body, actions), size="small")


def answer_task(activity: dict[str, Any]) -> dict[str, Any]:
    """A rendered answer (with its Share action) in a dialog, for the message action."""
    return card_task(
        "hibot", card_of(activity) or card([text_block(activity.get("text") or " ")]), size="large"
    )


def extension_message(text: str) -> dict[str, Any]:
    """A message-extension reply with no results (Teams shows the text under the search box)."""
    return {"composeExtension": {"type": "message", "text": text}}


def extension_results(question: str, activity: dict[str, Any], summary: str) -> dict[str, Any]:
    """One result: the answer card to insert, previewed in the result list by its question and a summary."""
    content = card_of(activity)
    preview = {
        "contentType": THUMBNAIL_CONTENT_TYPE,
        "content": {
            "title": shorten(plain(question), PREVIEW_TITLE_MAX) or "hibot",
            "text": shorten(plain(summary), PREVIEW_TEXT_MAX),
        },
    }
    result = {**attachment(content or card([text_block(summary or " ")])), "preview": preview}
    return {"composeExtension": {"type": "result", "attachmentLayout": "list", "attachments": [result]}}
