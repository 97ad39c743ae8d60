"""Nothing acknowledged is lost silently: with the database refusing writes (a full disk, an outage),
every question is still answered, its audit record, feedback and chat turn wait in the durable outbox
and land once the database is back, and /readyz says why it is not ready meanwhile."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import threading
import time

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy.exc import OperationalError

from bot.runtime import retrying, transient
from bot.server import create_app
from bot.slack.render import FEEDBACK_UP
from bot.storage.durable import DurableWrites
from tests.support.fakes.bot_connector import FakeBotConnector
from tests.support.fakes.slack_api import FakeSlackAPI
from tests.support.polling import eventually
from tests.support.slack import DM, QUESTION, SECRET, event_callback, message, settings_for
from tests.support.slack_payloads import block_action, button_value
from tests.support.teams import PERSONAL, answer_id_of, make_settings, personal

WRITES = ("save_answer", "add_feedback", "add_turn", "upsert_conversation", "claim_event")


class FullDisk:
    """The real store, except that every write fails as SQLite does on a full disk until `free()`."""

    def __init__(self, store):
        self._store, self._full = store, threading.Event()
        self._full.set()

    def free(self) -> None:
        self._full.clear()

    def __getattr__(self, name):
        attr = getattr(self._store, name)
        if name in WRITES and callable(attr):

            def write(*args, **kwargs):
                if self._full.is_set():
                    raise OperationalError("INSERT", {}, Exception("database or disk is full"))
                return attr(*args, **kwargs)

            return write
        return attr


def signed(body: str, content_type: str) -> dict:
    ts = str(int(time.time()))
    sig = "v0=" + hmac.new(SECRET.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig}


async def slack_post(s: aiohttp.ClientSession, url: str, payload: dict, form: bool = False) -> int:
    if form:
        from urllib.parse import urlencode

        body, ct = urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
    else:
        body, ct = json.dumps(payload), "application/json"
    async with s.post(url + "/slack/events", data=body.encode(), headers=signed(body, ct)) as r:
        return r.status


@pytest.fixture
def slack():
    with FakeSlackAPI() as fake:
        yield fake


def test_a_full_disk_loses_no_answer_feedback_or_audit_record(engine, store, slack, tmp_path):
    full = FullDisk(store)
    settings = settings_for(slack, tmp_path)
    n = 5

    async def scenario():
        runner = web.AppRunner(create_app(settings, engine=engine, store=full, start_scheduler=False))
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        try:
            async with aiohttp.ClientSession() as s:
                for i in range(n):
                    event = message(f"{QUESTION} ({i})", channel=DM)
                    assert await slack_post(s, url, event_callback(event, f"Ev{i}")) == 200
                posts = await slack.until("chat.postMessage", n)  # every question answered
                ids = [button_value(p.body["blocks"], FEEDBACK_UP) for p in posts]
                for answer_id in ids:
                    action = block_action(FEEDBACK_UP, answer_id, slack=slack, channel=DM)
                    assert await slack_post(s, url, action, form=True) == 200
                await slack.until("chat.postEphemeral", n)
                async with s.get(url + "/readyz") as r:
                    unready = (r.status, await r.json())
                full.free()
                await asyncio.to_thread(
                    eventually, lambda: len(store.list_feedback()) == n, timeout=20, what="feedback landed"
                )
                async with s.get(url + "/readyz") as r:
                    ready = r.status
                return ids, unready, ready
        finally:
            await runner.cleanup()

    ids, (status, body), ready = asyncio.run(scenario())
    assert status == 503 and any("outbox" in reason for reason in body["reasons"])
    assert all(store.get_answer(i) is not None for i in ids)  # 5/5 audit records
    assert sorted(r["answer_id"] for r in store.list_feedback()) == sorted(ids)  # 5/5 feedback
    assert ready == 200


def test_a_teams_answer_reaches_the_user_while_its_audit_record_waits(engine, store, tmp_path):
    full = FullDisk(store)

    async def scenario(connector):
        app = create_app(make_settings(tmp_path), engine=engine, store=full, start_scheduler=False)
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        try:
            async with aiohttp.ClientSession() as s:
                for _ in range(5):
                    async with s.post(url + "/api/messages", json=personal(connector, QUESTION)) as r:
                        assert r.status in (200, 201)
                replies = await asyncio.to_thread(connector.wait_for_activities, 5, PERSONAL)
                ids = [answer_id_of(r) for r in replies]
                assert all(store.get_answer(i) is None for i in ids)  # answered, audit records waiting
                full.free()
                await asyncio.to_thread(
                    eventually,
                    lambda: all(store.get_answer(i) for i in ids),
                    timeout=20,
                    what="audit records",
                )
                return ids
        finally:
            await runner.cleanup()

    with FakeBotConnector() as connector:
        ids = asyncio.run(scenario(connector))
    assert len(set(ids)) == 5


def test_the_outbox_survives_a_restart_and_keeps_order(store, tmp_path):
    """Writes queued by one process land when the next one starts, the answer before its feedback."""
    from tests.support.scheduling import FakeEngine

    full = FullDisk(store)
    first = DurableWrites(full, tmp_path / "outbox", retrying, transient)
    answer = FakeEngine().answer("What is Core20PLUS5?")
    first.save_answer(answer, "slack", {"text": "x"}, "U1")
    assert first.add_feedback("slack", "U1", answer.answer_id, 1) is None  # waits behind its answer
    first.outbox.close()
    assert first.outbox.pending() == 2 and store.get_answer(answer.answer_id) is None
    full.free()
    second = DurableWrites(full, tmp_path / "outbox", retrying, transient)  # a new process
    eventually(lambda: second.outbox.pending() == 0, timeout=10, what="the outbox drained")
    assert store.get_answer(answer.answer_id) is not None
    assert [r["rating"] for r in store.list_feedback(answer.answer_id)] == [1]
