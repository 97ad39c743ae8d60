"""Slack requests as an attacker or a broken client sends them: malformed bodies are 401/400 before
anything parses them, with no traceback in the log; feedback only for answers hibot gave, one vote per
person per answer; Share only by the person the answer was shown to; a lone surrogate still gets a
reply (Slack and Teams)."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import time

import pytest

from bot import logs
from bot.slack.buttons import NOT_YOURS
from bot.slack.render import FEEDBACK_DOWN, FEEDBACK_UP, SHARE
from tests.support.fakes.bot_connector import FakeBotConnector
from tests.support.fakes.slack_api import FakeSlackAPI
from tests.support.polling import eventually_async
from tests.support.slack import DM, QUESTION, SECRET, SlackServer, message, run, settings_for
from tests.support.slack_payloads import (
    block_action,
    button_value,
    posted_message,
    share_submission,
    view_payload,
)
from tests.support.teams import PERSONAL, TeamsServer, make_settings, personal


@pytest.fixture
def slack():
    with FakeSlackAPI() as fake:
        yield fake


def signature(raw: bytes, timestamp: str, secret: str = SECRET) -> str:
    return (
        "v0="
        + hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + raw, hashlib.sha256).hexdigest()
    )


async def post_raw(srv: SlackServer, raw: bytes, content_type: str, timestamp: str | None = None, sign=True):
    ts = timestamp or str(int(time.time()))
    headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts}
    if sign:
        headers["X-Slack-Signature"] = signature(raw, ts)
    async with srv.session.post(srv.url, data=raw, headers=headers) as r:
        return r.status


MALFORMED = [
    (b'{"type": "event_callback", "event": ', "application/json", None, True, 400),
    (b'\xff\xfe{"type": "event_callback"}', "application/json", None, True, 400),
    (b'["not", "an", "object"]', "application/json", None, True, 400),
    (b"payload=%7Bnot-json", "application/x-www-form-urlencoded", None, True, 400),
    (b"payload=%ff%fe", "application/x-www-form-urlencoded", None, True, 400),
    (b'{"type": "event_callback"}', "application/json", "not-a-number", True, 401),
    (b'{"type": "event_callback"}', "application/json", "1e9", True, 401),
    (b'{"type": "event_callback"}', "application/json", str(int(time.time()) - 3600), True, 401),
    (b'{"type": "event_callback", "event": ', "application/json", None, False, 401),
    (b'\xff\xfe{"type":', "application/json", "abc", False, 401),
]


def test_malformed_or_unsigned_bodies_are_refused_without_a_traceback(slack, store, engine, tmp_path):
    captured = io.StringIO()
    logs.configure("INFO", stream=captured)

    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), engine, store) as srv:
            return [await post_raw(srv, raw, ct, ts, sign) for raw, ct, ts, sign, _ in MALFORMED]

    try:
        statuses = run(scenario())
    finally:
        logs.configure("INFO")
    assert statuses == [expected for *_, expected in MALFORMED]
    assert "Traceback" not in captured.getvalue() and len(captured.getvalue()) < 300 * len(MALFORMED)
    assert slack.requests == []


async def answer_post(srv: SlackServer, slack: FakeSlackAPI) -> dict:
    await srv.event(message(QUESTION, channel=DM))
    return (await slack.until("chat.postMessage"))[0].body


def test_feedback_counts_once_per_person_and_only_for_answers_hibot_gave(
    slack, store, recording_engine, tmp_path
):
    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
            post = await answer_post(srv, slack)
            answer_id = button_value(post["blocks"], FEEDBACK_UP)
            forged = "f" * 100_000
            await srv.interaction(block_action(FEEDBACK_UP, forged, slack=slack, channel=DM))
            for _ in range(3):  # repeat clicks
                await srv.interaction(block_action(FEEDBACK_UP, answer_id, slack=slack, channel=DM))
            await slack.until("chat.postEphemeral", 4)
            assert [(r["answer_id"], r["rating"]) for r in store.list_feedback()] == [(answer_id, 1)]
            await srv.interaction(block_action(FEEDBACK_DOWN, answer_id, slack=slack, channel=DM))
            modal = (await slack.until("views.open"))[0].body["view"]
            await srv.interaction(view_payload("view_submission", modal, comment="Missed the PLUS groups"))
            await eventually_async(lambda: store.list_feedback()[0]["rating"] == -1, what="the changed vote")
            rows = store.list_feedback()
            assert [(r["answer_id"], r["rating"], r["comment"]) for r in rows] == [
                (answer_id, -1, "Missed the PLUS groups")
            ]

    run(scenario())


def test_only_the_person_an_answer_was_shown_to_can_share_it(slack, store, recording_engine, tmp_path):
    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
            post = await answer_post(srv, slack)
            shown = posted_message(post, "1700000000.000900")
            value = button_value(post["blocks"], SHARE)
            await srv.interaction(block_action(SHARE, value, slack=slack, channel=DM, message=shown))
            modal = (await slack.until("views.open"))[0].body["view"]
            submission = share_submission(modal, "C0OTHER01")
            submission["user"] = {**submission["user"], "id": "U0SOMEONE"}  # not who asked
            status, body = await srv.interaction(submission)
            assert status == 200 and NOT_YOURS in body
            assert len(slack.calls("chat.postMessage")) == 1  # only the answer itself

    run(scenario())


def test_a_lone_surrogate_in_a_slack_question_still_gets_a_reply(slack, store, recording_engine, tmp_path):
    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), recording_engine, store) as srv:
            status, _ = await srv.event(message(QUESTION + " \ud800", channel=DM))
            assert status == 200
            reply = (await slack.until("chat.postMessage"))[0].body
            assert reply["channel"] == DM and reply["blocks"]

    run(scenario())
    [(question, _)] = recording_engine.calls
    assert "\ud800" not in question and "\ufffd" in question


def test_a_lone_surrogate_in_a_teams_question_still_gets_a_reply(tmp_path, recording_engine, store):
    with FakeBotConnector() as connector:
        srv = TeamsServer(make_settings(tmp_path), recording_engine, store).start()
        try:
            body = json.dumps(personal(connector, QUESTION + " \udfff"))  # ensure_ascii: sent as \\udfff
            assert srv.post(json.loads(body)) in (200, 201)
            connector.wait_for_activities(1, PERSONAL)
        finally:
            srv.stop()
    assert all("\udfff" not in q for q, _ in recording_engine.calls)
