"""The Teams message extension and dialogs, end to end over HTTP (invokes answered in the HTTP response):
"Ask hibot" returns answer cards to insert into any compose box; "Ask hibot about this message" answers
the selected message in a private dialog with Share; 👍/👎 open private dialogs."""

from __future__ import annotations

from bot.teams.extension import HINT
from bot.teams.manifest_commands import ABOUT_MESSAGE_COMMAND, ASK_COMMAND
from tests.support.cards import assert_valid_card, walk
from tests.support.polling import eventually
from tests.support.teams import (
    QUESTION,
    USER,
    activity,
    answer_id_of,
    ask_personal,
    invoke,
)

TEAM = "19:general-abc@thread.tacv2"
CHANNEL_DATA = {"team": {"id": TEAM, "name": "Health Equity"}, "channel": {"id": TEAM}}
GROUP_CHAT = {"id": "19:group-chat-xyz@thread.v2", "conversationType": "groupChat", "isGroup": True}


def install_team(teams_server, teams_connector) -> None:
    conversation = {"id": TEAM, "conversationType": "channel", "isGroup": True}
    update = activity(
        teams_connector, conversation=conversation, channel_data=CHANNEL_DATA, type_="installationUpdate"
    )
    assert teams_server.post({**update, "action": "add"}) in (200, 201)


def query(teams_connector, text: str) -> dict:
    value = {
        "commandId": ASK_COMMAND,
        "parameters": [{"name": "question", "value": text}],
        "queryOptions": {"skip": 0, "count": 25},
    }
    return invoke(teams_connector, "composeExtension/query", value, conversation=GROUP_CHAT)


def message_action(teams_connector, html: str) -> dict:
    value = {
        "commandId": ABOUT_MESSAGE_COMMAND,
        "commandContext": "message",
        "context": {"theme": "default"},
        "messagePayload": {
            "id": "1700000000123",
            "messageType": "message",
            "from": {"user": {"id": "aad-colleague", "displayName": "A Colleague"}},
            "body": {"contentType": "html", "content": html},
        },
    }
    return invoke(teams_connector, "composeExtension/fetchTask", value, conversation=GROUP_CHAT)


def feedback_ids(content: dict) -> set[str]:
    return {n["data"]["answer_id"] for n in walk(content) if n.get("data", {}).get("hibot") == "feedback"}


# --- search: "Ask hibot" -------------------------------------------------------------------------
def test_search_returns_an_answer_card_to_insert_led_by_the_question(teams_server, teams_connector, store):
    status, body = teams_server.invoke(query(teams_connector, QUESTION))
    assert status == 200 and teams_connector.requests == []  # answered in the HTTP response, nothing posted
    result = body["composeExtension"]
    assert result["type"] == "result" and result["attachmentLayout"] == "list"
    [item] = result["attachments"]
    content = item["content"]
    assert item["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert_valid_card(content)
    assert content["body"][0]["text"] == QUESTION
    assert content["body"][1]["text"] == f"Shared by {USER['name']}"
    assert any("**Sources**" in n.get("text", "") for n in walk(content))
    assert not [n for n in walk(content) if n.get("type") == "Input.Text"]
    assert item["preview"]["content"]["title"] == QUESTION
    [answer_id] = feedback_ids(content)
    assert eventually(lambda: store.get_answer(answer_id), timeout=5)  # 👍/👎 on the inserted card work


def test_search_before_typing_shows_a_hint_and_a_decline_inserts_nothing(
    teams_server, teams_connector, recording_engine
):
    status, body = teams_server.invoke(query(teams_connector, "  "))
    assert status == 200 and body == {"composeExtension": {"type": "message", "text": HINT}}
    assert recording_engine.calls == []
    status, body = teams_server.invoke(
        query(teams_connector, "What dose of metformin should my patient take?")
    )
    assert status == 200 and body["composeExtension"]["type"] == "message"
    assert body["composeExtension"]["text"] and "attachments" not in body["composeExtension"]


# --- action: "Ask hibot about this message" ------------------------------------------------------
def test_message_action_answers_the_selected_message_privately_with_share(
    teams_server, teams_connector, recording_engine
):
    install_team(teams_server, teams_connector)
    teams_connector.clear()
    status, body = teams_server.invoke(message_action(teams_connector, "<p>What is <b>Core20PLUS5</b>?</p>"))
    assert status == 200 and teams_connector.activities() == []  # nothing posted in the conversation
    assert recording_engine.calls[-1] == (QUESTION, None)
    task = body["task"]
    assert task["type"] == "continue"
    content = task["value"]["card"]["content"]
    assert_valid_card(content)
    assert any("**Sources**" in n.get("text", "") for n in walk(content))
    [share] = [a for a in content["actions"] if a["title"] == "Share to a channel"]
    assert [c["value"] for n in walk(share) if n.get("type") == "Input.ChoiceSet" for c in n["choices"]] == [
        TEAM
    ]


def test_share_from_the_message_action_dialog_posts_to_the_channel(teams_server, teams_connector):
    install_team(teams_server, teams_connector)
    _, body = teams_server.invoke(message_action(teams_connector, "<div>What is Core20PLUS5?</div>"))
    [answer_id] = feedback_ids(body["task"]["value"]["card"]["content"])
    teams_connector.clear()
    data = {"hibot": "share", "answer_id": answer_id, "conversation_id": TEAM, "note": "For Monday"}
    status, body = teams_server.invoke(
        invoke(
            teams_connector,
            "composeExtension/submitAction",
            {"commandId": ABOUT_MESSAGE_COMMAND, "data": data},
        )
    )
    assert status == 200 and body == {
        "task": {"type": "message", "value": "Shared to Health Equity › General."}
    }
    [shared] = teams_connector.wait_for_activities(1, TEAM)
    content = shared.body["attachments"][0]["content"]
    assert content["body"][0]["text"] == QUESTION and "For Monday" in content["body"][2]["items"][0]["text"]


# --- 👍/👎 dialogs ---------------------------------------------------------------------------------
def test_thumbs_down_asks_for_a_comment_privately_and_stores_it_redacted(
    teams_server, teams_connector, store
):
    answer_id = answer_id_of(ask_personal(teams_server, teams_connector))
    fetch = {
        "data": {"hibot": "feedback", "answer_id": answer_id, "rating": -1, "msteams": {"type": "task/fetch"}}
    }
    status, body = teams_server.invoke(invoke(teams_connector, "task/fetch", fetch, conversation=GROUP_CHAT))
    assert status == 200 and body["task"]["type"] == "continue"
    dialog = body["task"]["value"]["card"]["content"]
    assert [n["id"] for n in walk(dialog) if n.get("type") == "Input.Text"] == ["comment"]
    assert [(r["rating"], r["comment"]) for r in store.list_feedback(answer_id)] == [
        (-1, None)
    ]  # closing keeps it
    comment = {
        "data": {"hibot": "feedback_comment", "answer_id": answer_id, "comment": "Wrong for 943 476 5919"}
    }
    status, body = teams_server.invoke(
        invoke(teams_connector, "task/submit", comment, conversation=GROUP_CHAT)
    )
    assert status == 200 and body["task"]["type"] == "message" and "removed" in body["task"]["value"]
    [fb] = store.list_feedback(answer_id)
    assert fb["rating"] == -1 and "943" not in fb["comment"] and "[NHS number]" in fb["comment"]


def test_thumbs_up_is_recorded_with_a_private_thank_you(teams_server, teams_connector, store):
    answer_id = answer_id_of(ask_personal(teams_server, teams_connector))
    before = len(teams_connector.activities())
    fetch = {
        "data": {"hibot": "feedback", "answer_id": answer_id, "rating": 1, "msteams": {"type": "task/fetch"}}
    }
    status, body = teams_server.invoke(invoke(teams_connector, "task/fetch", fetch, conversation=GROUP_CHAT))
    assert status == 200 and body["task"]["type"] == "message"
    assert [r["rating"] for r in store.list_feedback(answer_id)] == [1]
    assert len(teams_connector.activities()) == before  # nothing posted in the conversation


def test_an_invoke_hibot_does_not_handle_gets_501(teams_server, teams_connector):
    status, _ = teams_server.invoke(invoke(teams_connector, "signin/verifyState", {}))
    assert status == 501
