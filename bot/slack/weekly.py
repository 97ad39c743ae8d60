"""A weekly prompt as a Slack message: title, body, the engine's cited answer, then "This week: …".
Pure functions, like render.py."""

from __future__ import annotations

import re

from bot.models import Answer, Prompt
from bot.slack.mrkdwn import (
    FALLBACK_TEXT_MAX,
    HEADER_TEXT_MAX,
    escape,
    plain_text,
    section,
    split_text,
    truncate_mrkdwn,
)
from bot.slack.render import ACTION_LABEL, SlackMessage, format_action, render_answer

THIS_WEEK_BLOCK = "hibot_this_week"


def _markdown_to_mrkdwn(text: str) -> str:
    text = escape(text.strip())
    text = re.sub(r"\*\*(.+?)\*\*", r"*\1*", text)  # markdown bold -> Slack bold
    return re.sub(r"^\s*[-*] ", "• ", text, flags=re.MULTILINE)


def this_week_line(prompt: Prompt, answer: Answer) -> str:
    label = ACTION_LABEL.get(prompt.action, prompt.action.title())
    action = next((a for a in answer.actions if a.type == prompt.action), None)
    if action is not None:
        return f"*This week:* {format_action(answer, action)[2:]}"
    return f"*This week:* *{label}* — {escape(answer.question)}"


def render_prompt(prompt: Prompt, answer: Answer) -> SlackMessage:
    """A weekly prompt post: title, body, the engine's cited answer, then the prompt's action."""
    body = split_text(_markdown_to_mrkdwn(prompt.body))
    head = [
        {
            "type": "header",
            "block_id": "hibot_prompt_title",
            "text": plain_text(f"Weekly prompt: {prompt.title}", HEADER_TEXT_MAX),
        },
        *[section(c, f"hibot_prompt_body_{i}") for i, c in enumerate(body)][:3],
    ]
    tail = [section(this_week_line(prompt, answer), THIS_WEEK_BLOCK)]
    answer_msg = render_answer(answer, reserve=len(head) + len(tail))
    buttons = [b for b in answer_msg.blocks if b.get("type") == "actions"]
    content = [b for b in answer_msg.blocks if b.get("type") != "actions"]
    blocks = head + content + tail + buttons
    text = truncate_mrkdwn(f"Weekly prompt: {escape(prompt.title)}\n{answer_msg.text}", FALLBACK_TEXT_MAX)
    return SlackMessage(blocks=blocks, text=text)
