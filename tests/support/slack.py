"""Driving the Slack app as Slack does: signed requests over real HTTP to `slack_routes()` on 127.0.0.1.

Payloads follow Slack's documented formats: Events API JSON (`event_callback`), slash commands as form
fields, interactions as a form field `payload` holding JSON. Replies land at a `FakeSlackAPI`."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from typing import Self
from urllib.parse import urlencode

import aiohttp
from aiohttp import web
from slack_sdk.signature import SignatureVerifier

from bot.config import Settings
from bot.slack.app import slack_routes
from tests.support.fakes.slack_api import BOT_USER_ID, TEAM_ID, FakeSlackAPI

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
USER = "U0CLINIC1"
CHANNEL = "C0HIBOT01"
DM = "D0HIBOT01"
QUESTION = "What is Core20PLUS5?"
_ts = itertools.count(1)


def next_ts() -> str:
    return f"1710000000.{next(_ts):06d}"


def settings_for(slack: FakeSlackAPI, tmp_path, **kw) -> Settings:
    """Slack on (token and signing secret), its Web API at the fake, a SQLite file under `tmp_path`."""
    values = {
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_APP_TOKEN": "",
        "SLACK_API_BASE_URL": slack.base_url,
        "HIBOT_DATA_DIR": str(tmp_path),
        "HIBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'hibot.db'}",
        "HIBOT_LEADS": "",
    }
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

    async def post(
        self,
        body: str,
        content_type: str,
        *,
        secret: str = SECRET,
        timestamp: int | None = None,
        headers: dict | None = None,
    ) -> tuple[int, str]:
        ts = str(timestamp if timestamp is not None else int(time.time()))
        signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
        h = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature,
            **(headers or {}),
        }
        async with self.session.post(self.url, data=body.encode(), headers=h) as r:
            return r.status, await r.text()

    async def event(self, event: dict, *, event_id: str | None = None, retry: int | None = None, **kw):
        body = json.dumps(event_callback(event, event_id))
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else None
        return await self.post(body, "application/json", headers=headers, **kw)

    async def command(self, text: str, slack: FakeSlackAPI, channel: str = CHANNEL, user: str = USER):
        form = {
            "token": "legacy",
            "team_id": TEAM_ID,
            "team_domain": "hibot-test",
            "channel_id": channel,
            "channel_name": "health-inequalities",
            "user_id": user,
            "user_name": "clinician",
            "command": "/hibot",
            "text": text,
            "api_app_id": "A0HIBOT01",
            "is_enterprise_install": "false",
            "response_url": slack.response_url("command"),
            "trigger_id": "13345224609.738474920.8088930838d",
        }
        return await self.post(urlencode(form), "application/x-www-form-urlencoded")

    async def interaction(self, payload: dict):
        return await self.post(
            urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
        )


def event_callback(event: dict, event_id: str | None = None) -> dict:
    return {
        "token": "legacy",
        "team_id": TEAM_ID,
        "api_app_id": "A0HIBOT01",
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{next(_ts):08d}",
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
    }


def mention(
    text: str = QUESTION, *, ts: str | None = None, thread_ts: str | None = None, channel=CHANNEL
) -> dict:
    ts = ts or next_ts()
    e = {
        "type": "app_mention",
        "user": USER,
        "text": f"<@{BOT_USER_ID}> {text}",
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
        "team": TEAM_ID,
    }
    return {**e, "thread_ts": thread_ts} if thread_ts else e


def message(
    text: str = QUESTION,
    *,
    channel: str = DM,
    channel_type: str = "im",
    ts: str | None = None,
    thread_ts: str | None = None,
    **extra,
) -> dict:
    ts = ts or next_ts()
    e = {
        "type": "message",
        "channel": channel,
        "user": USER,
        "text": text,
        "ts": ts,
        "event_ts": ts,
        "channel_type": channel_type,
        "team": TEAM_ID,
        **extra,
    }
    return {**e, "thread_ts": thread_ts} if thread_ts else e


def run(coro):
    return asyncio.run(coro)
