""" "Still need help?": a clinician whose question was declined, or who pressed 👎, asks for a person.
Each press posts the redacted question, the answer id and who asked to the leads channel
(HIBOT_LEADS_CHANNEL) with a "Resolved" button that records who resolved it. The words are here; the
Slack and Teams adapters render and post them (bot/slack/help.py, bot/teams/help.py)."""

from __future__ import annotations

from bot.safety import redact

LABEL = "🙋 Still need help?"
RESOLVE_LABEL = "✅ Resolved"
NO_CHANNEL = (
    "No leads channel is set up for hibot yet, so I can't pass this on. Please contact your "
    "health-inequalities lead directly."
)
GONE = "I can't find that answer any more (answers are kept for a limited time). Please ask again."
ALREADY = "That request was already resolved."


def why(abstained: bool, reason: str | None) -> str:
    return (
        f"hibot declined it ({reason or 'no reason recorded'})"
        if abstained
        else "they pressed 👎 on the answer"
    )


def request_lines(
    question: str, answer_id: str, asker: str, abstained: bool, reason: str | None
) -> list[str]:
    """The leads-channel post, as plain lines; `asker` is the platform's mention of the person."""
    return [
        f"Still need help: {asker} asked a question and {why(abstained, reason)}.",
        f"Question: “{' '.join(redact(question).text.split()) or '(question text not kept)'}”",
        f"Answer id: {answer_id} (`hibot audit show {answer_id}` shows what they saw)",
    ]


def asker_reply(channel_name: str) -> str:
    return (
        f"I've passed your question to the health-inequalities leads in {channel_name}; "
        "someone will follow up."
    )


def resolved_line(resolver: str) -> str:
    return f"✅ Resolved by {resolver}."
