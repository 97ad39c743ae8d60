"""`/hibot`, the "Ask hibot about this" message shortcut and the App Home tab, end to end."""

from __future__ import annotations

import json
import time

import pytest

from bot.slack.render import SHARE
from tests.support.fakes.slack_api import TEAM_ID, FakeSlackAPI
from tests.support.slack import CHANNEL, DM, QUESTION, USER, SlackServer, next_ts, run, settings_for
from tests.support.slack_payloads import action_ids, source_links


@pytest.fixture
def slack():
    with FakeSlackAPI() as fake:
        yield fake


def test_slash_command_answers_ephemerally_with_a_share_button(slack, store, recording_engine, tmp_path):
    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
            status, _ = await srv.command(QUESTION, slack)
            assert status == 200
            eph = (await slack.until("chat.postEphemeral"))[0].body
            assert eph["channel"] == CHANNEL and eph["user"] == USER
            assert SHARE in action_ids(eph["blocks"])
            assert "https://" in source_links(eph["blocks"])
            assert slack.count("chat.postMessage") == 0  # nothing public until Share is pressed
            assert recording_engine.calls == [(QUESTION, None)]

    run(scenario())


def test_slash_command_in_a_channel_without_hibot_falls_back_to_the_response_url(
    slack, store, recording_engine, tmp_path
):
    slack.fail("chat.postEphemeral", "channel_not_found")

    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
            await srv.command(QUESTION, slack)
            reply = (await slack.until("/response/command"))[0].body
            assert reply["response_type"] == "ephemeral" and SHARE in action_ids(reply["blocks"])

    run(scenario())


def test_prompts_subcommand_is_routed_with_admin_rights_from_users_info(
    slack, store, recording_engine, tmp_path
):
    slack.set_user(USER, is_admin=True)

    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
            await srv.command("prompts subscribe monday 09:00", slack)
            eph = (await slack.until("chat.postEphemeral"))[0].body
            assert eph["user"] == USER and eph["text"]
            assert slack.bodies("users.info")[0]["user"] == USER
            sub = store.get_subscription("slack", CHANNEL)
            assert sub is not None and sub.weekday == 0 and sub.time == "09:00"
            assert recording_engine.calls == []

    run(scenario())


def test_prompts_subcommand_refuses_a_non_admin(slack, store, recording_engine, tmp_path):
    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
            await srv.command("prompts subscribe monday 09:00", slack)
            await slack.until("chat.postEphemeral")
            assert store.get_subscription("slack", CHANNEL) is None

    run(scenario())


def test_message_shortcut_answers_ephemerally_in_the_messages_thread(
    slack, store, recording_engine, tmp_path
):
    target = {
        "type": "message",
        "user": "U0OTHER",
        "text": "How do we reach the Core20 population?",
        "ts": next_ts(),
    }
    payload = {
        "type": "message_action",
        "callback_id": "ask_hibot",
        "trigger_id": "1.2.3",
        "response_url": slack.response_url("shortcut"),
        "team": {"id": TEAM_ID, "domain": "hibot-test"},
        "channel": {"id": CHANNEL, "name": "health-inequalities"},
        "user": {"id": USER, "name": "clinician"},
        "message": target,
        "message_ts": target["ts"],
        "token": "legacy",
        "action_ts": str(time.time()),
    }

    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
            status, _ = await srv.interaction(payload)
            assert status == 200
            eph = (await slack.until("chat.postEphemeral"))[0].body
            assert eph["thread_ts"] == target["ts"] and eph["user"] == USER
            assert recording_engine.calls[0][0] == target["text"]

    run(scenario())


def test_app_home_shows_usage_and_the_users_subscriptions(slack, store, recording_engine, tmp_path):
    store.subscribe("slack", CHANNEL, weekday=2, time="13:30", timezone="Europe/London", created_by=USER)

    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
            await srv.event(
                {"type": "app_home_opened", "user": USER, "channel": DM, "tab": "home", "event_ts": next_ts()}
            )
            body = (await slack.until("views.publish"))[0].body
            view = body["view"] if isinstance(body["view"], dict) else json.loads(body["view"])
            assert body["user_id"] == USER and view["type"] == "home"
            text = json.dumps(view)
            assert "/hibot" in text and f"<#{CHANNEL}>" in text and "Wednesdays at 13:30" in text

    run(scenario())
