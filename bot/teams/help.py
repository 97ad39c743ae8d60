""" "Still need help?" on Teams (the words: bot/still_need_help.py): the button under a declined answer
posts the request to the leads channel (HIBOT_LEADS_CHANNEL, where hibot must be installed) as a card
with a Resolved button; Resolved records who pressed it and says so in the post's thread."""

from __future__ import annotations

import asyncio

from botbuilder.core import TurnContext
from botbuilder.schema import Activity

from bot.config import Settings
from bot.models import ConversationGone
from bot.runtime import AdapterStore
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
from bot.teams.cards import (
    CARD_CONTENT_TYPE,
    HIBOT_KEY,
    action_set,
    card,
    lines_as_blocks,
    render_text,
    submit,
)
from bot.teams.connector import TeamsConnection, post_to_conversation
from bot.teams.replies import PLATFORM, Replies, user_id

HELP = "help"
RESOLVED = "help_resolved"


def help_action(answer_id: str) -> dict:
    """The button under a declined answer (bot/teams/render.py)."""
    return submit(LABEL, {HIBOT_KEY: HELP, "answer_id": answer_id})


def request_card(lines: list[str], request_id: int) -> dict:
    content = card(
        [
            *lines_as_blocks("\n".join(lines)),
            action_set([submit(RESOLVE_LABEL, {HIBOT_KEY: RESOLVED, "request_id": request_id})]),
        ]
    )
    return {
        "type": "message",
        "text": lines[0],
        "attachments": [{"contentType": CARD_CONTENT_TYPE, "content": content}],
    }


class TeamsHelp:
    def __init__(
        self, settings: Settings, store: AdapterStore, connection: TeamsConnection, replies: Replies
    ):
        self.settings = settings
        self.store = store
        self.connection = connection
        self.replies = replies

    async def on_help(self, ctx: TurnContext, value: dict) -> None:
        """The button under a declined answer: the reply goes to the asker in the same conversation."""
        told = await self.request(ctx.activity, str(value.get("answer_id") or ""))
        await self.replies.send(ctx, render_text(told))

    async def request(self, a: Activity, answer_id: str) -> str:
        """Post the request to the leads channel; what to tell the asker (also from the 👎 dialog)."""
        stored = await asyncio.to_thread(self.store.get_answer, answer_id) if answer_id else None
        channel = self.settings.leads_channel_for(PLATFORM)
        conv = await asyncio.to_thread(self.store.get_conversation, PLATFORM, channel) if channel else None
        if stored is None or channel is None or conv is None or not conv.reference:
            return GONE if stored is None else NO_CHANNEL
        ans = stored.answer
        reason = "declined" if ans.abstained else "feedback"
        request_id = await asyncio.to_thread(
            self.store.add_help_request, PLATFORM, answer_id, reason, user_id(a), channel
        )
        asker = (a.from_property.name if a.from_property else None) or "A clinician"
        lines = request_lines(ans.question, answer_id, asker, ans.abstained, ans.reason)
        c = self.connection
        try:
            message_id = await post_to_conversation(
                c.adapter, c.app_id, conv.reference, request_card(lines, request_id), channel
            )
        except ConversationGone:
            return NO_CHANNEL
        await asyncio.to_thread(self.store.set_help_message, request_id, message_id)
        return asker_reply(conv.name or "the leads channel")

    async def on_resolved(self, ctx: TurnContext, value: dict) -> None:
        a = ctx.activity
        try:
            request_id = int(str(value.get("request_id")))
        except (TypeError, ValueError):
            return
        done = await asyncio.to_thread(self.store.resolve_help_request, request_id, PLATFORM, user_id(a))
        name = (a.from_property.name if a.from_property else None) or "a lead"
        await self.replies.send(ctx, render_text(resolved_line(name) if done else ALREADY))
