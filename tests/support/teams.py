"""Driving the Teams app as the Bot Framework does: activities POSTed to `teams_routes()` on 127.0.0.1,
replies landing at a `FakeBotConnector` (emulator mode: no app id, so no tokens)."""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import urllib.error
import urllib.request

import pytest
from aiohttp import web

from bot.config import Settings
from bot.storage import Store
from bot.teams.app import teams_routes
from bot.teams.render import CARD_CONTENT_TYPE
from tests.support.cards import walk
from tests.support.fakes.bot_connector import FakeBotConnector

BOT = {"id": "28:hibot-bot-id", "name": "hibot"}
USER = {"id": "29:user-jane", "aadObjectId": "aad-jane", "name": "Jane Smith"}
TENANT = "tenant-nhs-1"
PERSONAL = "a:personal-chat-jane"
QUESTION = "What is Core20PLUS5?"
_ids = itertools.count(1)


class TeamsServer:
    """teams_routes in an aiohttp app on 127.0.0.1, on its own event loop thread (tests stay synchronous)."""

    def __init__(self, settings: Settings, engine, store: Store, host: str = "127.0.0.1"):
        self.settings, self.engine, self.store, self.host = settings, engine, store, host
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def run(self, coro, timeout: float = 30):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def start(self) -> TeamsServer:
        self.thread.start()
        self.run(self._start())
        return self

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_routes(teams_routes(self.settings, self.engine, self.store))
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, self.host, 0)
        await site.start()
        self.port = self.runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{self.port}/api/messages"

    def stop(self) -> None:
        self.run(self.runner.cleanup())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)

    def post(self, activity: dict, headers: dict | None = None, via: str | None = None) -> int:
        """POST the activity; `via` calls from (and to) another of this machine's addresses."""
        req = urllib.request.Request(
            self.url if via is None else f"http://{via}:{self.port}/api/messages",
            data=json.dumps(activity).encode(),
            method="POST",
            headers={"Content-Type": "application/json", **(headers or {})},
        )
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status
        except urllib.error.HTTPError as e:
            return e.code

    def invoke(self, activity: dict) -> tuple[int, dict]:
        """POST an invoke activity; returns the invoke response (status, JSON body) from the HTTP reply."""
        req = urllib.request.Request(
            self.url,
            data=json.dumps(activity).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                raw = resp.read()
                return resp.status, json.loads(raw) if raw.strip() else {}
        except urllib.error.HTTPError as e:
            return e.code, {}


def make_settings(tmp_path, **kw) -> Settings:
    values = {
        "MicrosoftAppId": "",
        "MicrosoftAppPassword": "",
        "HIBOT_DATA_DIR": str(tmp_path),
        "HIBOT_LEADS": "teams:aad-jane",
        **kw,
    }
    return Settings(_env_file=None, **values)


def activity(
    connector,
    *,
    conversation: dict,
    text: str | None = None,
    channel_data: dict | None = None,
    entities: list | None = None,
    value: dict | None = None,
    type_: str = "message",
    **extra,
) -> dict:
    """A Bot Framework activity as Teams sends it."""
    a = {
        "type": type_,
        "id": f"1700000{next(_ids):06d}",
        "channelId": "msteams",
        "serviceUrl": connector.service_url,
        "timestamp": "2026-05-04T09:00:00.000Z",
        "from": USER,
        "recipient": BOT,
        "conversation": {"tenantId": TENANT, **conversation},
        "channelData": {"tenant": {"id": TENANT}, **(channel_data or {})},
        "locale": "en-GB",
    }
    if text is not None:
        a["text"] = text
    if entities is not None:
        a["entities"] = entities
    if value is not None:
        a["value"] = value
    a.update(extra)
    return a


def invoke(connector, name: str, value: dict, conversation: dict | None = None) -> dict:
    """An invoke activity as Teams sends it (message extension, dialogs), by default in the personal chat."""
    conv = conversation or {"id": PERSONAL, "conversationType": "personal"}
    return activity(connector, conversation=conv, type_="invoke", name=name, value=value)


def personal(connector, text=None, **kw) -> dict:
    return activity(connector, conversation={"id": PERSONAL, "conversationType": "personal"}, text=text, **kw)


def card(received) -> dict:
    """The Adaptive Card of a reply the connector received."""
    [att] = [a for a in received.body.get("attachments") or [] if a["contentType"] == CARD_CONTENT_TYPE]
    return att["content"]


def answer_id_of(received) -> str:
    return next(
        n["data"]["answer_id"]
        for n in walk(card(received))
        if n.get("type") == "Action.Submit" and n.get("data", {}).get("hibot") == "feedback"
    )


def ask_personal(server: TeamsServer, connector, text: str = QUESTION):
    """Ask in the personal chat and return the reply."""
    before = len(connector.activities(PERSONAL))
    assert server.post(personal(connector, text)) in (200, 201)
    return connector.wait_for_activities(before + 1, PERSONAL)[-1]


@pytest.fixture
def teams_connector():
    """A fake Bot Connector: where hibot's Teams replies go."""
    with FakeBotConnector() as c:
        yield c


@pytest.fixture
def teams_server(tmp_path, recording_engine, store):
    """hibot's Teams endpoint, served on loopback with the real engine and a real store."""
    srv = TeamsServer(make_settings(tmp_path), recording_engine, store).start()
    yield srv
    srv.stop()
