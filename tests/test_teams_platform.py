"""Teams' rules and hibot's wiring into them: token authentication, a misconfigured platform, the app
package, a database outage that must not hold up answers, and `hibot serve` built by the runtime."""

from __future__ import annotations

import base64
import json
import shutil
import threading
import zipfile

import pytest
from sqlalchemy.exc import OperationalError
from typer.testing import CliRunner

from bot.cli import app as cli_app
from bot.teams.app import teams_routes
from bot.teams.manifest_commands import ABOUT_MESSAGE_COMMAND, ASK_COMMAND, COMMAND_TYPES
from bot.teams.package import TEMPLATE_DIR, PackageError, build_package
from tests.support.cards import walk
from tests.support.fakes.bot_connector import FakeBotConnector
from tests.support.polling import eventually
from tests.support.teams import (
    PERSONAL,
    QUESTION,
    TENANT,
    TeamsServer,
    answer_id_of,
    card,
    make_settings,
    personal,
)

APP_ID = "11111111-2222-3333-4444-555555555555"


@pytest.fixture
def connector():
    with FakeBotConnector() as c:
        yield c


# --- authentication ------------------------------------------------------------------------------
@pytest.fixture
def secured(tmp_path, recording_engine, store, monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")  # an internet call would fail, not pass
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    settings = make_settings(tmp_path, MicrosoftAppId=APP_ID, MicrosoftAppPassword="not-a-real-secret")
    srv = TeamsServer(settings, recording_engine, store).start()
    yield srv
    srv.stop()


def _unsigned_jwt(claims: dict) -> str:
    def b64(d: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(d).encode()).decode().rstrip("=")

    return f"{b64({'alg': 'RS256', 'typ': 'JWT', 'kid': 'k1'})}.{b64(claims)}.c2lnbmF0dXJl"


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Basic dXNlcjpwYXNz",
        "Bearer not-a-jwt",
        "Bearer " + _unsigned_jwt({"iss": "https://evil.example", "aud": APP_ID}),
    ],
    ids=["missing", "not-bearer", "malformed-bearer", "foreign-issuer"],
)
def test_request_without_a_valid_token_is_rejected_when_an_app_id_is_set(
    secured, connector, recording_engine, header
):
    status = secured.post(
        personal(connector, QUESTION), headers={"Authorization": header} if header else None
    )
    assert status == 401
    assert recording_engine.calls == []
    assert connector.requests == []


def test_inconsistent_credentials_disable_teams_with_503_not_the_server(tmp_path, recording_engine, store):
    settings = make_settings(tmp_path, MicrosoftAppId=APP_ID, MicrosoftAppType="SingleTenant")
    [route] = teams_routes(settings, recording_engine, store)
    assert route.path == "/api/messages"
    srv = TeamsServer(settings, recording_engine, store).start()
    try:
        assert srv.post({"type": "message", "text": QUESTION}) == 503
    finally:
        srv.stop()


# --- a database outage ---------------------------------------------------------------------------
def test_an_answer_does_not_wait_for_the_database_writes_around_it(
    tmp_path, recording_engine, store, connector
):
    """While the database hangs (writes stuck retrying), the answer still reaches the user, without the
    share button and the history that need the database; the writes land once it is back."""
    back = threading.Event()

    class HangingStore:
        def __getattr__(self, name):
            return getattr(store, name)

        def upsert_conversation(self, *args, **kwargs):
            back.wait(30)
            return store.upsert_conversation(*args, **kwargs)

        def save_answer(self, *args, **kwargs):
            back.wait(30)
            return store.save_answer(*args, **kwargs)

        def list_conversations(self, *args, **kwargs):
            back.wait(30)
            return store.list_conversations(*args, **kwargs)

        def recent_turns(self, *args, **kwargs):
            raise OperationalError("SELECT", {}, Exception("database is down"))

    reference = {"conversation": {"id": "19:data@thread.tacv2", "tenantId": TENANT}}
    store.upsert_conversation("teams", "19:data@thread.tacv2", reference, kind="channel", name="Data")
    srv = TeamsServer(make_settings(tmp_path), recording_engine, HangingStore()).start()
    try:
        threading.Thread(target=srv.post, args=(personal(connector, QUESTION),), daemon=True).start()
        [reply] = connector.wait_for_activities(1, PERSONAL)
        assert card(reply)["type"] == "AdaptiveCard" and not back.is_set()
        assert "Share to a channel" not in json.dumps(card(reply))
        answer_id = answer_id_of(reply)
        assert store.get_conversation("teams", PERSONAL) is None and store.get_answer(answer_id) is None
        back.set()
        eventually(lambda: store.get_conversation("teams", PERSONAL) and store.get_answer(answer_id))
    finally:
        back.set()
        srv.stop()


# --- hibot serve ---------------------------------------------------------------------------------
def test_hibot_serve_answers_teams_through_the_runtimes_engine_store_and_connector(
    tmp_path, recording_engine, store, connector
):
    from aiohttp import web

    from bot.server import RUNTIME, create_app

    settings = make_settings(tmp_path, SLACK_BOT_TOKEN="", SLACK_SIGNING_SECRET="")
    app = create_app(settings, engine=recording_engine, store=store, start_scheduler=False)
    runtime = app[RUNTIME]
    assert runtime.senders["teams"].connection is runtime.platforms.teams  # one connector for both
    srv = TeamsServer(settings, recording_engine, store)
    srv.thread.start()

    async def start() -> None:
        srv.runner = web.AppRunner(app)
        await srv.runner.setup()
        await web.TCPSite(srv.runner, "127.0.0.1", 0).start()
        srv.url = f"http://127.0.0.1:{srv.runner.addresses[0][1]}/api/messages"

    srv.run(start())
    try:
        assert srv.post(personal(connector, QUESTION)) in (200, 201)
        [reply] = connector.wait_for_activities(1, PERSONAL)
        assert any(n.get("data", {}).get("hibot") == "feedback" for n in walk(card(reply)))
        assert recording_engine.calls == [(QUESTION, None)] and runtime.engine.in_flight == 0
    finally:
        srv.stop()


# --- app package ---------------------------------------------------------------------------------
def test_teams_package_is_a_valid_zip_with_manifest_and_icons(tmp_path):
    path = build_package(make_settings(tmp_path, MicrosoftAppId=APP_ID), tmp_path / "hibot-teams.zip")
    with zipfile.ZipFile(path) as z:
        assert sorted(z.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(z.read("manifest.json"))
    assert manifest["bots"][0]["botId"] == APP_ID
    assert set(manifest["bots"][0]["scopes"]) == {"personal", "team", "groupChat"}
    assert "${{" not in json.dumps(manifest)


def test_teams_package_needs_an_app_id_unless_placeholders_are_allowed(tmp_path):
    with pytest.raises(PackageError, match="MicrosoftAppId"):
        build_package(make_settings(tmp_path), tmp_path / "x.zip")
    assert build_package(make_settings(tmp_path), tmp_path / "x.zip", allow_placeholder=True).is_file()


def test_teams_package_rejects_a_manifest_that_breaks_the_schema(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(TEMPLATE_DIR, src)
    manifest = json.loads((src / "manifest.json").read_text())
    manifest["bots"][0]["scopes"] = ["everywhere"]
    (src / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(PackageError, match="scopes"):
        build_package(make_settings(tmp_path), tmp_path / "x.zip", allow_placeholder=True, source_dir=src)


def test_teams_package_rejects_wrong_icon_size(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(TEMPLATE_DIR, src)
    shutil.copy(src / "outline.png", src / "color.png")  # 32x32 where 192x192 is required
    with pytest.raises(PackageError, match="192x192"):
        build_package(make_settings(tmp_path), tmp_path / "x.zip", allow_placeholder=True, source_dir=src)


def test_hibot_teams_package_validates_the_message_extension_commands_and_scopes(tmp_path, monkeypatch):
    monkeypatch.setenv("MicrosoftAppId", APP_ID)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli_app, ["teams-package", "--out", str(tmp_path / "hibot.zip")])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(tmp_path / "hibot.zip") as z:
        manifest = json.loads(z.read("manifest.json"))
    [extension] = manifest["composeExtensions"]
    assert extension["botId"] == manifest["bots"][0]["botId"] == APP_ID
    commands = {c["id"]: c for c in extension["commands"]}
    assert set(commands) == set(COMMAND_TYPES)
    assert commands[ASK_COMMAND]["type"] == "query" and commands[ABOUT_MESSAGE_COMMAND]["context"] == [
        "message"
    ]


def _broken(tmp_path, change) -> None:
    src = tmp_path / "src"
    shutil.copytree(TEMPLATE_DIR, src)
    manifest = json.loads((src / "manifest.json").read_text())
    change(manifest)
    (src / "manifest.json").write_text(json.dumps(manifest))
    build_package(make_settings(tmp_path), tmp_path / "x.zip", allow_placeholder=True, source_dir=src)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda m: m["composeExtensions"][0]["commands"][0].update(id="askSomethingElse"), "not handled"),
        (lambda m: m["composeExtensions"][0]["commands"].pop(1), "'askAboutMessage' is missing"),
        (lambda m: m["composeExtensions"][0]["commands"][1].update(fetchTask=False), "fetchTask"),
        (lambda m: m["composeExtensions"][0]["commands"][0].update(context=["message"]), "context"),
        (lambda m: m["composeExtensions"][0].update(botId="11111111-1111-1111-1111-111111111111"), "botId"),
        (lambda m: m["bots"][0].update(scopes=["team", "groupChat"]), "missing personal"),
        (lambda m: m["composeExtensions"][0]["commands"][0].update(title="x" * 40), "title"),
    ],
)
def test_teams_package_rejects_a_manifest_whose_extension_or_scopes_hibot_does_not_handle(
    tmp_path, change, message
):
    with pytest.raises(PackageError, match=message):
        _broken(tmp_path, change)
