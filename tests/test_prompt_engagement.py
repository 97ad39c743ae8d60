"""Replies and reactions to weekly-prompt posts, counted for the leads' report, as each platform
sends them: a Slack thread reply and reaction_added event, a Teams reply in the post's thread and a
messageReaction activity. Messages elsewhere are not counted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.report.build import build_report
from tests.support.fakes.bot_connector import FakeBotConnector
from tests.support.fakes.slack_api import TEAM_ID, FakeSlackAPI
from tests.support.polling import eventually_async
from tests.support.slack import CHANNEL, SlackServer, message, run, settings_for
from tests.support.teams import BOT, TeamsServer, activity, make_settings

TEAM = "19:general-abc@thread.tacv2"
POST_TS = "1710000099.000100"
POST_ID = "1700000000555"
MENTION = {"type": "mention", "text": "<at>hibot</at>", "mentioned": {"id": BOT["id"], "name": "hibot"}}


def sent_prompt(store, platform: str, conversation: str, message_id: str) -> None:
    """A weekly prompt delivered (claimed and sent) to `conversation` as `message_id`."""
    now = datetime.now(UTC)
    sub = store.subscribe(
        platform, conversation, weekday=0, time="09:00", timezone="UTC", now=now - timedelta(days=8)
    )
    claim = store.claim_delivery(sub.id, "W", now, "p1", now=now, lease=timedelta(minutes=5), max_attempts=5)
    store.mark_delivery_sent(claim, message_id, now=now)


def engagement(store) -> list[dict]:
    now = datetime.now(UTC)
    return build_report(store, now - timedelta(days=1), now + timedelta(minutes=1)).prompt_engagement


def test_slack_replies_and_reactions_on_a_prompt_post_are_counted(store, engine, tmp_path):
    sent_prompt(store, "slack", CHANNEL, POST_TS)

    async def scenario():
        with FakeSlackAPI() as slack:
            async with SlackServer(settings_for(slack, tmp_path), engine, store) as srv:
                reply = message(
                    "We do this already", channel=CHANNEL, channel_type="channel", thread_ts=POST_TS
                )
                await srv.event(reply)
                elsewhere = message(
                    "Unrelated thread", channel=CHANNEL, channel_type="channel", thread_ts="1.2"
                )
                await srv.event(elsewhere)
                reaction = {
                    "type": "reaction_added",
                    "user": "U0CLINIC2",
                    "reaction": "thumbsup",
                    "item": {"type": "message", "channel": CHANNEL, "ts": POST_TS},
                    "event_ts": "1710000100.000001",
                    "team": TEAM_ID,
                }
                assert (await srv.event(reaction))[0] == 200
                await eventually_async(
                    lambda: [r for r in engagement(store) if r["replies"] + r["reactions"] == 2]
                )

    run(scenario())
    [row] = engagement(store)
    assert (row["posts"], row["replies"], row["reactions"]) == (1, 1, 1)


@pytest.fixture
def connector():
    with FakeBotConnector() as c:
        yield c


def test_teams_replies_and_reactions_on_a_prompt_post_are_counted(store, engine, tmp_path, connector):
    sent_prompt(store, "teams", TEAM, POST_ID)
    srv = TeamsServer(make_settings(tmp_path), engine, store).start()
    try:
        thread = {"id": f"{TEAM};messageid={POST_ID}", "conversationType": "channel", "isGroup": True}
        data = {"team": {"id": TEAM, "name": "Health Equity"}, "channel": {"id": TEAM}}
        reply = activity(
            connector,
            conversation=thread,
            text="<at>hibot</at> thanks",
            entities=[MENTION],
            channel_data=data,
        )
        assert srv.post(reply) in (200, 201)
        reaction = activity(
            connector,
            conversation={"id": TEAM, "conversationType": "channel", "isGroup": True},
            channel_data=data,
            type_="messageReaction",
            reactionsAdded=[{"type": "like"}],
            replyToId=POST_ID,
        )
        assert srv.post(reaction) in (200, 201)
        other = activity(
            connector,
            conversation=thread | {"id": f"{TEAM};messageid=1"},
            text="<at>hibot</at> hi",
            entities=[MENTION],
            channel_data=data,
        )
        assert srv.post(other) in (200, 201)
    finally:
        srv.stop()
    [row] = engagement(store)
    assert (row["posts"], row["replies"], row["reactions"]) == (1, 1, 1)
