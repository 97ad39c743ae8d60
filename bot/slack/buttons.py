"""The buttons under an answer (More, Share, 👍/👎) and the 👎 comment modal.

Every button carries the answer id; the answer is read back from the store, so a button works on
any replica and after a restart, for as long as the retention policy keeps the answer.
- More replaces the message with the whole answer: chat.update for a posted message, the
  response_url for an ephemeral one (Slack has no Web API call that edits those).
- Share posts the stored ephemeral answer publicly, marked "Shared by @user".
- 👎 opens a modal for an optional comment; submitted or closed, the rating is stored once.
"""

from __future__ import annotations

import asyncio

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import logs
from bot.runtime import AdapterStore
from bot.safety import redact
from bot.slack.delivery import PLATFORM, Delivery, Place, Respond, name_task, reply
from bot.slack.render import SlackMessage, render_expanded, share_message
from bot.slack.views import feedback_modal, modal_answer_id, modal_comment

log = logs.get_logger("hibot.slack")
SHARE_FAILED = (
    "I can't post in this conversation. Invite me first (`/invite @hibot`), then press *Share to channel* "
    "again."
)
ANSWER_GONE = "I can't find that answer any more (answers are kept for a limited time). Please ask again."


def _button(body: dict) -> tuple[str, str]:
    """(who pressed it, the button's value)."""
    return body["user"]["id"], str((body.get("actions") or [{}])[0].get("value") or "")


def _channel(body: dict) -> str | None:
    return (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")


class SlackButtons:
    def __init__(self, delivery: Delivery, store: AdapterStore, client: AsyncWebClient):
        self.delivery = delivery
        self.store = store
        self.client = client

    async def on_more(self, body: dict, respond: Respond) -> None:
        name_task("more")
        _, answer_id = _button(body)
        stored = await asyncio.to_thread(self.store.get_answer, answer_id)
        if stored is None:
            await reply(respond, ANSWER_GONE)
            return
        container = body.get("container") or {}
        shown = (body.get("message") or {}).get("blocks") or (stored.rendered or {}).get("blocks") or []
        msg = render_expanded(stored.answer, shown)
        if container.get("is_ephemeral") or not container.get("message_ts"):
            await reply(respond, msg.text, msg.blocks, replace=True)
            return
        try:
            await self.client.chat_update(
                channel=container.get("channel_id") or _channel(body) or "",
                ts=container["message_ts"],
                text=msg.text,
                blocks=msg.blocks,
            )
        except SlackApiError as e:
            log.warning("slack_more_failed", error=e.response.get("error"), answer_id=answer_id)

    async def on_share(self, body: dict, respond: Respond) -> None:
        name_task("share")
        user, answer_id = _button(body)
        channel = _channel(body)
        stored = await asyncio.to_thread(self.store.get_answer, answer_id)
        rendered = stored.rendered if stored is not None else None
        if not isinstance(rendered, dict) or not rendered.get("blocks") or not channel:
            await reply(respond, ANSWER_GONE)
            return
        msg = share_message(rendered, user)
        extra = {"thread_ts": rendered["thread_ts"]} if rendered.get("thread_ts") else {}
        try:
            await self.client.chat_postMessage(
                **msg.payload(channel=channel, unfurl_links=False, unfurl_media=False, **extra)
            )
        except SlackApiError as e:
            log.warning("slack_share_failed", error=e.response.get("error"), answer_id=answer_id)
            await reply(respond, SHARE_FAILED)
            return
        log.info("slack_shared", answer_id=answer_id)
        try:  # the ephemeral copy has done its job
            await respond(delete_original=True)
        except Exception:  # noqa: BLE001 - cosmetic; the public post is out
            log.warning("slack_delete_ephemeral_failed")

    async def on_feedback_up(self, body: dict, respond: Respond) -> None:
        name_task("feedback")
        user, answer_id = _button(body)
        await self._feedback(user, answer_id, 1)
        await self._thanks(body, respond)

    async def on_feedback_down(self, body: dict, respond: Respond) -> None:
        name_task("feedback")
        user, answer_id = _button(body)
        try:
            await self.client.views_open(
                trigger_id=body.get("trigger_id"), view=feedback_modal(answer_id, _channel(body))
            )
        except SlackApiError as e:  # no modal (expired trigger): still count the 👎
            log.warning("slack_feedback_modal_failed", error=e.response.get("error"))
            await self._feedback(user, answer_id, -1)
            await self._thanks(body, respond)

    async def on_feedback_modal(self, body: dict, view: dict, closed: bool) -> None:
        """Submitted (with an optional comment) or closed: either way the 👎 is stored once."""
        name_task("feedback")
        answer_id = modal_answer_id(view)
        if answer_id:
            comment = None if closed else modal_comment(view)
            await self._feedback(body["user"]["id"], answer_id, -1, comment)

    async def _feedback(self, user: str, answer_id: str, rating: int, comment: str | None = None) -> None:
        if comment:  # free text: the same patient-data guard as questions
            comment = redact(comment).text
        await asyncio.to_thread(self.store.add_feedback, PLATFORM, user, answer_id, rating, comment)
        log.info("slack_feedback", answer_id=answer_id, rating=rating, comment=bool(comment))

    async def _thanks(self, body: dict, respond: Respond) -> None:
        channel = _channel(body)
        if channel:
            place = Place(
                channel, body["user"]["id"], (body.get("message") or {}).get("thread_ts"), ephemeral=True
            )
            await self.delivery.ephemeral(place, SlackMessage([], "Thanks for the feedback."), respond)
