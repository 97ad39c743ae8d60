"""What hibot does for each Slack request, after the listener has acknowledged it.

Listeners in app.py ack and call one method here. Everything slow (the engine, the database) runs
off the event loop with `asyncio.to_thread`; Web API calls go through one `AsyncWebClient` that
retries HTTP 429 after Retry-After.

Decisions worth knowing:
- Retries and double deliveries: an event is claimed in the database by its `event_id` (Slack's
  retries reuse it) and by its message (channel + ts), because a mention in a thread arrives both as
  `app_mention` and as `message`. Claims survive restarts. A crash after the claim loses that one
  reply rather than risking two.
- Answers are saved (audit trail, and so Share can find them) before they are posted.
- The "Ask hibot about this" shortcut answers ephemerally in the message's thread, with a Share
  button: it acts on someone else's message, so nothing is posted publicly without a click.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import logs
from bot.engine import answer_off_loop
from bot.models import Answer
from bot.slack.inbound import clean_text, is_chatter, is_from_a_person, mentions, thread_history
from bot.slack.render import SlackMessage, render_answer, share_message
from bot.slack.views import feedback_modal, home_view, modal_answer_id, modal_comment

log = logs.get_logger("hibot.slack")
PLATFORM = "slack"
# Errors after which an ephemeral can still reach the user through the request's response_url.
EPHEMERAL_FALLBACK_ERRORS = {"channel_not_found", "not_in_channel", "user_not_in_channel", "is_archived"}
SHARE_FAILED = (
    "I can't post in this conversation. Invite me first (`/invite @hibot`), then press *Share to channel* again."
)
ANSWER_GONE = "I can't find that answer any more (answers are kept for a limited time). Please ask again."


def _kind(channel: str, channel_type: str | None) -> str:
    if channel_type in ("im", "mpim"):
        return channel_type
    if channel_type in ("channel", "group"):
        return "channel"
    return "im" if channel.startswith("D") else "channel"


def _name_task(kind: str) -> None:
    """Name Bolt's background task so `hibot serve` waits for it on shutdown (it drains "hibot-*")."""
    task = asyncio.current_task()
    if task is not None:
        task.set_name(f"hibot-slack-{kind}")


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


class SlackHandlers:
    def __init__(self, settings, engine, store, client: AsyncWebClient):
        self.settings = settings
        self.engine = engine
        self.store = store
        self.client = client
        self.threads = ThreadMemory()

    # --- events ---------------------------------------------------------------------------------
    async def on_app_mention(self, body: dict, event: dict, context: dict) -> None:
        _name_task("mention")
        bot_user, bot_id = context.get("bot_user_id"), context.get("bot_id")
        channel = event.get("channel") or ""
        if channel.startswith("D") or not is_from_a_person(event, bot_user, bot_id):
            return  # direct messages arrive (and are answered) as message.im
        if not await self._claim(body, channel, event.get("ts", "")):
            return
        history: list[str] = []
        thread_ts = event.get("thread_ts")
        if thread_ts and thread_ts != event.get("ts"):
            history, _ = await self._history(channel, thread_ts, event["ts"], bot_user, bot_id)
        question = clean_text(event.get("text"), bot_user)
        await self._answer_in_thread(channel, thread_ts or event["ts"], event["user"], question, history,
                                     _kind(channel, event.get("channel_type")))

    async def on_message(self, body: dict, event: dict, context: dict) -> None:
        _name_task("message")
        bot_user, bot_id = context.get("bot_user_id"), context.get("bot_id")
        if not is_from_a_person(event, bot_user, bot_id):
            return
        channel, ts = event.get("channel") or "", event.get("ts") or ""
        kind = _kind(channel, event.get("channel_type"))
        thread_ts = event.get("thread_ts")
        in_thread = bool(thread_ts) and thread_ts != ts
        if kind != "im":
            if not in_thread or mentions(event.get("text"), bot_user):
                return  # top-level channel chatter is not for hibot; mentions come as app_mention
            if self.threads.known(channel, thread_ts) is False:
                return
        question = clean_text(event.get("text"), bot_user)
        if is_chatter(question):  # "thanks", "ok", an emoji or a file without words: not a question
            return
        if not await self._claim(body, channel, ts):
            return
        history: list[str] = []
        if in_thread:
            history, participated = await self._history(channel, thread_ts, ts, bot_user, bot_id)
            if kind != "im" and not participated:
                self.threads.set(channel, thread_ts, False)
                return
        await self._answer_in_thread(channel, thread_ts or ts, event["user"], question, history, kind)

    async def on_home_opened(self, event: dict) -> None:
        _name_task("home")
        if event.get("tab", "home") != "home" or not event.get("user"):
            return
        subs = await asyncio.to_thread(self._subscriptions_of, event["user"])
        try:
            await self.client.views_publish(user_id=event["user"], view=home_view(subs))
        except SlackApiError as e:
            log.warning("slack_home_publish_failed", error=e.response.get("error"))

    # --- /hibot ---------------------------------------------------------------------------------
    async def on_command(self, command: dict, respond, context: dict) -> None:
        _name_task("command")
        text = (command.get("text") or "").strip()
        channel, user = command.get("channel_id", ""), command.get("user_id", "")
        word, _, rest = text.partition(" ")
        if word.lower() == "prompts":
            reply = await self._prompts(channel, user, rest.strip(), context)
            await self._ephemeral(channel, user, SlackMessage(blocks=[], text=reply), respond)
            return
        question = clean_text(text, context.get("bot_user_id"))
        await self._answer_ephemeral(channel, user, question, respond)

    async def _prompts(self, channel: str, user: str, text: str, context: dict) -> str:
        from bot.prompts.commands import handle_prompts_command  # another package; loaded only when used

        is_admin = await self._is_admin(user)
        kind = _kind(channel, None)
        try:
            return await asyncio.to_thread(
                handle_prompts_command, self.store, self.settings, platform=PLATFORM, conversation_id=channel,
                user_id=user, text=text, is_admin=is_admin,
                reference={"channel": channel, "team_id": context.get("team_id"), "kind": kind},
            )
        except Exception:
            log.exception("slack_prompts_command_failed")
            return "Sorry, that did not work. Please try again, or ask a lead to check the server log."

    async def _is_admin(self, user: str) -> bool:
        try:
            info = (await self.client.users_info(user=user)).get("user") or {}
        except SlackApiError as e:
            log.warning("slack_users_info_failed", error=e.response.get("error"))
            return False
        return bool(info.get("is_admin") or info.get("is_owner") or info.get("is_primary_owner"))

    # --- message shortcut "Ask hibot about this" ------------------------------------------------
    async def on_message_shortcut(self, body: dict, respond, context: dict) -> None:
        _name_task("shortcut")
        message = body.get("message") or {}
        channel = (body.get("channel") or {}).get("id", "")
        user = (body.get("user") or {}).get("id", "")
        question = clean_text(message.get("text"), context.get("bot_user_id"))
        await self._answer_ephemeral(channel, user, question, respond,
                                     thread_ts=message.get("thread_ts") or message.get("ts"))

    # --- buttons and the feedback modal ---------------------------------------------------------
    async def on_share(self, body: dict, respond) -> None:
        _name_task("share")
        user, answer_id = body["user"]["id"], body["actions"][0].get("value", "")
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
        stored = await asyncio.to_thread(self.store.get_answer, answer_id)
        rendered = getattr(stored, "rendered", None)
        if not isinstance(rendered, dict) or not rendered.get("blocks") or not channel:
            await self._respond(respond, ANSWER_GONE)
            return
        msg = share_message(rendered, user)
        extra = {"thread_ts": rendered["thread_ts"]} if rendered.get("thread_ts") else {}
        try:
            await self.client.chat_postMessage(**msg.payload(channel=channel, unfurl_links=False,
                                                             unfurl_media=False, **extra))
        except SlackApiError as e:
            log.warning("slack_share_failed", error=e.response.get("error"), answer_id=answer_id)
            await self._respond(respond, SHARE_FAILED)
            return
        log.info("slack_shared", answer_id=answer_id)
        if respond is not None:  # the ephemeral copy has done its job
            try:
                await respond(delete_original=True)
            except Exception:  # noqa: BLE001 - cosmetic; the public post is out
                log.warning("slack_delete_ephemeral_failed")

    async def on_feedback_up(self, body: dict, respond) -> None:
        _name_task("feedback")
        await self._feedback(body["user"]["id"], body["actions"][0].get("value", ""), 1)
        await self._thanks(body, respond)

    async def on_feedback_down(self, body: dict, respond) -> None:
        _name_task("feedback")
        answer_id = body["actions"][0].get("value", "")
        channel = (body.get("channel") or {}).get("id")
        try:
            await self.client.views_open(trigger_id=body.get("trigger_id"), view=feedback_modal(answer_id, channel))
        except SlackApiError as e:  # no modal (expired trigger): still count the 👎
            log.warning("slack_feedback_modal_failed", error=e.response.get("error"))
            await self._feedback(body["user"]["id"], answer_id, -1)
            await self._thanks(body, respond)

    async def on_feedback_modal(self, body: dict, view: dict, closed: bool) -> None:
        """Submitted (with an optional comment) or closed: either way the 👎 is stored once."""
        _name_task("feedback")
        answer_id = modal_answer_id(view)
        if answer_id:
            comment = None if closed else modal_comment(view)
            await self._feedback(body["user"]["id"], answer_id, -1, comment)

    async def _feedback(self, user: str, answer_id: str, rating: int, comment: str | None = None) -> None:
        if comment:
            from bot.safety import redact  # a comment is free text: same patient-data guard as questions

            comment = redact(comment).text
        await asyncio.to_thread(self.store.add_feedback, PLATFORM, user, answer_id, rating, comment)
        log.info("slack_feedback", answer_id=answer_id, rating=rating, comment=bool(comment))

    async def _thanks(self, body: dict, respond) -> None:
        channel = (body.get("channel") or {}).get("id")
        message = body.get("message") or {}
        if channel:
            await self._ephemeral(channel, body["user"]["id"], SlackMessage([], "Thanks for the feedback."),
                                  respond, thread_ts=message.get("thread_ts"))

    # --- shared steps ---------------------------------------------------------------------------
    async def _claim(self, body: dict, channel: str, ts: str) -> bool:
        keys = [k for k in (body.get("event_id"), f"message:{channel}:{ts}" if ts else None) if k]
        for key in keys:
            if not await asyncio.to_thread(self.store.claim_event, PLATFORM, key):
                log.info("slack_duplicate_ignored", key=key)
                return False
        return True

    async def _history(self, channel: str, thread_ts: str, ts: str, bot_user: str | None,
                       bot_id: str | None) -> tuple[list[str], bool]:
        try:
            resp = await self.client.conversations_replies(channel=channel, ts=thread_ts, limit=100)
        except SlackApiError as e:
            log.warning("slack_thread_read_failed", error=e.response.get("error"))
            return [], bool(self.threads.known(channel, thread_ts))
        history, participated = thread_history(resp.get("messages") or [], before_ts=ts,
                                               bot_user_id=bot_user, bot_id=bot_id)
        return history, participated or bool(self.threads.known(channel, thread_ts))

    async def _answer(self, question: str, history: list[str] | None = None) -> Answer:
        return await answer_off_loop(self.engine, question, history or None)

    async def _answer_in_thread(self, channel: str, thread_ts: str, user: str, question: str,
                                history: list[str], kind: str) -> None:
        answer = await self._answer(question, history)
        payload = render_answer(answer).payload(channel=channel, thread_ts=thread_ts, unfurl_links=False,
                                                unfurl_media=False)
        await asyncio.to_thread(self.store.save_answer, answer, PLATFORM, payload, user)
        self.threads.set(channel, thread_ts, True)
        try:
            await self.client.chat_postMessage(**payload)
        except SlackApiError as e:
            log.warning("slack_post_failed", error=e.response.get("error"), answer_id=answer.answer_id)
            return
        log.info("slack_answered", answer_id=answer.answer_id, kind=kind, abstained=answer.abstained,
                 history=len(history))
        await self._seen_conversation(channel, kind)

    async def _answer_ephemeral(self, channel: str, user: str, question: str, respond,
                                thread_ts: str | None = None) -> None:
        answer = await self._answer(question)
        msg = render_answer(answer, share=True)
        payload = msg.payload(channel=channel, user=user, **({"thread_ts": thread_ts} if thread_ts else {}))
        await asyncio.to_thread(self.store.save_answer, answer, PLATFORM, payload, user)
        await self._ephemeral(channel, user, msg, respond, thread_ts=thread_ts)
        log.info("slack_answered", answer_id=answer.answer_id, kind="ephemeral", abstained=answer.abstained)

    async def _ephemeral(self, channel: str, user: str, msg: SlackMessage, respond,
                         thread_ts: str | None = None) -> None:
        """chat.postEphemeral; where hibot is not a member, the request's response_url instead."""
        extra = {"thread_ts": thread_ts} if thread_ts else {}
        try:
            await self.client.chat_postEphemeral(**msg.payload(channel=channel, user=user, **extra))
            return
        except SlackApiError as e:
            error = e.response.get("error")
            if respond is None or error not in EPHEMERAL_FALLBACK_ERRORS:
                log.warning("slack_ephemeral_failed", error=error)
                return
        await self._respond(respond, msg.text, msg.blocks)

    async def _respond(self, respond, text: str, blocks: list | None = None) -> None:
        if respond is None:
            return
        try:
            await respond(text=text, blocks=blocks or None, response_type="ephemeral", replace_original=False)
        except Exception as e:  # noqa: BLE001 - response_url expired or unreachable; nothing else to try
            log.warning("slack_respond_failed", error=type(e).__name__)

    async def _seen_conversation(self, channel: str, kind: str) -> None:
        try:
            await asyncio.to_thread(self.store.upsert_conversation, PLATFORM, channel, None,
                                    channel_id=channel, kind=kind)
        except Exception:
            log.exception("slack_conversation_upsert_failed")

    def _subscriptions_of(self, user: str) -> list[Any] | None:
        lister = getattr(self.store, "list_subscriptions", None)
        if lister is None:
            return None
        try:
            return list(lister(PLATFORM, created_by=user))
        except Exception:
            log.exception("slack_home_subscriptions_failed")
            return None
