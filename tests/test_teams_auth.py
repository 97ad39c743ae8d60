"""Teams token authentication as an attacker and as Microsoft's key endpoint would test it: every token
that is not the Bot Service's own is 401 (never 500, 503 or a hang), and a key endpoint that hangs or
fails stalls nothing else — /healthz keeps answering and the failed fetch is not retried per request."""

from __future__ import annotations

import asyncio
import base64
import json
import time

import aiohttp
import jwt
import pytest

from bot.server import create_app
from tests.support.fakes.bot_connector import FakeBotConnector
from tests.support.fakes.bot_framework_keys import BotFrameworkKeys
from tests.support.teams import QUESTION, TeamsServer, make_settings, personal

APP_ID = "11111111-2222-3333-4444-555555555555"


@pytest.fixture
def connector():
    with FakeBotConnector() as c:
        yield c


@pytest.fixture
def keys():
    with BotFrameworkKeys() as k:
        yield k


def secured_settings(tmp_path, keys, connector, **kw):
    return make_settings(
        tmp_path,
        MicrosoftAppId=APP_ID,
        MicrosoftAppPassword="not-a-real-secret",
        HIBOT_TEAMS_OPENID_URL=keys.metadata_url,
        HIBOT_TEAMS_SERVICE_URLS="127.0.0.1",
        **kw,
    )


@pytest.fixture
def secured(tmp_path, recording_engine, store, keys, connector, monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")  # an internet call would fail, not pass
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    srv = TeamsServer(secured_settings(tmp_path, keys, connector), recording_engine, store).start()
    yield srv
    srv.stop()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def b64(d: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(d).encode()).decode().rstrip("=")


def test_a_token_signed_by_the_bot_service_is_accepted(secured, keys, connector, recording_engine):
    secured.post(personal(connector, QUESTION), bearer(keys.token(APP_ID, connector.service_url)))
    assert [q for q, _ in recording_engine.calls] == [QUESTION]


def forged_tokens(keys: BotFrameworkKeys, service_url: str) -> dict[str, str]:
    other = BotFrameworkKeys()  # a key pair Microsoft never published, under the same key id
    now = int(time.time())
    genuine = {
        "iss": "https://api.botframework.com",
        "aud": APP_ID,
        "serviceurl": service_url,
        "exp": now + 600,
    }
    return {
        "no-kid": jwt.encode(genuine, keys.private_key, algorithm="RS256"),
        "unknown-kid": keys.token(APP_ID, service_url, headers={"kid": "not-a-published-key"}),
        "alg-none": f"{b64({'alg': 'none', 'kid': 'fake-bf-key-1'})}.{b64(genuine)}.",
        "hs256": jwt.encode(genuine, "a-guessed-secret-of-32-bytes-or-more!!", algorithm="HS256"),
        "wrong-key": other.token(APP_ID, service_url),
        "wrong-audience": keys.token("another-bot", service_url),
        "wrong-issuer": keys.token(APP_ID, service_url, iss="https://evil.example"),
        "expired": keys.token(APP_ID, service_url, exp=now - 3600, nbf=now - 7200),
        "other-service-url": keys.token(APP_ID, "https://evil.example/"),
        "no-service-url": keys.token(APP_ID, service_url, serviceurl=None),
        "no-expiry": keys.token(APP_ID, service_url, exp=None),
    }


def test_every_forged_or_unusable_token_is_401(secured, keys, connector, recording_engine):
    for name, token in forged_tokens(keys, connector.service_url).items():
        assert secured.post(personal(connector, QUESTION), bearer(token)) == 401, name
    # a token whose key is not endorsed for the activity's channel
    other_channel = {**personal(connector, QUESTION), "channelId": "webchat"}
    assert secured.post(other_channel, bearer(keys.token(APP_ID, connector.service_url))) == 401
    assert recording_engine.calls == [] and connector.requests == []


def test_unknown_key_ids_do_not_make_hibot_refetch_the_keys_each_time(secured, keys, connector):
    for i in range(5):
        token = keys.token(APP_ID, connector.service_url, headers={"kid": f"made-up-{i}"})
        assert secured.post(personal(connector, QUESTION), bearer(token)) == 401
    assert keys.hits == 2  # the metadata and the key set, once


def test_an_unreachable_key_endpoint_is_401_and_is_not_retried_per_request(secured, keys, connector):
    keys.fail()
    for _ in range(4):
        assert (
            secured.post(personal(connector, QUESTION), bearer(keys.token(APP_ID, connector.service_url)))
            == 401
        )
    assert keys.hits == 1  # the negative cache: one failed fetch, then immediate refusals


def test_a_hanging_key_endpoint_freezes_nothing(tmp_path, engine, store, keys, connector, monkeypatch):
    """Microsoft's key endpoint accepts the connection and never answers: the request carrying a token is
    refused within the fetch timeout, while /healthz answers throughout."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    keys.hang()
    settings = secured_settings(tmp_path, keys, connector)

    async def scenario():
        runner = aiohttp.web.AppRunner(
            create_app(settings, engine=engine, store=store, start_scheduler=False)
        )
        await runner.setup()
        site = aiohttp.web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        token = keys.token(APP_ID, connector.service_url)
        try:
            async with aiohttp.ClientSession() as s:

                async def teams() -> tuple[int, float]:
                    t0 = time.monotonic()
                    async with s.post(
                        url + "/api/messages", json=personal(connector, QUESTION), headers=bearer(token)
                    ) as r:
                        return r.status, time.monotonic() - t0

                async def health() -> list[float]:
                    waits = []
                    while len(waits) < 40:
                        t0 = time.monotonic()
                        async with s.get(url + "/healthz") as r:
                            assert r.status == 200
                        waits.append(time.monotonic() - t0)
                        await asyncio.sleep(0.05)
                    return waits

                (status, took), waits = await asyncio.gather(teams(), health())
                return status, took, waits
        finally:
            await runner.cleanup()

    status, took, waits = asyncio.run(scenario())
    assert status == 401
    assert took < 10  # the fetch timeout (5 s), not the endpoint's silence
    assert max(waits) < 1.0  # generous on a shared machine; `hibot bench` measures the real p99
    assert keys.hits >= 1


def test_emulator_mode_ignores_a_token_and_fetches_no_keys(
    tmp_path, recording_engine, store, keys, connector
):
    settings = make_settings(tmp_path, HIBOT_TEAMS_OPENID_URL=keys.metadata_url)
    srv = TeamsServer(settings, recording_engine, store).start()
    try:
        status = srv.post(personal(connector, QUESTION), bearer(keys.token(APP_ID, connector.service_url)))
        assert status in (200, 201)
    finally:
        srv.stop()
    assert keys.hits == 0
