"""Sharing an answer on Slack: the post a conversation sees, and the modal that asks where to post it
and with what note. Pure functions, like render.py.

The shared post reads top to bottom as a channel reader needs it: the question (already redacted by
the engine), who shared it, their note (redacted by the caller), then the answer as `render_answer`
draws it — sources, actions, More and 👍/👎 — but never Share: only the person an answer was shown
to shares it. 👎 asks for its comment in a private modal, so the post carries no free-text box.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from bot.models import Answer
from bot.slack.mrkdwn import (
    BLOCKS_MAX,
    FALLBACK_TEXT_MAX,
    escape,
    plain_text,
    section,
    shorten,
    truncate_mrkdwn,
)
from bot.slack.render import SHARED_BLOCK, SlackMessage, fallback_text, render_answer, shared_marker

QUESTION_BLOCK = "hibot_shared_question"
NOTE_BLOCK = "hibot_shared_note"
QUESTION_MAX = 500  # the engine caps questions well below this; a shared headline stays short
NOTE_MAX = 500

SHARE_MODAL = "share_answer_modal"  # the modal's callback_id
DESTINATION_BLOCK = "share_destination"
DESTINATION_ACTION = "destination_select"
NOTE_INPUT_BLOCK = "share_note"
NOTE_ACTION = "note_input"
INVITE_HINT = "hibot must be a member of the channel: if it isn't, type `/invite @hibot` there first."
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,30}$")
_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,30}$")  # public or private channel (not a DM)


# --- the shared post -----------------------------------------------------------------------------
def question_text(answer: Answer) -> str:
    """The question as a bold headline (stars removed so the bold cannot break)."""
    q = " ".join((answer.question or "").split()).replace("*", "")
    return f"*{escape(shorten(q, QUESTION_MAX))}*" if q else "_(no question text)_"


def note_block(note: str) -> dict[str, Any]:
    """The sharer's note, plain (escaped: a typed `<!channel>` stays text)."""
    return section(f":memo: {escape(shorten(note, NOTE_MAX))}", NOTE_BLOCK)


def shared_message(answer: Answer, user_id: str, note: str | None = None) -> SlackMessage:
    """The public post for `answer` shared by `user_id`, with the (already redacted) `note`."""
    head = [section(question_text(answer), QUESTION_BLOCK), shared_marker(user_id)]
    if note and note.strip():
        head.append(note_block(note.strip()))
    body = render_answer(answer, reserve=len(head)).blocks
    body = [b for b in body if b.get("block_id") != SHARED_BLOCK]
    who = f"<@{user_id}>" if _USER_ID.match(user_id or "") else "someone"
    parts = [f"Shared by {who}", escape(shorten(answer.question or "", QUESTION_MAX))]
    if note and note.strip():
        parts.append(escape(shorten(note.strip(), NOTE_MAX)))
    text = truncate_mrkdwn("\n".join([*parts, fallback_text(answer)]), FALLBACK_TEXT_MAX)
    return SlackMessage(blocks=(head + body)[:BLOCKS_MAX], text=text)


# --- the share modal -----------------------------------------------------------------------------
@dataclass(frozen=True)
class ShareRequest:
    """What the modal carries between the Share button and its submission (private_metadata)."""

    answer_id: str
    origin: str | None = None  # the conversation the answer was shown in
    thread_ts: str | None = None  # set only when the answer was shown ephemerally in a thread
    response_url: str | None = None  # the button's, for private replies to the sharer


def share_modal(answer: Answer, request: ShareRequest) -> dict[str, Any]:
    """Where to post (a conversations select, the current channel preselected) and an optional note."""
    select: dict[str, Any] = {
        "type": "conversations_select",
        "action_id": DESTINATION_ACTION,
        "placeholder": plain_text("Choose a channel", 150),
        "filter": {"include": ["public", "private"], "exclude_bot_users": True},
    }
    if request.origin and _CHANNEL_ID.match(request.origin):
        select["initial_conversation"] = request.origin
    note = {
        "type": "plain_text_input",
        "action_id": NOTE_ACTION,
        "multiline": True,
        "max_length": NOTE_MAX,
        "placeholder": plain_text("Why this matters for your team", 150),
    }
    return {
        "type": "modal",
        "callback_id": SHARE_MODAL,
        "private_metadata": json.dumps(request.__dict__),
        "title": plain_text("Share answer", 24),
        "submit": plain_text("Share", 24),
        "close": plain_text("Cancel", 24),
        "blocks": [
            section(question_text(answer), "share_preview"),
            {
                "type": "input",
                "block_id": DESTINATION_BLOCK,
                "label": plain_text("Post to", 2000),
                "element": select,
                "hint": plain_text(INVITE_HINT.replace("`", ""), 2000),
            },
            {
                "type": "input",
                "block_id": NOTE_INPUT_BLOCK,
                "optional": True,
                "label": plain_text("Note (optional)", 2000),
                "element": note,
                "hint": plain_text("Shown above the answer. Please don't include patient details.", 2000),
            },
        ],
    }


def share_request(view: dict[str, Any]) -> ShareRequest | None:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except (TypeError, ValueError):
        return None
    if not isinstance(data, dict) or not data.get("answer_id"):
        return None
    text = {k: str(data[k]) if data.get(k) else None for k in ("origin", "thread_ts", "response_url")}
    return ShareRequest(str(data["answer_id"]), text["origin"], text["thread_ts"], text["response_url"])


def _state(view: dict[str, Any], block: str, action: str) -> dict[str, Any]:
    values = ((view.get("state") or {}).get("values") or {}).get(block) or {}
    return values.get(action) or {}


def chosen_destination(view: dict[str, Any]) -> str | None:
    return _state(view, DESTINATION_BLOCK, DESTINATION_ACTION).get("selected_conversation") or None


def written_note(view: dict[str, Any]) -> str | None:
    text = (_state(view, NOTE_INPUT_BLOCK, NOTE_ACTION).get("value") or "").strip()
    return text[:NOTE_MAX] or None
