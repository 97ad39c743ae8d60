"""The buttons on a Teams answer card, end to end: More (a ShowCard holding the rest), suggested questions
(messageBack: asked as if typed, answered in the same chat), and 👍/👎 (a private dialog; cards sent before
the dialogs submit inline). Share is in test_teams_share.py."""

from __future__ import annotations

from bot.config import Settings
from bot.engine_cache import get_engine
from tests.support.cards import walk
from tests.support.teams import (
    PERSONAL,
    QUESTION,
    USER,
    TeamsServer,
    answer_id_of,
    ask_personal,
    card,
    make_settings,
    personal,
)

SUGGESTED = "What can I do as a clinician to reduce health inequalities?"


def message_entity(received) -> dict:
    [e] = [e for e in received.body.get("entities") or [] if e.get("type") == "https://schema.org/Message"]
    return e


def submit_back(teams_connector, data: dict) -> dict:
    """What Teams sends when a messageBack button is pressed: its text, as if typed, and its data."""
    data = dict(data)
    back = data.pop("msteams")
    return personal(teams_connector, back["text"], value=data)


# --- More and suggestions ------------------------------------------------------------------------
def test_more_is_a_show_card_holding_the_rest_of_the_answer(teams_server, teams_connector):
    reply = ask_personal(teams_server, teams_connector, QUESTION)
    [more] = [n for n in walk(card(reply)) if n.get("type") == "Action.ShowCard" and n["title"] == "More"]
    rest = " ".join(n["text"] for n in walk(more["card"]) if n.get("type") == "TextBlock")
    assert rest and rest not in reply.body["text"]


def test_help_offers_suggested_questions_that_are_answered_when_pressed(
    tmp_path, index_dir, store, teams_connector
):
    served_engine = get_engine(
        Settings(_env_file=None), index_dir=index_dir, build_if_missing=False
    )  # as served
    teams_server = TeamsServer(make_settings(tmp_path), served_engine, store).start()
    try:
        reply = ask_personal(teams_server, teams_connector, "help")
        asks = [
            n
            for n in walk(card(reply))
            if n.get("type") == "Action.Submit" and "msteams" in n.get("data", {})
        ]
        assert asks
        teams_server.post(submit_back(teams_connector, asks[0]["data"]))
        answer = teams_connector.wait_for_activities(2, PERSONAL)[-1]
    finally:
        teams_server.stop()
    assert any(n.get("data", {}).get("hibot") == "feedback" for n in walk(card(answer)))  # a real answer
    assert message_entity(answer)["citation"]


def test_suggestion_button_asks_its_question_in_the_same_chat(
    teams_server, teams_connector, recording_engine
):
    data = {"hibot": "ask", "question": SUGGESTED, "msteams": {"type": "messageBack", "text": SUGGESTED}}
    teams_server.post(submit_back(teams_connector, data))
    [reply] = teams_connector.wait_for_activities(1, PERSONAL)
    assert recording_engine.calls == [(SUGGESTED, None)]
    assert card(reply)["type"] == "AdaptiveCard"


# --- feedback ------------------------------------------------------------------------------------
def test_feedback_submit_is_stored(teams_server, teams_connector, store):
    answer_id = answer_id_of(ask_personal(teams_server, teams_connector))
    value = {"hibot": "feedback", "answer_id": answer_id, "rating": -1, "comment": "Missed the board guide"}
    teams_server.post(personal(teams_connector, value=value))
    teams_connector.wait_for_activities(2, PERSONAL)
    [fb] = store.list_feedback(answer_id)
    assert fb["rating"] == -1 and fb["comment"] == "Missed the board guide"
    assert fb["user_hash"] == store.hash_user("teams", USER["aadObjectId"])


def test_feedback_comment_is_stored_without_patient_identifiers(teams_server, teams_connector, store):
    answer_id = answer_id_of(ask_personal(teams_server, teams_connector))
    value = {
        "hibot": "feedback",
        "answer_id": answer_id,
        "rating": 1,
        "comment": "Helped with patient 943 476 5919",
    }
    teams_server.post(personal(teams_connector, value=value))
    teams_connector.wait_for_activities(2, PERSONAL)
    [fb] = store.list_feedback(answer_id)
    assert "943 476 5919" not in fb["comment"] and "9434765919" not in fb["comment"]
