"""The Store on real SQLite and real PostgreSQL (a throw-away cluster): every test runs on both."""

from __future__ import annotations

import asyncio
import hashlib
import threading
from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from bot.models import Action, Answer, Citation
from bot.storage import Store
from bot.storage.base import MIGRATIONS_DIR
from bot.storage.purge import RetentionJob
from bot.storage.schema import Base
from tests.support.fixtures import USER_HASH_SALT
from tests.support.pg import fresh_database

pytestmark = pytest.mark.each_backend

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TABLES = {"conversations", "subscriptions", "deliveries", "feedback", "events_seen", "answers"}


def make_answer(question: str = "What is Core20PLUS5?") -> Answer:
    c = Citation(
        n=1,
        doc_id="core20plus5",
        title="Core20PLUS5",
        publisher="NHS England",
        year=2023,
        section="Overview",
        page=None,
        url="https://example.org/c",
        quote="Core20PLUS5 is an approach",
        chunk_id="core20plus5#0",
        score=0.7,
        currency_note=None,
    )
    return Answer(
        question=question,
        abstained=False,
        reason=None,
        answer="Core20PLUS5 is an approach [1].",
        citations=[c],
        actions=[Action(type="ask", text="Ask about it.", citation=1)],
        warnings=[],
        timing_ms={"total": 5.0},
        index_build_id="build-1",
    )


def dump(store: Store) -> str:
    """Every value in every table, as text: for checking what is (not) stored."""
    with store.engine.connect() as conn:
        return "\n".join(
            str(tuple(r)) for t in sorted(TABLES) for r in conn.execute(text(f"SELECT * FROM {t}"))
        )


def test_migrate_creates_every_table_and_is_idempotent(store):
    store.migrate()
    assert TABLES <= set(inspect(store.engine).get_table_names())
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    head = ScriptDirectory.from_config(config).get_current_head()
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head


def test_migrations_match_the_models(store):
    with store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diffs == []


def test_ping_raises_when_the_database_is_unreachable():
    with pytest.raises(Exception):  # noqa: B017 - any driver error will do; the point is that it raises
        Store("postgresql+psycopg://postgres@127.0.0.1:1/none").ping()


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 'sub' / 'h.db'}")
    s.migrate()
    with s.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_claim_event_is_true_once_and_survives_a_restart(store, db_url):
    assert store.claim_event("slack", "Ev1") is True
    assert store.claim_event("slack", "Ev1") is False
    assert store.claim_event("teams", "Ev1") is True  # same id on another platform is another event
    again = Store(db_url, user_hash_salt=USER_HASH_SALT)
    assert again.claim_event("slack", "Ev1") is False
    again.close()


def test_claim_event_has_one_winner_among_racing_threads(store):
    wins = []
    barrier = threading.Barrier(8)

    def race():
        barrier.wait()
        wins.append(store.claim_event("slack", "EvRace"))

    threads = [threading.Thread(target=race) for _ in range(8)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(wins) == [False] * 7 + [True]


def test_saved_answer_round_trips_with_its_rendered_payload(store):
    a = make_answer()
    payload = {"blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}]}
    store.save_answer(a, "slack", payload, user_id="U123", corpus_hash="c" * 64, now=T0)
    got = store.get_answer(a.answer_id)
    assert got.answer == a
    assert got.rendered == payload
    assert got.platform == "slack" and got.created == T0 and got.created.tzinfo is not None
    assert got.index_build_id == "build-1" and got.corpus_hash == "c" * 64


def test_rendered_text_payload_round_trips(store):
    a = make_answer()
    store.save_answer(a, "teams", "plain text as sent")
    assert store.get_answer(a.answer_id).rendered == "plain text as sent"


def test_answer_stores_a_hash_of_the_redacted_question_and_never_the_user_id(store):
    a = make_answer("What should I do about [postcode removed]?")
    store.save_answer(a, "slack", {}, user_id="U0SECRET1")
    store.add_feedback("slack", "U0SECRET1", a.answer_id, 1)
    everything = dump(store)
    assert "U0SECRET1" not in everything
    assert hashlib.sha256(a.question.encode()).hexdigest() in everything
    assert store.hash_user("slack", "U0SECRET1") in everything


def test_user_hash_depends_on_the_salt(db_url):
    assert Store(db_url, "a").hash_user("slack", "U1") != Store(db_url, "b").hash_user("slack", "U1")


def test_saving_an_answer_twice_keeps_the_first_record(store):
    a = make_answer()
    store.save_answer(a, "slack", {"first": True})
    store.save_answer(a, "slack", {"first": False})
    assert store.get_answer(a.answer_id).rendered == {"first": True}


def test_unknown_answer_is_none(store):
    assert store.get_answer("nope") is None


def test_feedback_is_stored_with_rating_and_comment(store):
    a = make_answer()
    store.save_answer(a, "teams", {})
    assert store.add_feedback("teams", "29:abc", a.answer_id, -1, "missed the point", now=T0)
    [row] = store.list_feedback(a.answer_id)
    assert (row["rating"], row["comment"], row["platform"]) == (-1, "missed the point", "teams")
    assert row["user_hash"] == store.hash_user("teams", "29:abc")


def test_feedback_for_an_answer_hibot_never_gave_is_not_stored(store):
    assert store.add_feedback("slack", "U1", "f" * 100_000, 1) is False
    assert store.list_feedback() == []


def test_a_changed_vote_replaces_the_old_one_and_a_long_comment_is_cut(store):
    a = make_answer()
    store.save_answer(a, "slack", {})
    for _ in range(3):
        store.add_feedback("slack", "U1", a.answer_id, 1)
    store.add_feedback("slack", "U1", a.answer_id, -1, "x" * 100_000)
    store.add_feedback("slack", "U2", a.answer_id, 1)
    rows = store.list_feedback(a.answer_id)
    assert sorted((r["rating"], len(r["comment"] or "")) for r in rows) == [(-1, 2000), (1, 0)]


def test_feedback_rating_must_be_plus_or_minus_one(store):
    with pytest.raises(ValueError):
        store.add_feedback("slack", "U1", "a", 5)


def test_conversation_reference_is_kept_when_a_later_message_carries_none(store):
    ref = {"conversation": {"id": "19:x"}, "serviceUrl": "https://smba.example/"}
    store.upsert_conversation("teams", "19:x", ref, team_id="T1", name="Equity", kind="channel")
    store.upsert_conversation("teams", "19:x", None, kind=None)
    c = store.get_conversation("teams", "19:x")
    assert (c.reference, c.team_id, c.name, c.kind, c.installed, c.removed) == (
        ref,
        "T1",
        "Equity",
        "channel",
        True,
        False,
    )


def test_removed_conversation_is_hidden_until_the_bot_hears_from_it_again(store):
    store.upsert_conversation("slack", "C1", kind="channel")
    store.upsert_conversation("slack", "D1", kind="im")
    store.mark_conversation_removed("slack", "C1")
    assert store.get_conversation("slack", "C1").removed is True
    assert [c.conversation_id for c in store.list_conversations("slack")] == ["D1"]
    assert {c.conversation_id for c in store.list_conversations("slack", include_removed=True)} == {
        "C1",
        "D1",
    }
    store.upsert_conversation("slack", "C1")
    assert store.get_conversation("slack", "C1").removed is False
    assert [c.conversation_id for c in store.list_conversations("slack", kind="channel")] == ["C1"]


def test_purge_deletes_old_answers_feedback_and_events_but_not_subscriptions(store):
    old, new = T0 - timedelta(days=40), T0 - timedelta(days=1)
    a_old, a_new = make_answer(), make_answer()
    store.save_answer(a_old, "slack", {}, now=old)
    store.save_answer(a_new, "slack", {}, now=new)
    store.add_feedback("slack", "U1", a_old.answer_id, 1, now=old)
    store.add_feedback("slack", "U1", a_new.answer_id, 1, now=new)
    store.claim_event("slack", "old", now=old)
    store.claim_event("slack", "new", now=new)
    store.subscribe("slack", "C1", weekday=0, time="09:00", timezone="Europe/London", now=old)
    assert store.purge(30, now=T0).items() >= {"answers": 1, "feedback": 1, "events_seen": 1}.items()
    assert store.get_answer(a_old.answer_id) is None and store.get_answer(a_new.answer_id) is not None
    assert store.claim_event("slack", "old") is True and store.claim_event("slack", "new") is False
    assert store.get_subscription("slack", "C1") is not None


def test_the_retention_job_purges_at_most_once_a_day(store):
    clock = [T0]
    job = RetentionJob(store, retention_days=30, clock=lambda: clock[0])
    store.save_answer(make_answer(), "slack", {}, now=T0 - timedelta(days=31))
    assert asyncio.run(job.run_due())["answers"] == 1
    store.save_answer(make_answer(), "slack", {}, now=T0 - timedelta(days=31))
    clock[0] = T0 + timedelta(hours=23)
    assert asyncio.run(job.run_due()) is None  # not a day yet
    clock[0] = T0 + timedelta(days=1)
    assert asyncio.run(job.run_due())["answers"] == 1


def test_forget_user_deletes_their_data_and_anonymises_their_subscriptions(store):
    mine, theirs = make_answer(), make_answer()
    store.save_answer(mine, "slack", {}, user_id="U_GONE")
    store.save_answer(theirs, "slack", {}, user_id="U_STAYS")
    store.add_feedback("slack", "U_GONE", theirs.answer_id, -1)
    store.add_feedback("slack", "U_STAYS", theirs.answer_id, 1)
    store.subscribe("slack", "C1", weekday=0, time="09:00", timezone="UTC", created_by="U_GONE")
    store.subscribe("slack", "C2", weekday=0, time="09:00", timezone="UTC", created_by="U_STAYS")
    assert store.forget_user("slack", "U_GONE") == 3
    assert store.get_answer(mine.answer_id) is None and store.get_answer(theirs.answer_id) is not None
    assert [f["user_hash"] for f in store.list_feedback()] == [store.hash_user("slack", "U_STAYS")]
    assert store.get_subscription("slack", "C1").created_by is None
    assert store.get_subscription("slack", "C1").active is True
    assert store.get_subscription("slack", "C2").created_by == store.hash_user("slack", "U_STAYS")
    assert store.forget_user("slack", "U_GONE") == 0


def test_subscription_lifecycle(store):
    sub = store.subscribe(
        "slack",
        "C1",
        weekday=4,
        time="13:30",
        timezone="Europe/London",
        audience="clinicians",
        tag="data",
        created_by="ULEAD",
        now=T0,
    )
    assert (sub.weekday, sub.time, sub.timezone, sub.audience, sub.tag, sub.active) == (
        4,
        "13:30",
        "Europe/London",
        "clinicians",
        "data",
        True,
    )
    assert sub.created_by == store.hash_user("slack", "ULEAD") and sub.starts_at == T0
    assert store.list_subscriptions("slack", created_by="ULEAD") == [sub]
    paused = store.pause_subscription("slack", "C1", "paused by a lead")
    assert (paused.active, paused.paused_reason) == (False, "paused by a lead")
    assert store.list_subscriptions(active_only=True) == []
    later = T0 + timedelta(days=3)
    resumed = store.resume_subscription("slack", "C1", now=later)
    assert (resumed.active, resumed.paused_reason, resumed.starts_at) == (True, None, later)
    assert store.unsubscribe("slack", "C1") is True
    assert store.get_subscription("slack", "C1") is None
    assert store.unsubscribe("slack", "C1") is False
    assert store.pause_subscription("slack", "C1", "x") is None


def test_resubscribing_replaces_the_slot_and_keeps_the_history(store):
    first = store.subscribe("slack", "C1", weekday=0, time="09:00", timezone="UTC", now=T0)
    store.claim_delivery(first.id, "2026-W10", T0, "p1", now=T0, lease=timedelta(minutes=5), max_attempts=5)
    store.unsubscribe("slack", "C1")
    again = store.subscribe("slack", "C1", weekday=2, time="10:00", timezone="Europe/Paris", now=T0)
    assert again.id == first.id and (again.weekday, again.time, again.timezone) == (
        2,
        "10:00",
        "Europe/Paris",
    )
    assert store.sent_prompt_ids(again.id) == ["p1"]


def test_a_delivery_period_can_be_claimed_only_once(store):
    sub = store.subscribe("slack", "C1", weekday=0, time="09:00", timezone="UTC", now=T0)
    lease = timedelta(minutes=5)
    first = store.claim_delivery(sub.id, "2026-W10", T0, "p1", now=T0, lease=lease, max_attempts=5)
    assert first is not None and first.attempts == 1 and not first.reclaimed
    assert (
        store.claim_delivery(
            sub.id, "2026-W10", T0, "p2", now=T0 + timedelta(minutes=4), lease=lease, max_attempts=5
        )
        is None
    )
    assert store.record_skipped(sub.id, "2026-W10", T0, "late") is False
    assert store.mark_delivery_sent(first, "ts-1", answer_id="a1", now=T0) is True
    d = store.get_delivery(sub.id, "2026-W10")
    assert (d.status, d.message_id, d.answer_id, d.prompt_id) == ("sent", "ts-1", "a1", "p1")
    assert (
        store.claim_delivery(
            sub.id, "2026-W10", T0, "p2", now=T0 + timedelta(days=1), lease=lease, max_attempts=5
        )
        is None
    )


def test_a_stale_claim_is_taken_over_by_exactly_one_of_many_racers(store):
    sub = store.subscribe("slack", "C1", weekday=0, time="09:00", timezone="UTC", now=T0)
    lease = timedelta(minutes=5)
    crashed = store.claim_delivery(sub.id, "2026-W10", T0, "p1", now=T0, lease=lease, max_attempts=5)
    later = T0 + timedelta(minutes=6)
    claims, barrier = [], threading.Barrier(8)

    def race():
        barrier.wait()
        claims.append(
            store.claim_delivery(sub.id, "2026-W10", T0, "p9", now=later, lease=lease, max_attempts=5)
        )

    threads = [threading.Thread(target=race) for _ in range(8)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    [winner] = [c for c in claims if c is not None]
    assert winner.reclaimed and winner.attempts == 2 and winner.prompt_id == "p1"  # keeps the first choice
    assert store.holds_claim(winner) and not store.holds_claim(crashed)
    assert store.mark_delivery_failed(crashed, "late") is False  # the old claimant can no longer touch it


def test_late_sender_marks_sent_and_stops_the_reclaimer(store):
    sub = store.subscribe("slack", "C1", weekday=0, time="09:00", timezone="UTC", now=T0)
    lease = timedelta(minutes=5)
    slow = store.claim_delivery(sub.id, "2026-W10", T0, "p1", now=T0, lease=lease, max_attempts=5)
    taker = store.claim_delivery(
        sub.id, "2026-W10", T0, "p1", now=T0 + timedelta(minutes=6), lease=lease, max_attempts=5
    )
    assert store.mark_delivery_sent(slow, "ts-slow") is False  # reported as a possible duplicate
    assert store.holds_claim(taker) is False  # so the taker does not post a second time
    assert store.get_delivery(sub.id, "2026-W10").status == "sent"


def test_failed_delivery_is_retried_until_attempts_run_out(store):
    sub = store.subscribe("slack", "C1", weekday=0, time="09:00", timezone="UTC", now=T0)
    lease, claim = timedelta(minutes=5), None
    for attempt in range(1, 4):
        claim = store.claim_delivery(sub.id, "2026-W10", T0, "p1", now=T0, lease=lease, max_attempts=3)
        assert claim is not None and claim.attempts == attempt
        assert store.mark_delivery_failed(claim, "HTTP 500") is True
    assert store.claim_delivery(sub.id, "2026-W10", T0, "p1", now=T0, lease=lease, max_attempts=3) is None
    assert store.get_delivery(sub.id, "2026-W10").error == "HTTP 500"


def test_concurrent_migrations_on_postgres_do_not_collide(pg_url):
    url = fresh_database(pg_url)
    errors, barrier = [], threading.Barrier(4)

    def migrate():
        try:
            s = Store(url)
            barrier.wait()
            s.migrate()
            s.close()
        except Exception as e:  # noqa: BLE001 - collected and asserted below
            errors.append(e)

    threads = [threading.Thread(target=migrate) for _ in range(4)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert errors == []
