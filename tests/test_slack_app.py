"""The Slack app end to end: signed requests over real HTTP to the app's aiohttp routes on 127.0.0.1,
replies checked at a local fake Slack Web API (tests/fakes/slack_api.py), state in a real SQLite Store.

Payloads follow Slack's documented formats: Events API JSON (`event_callback`), slash commands as
form fields, interactions as a form field `payload` holding JSON. Replies are asynchronous, so tests
poll the fake briefly. The engine is the session engine; only structure is asserted, not wording."""

from __future__ import annotations

import asyncio
import io
import itertools
import json
import time
from pathlib import Path
from typing import Self
from urllib.parse import urlencode

import aiohttp
import pytest
from aiohttp import web
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from bot import logs
from bot.config import Settings
from bot.models import PII_WARNING, ConversationGone, Prompt
from bot.slack import app as slack_app
from bot.slack.app import slack_routes
from bot.slack.render import FEEDBACK_DOWN, FEEDBACK_UP, SHARE
from bot.slack.sender import SlackPromptSender
from bot.storage import Store
from tests.support.fakes.slack_api import BOT_ID, BOT_USER_ID, TEAM_ID, FakeSlackAPI

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
USER = "U0CLINIC1"
CHANNEL = "C0HIBOT01"
DM = "D0HIBOT01"
QUESTION = "What is Core20PLUS5?"
MANIFEST = Path(__file__).resolve().parent.parent / "deploy" / "slack" / "manifest.yaml"
_ts = itertools.count(1)


def next_ts() -> str:
    return f"1710000000.{next(_ts):06d}"


# --- harness -------------------------------------------------------------------------------------
@pytest.fixture
def slack():
    with FakeSlackAPI() as fake:
        yield fake


@pytest.fixture
def db_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'hibot.db'}"


@pytest.fixture
def store(db_url):
    s = Store(db_url)
    s.migrate()
    yield s
    s.close()


def settings_for(slack: FakeSlackAPI, tmp_path, **kw) -> Settings:
    values = {"SLACK_BOT_TOKEN": "xoxb-test-token", "SLACK_SIGNING_SECRET": SECRET, "SLACK_APP_TOKEN": "",
              "SLACK_API_BASE_URL": slack.base_url, "HIBOT_DATA_DIR": str(tmp_path),
              "HIBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'hibot.db'}", "HIBOT_LEADS": ""}
    return Settings(**{**values, **kw})


class SlackServer:
    """slack_routes() in an aiohttp app on 127.0.0.1, plus Slack-signed POSTs to it."""

    def __init__(self, settings: Settings, engine, store):
        self.app = web.Application()
        self.app.router.add_routes(slack_routes(settings, engine, store))

    async def __aenter__(self) -> Self:
        self.runner = web.AppRunner(self.app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = self.runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/slack/events"
        self.session = aiohttp.ClientSession()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.session.close()
        await asyncio.sleep(0.05)  # let background listeners finish their last call
        await self.runner.cleanup()

    async def post(self, body: str, content_type: str, *, secret: str = SECRET, timestamp: int | None = None,
                   headers: dict | None = None) -> tuple[int, str]:
        ts = str(timestamp if timestamp is not None else int(time.time()))
        signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
        h = {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature,
             **(headers or {})}
        async with self.session.post(self.url, data=body.encode(), headers=h) as r:
            return r.status, await r.text()

    async def event(self, event: dict, *, event_id: str | None = None, retry: int | None = None, **kw):
        body = json.dumps(event_callback(event, event_id))
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else None
        return await self.post(body, "application/json", headers=headers, **kw)

    async def command(self, text: str, slack: FakeSlackAPI, channel: str = CHANNEL, user: str = USER):
        form = {"token": "legacy", "team_id": TEAM_ID, "team_domain": "hibot-test", "channel_id": channel,
                "channel_name": "health-inequalities", "user_id": user, "user_name": "clinician",
                "command": "/hibot", "text": text, "api_app_id": "A0HIBOT01", "is_enterprise_install": "false",
                "response_url": slack.response_url("command"), "trigger_id": "13345224609.738474920.8088930838d"}
        return await self.post(urlencode(form), "application/x-www-form-urlencoded")

    async def interaction(self, payload: dict):
        return await self.post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")


def event_callback(event: dict, event_id: str | None = None) -> dict:
    return {
        "token": "legacy", "team_id": TEAM_ID, "api_app_id": "A0HIBOT01", "event": event,
        "type": "event_callback", "event_id": event_id or f"Ev{next(_ts):08d}", "event_time": int(time.time()),
        "authorizations": [{"enterprise_id": None, "team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True,
                            "is_enterprise_install": False}],
        "is_ext_shared_channel": False,
    }


def mention(text: str = QUESTION, *, ts: str | None = None, thread_ts: str | None = None, channel=CHANNEL) -> dict:
    ts = ts or next_ts()
    e = {"type": "app_mention", "user": USER, "text": f"<@{BOT_USER_ID}> {text}", "ts": ts, "channel": channel,
         "event_ts": ts, "team": TEAM_ID}
    return {**e, "thread_ts": thread_ts} if thread_ts else e


def message(text: str = QUESTION, *, channel: str = DM, channel_type: str = "im", ts: str | None = None,
            thread_ts: str | None = None, **extra) -> dict:
    ts = ts or next_ts()
    e = {"type": "message", "channel": channel, "user": USER, "text": text, "ts": ts, "event_ts": ts,
         "channel_type": channel_type, "team": TEAM_ID, **extra}
    return {**e, "thread_ts": thread_ts} if thread_ts else e


def block_action(action_id: str, value: str, *, ephemeral: bool, slack: FakeSlackAPI, message: dict | None = None):
    payload = {
        "type": "block_actions", "user": {"id": USER, "username": "clinician", "team_id": TEAM_ID},
        "api_app_id": "A0HIBOT01", "token": "legacy", "trigger_id": "1337.42.abcd",
        "team": {"id": TEAM_ID, "domain": "hibot-test"}, "channel": {"id": CHANNEL, "name": "health-inequalities"},
        "container": {"type": "message", "message_ts": "1710000000.000001", "channel_id": CHANNEL,
                      "is_ephemeral": ephemeral},
        "response_url": slack.response_url("action"),
        "actions": [{"action_id": action_id, "block_id": "hibot_buttons", "value": value, "type": "button",
                     "action_ts": str(time.time()), "text": {"type": "plain_text", "text": "x"}}],
    }
    if message is not None:
        payload["message"] = message
    return payload


def view_payload(kind: str, view: dict, comment: str | None = None) -> dict:
    view = {**view, "id": "V0FAKE", "team_id": TEAM_ID, "state": {"values": {}}}
    if comment is not None:
        view["state"] = {"values": {"comment": {"comment_input": {"type": "plain_text_input", "value": comment}}}}
    payload = {"type": kind, "team": {"id": TEAM_ID, "domain": "hibot-test"},
               "user": {"id": USER, "username": "clinician", "team_id": TEAM_ID}, "api_app_id": "A0HIBOT01",
               "token": "legacy", "view": view}
    if kind == "view_submission":
        payload["trigger_id"] = "1337.43.abcd"
    else:
        payload["is_cleared"] = False
    return payload


def run(coro):
    return asyncio.run(coro)


def block_ids(blocks: list[dict]) -> list[str]:
    return [b.get("block_id", "") for b in blocks]


def source_links(blocks: list[dict]) -> str:
    return json.dumps([b for b in blocks if b.get("block_id", "").startswith("hibot_sources_")])


def action_ids(blocks: list[dict]) -> set[str]:
    return {e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]}


def feedback_rows(store: Store) -> list[dict]:
    return store.list_feedback()


# --- where hibot answers -------------------------------------------------------------------------
def test_direct_message_is_answered_in_its_thread_with_citations(slack, store, recording_engine, tmp_path):
    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
            e = message()
            status, _ = await srv.event(e)
            assert status == 200
            post = (await slack.until("chat.postMessage"))[0].body
            assert post["channel"] == DM and post["thread_ts"] == e["ts"]
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
            answer_id = next(e["value"] for b in post["blocks"] if b["type"] == "actions" for e in b["elements"])
            stored = store.get_answer(answer_id)
            assert stored is not None and stored.platform == "slack"
            assert stored.rendered == {k: v for k, v in post.items() if k != "token"}

    run(scenario())


def test_follow_up_in_an_answered_thread_passes_earlier_questions_as_history(
        slack, store, recording_engine, tmp_path):
    parent = next_ts()
    slack.set_thread(CHANNEL, parent, [
        {"type": "message", "user": USER, "text": f"<@{BOT_USER_ID}> {QUESTION}", "ts": parent, "thread_ts": parent},
        {"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, "text": "answer", "ts": next_ts(),
         "thread_ts": parent},
    ])

    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
            await srv.event(message("what about children?", channel=CHANNEL, channel_type="channel",
                                    thread_ts=parent))
            post = (await slack.until("chat.postMessage"))[0].body
            assert post["thread_ts"] == parent
            assert recording_engine.calls == [("what about children?", [QUESTION])]
            assert slack.bodies("conversations.replies")[0]["ts"] == parent

    run(scenario())


def test_thread_reply_where_hibot_never_answered_is_ignored(slack, store, recording_engine, tmp_path):
    parent = next_ts()
    slack.set_thread(CHANNEL, parent, [{"type": "message", "user": "U0OTHER", "text": "lunch?", "ts": parent}])

    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
            await srv.event(message("sure", channel=CHANNEL, channel_type="channel", thread_ts=parent))
            await srv.event(message("what about Core20?", channel=CHANNEL, channel_type="channel",
                                    thread_ts=parent))
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


def test_mention_delivered_as_app_mention_and_message_gets_one_reply(slack, store, recording_engine, tmp_path):
    parent = next_ts()
    slack.set_thread(CHANNEL, parent, [{"type": "message", "user": USER, "text": "hi", "ts": parent}])

    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
            m = mention(thread_ts=parent)
            await srv.event(m)
            await srv.event(message(m["text"], channel=CHANNEL, channel_type="channel", ts=m["ts"],
                                    thread_ts=parent))
            await slack.until("chat.postMessage")
            await asyncio.sleep(0.3)
            assert len(slack.delivered("chat.postMessage")) == 1

    run(scenario())


def test_bot_messages_edits_deletions_and_joins_are_ignored(slack, store, recording_engine, tmp_path):
    ignored = [
        message(bot_id="B0OTHER", subtype="bot_message"),
        message(bot_id="B0OTHER"),
        message(user=BOT_USER_ID),  # hibot's own message
        message(subtype="message_changed", message={"text": QUESTION, "user": USER}),
        message(subtype="message_deleted"),
        message(channel=CHANNEL, channel_type="channel", subtype="channel_join", text=f"<@{USER}> has joined"),
    ]

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
            answer_id = next(e["value"] for b in post["blocks"] if b["type"] == "actions" for e in b["elements"])
            stored = store.get_answer(answer_id)
            assert PII_WARNING in stored.answer.warnings and "943 476 5919" not in stored.answer.question

    run(scenario())


# --- /hibot, Share, shortcut, App Home -----------------------------------------------------------
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

    run(scenario())


def test_share_button_posts_the_same_answer_publicly_marked_shared_by(slack, store, recording_engine, tmp_path):
    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
            await srv.command(QUESTION, slack)
            eph = (await slack.until("chat.postEphemeral"))[0].body
            answer_id = next(e["value"] for b in eph["blocks"] if b["type"] == "actions" for e in b["elements"]
                             if e["action_id"] == SHARE)
            status, _ = await srv.interaction(block_action(SHARE, answer_id, ephemeral=True, slack=slack))
            assert status == 200
            post = (await slack.until("chat.postMessage"))[0].body
            assert post["channel"] == CHANNEL
            assert f"Shared by <@{USER}>" in json.dumps(post["blocks"])
            assert source_links(post["blocks"]) == source_links(eph["blocks"])
            assert SHARE not in action_ids(post["blocks"]) and FEEDBACK_UP in action_ids(post["blocks"])

    run(scenario())


def test_share_where_hibot_is_not_a_member_tells_the_user_how_to_fix_it(slack, store, recording_engine, tmp_path):
    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
            await srv.command(QUESTION, slack)
            eph = (await slack.until("chat.postEphemeral"))[0].body
            answer_id = next(e["value"] for b in eph["blocks"] if b["type"] == "actions" for e in b["elements"])
            slack.fail("chat.postMessage", "not_in_channel")
            await srv.interaction(block_action(SHARE, answer_id, ephemeral=True, slack=slack))
            reply = (await slack.until("/response/action"))[0].body
            assert "/invite" in reply["text"] and reply["response_type"] == "ephemeral"

    run(scenario())


def test_slash_command_in_a_channel_without_hibot_falls_back_to_the_response_url(
        slack, store, recording_engine, tmp_path):
    slack.fail("chat.postEphemeral", "channel_not_found")

    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
            await srv.command(QUESTION, slack)
            reply = (await slack.until("/response/command"))[0].body
            assert reply["response_type"] == "ephemeral" and SHARE in action_ids(reply["blocks"])

    run(scenario())


def test_slash_command_help_is_answered_in_the_acknowledgement(slack, store, recording_engine, tmp_path):
    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
            status, body = await srv.command("help", slack)
            assert status == 200
            reply = json.loads(body)
            assert reply["response_type"] == "ephemeral" and "/hibot" in reply["text"]
            assert recording_engine.calls == []

    run(scenario())


def test_prompts_subcommand_is_routed_with_admin_rights_from_users_info(slack, store, recording_engine, tmp_path):
    slack.set_user(USER, is_admin=True)

    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
            await srv.command("prompts subscribe monday 09:00", slack)
            eph = (await slack.until("chat.postEphemeral"))[0].body
            assert eph["user"] == USER and eph["text"]
            assert slack.bodies("users.info")[0]["user"] == USER
            sub = store.get_subscription("slack", CHANNEL)
            assert sub is not None and sub.weekday == 0 and sub.time == "09:00"

    run(scenario())


def test_prompts_subcommand_refuses_a_non_admin(slack, store, recording_engine, tmp_path):
    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
            await srv.command("prompts subscribe monday 09:00", slack)
            await slack.until("chat.postEphemeral")
            assert store.get_subscription("slack", CHANNEL) is None

    run(scenario())


def test_message_shortcut_answers_ephemerally_in_the_messages_thread(slack, store, recording_engine, tmp_path):
    target = {"type": "message", "user": "U0OTHER", "text": "How do we reach the Core20 population?",
              "ts": next_ts()}
    payload = {"type": "message_action", "callback_id": "ask_hibot", "trigger_id": "1.2.3",
               "response_url": slack.response_url("shortcut"), "team": {"id": TEAM_ID, "domain": "hibot-test"},
               "channel": {"id": CHANNEL, "name": "health-inequalities"},
               "user": {"id": USER, "name": "clinician"}, "message": target, "message_ts": target["ts"],
               "token": "legacy", "action_ts": str(time.time())}

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
            await srv.event({"type": "app_home_opened", "user": USER, "channel": DM, "tab": "home",
                             "event_ts": next_ts()})
            body = (await slack.until("views.publish"))[0].body
            view = body["view"] if isinstance(body["view"], dict) else json.loads(body["view"])
            assert body["user_id"] == USER and view["type"] == "home"
            text = json.dumps(view)
            assert "/hibot" in text and f"<#{CHANNEL}>" in text and "Wednesdays at 13:30" in text

    run(scenario())


# --- feedback ------------------------------------------------------------------------------------
def _answer_id_from_first_post(slack: FakeSlackAPI) -> str:
    post = slack.delivered("chat.postMessage")[0].body
    return next(e["value"] for b in post["blocks"] if b["type"] == "actions" for e in b["elements"])


def test_thumbs_up_is_stored(slack, store, recording_engine, tmp_path):
    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
            await srv.event(mention())
            await slack.until("chat.postMessage")
            answer_id = _answer_id_from_first_post(slack)
            await srv.interaction(block_action(FEEDBACK_UP, answer_id, ephemeral=False, slack=slack))
            await slack.until("chat.postEphemeral")  # the thank-you comes after the write
            rows = feedback_rows(store)
            assert [(r["answer_id"], r["rating"], r["comment"]) for r in rows] == [(answer_id, 1, None)]
            assert USER not in json.dumps(rows, default=str)  # only a hash of who gave it

    run(scenario())


def test_thumbs_down_opens_a_modal_and_the_submitted_comment_is_stored(slack, store, recording_engine, tmp_path):
    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
            await srv.event(mention())
            await slack.until("chat.postMessage")
            answer_id = _answer_id_from_first_post(slack)
            await srv.interaction(block_action(FEEDBACK_DOWN, answer_id, ephemeral=False, slack=slack))
            opened = (await slack.until("views.open"))[0].body
            assert opened["trigger_id"] == "1337.42.abcd"
            assert feedback_rows(store) == []  # nothing stored until the modal is answered
            status, _ = await srv.interaction(view_payload("view_submission", opened["view"], "Missed the CYP part"))
            assert status == 200
            for _ in range(100):
                if feedback_rows(store):
                    break
                await asyncio.sleep(0.02)
            rows = feedback_rows(store)
            assert [(r["answer_id"], r["rating"], r["comment"]) for r in rows] == [
                (answer_id, -1, "Missed the CYP part")]

    run(scenario())


def test_thumbs_down_modal_closed_without_comment_still_counts(slack, store, recording_engine, tmp_path):
    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
            await srv.event(mention())
            await slack.until("chat.postMessage")
            answer_id = _answer_id_from_first_post(slack)
            await srv.interaction(block_action(FEEDBACK_DOWN, answer_id, ephemeral=False, slack=slack))
            opened = (await slack.until("views.open"))[0].body
            await srv.interaction(view_payload("view_closed", opened["view"]))
            for _ in range(100):
                if feedback_rows(store):
                    break
                await asyncio.sleep(0.02)
            assert [(r["rating"], r["comment"]) for r in feedback_rows(store)] == [(-1, None)]

    run(scenario())


def test_feedback_comment_is_stored_without_patient_identifiers(slack, store, recording_engine, tmp_path):
    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
            view = {"type": "modal", "callback_id": "feedback_comment",
                    "private_metadata": json.dumps({"answer_id": "a" * 32})}
            await srv.interaction(view_payload("view_submission", view, "wrong for 943 476 5919"))
            for _ in range(100):
                if feedback_rows(store):
                    break
                await asyncio.sleep(0.02)
            comment = feedback_rows(store)[0]["comment"]
            assert "943 476 5919" not in comment and comment.startswith("wrong for")

    run(scenario())


# --- Slack's rules: signatures, retries, rate limits ---------------------------------------------
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
            body = json.dumps({"token": "legacy", "challenge": "3eZbrw1aBm2rZgRNFdxV2595", "type": "url_verification"})
            status, text = await srv.post(body, "application/json")
            assert status == 200 and "3eZbrw1aBm2rZgRNFdxV2595" in text

    run(scenario())


def test_hundred_retried_deliveries_of_one_event_produce_one_reply(slack, store, recording_engine, tmp_path):
    e = mention()

    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
            statuses = await asyncio.gather(*[
                srv.event(e, event_id="Ev0RETRIED1", retry=(i % 3) + 1 if i else None) for i in range(100)])
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


def test_missing_token_disables_slack_with_one_log_line(slack, store, recording_engine, tmp_path, monkeypatch):
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


# --- weekly prompt sender and Socket Mode --------------------------------------------------------
PROMPT = Prompt(id="core20-basics", title="Know your Core20", audience="clinicians", tags=["core20"],
                body="Who are the most deprived 20% in your area?", question=QUESTION, action="advocate")


def test_prompt_sender_posts_the_cited_prompt_and_returns_its_ts(slack, engine):
    async def scenario():
        client = AsyncWebClient(token="xoxb-test-token", base_url=slack.base_url)
        ts = await SlackPromptSender(client).send_prompt(CHANNEL, None, PROMPT, engine.answer(QUESTION))
        post = slack.delivered("chat.postMessage")[0].body
        assert ts and post["channel"] == CHANNEL
        assert post["blocks"][0]["type"] == "header" and "hibot_this_week" in block_ids(post["blocks"])
        assert "https://" in source_links(post["blocks"])

    run(scenario())


@pytest.mark.parametrize("error", ["channel_not_found", "not_in_channel", "is_archived"])
def test_prompt_sender_reports_a_channel_it_cannot_post_in_as_gone(slack, engine, error):
    slack.fail("chat.postMessage", error)

    async def scenario():
        client = AsyncWebClient(token="xoxb-test-token", base_url=slack.base_url)
        with pytest.raises(ConversationGone):
            await SlackPromptSender(client).send_prompt(CHANNEL, None, PROMPT, engine.answer(QUESTION))

    run(scenario())


def test_socket_mode_without_an_app_token_returns_at_once(slack, store, recording_engine, tmp_path):
    from bot.slack.socket_mode import run_socket_mode

    run(asyncio.wait_for(run_socket_mode(settings_for(slack, tmp_path), recording_engine, store), 5))
    assert slack.requests == []


def test_manifest_declares_exactly_the_command_shortcut_and_events_the_app_handles():
    import yaml

    manifest = yaml.safe_load(MANIFEST.read_text())
    features, settings = manifest["features"], manifest["settings"]
    assert [c["command"] for c in features["slash_commands"]] == [slack_app.COMMAND]
    assert [(s["type"], s["callback_id"]) for s in features["shortcuts"]] == [("message", slack_app.SHORTCUT)]
    assert set(settings["event_subscriptions"]["bot_events"]) == {
        "app_home_opened", "app_mention", "message.channels", "message.groups", "message.im", "message.mpim"}
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == {
        "app_mentions:read", "channels:history", "groups:history", "im:history", "mpim:history", "chat:write",
        "commands", "users:read"}
    urls = [features["slash_commands"][0]["url"], settings["event_subscriptions"]["request_url"],
            settings["interactivity"]["request_url"]]
    assert all(u.endswith(slack_app.EVENTS_PATH) for u in urls)


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


def test_hibot_serve_answers_slack_events_through_its_instrumented_engine_and_store(
        slack, store, recording_engine, tmp_path):
    from bot.server import create_app

    async def scenario():
        srv = SlackServer(settings_for(slack, tmp_path), recording_engine, store)
        srv.app = create_app(settings_for(slack, tmp_path), engine=recording_engine, store=store,
                             start_scheduler=False)
        async with srv:
            await srv.event(mention())
            post = (await slack.until("chat.postMessage"))[0].body
            answer_id = next(e["value"] for b in post["blocks"] if b["type"] == "actions" for e in b["elements"])
            await srv.interaction(block_action(FEEDBACK_UP, answer_id, ephemeral=False, slack=slack))
            await slack.until("chat.postEphemeral")
            assert [r["rating"] for r in store.list_feedback(answer_id)] == [1]

    run(scenario())
