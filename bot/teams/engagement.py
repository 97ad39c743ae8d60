"""Replies and reactions to weekly-prompt posts in Teams, counted for the leads' report: a reply in a
channel thread whose root is a prompt post (`…;messageid=<post id>`), or a reaction on the post."""

from __future__ import annotations

import asyncio
import logging

from botbuilder.core import TurnContext
from botbuilder.schema import Activity

from bot.runtime import AdapterStore
from bot.teams.mentions import base_conversation_id, reply_chain_id
from bot.teams.replies import PLATFORM, user_id

log = logging.getLogger("hibot.teams")


class Engagement:
    def __init__(self, store: AdapterStore):
        self.store = store

    async def on_reply(self, a: Activity) -> None:
        root = reply_chain_id(a.conversation.id)
        if root:
            await self._count(base_conversation_id(a.conversation.id), root, "reply", user_id(a))

    async def on_reaction(self, ctx: TurnContext) -> None:
        a = ctx.activity
        if a.reactions_added and a.reply_to_id:
            await self._count(base_conversation_id(a.conversation.id), a.reply_to_id, "reaction", user_id(a))

    async def _count(self, conversation: str, message_id: str, kind: str, user: str) -> None:
        try:
            await asyncio.to_thread(
                self.store.record_engagement, PLATFORM, conversation, message_id, kind, user
            )
        except Exception as e:  # counting must never stop an answer
            log.warning("teams_engagement_failed: %s", type(e).__name__)
