"""`prompts …` chat commands (permissions, validation, replies) and the schedule parsing behind them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.prompts.commands import REFUSAL, handle_prompts_command, refusal_text
from bot.prompts.subscriptions import (
    ScheduleError,
    next_send_time,
    parse_audience,
    parse_time,
    parse_timezone,
    parse_weekday,
)
from tests.support.scheduling import lead_settings

WED = datetime(2025, 11, 26, 12, 0, tzinfo=UTC)  # Wednesday, GMT


@pytest.fixture
def settings(tmp_path, db_url):
    return lead_settings(tmp_path, db_url)


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
    "text,hhmm",
    [
        ("09:00", "09:00"),
        ("9:00", "09:00"),
        ("9am", "09:00"),
        ("9 AM", "09:00"),
        ("9:05", "09:05"),
        ("23:59", "23:59"),
        ("7.30", "07:30"),
        ("1:30pm", "13:30"),
        ("12pm", "12:00"),
        ("12am", "00:00"),
    ],
)
def test_times_are_normalised_to_hh_mm(text, hhmm):
    assert parse_time(text) == hhmm


@pytest.mark.parametrize("text", ["24:00", "13pm", "0am", "09:60", "0900", "9", ""])
def test_invalid_times_are_refused(text):
    with pytest.raises(ScheduleError, match="is not a time. Use 9am"):
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
    reply = run(store, settings, "subscribe monday 25:00")
    assert "is not a time" in reply and "prompts subscribe" in reply
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
    assert run(store, settings, "subscribe monday 09:00", user="ULEAD", platform="teams") == refusal_text(
        "teams"
    )


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


def test_unknown_commands_get_the_usage_in_plain_text(store, settings):
    # Plain text: escaping for Slack mrkdwn is the Slack renderer's job (Teams shows it as it is).
    reply = run(store, settings, "<!channel> please")
    assert "'<!channel>'" in reply and "&lt;" not in reply and "prompts subscribe" in reply


def test_empty_command_shows_the_usage(store, settings):
    assert "prompts subscribe WEEKDAY HH:MM" in run(store, settings, "")
