"""The App Home tab and the 👎 comment modal. Pure functions, like render.py."""

from __future__ import annotations

import json
import re
from typing import Any

from bot.models import SCOPE_TEXT
from bot.slack.mrkdwn import escape, mrkdwn, plain_text, section

FEEDBACK_MODAL = "feedback_comment"
COMMENT_BLOCK = "comment"
COMMENT_ACTION = "comment_input"
COMMENT_MAX = 1000
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,30}$")
_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

EXAMPLE_QUESTIONS = [
    "What is Core20PLUS5?",
    "What can I do as a clinician to reduce health inequalities?",
    "What should a trust board ask about health inequalities?",
    "Which data should we analyse to find inequalities in access?",
]

HELP_TEXT = (
    "*hibot* answers questions about reducing health inequalities, with numbered citations to the "
    "official guidance.\n"
    "• `/hibot QUESTION` — an answer only you can see.\n"
    "• *Share* under any answer — pick a channel, add a note; the post shows your question first.\n"
    "• Mention `@hibot QUESTION` in a channel — I reply in a thread; ask follow-ups in that thread.\n"
    "• Say *help* any time for what I can answer.\n"
    "• Send me a direct message — I reply right there; follow-ups within half an hour keep the context.\n"
    "• Message menu ⋯ → *Ask hibot about this* — an answer about that message, only for you.\n"
    "• `/hibot prompts help` — weekly prompts for a channel (leads and workspace admins).\n"
    "Please don't share patient-identifiable information. Use 👍/👎 to tell us how an answer did."
)


def _subscription_line(sub: Any) -> str:
    where = sub.conversation_id
    where = f"<#{where}>" if _CHANNEL_ID.match(where or "") else escape(str(where))
    day = _WEEKDAYS[sub.weekday] if 0 <= sub.weekday <= 6 else "?"
    state = "" if sub.active else f" · paused{': ' + escape(sub.paused_reason) if sub.paused_reason else ''}"
    extra = "".join(f" · {k} {escape(v)}" for k, v in (("audience", sub.audience), ("tag", sub.tag)) if v)
    return f"• {where} — {day}s at {escape(sub.time)} ({escape(sub.timezone)}){extra}{state}"


def home_view(subscriptions: list[Any] | None) -> dict[str, Any]:
    """The App Home tab. `subscriptions` are the user's own (None when they could not be read)."""
    examples = "\n".join(f"• {escape(q)}" for q in EXAMPLE_QUESTIONS)
    if subscriptions is None:
        subs = "_Your weekly prompt subscriptions could not be loaded just now._"
    elif not subscriptions:
        subs = "_You have not set up weekly prompts. In a channel: `/hibot prompts subscribe monday 09:00`._"
    else:
        subs = "\n".join(_subscription_line(s) for s in subscriptions[:20])
    blocks = [
        {"type": "header", "text": plain_text("hibot — health inequalities guidance", 150)},
        section(escape(SCOPE_TEXT), "home_scope"),
        {"type": "divider"},
        section(HELP_TEXT, "home_usage"),
        section(f"*Example questions*\n{examples}", "home_examples"),
        {"type": "divider"},
        section(f"*Your weekly prompts*\n{subs}", "home_subscriptions"),
        {
            "type": "context",
            "elements": [
                mrkdwn(
                    "Every answer quotes the guidance and cites it; "
                    "hibot never gives advice about an individual patient."
                )
            ],
        },
    ]
    return {"type": "home", "blocks": blocks}


def feedback_modal(answer_id: str, channel_id: str | None = None) -> dict[str, Any]:
    """Asks for an optional comment after 👎. Closing it still records the 👎 (notify_on_close)."""
    return {
        "type": "modal",
        "callback_id": FEEDBACK_MODAL,
        "notify_on_close": True,
        "private_metadata": json.dumps({"answer_id": answer_id, "channel": channel_id}),
        "title": plain_text("Not helpful", 24),
        "submit": plain_text("Send", 24),
        "close": plain_text("Skip", 24),
        "blocks": [
            section(
                "Thanks — what was wrong or missing? (Optional. Please don't include patient details.)",
                "feedback_intro",
            ),
            {
                "type": "input",
                "block_id": COMMENT_BLOCK,
                "optional": True,
                "label": plain_text("Comment", 2000),
                "element": {
                    "type": "plain_text_input",
                    "action_id": COMMENT_ACTION,
                    "multiline": True,
                    "max_length": COMMENT_MAX,
                },
            },
        ],
    }


def modal_answer_id(view: dict[str, Any]) -> str | None:
    try:
        return json.loads(view.get("private_metadata") or "{}").get("answer_id")
    except (TypeError, ValueError):
        return None


def modal_channel(view: dict[str, Any]) -> str | None:
    """The channel the 👎 was pressed in (for the "Still need help?" offer after it)."""
    try:
        return json.loads(view.get("private_metadata") or "{}").get("channel")
    except (TypeError, ValueError):
        return None


def modal_comment(view: dict[str, Any]) -> str | None:
    value = (((view.get("state") or {}).get("values") or {}).get(COMMENT_BLOCK) or {}).get(
        COMMENT_ACTION
    ) or {}
    text = (value.get("value") or "").strip()
    return text[:COMMENT_MAX] or None
