"""Leads' chat commands on Slack, over signed HTTP to the real app with Slack's Web API faked:
`/hibot prompts …` (subscribe with 9am, status, next, history, preview, send now, add, remove) and
`/hibot leads …`, by a lead, by a workspace admin, and refused (naming who can) for anyone else."""

from __future__ import annotations

import pytest

from tests.support.fakes.slack_api import FakeSlackAPI
from tests.support.slack import CHANNEL, SlackServer, run, settings_for

LEAD, ADMIN, NOBODY, NEWCOMER = "U0LEAD0001", "U0ADMIN001", "U0NOBODY01", "U0NEWLEAD1"
WHO_CAN = "only health-inequalities leads and Slack workspace admins or owners"
ADD = (
    "prompts add Our stop-smoking service | It takes self-referrals. Mention it this week. "
    "| What is Core20PLUS5? | ask"
)


@pytest.fixture
def slack():
    with FakeSlackAPI() as fake:
        fake.set_user(ADMIN, is_admin=True)
        yield fake


async def say(srv: SlackServer, slack: FakeSlackAPI, text: str, user: str) -> str:
    """The ephemeral reply to one `/hibot TEXT`."""
    n = len(slack.calls("chat.postEphemeral"))
    status, _ = await srv.command(text, slack, user=user)
    assert status == 200
    return (await slack.until("chat.postEphemeral", n + 1))[-1].body["text"]


def test_a_lead_manages_weekly_prompts_in_chat(slack, store, engine, tmp_path):
    async def scenario():
        settings = settings_for(slack, tmp_path, HIBOT_LEADS=f"slack:{LEAD}")
        async with SlackServer(settings, engine, store) as srv:
            reply = await say(srv, slack, "prompts subscribe monday 9am tag=maternity", LEAD)
            assert "Every Monday at 09:00 Europe/London" in reply
            assert "tag 'maternity' has only 1 prompt" in reply  # the pool repeats every week
            status = await say(srv, slack, "prompts status", NOBODY)
            assert status.startswith("#health-inequalities: every Monday") and "Next prompt:" in status
            assert "— “The five clinical areas for adults”." in status  # the next prompt's title, not its id
            assert "“" in await say(srv, slack, "prompts next", NOBODY)
            assert "No weekly prompt has been sent here yet" in await say(srv, slack, "prompts history", LEAD)
            preview = await say(srv, slack, "prompts preview", NOBODY)
            assert preview.startswith("Preview:\n\nWeekly prompt: The five clinical areas for adults")
            test = await say(srv, slack, "prompts send now", LEAD)
            assert test.startswith("Test send: only you see this") and "[1]" in test
            added = await say(srv, slack, ADD, LEAD)
            [local] = store.list_local_prompts()
            assert "Added “Our stop-smoking service” as local-our-stop-smoking-service" in added
            assert local.question == "What is Core20PLUS5?" and local.action == "ask"
            assert "written here" in await say(srv, slack, "prompts list", NOBODY)
            assert "Removed" in await say(srv, slack, f"prompts remove {local.id}", LEAD)
            assert store.list_local_prompts() == []
            assert "shipped library" in await say(srv, slack, "prompts remove 01-what-is-core20plus5", LEAD)
        assert store.get_subscription("slack", CHANNEL).time == "09:00"
        assert slack.count("chat.postMessage") == 0  # everything was private to the person asking

    run(scenario())


def test_a_local_prompt_hibot_cannot_answer_is_not_added(slack, store, engine, tmp_path):
    async def scenario():
        settings = settings_for(slack, tmp_path, HIBOT_LEADS=f"slack:{LEAD}")
        async with SlackServer(settings, engine, store) as srv:
            text = "prompts add Football | Our team won. Celebrate. | Who won the FA Cup in 1990? | ask"
            assert "cannot answer its question from the guidance" in await say(srv, slack, text, LEAD)
            assert "four parts" in await say(srv, slack, "prompts add Just a title", LEAD)
        assert store.list_local_prompts() == []

    run(scenario())


@pytest.mark.parametrize(
    "command",
    ["prompts subscribe monday 9am", "prompts pause", "prompts send now", ADD, "prompts remove local-x"],
)
def test_someone_who_is_not_a_lead_or_admin_is_refused_with_who_can(slack, store, engine, tmp_path, command):
    async def scenario():
        settings = settings_for(slack, tmp_path, HIBOT_LEADS=f"slack:{LEAD}")
        async with SlackServer(settings, engine, store) as srv:
            reply = await say(srv, slack, command, NOBODY)
            assert WHO_CAN in reply
        assert store.get_subscription("slack", CHANNEL) is None and store.list_local_prompts() == []

    run(scenario())


def test_a_workspace_admin_manages_prompts_and_leads(slack, store, engine, tmp_path):
    async def scenario():
        async with SlackServer(settings_for(slack, tmp_path), engine, store) as srv:
            assert "Subscribed" in await say(srv, slack, "prompts subscribe fri 1:30pm", ADMIN)
            reply = await say(srv, slack, f"leads add <@{NEWCOMER}|newcomer>", ADMIN)
            assert f"<@{NEWCOMER}> is now a lead" in reply
            assert store.is_lead("slack", NEWCOMER)
            assert "Subscribed" in await say(srv, slack, "prompts subscribe mon 09:00", NEWCOMER)
            assert f"<@{NEWCOMER}>" in await say(srv, slack, "leads", NOBODY)
            assert "is no longer a lead" in await say(srv, slack, f"leads remove <@{NEWCOMER}>", ADMIN)
            assert WHO_CAN in await say(srv, slack, "prompts pause", NEWCOMER)
        assert store.get_subscription("slack", CHANNEL).time == "09:00"

    run(scenario())


def test_only_admins_and_named_leads_change_the_leads(slack, store, engine, tmp_path):
    async def scenario():
        settings = settings_for(slack, tmp_path, HIBOT_LEADS=f"slack:{LEAD}")
        async with SlackServer(settings, engine, store) as srv:
            refused = await say(srv, slack, f"leads add <@{NEWCOMER}>", NOBODY)
            assert "only Slack workspace admins or owners, and the leads named in HIBOT_LEADS" in refused
            assert not store.is_lead("slack", NEWCOMER)
            assert "is now a lead" in await say(srv, slack, f"leads add <@{NEWCOMER}>", LEAD)
            assert "is no longer a lead" in await say(srv, slack, f"leads remove <@{LEAD}>", LEAD)
        # HIBOT_LEADS seeds the table once: a lead removed in chat is not brought back on restart
        assert not store.is_lead("slack", LEAD) and store.seed_leads([("slack", LEAD)]) == 0

    run(scenario())
