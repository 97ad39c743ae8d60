"""The weekly leads digest on Slack: the text as a message (to the leads channel, or to a lead by
DM), then the chart uploaded into its thread with alt text (files_upload_v2)."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.models import ConversationGone
from bot.report.chart import Chart
from bot.report.digest import Recipient
from bot.slack.mrkdwn import escape
from bot.slack.sender import GONE_ERRORS

ALT_TEXT_MAX = 1000  # Slack's limit for an image's alt text


class SlackDigestSender:
    platform = "slack"

    def __init__(self, client: AsyncWebClient):
        self.client = client

    async def send_digest(self, recipient: Recipient, text: str, chart: Chart) -> str:
        try:
            resp = await self.client.chat_postMessage(
                channel=recipient.target, text=escape(text), unfurl_links=False, unfurl_media=False
            )
            await self.client.files_upload_v2(
                channel=str(resp["channel"]),
                thread_ts=str(resp["ts"]),
                file=chart.png,
                filename="hibot-weekly-questions.png",
                title="Questions per week and the share answered",
                alt_txt=chart.alt_text[:ALT_TEXT_MAX],
            )
        except SlackApiError as e:
            if e.response.get("error") in GONE_ERRORS:
                raise ConversationGone(str(e.response.get("error"))) from e
            raise
        return str(resp["ts"])
