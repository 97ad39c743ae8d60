"""The buttons under a Slack answer, end to end: More (the whole answer, in place), suggested questions
(asked as the person who pressed them, where the button was), and 👍/👎 with the comment modal. Share is
in test_slack_share.py."""

from __future__ import annotations

import json

import pytest

from bot.config import Settings
from bot.engine_cache import get_engine
from bot.slack.buttons import ANSWER_GONE
from bot.slack.render import FEEDBACK_DOWN, FEEDBACK_UP, MORE, SHARE, SUGGESTION
from tests.support.fakes.slack_api import FakeSlackAPI
from tests.support.polling import eventually_async
from tests.support.slack import CHANNEL, DM, QUESTION, USER, SlackServer, mention, message, run, settings_for
from tests.support.slack_payloads import (
    action_ids,
    block_action,
    button_value,
    has_text_block,
    posted_message,
    source_links,
    view_payload,
)

SUGGESTED = "What can I do as a clinician to reduce health inequalities?"


@pytest.fixture
def slack():
    with FakeSlackAPI() as fake:
        yield fake


def section_text(blocks: list[dict], prefix: str = "hibot_answer_") -> str:
    return "\n".join(b["text"]["text"] for b in blocks if b.get("block_id", "").startswith(prefix))


# --- More ----------------------------------------------------------------------------------------
def test_more_updates_the_posted_answer_with_the_rest_of_it(slack, store, recording_engine, tmp_path):
    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
            await srv.event(mention(QUESTION))
            post = (await slack.until("chat.postMessage"))[0].body
            assert MORE in action_ids(post["blocks"])  # the engine has more to say about Core20PLUS5
            shown = posted_message(post, "1700000000.000777")
            await srv.interaction(
                block_action(MORE, button_value(post["blocks"], MORE), slack=slack, message=shown)
            )
            update = (await slack.until("chat.update"))[0].body
            assert update["channel"] == CHANNEL and update["ts"] == "1700000000.000777"
            assert MORE not in action_ids(update["blocks"]) and FEEDBACK_UP in action_ids(update["blocks"])
            assert section_text(update["blocks"]).startswith(section_text(post["blocks"]).removesuffix("…"))
            assert len(section_text(update["blocks"])) > len(section_text(post["blocks"]))
            assert source_links(update["blocks"]) == source_links(post["blocks"])

    run(scenario())


def test_more_on_an_ephemeral_answer_replaces_it_through_the_response_url(
    slack, store, recording_engine, tmp_path
):
    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
            await srv.command(QUESTION, slack)
            eph = (await slack.until("chat.postEphemeral"))[0].body
            await srv.interaction(
                block_action(MORE, button_value(eph["blocks"], MORE), slack=slack, ephemeral=True)
            )
            replaced = (await slack.until("/response/action"))[0].body
            assert replaced["replace_original"] is True and replaced["response_type"] == "ephemeral"
            assert MORE not in action_ids(replaced["blocks"]) and SHARE in action_ids(replaced["blocks"])
            assert len(section_text(replaced["blocks"])) > len(section_text(eph["blocks"]))
            assert slack.count("chat.update") == 0

    run(scenario())


def test_more_for_an_answer_no_longer_kept_says_so(slack, store, recording_engine, tmp_path):
    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
            await srv.interaction(block_action(MORE, "0" * 32, slack=slack, ephemeral=True))
            reply = (await slack.until("/response/action"))[0].body
            assert reply["text"] == ANSWER_GONE

    run(scenario())


# --- suggested questions -------------------------------------------------------------------------
@pytest.fixture
def served_engine(index_dir):
    """The engine as `hibot serve` builds it (bot.engine_cache): with the prompt library's questions
    to suggest."""
    return get_engine(Settings(_env_file=None), index_dir=index_dir, build_if_missing=False)


def test_help_offers_suggested_questions_that_are_answered_when_pressed(
    slack, store, served_engine, tmp_path
):
    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), served_engine, store) as srv:
            await srv.event(message("help"))
            post = (await slack.until("chat.postMessage"))[0].body
            suggestion = f"{SUGGESTION}_0"
            assert suggestion in action_ids(post["blocks"])
            question = button_value(post["blocks"], suggestion)
            shown = posted_message(post, "1700000000.000778")
            await srv.interaction(block_action(suggestion, question, slack=slack, channel=DM, message=shown))
            answer = (await slack.until("chat.postMessage", 2))[1].body
            assert answer["channel"] == DM and "thread_ts" not in answer
            assert answer["blocks"][0]["block_id"] == "hibot_asked" and question in json.dumps(
                answer["blocks"][0]
            )
            assert has_text_block(answer["blocks"], "hibot_answer_")  # the suggestion is one hibot answers

    run(scenario())


def test_suggestion_in_a_dm_is_asked_as_the_user_and_answered_inline(
    slack, store, recording_engine, tmp_path
):
    shown = {
        "type": "message",
        "user": "UHIBOTBOT",
        "ts": "1700000000.000779",
        "text": "decline",
        "blocks": [],
    }

    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
            await srv.interaction(
                block_action(f"{SUGGESTION}_1", SUGGESTED, slack=slack, channel=DM, message=shown)
            )
            post = (await slack.until("chat.postMessage"))[0].body
            assert post["channel"] == DM and "thread_ts" not in post
            assert post["blocks"][0]["block_id"] == "hibot_asked"
            assert f"<@{USER}> asked" in json.dumps(post["blocks"][0])
            assert recording_engine.calls[0][0] == SUGGESTED

    run(scenario())


def test_suggestion_in_a_channel_thread_is_answered_in_that_thread(slack, store, recording_engine, tmp_path):
    shown = {
        "type": "message",
        "user": "UHIBOTBOT",
        "ts": "1700000000.000780",
        "thread_ts": "1700000000.000100",
        "text": "decline",
        "blocks": [],
    }

    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
            await srv.interaction(block_action(f"{SUGGESTION}_0", SUGGESTED, slack=slack, message=shown))
            post = (await slack.until("chat.postMessage"))[0].body
            assert post["channel"] == CHANNEL and post["thread_ts"] == "1700000000.000100"
            assert slack.bodies("conversations.replies")[0]["ts"] == "1700000000.000100"

    run(scenario())


def test_suggestion_on_an_ephemeral_answer_is_answered_ephemerally(slack, store, recording_engine, tmp_path):
    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
            await srv.interaction(block_action(f"{SUGGESTION}_2", SUGGESTED, slack=slack, ephemeral=True))
            eph = (await slack.until("chat.postEphemeral"))[0].body
            assert eph["channel"] == CHANNEL and eph["user"] == USER
            assert has_text_block(eph["blocks"], "hibot_asked")
            assert slack.count("chat.postMessage") == 0

    run(scenario())


# --- feedback ------------------------------------------------------------------------------------
async def _answer_id(srv: SlackServer, slack: FakeSlackAPI) -> str:
    await srv.event(mention())
    post = (await slack.until("chat.postMessage"))[0].body
    return button_value(post["blocks"], FEEDBACK_UP)


def test_thumbs_up_is_stored(slack, store, recording_engine, tmp_path):
    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
            answer_id = await _answer_id(srv, slack)
            await srv.interaction(block_action(FEEDBACK_UP, answer_id, slack=slack))
            await slack.until("chat.postEphemeral")  # the thank-you comes after the write
            rows = store.list_feedback()
            assert [(r["answer_id"], r["rating"], r["comment"]) for r in rows] == [(answer_id, 1, None)]
            assert USER not in json.dumps(rows, default=str)  # only a hash of who gave it

    run(scenario())


def test_thumbs_down_opens_a_modal_and_the_submitted_comment_is_stored(
    slack, store, recording_engine, tmp_path
):
    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
            answer_id = await _answer_id(srv, slack)
            await srv.interaction(block_action(FEEDBACK_DOWN, answer_id, slack=slack))
            opened = (await slack.until("views.open"))[0].body
            assert opened["trigger_id"] == "1337.42.abcd"
            assert store.list_feedback() == []  # nothing stored until the modal is answered
            status, _ = await srv.interaction(
                view_payload("view_submission", opened["view"], "Missed the CYP part")
            )
            assert status == 200
            rows = await eventually_async(store.list_feedback, what="the 👎 row")
            assert [(r["answer_id"], r["rating"], r["comment"]) for r in rows] == [
                (answer_id, -1, "Missed the CYP part")
            ]

    run(scenario())


def test_thumbs_down_modal_closed_without_comment_still_counts(slack, store, recording_engine, tmp_path):
    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
            answer_id = await _answer_id(srv, slack)
            await srv.interaction(block_action(FEEDBACK_DOWN, answer_id, slack=slack))
            opened = (await slack.until("views.open"))[0].body
            await srv.interaction(view_payload("view_closed", opened["view"]))
            rows = await eventually_async(store.list_feedback, what="the 👎 row")
            assert [(r["rating"], r["comment"]) for r in rows] == [(-1, None)]

    run(scenario())


def test_feedback_comment_is_stored_without_patient_identifiers(slack, store, recording_engine, tmp_path):
    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
            answer_id = await _answer_id(srv, slack)  # feedback is kept only for answers hibot gave
            view = {
                "type": "modal",
                "callback_id": "feedback_comment",
                "private_metadata": json.dumps({"answer_id": answer_id}),
            }
            await srv.interaction(view_payload("view_submission", view, "wrong for 943 476 5919"))
            [row] = await eventually_async(store.list_feedback, what="the 👎 row")
            assert "943 476 5919" not in row["comment"] and row["comment"].startswith("wrong for")

    run(scenario())
