"""Card submits: 👍/👎 (with an optional comment) and "Share to a channel".

Each submit carries the answer id; the answer is read back from the store. Sharing is allowed only to
a channel of the user's own organisation where hibot is installed, and only for a member of its team.
"""

from __future__ import annotations

import asyncio

from botbuilder.core import TurnContext

from bot.models import ConversationGone
from bot.runtime import AdapterStore
from bot.safety import redact
from bot.teams.cards import render_text
from bot.teams.connector import TeamsConnection, is_member, post_to_conversation
from bot.teams.render import COMMENT_MAX, render_answer
from bot.teams.replies import PLATFORM, Replies, user_id

FEEDBACK_UNREADABLE = "Sorry, I couldn't read that feedback."
ANSWER_GONE = "Sorry, I can no longer find that answer."
SHARE_REFUSED = "Sorry, I can't share that answer to that channel."
NOT_A_MEMBER = "You can only share to channels of teams you belong to."
SHARE_GONE = "hibot is no longer in that channel, so I couldn't share."


class Submits:
    def __init__(self, store: AdapterStore, connection: TeamsConnection, replies: Replies):
        self.store = store
        self.connection = connection
        self.replies = replies

    async def _say(self, ctx: TurnContext, text: str) -> None:
        await self.replies.send(ctx, render_text(text))

    async def on_feedback(self, ctx: TurnContext, value: dict) -> None:
        answer_id = str(value.get("answer_id") or "")
        try:
            rating = int(value.get("rating") or 0)
        except (TypeError, ValueError):
            rating = 0
        if rating not in (1, -1) or not answer_id:
            return await self._say(ctx, FEEDBACK_UNREADABLE)
        if await asyncio.to_thread(self.store.get_answer, answer_id) is None:
            return await self._say(ctx, ANSWER_GONE)
        comment = str(value.get("comment") or "").strip()[:COMMENT_MAX]
        comment = redact(comment).text if comment else ""  # free text may carry patient details
        await asyncio.to_thread(
            self.store.add_feedback, PLATFORM, user_id(ctx.activity), answer_id, rating, comment or None
        )
        await self._say(ctx, "Thanks — your feedback was recorded.")

    async def on_share(self, ctx: TurnContext, value: dict) -> None:
        a = ctx.activity
        answer_id = str(value.get("answer_id") or "")
        target_id = str(value.get("conversation_id") or "")
        stored = await asyncio.to_thread(self.store.get_answer, answer_id) if answer_id else None
        target = (
            await asyncio.to_thread(self.store.get_conversation, PLATFORM, target_id) if target_id else None
        )
        allowed = {t.conversation_id for t in await self.replies.share_targets(a)}
        if stored is None or target is None or target_id not in allowed or not target.reference:
            return await self._say(ctx, SHARE_REFUSED)
        user = a.from_property
        c = self.connection
        try:
            # Only people in the team may post there through hibot.
            if not await is_member(
                c.adapter, c.app_id, target.reference, target.team_id or target_id, user.id
            ):
                return await self._say(ctx, NOT_A_MEMBER)
            shared = render_answer(stored.answer, shared_by=user.name or "a colleague")
            await post_to_conversation(c.adapter, c.app_id, target.reference, shared, target_id)
        except ConversationGone:
            await asyncio.to_thread(self.store.mark_conversation_removed, PLATFORM, target_id)
            return await self._say(ctx, SHARE_GONE)
        await self._say(ctx, f"Shared to {target.name or 'the channel'}.")
