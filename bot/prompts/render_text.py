"""The plain text of a weekly prompt post: what `hibot prompts preview` prints and what a channel
sees as the message text (Slack/Teams senders may add richer blocks around the same content)."""

from __future__ import annotations

from bot.models import Answer, Prompt
from bot.render_text import ACTION_LABEL, render_answer


def render_prompt_text(prompt: Prompt, answer: Answer) -> str:
    lines = [
        f"Weekly prompt: {prompt.title}",
        "",
        prompt.body.strip(),
        "",
        f"{ACTION_LABEL.get(prompt.action, prompt.action)} — {answer.question}",
        "",
        render_answer(answer),
    ]
    return "\n".join(lines).rstrip() + "\n"
