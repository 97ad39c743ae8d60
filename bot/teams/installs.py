"""Install, uninstall and the stored conversation reference (for proactive weekly prompts).

Teams sends both installationUpdate and conversationUpdate when hibot is added: the welcome card is
sent once, claimed in the database, and again after a reinstall. Removal from a team marks all of
its channels removed, so nothing is posted there any more.
"""

from __future__ import annotations

import asyncio
import logging

from botbuilder.core import TurnContext
from botbuilder.schema import Activity

from bot.runtime import AdapterStore
from bot.teams.connector import reference_dict
from bot.teams.mentions import base_conversation_id
from bot.teams.replies import PLATFORM, Replies, key, team_id
from bot.teams.welcome import render_welcome

log = logging.getLogger("hibot.teams")


class Installs:
    def __init__(self, store: AdapterStore, replies: Replies):
        self.store = store
        self.replies = replies

    async def on_conversation_update(self, ctx: TurnContext) -> None:
        a = ctx.activity
        bot_id = a.recipient.id if a.recipient else None
        if any(m.id == bot_id for m in a.members_removed or []):
            await self._removed(a)
        elif any(m.id == bot_id for m in a.members_added or []):
            await self._installed(ctx)

    async def on_installation_update(self, ctx: TurnContext) -> None:
        action = (ctx.activity.action or "").lower()
        if action == "add":
            await self._installed(ctx)
        elif action == "add-upgrade":
            await self.remember(ctx.activity)
        elif action.startswith("remove"):
            await self._removed(ctx.activity)

    async def remember(self, a: Activity) -> None:
        """Store (or refresh) the conversation reference: on install and beside every message."""
        data = a.channel_data if isinstance(a.channel_data, dict) else {}
        team = data.get("team") or {}
        channel = data.get("channel") or {}
        kind = a.conversation.conversation_type or ("personal" if not a.conversation.is_group else None)
        await asyncio.to_thread(
            self.store.upsert_conversation,
            PLATFORM,
            base_conversation_id(a.conversation.id),
            reference_dict(a),
            channel_id=channel.get("id"),
            team_id=team.get("id"),
            name=_conversation_name(a, team, channel),
            kind=kind,
        )

    async def _installed(self, ctx: TurnContext) -> None:
        a = ctx.activity
        conv_id = base_conversation_id(a.conversation.id)
        before = await asyncio.to_thread(self.store.get_conversation, PLATFORM, conv_id)
        await self.remember(a)
        if before is not None and not before.removed:
            return  # Teams sends both installationUpdate and conversationUpdate: welcome once
        # The same key for both events (and both replicas); a new one after each removal, so a reinstall
        # is welcomed again.
        generation = "new" if before is None else before.updated.isoformat()
        if not await asyncio.to_thread(self.store.claim_event, PLATFORM, key("welcome", conv_id, generation)):
            return
        await self.replies.send(ctx, render_welcome(a.conversation.conversation_type))

    async def _removed(self, a: Activity) -> None:
        conv_id = base_conversation_id(a.conversation.id)
        await asyncio.to_thread(self.store.mark_conversation_removed, PLATFORM, conv_id)
        team = team_id(a)
        if team:  # removed from a team: none of its channels can be posted to any more
            for conv in await asyncio.to_thread(self.store.list_conversations, PLATFORM, "channel"):
                if conv.team_id == team and conv.conversation_id != conv_id:
                    await asyncio.to_thread(
                        self.store.mark_conversation_removed, PLATFORM, conv.conversation_id
                    )
        log.info("teams_conversation_removed")


def _conversation_name(a: Activity, team: dict, channel: dict) -> str | None:
    if a.conversation.conversation_type == "channel" or team:
        team_name = team.get("name")
        # The General channel has the team's id and often arrives without a name.
        channel_name = channel.get("name") or (
            "General" if channel.get("id") in (None, team.get("id")) else None
        )
        if team_name and channel_name:
            return f"{team_name} › {channel_name}"
        return team_name or channel_name
    return a.conversation.name
