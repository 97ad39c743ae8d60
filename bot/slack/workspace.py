"""The App Home tab and `/hibot prompts …` (weekly prompts for a channel, for leads and admins)."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import logs
from bot.config import Settings
from bot.leads_command import handle_leads_command
from bot.runtime import AdapterStore
from bot.slack.delivery import PLATFORM, Delivery, Place, Respond, kind_of, name_task
from bot.slack.mrkdwn import escape
from bot.slack.render import SlackMessage
from bot.slack.views import home_view
from bot.sources.text import handle_sources_command

log = logs.get_logger("hibot.slack")
PROMPTS_FAILED = "Sorry, that did not work. Please try again, or ask a lead to check the server log."
# A person as a slash command names them with escaping on (<@U123|jane>), or a bare member id.
MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>|\b([UW][A-Z0-9]{6,})\b")


class SlackWorkspace:
    def __init__(self, settings: Settings, delivery: Delivery, store: AdapterStore, client: AsyncWebClient):
        self.settings = settings
        self.delivery = delivery
        self.store = store
        self.client = client

    async def on_home_opened(self, event: dict) -> None:
        name_task("home")
        if event.get("tab", "home") != "home" or not event.get("user"):
            return
        subs = await asyncio.to_thread(self._subscriptions_of, event["user"])
        try:
            await self.client.views_publish(user_id=event["user"], view=home_view(subs))
        except SlackApiError as e:
            log.warning("slack_home_publish_failed", error=e.response.get("error"))

    async def on_prompts(self, command: dict, text: str, respond: Respond, context: dict) -> None:
        name_task("command")
        from bot.prompts.commands import handle_prompts_command  # another package; loaded only when used

        channel, user = command.get("channel_id", ""), command.get("user_id", "")
        reference = {"channel": channel, "team_id": context.get("team_id"), "kind": kind_of(channel)}
        try:
            result = await asyncio.to_thread(
                handle_prompts_command,
                self.store,
                self.settings,
                platform=PLATFORM,
                conversation_id=channel,
                user_id=user,
                text=text,
                is_admin=await self._is_admin(user),
                reference=reference,
                engine=self.delivery.engine,
                private=True,  # the reply is ephemeral: only this person sees it
                conversation_name=_channel_name(command),
            )
        except Exception:
            log.exception("slack_prompts_command_failed")
            result = PROMPTS_FAILED
        place = Place(channel, user, ephemeral=True, kind="ephemeral")
        await self.delivery.ephemeral(place, SlackMessage(blocks=[], text=escape(result)), respond)

    async def on_leads(self, command: dict, text: str, respond: Respond) -> None:
        """`/hibot leads [add|remove @person]`; people are named as Slack sends them: <@U…|name>."""
        name_task("command")
        channel, user = command.get("channel_id", ""), command.get("user_id", "")
        try:
            result = await asyncio.to_thread(
                handle_leads_command,
                self.store,
                self.settings,
                platform=PLATFORM,
                user_id=user,
                text=text,
                mentioned=[a or b for a, b in MENTION.findall(text)],
                is_admin=await self._is_admin(user),
            )
        except Exception:
            log.exception("slack_leads_command_failed")
            result = PROMPTS_FAILED
        place = Place(channel, user, ephemeral=True, kind="ephemeral")
        # Not escaped: the reply names leads with real <@U…> mentions (ids only, nothing typed by a person).
        await self.delivery.ephemeral(place, SlackMessage(blocks=[], text=result), respond)

    async def on_sources(self, command: dict, respond: Respond) -> None:
        """`/hibot sources`: the documents of the build answering now (anyone may ask)."""
        name_task("command")
        channel, user = command.get("channel_id", ""), command.get("user_id", "")
        try:
            text = await asyncio.to_thread(
                handle_sources_command, self.settings, self.delivery.engine.build_id
            )
        except Exception:
            log.exception("slack_sources_command_failed")
            text = PROMPTS_FAILED
        place = Place(channel, user, ephemeral=True, kind="ephemeral")
        await self.delivery.ephemeral(place, SlackMessage(blocks=[], text=escape(text)), respond)

    async def _is_admin(self, user: str) -> bool:
        try:
            info = (await self.client.users_info(user=user)).get("user") or {}
        except SlackApiError as e:
            log.warning("slack_users_info_failed", error=e.response.get("error"))
            return False
        return bool(info.get("is_admin") or info.get("is_owner") or info.get("is_primary_owner"))

    # --- engagement with weekly prompts, for the leads' report ---------------------------------
    async def on_thread_reply(self, event: dict, context: dict) -> None:
        """A person's reply in a channel thread whose root is a weekly-prompt post."""
        thread_ts, ts, channel = event.get("thread_ts"), event.get("ts"), event.get("channel") or ""
        if not thread_ts or thread_ts == ts or channel.startswith("D") or event.get("subtype"):
            return
        if not event.get("user") or event.get("user") == context.get("bot_user_id") or event.get("bot_id"):
            return
        await self._engaged(channel, thread_ts, "reply", event["user"])

    async def on_reaction(self, event: dict) -> None:
        item = event.get("item") or {}
        if item.get("type") == "message" and item.get("channel") and item.get("ts") and event.get("user"):
            await self._engaged(item["channel"], item["ts"], "reaction", event["user"])

    async def _engaged(self, channel: str, message_ts: str, kind: str, user: str) -> None:
        try:
            await asyncio.to_thread(self.store.record_engagement, PLATFORM, channel, message_ts, kind, user)
        except Exception:  # counting must never stop an answer
            log.exception("slack_engagement_failed")

    def _subscriptions_of(self, user: str) -> list[Any] | None:
        try:
            return list(self.store.list_subscriptions(PLATFORM, created_by=user))
        except Exception:
            log.exception("slack_home_subscriptions_failed")
            return None


def _channel_name(command: dict) -> str | None:
    """`#name` from a slash command ("directmessage" / "privategroup" are not names)."""
    name = command.get("channel_name") or ""
    return f"#{name}" if name and name not in {"directmessage", "privategroup"} else None
