"""Where and how hibot answers in Teams: Bot Framework activities POSTed over HTTP to /api/messages on
127.0.0.1, replies asserted at a local fake Bot Connector, state in a real SQLite store. No Microsoft
cloud is involved: without an app id the bot is in emulator mode."""

from __future__ import annotations

import re

import pytest

from tests.support.fakes.bot_connector import FakeBotConnector
from tests.support.teams import (
    BOT,
    PERSONAL,
    QUESTION,
    TeamsServer,
    activity,
    answer_id_of,
    ask_personal,
    card,
    make_settings,
    personal,
)

TEAM = "19:general-abc@thread.tacv2"  # a team's id is its General channel's id
GROUP = "19:group-chat-xyz@thread.v2"
MENTION = {"type": "mention", "text": "<at>hibot</at>", "mentioned": {"id": BOT["id"], "name": "hibot"}}


@pytest.fixture
def connector():
    with FakeBotConnector() as c:
        yield c


@pytest.fixture
def server(tmp_path, recording_engine, store, monkeypatch):
    # Any attempt to reach the internet (token endpoint, OpenID metadata) fails loudly through this proxy.
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    srv = TeamsServer(make_settings(tmp_path), recording_engine, store).start()
    yield srv
    srv.stop()


def channel_post(connector, text: str, *, root: str = "1700000000001") -> dict:
    return activity(
        connector,
        conversation={"id": f"{TEAM};messageid={root}", "conversationType": "channel", "isGroup": True},
        text=f"<at>hibot</at> {text}",
        entities=[MENTION],
        channel_data={"team": {"id": TEAM, "name": "Health Equity"}, "channel": {"id": TEAM}},
    )


def message_entity(received) -> dict:
    [e] = [e for e in received.body.get("entities") or [] if e.get("type") == "https://schema.org/Message"]
    return e


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


def test_served_answer_is_saved_with_the_activity_as_sent(server, connector, store):
    reply = ask_personal(server, connector)
    stored = store.get_answer(answer_id_of(reply))
    assert stored is not None and stored.platform == "teams"
    assert stored.rendered["attachments"] == reply.body["attachments"]
    assert stored.rendered["entities"] == reply.body["entities"]
    assert stored.rendered["text"] == reply.body["text"]


def test_retried_delivery_is_answered_once(server, connector, recording_engine):
    incoming = personal(connector, QUESTION)
    server.post(incoming)
    server.post(incoming)
    connector.wait_for_activities(1, PERSONAL)
    assert len(connector.activities(PERSONAL)) == 1
    assert len(recording_engine.calls) == 1


def test_prompts_command_is_routed_to_the_prompts_handler(server, connector, recording_engine, store):
    server.post(channel_post(connector, "prompts subscribe monday 09:00"))
    [reply] = connector.wait_for_activities(1)
    assert recording_engine.calls == []
    assert reply.body["text"] and "attachments" not in reply.body
    sub = store.get_subscription("teams", TEAM)  # the channel, not the thread
    assert sub is not None and sub.weekday == 0 and sub.time == "09:00"
