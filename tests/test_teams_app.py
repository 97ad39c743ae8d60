"""Teams end to end: Bot Framework activities POSTed over HTTP to /api/messages on 127.0.0.1, replies asserted
on a local fake Bot Connector (the activity's serviceUrl), state in a real SQLite Store.

No Microsoft cloud is involved: without an app id the bot is in emulator mode (no tokens either way); with
one, requests without a valid token are rejected before anything else happens.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import threading
import time
import urllib.error
import urllib.request
import zipfile

import pytest
from aiohttp import web

from bot.config import Settings
from bot.models import ConversationGone, Prompt
from bot.storage import Store
from bot.teams.app import teams_routes
from bot.teams.package import PackageError, build_package
from bot.teams.render import CARD_CONTENT_TYPE
from bot.teams.sender import TeamsPromptSender
from tests.support.fakes.bot_connector import FakeBotConnector
from tests.test_teams_render import walk

BOT = {"id": "28:hibot-bot-id", "name": "hibot"}
USER = {"id": "29:user-jane", "aadObjectId": "aad-jane", "name": "Jane Smith"}
TENANT = "tenant-nhs-1"
PERSONAL = "a:personal-chat-jane"
TEAM = "19:general-abc@thread.tacv2"  # a team's id is its General channel's id
DATA_CHANNEL = "19:data-def@thread.tacv2"
GROUP = "19:group-chat-xyz@thread.v2"
QUESTION = "What is Core20PLUS5?"
_ids = itertools.count(1)


# --- server harness ------------------------------------------------------------------------------------
class TeamsServer:
    """teams_routes in an aiohttp app on 127.0.0.1, on its own event loop thread (tests stay synchronous)."""

    def __init__(self, settings: Settings, engine, store: Store):
        self.settings, self.engine, self.store = settings, engine, store
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
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/api/messages"

    def stop(self) -> None:
        self.run(self.runner.cleanup())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)

    def post(self, activity: dict, headers: dict | None = None) -> int:
        req = urllib.request.Request(
            self.url,
            data=json.dumps(activity).encode(),
            method="POST",
            headers={"Content-Type": "application/json", **(headers or {})},
        )
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status
        except urllib.error.HTTPError as e:
            return e.code


def make_settings(tmp_path, **kw) -> Settings:
    values = {
        "MicrosoftAppId": "",
        "MicrosoftAppPassword": "",
        "HIBOT_DATA_DIR": str(tmp_path),
        "HIBOT_LEADS": "teams:aad-jane",
        **kw,
    }
    return Settings(_env_file=None, **values)


@pytest.fixture
def connector():
    with FakeBotConnector() as c:
        yield c


@pytest.fixture
def store(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 'teams.db'}")
    s.migrate()
    yield s
    s.close()


@pytest.fixture
def server(tmp_path, recording_engine, store, monkeypatch):
    # Any attempt to reach the internet (token endpoint, OpenID metadata) fails loudly through this proxy.
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    srv = TeamsServer(make_settings(tmp_path), recording_engine, store).start()
    yield srv
    srv.stop()


# --- activities (Bot Framework JSON as Teams sends it) -------------------------------------------------
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


def personal(connector, text=None, **kw) -> dict:
    return activity(connector, conversation={"id": PERSONAL, "conversationType": "personal"}, text=text, **kw)


MENTION = {"type": "mention", "text": "<at>hibot</at>", "mentioned": {"id": BOT["id"], "name": "hibot"}}


def channel_post(
    connector, text, *, channel=TEAM, root="1700000000001", team_name="Health Equity", channel_name=None
) -> dict:
    return activity(
        connector,
        conversation={"id": f"{channel};messageid={root}", "conversationType": "channel", "isGroup": True},
        text=f"<at>hibot</at> {text}",
        entities=[MENTION],
        channel_data={
            "team": {"id": TEAM, "name": team_name},
            "channel": {"id": channel, **({"name": channel_name} if channel_name else {})},
        },
    )


def install(connector, *, conversation: dict, channel_data: dict | None = None, action="add") -> dict:
    return activity(
        connector,
        conversation=conversation,
        channel_data=channel_data,
        type_="installationUpdate",
        action=action,
    )


TEAM_CONV = {"id": TEAM, "conversationType": "channel", "isGroup": True}
TEAM_DATA = {"team": {"id": TEAM, "name": "Health Equity"}, "channel": {"id": TEAM}}
DATA_CONV = {"id": DATA_CHANNEL, "conversationType": "channel", "isGroup": True}
DATA_DATA = {"team": {"id": TEAM, "name": "Health Equity"}, "channel": {"id": DATA_CHANNEL, "name": "Data"}}


def card(received) -> dict:
    [att] = [a for a in received.body.get("attachments") or [] if a["contentType"] == CARD_CONTENT_TYPE]
    return att["content"]


def message_entity(received) -> dict:
    [e] = [e for e in received.body.get("entities") or [] if e.get("type") == "https://schema.org/Message"]
    return e


def answer_id_of(received) -> str:
    return next(
        n["data"]["answer_id"]
        for n in walk(card(received))
        if n.get("type") == "Action.Submit" and n.get("data", {}).get("hibot") == "feedback"
    )


def ask_personal(server, connector, text=QUESTION):
    before = len(connector.activities(PERSONAL))
    assert server.post(personal(connector, text)) in (200, 201)
    return connector.wait_for_activities(before + 1, PERSONAL)[-1]


def install_channels(server, connector) -> None:
    assert server.post(install(connector, conversation=TEAM_CONV, channel_data=TEAM_DATA)) in (200, 201)
    assert server.post(channel_post(connector, "hello there", channel=DATA_CHANNEL, channel_name="Data")) in (
        200,
        201,
    )


# --- answering -----------------------------------------------------------------------------------------
def test_personal_chat_question_is_answered_with_an_adaptive_card(server, connector):
    reply = ask_personal(server, connector)
    c = card(reply)
    assert c["type"] == "AdaptiveCard" and c["version"] == "1.5"
    assert re.search(r"\[\d+\]", reply.body["text"])


def test_answer_carries_citation_entity_and_ai_generated_label(server, connector):
    reply = ask_personal(server, connector)
    entity = message_entity(reply)
    assert entity["additionalType"] == ["AIGeneratedContent"]
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", reply.body["text"])}
    assert {c["position"] for c in entity["citation"]} == markers
    assert all(c["appearance"]["abstract"] for c in entity["citation"])


def test_reply_addresses_the_incoming_activity(server, connector):
    incoming = personal(connector, QUESTION)
    server.post(incoming)
    [reply] = connector.wait_for_activities(1, PERSONAL)
    assert reply.kind == "reply" and reply.reply_to_id == incoming["id"]
    assert reply.body["replyToId"] == incoming["id"]
    assert reply.body["conversation"]["id"] == PERSONAL


def test_emulator_mode_sends_no_token_to_the_service_url(server, connector):
    reply = ask_personal(server, connector)
    assert "authorization" not in reply.headers


def test_channel_mention_is_stripped_before_the_engine_sees_the_question(server, connector, recording_engine):
    recording_engine.calls.clear()
    server.post(channel_post(connector, QUESTION))
    connector.wait_for_activities(1)
    [(question, _)] = recording_engine.calls
    assert question == QUESTION


def test_channel_reply_stays_in_the_thread(server, connector):
    post = channel_post(connector, QUESTION, root="1700000000777")
    server.post(post)
    [reply] = connector.wait_for_activities(1)
    assert reply.conversation_id == f"{TEAM};messageid=1700000000777"
    assert reply.reply_to_id == post["id"]
    assert message_entity(reply)["citation"]


def test_group_chat_mention_is_answered(server, connector, recording_engine):
    recording_engine.calls.clear()
    post = activity(
        connector,
        conversation={"id": GROUP, "conversationType": "groupChat", "isGroup": True},
        text=f"<at>hibot</at> {QUESTION}",
        entities=[MENTION],
    )
    server.post(post)
    [reply] = connector.wait_for_activities(1, GROUP)
    assert recording_engine.calls[-1][0] == QUESTION
    assert card(reply)["type"] == "AdaptiveCard"


def test_follow_up_passes_the_previous_question_as_history(server, connector, recording_engine):
    recording_engine.calls.clear()
    ask_personal(server, connector, QUESTION)
    ask_personal(server, connector, "What are its five clinical areas?")
    assert recording_engine.calls[0][1] in (None, [])
    assert recording_engine.calls[1] == ("What are its five clinical areas?", [QUESTION])


def test_history_does_not_leak_between_conversations(server, connector, recording_engine):
    recording_engine.calls.clear()
    ask_personal(server, connector, QUESTION)
    server.post(channel_post(connector, "What should I ask my trust board?"))
    connector.wait_for_activities(2)
    assert recording_engine.calls[1][1] in (None, [])


def test_served_answer_is_saved_with_the_activity_as_sent(server, connector, store):
    reply = ask_personal(server, connector)
    stored = store.get_answer(answer_id_of(reply))
    assert stored is not None and stored.platform == "teams"
    assert stored.rendered["attachments"] == reply.body["attachments"]
    assert stored.rendered["entities"] == reply.body["entities"]
    assert stored.rendered["text"] == reply.body["text"]


def test_retried_delivery_is_answered_once(server, connector, recording_engine):
    recording_engine.calls.clear()
    incoming = personal(connector, QUESTION)
    server.post(incoming)
    server.post(incoming)
    connector.wait_for_activities(1, PERSONAL)
    assert len(connector.activities(PERSONAL)) == 1
    assert len(recording_engine.calls) == 1


def test_prompts_command_is_routed_to_the_prompts_handler(server, connector, recording_engine, store):
    recording_engine.calls.clear()
    post = channel_post(connector, "prompts subscribe monday 09:00")
    server.post(post)
    [reply] = connector.wait_for_activities(1)
    assert recording_engine.calls == []
    assert reply.body["text"] and "attachments" not in reply.body
    sub = store.get_subscription("teams", TEAM)  # the channel, not the thread
    assert sub is not None and sub.weekday == 0 and sub.time == "09:00"


# --- feedback ------------------------------------------------------------------------------------------
def test_feedback_submit_is_stored(server, connector, store):
    answer_id = answer_id_of(ask_personal(server, connector))
    server.post(
        personal(
            connector,
            value={
                "hibot": "feedback",
                "answer_id": answer_id,
                "rating": -1,
                "comment": "Missed the board guide",
            },
        )
    )
    connector.wait_for_activities(2, PERSONAL)
    [fb] = store.list_feedback(answer_id)
    assert fb["rating"] == -1 and fb["comment"] == "Missed the board guide"
    assert fb["user_hash"] == store.hash_user("teams", USER["aadObjectId"])


def test_feedback_comment_is_stored_without_patient_identifiers(server, connector, store):
    answer_id = answer_id_of(ask_personal(server, connector))
    server.post(
        personal(
            connector,
            value={
                "hibot": "feedback",
                "answer_id": answer_id,
                "rating": 1,
                "comment": "Helped with patient 943 476 5919",
            },
        )
    )
    connector.wait_for_activities(2, PERSONAL)
    [fb] = store.list_feedback(answer_id)
    assert "943 476 5919" not in fb["comment"] and "9434765919" not in fb["comment"]


# --- install, uninstall, 403 ---------------------------------------------------------------------------
def test_welcome_on_installation_update(server, connector):
    server.post(install(connector, conversation={"id": PERSONAL, "conversationType": "personal"}))
    [welcome] = connector.wait_for_activities(1, PERSONAL)
    assert card(welcome)["type"] == "AdaptiveCard"
    assert "hibot" in welcome.body["text"]


def test_welcome_when_bot_is_added_to_a_team(server, connector):
    update = activity(
        connector,
        conversation=TEAM_CONV,
        channel_data={**TEAM_DATA, "eventType": "teamMemberAdded"},
        type_="conversationUpdate",
        membersAdded=[{"id": BOT["id"]}],
    )
    server.post(update)
    [welcome] = connector.wait_for_activities(1, TEAM)
    assert "@hibot" in json.dumps(card(welcome))


def test_install_events_welcome_only_once(server, connector):
    server.post(install(connector, conversation=TEAM_CONV, channel_data=TEAM_DATA))
    server.post(
        activity(
            connector,
            conversation=TEAM_CONV,
            channel_data=TEAM_DATA,
            type_="conversationUpdate",
            membersAdded=[{"id": BOT["id"]}],
        )
    )
    connector.wait_for_activities(1, TEAM)
    assert len(connector.activities(TEAM)) == 1


def test_install_stores_the_conversation_reference(server, connector, store):
    server.post(install(connector, conversation=TEAM_CONV, channel_data=TEAM_DATA))
    conv = store.get_conversation("teams", TEAM)
    assert conv.kind == "channel" and conv.team_id == TEAM and not conv.removed
    assert conv.reference["serviceUrl"] == connector.service_url
    assert conv.reference["conversation"]["id"] == TEAM
    assert "name" not in conv.reference["user"]  # no display names at rest


def test_message_in_a_thread_stores_the_channel_reference(server, connector, store):
    server.post(channel_post(connector, QUESTION, channel=DATA_CHANNEL, channel_name="Data"))
    conv = store.get_conversation("teams", DATA_CHANNEL)
    assert conv is not None and conv.channel_id == DATA_CHANNEL and conv.name == "Health Equity › Data"
    assert conv.reference["conversation"]["id"] == DATA_CHANNEL


def test_uninstall_marks_the_conversation_removed(server, connector, store):
    server.post(install(connector, conversation={"id": PERSONAL, "conversationType": "personal"}))
    server.post(
        install(connector, conversation={"id": PERSONAL, "conversationType": "personal"}, action="remove")
    )
    assert store.get_conversation("teams", PERSONAL).removed


def test_bot_removed_from_team_marks_its_channels_removed(server, connector, store):
    install_channels(server, connector)
    server.post(
        activity(
            connector,
            conversation=TEAM_CONV,
            channel_data=TEAM_DATA,
            type_="conversationUpdate",
            membersRemoved=[{"id": BOT["id"]}],
        )
    )
    assert store.get_conversation("teams", TEAM).removed
    assert store.get_conversation("teams", DATA_CHANNEL).removed


def test_forbidden_reply_marks_the_conversation_removed(server, connector, store):
    connector.forbid(PERSONAL)
    assert server.post(personal(connector, QUESTION)) in (200, 201)
    connector.wait_for(lambda r: r.status == 403)
    assert store.get_conversation("teams", PERSONAL).removed


# --- proactive -----------------------------------------------------------------------------------------
PROMPT = Prompt(
    id="core20-intro",
    title="Who is in your Core20?",
    audience="all",
    tags=["core20plus5"],
    body="Five minutes this week: who in your patch is in the most deprived 20%?",
    question=QUESTION,
    action="analyse",
)


def test_weekly_prompt_is_posted_to_the_stored_reference(server, connector, store, engine, tmp_path):
    server.post(install(connector, conversation=DATA_CONV, channel_data=DATA_DATA))
    connector.clear()
    conv = store.get_conversation("teams", DATA_CHANNEL)
    sender = TeamsPromptSender(make_settings(tmp_path))
    message_id = asyncio.run(
        sender.send_prompt(DATA_CHANNEL, conv.reference, PROMPT, engine.answer(QUESTION))
    )
    [post] = connector.wait_for_activities(1, DATA_CHANNEL)
    assert post.kind == "send"  # a new post in the channel, not a reply to an old message
    assert message_id and message_id.startswith("activity-")
    assert PROMPT.title in json.dumps(card(post))
    assert "This week: Analyse" in json.dumps(card(post))
    assert message_entity(post)["citation"]


def test_weekly_prompt_to_a_conversation_that_removed_the_bot_raises_conversation_gone(
    server, connector, store, engine, tmp_path
):
    server.post(install(connector, conversation=DATA_CONV, channel_data=DATA_DATA))
    conv = store.get_conversation("teams", DATA_CHANNEL)
    connector.forbid(DATA_CHANNEL)
    sender = TeamsPromptSender(make_settings(tmp_path))
    with pytest.raises(ConversationGone):
        asyncio.run(sender.send_prompt(DATA_CHANNEL, conv.reference, PROMPT, engine.answer(QUESTION)))


# --- share to a channel --------------------------------------------------------------------------------
def share_choices(received) -> list[str]:
    return [
        c["value"] for n in walk(card(received)) if n.get("type") == "Input.ChoiceSet" for c in n["choices"]
    ]


def test_personal_answer_offers_the_installed_channels(server, connector):
    install_channels(server, connector)
    reply = ask_personal(server, connector)
    assert set(share_choices(reply)) == {TEAM, DATA_CHANNEL}


def test_share_posts_the_answer_with_citations_to_the_chosen_channel(server, connector):
    install_channels(server, connector)
    reply = ask_personal(server, connector)
    answer_id = answer_id_of(reply)
    connector.clear()
    server.post(
        personal(connector, value={"hibot": "share", "answer_id": answer_id, "conversation_id": DATA_CHANNEL})
    )
    [shared] = connector.wait_for_activities(1, DATA_CHANNEL)
    assert shared.kind == "send"
    assert card(shared)["body"][0]["text"] == f"Shared by {USER['name']}"
    assert message_entity(shared)["citation"] == message_entity(reply)["citation"]
    assert shared.body["text"].endswith(reply.body["text"])
    [confirmation] = connector.wait_for_activities(1, PERSONAL)
    assert "Shared" in confirmation.body["text"]


def test_share_is_refused_for_someone_outside_the_team(server, connector):
    install_channels(server, connector)
    answer_id = answer_id_of(ask_personal(server, connector))
    connector.not_a_member(USER["id"])
    connector.clear()
    server.post(
        personal(connector, value={"hibot": "share", "answer_id": answer_id, "conversation_id": DATA_CHANNEL})
    )
    connector.wait_for_activities(1, PERSONAL)
    assert connector.activities(DATA_CHANNEL) == []


def test_share_to_an_unknown_conversation_is_refused(server, connector):
    install_channels(server, connector)
    answer_id = answer_id_of(ask_personal(server, connector))
    connector.clear()
    server.post(
        personal(
            connector,
            value={
                "hibot": "share",
                "answer_id": answer_id,
                "conversation_id": "19:not-installed@thread.tacv2",
            },
        )
    )
    connector.wait_for_activities(1, PERSONAL)
    assert [r.conversation_id for r in connector.activities()] == [PERSONAL]


# --- authentication ------------------------------------------------------------------------------------
@pytest.fixture
def secured(tmp_path, recording_engine, store, monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")  # an internet call would fail, not pass
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    settings = make_settings(
        tmp_path,
        MicrosoftAppId="11111111-2222-3333-4444-555555555555",
        MicrosoftAppPassword="not-a-real-secret",
    )
    srv = TeamsServer(settings, recording_engine, store).start()
    yield srv
    srv.stop()


def _unsigned_jwt(claims: dict) -> str:
    import base64

    def b64(d: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(d).encode()).decode().rstrip("=")

    return f"{b64({'alg': 'RS256', 'typ': 'JWT', 'kid': 'k1'})}.{b64(claims)}.c2lnbmF0dXJl"


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Basic dXNlcjpwYXNz",
        "Bearer not-a-jwt",
        "Bearer "
        + _unsigned_jwt({"iss": "https://evil.example", "aud": "11111111-2222-3333-4444-555555555555"}),
    ],
    ids=["missing", "not-bearer", "malformed-bearer", "foreign-issuer"],
)
def test_request_without_a_valid_token_is_rejected_when_an_app_id_is_set(
    secured, connector, recording_engine, header
):
    recording_engine.calls.clear()
    status = secured.post(
        personal(connector, QUESTION), headers={"Authorization": header} if header else None
    )
    assert status == 401
    assert recording_engine.calls == []
    assert connector.requests == []


# --- app package ---------------------------------------------------------------------------------------
def test_teams_package_is_a_valid_zip_with_manifest_and_icons(tmp_path):
    settings = make_settings(tmp_path, MicrosoftAppId="11111111-2222-3333-4444-555555555555")
    path = build_package(settings, tmp_path / "hibot-teams.zip")
    with zipfile.ZipFile(path) as z:
        assert sorted(z.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(z.read("manifest.json"))
    assert manifest["bots"][0]["botId"] == "11111111-2222-3333-4444-555555555555"
    assert set(manifest["bots"][0]["scopes"]) == {"personal", "team", "groupChat"}
    assert "${{" not in json.dumps(manifest)


def test_teams_package_needs_an_app_id_unless_placeholders_are_allowed(tmp_path):
    with pytest.raises(PackageError, match="MicrosoftAppId"):
        build_package(make_settings(tmp_path), tmp_path / "x.zip")
    assert build_package(make_settings(tmp_path), tmp_path / "x.zip", allow_placeholder=True).is_file()


def test_teams_package_rejects_a_manifest_that_breaks_the_schema(tmp_path):
    import shutil

    from bot.teams.package import TEMPLATE_DIR

    src = tmp_path / "src"
    shutil.copytree(TEMPLATE_DIR, src)
    manifest = json.loads((src / "manifest.json").read_text())
    manifest["bots"][0]["scopes"] = ["everywhere"]
    (src / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(PackageError, match="scopes"):
        build_package(make_settings(tmp_path), tmp_path / "x.zip", allow_placeholder=True, source_dir=src)


def test_teams_package_rejects_wrong_icon_size(tmp_path):
    import shutil

    from bot.teams.package import TEMPLATE_DIR

    src = tmp_path / "src"
    shutil.copytree(TEMPLATE_DIR, src)
    shutil.copy(src / "outline.png", src / "color.png")  # 32x32 where 192x192 is required
    with pytest.raises(PackageError, match="192x192"):
        build_package(make_settings(tmp_path), tmp_path / "x.zip", allow_placeholder=True, source_dir=src)


def test_an_answer_does_not_wait_for_the_database_writes_around_it(tmp_path, recording_engine, store, connector):
    """While the database hangs (writes stuck retrying), the answer still reaches the user, without
    the share button that needs the database; the writes land once it is back."""
    from sqlalchemy.exc import OperationalError

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

        def list_conversations_once(self, *args, **kwargs):
            raise OperationalError("SELECT", {}, Exception("database is down"))

    store.upsert_conversation("teams", DATA_CHANNEL, {"conversation": {"id": DATA_CHANNEL, "tenantId": TENANT}},
                              kind="channel", name="Data")  # a channel it could otherwise offer
    srv = TeamsServer(make_settings(tmp_path), recording_engine, HangingStore()).start()
    try:
        incoming = personal(connector, QUESTION)
        threading.Thread(target=srv.post, args=(incoming,), daemon=True).start()
        [reply] = connector.wait_for_activities(1, PERSONAL)
        assert card(reply)["type"] == "AdaptiveCard" and not back.is_set()
        assert "Share to a channel" not in json.dumps(card(reply))
        answer_id = answer_id_of(reply)
        assert store.get_conversation("teams", PERSONAL) is None and store.get_answer(answer_id) is None
        back.set()
        deadline = time.monotonic() + 10
        while (store.get_conversation("teams", PERSONAL) is None or store.get_answer(answer_id) is None) \
                and time.monotonic() < deadline:
            time.sleep(0.05)
        assert store.get_conversation("teams", PERSONAL) is not None
        assert store.get_answer(answer_id) is not None
    finally:
        back.set()
        srv.stop()
