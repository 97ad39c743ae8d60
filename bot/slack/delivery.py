"""Answering in a place: ask the engine, render, save, post. Every Slack surface ends here.

A `Place` says where the reader is: a channel or DM (in a thread, or inline at the top level of a
DM), or one person's ephemeral view (the slash command, the message shortcut). The engine runs on
the answer pool the composition root gives it, never on the event loop; answers are saved (audit
trail, and so Share, More and feedback can find them) before they are posted.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import logs
from bot.models import Answer
from bot.runtime import AdapterStore, AnswerEngine
from bot.slack.render import SlackMessage, render_answer

log = logs.get_logger("hibot.slack")
PLATFORM = "slack"
Respond = Callable[..., Awaitable[Any]]  # Bolt's `respond`: posts to the request's response_url
# Errors after which an ephemeral can still reach the user through the request's response_url.
EPHEMERAL_FALLBACK_ERRORS = {"channel_not_found", "not_in_channel", "user_not_in_channel", "is_archived"}


@dataclass(frozen=True)
class Place:
    channel: str
    user: str
    thread_ts: str | None = None  # None: at the top level (a DM answered inline, an ephemeral reply)
    ephemeral: bool = False
    kind: str = "channel"  # im | mpim | channel | ephemeral: for logs and the conversation record


def kind_of(channel: str, channel_type: str | None = None) -> str:
    if channel_type in ("im", "mpim"):
        return channel_type
    if channel_type in ("channel", "group"):
        return "channel"
    return "im" if channel.startswith("D") else "channel"


def name_task(kind: str) -> None:
    """Name Bolt's background task so `hibot serve` waits for it on shutdown (it drains "hibot-*")."""
    task = asyncio.current_task()
    if task is not None:
        task.set_name(f"hibot-slack-{kind}")


class Delivery:
    def __init__(
        self,
        engine: AnswerEngine,
        store: AdapterStore,
        client: AsyncWebClient,
        answer_pool: Executor | None = None,
    ):
        self.engine = engine
        self.store = store
        self.client = client
        self.answer_pool = answer_pool

    async def ask(self, question: str, history: list[str] | None = None) -> Answer:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.answer_pool, self.engine.answer, question, history or None)

    async def answer(
        self,
        place: Place,
        question: str,
        history: list[str] | None = None,
        respond: Respond | None = None,
        asked_by: str | None = None,
    ) -> bool:
        """Answer `question` at `place`; True once it was posted. `asked_by` marks a suggestion button."""
        answer = await self.ask(question, history)
        # Share on every answer shown to its asker (ephemeral, DM, thread): it asks where to post.
        msg = render_answer(answer, share=True, asked_by=asked_by)
        where: dict[str, Any] = {"thread_ts": place.thread_ts} if place.thread_ts else {}
        if place.ephemeral:
            payload = msg.payload(channel=place.channel, user=place.user, **where)
        else:
            payload = msg.payload(channel=place.channel, unfurl_links=False, unfurl_media=False, **where)
        await asyncio.to_thread(self.store.save_answer, answer, PLATFORM, payload, place.user)
        if place.ephemeral:
            posted = await self.ephemeral(place, msg, respond)
        else:
            posted = await self._post(payload, answer.answer_id)
        if posted:
            log.info(
                "slack_answered",
                answer_id=answer.answer_id,
                kind=place.kind,
                reason=answer.reason,
                abstained=answer.abstained,
                history=len(history or []),
            )
            if not place.ephemeral:
                await self._seen_conversation(place)
        return posted

    async def _post(self, payload: dict[str, Any], answer_id: str) -> bool:
        try:
            await self.client.chat_postMessage(**payload)
        except SlackApiError as e:
            log.warning("slack_post_failed", error=e.response.get("error"), answer_id=answer_id)
            return False
        return True

    async def ephemeral(self, place: Place, msg: SlackMessage, respond: Respond | None) -> bool:
        """chat.postEphemeral; where hibot is not a member, the request's response_url instead."""
        where = {"thread_ts": place.thread_ts} if place.thread_ts else {}
        try:
            await self.client.chat_postEphemeral(
                **msg.payload(channel=place.channel, user=place.user, **where)
            )
            return True
        except SlackApiError as e:
            error = e.response.get("error")
            if respond is None or error not in EPHEMERAL_FALLBACK_ERRORS:
                log.warning("slack_ephemeral_failed", error=error)
                return False
        return await reply(respond, msg.text, msg.blocks)

    async def _seen_conversation(self, place: Place) -> None:
        try:
            await asyncio.to_thread(
                self.store.upsert_conversation,
                PLATFORM,
                place.channel,
                None,
                channel_id=place.channel,
                kind=place.kind,
            )
        except Exception:
            log.exception("slack_conversation_upsert_failed")


async def reply(
    respond: Respond | None, text: str, blocks: list | None = None, *, replace: bool = False
) -> bool:
    """An ephemeral answer through the request's response_url (or, with `replace`, an update of the
    message the button was on)."""
    if respond is None:
        return False
    try:
        await respond(text=text, blocks=blocks or None, response_type="ephemeral", replace_original=replace)
    except Exception as e:  # noqa: BLE001 - response_url expired or unreachable; nothing else to try
        log.warning("slack_respond_failed", error=type(e).__name__)
        return False
    return True
