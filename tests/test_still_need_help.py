""" "Still need help?" on declined and 👎 answers: each press posts the redacted question, the answer id
and the asker to the leads channel, with a Resolved button that records who resolved it. Slack over
signed HTTP with its Web API faked; Teams over /api/messages with the Bot Connector faked."""

from __future__ import annotations

from tests.support.fakes.bot_connector import FakeBotConnector
from tests.support.fakes.slack_api import FakeSlackAPI
from tests.support.slack import USER, SlackServer, run, settings_for
from tests.support.slack_payloads import action_ids, block_action, button_value, posted_message, view_payload
from tests.support.teams import (
    BOT,
    PERSONAL,
    TENANT,
    TeamsServer,
    answer_id_of,
    ask_personal,
    card,
    invoke,
    make_settings,
    personal,
)

LEADS = "C0LEADS001"
LEAD = "U0LEAD0001"
DECLINED = "What dose of ramipril should my patient at SW1A 1AA take?"


def test_slack_a_declined_answer_reaches_the_leads_channel_once_per_press_and_is_resolved(
    store, engine, tmp_path
):
    async def scenario():
        with FakeSlackAPI() as slack:
            settings = settings_for(slack, tmp_path, HIBOT_LEADS_CHANNEL=f"slack:{LEADS}")
            async with SlackServer(settings, engine, store) as srv:
                await srv.command(DECLINED, slack)
                eph = (await slack.until("chat.postEphemeral"))[0].body
                assert "still_need_help" in action_ids(eph["blocks"])
                answer_id = button_value(eph["blocks"], "still_need_help")
                for _ in range(2):  # pressed twice: two requests, two posts
                    await srv.interaction(
                        block_action("still_need_help", answer_id, slack=slack, ephemeral=True)
                    )
                posts = await slack.until("chat.postMessage", 2)
                post = posts[0].body
                assert post["channel"] == LEADS and f"<@{USER}>" in post["text"] and answer_id in post["text"]
                assert "[postcode]" in post["text"] and "SW1A" not in post["text"]
                assert "clinical_advice" in post["text"]
                replies = await slack.until("/response/action", 2)
                assert "passed your question to the health-inequalities leads" in replies[0].body["text"]
                request_id = button_value(post["blocks"], "help_resolved")
                pressed = block_action(
                    "help_resolved",
                    request_id,
                    slack=slack,
                    channel=LEADS,
                    message=posted_message(post, posts[0].body.get("ts") or "1710000001.000001"),
                    block_id="hibot_help",
                )
                pressed["user"]["id"] = LEAD
                await srv.interaction(pressed)
                update = (await slack.until("chat.update"))[0].body
                assert f"Resolved by <@{LEAD}>" in update["text"]
                assert "help_resolved" not in action_ids(update["blocks"])
                await srv.interaction(pressed)  # a second Resolved press changes nothing
                assert "already resolved" in (await slack.until("chat.postEphemeral", 2))[-1].body["text"]
        requests = store.list_help_requests()
        assert len(requests) == 2 and requests[0].reason == "declined" and requests[0].message_id
        resolved = [r for r in requests if r.resolved_at is not None]
        assert len(resolved) == 1 and resolved[0].resolved_by == store.hash_user("slack", LEAD)

    run(scenario())


def test_slack_a_thumbs_down_offers_still_need_help(store, engine, tmp_path):
    async def scenario():
        with FakeSlackAPI() as slack:
            settings = settings_for(slack, tmp_path, HIBOT_LEADS_CHANNEL=f"slack:{LEADS}")
            async with SlackServer(settings, engine, store) as srv:
                await srv.command("What is Core20PLUS5?", slack)
                eph = (await slack.until("chat.postEphemeral"))[0].body
                answer_id = button_value(eph["blocks"], "feedback_down")
                await srv.interaction(block_action("feedback_down", answer_id, slack=slack, ephemeral=True))
                view = (await slack.until("views.open"))[0].body["view"]
                await srv.interaction(view_payload("view_submission", view, comment="Missed the point"))
                offer = (await slack.until("chat.postEphemeral", 2))[-1].body
                assert "still_need_help" in action_ids(offer["blocks"])
                await srv.interaction(block_action("still_need_help", answer_id, slack=slack, ephemeral=True))
                post = (await slack.until("chat.postMessage"))[0].body
                assert post["channel"] == LEADS and "pressed 👎" in post["text"]
        [request] = store.list_help_requests()
        assert request.reason == "feedback"

    run(scenario())


def test_teams_a_declined_answer_reaches_the_leads_channel_and_is_resolved(store, engine, tmp_path):
    leads_channel = "19:leads@thread.tacv2"
    with FakeBotConnector() as connector:
        reference = {
            "serviceUrl": connector.service_url,
            "channelId": "msteams",
            "bot": BOT,
            "conversation": {"id": leads_channel, "conversationType": "channel", "tenantId": TENANT},
        }
        store.upsert_conversation("teams", leads_channel, reference, kind="channel", name="HI leads")
        srv = TeamsServer(
            make_settings(tmp_path, HIBOT_LEADS_CHANNEL=f"teams:{leads_channel}"), engine, store
        )
        srv.start()
        try:
            assert srv.post(personal(connector, DECLINED)) in (200, 201)
            [answer] = connector.wait_for_activities(1, PERSONAL)
            submit = next(
                a
                for b in card(answer)["body"]
                if b.get("type") == "ActionSet"
                for a in b["actions"]
                if a.get("data", {}).get("hibot") == "help"
            )
            assert srv.post(personal(connector, None, value=submit["data"])) in (200, 201)
            [post] = connector.wait_for_activities(1, leads_channel)
            text = str(post.body)
            assert "Jane Smith" in text and submit["data"]["answer_id"] in text
            assert "[postcode]" in text and "SW1A" not in text
            assert "passed your question" in connector.wait_for_activities(2, PERSONAL)[-1].body["text"]
            resolve = next(
                a for b in card(post)["body"] if b.get("type") == "ActionSet" for a in b["actions"]
            )
            assert srv.post(personal(connector, None, value=resolve["data"])) in (200, 201)
            assert "Resolved by Jane Smith" in connector.wait_for_activities(3, PERSONAL)[-1].body["text"]
        finally:
            srv.stop()
    [request] = store.list_help_requests()
    assert request.resolved_by == store.hash_user("teams", "aad-jane") and request.message_id


def test_teams_the_thumbs_down_dialog_offers_still_need_help(store, engine, tmp_path):
    leads_channel = "19:leads@thread.tacv2"
    with FakeBotConnector() as connector:
        reference = {
            "serviceUrl": connector.service_url,
            "channelId": "msteams",
            "bot": BOT,
            "conversation": {"id": leads_channel, "conversationType": "channel", "tenantId": TENANT},
        }
        store.upsert_conversation("teams", leads_channel, reference, kind="channel", name="HI leads")
        srv = TeamsServer(
            make_settings(tmp_path, HIBOT_LEADS_CHANNEL=f"teams:{leads_channel}"), engine, store
        )
        srv.start()
        try:
            answer_id = answer_id_of(ask_personal(srv, connector))
            fetch = {"data": {"hibot": "feedback", "answer_id": answer_id, "rating": -1}}
            status, body = srv.invoke(invoke(connector, "task/fetch", fetch))
            dialog = body["task"]["value"]["card"]["content"]
            [help_submit] = [a for a in dialog["actions"] if a["data"].get("hibot") == "help"]
            status, body = srv.invoke(invoke(connector, "task/submit", {"data": help_submit["data"]}))
            assert status == 200 and "passed your question" in body["task"]["value"]
            [post] = connector.wait_for_activities(1, leads_channel)
            assert "pressed 👎" in str(post.body) and answer_id in str(post.body)
        finally:
            srv.stop()
    [request] = store.list_help_requests()
    assert request.reason == "feedback"
