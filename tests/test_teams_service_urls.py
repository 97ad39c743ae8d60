"""Where hibot sends Teams traffic: only to an allowed serviceUrl (Microsoft's Bot Framework hosts; loopback
in emulator mode), checked before any reply or stored reference in every mode and again before a
proactive post; and emulator mode (no app id, no token checks) never faces the network."""

from __future__ import annotations

import asyncio
import socket

import pytest

from bot.models import ConversationGone
from bot.server import listen_host
from bot.teams.connector import connect
from bot.teams.sender import TeamsPromptSender
from bot.teams.service_urls import ServiceUrls
from tests.support.fakes.bot_connector import FakeBotConnector
from tests.support.fakes.bot_framework_keys import BotFrameworkKeys
from tests.support.scheduling import LIBRARY, FakeEngine
from tests.support.teams import PERSONAL, QUESTION, TeamsServer, make_settings, personal

APP_ID = "11111111-2222-3333-4444-555555555555"
SSRF_TARGETS = [
    "http://169.254.169.254/latest/meta-data/",
    "https://evil.example/",
    "https://smba.trafficmanager.net.evil.example/amer/",
    "https://user@smba.trafficmanager.net/amer/",
    "http://smba.trafficmanager.net/amer/",  # not HTTPS
    "http://10.0.0.5:8080/v3/",
    "file:///etc/passwd",
    "",
]


@pytest.fixture
def connector():
    with FakeBotConnector() as c:
        yield c


@pytest.mark.parametrize("url", SSRF_TARGETS)
def test_emulator_mode_refuses_a_service_url_that_is_not_allowed(
    tmp_path, recording_engine, store, connector, url
):
    srv = TeamsServer(make_settings(tmp_path), recording_engine, store).start()
    try:
        assert srv.post({**personal(connector, QUESTION), "serviceUrl": url}) == 403
    finally:
        srv.stop()
    assert recording_engine.calls == []
    assert store.get_conversation("teams", PERSONAL) is None  # no reference stored for later posts


def test_an_authenticated_request_still_cannot_choose_where_hibot_posts(
    tmp_path, recording_engine, store, connector, monkeypatch
):
    """A genuine token whose serviceurl claim names a host off the allow-list (loopback not listed here)."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    with BotFrameworkKeys() as keys:
        settings = make_settings(tmp_path, MicrosoftAppId=APP_ID, HIBOT_TEAMS_OPENID_URL=keys.metadata_url)
        srv = TeamsServer(settings, recording_engine, store).start()
        try:
            token = keys.token(APP_ID, connector.service_url)
            status = srv.post(personal(connector, QUESTION), {"Authorization": f"Bearer {token}"})
        finally:
            srv.stop()
    assert status == 403
    assert recording_engine.calls == [] and connector.requests == []


def test_a_stored_reference_to_a_host_off_the_list_is_never_posted_to(tmp_path, connector):
    settings = make_settings(tmp_path, HIBOT_TEAMS_SERVICE_URLS="smba.trafficmanager.net")
    sender = TeamsPromptSender(connect(settings))
    reference = {
        "serviceUrl": connector.service_url,  # loopback, but not listed: refused even in emulator mode
        "channelId": "msteams",
        "conversation": {"id": "19:c@thread.tacv2"},
        "bot": {"id": "28:hibot"},
    }
    prompt = LIBRARY[0]
    with pytest.raises(ConversationGone):
        asyncio.run(
            sender.send_prompt("19:c@thread.tacv2", reference, prompt, FakeEngine().answer(prompt.question))
        )
    assert connector.requests == []


@pytest.mark.parametrize(
    "url,allowed",
    [
        ("https://smba.trafficmanager.net/amer/", True),
        ("https://smba.trafficmanager.net/emea/v3/", True),
        ("https://smba.infra.gcc.teams.microsoft.com/", True),
        ("https://webchat.botframework.com/", True),
        *[(u, False) for u in SSRF_TARGETS],
        ("http://127.0.0.1:3978/", False),
    ],
)
def test_the_default_allow_list_is_microsofts_bot_framework_hosts_over_https(url, allowed):
    assert ServiceUrls().allows(url) is allowed


# --- emulator mode stays on loopback ---------------------------------------------------------------------


def test_with_no_app_id_the_server_binds_loopback_unless_told_otherwise(tmp_path):
    assert listen_host(make_settings(tmp_path)) == "127.0.0.1"
    assert listen_host(make_settings(tmp_path), "0.0.0.0") == "127.0.0.1"
    assert listen_host(make_settings(tmp_path, HIBOT_ALLOW_UNAUTHENTICATED_TEAMS="true")) == "0.0.0.0"
    assert listen_host(make_settings(tmp_path, MicrosoftAppId=APP_ID)) == "0.0.0.0"


def own_address() -> str | None:
    """This machine's non-loopback address (no packet is sent), or None."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))
            address = s.getsockname()[0]
    except OSError:
        return None
    return None if address.startswith("127.") else address


def test_with_slack_on_the_public_port_the_unauthenticated_teams_endpoint_answers_loopback_only(
    tmp_path, recording_engine, store, connector
):
    settings = make_settings(tmp_path, SLACK_SIGNING_SECRET="s3cret")
    assert listen_host(settings) == "0.0.0.0"  # Slack needs the port
    address = own_address()
    if address is None:
        pytest.skip("this machine has no non-loopback address to call from")
    srv = TeamsServer(settings, recording_engine, store, host="0.0.0.0").start()
    try:
        assert srv.post(personal(connector, QUESTION), via=address) == 403
        assert recording_engine.calls == []
        assert srv.post(personal(connector, QUESTION)) in (200, 201)  # the emulator on this machine
    finally:
        srv.stop()
