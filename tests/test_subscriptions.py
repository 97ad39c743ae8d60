"""`prompts …` commands (permissions, validation, replies) and the `hibot prompts` subscription CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import yaml
from typer.testing import CliRunner

from bot.config import Settings
from bot.prompts.commands import REFUSAL, handle_prompts_command
from bot.prompts.subscriptions import (
    ScheduleError,
    next_send_time,
    parse_audience,
    parse_time,
    parse_timezone,
    parse_weekday,
)
from tests.support.fixtures import USER_HASH_SALT

WED = datetime(2025, 11, 26, 12, 0, tzinfo=UTC)  # Wednesday, GMT
PROMPTS = [
    {
        "id": "data-01",
        "title": "Know your Core20 population",
        "audience": "clinicians",
        "tags": ["data", "core20"],
        "body": "Look at who you see.",
        "question": "What is Core20PLUS5?",
        "action": "analyse",
    },
    {
        "id": "lead-01",
        "title": "Board objectives",
        "audience": "board members",
        "tags": ["governance"],
        "body": "Ask your board.",
        "question": "What should boards do about health inequalities?",
        "action": "advocate",
    },
]


@pytest.fixture
def prompts_dir(tmp_path):
    d = tmp_path / "prompts"
    d.mkdir()
    for p in PROMPTS:
        (d / f"{p['id']}.yaml").write_text(yaml.safe_dump(p, sort_keys=False))
    return d


@pytest.fixture
def settings(prompts_dir, tmp_path, db_url):
    return Settings(
        _env_file=None,
        leads="slack:ULEAD,teams:29:lead-aad",
        prompts_dir=prompts_dir,
        data_dir=tmp_path / "data",
        database_url=db_url,
        user_hash_salt=USER_HASH_SALT,
    )


def run(store, settings, text, user="ULEAD", platform="slack", conv="C1", **kw):
    return handle_prompts_command(
        store,
        settings,
        platform=platform,
        conversation_id=conv,
        user_id=user,
        text=text,
        now=kw.pop("now", WED),
        **kw,
    )


# --- parsing -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "word,day",
    [
        ("monday", 0),
        ("Mon", 0),
        ("tues", 1),
        ("WED", 2),
        ("thurs", 3),
        ("friday", 4),
        ("sat", 5),
        ("Sundays", 6),
    ],
)
def test_weekday_names_and_abbreviations_are_understood(word, day):
    assert parse_weekday(word) == day


def test_an_unknown_weekday_is_refused_with_the_accepted_forms():
    with pytest.raises(ScheduleError, match="monday … sunday"):
        parse_weekday("funday")


@pytest.mark.parametrize(
    "text,hhmm", [("09:00", "09:00"), ("9:05", "09:05"), ("23:59", "23:59"), ("7.30", "07:30")]
)
def test_times_are_normalised_to_hh_mm(text, hhmm):
    assert parse_time(text) == hhmm


@pytest.mark.parametrize("text", ["24:00", "9am", "09:60", "0900", ""])
def test_invalid_times_are_refused(text):
    with pytest.raises(ScheduleError, match="HH:MM"):
        parse_time(text)


def test_time_zone_names_are_canonicalised():
    assert parse_timezone("europe/london") == "Europe/London"
    assert parse_timezone("UTC") == "UTC"


@pytest.mark.parametrize("text", ["Europe/Londn", "BST", "../etc/passwd", "GMT+1"])
def test_unknown_time_zones_are_refused(text):
    with pytest.raises(ScheduleError, match="IANA"):
        parse_timezone(text)


def test_audience_accepts_board_members_spelt_several_ways():
    assert (
        parse_audience("board-members")
        == parse_audience("board_members")
        == parse_audience("Board")
        == "board members"
    )
    with pytest.raises(ScheduleError):
        parse_audience("patients")


# --- subscribe -----------------------------------------------------------------------------------
def test_a_lead_subscribes_a_channel_with_the_default_time_zone(store, settings):
    reply = run(store, settings, "subscribe monday 09:00")
    sub = store.get_subscription("slack", "C1")
    assert (sub.weekday, sub.time, sub.timezone, sub.active) == (0, "09:00", "Europe/London", True)
    assert sub.created_by == store.hash_user("slack", "ULEAD")
    assert "Monday 1 December 2025 at 09:00 GMT" in reply


def test_subscribe_takes_a_time_zone_audience_and_tag(store, settings):
    reply = run(store, settings, "subscribe fri 13:30 America/New_York audience=clinicians tag=Data")
    sub = store.get_subscription("slack", "C1")
    assert (sub.weekday, sub.time, sub.timezone, sub.audience, sub.tag) == (
        4,
        "13:30",
        "America/New_York",
        "clinicians",
        "data",
    )
    assert "Friday 28 November 2025 at 13:30 EST" in reply


def test_subscribe_with_a_bad_time_explains_and_stores_nothing(store, settings):
    reply = run(store, settings, "subscribe monday 9am")
    assert "HH:MM" in reply and "prompts subscribe" in reply
    assert store.get_subscription("slack", "C1") is None


def test_subscribe_with_a_bad_time_zone_explains(store, settings):
    assert "IANA time zone" in run(store, settings, "subscribe monday 09:00 Mars/Olympus")
    assert store.get_subscription("slack", "C1") is None


def test_subscribe_without_a_time_asks_for_day_and_time(store, settings):
    assert "day and time" in run(store, settings, "subscribe monday")


def test_subscribe_with_an_unknown_option_is_refused(store, settings):
    assert "not an option" in run(store, settings, "subscribe monday 09:00 colour=red")
    assert store.get_subscription("slack", "C1") is None


def test_subscribe_with_a_tag_no_prompt_has_lists_the_tags(store, settings):
    pytest.importorskip("bot.prompts.library")
    reply = run(store, settings, "subscribe monday 09:00 tag=astrology")
    assert "astrology" in reply and "core20" in reply and "governance" in reply
    assert store.get_subscription("slack", "C1") is None


def test_subscribing_stores_the_teams_conversation_reference(store, settings):
    ref = {"conversation": {"id": "19:abc@thread.tacv2"}, "serviceUrl": "https://smba.example/"}
    run(
        store,
        settings,
        "subscribe tue 08:15",
        user="29:lead-aad",
        platform="teams",
        conv="19:abc@thread.tacv2",
        reference=ref,
    )
    assert store.get_conversation("teams", "19:abc@thread.tacv2").reference == ref
    assert store.get_subscription("teams", "19:abc@thread.tacv2").created_by == store.hash_user(
        "teams", "29:lead-aad"
    )


def test_a_slack_admin_who_is_not_a_lead_may_subscribe(store, settings):
    run(store, settings, "subscribe monday 09:00", user="UADMIN", is_admin=True)
    assert store.get_subscription("slack", "C1") is not None


# --- permissions ---------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["subscribe monday 09:00", "pause", "resume", "unsubscribe"])
def test_someone_who_is_not_a_lead_cannot_change_subscriptions(store, settings, text):
    run(store, settings, "subscribe wed 10:00")
    before = store.get_subscription("slack", "C1")
    assert run(store, settings, text, user="UNOBODY") == REFUSAL
    assert store.get_subscription("slack", "C1") == before


def test_a_lead_on_one_platform_is_not_a_lead_on_the_other(store, settings):
    assert run(store, settings, "subscribe monday 09:00", user="ULEAD", platform="teams") == REFUSAL


def test_anyone_can_see_the_status(store, settings):
    run(store, settings, "subscribe monday 09:00")
    reply = run(store, settings, "status", user="UNOBODY")
    assert "Every Monday at 09:00 Europe/London" in reply
    assert "Next prompt: Monday 1 December 2025 at 09:00 GMT" in reply


def test_anyone_can_list_the_library(store, settings):
    pytest.importorskip("bot.prompts.library")
    reply = run(store, settings, "list", user="UNOBODY")
    assert "Know your Core20 population" in reply and "Board objectives" in reply


# --- pause / resume / unsubscribe / status ---------------------------------------------------------
def test_pause_stops_and_status_says_so(store, settings):
    run(store, settings, "subscribe monday 09:00")
    run(store, settings, "pause")
    assert store.get_subscription("slack", "C1").active is False
    assert "Paused" in run(store, settings, "status")


def test_resume_restarts_and_names_the_next_send(store, settings):
    run(store, settings, "subscribe monday 09:00")
    run(store, settings, "pause")
    reply = run(store, settings, "resume")
    assert store.get_subscription("slack", "C1").active is True
    assert "Monday 1 December 2025 at 09:00 GMT" in reply


def test_unsubscribe_ends_the_subscription(store, settings):
    run(store, settings, "subscribe monday 09:00")
    assert "Unsubscribed" in run(store, settings, "unsubscribe")
    assert store.get_subscription("slack", "C1") is None
    assert "no weekly prompt subscription" in run(store, settings, "status")


def test_commands_without_a_subscription_say_how_to_start_one(store, settings):
    for text in ("pause", "resume", "unsubscribe", "status"):
        assert "prompts subscribe monday 09:00" in run(store, settings, text)


def test_status_shows_the_next_send_in_summer_time(store, settings):
    june = datetime(2026, 6, 3, 12, 0, tzinfo=UTC)  # a Wednesday in BST
    run(store, settings, "subscribe thursday 07:45", now=june)
    assert "Thursday 4 June 2026 at 07:45 BST" in run(store, settings, "status", now=june)


def test_next_send_is_next_week_once_this_weeks_slot_is_done(store):
    sub = store.subscribe(
        "slack",
        "C1",
        weekday=2,
        time="09:00",
        timezone="Europe/London",
        now=datetime(2025, 11, 24, tzinfo=UTC),
    )
    assert next_send_time(sub, WED, this_week_done=True) == datetime(2025, 12, 3, 9, 0, tzinfo=UTC)
    assert next_send_time(sub, WED, this_week_done=False) == datetime(2025, 11, 26, 9, 0, tzinfo=UTC)


def test_status_names_the_last_prompt_sent_and_says_the_next_is_next_week(store, settings):
    from datetime import timedelta

    run(store, settings, "subscribe monday 09:00", now=datetime(2025, 11, 23, tzinfo=UTC))
    sub = store.get_subscription("slack", "C1")
    slot = datetime(2025, 11, 24, 9, 0, tzinfo=UTC)
    claim = store.claim_delivery(
        sub.id, "2025-W48", slot, "data-01", now=slot, lease=timedelta(minutes=5), max_attempts=5
    )
    store.mark_delivery_sent(claim, "ts-1", now=slot)
    reply = run(store, settings, "status", user="UNOBODY")
    assert "Last sent:" in reply and "Monday 24 November 2025 at 09:00 GMT" in reply
    assert ("Know your Core20 population" in reply) or ("data-01" in reply)
    assert "Next prompt: Monday 1 December 2025 at 09:00 GMT" in reply


def test_unknown_commands_get_the_usage_and_are_escaped_for_slack(store, settings):
    reply = run(store, settings, "<!channel> please")
    assert "&lt;!channel&gt;" in reply and "<!channel>" not in reply and "prompts subscribe" in reply


def test_empty_command_shows_the_usage(store, settings):
    assert "prompts subscribe WEEKDAY HH:MM" in run(store, settings, "")


# --- CLI -----------------------------------------------------------------------------------------
@pytest.fixture
def cli(settings, monkeypatch):
    from bot.config import get_settings
    from bot.prompts.cli import prompts_app

    monkeypatch.setenv("HIBOT_DATABASE_URL", settings.effective_database_url)
    monkeypatch.setenv("HIBOT_PROMPTS_DIR", str(settings.prompts_dir))
    monkeypatch.setenv("HIBOT_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("HIBOT_USER_HASH_SALT", settings.user_hash_salt)
    get_settings.cache_clear()
    runner = CliRunner()
    yield lambda *args: runner.invoke(prompts_app, list(args))
    get_settings.cache_clear()


def test_cli_subscribe_then_status_as_json(cli, store):
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


def test_cli_subscribe_rejects_a_bad_target_and_a_bad_day(cli):
    assert cli("subscribe", "C123", "monday", "09:00").exit_code == 2
    r = cli("subscribe", "slack:C123", "someday", "09:00")
    assert r.exit_code == 2 and "day of the week" in r.output


def test_cli_unsubscribe(cli, store):
    cli("subscribe", "slack:C9", "monday", "09:00")
    assert cli("unsubscribe", "slack:C9").exit_code == 0
    assert store.get_subscription("slack", "C9") is None
    assert cli("unsubscribe", "slack:C9").exit_code == 1


def test_cli_pause_and_resume(cli, store):
    cli("subscribe", "slack:C9", "monday", "09:00")
    assert cli("pause", "slack:C9", "--reason", "ward move").exit_code == 0
    [row] = json.loads(cli("status", "--json").output)
    assert row["active"] is False and row["paused_reason"] == "ward move"
    assert cli("resume", "slack:C9").exit_code == 0
    [row] = json.loads(cli("status", "--json").output)
    assert row["active"] is True and row["paused_reason"] is None
    assert cli("pause", "slack:C404").exit_code == 1 and cli("resume", "slack:C404").exit_code == 1


def test_cli_lists_and_shows_prompts_as_json(cli):
    pytest.importorskip("bot.prompts.library")
    listed = json.loads(cli("list", "--json").output)
    assert [p["id"] for p in listed] == ["data-01", "lead-01"]
    shown = json.loads(cli("show", "lead-01", "--json").output)
    assert shown["question"] == PROMPTS[1]["question"]
    assert cli("show", "nope").exit_code == 1
