"""The weekly scheduler when things go wrong: a database blip, a bot removed from a channel, a failed
post, a prompt gone from the library, a broken subscription, a platform with no sender."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.prompts.scheduler import Scheduler
from tests.support.polling import eventually_async
from tests.support.scheduling import (
    LIBRARY,
    MON,
    Clock,
    FakeEngine,
    FlakySender,
    GoneSender,
    RecordingSender,
    at,
    make,
    tick,
)


def test_run_forever_keeps_ticking_through_a_database_error(store):
    store.subscribe("slack", "C1", weekday=0, time="09:00", timezone="UTC", now=MON)

    class Blip:
        """The store, failing its first read as a dropped connection would."""

        calls = 0

        def __getattr__(self, name):
            return getattr(store, name)

        def list_subscriptions(self, *a, **k):
            Blip.calls += 1
            if Blip.calls == 1:
                raise ConnectionError("database restarting")
            return store.list_subscriptions(*a, **k)

    sender = RecordingSender()
    s = Scheduler(Blip(), FakeEngine(), LIBRARY, {"slack": sender}, clock=Clock(MON + timedelta(hours=10)))

    async def scenario():
        task = asyncio.create_task(s.run_forever(interval_s=0.02))
        try:
            await eventually_async(lambda: sender.sent, timeout=5, what="the post after the blip")
        finally:
            task.cancel()

    asyncio.run(scenario())
    assert Blip.calls >= 2 and len(sender.sent) == 1


def test_a_removed_bot_pauses_the_subscription_and_marks_the_conversation(store):
    store.upsert_conversation("slack", "C1", kind="channel")
    store.subscribe("slack", "C1", weekday=0, time="09:00", timezone="UTC", now=MON)
    clock = Clock(MON + timedelta(hours=10))
    s, _ = make(store, clock, GoneSender())
    [r] = tick(s)
    assert r.status == "paused"
    sub = store.get_subscription("slack", "C1")
    assert sub.active is False and "removed" in sub.paused_reason
    assert store.get_conversation("slack", "C1").removed is True
    [d] = store.list_deliveries()
    assert d.status == "failed" and "conversation gone" in d.error
    at(clock, clock.now + timedelta(weeks=1))
    assert tick(s) == []


def test_a_failed_post_is_retried_on_the_next_tick(store):
    store.subscribe("slack", "C1", weekday=0, time="09:00", timezone="UTC", now=MON)
    clock = Clock(MON + timedelta(hours=10))
    s, sender = make(store, clock, FlakySender(failures=1))
    assert [r.status for r in tick(s)] == ["failed"]
    at(clock, clock.now + timedelta(minutes=1))
    assert [r.status for r in tick(s)] == ["sent"]
    [d] = store.list_deliveries()
    assert (d.status, d.attempts, len(sender.sent)) == ("sent", 2, 1)


def test_a_retry_whose_prompt_left_the_library_posts_another_and_records_it(store):
    store.subscribe("slack", "C1", weekday=0, time="09:00", timezone="UTC", now=MON)
    clock = Clock(MON + timedelta(hours=10))
    s, _ = make(store, clock, FlakySender(failures=1))
    tick(s)
    assert store.list_deliveries()[0].prompt_id == "p1"
    smaller, sender = make(store, at(clock, clock.now + timedelta(minutes=1)), library=LIBRARY[1:])
    assert [r.prompt_id for r in tick(smaller)] == ["p2"]
    assert [x.prompt_id for x in sender.sent] == ["p2"] and store.list_deliveries()[0].prompt_id == "p2"


def test_one_broken_subscription_does_not_stop_the_others(store):
    store.subscribe("slack", "C1", weekday=0, time="09:00", timezone="Nowhere/Atlantis", now=MON)
    store.subscribe("slack", "C2", weekday=0, time="09:00", timezone="UTC", now=MON)
    s, sender = make(store, Clock(MON + timedelta(hours=10)))
    assert sorted((r.conversation_id, r.status) for r in tick(s)) == [("C1", "failed"), ("C2", "sent")]
    assert [x.conversation_id for x in sender.sent] == ["C2"]


def test_a_platform_without_a_sender_leaves_the_week_open(store):
    store.subscribe("teams", "19:x", weekday=0, time="09:00", timezone="UTC", now=MON)
    clock = Clock(MON + timedelta(hours=10))
    s, _ = make(store, clock, RecordingSender("slack"))
    [r] = tick(s)
    assert r.status == "failed" and "no sender" in r.error and store.list_deliveries() == []
    teams, sender = make(store, clock, RecordingSender("teams"))
    assert [r.status for r in tick(teams)] == ["sent"] and len(sender.sent) == 1
