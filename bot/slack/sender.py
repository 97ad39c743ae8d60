"""Weekly prompts into Slack channels: the scheduler's `PromptSender` for platform "slack"."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.models import Answer, ConversationGone, Prompt
from bot.slack.weekly import render_prompt

# Slack's answers when hibot can no longer post in a channel: the scheduler pauses the subscription.
GONE_ERRORS = {"channel_not_found", "not_in_channel", "is_archived"}


class SlackPromptSender:
    platform = "slack"

    def __init__(self, client: AsyncWebClient):
        self.client = client

    async def send_prompt(
        self, conversation_id: str, reference: dict | None, prompt: Prompt, answer: Answer
    ) -> str:
        """Posts the prompt (title, body, cited answer, "This week: …") and returns the message ts."""
        channel = (reference or {}).get("channel") or conversation_id
        msg = render_prompt(prompt, answer)
        try:
            resp = await self.client.chat_postMessage(
                **msg.payload(channel=channel, unfurl_links=False, unfurl_media=False)
            )
        except SlackApiError as e:
            error = e.response.get("error")
            if error in GONE_ERRORS:
                raise ConversationGone(error) from e
            raise
        return str(resp["ts"])
