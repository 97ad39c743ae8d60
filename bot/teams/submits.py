"""Card submits: 👍/👎 and "Share to a channel".

Each submit carries the answer id; the answer is read back from the store.
- 👍/👎 open a dialog for the rater alone (task/fetch): each is recorded at once (one vote per person
  per answer); 👎's dialog asks for an optional comment, sent with task/submit. Cards posted before the
  dialogs (a message submit with an inline comment) still work.
- Share (only by the person who asked) posts a copy to a channel of a team the user belongs to, where
  hibot is installed, in their own organisation (from a channel thread: that channel's top level). The
  copy leads with the question, then who shared it and their note (through the patient-data guard; the
  sharer is told when something was removed), then the answer.
"""

from __future__ import annotations

import asyncio
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import Activity

from bot.models import ConversationGone
from bot.runtime import AdapterStore
from bot.safety import redact
from bot.teams.cards import render_text
from bot.teams.connector import TeamsConnection, is_member, post_to_conversation
from bot.teams.dialogs import comment_task, message_task
from bot.teams.render import COMMENT_MAX, NOTE_MAX, render_shared
from bot.teams.replies import PLATFORM, Replies, user_id
from bot.teams.share_targets import ShareTargets

FEEDBACK_UNREADABLE = "Sorry, I couldn't read that feedback."
FEEDBACK_THANKS = "Thanks — your feedback was recorded."
ANSWER_GONE = "Sorry, I can no longer find that answer."
SHARE_REFUSED = "Sorry, I can't share that answer to that channel."
NOT_A_MEMBER = "You can only share to channels of teams you belong to."
NOT_YOURS = "Only the person who asked can share this answer. Ask me yourself to share it."
SHARE_GONE = "hibot is no longer in that channel, so I couldn't share."
REDACTED = (
    "⚠️ Your {what} looked like it held patient-identifiable information; I removed it first. "
    "Please don't share patient details."
)


def _rating(value: dict) -> int:
    try:
        return int(value.get("rating") or 0)
    except (TypeError, ValueError):
        return 0


class Submits:
    def __init__(
        self, store: AdapterStore, connection: TeamsConnection, replies: Replies, targets: ShareTargets
    ):
        self.store = store
        self.connection = connection
        self.replies = replies
        self.targets = targets

    async def _say(self, ctx: TurnContext, text: str) -> None:
        await self.replies.send(ctx, render_text(text))

    # --- feedback --------------------------------------------------------------------------------
    async def on_feedback(self, ctx: TurnContext, value: dict) -> None:
        """A message submit from a card sent before the dialogs: rating and optional inline comment."""
        answer_id, rating = str(value.get("answer_id") or ""), _rating(value)
        if rating not in (1, -1) or not answer_id:
            return await self._say(ctx, FEEDBACK_UNREADABLE)
        comment = str(value.get("comment") or "").strip()[:COMMENT_MAX]
        await self._say(ctx, await self._record(ctx.activity, answer_id, rating, comment))

    async def feedback_dialog(self, a: Activity, data: dict) -> dict[str, Any]:
        """task/fetch from 👍 (recorded, thanks) or 👎 (recorded, then the comment dialog: closing it
        keeps the 👎, sending it replaces the vote with one that carries the comment)."""
        answer_id, rating = str(data.get("answer_id") or ""), _rating(data)
        if rating not in (1, -1) or not answer_id:
            return message_task(FEEDBACK_UNREADABLE)
        said = await self._record(a, answer_id, rating, "")
        if rating == -1 and said == FEEDBACK_THANKS:  # counted now; a comment sent replaces the vote
            return comment_task(answer_id)
        return message_task(said)

    async def feedback_comment(self, a: Activity, data: dict) -> dict[str, Any]:
        """task/submit from the 👎 dialog."""
        answer_id = str(data.get("answer_id") or "")
        comment = str(data.get("comment") or "").strip()[:COMMENT_MAX]
        return message_task(await self._record(a, answer_id, -1, comment))

    async def _record(self, a: Activity, answer_id: str, rating: int, comment: str) -> str:
        if not answer_id or await asyncio.to_thread(self.store.get_answer, answer_id) is None:
            return ANSWER_GONE
        redacted = redact(comment) if comment else None  # free text may carry patient details
        await asyncio.to_thread(
            self.store.add_feedback,
            PLATFORM,
            user_id(a),
            answer_id,
            rating,
            redacted.text if redacted else None,
        )
        if redacted is not None and redacted.had_pii:
            return f"{FEEDBACK_THANKS}\n\n{REDACTED.format(what='comment')}"
        return FEEDBACK_THANKS

    # --- share -----------------------------------------------------------------------------------
    async def on_share(self, ctx: TurnContext, value: dict) -> None:
        await self._say(ctx, await self.share(ctx.activity, value))

    async def share(self, a: Activity, value: dict) -> str:
        """Post the answer to the chosen channel; what to tell the sharer."""
        answer_id = str(value.get("answer_id") or "")
        target_id = str(value.get("conversation_id") or "")
        stored = await asyncio.to_thread(self.store.get_answer, answer_id) if answer_id else None
        if stored is None:
            return ANSWER_GONE
        if stored.user_hash and stored.user_hash != self.store.hash_user(PLATFORM, user_id(a)):
            return NOT_YOURS  # a channel card's Share is seen by everyone in the thread
        target = (
            await asyncio.to_thread(self.store.get_conversation, PLATFORM, target_id) if target_id else None
        )
        allowed = {t.conversation_id for t in await self.targets.for_user(a)}
        if target is None or target_id not in allowed or not target.reference:
            return SHARE_REFUSED
        user = a.from_property
        note = str(value.get("note") or "").strip()[:NOTE_MAX]
        redacted = redact(note) if note else None
        c = self.connection
        try:
            # Checked again at the moment of posting: the list offered may be minutes old.
            team = target.team_id or target_id
            if not await is_member(c.adapter, c.app_id, target.reference, team, user.id):
                self.targets.forget(user.id, team)
                return NOT_A_MEMBER
            shared = render_shared(
                stored.answer, user.name or "a colleague", redacted.text if redacted else None
            )
            await post_to_conversation(c.adapter, c.app_id, target.reference, shared, target_id)
        except ConversationGone:
            await asyncio.to_thread(self.store.mark_conversation_removed, PLATFORM, target_id)
            return SHARE_GONE
        done = f"Shared to {target.name or 'the channel'}."
        return (
            f"{done}\n\n{REDACTED.format(what='note')}" if redacted is not None and redacted.had_pii else done
        )
