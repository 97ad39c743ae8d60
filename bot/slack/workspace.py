"""The App Home tab and `/hibot prompts …` (weekly prompts for a channel, for leads and admins)."""

from __future__ import annotations

import asyncio
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import logs
from bot.config import Settings
from bot.runtime import AdapterStore
from bot.slack.delivery import PLATFORM, Delivery, Place, Respond, kind_of, name_task
from bot.slack.mrkdwn import escape
from bot.slack.render import SlackMessage
from bot.slack.views import home_view

log = logs.get_logger("hibot.slack")
PROMPTS_FAILED = "Sorry, that did not work. Please try again, or ask a lead to check the server log."


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
            )
        except Exception:
            log.exception("slack_prompts_command_failed")
            result = PROMPTS_FAILED
        place = Place(channel, user, ephemeral=True, kind="ephemeral")
        await self.delivery.ephemeral(place, SlackMessage(blocks=[], text=escape(result)), respond)

    async def _is_admin(self, user: str) -> bool:
        try:
            info = (await self.client.users_info(user=user)).get("user") or {}
        except SlackApiError as e:
            log.warning("slack_users_info_failed", error=e.response.get("error"))
            return False
        return bool(info.get("is_admin") or info.get("is_owner") or info.get("is_primary_owner"))

    def _subscriptions_of(self, user: str) -> list[Any] | None:
        try:
            return list(self.store.list_subscriptions(PLATFORM, created_by=user))
        except Exception:
            log.exception("slack_home_subscriptions_failed")
            return None
