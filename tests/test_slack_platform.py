"""Slack's rules and hibot's wiring into them: signatures, retries, rate limits, a disabled platform,
Socket Mode, the app manifest, the weekly-prompt sender, and `hibot serve` built by the runtime."""

from __future__ import annotations

import asyncio
import io
import json
import time
from pathlib import Path

import pytest

from bot import logs
from bot.models import ConversationGone, Prompt
from bot.slack import app as slack_app
from bot.slack.app import slack_routes
from bot.slack.client import make_client
from bot.slack.render import FEEDBACK_UP
from bot.slack.sender import SlackPromptSender
from bot.storage import Store
from tests.support.fakes.slack_api import FakeSlackAPI
from tests.support.slack import CHANNEL, QUESTION, SlackServer, mention, message, run, settings_for
from tests.support.slack_payloads import block_action, block_ids, button_value, source_links

MANIFEST = Path(__file__).resolve().parent.parent / "deploy" / "slack" / "manifest.yaml"
PROMPT = Prompt(
    id="core20-basics",
    title="Know your Core20",
    audience="clinicians",
    tags=["core20"],
    body="Who are the most deprived 20% in your area?",
    question=QUESTION,
    action="advocate",
)


@pytest.fixture
def slack():
    with FakeSlackAPI() as fake:
        yield fake


# --- signatures and handshakes -------------------------------------------------------------------
def test_forged_signature_is_rejected_with_401(slack, store, recording_engine, tmp_path):
    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
            status, _ = await srv.event(message(), secret="not-the-signing-secret")
            assert status == 401
            await asyncio.sleep(0.2)
            assert recording_engine.calls == [] and slack.count("chat.postMessage") == 0

    run(scenario())


def test_stale_timestamp_is_rejected_with_401(slack, store, recording_engine, tmp_path):
    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
            status, _ = await srv.event(message(), timestamp=int(time.time()) - 6 * 60)
            assert status == 401

    run(scenario())


def test_url_verification_challenge_is_answered(slack, store, recording_engine, tmp_path):
    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
            body = json.dumps(
                {"token": "legacy", "challenge": "3eZbrw1aBm2rZgRNFdxV2595", "type": "url_verification"}
            )
            status, text = await srv.post(body, "application/json")
            assert status == 200 and "3eZbrw1aBm2rZgRNFdxV2595" in text

    run(scenario())


# --- retries and rate limits ---------------------------------------------------------------------
def test_hundred_retried_deliveries_of_one_event_produce_one_reply(slack, store, recording_engine, tmp_path):
    e = mention()

    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
            statuses = await asyncio.gather(
                *[srv.event(e, event_id="Ev0RETRIED1", retry=(i % 3) + 1 if i else None) for i in range(100)]
            )
            assert {s for s, _ in statuses} == {200}
            await slack.until("chat.postMessage")
            await asyncio.sleep(0.5)
            assert len(slack.delivered("chat.postMessage")) == 1
            assert len(recording_engine.calls) == 1

    run(scenario())


def test_retry_after_a_restart_produces_no_second_reply(slack, db_url, recording_engine, tmp_path):
    e = mention()

    async def deliver(retry: int | None):
        store = Store(db_url)
        store.migrate()
        try:
            async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
                status, _ = await srv.event(e, event_id="Ev0RESTART1", retry=retry)
                assert status == 200
                await asyncio.sleep(0.5)
        finally:
            store.close()

    async def scenario():
        await deliver(None)
        await slack.until("chat.postMessage")
        await deliver(1)  # a fresh app instance, same database
        assert len(slack.delivered("chat.postMessage")) == 1

    run(scenario())


def test_rate_limited_reply_is_sent_once_after_retry_after(slack, store, recording_engine, tmp_path):
    slack.rate_limit("chat.postMessage", times=1, retry_after=1)

    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
            await srv.event(mention())
            delivered = await slack.until("chat.postMessage", timeout=15)
            limited = [r for r in slack.calls("chat.postMessage") if r.status == 429]
            assert len(limited) == 1
            assert delivered[0].at - limited[0].at >= 0.9
            await asyncio.sleep(0.3)
            assert len(slack.delivered("chat.postMessage")) == 1

    run(scenario())


def test_missing_token_disables_slack_with_one_log_line(
    slack, store, recording_engine, tmp_path, monkeypatch
):
    stream = io.StringIO()
    logs.configure("INFO", stream=stream)
    monkeypatch.setattr(slack_app, "_disabled_logged", False)
    try:
        settings = settings_for(slack, tmp_path, SLACK_BOT_TOKEN="")
        assert slack_routes(settings, recording_engine, store) == []
        assert slack_routes(settings, recording_engine, store) == []
    finally:
        logs.configure("WARNING")
    lines = [json.loads(line) for line in stream.getvalue().splitlines() if "slack_disabled" in line]
    assert len(lines) == 1 and "SLACK_BOT_TOKEN" in lines[0]["reason"]


# --- weekly prompts: the runtime's one client ----------------------------------------------------
def test_prompt_sender_posts_the_cited_prompt_and_returns_its_ts(slack, engine, tmp_path):
    async def scenario():
        client = make_client(settings_for(slack, tmp_path), "xoxb-test-token")
        ts = await SlackPromptSender(client).send_prompt(CHANNEL, None, PROMPT, engine.answer(QUESTION))
        post = slack.delivered("chat.postMessage")[0].body
        assert ts and post["channel"] == CHANNEL
        assert post["blocks"][0]["type"] == "header" and "hibot_this_week" in block_ids(post["blocks"])
        assert "https://" in source_links(post["blocks"])

    run(scenario())


def test_prompt_sender_waits_out_a_rate_limit(slack, engine, tmp_path):
    slack.rate_limit("chat.postMessage", times=1, retry_after=1)

    async def scenario():
        client = make_client(settings_for(slack, tmp_path), "xoxb-test-token")
        assert await SlackPromptSender(client).send_prompt(CHANNEL, None, PROMPT, engine.answer(QUESTION))
        assert [r.status for r in slack.calls("chat.postMessage")] == [429, 200]

    run(scenario())


@pytest.mark.parametrize("error", ["channel_not_found", "not_in_channel", "is_archived"])
def test_prompt_sender_reports_a_channel_it_cannot_post_in_as_gone(slack, engine, tmp_path, error):
    slack.fail("chat.postMessage", error)

    async def scenario():
        client = make_client(settings_for(slack, tmp_path), "xoxb-test-token")
        with pytest.raises(ConversationGone):
            await SlackPromptSender(client).send_prompt(CHANNEL, None, PROMPT, engine.answer(QUESTION))

    run(scenario())


# --- Socket Mode and the manifest ----------------------------------------------------------------
def test_socket_mode_without_an_app_token_returns_at_once(slack, store, recording_engine, tmp_path):
    from bot.slack.socket_mode import run_socket_mode

    run(asyncio.wait_for(run_socket_mode(settings_for(slack, tmp_path), recording_engine, store), 5))
    assert slack.requests == []


def test_socket_mode_connects_with_the_app_token(slack, store, recording_engine, tmp_path):
    from bot.slack.socket_mode import run_socket_mode

    async def scenario():
        settings = settings_for(slack, tmp_path, SLACK_APP_TOKEN="xapp-1-A0HIBOT01-test")
        task = asyncio.create_task(run_socket_mode(settings, recording_engine, store))
        try:
            opened = (await slack.until("apps.connections.open", timeout=10))[0]
            assert opened.headers["Authorization"] == "Bearer xapp-1-A0HIBOT01-test"
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    run(scenario())


def test_manifest_declares_exactly_the_command_shortcut_and_events_the_app_handles():
    import yaml

    manifest = yaml.safe_load(MANIFEST.read_text())
    features, settings = manifest["features"], manifest["settings"]
    assert [c["command"] for c in features["slash_commands"]] == [slack_app.COMMAND]
    assert [(s["type"], s["callback_id"]) for s in features["shortcuts"]] == [("message", slack_app.SHORTCUT)]
    assert set(settings["event_subscriptions"]["bot_events"]) == {
        "app_home_opened",
        "app_mention",
        "message.channels",
        "message.groups",
        "message.im",
        "message.mpim",
        "reaction_added",  # engagement with weekly prompts
    }
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == {
        "app_mentions:read",
        "channels:history",
        "groups:history",
        "im:history",
        "mpim:history",
        "chat:write",
        "commands",
        "users:read",
        "reactions:read",  # engagement with weekly prompts
        "files:write",  # the leads digest's chart
        "files:read",  # documents leads share in their DM (issue 18)
        "im:write",  # the leads digest by DM
        "channels:read",  # Share: is the sharer in the chosen channel (users.conversations)
        "groups:read",
    }  # im:history also reads a DM back for follow-ups
    urls = [
        features["slash_commands"][0]["url"],
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
    ]
    assert all(u.endswith(slack_app.EVENTS_PATH) for u in urls)


# --- hibot serve ---------------------------------------------------------------------------------
def test_hibot_serve_answers_slack_through_the_runtimes_engine_store_and_client(
    slack, store, recording_engine, tmp_path
):
    from bot.server import RUNTIME, create_app

    async def scenario():
        settings = settings_for(slack, tmp_path)
        srv = SlackServer(settings, recording_engine, store)
        srv.app = create_app(settings, engine=recording_engine, store=store, start_scheduler=False)
        runtime = srv.app[RUNTIME]
        assert runtime.senders["slack"].client is runtime.platforms.slack_client  # one client for both
        async with srv:
            await srv.event(mention())
            post = (await slack.until("chat.postMessage"))[0].body
            answer_id = button_value(post["blocks"], FEEDBACK_UP)
            await srv.interaction(block_action(FEEDBACK_UP, answer_id, slack=slack))
            await slack.until("chat.postEphemeral")
            assert [r["rating"] for r in store.list_feedback(answer_id)] == [1]
            assert runtime.engine.in_flight == 0

    run(scenario())
