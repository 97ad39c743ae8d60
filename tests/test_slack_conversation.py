"""Conversation in Slack: small talk (greeting, help, thanks, non-English) is answered by the engine on
every surface — DM, mention, slash command — as a plain short message; a DM is a conversation whose
recent messages are the history of a follow-up, answered inline.

The fake Web API here also answers conversations.history (what a DM's history read needs)."""

from __future__ import annotations

import time

import pytest

from bot.slack.render import FEEDBACK_UP, SHARE
from tests.support.fakes import slack_api
from tests.support.fakes.slack_api import BOT_ID, BOT_USER_ID, FakeSlackAPI
from tests.support.slack import (
    CHANNEL,
    DM,
    QUESTION,
    USER,
    SlackServer,
    mention,
    message,
    next_ts,
    run,
    settings_for,
)
from tests.support.slack_payloads import action_ids, has_text_block

FOLLOW_UP = "and for children?"
SMALL_TALK = ["hi", "help", "thanks", "Beth yw Core20PLUS5?"]  # greeting, help, thanks, non_english


class _HistoryHandler(slack_api._Handler):
    def _answer(self, method, body):
        if method != "conversations.history":
            return super()._answer(method, body)
        latest, oldest = float(body.get("latest") or 9e12), float(body.get("oldest") or 0)
        kept = [
            m for m in self.server.history.get(body.get("channel"), []) if oldest < float(m["ts"]) < latest
        ]
        return {"ok": True, "messages": sorted(kept, key=lambda m: -float(m["ts"])), "has_more": False}


class SlackWithHistory(FakeSlackAPI):
    """The fake Web API, also answering conversations.history (newest first, `oldest` < ts < `latest`)."""

    def __init__(self):
        super().__init__()
        self._server.RequestHandlerClass = _HistoryHandler
        self._server.history = {}

    def set_history(self, channel: str, messages: list[dict]) -> None:
        self._server.history[channel] = messages


@pytest.fixture
def slack():
    with SlackWithHistory() as fake:
        yield fake


def now_dm(text: str, **kw) -> dict:
    """A DM event sent now (conversations.history windows are measured from the message's ts)."""
    return message(text, ts=f"{time.time():.6f}", **kw)


def dm_turn(text: str, minutes_ago: float, *, user: str = USER) -> dict:
    ts = f"{time.time() - minutes_ago * 60:.6f}"
    bot = {"bot_id": BOT_ID} if user == BOT_USER_ID else {}
    return {"type": "message", "user": user, "text": text, "ts": ts, **bot}


def assert_conversation(blocks: list[dict]) -> None:
    """A plain short message: no sources, nothing to rate or share."""
    assert has_text_block(blocks, "hibot_conversation_")
    assert not has_text_block(blocks, "hibot_sources") and not has_text_block(blocks, "hibot_answer")
    assert not action_ids(blocks) & {FEEDBACK_UP, SHARE}


# --- small talk on every surface -----------------------------------------------------------------
@pytest.mark.parametrize("text", SMALL_TALK)
def test_small_talk_in_a_dm_is_answered_by_the_engine_inline(slack, store, recording_engine, tmp_path, text):
    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
            await srv.event(message(text))
            post = (await slack.until("chat.postMessage"))[0].body
            assert post["channel"] == DM and "thread_ts" not in post
            assert_conversation(post["blocks"])
            assert [q for q, _ in recording_engine.calls] == [text]

    run(scenario())


@pytest.mark.parametrize("text", SMALL_TALK)
def test_small_talk_in_a_mention_is_answered_in_its_thread(slack, store, recording_engine, tmp_path, text):
    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
            e = mention(text)
            await srv.event(e)
            post = (await slack.until("chat.postMessage"))[0].body
            assert post["channel"] == CHANNEL and post["thread_ts"] == e["ts"]
            assert_conversation(post["blocks"])

    run(scenario())


@pytest.mark.parametrize("text", SMALL_TALK)
def test_small_talk_in_the_slash_command_is_answered_ephemerally(
    slack, store, recording_engine, tmp_path, text
):
    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
            status, body = await srv.command(text, slack)
            assert status == 200 and not body  # acknowledged at once; the engine answers after
            eph = (await slack.until("chat.postEphemeral"))[0].body
            assert eph["user"] == USER
            assert_conversation(eph["blocks"])
            assert [q for q, _ in recording_engine.calls] == [text]

    run(scenario())


def test_thanks_after_an_answer_never_reposts_it(slack, store, recording_engine, tmp_path):
    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
            await srv.event(message(QUESTION))
            first = (await slack.until("chat.postMessage"))[0].body
            slack.set_history(DM, [dm_turn(QUESTION, 1), dm_turn(first["text"], 0.9, user=BOT_USER_ID)])
            await srv.event(now_dm("thanks"))
            thanks = (await slack.until("chat.postMessage", 2))[1].body
            assert recording_engine.calls[1] == ("thanks", [QUESTION])
            assert_conversation(thanks["blocks"])
            assert thanks["text"] != first["text"]

    run(scenario())


# --- a DM is a conversation ----------------------------------------------------------------------
def test_dm_follow_up_gets_the_earlier_question_as_history_and_is_answered_inline(
    slack, store, recording_engine, tmp_path
):
    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
            await srv.event(message(QUESTION))
            first = (await slack.until("chat.postMessage"))[0].body
            slack.set_history(DM, [dm_turn(QUESTION, 2), dm_turn(first["text"], 1.9, user=BOT_USER_ID)])
            await srv.event(now_dm(FOLLOW_UP))  # a new top-level DM, not a thread reply
            follow = (await slack.until("chat.postMessage", 2))[1].body
            assert recording_engine.calls == [(QUESTION, None), (FOLLOW_UP, [QUESTION])]
            assert follow["channel"] == DM and "thread_ts" not in follow
            read = slack.bodies("conversations.history")[-1]
            assert read["channel"] == DM and float(read["oldest"]) <= time.time() - 29 * 60

    run(scenario())


def test_dm_history_is_the_users_last_three_messages_within_half_an_hour(
    slack, store, recording_engine, tmp_path
):
    slack.set_history(
        DM,
        [
            dm_turn("What did the 2014 Hunt letter ask for?", 45),  # outside the window
            dm_turn("What is the NHS Providers board guide?", 20),
            dm_turn("an answer", 19, user=BOT_USER_ID),
            dm_turn("What is Core20?", 15),
            dm_turn("ok", 14),  # chatter is no context
            dm_turn("What is PLUS?", 10),
            dm_turn("What are the five clinical areas?", 5),
        ],
    )

    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
            await srv.event(now_dm(FOLLOW_UP))
            await slack.until("chat.postMessage")
            assert recording_engine.calls == [
                (FOLLOW_UP, ["What is Core20?", "What is PLUS?", "What are the five clinical areas?"])
            ]

    run(scenario())


def test_dm_message_inside_a_thread_keeps_thread_behaviour(slack, store, recording_engine, tmp_path):
    parent = next_ts()
    slack.set_thread(
        DM,
        parent,
        [
            {"type": "message", "user": USER, "text": QUESTION, "ts": parent},
            {
                "type": "message",
                "user": BOT_USER_ID,
                "bot_id": BOT_ID,
                "text": "answer",
                "ts": next_ts(),
                "thread_ts": parent,
            },
        ],
    )

    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
            await srv.event(message(FOLLOW_UP, thread_ts=parent))
            post = (await slack.until("chat.postMessage"))[0].body
            assert post["channel"] == DM and post["thread_ts"] == parent
            assert recording_engine.calls == [(FOLLOW_UP, [QUESTION])]
            assert slack.count("conversations.history") == 0

    run(scenario())
