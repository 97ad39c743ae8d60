"""Where hibot answers in Slack: a DM inline, a mention in its thread, follow-ups in threads it took part
in, and nothing else. Signed Events API requests over real HTTP, replies at the fake Slack Web API,
state in a real SQLite store; only structure is asserted, not the engine's wording."""

from __future__ import annotations

import asyncio
import json

import pytest

from bot.models import PII_WARNING
from bot.slack.render import FEEDBACK_UP
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
from tests.support.slack_payloads import block_ids, button_value, source_links


@pytest.fixture
def slack():
    with FakeSlackAPI() as fake:
        yield fake


def test_direct_message_is_answered_inline_with_citations(slack, store, recording_engine, tmp_path):
    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
            status, _ = await srv.event(message())
            assert status == 200
            post = (await slack.until("chat.postMessage"))[0].body
            assert post["channel"] == DM and "thread_ts" not in post
            assert "hibot_sources_0" in block_ids(post["blocks"])
            assert recording_engine.calls == [(QUESTION, None)]

    run(scenario())


def test_mention_is_answered_in_the_mentions_thread_with_citations(slack, store, recording_engine, tmp_path):
    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
            e = mention()
            await srv.event(e)
            post = (await slack.until("chat.postMessage"))[0].body
            assert post["channel"] == CHANNEL and post["thread_ts"] == e["ts"]
            assert "|[1]>" in json.dumps(post["blocks"])  # the answer's markers link to sources
            assert "https://" in source_links(post["blocks"])
            assert recording_engine.calls[0][0] == QUESTION  # the mention itself is not part of the question

    run(scenario())


def test_every_posted_answer_is_saved_exactly_as_posted(slack, store, recording_engine, tmp_path):
    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
            await srv.event(mention())
            post = (await slack.until("chat.postMessage"))[0].body
            stored = store.get_answer(button_value(post["blocks"], FEEDBACK_UP))
            assert stored is not None and stored.platform == "slack"
            assert stored.rendered == {k: v for k, v in post.items() if k != "token"}

    run(scenario())


def test_follow_up_in_an_answered_thread_passes_earlier_questions_as_history(
    slack, store, recording_engine, tmp_path
):
    parent = next_ts()
    slack.set_thread(
        CHANNEL,
        parent,
        [
            {
                "type": "message",
                "user": USER,
                "text": f"<@{BOT_USER_ID}> {QUESTION}",
                "ts": parent,
                "thread_ts": parent,
            },
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
            await srv.event(
                message("what about children?", channel=CHANNEL, channel_type="channel", thread_ts=parent)
            )
            post = (await slack.until("chat.postMessage"))[0].body
            assert post["thread_ts"] == parent
            assert recording_engine.calls == [("what about children?", [QUESTION])]
            assert slack.bodies("conversations.replies")[0]["ts"] == parent

    run(scenario())


def test_thread_reply_where_hibot_never_answered_is_ignored(slack, store, recording_engine, tmp_path):
    parent = next_ts()
    slack.set_thread(
        CHANNEL, parent, [{"type": "message", "user": "U0OTHER", "text": "lunch?", "ts": parent}]
    )

    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
            await srv.event(message("sure", channel=CHANNEL, channel_type="channel", thread_ts=parent))
            await srv.event(
                message("what about Core20?", channel=CHANNEL, channel_type="channel", thread_ts=parent)
            )
            await slack.until("conversations.replies")
            await asyncio.sleep(0.3)
            assert slack.count("chat.postMessage") == 0 and recording_engine.calls == []

    run(scenario())


def test_top_level_channel_message_without_a_mention_is_ignored(slack, store, recording_engine, tmp_path):
    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
            await srv.event(message(QUESTION, channel=CHANNEL, channel_type="channel"))
            await asyncio.sleep(0.3)
            assert slack.count("chat.postMessage") == 0

    run(scenario())


def test_mention_delivered_as_app_mention_and_message_gets_one_reply(
    slack, store, recording_engine, tmp_path
):
    parent = next_ts()
    slack.set_thread(CHANNEL, parent, [{"type": "message", "user": USER, "text": "hi", "ts": parent}])

    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
            m = mention(thread_ts=parent)
            await srv.event(m)
            await srv.event(
                message(m["text"], channel=CHANNEL, channel_type="channel", ts=m["ts"], thread_ts=parent)
            )
            await slack.until("chat.postMessage")
            await asyncio.sleep(0.3)
            assert len(slack.delivered("chat.postMessage")) == 1

    run(scenario())


def test_bot_messages_edits_deletions_joins_and_wordless_messages_are_ignored(
    slack, store, recording_engine, tmp_path
):
    ignored = [
        message(bot_id="B0OTHER", subtype="bot_message"),
        message(bot_id="B0OTHER"),
        message(user=BOT_USER_ID),  # hibot's own message
        message(subtype="message_changed", message={"text": QUESTION, "user": USER}),
        message(subtype="message_deleted"),
        message(
            channel=CHANNEL, channel_type="channel", subtype="channel_join", text=f"<@{USER}> has joined"
        ),
    ]  # a file shared without words is not ignored: tests/test_slack_uploads.py says what it gets

    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
            for e in ignored:
                status, _ = await srv.event(e)
                assert status == 200
            await srv.event(message("still listening?"))  # a real one, so the test knows when it is done
            await slack.until("chat.postMessage")
            await asyncio.sleep(0.2)
            assert len(slack.delivered("chat.postMessage")) == 1
            assert [q for q, _ in recording_engine.calls] == ["still listening?"]

    run(scenario())


def test_patient_data_question_shows_the_warning_first(slack, store, recording_engine, tmp_path):
    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
            await srv.event(message("My patient's NHS number is 943 476 5919, what is Core20PLUS5?"))
            post = (await slack.until("chat.postMessage"))[0].body
            assert post["blocks"][0]["block_id"] == "hibot_warning"
            assert "943 476 5919" not in json.dumps(post)
            stored = store.get_answer(button_value(post["blocks"], FEEDBACK_UP))
            assert PII_WARNING in stored.answer.warnings and "943 476 5919" not in stored.answer.question

    run(scenario())
