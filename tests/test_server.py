"""`hibot serve` as an operator sees it: health, readiness, metrics, and logs free of patient data."""

from __future__ import annotations

import asyncio
import io
import json
import re
import socket
import sqlite3
import time

import aiohttp
from aiohttp import web

from bot import logs
from bot.config import Settings
from bot.server import RUNTIME, create_app
from bot.storage import Store

NHS_NUMBER = "943 476 5919"
POSTCODE = "SW1A 2AA"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """create_app() served on 127.0.0.1 in the test's event loop."""

    def __init__(self, app: web.Application):
        self.app = app
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"

    async def __aenter__(self):
        self.runner = web.AppRunner(self.app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()
        return self

    async def __aexit__(self, *exc):
        await self.runner.cleanup()


def settings_for(tmp_path, **kw) -> Settings:
    values = {
        "HIBOT_DATA_DIR": str(tmp_path),
        "HIBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'hibot.db'}",
        "SLACK_BOT_TOKEN": "",
        "SLACK_SIGNING_SECRET": "",
        "MicrosoftAppId": "",
    }
    return Settings(**{**values, **kw})


async def wait_ready(session, url: str, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        async with session.get(url + "/readyz") as r:
            body = await r.json()
            if r.status == 200 or time.monotonic() > deadline:
                return {"status": r.status, **body}
        await asyncio.sleep(0.05)


def test_health_readiness_and_metrics(engine, tmp_path):
    settings = settings_for(tmp_path)
    store = Store(settings.effective_database_url)
    store.migrate()

    async def scenario():
        async with Server(create_app(settings, engine=engine, store=store, start_scheduler=False)) as srv:
            async with aiohttp.ClientSession() as s:
                async with s.get(srv.url + "/healthz") as r:
                    assert r.status == 200
                ready = await wait_ready(s, srv.url)
                assert ready["status"] == 200 and ready["build_id"] == engine.build_id
                async with s.get(srv.url + "/metrics") as r:
                    text = await r.text()
                assert "hibot_answer_seconds_bucket" in text  # warm-up answered once
                assert re.search(r"hibot_index_age_seconds \d", text)

    asyncio.run(scenario())


def test_readyz_reports_an_unreachable_database(engine, tmp_path):
    settings = settings_for(tmp_path)
    store = Store(settings.effective_database_url)
    store.migrate()
    app = create_app(settings, engine=engine, store=store, start_scheduler=False)

    async def scenario():
        async with Server(app) as srv:
            async with aiohttp.ClientSession() as s:
                assert (await wait_ready(s, srv.url))["status"] == 200
                # The database goes away: a PostgreSQL URL where nothing listens.
                app[RUNTIME].store._store = Store(f"postgresql+psycopg://hibot@127.0.0.1:{free_port()}/hibot")
                async with s.get(srv.url + "/readyz") as r:
                    body = await r.json()
                assert r.status == 503 and "database unreachable" in " ".join(body["reasons"])
                app[RUNTIME].store._store = store
                assert (await wait_ready(s, srv.url))["status"] == 200

    asyncio.run(scenario())


def test_logs_are_json_with_request_ids_and_no_patient_identifiers(engine, tmp_path):
    stream = io.StringIO()
    logs.configure("INFO", stream=stream)
    settings = settings_for(tmp_path)
    store = Store(settings.effective_database_url)
    store.migrate()
    app = create_app(settings, engine=engine, store=store, start_scheduler=False)
    question = f"Patient NHS number {NHS_NUMBER}, postcode {POSTCODE}: what is Core20PLUS5?"

    async def scenario():
        async with Server(app) as srv:
            async with aiohttp.ClientSession() as s:
                await wait_ready(s, srv.url)
                answer = await asyncio.to_thread(app[RUNTIME].engine.answer, question)
                app[RUNTIME].store.save_answer(answer, "cli", {"text": answer.answer}, user_id="U123")
                logs.get_logger("test").info("echo", text=question)  # even a careless log line is scrubbed
                async with s.get(srv.url + "/healthz", headers={"X-Request-Id": "req-42"}):
                    pass

    asyncio.run(scenario())
    lines = [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]
    assert any(line.get("event") == "answered" for line in lines)
    everything = stream.getvalue() + dump_database(tmp_path / "hibot.db")
    for secret in (NHS_NUMBER, NHS_NUMBER.replace(" ", ""), POSTCODE, POSTCODE.replace(" ", "")):
        assert secret.lower() not in everything.lower()
    logs.configure("WARNING")


def dump_database(path) -> str:
    con = sqlite3.connect(path)
    try:
        return "\n".join(str(row) for line in con.iterdump() for row in [line])
    finally:
        con.close()


def test_the_runtime_builds_each_sender_once_and_every_slack_client_waits_out_rate_limits(engine, tmp_path):
    from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler

    from bot.runtime import build_runtime, build_senders

    settings = settings_for(tmp_path, SLACK_BOT_TOKEN="xoxb-test-token")
    store = Store(settings.effective_database_url)
    store.migrate()
    runtime = build_runtime(settings, engine=engine, store=store)
    try:
        client = runtime.platforms.slack_client
        assert runtime.senders["slack"].client is client  # events and weekly prompts share one client
        assert runtime.senders["teams"].connection is runtime.platforms.teams
        cli_client = build_senders(settings)["slack"].client  # `hibot prompts send-due` builds the same way
        for c in (client, cli_client):
            assert any(isinstance(h, AsyncRateLimitErrorRetryHandler) for h in c.retry_handlers)
    finally:
        runtime.close()
