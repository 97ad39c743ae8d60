"""The weekly prompt scheduler against real databases, with an injected clock and in-process fake
senders (the platform edge). Exactly once per subscription per local ISO week: racing replicas,
a replica killed between claim and post, DST, missed slots, and a bot removed from a channel."""

from __future__ import annotations

import asyncio
import itertools
import json
import multiprocessing
import os
import random
import re
import signal
import subprocess
import sys
import textwrap
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from bot.models import Answer, Citation, ConversationGone, Prompt
from bot.prompts.scheduler import LEASE, Scheduler
from bot.storage import Store
from tests.support.pg import fresh_database

ROOT = Path(__file__).resolve().parent.parent
LONDON = ZoneInfo("Europe/London")
MON = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # Monday 2 March 2026 (ISO week 10), GMT


def prompt(pid: str, audience: str = "all", tags: tuple[str, ...] = ("general",)) -> Prompt:
    return Prompt(
        id=pid,
        title=f"Title {pid}",
        audience=audience,
        tags=list(tags),
        body=f"Body of {pid}.",
        question=f"What does guidance say about {pid}?",
        action="ask",
    )


LIBRARY = [
    prompt("p1", "clinicians", ("data",)),
    prompt("p2", "board members", ("governance",)),
    prompt("p3", "all", ("data", "governance")),
    prompt("p4", "leaders", ("workforce",)),
]


class FakeEngine:
    """Where the answer's wording does not matter (timing, races), a cited answer without the index."""

    def __init__(self):
        self.questions: list[str] = []

    def answer(self, question: str, history=None) -> Answer:
        self.questions.append(question)
        c = Citation(
            n=1,
            doc_id="d",
            title="Guide",
            publisher="NHS",
            year=2024,
            section=None,
            page=3,
            url=None,
            quote="A quoted passage.",
            chunk_id="d#1",
            score=0.5,
        )
        return Answer(
            question=question,
            abstained=False,
            reason=None,
            answer="A quoted passage [1].",
            citations=[c],
            index_build_id="fake",
        )


@dataclass
class Sent:
    conversation_id: str
    reference: dict | None
    prompt_id: str
    answer: Answer


class RecordingSender:
    """The platform edge: records every post and returns a message id, as Slack/Teams would."""

    def __init__(self, platform: str = "slack", jitter: bool = False):
        self.platform = platform
        self.sent: list[Sent] = []
        self.jitter = jitter
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    async def send_prompt(self, conversation_id, reference, prompt, answer) -> str:
        if self.jitter:  # shuffle the interleaving of racing replicas
            await asyncio.sleep(random.random() / 500)
        with self._lock:
            self.sent.append(Sent(conversation_id, reference, prompt.id, answer))
            return f"{self.platform}-{next(self._ids)}"


class GoneSender(RecordingSender):
    async def send_prompt(self, conversation_id, reference, prompt, answer) -> str:
        raise ConversationGone("channel_not_found")


class FlakySender(RecordingSender):
    def __init__(self, failures: int):
        super().__init__()
        self.failures = failures

    async def send_prompt(self, conversation_id, reference, prompt, answer) -> str:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("Slack 500")
        return await super().send_prompt(conversation_id, reference, prompt, answer)


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def make(store, clock, sender=None, library=LIBRARY, engine=None):
    sender = sender or RecordingSender()
    return Scheduler(store, engine or FakeEngine(), library, {sender.platform: sender}, clock=clock), sender


def tick(scheduler, dry_run=False):
    return asyncio.run(scheduler.run_due(dry_run=dry_run))


def at(clock: Clock, when: datetime) -> Clock:
    clock.now = when
    return clock


# --- the basic contract --------------------------------------------------------------------------
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
        for _ in range(200):
            if sender.sent:
                break
            await asyncio.sleep(0.01)
        task.cancel()

    asyncio.run(scenario())
    assert Blip.calls >= 2 and len(sender.sent) == 1


# --- failures ------------------------------------------------------------------------------------
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


# --- downtime ------------------------------------------------------------------------------------
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


def test_a_slot_inside_the_spring_forward_gap_is_sent_once_just_after_it():
    store = Store("sqlite://")
    store.migrate()
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


# --- exactly once across replicas ----------------------------------------------------------------
ZONES = ["Europe/London", "UTC", "America/New_York", "Asia/Kolkata", "Australia/Sydney"]


def expected_outcomes(sub, ticks: list[datetime]) -> dict[str, str]:
    """Independent of the scheduler's arithmetic: walk local days for the subscription's weekday. A slot
    is due "sent" when some tick falls after it within the same local ISO week; if the next tick is
    already in a later week (a Sunday-evening slot with ticks hours apart), it is due "skipped"."""
    tz, out = ZoneInfo(sub.timezone), {}
    hh, mm = map(int, sub.time.split(":"))
    day = ticks[0].astimezone(tz).date() - timedelta(days=1)
    while day <= ticks[-1].astimezone(tz).date():
        slot = datetime(day.year, day.month, day.day, hh, mm, tzinfo=tz)
        if day.weekday() == sub.weekday and ticks[0] <= slot <= ticks[-1]:
            after = next(t for t in ticks if t >= slot)
            key = "{}-W{:02d}".format(*day.isocalendar()[:2])
            same_week = after.astimezone(tz).date().isocalendar()[:2] == day.isocalendar()[:2]
            out[key] = "sent" if same_week else "skipped"
        day += timedelta(days=1)
    return out


def _replica(url: str, ticks: list[datetime], barrier, out, seed: int) -> None:
    """One replica in its own process: its own engine, pool and senders; ticks in lockstep with the other."""
    random.seed(seed)
    store = Store(url)
    senders = {p: RecordingSender(p, jitter=True) for p in ("slack", "teams")}
    clock = Clock(ticks[0])
    scheduler = Scheduler(store, FakeEngine(), LIBRARY, senders, clock=clock)

    async def main():
        for t in ticks:
            await asyncio.to_thread(barrier.wait)  # both replicas tick at the same instant
            clock.now = t
            await scheduler.run_due()

    try:
        asyncio.run(main())
        out.put(("ok", [(x.conversation_id, x.prompt_id) for m in senders.values() for x in m.sent]))
    except BaseException as e:  # noqa: BLE001 - reported to the parent, which fails the test
        barrier.abort()
        out.put(("error", repr(e)))


def test_two_replicas_racing_on_postgres_deliver_each_week_exactly_once(pg_url):
    url = fresh_database(pg_url)
    setup = Store(url)
    setup.migrate()
    subs = []
    for i in range(50):
        platform = "slack" if i % 2 else "teams"
        subs.append(
            setup.subscribe(
                platform,
                f"conv-{i}",
                weekday=i % 7,
                time=f"{6 + i % 12:02d}:{(i * 7) % 60:02d}",
                timezone=ZONES[i % len(ZONES)],
                now=MON,
            )
        )
    end = MON + timedelta(weeks=8)
    step = timedelta(hours=11)  # ~120 ticks, landing on every hour of the day in turn
    ticks = [MON + step * n for n in range(int((end - MON) / step) + 1)]
    # Two processes (forked, so no re-import): real parallelism on two cores, as two replicas would have.
    ctx = multiprocessing.get_context("fork")
    barrier, out = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_replica, args=(url, ticks, barrier, out, seed)) for seed in (1, 2)]
    [p.start() for p in procs]
    reports = [out.get(timeout=120) for _ in procs]
    [p.join(timeout=30) for p in procs]
    assert [status for status, _ in reports] == ["ok", "ok"], reports
    by_replica = [len(sent) for _, sent in reports]
    posts = Counter(conv for _, sent in reports for conv, _prompt in sent)
    deliveries = setup.list_deliveries()
    outcomes = {(sub.id, key): o for sub in subs for key, o in expected_outcomes(sub, ticks).items()}
    expected = {k for k, o in outcomes.items() if o == "sent"}
    delivered = {(d.subscription_id, d.period_key) for d in deliveries if d.status == "sent"}
    skipped = {(d.subscription_id, d.period_key) for d in deliveries if d.status == "skipped"}
    duplicates, lost = sum(posts.values()) - len(delivered), len(expected - delivered)
    print(
        f"\nrace: {len(expected)} expected, {len(delivered)} delivered, {sum(posts.values())} posts "
        f"(replica split {by_replica}), duplicates {duplicates}, lost {lost}, "
        f"{len(skipped)} Sunday-night slots with no tick left in their week recorded as skipped"
    )
    assert len(outcomes) >= 50 * 7  # every subscription has 7 or 8 slots in the window
    assert delivered == expected and duplicates == 0 and lost == 0
    assert skipped == set(outcomes) - expected
    assert all(posts[sub.conversation_id] == sum(k[0] == sub.id for k in expected) for sub in subs)
    assert all(d.attempts == 1 for d in deliveries if d.status == "sent")
    assert {d.status for d in deliveries} <= {"sent", "skipped"}
    assert all(n > 0 for n in by_replica), "both replicas should have won some claims"
    for sub in subs:  # and the rotation held under the race: no repeat before the 4-prompt library is used up
        sent = [
            d.prompt_id
            for d in sorted(deliveries, key=lambda d: d.slot_at)
            if d.subscription_id == sub.id and d.status == "sent"
        ]
        assert sent == (["p1", "p2", "p3", "p4"] * 2)[: len(sent)]
    setup.close()


# --- a replica killed between claim and post ----------------------------------------------------
CHILD = textwrap.dedent("""
    import asyncio, json, sys
    from datetime import datetime
    from bot.models import Answer, Prompt
    from bot.prompts.scheduler import Scheduler
    from bot.storage import Store

    class Engine:
        def answer(self, question, history=None):
            return Answer(question=question, abstained=False, reason=None, answer="A quoted passage [1].")

    class Hang:
        platform = "slack"
        async def send_prompt(self, conversation_id, reference, prompt, answer):
            print("CLAIMED-AND-SENDING", flush=True)
            await asyncio.sleep(3600)

    url, now, library = sys.argv[1], datetime.fromisoformat(sys.argv[2]), [Prompt(**p) for p in json.loads(sys.argv[3])]
    asyncio.run(Scheduler(Store(url), Engine(), library, {"slack": Hang()}, clock=lambda: now).run_due())
""")


@pytest.mark.each_backend
def test_a_replica_killed_between_claim_and_post_is_retried_once_by_another(db_url):
    store = Store(db_url)
    store.migrate()
    store.subscribe("slack", "C1", weekday=0, time="09:00", timezone="UTC", now=MON)
    now = MON + timedelta(hours=9, minutes=1)
    library = [p.__dict__ for p in LIBRARY]
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, db_url, now.isoformat(), json.dumps(library)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        line = child.stdout.readline()
        assert line.strip() == "CLAIMED-AND-SENDING", child.stderr.read()
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    assert child.returncode == -signal.SIGKILL
    [d] = store.list_deliveries()
    assert (d.status, d.attempts, d.prompt_id) == ("claimed", 1, "p1")

    clock = Clock(now + timedelta(minutes=1))
    s, sender = make(store, clock)
    assert tick(s) == [] and sender.sent == []  # within the lease: the claim is respected
    at(clock, now + LEASE + timedelta(seconds=1))
    [r] = tick(s)
    assert (r.status, r.prompt_id, r.attempts) == ("sent", "p1", 2)
    at(clock, clock.now + LEASE * 3)
    assert tick(s) == []
    [d] = store.list_deliveries()
    assert (d.status, d.attempts, len(sender.sent)) == ("sent", 2, 1)
    store.close()


# --- the cron entry point --------------------------------------------------------------------------
def test_send_due_dry_run_lists_due_subscriptions_as_json(tmp_path, monkeypatch):
    pytest.importorskip("bot.prompts.library")
    from typer.testing import CliRunner

    from bot.config import get_settings
    from bot.prompts.cli import prompts_app

    prompts_dir = tmp_path / "prompts"
    prompts_dir.mkdir()
    for p in LIBRARY:
        (prompts_dir / f"{p.id}.yaml").write_text(yaml.safe_dump(p.__dict__))
    url = f"sqlite:///{tmp_path / 'hibot.db'}"
    store = Store(url)
    store.migrate()
    # The CLI runs on the real clock: Monday 00:00 UTC is always already past in the current week.
    store.subscribe(
        "slack", "C1", weekday=0, time="00:00", timezone="UTC", now=datetime(2020, 1, 1, tzinfo=UTC)
    )
    monkeypatch.setenv("HIBOT_DATABASE_URL", url)
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
