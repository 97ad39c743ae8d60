"""The weekly scheduler's contract: one post per subscription per local week, after its slot, carrying
the engine's answer to the prompt's question; the rotation through the library and its filters."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.models import Prompt
from tests.support.scheduling import LIBRARY, MON, Clock, FakeEngine, RecordingSender, at, make, prompt, tick


def test_nothing_is_sent_before_the_slot_and_once_after_it(store):
    store.subscribe("slack", "C1", weekday=0, time="09:00", timezone="Europe/London", now=MON)
    clock = Clock(MON + timedelta(hours=8, minutes=59))
    s, sender = make(store, clock)
    assert tick(s) == [] and sender.sent == []
    at(clock, MON + timedelta(hours=9))
    [r] = tick(s)
    assert (r.status, r.period_key, r.message_id) == ("sent", "2026-W10", "slack-1")
    for minutes in (1, 60, 60 * 24 * 6):
        at(clock, MON + timedelta(hours=9, minutes=minutes))
        assert tick(s) == []
    assert len(sender.sent) == 1
    [d] = store.list_deliveries()
    assert (d.status, d.attempts, d.message_id, d.sent_at) == ("sent", 1, "slack-1", MON + timedelta(hours=9))


def test_the_post_carries_the_engines_answer_to_the_prompts_question_and_is_audited(store):
    store.upsert_conversation("teams", "19:x", {"serviceUrl": "https://smba.example/"})
    store.subscribe("teams", "19:x", weekday=0, time="09:00", timezone="UTC", now=MON)
    engine = FakeEngine()
    s, sender = make(store, Clock(MON + timedelta(hours=10)), RecordingSender("teams"), engine=engine)
    tick(s)
    [sent] = sender.sent
    assert sent.reference == {"serviceUrl": "https://smba.example/"}
    assert engine.questions == [LIBRARY[0].question] and sent.answer.question == LIBRARY[0].question
    [d] = store.list_deliveries()
    audit = store.get_answer(d.answer_id)
    assert audit.answer == sent.answer and audit.rendered["message_id"] == d.message_id
    assert LIBRARY[0].title in audit.rendered["text"]


def test_rotation_sends_every_prompt_before_repeating(store):
    store.subscribe("slack", "C1", weekday=2, time="12:00", timezone="UTC", now=MON)
    clock = Clock(MON)
    s, sender = make(store, clock)
    for week in range(9):
        at(clock, MON + timedelta(weeks=week, days=2, hours=13))
        tick(s)
    assert [x.prompt_id for x in sender.sent] == ["p1", "p2", "p3", "p4"] * 2 + ["p1"]


def test_audience_and_tag_filter_the_rotation(store):
    store.subscribe("slack", "C1", weekday=0, time="09:00", timezone="UTC", audience="clinicians", now=MON)
    store.subscribe("slack", "C2", weekday=0, time="09:00", timezone="UTC", tag="governance", now=MON)
    clock = Clock(MON)
    s, sender = make(store, clock)
    for week in range(4):
        at(clock, MON + timedelta(weeks=week, hours=10))
        tick(s)
    by_conv = {c: [x.prompt_id for x in sender.sent if x.conversation_id == c] for c in ("C1", "C2")}
    assert by_conv == {"C1": ["p1", "p3", "p1", "p3"], "C2": ["p2", "p3", "p2", "p3"]}


def test_when_no_prompt_matches_the_week_is_recorded_as_skipped(store):
    store.subscribe("slack", "C1", weekday=0, time="09:00", timezone="UTC", tag="nothing-has-this", now=MON)
    s, sender = make(store, Clock(MON + timedelta(hours=10)))
    [r] = tick(s)
    assert r.status == "skipped" and sender.sent == []
    [d] = store.list_deliveries()
    assert d.status == "skipped" and "no prompt" in d.error


def test_a_library_prompt_added_later_comes_next(store):
    store.subscribe("slack", "C1", weekday=0, time="09:00", timezone="UTC", now=MON)
    clock = Clock(MON + timedelta(hours=10))
    s, sender = make(store, clock, library=LIBRARY[:2])
    tick(s)
    at(clock, clock.now + timedelta(weeks=1))
    tick(s)
    bigger, _ = make(
        store, at(clock, clock.now + timedelta(weeks=1)), sender, library=[*LIBRARY[:2], prompt("p0")]
    )
    tick(bigger)
    assert [x.prompt_id for x in sender.sent] == ["p1", "p2", "p0"]


def test_paused_subscriptions_are_not_sent(store):
    store.subscribe("slack", "C1", weekday=0, time="09:00", timezone="UTC", now=MON)
    store.pause_subscription("slack", "C1", "paused by a lead")
    s, sender = make(store, Clock(MON + timedelta(hours=10)))
    assert tick(s) == [] and sender.sent == []


def test_subscribing_after_this_weeks_slot_waits_for_next_week(store):
    store.subscribe("slack", "C1", weekday=0, time="09:00", timezone="UTC", now=MON + timedelta(days=2))
    clock = Clock(MON + timedelta(days=3))
    s, sender = make(store, clock)
    assert tick(s) == []
    at(clock, MON + timedelta(weeks=1, hours=9))
    assert [r.status for r in tick(s)] == ["sent"]
    assert len(sender.sent) == 1


def test_dry_run_reports_what_is_due_without_claiming(store):
    store.subscribe("slack", "C1", weekday=0, time="09:00", timezone="UTC", now=MON)
    s, sender = make(store, Clock(MON + timedelta(hours=10)))
    [r] = tick(s, dry_run=True)
    assert (r.status, r.prompt_id) == ("due", "p1")
    assert store.list_deliveries() == [] and sender.sent == []
    assert [r.status for r in tick(s)] == ["sent"]


def test_a_weekly_post_carries_a_cited_answer_from_the_real_engine(store, engine):
    core20 = Prompt(
        id="core20",
        title="Core20PLUS5",
        audience="clinicians",
        tags=["core20"],
        body="Who are the Core20 in your patch?",
        question="What is Core20PLUS5?",
        action="analyse",
    )
    store.subscribe("slack", "C1", weekday=0, time="09:00", timezone="UTC", now=MON)
    s, sender = make(store, Clock(MON + timedelta(hours=9)), library=[core20], engine=engine)
    [r] = tick(s)
    assert r.status == "sent"
    [sent] = sender.sent
    answer = sent.answer
    assert answer.question == core20.question and not answer.abstained and answer.citations
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", answer.answer)}
    assert markers and markers <= {c.n for c in answer.citations}
    assert store.get_answer(store.list_deliveries()[0].answer_id).answer.citations == answer.citations


def test_a_prompt_written_in_chat_joins_the_rotation_on_the_next_tick_and_leaves_when_removed(store):
    store.subscribe("slack", "C1", weekday=0, time="09:00", timezone="UTC", now=MON)
    clock = Clock(MON + timedelta(hours=10))
    s, sender = make(store, clock, library=LIBRARY[:2])
    tick(s)  # p1
    local = Prompt(
        id="local-our-service",
        title="Our service",
        audience="all",
        tags=[],
        body="It takes self-referrals.",
        question="What is Core20PLUS5?",
        action="ask",
    )
    assert store.add_local_prompt(local, ("slack", "ULEAD"))
    at(clock, clock.now + timedelta(weeks=1))
    tick(s)  # the scheduler was built before the prompt existed: it still comes next (never sent)
    store.remove_local_prompt(local.id)
    for _ in range(2):
        at(clock, clock.now + timedelta(weeks=1))
        tick(s)
    assert [x.prompt_id for x in sender.sent] == ["p1", "local-our-service", "p2", "p1"]
