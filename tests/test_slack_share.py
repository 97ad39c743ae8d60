"""Sharing a Slack answer, end to end over HTTP: Share opens a modal (a channel, an optional note); the
post leads with the question, then who shared it and the note, then the answer with its sources and
👍/👎 — from an ephemeral answer, a DM or a thread, only by the person it was shown to."""

from __future__ import annotations

import json
import re

import pytest

from bot.slack.buttons import NOT_IN_CHANNEL, NOT_YOURS, SHARER_NOT_IN_CHANNEL
from bot.slack.render import FEEDBACK_DOWN, FEEDBACK_UP, SHARE
from bot.slack.shared import DESTINATION_BLOCK, NOTE_BLOCK, QUESTION_BLOCK, SHARE_MODAL
from tests.support.fakes.slack_api import FakeSlackAPI
from tests.support.slack import CHANNEL, DM, QUESTION, USER, SlackServer, mention, message, run, settings_for
from tests.support.slack_payloads import (
    action_ids,
    block_action,
    block_ids,
    button_value,
    posted_message,
    share_submission,
    source_links,
)

# The NHS number the tests type, in any layout. (Not "943" alone: a random answer id may hold it.)
NHS_NUMBER_DIGITS = re.compile(r"943\D{0,2}476\D{0,2}5919")

NOTE = "Worth reading before Tuesday's inequalities huddle."


@pytest.fixture
def slack():
    with FakeSlackAPI() as fake:
        yield fake


async def press_share(srv: SlackServer, slack: FakeSlackAPI, post: dict, channel: str, **kw) -> dict:
    """Press Share on a posted answer; returns the modal hibot opened."""
    shown = posted_message(post, "1700000000.000900")
    await srv.interaction(
        block_action(
            SHARE, button_value(post["blocks"], SHARE), slack=slack, channel=channel, message=shown, **kw
        )
    )
    return (await slack.until("views.open"))[0].body["view"]


def test_share_with_a_note_from_a_dm_posts_question_note_then_answer_to_the_chosen_channel(
    slack, store, recording_engine, tmp_path
):
    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
            await srv.event(message(QUESTION, channel=DM))
            answer = (await slack.until("chat.postMessage"))[0].body
            assert answer["channel"] == DM and SHARE in action_ids(answer["blocks"])  # Share in a DM
            modal = await press_share(srv, slack, answer, DM)
            assert modal["callback_id"] == SHARE_MODAL
            [select] = [b["element"] for b in modal["blocks"] if b.get("block_id") == DESTINATION_BLOCK]
            assert select["type"] == "conversations_select" and "initial_conversation" not in select
            status, body = await srv.interaction(share_submission(modal, CHANNEL, NOTE))
            assert status == 200 and "errors" not in body  # the modal closes
            post = (await slack.until("chat.postMessage", 2))[1].body
            assert post["channel"] == CHANNEL and "thread_ts" not in post
            assert block_ids(post["blocks"])[:3] == [QUESTION_BLOCK, "hibot_shared_by", NOTE_BLOCK]
            assert QUESTION in post["blocks"][0]["text"]["text"]
            assert f"<@{USER}>" in json.dumps(post["blocks"][1])
            assert "Tuesday's inequalities huddle" in post["blocks"][2]["text"]["text"]
            assert source_links(post["blocks"]) == source_links(answer["blocks"])
            assert action_ids(post["blocks"]) >= {FEEDBACK_UP, FEEDBACK_DOWN} and SHARE not in action_ids(
                post["blocks"]
            )
            assert not [b for b in post["blocks"] if b["type"] == "input"]  # no free-text box in a channel
            confirmation = (await slack.until("chat.postEphemeral"))[0].body
            assert confirmation["channel"] == DM and confirmation["user"] == USER
            assert f"<#{CHANNEL}>" in confirmation["text"] and "patient" not in confirmation["text"]

    run(scenario())


def test_a_note_with_an_nhs_number_is_posted_redacted_and_the_sharer_is_warned(
    slack, store, recording_engine, tmp_path
):
    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
            await srv.event(message(QUESTION, channel=DM))
            answer = (await slack.until("chat.postMessage"))[0].body
            modal = await press_share(srv, slack, answer, DM)
            await srv.interaction(share_submission(modal, CHANNEL, "Relevant to 943 476 5919's care plan"))
            post = (await slack.until("chat.postMessage", 2))[1].body
            note = post["blocks"][2]["text"]["text"]
            assert "[NHS number]" in note and not NHS_NUMBER_DIGITS.search(json.dumps(post))
            warning = (await slack.until("chat.postEphemeral"))[0].body["text"]
            assert "patient" in warning and "removed" in warning

    run(scenario())


def test_share_from_a_thread_answer_preselects_its_channel_and_posts_at_the_top_level(
    slack, store, recording_engine, tmp_path
):
    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
            await srv.event(mention(QUESTION))
            answer = (await slack.until("chat.postMessage"))[0].body
            assert answer["thread_ts"] and SHARE in action_ids(answer["blocks"])
            modal = await press_share(srv, slack, answer, CHANNEL)
            [select] = [b["element"] for b in modal["blocks"] if b.get("block_id") == DESTINATION_BLOCK]
            assert select["initial_conversation"] == CHANNEL
            await srv.interaction(share_submission(modal, CHANNEL))
            post = (await slack.until("chat.postMessage", 2))[1].body
            assert post["channel"] == CHANNEL and "thread_ts" not in post
            assert block_ids(post["blocks"])[:2] == [QUESTION_BLOCK, "hibot_shared_by"]
            assert NOTE_BLOCK not in block_ids(post["blocks"])  # no note, no empty note block

    run(scenario())


def test_share_of_an_ephemeral_answer_to_its_own_channel_still_works(
    slack, store, recording_engine, tmp_path
):
    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
            await srv.command(QUESTION, slack)
            eph = (await slack.until("chat.postEphemeral"))[0].body
            await srv.interaction(
                block_action(SHARE, button_value(eph["blocks"], SHARE), ephemeral=True, slack=slack)
            )
            modal = (await slack.until("views.open"))[0].body["view"]
            await srv.interaction(share_submission(modal, CHANNEL, NOTE))
            post = (await slack.until("chat.postMessage"))[0].body
            assert post["channel"] == CHANNEL and post["blocks"][0]["block_id"] == QUESTION_BLOCK
            assert source_links(post["blocks"]) == source_links(eph["blocks"])

    run(scenario())


def test_share_to_a_channel_hibot_is_not_in_keeps_the_modal_open_with_the_invite_hint(
    slack, store, recording_engine, tmp_path
):
    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
            await srv.event(message(QUESTION, channel=DM))
            answer = (await slack.until("chat.postMessage"))[0].body
            modal = await press_share(srv, slack, answer, DM)
            slack.fail("chat.postMessage", "not_in_channel")
            status, body = await srv.interaction(share_submission(modal, "C0ELSEWHERE"))
            assert status == 200
            assert json.loads(body) == {
                "response_action": "errors",
                "errors": {DESTINATION_BLOCK: NOT_IN_CHANNEL},
            }
            assert "/invite @hibot" in NOT_IN_CHANNEL

    run(scenario())


def test_only_the_person_an_answer_was_shown_to_can_share_it(slack, store, recording_engine, tmp_path):
    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
            await srv.event(mention(QUESTION))
            answer = (await slack.until("chat.postMessage"))[0].body
            press = block_action(
                SHARE,
                button_value(answer["blocks"], SHARE),
                slack=slack,
                message=posted_message(answer, "1700000000.000901"),
            )
            press["user"] = {**press["user"], "id": "U0SOMEONE2"}
            await srv.interaction(press)
            refused = (await slack.until("/response/action"))[0].body
            assert refused["text"] == NOT_YOURS and refused["response_type"] == "ephemeral"
            assert slack.count("views.open") == 0

    run(scenario())


def test_share_goes_only_into_a_channel_the_sharer_is_in(slack, store, recording_engine, tmp_path):
    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
            slack.set_channels(USER, [CHANNEL])  # the conversations select also lists other public channels
            await srv.event(message(QUESTION, channel=DM))
            answer = (await slack.until("chat.postMessage"))[0].body
            modal = await press_share(srv, slack, answer, DM)
            status, body = await srv.interaction(share_submission(modal, "C0NOTMINE1"))
            assert json.loads(body)["errors"] == {DESTINATION_BLOCK: SHARER_NOT_IN_CHANNEL}
            assert [c.body["user"] for c in slack.calls("users.conversations")] == [USER]
            await srv.interaction(share_submission(modal, CHANNEL))
            posts = await slack.until("chat.postMessage", 2)
            assert [p.body["channel"] for p in posts] == [DM, CHANNEL]

    run(scenario())
