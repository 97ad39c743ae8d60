"""The buttons on a Teams answer card, end to end: More (a ShowCard holding the rest), suggested questions
(messageBack: asked as if typed, answered in the same chat), 👍/👎 with a comment, and Share to a channel."""

from __future__ import annotations

import pytest

from bot.config import Settings
from bot.engine_cache import get_engine
from tests.support.cards import walk
from tests.support.fakes.bot_connector import FakeBotConnector
from tests.support.teams import (
    PERSONAL,
    QUESTION,
    USER,
    TeamsServer,
    activity,
    answer_id_of,
    ask_personal,
    card,
    make_settings,
    personal,
)

TEAM = "19:general-abc@thread.tacv2"
DATA_CHANNEL = "19:data-def@thread.tacv2"
TEAM_DATA = {"team": {"id": TEAM, "name": "Health Equity"}, "channel": {"id": TEAM}}
DATA_DATA = {"team": {"id": TEAM, "name": "Health Equity"}, "channel": {"id": DATA_CHANNEL, "name": "Data"}}
SUGGESTED = "What can I do as a clinician to reduce health inequalities?"


@pytest.fixture
def connector():
    with FakeBotConnector() as c:
        yield c


@pytest.fixture
def server(tmp_path, recording_engine, store):
    srv = TeamsServer(make_settings(tmp_path), recording_engine, store).start()
    yield srv
    srv.stop()


def message_entity(received) -> dict:
    [e] = [e for e in received.body.get("entities") or [] if e.get("type") == "https://schema.org/Message"]
    return e


def install_channels(server, connector) -> None:
    for conv, data in ((TEAM, TEAM_DATA), (DATA_CHANNEL, DATA_DATA)):
        conversation = {"id": conv, "conversationType": "channel", "isGroup": True}
        update = activity(connector, conversation=conversation, channel_data=data, type_="installationUpdate")
        assert server.post({**update, "action": "add"}) in (200, 201)


def submit_back(connector, data: dict) -> dict:
    """What Teams sends when a messageBack button is pressed: its text, as if typed, and its data."""
    data = dict(data)
    back = data.pop("msteams")
    return personal(connector, back["text"], value=data)


# --- More and suggestions ------------------------------------------------------------------------
def test_more_is_a_show_card_holding_the_rest_of_the_answer(server, connector):
    reply = ask_personal(server, connector, QUESTION)
    [more] = [n for n in walk(card(reply)) if n.get("type") == "Action.ShowCard" and n["title"] == "More"]
    rest = " ".join(n["text"] for n in walk(more["card"]) if n.get("type") == "TextBlock")
    assert rest and rest not in reply.body["text"]


def test_help_offers_suggested_questions_that_are_answered_when_pressed(
    tmp_path, index_dir, store, connector
):
    served_engine = get_engine(
        Settings(_env_file=None), index_dir=index_dir, build_if_missing=False
    )  # as served
    server = TeamsServer(make_settings(tmp_path), served_engine, store).start()
    try:
        reply = ask_personal(server, connector, "help")
        asks = [
            n
            for n in walk(card(reply))
            if n.get("type") == "Action.Submit" and "msteams" in n.get("data", {})
        ]
        assert asks
        server.post(submit_back(connector, asks[0]["data"]))
        answer = connector.wait_for_activities(2, PERSONAL)[-1]
    finally:
        server.stop()
    assert any(n.get("data", {}).get("hibot") == "feedback" for n in walk(card(answer)))  # a real answer
    assert message_entity(answer)["citation"]


def test_suggestion_button_asks_its_question_in_the_same_chat(server, connector, recording_engine):
    data = {"hibot": "ask", "question": SUGGESTED, "msteams": {"type": "messageBack", "text": SUGGESTED}}
    server.post(submit_back(connector, data))
    [reply] = connector.wait_for_activities(1, PERSONAL)
    assert recording_engine.calls == [(SUGGESTED, None)]
    assert card(reply)["type"] == "AdaptiveCard"


# --- feedback ------------------------------------------------------------------------------------
def test_feedback_submit_is_stored(server, connector, store):
    answer_id = answer_id_of(ask_personal(server, connector))
    value = {"hibot": "feedback", "answer_id": answer_id, "rating": -1, "comment": "Missed the board guide"}
    server.post(personal(connector, value=value))
    connector.wait_for_activities(2, PERSONAL)
    [fb] = store.list_feedback(answer_id)
    assert fb["rating"] == -1 and fb["comment"] == "Missed the board guide"
    assert fb["user_hash"] == store.hash_user("teams", USER["aadObjectId"])


def test_feedback_comment_is_stored_without_patient_identifiers(server, connector, store):
    answer_id = answer_id_of(ask_personal(server, connector))
    value = {
        "hibot": "feedback",
        "answer_id": answer_id,
        "rating": 1,
        "comment": "Helped with patient 943 476 5919",
    }
    server.post(personal(connector, value=value))
    connector.wait_for_activities(2, PERSONAL)
    [fb] = store.list_feedback(answer_id)
    assert "943 476 5919" not in fb["comment"] and "9434765919" not in fb["comment"]


# --- share to a channel --------------------------------------------------------------------------
def share_choices(received) -> list[str]:
    return [
        c["value"] for n in walk(card(received)) if n.get("type") == "Input.ChoiceSet" for c in n["choices"]
    ]


def share(connector, answer_id: str, conversation_id: str) -> dict:
    return personal(
        connector, value={"hibot": "share", "answer_id": answer_id, "conversation_id": conversation_id}
    )


def test_personal_answer_offers_the_installed_channels(server, connector):
    install_channels(server, connector)
    reply = ask_personal(server, connector)
    assert set(share_choices(reply)) == {TEAM, DATA_CHANNEL}


def test_share_posts_the_answer_with_citations_to_the_chosen_channel(server, connector):
    install_channels(server, connector)
    reply = ask_personal(server, connector)
    connector.clear()
    server.post(share(connector, answer_id_of(reply), DATA_CHANNEL))
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
    server.post(share(connector, answer_id, DATA_CHANNEL))
    connector.wait_for_activities(1, PERSONAL)
    assert connector.activities(DATA_CHANNEL) == []


def test_share_to_an_unknown_conversation_is_refused(server, connector):
    install_channels(server, connector)
    answer_id = answer_id_of(ask_personal(server, connector))
    connector.clear()
    server.post(share(connector, answer_id, "19:not-installed@thread.tacv2"))
    connector.wait_for_activities(1, PERSONAL)
    assert [r.conversation_id for r in connector.activities()] == [PERSONAL]
