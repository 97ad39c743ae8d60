"""The weekly leads digest on Teams: an Adaptive Card with the text and the chart inline (a PNG data
URI with alt text, small enough for Teams' card size limit), posted to the leads channel or to a
lead's personal chat with hibot."""

from __future__ import annotations

import base64

from bot.models import ConversationGone
from bot.report.chart import Chart
from bot.report.digest import Recipient
from bot.teams.cards import CARD_CONTENT_TYPE, card, lines_as_blocks
from bot.teams.connector import TeamsConnection, post_to_conversation


def render_digest(text: str, chart: Chart) -> dict:
    image = {
        "type": "Image",
        "url": "data:image/png;base64," + base64.b64encode(chart.compact_png or chart.png).decode(),
        "altText": chart.alt_text,
        "size": "Stretch",
    }
    content = card([*lines_as_blocks(text), image])
    return {
        "type": "message",
        "text": text.splitlines()[0],
        "attachments": [{"contentType": CARD_CONTENT_TYPE, "content": content}],
    }


class TeamsDigestSender:
    platform = "teams"

    def __init__(self, connection: TeamsConnection):
        self.connection = connection

    async def send_digest(self, recipient: Recipient, text: str, chart: Chart) -> str:
        if not recipient.reference:
            raise ConversationGone(
                "hibot has no stored reference for this Teams conversation (not installed there)"
            )
        c = self.connection
        return await post_to_conversation(
            c.adapter, c.app_id, recipient.reference, render_digest(text, chart), recipient.target
        )
