"""`hibot prompts …` on the command line: exit codes and exact output, on the same service as chat."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from bot.config import get_settings
from bot.prompts.cli import prompts_app
from bot.prompts.commands import handle_prompts_command
from bot.prompts.subscriptions import describe_local
from tests.support.scheduling import CHAT_LIBRARY, LIBRARY, lead_settings, write_library


@pytest.fixture
def settings(tmp_path, db_url):
    return lead_settings(tmp_path, db_url)


@pytest.fixture
def cli(settings, monkeypatch):
    monkeypatch.setenv("HIBOT_DATABASE_URL", settings.effective_database_url)
    monkeypatch.setenv("HIBOT_PROMPTS_DIR", str(settings.prompts_dir))
    monkeypatch.setenv("HIBOT_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("HIBOT_USER_HASH_SALT", settings.user_hash_salt)
    get_settings.cache_clear()
    runner = CliRunner()
    yield lambda *args: runner.invoke(prompts_app, list(args))
    get_settings.cache_clear()


def test_subscribe_then_status_as_json(cli, store):
    r = cli(
        "subscribe", "teams:19:abc@thread.tacv2", "thu", "16:00", "--tz", "Europe/Dublin", "--by", "29:lead"
    )
    assert r.exit_code == 0, r.output
    [row] = json.loads(cli("status", "--json").output)
    assert (row["platform"], row["conversation_id"], row["weekday"], row["time"], row["timezone"]) == (
        "teams",
        "19:abc@thread.tacv2",
        "thursday",
        "16:00",
        "Europe/Dublin",
    )
    assert row["active"] is True and row["next_send"]
    assert store.get_subscription("teams", "19:abc@thread.tacv2").created_by == store.hash_user(
        "teams", "29:lead"
    )


def test_subscribe_rejects_a_bad_target_and_a_bad_day(cli):
    assert cli("subscribe", "C123", "monday", "09:00").exit_code == 2
    r = cli("subscribe", "slack:C123", "someday", "09:00")
    assert r.exit_code == 2 and "day of the week" in r.output


def test_unsubscribe(cli, store):
    cli("subscribe", "slack:C9", "monday", "09:00")
    assert cli("unsubscribe", "slack:C9").exit_code == 0
    assert store.get_subscription("slack", "C9") is None
    assert cli("unsubscribe", "slack:C9").exit_code == 1


def test_pause_and_resume(cli, store):
    cli("subscribe", "slack:C9", "monday", "09:00")
    assert cli("pause", "slack:C9", "--reason", "ward move").exit_code == 0
    [row] = json.loads(cli("status", "--json").output)
    assert row["active"] is False and row["paused_reason"] == "ward move"
    assert cli("resume", "slack:C9").exit_code == 0
    [row] = json.loads(cli("status", "--json").output)
    assert row["active"] is True and row["paused_reason"] is None
    assert cli("pause", "slack:C404").exit_code == 1 and cli("resume", "slack:C404").exit_code == 1


def test_lists_and_shows_prompts_as_json(cli):
    listed = json.loads(cli("list", "--json").output)
    assert [p["id"] for p in listed] == ["data-01", "lead-01"]
    shown = json.loads(cli("show", "lead-01", "--json").output)
    assert shown["question"] == CHAT_LIBRARY[1].question
    assert cli("show", "nope").exit_code == 1


def test_send_due_dry_run_lists_due_subscriptions_as_json(store, db_url, tmp_path, monkeypatch):
    prompts_dir = write_library(tmp_path / "scheduler-prompts", LIBRARY)
    # The CLI runs on the real clock: Monday 00:00 UTC is always already past in the current week.
    store.subscribe(
        "slack", "C1", weekday=0, time="00:00", timezone="UTC", now=datetime(2020, 1, 1, tzinfo=UTC)
    )
    monkeypatch.setenv("HIBOT_DATABASE_URL", db_url)
    monkeypatch.setenv("HIBOT_PROMPTS_DIR", str(prompts_dir))
    get_settings.cache_clear()
    try:
        r = CliRunner().invoke(prompts_app, ["send-due", "--dry-run", "--json"])
    finally:
        get_settings.cache_clear()
    assert r.exit_code == 0, r.output
    due = [x for x in json.loads(r.output) if x["status"] == "due"]
    assert [(x["conversation_id"], x["prompt_id"]) for x in due] == [("C1", "p1")]
    assert store.list_deliveries() == []  # a dry run writes nothing, not even skipped weeks


def test_the_cli_and_the_chat_command_report_the_same_next_send(cli, store, settings):
    assert cli("subscribe", "slack:C7", "monday", "09:00").exit_code == 0
    [row] = json.loads(cli("status", "--json").output)
    chat = handle_prompts_command(
        store, settings, platform="slack", conversation_id="C7", user_id="U1", text="status"
    )
    nxt = datetime.fromisoformat(row["next_send"])
    assert f"Next prompt: {describe_local(nxt, row['timezone'])}" in chat


def test_a_slack_channel_name_is_resolved_to_its_id_or_refused(cli, store, monkeypatch):
    refused = cli("subscribe", "slack:#maternity", "monday", "9am")
    assert refused.exit_code == 2 and "SLACK_BOT_TOKEN" in refused.output
    assert store.list_subscriptions() == []
    from tests.support.fakes.slack_api import FakeSlackAPI

    with FakeSlackAPI() as slack:
        slack.add_channel("C0MATERN01", "maternity")
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
        monkeypatch.setenv("SLACK_API_BASE_URL", slack.base_url)
        get_settings.cache_clear()
        unknown = cli("subscribe", "slack:#nowhere", "monday", "9am")
        assert unknown.exit_code == 2 and "no channel named #nowhere" in unknown.output
        ok = cli("subscribe", "slack:#maternity", "monday", "9am")
    assert ok.exit_code == 0, ok.output
    [sub] = store.list_subscriptions()
    assert (sub.conversation_id, sub.time) == ("C0MATERN01", "09:00")


def test_a_malformed_teams_conversation_is_refused(cli, store):
    r = cli("subscribe", "teams:general", "monday", "09:00")
    assert r.exit_code == 2 and "not a Teams conversation id" in r.output
    assert store.list_subscriptions() == []


def test_a_small_pool_warns_and_status_names_the_next_prompt(cli, store):
    r = cli("subscribe", "slack:C0DATA0001", "tue", "9:00", "--tag", "data")
    assert r.exit_code == 0 and "has only 1 prompt" in r.output
    status = cli("status").output
    assert "slack:C0DATA0001" in status and "“Know your Core20 population”" in status
