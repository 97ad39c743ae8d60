""" "Still need help?" on Slack (the words: bot/still_need_help.py): the button under a declined answer
and on the 👎 thanks posts the request to the leads channel with a Resolved button; Resolved records
who pressed it and updates the post."""

from __future__ import annotations

import asyncio

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import logs
from bot.config import Settings
from bot.runtime import AdapterStore
from bot.slack.delivery import PLATFORM, Respond, name_task, reply
from bot.slack.mrkdwn import button, escape, section
from bot.slack.render import HELP, SlackMessage
from bot.still_need_help import (
    ALREADY,
    GONE,
    LABEL,
    NO_CHANNEL,
    RESOLVE_LABEL,
    asker_reply,
    request_lines,
    resolved_line,
)

log = logs.get_logger("hibot.slack")
HELP_RESOLVED = "help_resolved"
HELP_BLOCK = "hibot_help"


def still_need_help_offer(answer_id: str) -> SlackMessage:
    """After a 👎: thanks, and the button (declined answers carry it among their buttons: render.py)."""
    text = "Thanks for the feedback. If you still need help, a health-inequalities lead can follow up."
    actions = {"type": "actions", "block_id": HELP_BLOCK, "elements": [button(LABEL, HELP, answer_id)]}
    return SlackMessage([section(escape(text), "hibot_help_offer"), actions], text)


class SlackHelp:
    def __init__(self, settings: Settings, store: AdapterStore, client: AsyncWebClient):
        self.settings = settings
        self.store = store
        self.client = client

    async def on_help(self, body: dict, respond: Respond) -> None:
        name_task("help")
        user = body["user"]["id"]
        answer_id = str((body.get("actions") or [{}])[0].get("value") or "")
        channel = self.settings.leads_channel_for(PLATFORM)
        stored = await asyncio.to_thread(self.store.get_answer, answer_id) if answer_id else None
        if stored is None or channel is None:
            await reply(respond, GONE if stored is None else NO_CHANNEL)
            return
        a = stored.answer
        reason = "declined" if a.abstained else "feedback"
        request_id = await asyncio.to_thread(
            self.store.add_help_request, PLATFORM, answer_id, reason, user, channel
        )
        text = "\n".join(
            escape(line) for line in request_lines(a.question, answer_id, "ASKER", a.abstained, a.reason)
        )
        text = text.replace("ASKER", f"<@{user}>")  # a real mention; everything typed is escaped above
        blocks = [
            section(text, "hibot_help_request"),
            {
                "type": "actions",
                "block_id": HELP_BLOCK,
                "elements": [button(RESOLVE_LABEL, HELP_RESOLVED, str(request_id), style="primary")],
            },
        ]
        try:
            resp = await self.client.chat_postMessage(
                channel=channel, text=text, blocks=blocks, unfurl_links=False
            )
        except SlackApiError as e:
            log.warning("slack_help_post_failed", error=e.response.get("error"))
            await reply(respond, NO_CHANNEL)
            return
        await asyncio.to_thread(self.store.set_help_message, request_id, str(resp["ts"]))
        await reply(respond, asker_reply(f"<#{channel}>"))

    async def on_resolved(self, body: dict) -> None:
        name_task("help")
        user = body["user"]["id"]
        value = str((body.get("actions") or [{}])[0].get("value") or "")
        if not value.isdigit():
            return
        done = await asyncio.to_thread(self.store.resolve_help_request, int(value), PLATFORM, user)
        container = body.get("container") or {}
        channel, ts = container.get("channel_id"), container.get("message_ts")
        if not done:
            if channel:
                await self._ephemeral(channel, user, ALREADY)
            return
        shown = [
            b for b in (body.get("message") or {}).get("blocks") or [] if b.get("block_id") != HELP_BLOCK
        ]
        blocks = [*shown, section(resolved_line(f"<@{user}>"), "hibot_help_resolved")]
        try:
            await self.client.chat_update(
                channel=channel or "", ts=ts or "", text=resolved_line(f"<@{user}>"), blocks=blocks
            )
        except SlackApiError as e:
            log.warning("slack_help_update_failed", error=e.response.get("error"))

    async def _ephemeral(self, channel: str, user: str, text: str) -> None:
        try:
            await self.client.chat_postEphemeral(channel=channel, user=user, text=text)
        except SlackApiError as e:
            log.warning("slack_help_ephemeral_failed", error=e.response.get("error"))
