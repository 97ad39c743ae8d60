"""Leads' chat commands on Teams: `prompts …` and `leads …` sent as Teams sends them (channel @mentions
and personal-chat messages POSTed to /api/messages), replies at the fake Bot Connector, team owners
answered by a fake Microsoft Graph. A lead and a team owner are accepted; anyone else is refused with
who can do it on Teams."""

from __future__ import annotations

import pytest

from tests.support.fakes.bot_connector import FakeBotConnector
from tests.support.fakes.graph import FakeGraph
from tests.support.teams import BOT, PERSONAL, TeamsServer, activity, make_settings

TEAM = "19:general-abc@thread.tacv2"
GROUP_ID = "00000000-aaaa-4bbb-8ccc-000000000001"  # the team's Microsoft 365 group
MENTION = {"type": "mention", "text": "<at>hibot</at>", "mentioned": {"id": BOT["id"], "name": "hibot"}}
LEAD = {"id": "29:user-jane", "aadObjectId": "aad-jane", "name": "Jane Lead"}
OWNER = {"id": "29:user-omar", "aadObjectId": "aad-omar", "name": "Omar Owner"}
NOBODY = {"id": "29:user-nia", "aadObjectId": "aad-nia", "name": "Nia Nurse"}
NEWCOMER = {"id": "29:user-ken", "aadObjectId": "aad-ken", "name": "Ken New"}
WHO_CAN = "only health-inequalities leads and the owners of this team"
ADD = (
    "prompts add Our stop-smoking service | It takes self-referrals. Mention it this week. "
    "| What is Core20PLUS5? | ask"
)


@pytest.fixture
def connector():
    with FakeBotConnector() as c:
        yield c


@pytest.fixture
def graph():
    with FakeGraph() as g:
        g.make_owner(GROUP_ID, OWNER["aadObjectId"])
        yield g


@pytest.fixture
def server(tmp_path, engine, store, graph, monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")  # nothing may reach the internet
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    settings = make_settings(tmp_path, HIBOT_LEADS="teams:aad-jane", HIBOT_GRAPH_URL=graph.base_url)
    srv = TeamsServer(settings, engine, store).start()
    yield srv
    srv.stop()


def in_channel(connector, text: str, user: dict, mentions: list[dict] | None = None) -> dict:
    return activity(
        connector,
        conversation={
            "id": f"{TEAM};messageid=1700000000001",
            "conversationType": "channel",
            "isGroup": True,
        },
        text=f"<at>hibot</at> {text}",
        entities=[MENTION, *(mentions or [])],
        channel_data={
            "team": {"id": TEAM, "name": "Health Equity", "aadGroupId": GROUP_ID},
            "channel": {"id": TEAM},
        },
        **{"from": user},
    )


def in_chat(connector, text: str, user: dict) -> dict:
    conv = {"id": PERSONAL, "conversationType": "personal"}
    return activity(connector, conversation=conv, text=text, **{"from": user})


def say(server: TeamsServer, connector, message: dict) -> str:
    before = len(connector.activities())
    assert server.post(message) in (200, 201)
    return connector.wait_for_activities(before + 1)[-1].body["text"]


def mention_of(person: dict) -> dict:
    name = person["name"]
    return {"type": "mention", "text": f"<at>{name}</at>", "mentioned": {"id": person["id"], "name": name}}


def test_a_lead_manages_weekly_prompts_from_a_channel_and_a_chat(server, connector, store):
    reply = say(server, connector, in_channel(connector, "prompts subscribe monday 9am tag=maternity", LEAD))
    assert "Every Monday at 09:00 Europe/London" in reply and "has only 1 prompt" in reply
    status = say(server, connector, in_channel(connector, "prompts status", NOBODY))
    assert (
        status.startswith("Health Equity › General: every Monday")
        and "— “The five clinical areas for adults”" in status
    )
    assert "“" in say(server, connector, in_channel(connector, "prompts next", NOBODY))
    assert "No weekly prompt has been sent here yet" in say(
        server, connector, in_channel(connector, "prompts history", LEAD)
    )
    assert say(server, connector, in_channel(connector, "prompts preview", NOBODY)).startswith("Preview:")
    # a test send is private: refused in the channel, done in the lead's chat with hibot
    assert "open a chat with hibot" in say(server, connector, in_channel(connector, "prompts send now", LEAD))
    assert "Test send: only you see this" in say(
        server, connector, in_chat(connector, "prompts send now", LEAD)
    )
    assert "Added “Our stop-smoking service”" in say(server, connector, in_chat(connector, ADD, LEAD))
    [local] = store.list_local_prompts()
    assert "Removed" in say(server, connector, in_chat(connector, f"prompts remove {local.id}", LEAD))
    assert store.get_subscription("teams", TEAM).time == "09:00"


@pytest.mark.parametrize(
    "command",
    ["prompts subscribe monday 9am", "prompts pause", "prompts send now", ADD, "prompts remove local-x"],
)
def test_someone_who_is_not_a_lead_or_owner_is_refused_with_who_can(server, connector, store, graph, command):
    assert WHO_CAN in say(server, connector, in_channel(connector, command, NOBODY))
    assert store.get_subscription("teams", TEAM) is None and store.list_local_prompts() == []
    assert any("aad-nia" in query for _, query, _ in graph.requests)  # ownership was asked of Graph


def test_a_team_owner_manages_prompts_and_leads(server, connector, store):
    assert "Subscribed" in say(server, connector, in_channel(connector, "prompts subscribe fri 13:30", OWNER))
    added = say(
        server, connector, in_channel(connector, "leads add <at>Ken New</at>", OWNER, [mention_of(NEWCOMER)])
    )
    assert "29:user-ken is now a lead" in added and store.is_lead("teams", NEWCOMER["id"])
    # the new lead now manages prompts, in this team and in a chat (no team owner there)
    assert "Weekly prompts paused" in say(server, connector, in_channel(connector, "prompts pause", NEWCOMER))
    assert "Leads (2)" in say(server, connector, in_chat(connector, "leads", NOBODY))
    removed = say(
        server,
        connector,
        in_channel(connector, "leads remove <at>Ken New</at>", OWNER, [mention_of(NEWCOMER)]),
    )
    assert "is no longer a lead" in removed
    assert WHO_CAN in say(server, connector, in_channel(connector, "prompts resume", NEWCOMER))


def test_leads_are_changed_only_by_owners_and_named_leads(server, connector, store):
    refused = say(
        server, connector, in_channel(connector, "leads add <at>Ken New</at>", NOBODY, [mention_of(NEWCOMER)])
    )
    assert "only owners of this team, and the leads named in HIBOT_LEADS" in refused
    assert not store.is_lead("teams", NEWCOMER["id"])
    assert "is now a lead" in say(
        server,
        connector,
        in_chat(connector, "leads add <at>Ken New</at>", LEAD) | {"entities": [mention_of(NEWCOMER)]},
    )
