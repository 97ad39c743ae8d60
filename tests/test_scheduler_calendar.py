"""The weekly scheduler and the calendar: slots missed while down (sent late in the same week, skipped
in earlier weeks) and local wall-clock time across both daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tests.support.scheduling import LONDON, MON, Clock, at, make, tick


def test_a_slot_missed_earlier_in_the_same_week_is_sent_on_start_up(store):
    store.subscribe(
        "slack", "C1", weekday=0, time="09:00", timezone="Europe/London", now=MON - timedelta(days=1)
    )
    s, sender = make(store, Clock(MON + timedelta(days=4, hours=22)))  # first tick: Friday night
    [r] = tick(s)
    assert (r.status, r.period_key) == ("sent", "2026-W10") and len(sender.sent) == 1


def test_a_slot_missed_in_an_earlier_week_is_recorded_as_skipped_not_sent(store):
    store.subscribe("slack", "C1", weekday=4, time="09:00", timezone="Europe/London", now=MON)
    s, sender = make(store, Clock(MON + timedelta(weeks=2, hours=1)))  # down from W10 Monday to W12 Monday
    results = tick(s)
    assert sorted((r.period_key, r.status) for r in results) == [
        ("2026-W10", "skipped"),
        ("2026-W11", "skipped"),
    ]
    assert sender.sent == []
    assert {(d.period_key, d.status) for d in store.list_deliveries()} == {
        ("2026-W10", "skipped"),
        ("2026-W11", "skipped"),
    }
    assert tick(s) == []


# --- DST -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("change_day", [date(2026, 3, 29), date(2026, 10, 25)], ids=["spring", "autumn"])
def test_a_0900_london_slot_stays_0900_local_across_the_clock_change(store, change_day):
    # A Sunday slot lands on the change day itself; the week before and after are on either side.
    first_week = change_day - timedelta(weeks=1)
    store.subscribe(
        "slack",
        "C1",
        weekday=6,
        time="09:00",
        timezone="Europe/London",
        now=datetime.combine(first_week, datetime.min.time(), UTC) - timedelta(days=1),
    )
    clock = Clock(MON)
    s, sender = make(store, clock)
    for week in range(3):
        day = first_week + timedelta(weeks=week)
        slot = datetime(day.year, day.month, day.day, 9, 0, tzinfo=LONDON).astimezone(UTC)
        at(clock, slot - timedelta(minutes=1))
        assert tick(s) == []
        at(clock, slot)
        assert [r.status for r in tick(s)] == ["sent"]
    sent_local = [d.sent_at.astimezone(LONDON) for d in store.list_deliveries()]
    assert [(t.hour, t.minute) for t in sent_local] == [(9, 0)] * 3
    assert len({d.sent_at.astimezone(UTC).hour for d in store.list_deliveries()}) == 2  # UTC hour did move
    assert len(sender.sent) == 3


def test_a_slot_inside_the_spring_forward_gap_is_sent_once_just_after_it(store):
    store.subscribe(
        "slack",
        "C1",
        weekday=6,
        time="01:30",
        timezone="Europe/London",
        now=datetime(2026, 3, 28, tzinfo=UTC),
    )
    # Clocks jump 01:00 GMT -> 02:00 BST that morning, so 01:30 never shows on a London wall clock.
    clock = Clock(datetime(2026, 3, 29, 1, 29, tzinfo=UTC))  # 02:29 BST
    s, sender = make(store, clock)
    assert tick(s) == []
    at(clock, datetime(2026, 3, 29, 1, 30, tzinfo=UTC))  # 02:30 BST, the first instant past "01:30"
    assert [r.status for r in tick(s)] == ["sent"]
    at(clock, datetime(2026, 3, 29, 23, 0, tzinfo=UTC))
    assert tick(s) == [] and len(sender.sent) == 1
