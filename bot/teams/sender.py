"""Weekly prompts to Teams: the scheduler's PromptSender for the "teams" platform."""

from __future__ import annotations

from bot.models import Answer, ConversationGone, Prompt
from bot.teams.connector import TeamsConnection, post_to_conversation
from bot.teams.render import render_prompt


class TeamsPromptSender:
    """Posts a prompt card (title, nudge, the live cited answer, "This week: …") as a new message in the
    stored conversation, via the reference's serviceUrl. 403/404 from Teams -> ConversationGone."""

    platform = "teams"

    def __init__(self, connection: TeamsConnection):
        self.connection = connection

    async def send_prompt(
        self, conversation_id: str, reference: dict | None, prompt: Prompt, answer: Answer
    ) -> str:
        if not reference:
            raise ConversationGone("no Teams conversation reference stored for this conversation")
        activity = render_prompt(prompt, answer)
        c = self.connection
        return await post_to_conversation(c.adapter, c.app_id, reference, activity, conversation_id)
