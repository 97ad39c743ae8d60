"""Sharing a Teams answer from the personal chat to a channel, end to end over HTTP: the choices are the
channels of teams the user belongs to where hibot is installed; the post leads with the question, then
who shared it and their note (patient details removed, the sharer told), then the answer with its
citations and 👍/👎 — and no free-text box."""

from __future__ import annotations

import re

from bot.teams.submits import NOT_A_MEMBER, NOT_YOURS, SHARE_REFUSED
from tests.support.cards import assert_valid_card, walk
from tests.support.teams import (
    PERSONAL,
    QUESTION,
    USER,
    activity,
    answer_id_of,
    ask_personal,
    card,
    personal,
)

# The NHS number the tests type, in any layout. (Not "943" alone: a random answer id may hold it.)
NHS_NUMBER_DIGITS = re.compile(r"943\D{0,2}476\D{0,2}5919")

TEAM = "19:general-abc@thread.tacv2"
DATA_CHANNEL = "19:data-def@thread.tacv2"
OTHER_TEAM = "19:general-other@thread.tacv2"
CHANNELS = {
    TEAM: {"team": {"id": TEAM, "name": "Health Equity"}, "channel": {"id": TEAM}},
    DATA_CHANNEL: {
        "team": {"id": TEAM, "name": "Health Equity"},
        "channel": {"id": DATA_CHANNEL, "name": "Data"},
    },
    OTHER_TEAM: {"team": {"id": OTHER_TEAM, "name": "Estates"}, "channel": {"id": OTHER_TEAM}},
}
NOTE = "Worth reading before Tuesday's huddle."


def install_channels(teams_server, teams_connector, channels=(TEAM, DATA_CHANNEL)) -> None:
    for conv in channels:
        conversation = {"id": conv, "conversationType": "channel", "isGroup": True}
        update = activity(
            teams_connector,
            conversation=conversation,
            channel_data=CHANNELS[conv],
            type_="installationUpdate",
        )
        assert teams_server.post({**update, "action": "add"}) in (200, 201)


def message_entity(received) -> dict:
    [e] = [e for e in received.body.get("entities") or [] if e.get("type") == "https://schema.org/Message"]
    return e


def share_choices(received) -> list[str]:
    return [
        c["value"] for n in walk(card(received)) if n.get("type") == "Input.ChoiceSet" for c in n["choices"]
    ]


def share(teams_connector, answer_id: str, conversation_id: str, note: str | None = None) -> dict:
    value = {"hibot": "share", "answer_id": answer_id, "conversation_id": conversation_id}
    return personal(teams_connector, value={**value, **({"note": note} if note is not None else {})})


def test_share_with_a_note_from_the_personal_chat_posts_question_note_then_answer_to_the_channel(
    teams_server, teams_connector
):
    install_channels(teams_server, teams_connector)
    reply = ask_personal(teams_server, teams_connector)
    [show] = [
        n for n in walk(card(reply)) if n.get("type") == "Action.ShowCard" and n["title"].startswith("Share")
    ]
    assert [n["id"] for n in walk(show["card"]) if n.get("type", "").startswith("Input.")] == [
        "conversation_id",
        "note",
    ]
    teams_connector.clear()
    teams_server.post(share(teams_connector, answer_id_of(reply), DATA_CHANNEL, NOTE))
    [shared] = teams_connector.wait_for_activities(1, DATA_CHANNEL)
    body = card(shared)["body"]
    assert shared.kind == "send"
    assert body[0]["text"] == QUESTION  # the first section is the question
    assert body[1]["text"] == f"Shared by {USER['name']}"
    assert NOTE in body[2]["items"][0]["text"]
    assert message_entity(shared)["citation"] == message_entity(reply)["citation"]
    assert shared.body["text"].startswith(QUESTION) and shared.body["text"].endswith(reply.body["text"])
    assert not [n for n in walk(card(shared)) if n.get("type") == "Input.Text"]  # no free-text box
    rate = [n for n in walk(card(shared)) if n.get("data", {}).get("hibot") == "feedback"]
    assert sorted(n["data"]["rating"] for n in rate) == [-1, 1]
    assert all(n["data"]["msteams"] == {"type": "task/fetch"} for n in rate)  # 👎 asks privately
    assert not [a for a in card(shared).get("actions") or [] if a["title"].startswith("Share")]
    assert_valid_card(card(shared))
    [confirmation] = teams_connector.wait_for_activities(1, PERSONAL)
    assert confirmation.body["text"] == "Shared to Health Equity › Data."


def test_a_note_with_an_nhs_number_is_posted_redacted_and_the_sharer_is_warned(teams_server, teams_connector):
    install_channels(teams_server, teams_connector)
    answer_id = answer_id_of(ask_personal(teams_server, teams_connector))
    teams_connector.clear()
    teams_server.post(share(teams_connector, answer_id, TEAM, "For 943 476 5919's discharge plan"))
    [shared] = teams_connector.wait_for_activities(1, TEAM)
    assert "[NHS number]" in card(shared)["body"][2]["items"][0]["text"]
    assert not NHS_NUMBER_DIGITS.search(str(shared.body))
    [confirmation] = teams_connector.wait_for_activities(1, PERSONAL)
    assert "removed" in confirmation.body["text"] and "patient" in confirmation.body["text"]


def test_the_choices_are_only_channels_of_teams_the_user_belongs_to(teams_server, teams_connector):
    install_channels(teams_server, teams_connector, (TEAM, DATA_CHANNEL, OTHER_TEAM))
    teams_connector.not_a_member(USER["id"], OTHER_TEAM)
    reply = ask_personal(teams_server, teams_connector)
    assert share_choices(reply) == [TEAM, DATA_CHANNEL]
    teams_connector.clear()
    teams_server.post(share(teams_connector, answer_id_of(reply), OTHER_TEAM))
    [refused] = teams_connector.wait_for_activities(1, PERSONAL)
    assert refused.body["text"] == SHARE_REFUSED and teams_connector.activities(OTHER_TEAM) == []


def test_share_is_refused_for_someone_who_left_the_team_since_the_choices_were_offered(
    teams_server, teams_connector
):
    install_channels(teams_server, teams_connector)
    answer_id = answer_id_of(ask_personal(teams_server, teams_connector))
    teams_connector.not_a_member(USER["id"])
    teams_connector.clear()
    teams_server.post(share(teams_connector, answer_id, DATA_CHANNEL))
    [refused] = teams_connector.wait_for_activities(1, PERSONAL)
    assert refused.body["text"] == NOT_A_MEMBER and teams_connector.activities(DATA_CHANNEL) == []


def test_share_to_an_unknown_conversation_is_refused(teams_server, teams_connector):
    install_channels(teams_server, teams_connector)
    answer_id = answer_id_of(ask_personal(teams_server, teams_connector))
    teams_connector.clear()
    teams_server.post(share(teams_connector, answer_id, "19:not-installed@thread.tacv2"))
    teams_connector.wait_for_activities(1, PERSONAL)
    assert [r.conversation_id for r in teams_connector.activities()] == [PERSONAL]


def channel_activity(teams_connector, *, root: str = "1700000000001", **kw) -> dict:
    conversation = {"id": f"{TEAM};messageid={root}", "conversationType": "channel", "isGroup": True}
    return activity(teams_connector, conversation=conversation, channel_data=CHANNELS[TEAM], **kw)


def test_a_channel_thread_answer_is_shared_to_the_channel_itself_and_only_by_its_asker(
    teams_server, teams_connector
):
    install_channels(teams_server, teams_connector, (TEAM, DATA_CHANNEL))
    teams_connector.clear()  # the welcome cards
    mention = {
        "type": "mention",
        "text": "<at>hibot</at>",
        "mentioned": {"id": "28:hibot-bot-id", "name": "hibot"},
    }
    teams_server.post(
        channel_activity(teams_connector, text=f"<at>hibot</at> {QUESTION}", entities=[mention])
    )
    [reply] = teams_connector.wait_for_activities(1, f"{TEAM};messageid=1700000000001")
    assert share_choices(reply) == [TEAM]  # the thread's own channel, not the asker's other channels
    value = {"hibot": "share", "answer_id": answer_id_of(reply), "conversation_id": TEAM}
    colleague = {"id": "29:user-bob", "aadObjectId": "aad-bob", "name": "Bob Jones"}
    teams_server.post(channel_activity(teams_connector, value=value, **{"from": colleague}))
    refused = teams_connector.wait_for_activities(2, f"{TEAM};messageid=1700000000001")[-1]
    assert refused.body["text"] == NOT_YOURS and teams_connector.activities(TEAM) == []
    teams_server.post(channel_activity(teams_connector, value=value))
    [shared] = teams_connector.wait_for_activities(1, TEAM)  # a new top-level post, not a reply in the thread
    assert shared.kind == "send" and card(shared)["body"][0]["text"] == QUESTION
