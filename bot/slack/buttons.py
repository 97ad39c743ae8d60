"""The buttons under an answer (More, Share, 👍/👎) and the 👎 comment modal.

Every button carries the answer id; the answer is read back from the store, so a button works on
any replica and after a restart, for as long as the retention policy keeps the answer.
- More replaces the message with the whole answer: chat.update for a posted message, the
  response_url for an ephemeral one (Slack has no Web API call that edits those).
- Share (only for the person the answer was shown to) opens a modal: a channel to post to and an
  optional note; the post leads with the question, then who shared it and the note (redacted by the
  patient-data guard; the sharer is told privately when something was removed), then the answer.
- 👎 opens a modal for an optional comment; submitted or closed, the rating is stored once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import logs
from bot.runtime import AdapterStore
from bot.safety import redact
from bot.slack.delivery import PLATFORM, Delivery, Place, Respond, name_task, reply
from bot.slack.help import still_need_help_offer
from bot.slack.membership import user_in_conversation
from bot.slack.render import SlackMessage, render_expanded
from bot.slack.share_rules import may_share
from bot.slack.shared import (
    DESTINATION_BLOCK,
    ShareRequest,
    chosen_destination,
    share_modal,
    share_request,
    shared_message,
    written_note,
)
from bot.slack.views import feedback_modal, modal_answer_id, modal_channel, modal_comment

log = logs.get_logger("hibot.slack")
NOT_IN_CHANNEL = "hibot isn't in that channel yet: type /invite @hibot there, then share again."
SHARE_REFUSED = "Slack would not let hibot post there ({error}). Choose another channel."
SHARER_NOT_IN_CHANNEL = "You can only share to a channel you are in. Choose one of yours."
MEMBERSHIP_UNKNOWN = "I couldn't check that you are in that channel just now. Please try again."
SHARE_MODAL_FAILED = "I couldn't open the share dialog just now. Please press Share again."
NOT_YOURS = "Only the person this answer was shown to can share it. Ask me yourself to share it."
NOTE_REDACTED = (
    "Your note looked like it held patient-identifiable information; I removed it before posting. "
    "Please don't share patient details."
)
SHARE_ACK_WAIT_S = 2.0  # Slack closes a modal's submission after 3 s
_NOT_IN = {"not_in_channel", "channel_not_found", "is_archived"}
Ack = Callable[..., Awaitable[Any]]
ANSWER_GONE = "I can't find that answer any more (answers are kept for a limited time). Please ask again."


def _button(body: dict) -> tuple[str, str]:
    """(who pressed it, the button's value)."""
    return body["user"]["id"], str((body.get("actions") or [{}])[0].get("value") or "")


def _share_error(error: str) -> str:
    if error == "sharer_not_in_channel":
        return SHARER_NOT_IN_CHANNEL
    if error == "membership_unknown":
        return MEMBERSHIP_UNKNOWN
    return NOT_IN_CHANNEL if error in _NOT_IN else SHARE_REFUSED.format(error=error)


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
        """Open the share modal: where to post (the current channel preselected) and an optional note."""
        name_task("share")
        user, answer_id = _button(body)
        stored = await asyncio.to_thread(self.store.get_answer, answer_id)
        if stored is None:
            await reply(respond, ANSWER_GONE)
            return
        if stored.user_hash and stored.user_hash != self.store.hash_user(PLATFORM, user):
            await reply(respond, NOT_YOURS)
            return
        rendered = stored.rendered if isinstance(stored.rendered, dict) else {}
        ephemeral = bool((body.get("container") or {}).get("is_ephemeral"))
        request = ShareRequest(
            answer_id=answer_id,
            origin=_channel(body),
            thread_ts=rendered.get("thread_ts")
            if ephemeral
            else None,  # a public thread shares to its channel
            response_url=body.get("response_url"),
        )
        try:
            await self.client.views_open(
                trigger_id=body.get("trigger_id"), view=share_modal(stored.answer, request)
            )
        except SlackApiError as e:
            log.warning("slack_share_modal_failed", error=e.response.get("error"), answer_id=answer_id)
            await reply(respond, SHARE_MODAL_FAILED)

    async def on_share_submitted(self, body: dict, view: dict, ack: Ack) -> None:
        """Post the shared answer where the sharer chose. Slack waits for the ack to close the modal, so
        a channel hibot is not in is reported on the modal itself (with the invite hint)."""
        name_task("share")
        user = body["user"]["id"]
        request, destination = share_request(view), chosen_destination(view)
        stored = await asyncio.to_thread(self.store.get_answer, request.answer_id) if request else None
        if request is None or stored is None or not destination:
            await ack(response_action="errors", errors={DESTINATION_BLOCK: ANSWER_GONE})
            return
        if not may_share(self.store, user, stored):
            await ack(response_action="errors", errors={DESTINATION_BLOCK: NOT_YOURS})
            return
        note = written_note(view)
        redacted = redact(note) if note else None  # free text in a shared space: the patient-data guard
        msg = shared_message(stored.answer, user, redacted.text if redacted else None)
        thread = request.thread_ts if destination == request.origin else None
        posting = asyncio.ensure_future(self._check_and_post(user, msg, destination, thread))
        try:
            error = await asyncio.wait_for(asyncio.shield(posting), SHARE_ACK_WAIT_S)
        except TimeoutError:  # Slack is slow: close the modal now, report privately below
            await ack()
            error = await posting
        else:
            if error:
                await ack(response_action="errors", errors={DESTINATION_BLOCK: _share_error(error)})
                return
            await ack()
        log.info("slack_shared", answer_id=request.answer_id, note=bool(note), posted=not error)
        words = _share_error(error) if error else f":mega: Shared to <#{destination}>."
        if redacted is not None and redacted.had_pii:
            words += f"\n:warning: {NOTE_REDACTED}"
        origin = Place(request.origin or destination, user, ephemeral=True)
        respond = AsyncRespond(response_url=request.response_url) if request.response_url else None
        await self.delivery.ephemeral(origin, SlackMessage([], words), respond)

    async def _check_and_post(
        self, user: str, msg: SlackMessage, channel: str, thread_ts: str | None
    ) -> str | None:
        """Post only into a conversation the sharer is in; None when posted, else why not."""
        member = await user_in_conversation(self.client, user, channel)
        if not member:
            return "sharer_not_in_channel" if member is False else "membership_unknown"
        return await self._post_shared(msg, channel, thread_ts)

    async def _post_shared(self, msg: SlackMessage, channel: str, thread_ts: str | None) -> str | None:
        """chat.postMessage; None when posted, else Slack's error code."""
        where = {"thread_ts": thread_ts} if thread_ts else {}
        try:
            await self.client.chat_postMessage(
                **msg.payload(channel=channel, unfurl_links=False, unfurl_media=False, **where)
            )
        except SlackApiError as e:
            return str(e.response.get("error") or "error")
        return None

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
            channel = modal_channel(view)
            if channel:  # a person, if the answer did not help: "Still need help?" (help.py)
                place = Place(channel, body["user"]["id"], ephemeral=True)
                await self.delivery.ephemeral(place, still_need_help_offer(answer_id), None)

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
