"""Install, uninstall and proactive posts in Teams: the welcome card (once per install), the stored
conversation reference, removal (and 403) stopping all posts there, and weekly prompts sent through the
runtime's one Bot Connector client."""

from __future__ import annotations

import asyncio
import json

import pytest

from bot.models import ConversationGone, Prompt
from bot.teams.connector import connect
from bot.teams.sender import TeamsPromptSender
from tests.support.teams import BOT, PERSONAL, QUESTION, activity, card, make_settings, personal

TEAM = "19:general-abc@thread.tacv2"
DATA_CHANNEL = "19:data-def@thread.tacv2"
TEAM_CONV = {"id": TEAM, "conversationType": "channel", "isGroup": True}
TEAM_DATA = {"team": {"id": TEAM, "name": "Health Equity"}, "channel": {"id": TEAM}}
DATA_CONV = {"id": DATA_CHANNEL, "conversationType": "channel", "isGroup": True}
DATA_DATA = {"team": {"id": TEAM, "name": "Health Equity"}, "channel": {"id": DATA_CHANNEL, "name": "Data"}}
PERSONAL_CONV = {"id": PERSONAL, "conversationType": "personal"}
PROMPT = Prompt(
    id="core20-intro",
    title="Who is in your Core20?",
    audience="all",
    tags=["core20plus5"],
    body="Five minutes this week: who in your patch is in the most deprived 20%?",
    question=QUESTION,
    action="analyse",
)


def install(
    teams_connector, conversation: dict, channel_data: dict | None = None, action: str = "add"
) -> dict:
    return activity(
        teams_connector,
        conversation=conversation,
        channel_data=channel_data,
        type_="installationUpdate",
        action=action,
    )


def members(teams_connector, conversation: dict, channel_data: dict, **change) -> dict:
    return activity(
        teams_connector,
        conversation=conversation,
        channel_data=channel_data,
        type_="conversationUpdate",
        **change,
    )


def message_entity(received) -> dict:
    [e] = [e for e in received.body.get("entities") or [] if e.get("type") == "https://schema.org/Message"]
    return e


# --- welcome -------------------------------------------------------------------------------------
def test_welcome_on_installation_update(teams_server, teams_connector, recording_engine):
    teams_server.post(install(teams_connector, PERSONAL_CONV))
    [welcome] = teams_connector.wait_for_activities(1, PERSONAL)
    assert card(welcome)["type"] == "AdaptiveCard"
    assert "hibot" in welcome.body["text"]
    assert (
        recording_engine.calls == []
    )  # the install card is the adapter's own; everything else is the engine's


def test_welcome_when_bot_is_added_to_a_team(teams_server, teams_connector):
    teams_server.post(
        members(
            teams_connector,
            TEAM_CONV,
            {**TEAM_DATA, "eventType": "teamMemberAdded"},
            membersAdded=[{"id": BOT["id"]}],
        )
    )
    [welcome] = teams_connector.wait_for_activities(1, TEAM)
    assert "@hibot" in json.dumps(card(welcome))


def test_install_events_welcome_only_once(teams_server, teams_connector):
    teams_server.post(install(teams_connector, TEAM_CONV, TEAM_DATA))
    teams_server.post(members(teams_connector, TEAM_CONV, TEAM_DATA, membersAdded=[{"id": BOT["id"]}]))
    teams_connector.wait_for_activities(1, TEAM)
    assert len(teams_connector.activities(TEAM)) == 1


# --- the stored reference ------------------------------------------------------------------------
def test_install_stores_the_conversation_reference(teams_server, teams_connector, store):
    teams_server.post(install(teams_connector, TEAM_CONV, TEAM_DATA))
    conv = store.get_conversation("teams", TEAM)
    assert conv.kind == "channel" and conv.team_id == TEAM and not conv.removed
    assert conv.reference["serviceUrl"] == teams_connector.service_url
    assert conv.reference["conversation"]["id"] == TEAM
    assert "name" not in conv.reference["user"]  # no display names at rest


def test_message_in_a_thread_stores_the_channel_reference(teams_server, teams_connector, store):
    post = activity(
        teams_connector,
        conversation={
            "id": f"{DATA_CHANNEL};messageid=1700000000001",
            "conversationType": "channel",
            "isGroup": True,
        },
        text=f"<at>hibot</at> {QUESTION}",
        entities=[{"type": "mention", "text": "<at>hibot</at>", "mentioned": BOT}],
        channel_data=DATA_DATA,
    )
    teams_server.post(post)
    conv = store.get_conversation("teams", DATA_CHANNEL)
    assert conv is not None and conv.channel_id == DATA_CHANNEL and conv.name == "Health Equity › Data"
    assert conv.reference["conversation"]["id"] == DATA_CHANNEL


# --- removal -------------------------------------------------------------------------------------
def test_uninstall_marks_the_conversation_removed(teams_server, teams_connector, store):
    teams_server.post(install(teams_connector, PERSONAL_CONV))
    teams_server.post(install(teams_connector, PERSONAL_CONV, action="remove"))
    assert store.get_conversation("teams", PERSONAL).removed


def test_bot_removed_from_team_marks_its_channels_removed(teams_server, teams_connector, store):
    teams_server.post(install(teams_connector, TEAM_CONV, TEAM_DATA))
    teams_server.post(install(teams_connector, DATA_CONV, DATA_DATA))
    teams_server.post(members(teams_connector, TEAM_CONV, TEAM_DATA, membersRemoved=[{"id": BOT["id"]}]))
    assert store.get_conversation("teams", TEAM).removed
    assert store.get_conversation("teams", DATA_CHANNEL).removed


def test_forbidden_reply_marks_the_conversation_removed(teams_server, teams_connector, store):
    teams_connector.forbid(PERSONAL)
    assert teams_server.post(personal(teams_connector, QUESTION)) in (200, 201)
    teams_connector.wait_for(lambda r: r.status == 403)
    assert store.get_conversation("teams", PERSONAL).removed


# --- proactive -----------------------------------------------------------------------------------
def test_weekly_prompt_is_posted_to_the_stored_reference(
    teams_server, teams_connector, store, engine, tmp_path
):
    teams_server.post(install(teams_connector, DATA_CONV, DATA_DATA))
    teams_connector.clear()
    conv = store.get_conversation("teams", DATA_CHANNEL)
    sender = TeamsPromptSender(connect(make_settings(tmp_path)))
    message_id = asyncio.run(
        sender.send_prompt(DATA_CHANNEL, conv.reference, PROMPT, engine.answer(QUESTION))
    )
    [post] = teams_connector.wait_for_activities(1, DATA_CHANNEL)
    assert post.kind == "send"  # a new post in the channel, not a reply to an old message
    assert message_id and message_id.startswith("activity-")
    assert PROMPT.title in json.dumps(card(post))
    assert "This week: Analyse" in json.dumps(card(post))
    assert message_entity(post)["citation"]


def test_weekly_prompt_to_a_conversation_that_removed_the_bot_raises_conversation_gone(
    teams_server, teams_connector, store, engine, tmp_path
):
    teams_server.post(install(teams_connector, DATA_CONV, DATA_DATA))
    conv = store.get_conversation("teams", DATA_CHANNEL)
    teams_connector.forbid(DATA_CHANNEL)
    sender = TeamsPromptSender(connect(make_settings(tmp_path)))
    with pytest.raises(ConversationGone):
        asyncio.run(sender.send_prompt(DATA_CHANNEL, conv.reference, PROMPT, engine.answer(QUESTION)))
