"""Questions from Slack, whichever way they arrive, and the conversation each one belongs to.

- A DM is a conversation: a top-level message is answered inline, and the user's recent DM messages
  (conversations.history) are its history. A DM message inside a thread keeps thread behaviour.
- In channels, a mention is answered in its thread; later messages in a thread hibot took part in
  are follow-ups, with the thread (conversations.replies) as history.
- `/hibot QUESTION` and the "Ask hibot about this" shortcut answer ephemerally, with Share.
- A suggestion button asks its question as the person who pressed it, where the button was.
Greetings, help, thanks and non-English messages go to the engine like any question: the engine
answers them, and the renderer shows them as conversation.

Retries and double deliveries: an event is claimed in the database by its `event_id` (Slack's
retries reuse it) and by its message (channel + ts), because a mention in a thread arrives both as
`app_mention` and as `message`. Claims survive restarts; a crash after the claim loses that one
reply rather than risking two.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import logs
from bot.runtime import FOLLOW_UPS, AdapterStore, FollowUps
from bot.slack.delivery import PLATFORM, Delivery, Place, Respond, kind_of, name_task
from bot.slack.inbound import clean_text, dm_history, is_from_a_person, mentions, thread_history

log = logs.get_logger("hibot.slack")
THREAD_HISTORY_MAX = 10  # earlier questions of a thread passed on (threads are short and on one topic)
DM_HISTORY_PAGE = 50  # messages read back from a DM to find the user's last few (hibot's replies between)


class ThreadMemory:
    """Which threads hibot is part of, so ordinary thread chatter costs at most one API call.

    Positive entries come from hibot's own replies; negative ones from a conversations.replies look-up.
    A negative entry expires (another replica may have replied there since) and is overwritten as soon
    as this process replies. Bounded; after a restart Slack is asked again."""

    def __init__(self, size: int = 10_000, negative_ttl_s: float = 600):
        self._size = size
        self._ttl = negative_ttl_s
        self._seen: OrderedDict[tuple[str, str], tuple[bool, float]] = OrderedDict()

    def known(self, channel: str, thread_ts: str) -> bool | None:
        entry = self._seen.get((channel, thread_ts))
        if entry is None or (not entry[0] and time.monotonic() - entry[1] > self._ttl):
            return None
        return entry[0]

    def set(self, channel: str, thread_ts: str, ours: bool) -> None:
        self._seen[(channel, thread_ts)] = (ours, time.monotonic())
        self._seen.move_to_end((channel, thread_ts))
        while len(self._seen) > self._size:
            self._seen.popitem(last=False)


class SlackQuestions:
    def __init__(
        self,
        delivery: Delivery,
        store: AdapterStore,
        client: AsyncWebClient,
        follow_ups: FollowUps = FOLLOW_UPS,
    ):
        self.delivery = delivery
        self.store = store
        self.client = client
        self.follow_ups = follow_ups
        self.threads = ThreadMemory()

    # --- events ---------------------------------------------------------------------------------
    async def on_app_mention(self, body: dict, event: dict, context: dict) -> None:
        name_task("mention")
        bot_user = context.get("bot_user_id")
        channel, ts = event.get("channel") or "", event.get("ts") or ""
        if channel.startswith("D") or not is_from_a_person(event, bot_user, context.get("bot_id")):
            return  # direct messages arrive (and are answered) as message.im
        if not await self._claim(body, channel, ts):
            return
        thread_ts = event.get("thread_ts") or ts
        history: list[str] = []
        if thread_ts != ts:
            history, _ = await self._thread_history(channel, thread_ts, ts, context)
        place = Place(channel, event["user"], thread_ts, kind=kind_of(channel, event.get("channel_type")))
        await self._answer(place, clean_text(event.get("text"), bot_user), history)

    async def on_message(self, body: dict, event: dict, context: dict) -> None:
        name_task("message")
        bot_user = context.get("bot_user_id")
        if not is_from_a_person(event, bot_user, context.get("bot_id")):
            return
        channel, ts = event.get("channel") or "", event.get("ts") or ""
        kind = kind_of(channel, event.get("channel_type"))
        thread_ts = event.get("thread_ts")
        in_thread = bool(thread_ts) and thread_ts != ts
        if kind != "im" and (not in_thread or mentions(event.get("text"), bot_user)):
            return  # top-level channel chatter is not for hibot; mentions come as app_mention
        if in_thread and kind != "im" and self.threads.known(channel, thread_ts or "") is False:
            return
        question = clean_text(event.get("text"), bot_user)
        if not question or not await self._claim(body, channel, ts):
            return  # a file or an emoji reaction without words: nothing to answer
        if not in_thread:  # a top-level DM: answered inline, the DM's recent messages are the history
            history = await self._dm_history(channel, ts, event["user"], context)
            await self._answer(Place(channel, event["user"], None, kind=kind), question, history)
            return
        history, participated = await self._thread_history(channel, thread_ts or "", ts, context)
        if kind != "im" and not participated:
            self.threads.set(channel, thread_ts or "", False)
            return
        await self._answer(Place(channel, event["user"], thread_ts, kind=kind), question, history)

    # --- ephemeral: /hibot QUESTION and the message shortcut ------------------------------------
    async def on_command(self, command: dict, respond: Respond, context: dict) -> None:
        name_task("command")
        place = Place(
            command.get("channel_id", ""), command.get("user_id", ""), ephemeral=True, kind="ephemeral"
        )
        question = clean_text(command.get("text"), context.get("bot_user_id"))
        await self.delivery.answer(place, question, respond=respond)

    async def on_message_shortcut(self, body: dict, respond: Respond, context: dict) -> None:
        name_task("shortcut")
        message = body.get("message") or {}
        place = Place(
            (body.get("channel") or {}).get("id", ""),
            (body.get("user") or {}).get("id", ""),
            message.get("thread_ts") or message.get("ts"),
            ephemeral=True,
            kind="ephemeral",
        )
        await self.delivery.answer(
            place, clean_text(message.get("text"), context.get("bot_user_id")), respond=respond
        )

    # --- suggestion buttons ---------------------------------------------------------------------
    async def on_suggestion(self, body: dict, respond: Respond, context: dict) -> None:
        """Ask the button's question as the person who pressed it, where the button was: ephemerally
        for an ephemeral answer, inline in a DM, else in the message's thread (a weekly prompt's
        top-level post gets a thread of its own)."""
        name_task("suggestion")
        user = (body.get("user") or {}).get("id", "")
        question = str((body.get("actions") or [{}])[0].get("value") or "").strip()
        container, message = body.get("container") or {}, body.get("message") or {}
        channel = container.get("channel_id") or (body.get("channel") or {}).get("id", "")
        thread_ts = message.get("thread_ts") or container.get("thread_ts")
        if not question or not channel:
            return
        if container.get("is_ephemeral"):
            place = Place(channel, user, thread_ts, ephemeral=True, kind="ephemeral")
            await self.delivery.answer(place, question, respond=respond, asked_by=user)
            return
        kind = kind_of(channel)
        if not thread_ts and kind != "im":
            thread_ts = message.get("ts") or container.get("message_ts")
        if thread_ts:
            history, _ = await self._thread_history(channel, thread_ts, str(time.time()), context)
        else:
            history = await self._dm_history(channel, str(time.time()), user, context)
        await self._answer(Place(channel, user, thread_ts, kind=kind), question, history, asked_by=user)

    # --- shared steps ---------------------------------------------------------------------------
    async def _answer(
        self, place: Place, question: str, history: list[str], asked_by: str | None = None
    ) -> None:
        if place.thread_ts:
            self.threads.set(place.channel, place.thread_ts, True)
        await self.delivery.answer(place, question, history, asked_by=asked_by)

    async def _claim(self, body: dict, channel: str, ts: str) -> bool:
        keys = [k for k in (body.get("event_id"), f"message:{channel}:{ts}" if ts else None) if k]
        for key in keys:
            if not await asyncio.to_thread(self.store.claim_event, PLATFORM, key):
                log.info("slack_duplicate_ignored", key=key)
                return False
        return True

    async def _thread_history(
        self, channel: str, thread_ts: str, ts: str, context: dict
    ) -> tuple[list[str], bool]:
        """Earlier questions in the thread, and whether hibot took part in it."""
        try:
            resp = await self.client.conversations_replies(channel=channel, ts=thread_ts, limit=100)
        except SlackApiError as e:
            log.warning("slack_thread_read_failed", error=e.response.get("error"))
            return [], bool(self.threads.known(channel, thread_ts))
        history, participated = thread_history(
            _messages(resp),
            before_ts=ts,
            bot_user_id=context.get("bot_user_id"),
            bot_id=context.get("bot_id"),
            limit=THREAD_HISTORY_MAX,
        )
        return history, participated or bool(self.threads.known(channel, thread_ts))

    async def _dm_history(self, channel: str, ts: str, user: str, context: dict) -> list[str]:
        """The user's last few top-level DM messages within the follow-up window."""
        oldest = float(ts or time.time()) - self.follow_ups.window.total_seconds()
        try:
            resp = await self.client.conversations_history(
                channel=channel, latest=ts, oldest=f"{oldest:.6f}", inclusive=False, limit=DM_HISTORY_PAGE
            )
        except SlackApiError as e:
            log.warning("slack_dm_read_failed", error=e.response.get("error"))
            return []
        return dm_history(
            _messages(resp),
            before_ts=ts,
            user=user,
            bot_user_id=context.get("bot_user_id"),
            bot_id=context.get("bot_id"),
            limit=self.follow_ups.turns,
        )


def _messages(resp: Any) -> list[dict[str, Any]]:
    return list(resp.get("messages") or [])
