"""`prompts …`, `leads …` and `sources` typed to hibot in Teams (a channel @mention or a chat message).

Who may change things: leads (bot/roles.py) and the owners of the team (bot/teams/owners.py). A Teams
lead may be stored under the AAD object id (HIBOT_LEADS, `teams:<aad id>`) or the Teams user id an
@mention carries (`leads add @person`): both are checked. Replies go back in the same conversation,
so in a channel they are public; a test send (`prompts send now`) is therefore only done in a
personal chat."""

from __future__ import annotations

import asyncio

from botbuilder.core import TurnContext

from bot.config import Settings
from bot.leads_command import handle_leads_command
from bot.prompts.commands import handle_prompts_command
from bot.roles import Roles
from bot.runtime import AdapterStore, AnswerEngine
from bot.sources.text import handle_sources_command
from bot.teams.cards import render_text
from bot.teams.connector import entity_dicts, reference_dict
from bot.teams.mentions import base_conversation_id
from bot.teams.owners import is_team_owner
from bot.teams.replies import PLATFORM, Replies

FAILED = "Sorry, that did not work. Please try again, or ask a lead to check the server log."


class TeamsLeadCommands:
    def __init__(self, settings: Settings, store: AdapterStore, engine: AnswerEngine, replies: Replies):
        self.settings = settings
        self.store = store
        self.engine = engine
        self.replies = replies

    async def on_prompts(self, ctx: TurnContext, text: str) -> None:
        a = ctx.activity
        user, is_admin = await self._who(ctx)
        reply = await asyncio.to_thread(
            handle_prompts_command,
            self.store,
            self.settings,
            platform=PLATFORM,
            conversation_id=base_conversation_id(a.conversation.id),
            user_id=user,
            text=text,
            is_admin=is_admin,
            reference=reference_dict(a),
            engine=self.engine,
            private=a.conversation.conversation_type == "personal",
        )
        await self.replies.send(ctx, render_text(reply))

    async def on_leads(self, ctx: TurnContext, text: str) -> None:
        a = ctx.activity
        user, is_admin = await self._who(ctx)
        bot_id = a.recipient.id if a.recipient else None
        mentioned = [
            str((e.get("mentioned") or {}).get("id"))
            for e in entity_dicts(a)
            if (e.get("type") or "").lower() == "mention"
            and (e.get("mentioned") or {}).get("id") not in (None, bot_id)
        ]
        reply = await asyncio.to_thread(
            handle_leads_command,
            self.store,
            self.settings,
            platform=PLATFORM,
            user_id=user,
            text=text,
            mentioned=mentioned,
            is_admin=is_admin,
        )
        await self.replies.send(ctx, render_text(reply))

    async def on_sources(self, ctx: TurnContext) -> None:
        """`sources`: the documents of the build answering now (anyone may ask)."""
        reply = await asyncio.to_thread(handle_sources_command, self.settings, self.engine.build_id)
        await self.replies.send(ctx, render_text(reply))

    async def _who(self, ctx: TurnContext) -> tuple[str, bool]:
        """(the id to act as: whichever of the AAD id and the Teams id is a lead, else the AAD id;
        whether they own the team)."""
        person = ctx.activity.from_property
        ids = [i for i in (person.aad_object_id, person.id) if i] if person else []
        roles = Roles(self.store, self.settings)
        lead = await asyncio.to_thread(lambda: next((i for i in ids if roles.is_lead(PLATFORM, i)), None))
        if lead is not None:
            return lead, False
        return (ids[0] if ids else ""), await is_team_owner(ctx, self.settings)
