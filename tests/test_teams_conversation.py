"""Conversation in Teams: small talk is answered by the engine (a plain short card: nothing to cite, rate
or share), and a chat's recent questions — kept in the database, redacted, keyed by conversation and
reply chain — are the history of a follow-up, on any teams_server instance."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.support.cards import walk
from tests.support.polling import eventually
from tests.support.teams import (
    BOT,
    PERSONAL,
    QUESTION,
    USER,
    TeamsServer,
    activity,
    ask_personal,
    card,
    make_settings,
)

FOLLOW_UP = "and for children?"
SMALL_TALK = ["hi", "help", "thanks", "Beth yw Core20PLUS5?"]  # greeting, help, thanks, non_english
TEAM = "19:general-abc@thread.tacv2"
MENTION = {"type": "mention", "text": "<at>hibot</at>", "mentioned": {"id": BOT["id"], "name": "hibot"}}


def in_thread(teams_connector, text: str, root: str) -> dict:
    return activity(
        teams_connector,
        conversation={"id": f"{TEAM};messageid={root}", "conversationType": "channel", "isGroup": True},
        text=f"<at>hibot</at> {text}",
        entities=[MENTION],
        channel_data={"team": {"id": TEAM, "name": "Health Equity"}, "channel": {"id": TEAM}},
    )


def assert_conversation(reply) -> None:
    """A plain short card: no sources, no feedback or share, no citation entity."""
    nodes = list(walk(card(reply)))
    assert not any(n.get("data", {}).get("hibot") in ("feedback", "share") for n in nodes)
    assert "**Sources**" not in json.dumps(card(reply))
    assert not any(e.get("citation") for e in reply.body.get("entities") or [])


# --- small talk ----------------------------------------------------------------------------------
@pytest.mark.parametrize("text", SMALL_TALK)
def test_small_talk_in_a_personal_chat_is_answered_by_the_engine(
    teams_server, teams_connector, recording_engine, text
):
    reply = ask_personal(teams_server, teams_connector, text)
    assert recording_engine.calls == [(text, None)]
    assert_conversation(reply)


def test_thanks_after_an_answer_never_reposts_it(teams_server, teams_connector, recording_engine):
    first = ask_personal(teams_server, teams_connector, QUESTION)
    thanks = ask_personal(teams_server, teams_connector, "thanks")
    assert recording_engine.calls[1] == ("thanks", [QUESTION])
    assert_conversation(thanks)
    assert thanks.body["text"] != first.body["text"]


def test_small_talk_is_not_context_for_the_next_question(teams_server, teams_connector, recording_engine):
    ask_personal(teams_server, teams_connector, "hi")
    ask_personal(teams_server, teams_connector, QUESTION)
    assert recording_engine.calls[1] == (QUESTION, None)


# --- follow-ups from the database ----------------------------------------------------------------
def test_follow_up_passes_the_previous_question_as_history(teams_server, teams_connector, recording_engine):
    ask_personal(teams_server, teams_connector, QUESTION)
    ask_personal(teams_server, teams_connector, FOLLOW_UP)
    assert recording_engine.calls == [(QUESTION, None), (FOLLOW_UP, [QUESTION])]


def test_history_survives_a_new_server_on_the_same_database(
    tmp_path, teams_connector, recording_engine, store
):
    first = TeamsServer(make_settings(tmp_path), recording_engine, store).start()
    try:
        ask_personal(first, teams_connector, QUESTION)
        eventually(lambda: store.recent_turns("teams", PERSONAL, limit=3, within=timedelta(minutes=30)))
    finally:
        first.stop()
    second = TeamsServer(make_settings(tmp_path), recording_engine, store).start()  # a restart, or a replica
    try:
        ask_personal(second, teams_connector, FOLLOW_UP)
    finally:
        second.stop()
    assert recording_engine.calls[-1] == (FOLLOW_UP, [QUESTION])


def test_history_is_the_last_three_questions_within_half_an_hour(
    teams_server, teams_connector, recording_engine, store
):
    now = datetime.now(UTC)
    for minutes, question in [
        (45, "Who wrote the Hunt letter?"),
        (20, "What is Core20?"),
        (15, "What is PLUS?"),
        (10, "What are the five clinical areas?"),
        (5, "What is the board guide?"),
    ]:
        store.add_turn("teams", PERSONAL, question, now=now - timedelta(minutes=minutes))
    ask_personal(teams_server, teams_connector, FOLLOW_UP)
    assert recording_engine.calls == [
        (FOLLOW_UP, ["What is PLUS?", "What are the five clinical areas?", "What is the board guide?"])
    ]


def test_history_is_kept_per_conversation_and_per_thread(teams_server, teams_connector, recording_engine):
    ask_personal(teams_server, teams_connector, QUESTION)
    teams_server.post(in_thread(teams_connector, "What should I ask my trust board?", root="1700000000001"))
    teams_connector.wait_for_activities(2)
    teams_server.post(in_thread(teams_connector, FOLLOW_UP, root="1700000000002"))
    teams_connector.wait_for_activities(3)
    teams_server.post(in_thread(teams_connector, FOLLOW_UP, root="1700000000001"))
    teams_connector.wait_for_activities(4)
    assert [h for _, h in recording_engine.calls[1:]] == [None, None, ["What should I ask my trust board?"]]


def test_turns_are_stored_redacted_with_a_user_hash_and_go_with_purge_and_forget(
    teams_server, teams_connector, store
):
    ask_personal(
        teams_server, teams_connector, "My patient's NHS number is 943 476 5919: what is Core20PLUS5?"
    )
    turns = eventually(lambda: store.recent_turns("teams", PERSONAL, limit=3, within=timedelta(hours=1)))
    assert "943 476 5919" not in json.dumps(turns) and "Core20PLUS5" in turns[0]
    assert store.forget_user("teams", USER["aadObjectId"]) >= 1
    assert store.recent_turns("teams", PERSONAL, limit=3, within=timedelta(hours=1)) == []
    store.add_turn("teams", PERSONAL, QUESTION, now=datetime.now(UTC) - timedelta(days=40))
    assert store.purge(older_than_days=30)["turns"] == 1
