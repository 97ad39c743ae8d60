"""`Store`: the only code that talks to the database (SQLite by default, PostgreSQL in deploy).

Synchronous SQLAlchemy 2 Core on purpose: every call is one short transaction, so async callers
wrap it in `asyncio.to_thread` and nothing holds a connection across an await.

SQLite runs in WAL mode with a busy timeout, and every transaction starts with `BEGIN IMMEDIATE`:
pysqlite's default deferred transactions upgrade a read lock to a write lock mid-transaction, which
fails at once (SQLITE_BUSY, no waiting) when two processes race; taking the write lock up front makes
concurrent writers queue behind the busy timeout instead.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import and_, create_engine, delete, event, func, or_, select, text, update
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import StaticPool

from bot.models import Answer
from bot.storage.records import Claim, Conversation, Delivery, StoredAnswer, Subscription, from_row
from bot.storage.schema import (
    AnswerRow,
    ConversationRow,
    DeliveryRow,
    EventSeenRow,
    FeedbackRow,
    SubscriptionRow,
)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_S = 30
# Any constant works; it only has to be the same in every replica that migrates at start-up.
_MIGRATION_LOCK_KEY = 0x68696_B07

conversations = ConversationRow.__table__
subscriptions = SubscriptionRow.__table__
deliveries = DeliveryRow.__table__
feedback = FeedbackRow.__table__
events_seen = EventSeenRow.__table__
answers = AnswerRow.__table__


def utcnow() -> datetime:
    return datetime.now(UTC)


def _engine_for(url: str) -> Engine:
    u = make_url(url)
    if u.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, future=True)
    memory = u.database in (None, "", ":memory:")
    if memory:
        # One shared connection, or every thread would see its own empty database.
        engine = create_engine(
            url,
            poolclass=StaticPool,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_S},
        )
    else:
        Path(u.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (below)
        cur = dbapi_conn.cursor()
        if not memory:
            cur.execute("PRAGMA journal_mode=WAL")
            # In WAL mode NORMAL survives a killed process (only power loss can drop the last commits);
            # FULL fsyncs every commit and was the largest cost of a Teams message here.
            cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class Store:
    """Conversations, the answer audit trail, feedback, retry dedupe, subscriptions and deliveries."""

    def __init__(self, url: str, user_hash_salt: str = "hibot"):
        self.url = url
        self.engine = _engine_for(url)
        self.dialect = self.engine.dialect.name
        self._salt = user_hash_salt

    # --- lifecycle ------------------------------------------------------------------------------
    def migrate(self) -> None:
        """Alembic upgrade to head; idempotent, and safe when several replicas start together."""
        self._alembic("upgrade", "head")

    def _alembic(self, command_name: str, *args, **kwargs) -> None:
        """Run an Alembic command on this store's engine, e.g. to write the next migration:
        `Store(url)._alembic("revision", message="add x", autogenerate=True)` (then review the file)."""
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        with self.engine.begin() as conn:
            if self.dialect == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK_KEY})
            cfg.attributes["connection"] = conn
            getattr(command, command_name)(cfg, *args, **kwargs)

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def close(self) -> None:
        self.engine.dispose()

    def hash_user(self, platform: str, user_id: str) -> str:
        return hashlib.sha256(f"{self._salt}\x00{platform}\x00{user_id}".encode()).hexdigest()

    def _one(self, model, query):
        """The first row of `query` as a `model` dataclass, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return from_row(model, row) if row else None

    def _all(self, model, query) -> list:
        with self.engine.connect() as conn:
            return [from_row(model, r) for r in conn.execute(query)]

    def _insert(self, table):
        if self.dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        return insert(table)

    # --- retry dedupe ---------------------------------------------------------------------------
    def claim_event(self, platform: str, event_id: str, now: datetime | None = None) -> bool:
        stmt = (
            self._insert(events_seen)
            .values(platform=platform, event_id=event_id, seen_at=now or utcnow())
            .on_conflict_do_nothing(index_elements=["platform", "event_id"])
            .returning(events_seen.c.id)
        )
        with self.engine.begin() as conn:
            return conn.execute(stmt).first() is not None

    # --- answers and feedback -------------------------------------------------------------------
    def save_answer(
        self,
        answer: Answer,
        platform: str,
        rendered: dict | str,
        user_id: str | None = None,
        *,
        corpus_hash: str | None = None,
        now: datetime | None = None,
    ) -> None:
        """Audit trail. `answer.question` is already redacted; the raw question is never passed here.
        Saving the same answer_id again (e.g. shared to a channel) keeps the first record."""
        stmt = (
            self._insert(answers)
            .values(
                answer_id=answer.answer_id,
                question_hash=hashlib.sha256(answer.question.encode()).hexdigest(),
                question_redacted=answer.question,
                answer_json=answer.to_dict(),
                rendered_json=rendered,
                platform=platform,
                user_hash=self.hash_user(platform, user_id) if user_id else None,
                index_build_id=answer.index_build_id,
                corpus_hash=corpus_hash,
                created=now or utcnow(),
            )
            .on_conflict_do_nothing(index_elements=["answer_id"])
        )
        with self.engine.begin() as conn:
            conn.execute(stmt)

    def get_answer(self, answer_id: str) -> StoredAnswer | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(answers).where(answers.c.answer_id == answer_id)).first()
        if row is None:
            return None
        return StoredAnswer(
            answer=Answer.from_dict(row.answer_json),
            rendered=row.rendered_json,
            platform=row.platform,
            created=row.created,
            user_hash=row.user_hash,
            index_build_id=row.index_build_id,
            corpus_hash=row.corpus_hash,
        )

    def add_feedback(
        self,
        platform: str,
        user_id: str,
        answer_id: str,
        rating: int,
        comment: str | None = None,
        *,
        now: datetime | None = None,
    ) -> None:
        if rating not in (1, -1):
            raise ValueError("rating must be +1 or -1")
        with self.engine.begin() as conn:
            conn.execute(
                feedback.insert().values(
                    platform=platform,
                    user_hash=self.hash_user(platform, user_id),
                    answer_id=answer_id,
                    rating=rating,
                    comment=comment,
                    created=now or utcnow(),
                )
            )

    def list_feedback(self, answer_id: str | None = None) -> list[dict[str, Any]]:
        q = select(feedback).order_by(feedback.c.id)
        if answer_id:
            q = q.where(feedback.c.answer_id == answer_id)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    # --- conversations --------------------------------------------------------------------------
    def upsert_conversation(
        self,
        platform: str,
        conversation_id: str,
        reference: dict | None = None,
        *,
        channel_id: str | None = None,
        team_id: str | None = None,
        name: str | None = None,
        kind: str | None = None,
        now: datetime | None = None,
    ) -> None:
        """Called on install and on every message: (re)marks the conversation installed and not removed.
        Fields passed as None keep their stored value (a later message may carry less context)."""
        now = now or utcnow()
        values = {
            "platform": platform,
            "conversation_id": conversation_id,
            "reference": reference,
            "channel_id": channel_id,
            "team_id": team_id,
            "name": name,
            "kind": kind,
        }
        stmt = self._insert(conversations).values(
            **values, installed=True, removed=False, created=now, updated=now
        )
        keep = {
            k: func.coalesce(stmt.excluded[k], conversations.c[k])
            for k in ("channel_id", "team_id", "name", "kind")
        }
        if reference is not None:  # JSON columns do not coalesce portably; only overwrite when given
            keep["reference"] = stmt.excluded.reference
        stmt = stmt.on_conflict_do_update(
            index_elements=["platform", "conversation_id"],
            set_={**keep, "installed": True, "removed": False, "updated": now},
        )
        with self.engine.begin() as conn:
            conn.execute(stmt)

    def mark_conversation_removed(
        self, platform: str, conversation_id: str, now: datetime | None = None
    ) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(conversations)
                .where(
                    conversations.c.platform == platform, conversations.c.conversation_id == conversation_id
                )
                .values(removed=True, updated=now or utcnow())
            )

    def get_conversation(self, platform: str, conversation_id: str) -> Conversation | None:
        return self._one(Conversation, select(conversations).where(
            conversations.c.platform == platform, conversations.c.conversation_id == conversation_id))

    def list_conversations(
        self, platform: str, kind: str | None = None, include_removed: bool = False
    ) -> list[Conversation]:
        q = select(conversations).where(conversations.c.platform == platform).order_by(conversations.c.id)
        if kind:
            q = q.where(conversations.c.kind == kind)
        if not include_removed:
            q = q.where(conversations.c.removed.is_(False))
        return self._all(Conversation, q)

    # --- retention and erasure ------------------------------------------------------------------
    def purge(self, older_than_days: int, now: datetime | None = None) -> dict[str, int]:
        """Delete answers, feedback and seen events older than the cut-off. Subscriptions and delivery
        history stay: the rotation depends on them and they hold no personal data."""
        cutoff = (now or utcnow()) - timedelta(days=older_than_days)
        with self.engine.begin() as conn:
            return {
                "answers": conn.execute(delete(answers).where(answers.c.created < cutoff)).rowcount,
                "feedback": conn.execute(delete(feedback).where(feedback.c.created < cutoff)).rowcount,
                "events_seen": conn.execute(
                    delete(events_seen).where(events_seen.c.seen_at < cutoff)
                ).rowcount,
            }

    def forget_user(self, platform: str, user_id: str) -> int:
        """Erase one person: their feedback and answers go; subscriptions they created stay but lose
        the link to them. Returns the number of records deleted or anonymised."""
        h = self.hash_user(platform, user_id)
        with self.engine.begin() as conn:
            n = conn.execute(
                delete(feedback).where(feedback.c.platform == platform, feedback.c.user_hash == h)
            ).rowcount
            n += conn.execute(
                delete(answers).where(answers.c.platform == platform, answers.c.user_hash == h)
            ).rowcount
            n += conn.execute(
                update(subscriptions)
                .where(subscriptions.c.platform == platform, subscriptions.c.created_by == h)
                .values(created_by=None)
            ).rowcount
        return n

    # --- subscriptions --------------------------------------------------------------------------
    def subscribe(
        self,
        platform: str,
        conversation_id: str,
        *,
        weekday: int,
        time: str,
        timezone: str,
        audience: str | None = None,
        tag: str | None = None,
        created_by: str | None = None,
        now: datetime | None = None,
    ) -> Subscription:
        """Create or replace this conversation's weekly slot (one per conversation) and make it active.
        Re-subscribing keeps the delivery history, so the rotation carries on without repeats.
        `created_by` is the raw platform user id; only its salted hash is stored."""
        if not 0 <= weekday <= 6:
            raise ValueError("weekday must be 0 (Monday) .. 6 (Sunday)")
        now = now or utcnow()
        values = {
            "weekday": weekday,
            "time": time,
            "timezone": timezone,
            "audience": audience,
            "tag": tag,
            "created_by": self.hash_user(platform, created_by) if created_by else None,
            "active": True,
            "paused_reason": None,
            "starts_at": now,
            "unsubscribed_at": None,
            "updated": now,
        }
        stmt = (
            self._insert(subscriptions)
            .values(platform=platform, conversation_id=conversation_id, created=now, **values)
            .on_conflict_do_update(index_elements=["platform", "conversation_id"], set_=values)
        )
        with self.engine.begin() as conn:
            conn.execute(stmt)
        sub = self.get_subscription(platform, conversation_id)
        assert sub is not None
        return sub

    def get_subscription(self, platform: str, conversation_id: str) -> Subscription | None:
        """The conversation's current subscription (None if never subscribed or unsubscribed)."""
        q = select(subscriptions).where(
            subscriptions.c.platform == platform,
            subscriptions.c.conversation_id == conversation_id,
            subscriptions.c.unsubscribed_at.is_(None),
        )
        return self._one(Subscription, q)

    def get_subscription_by_id(self, subscription_id: int) -> Subscription | None:
        return self._one(Subscription, select(subscriptions).where(subscriptions.c.id == subscription_id))

    def list_subscriptions(
        self, platform: str | None = None, *, active_only: bool = False, created_by: str | None = None
    ) -> list[Subscription]:
        """Current subscriptions (unsubscribed ones excluded). `created_by` is a raw user id (needs
        `platform`); it is hashed before the lookup, e.g. for a Slack App Home "your subscriptions"."""
        q = (
            select(subscriptions)
            .where(subscriptions.c.unsubscribed_at.is_(None))
            .order_by(subscriptions.c.id)
        )
        if platform:
            q = q.where(subscriptions.c.platform == platform)
        if active_only:
            q = q.where(subscriptions.c.active.is_(True))
        if created_by is not None:
            if not platform:
                raise ValueError("created_by needs the platform")
            q = q.where(subscriptions.c.created_by == self.hash_user(platform, created_by))
        return self._all(Subscription, q)

    def _update_subscription(self, platform: str, conversation_id: str, **values) -> int:
        with self.engine.begin() as conn:
            return conn.execute(
                update(subscriptions)
                .where(
                    subscriptions.c.platform == platform,
                    subscriptions.c.conversation_id == conversation_id,
                    subscriptions.c.unsubscribed_at.is_(None),
                )
                .values(**values)
            ).rowcount

    def _set_subscription(self, platform: str, conversation_id: str, **values) -> Subscription | None:
        n = self._update_subscription(platform, conversation_id, **values)
        return self.get_subscription(platform, conversation_id) if n else None

    def pause_subscription(
        self, platform: str, conversation_id: str, reason: str, now: datetime | None = None
    ) -> Subscription | None:
        return self._set_subscription(
            platform, conversation_id, active=False, paused_reason=reason[:255], updated=now or utcnow()
        )

    def resume_subscription(
        self, platform: str, conversation_id: str, now: datetime | None = None
    ) -> Subscription | None:
        """Active again from now on: slots that passed while paused are not sent late."""
        now = now or utcnow()
        return self._set_subscription(
            platform, conversation_id, active=True, paused_reason=None, starts_at=now, updated=now
        )

    def unsubscribe(self, platform: str, conversation_id: str, now: datetime | None = None) -> bool:
        now = now or utcnow()
        return (
            self._update_subscription(
                platform,
                conversation_id,
                active=False,
                paused_reason="unsubscribed",
                unsubscribed_at=now,
                updated=now,
            )
            == 1
        )

    # --- deliveries (the exactly-once ledger) ---------------------------------------------------
    def get_delivery(self, subscription_id: int, period_key: str) -> Delivery | None:
        return self._one(Delivery, select(deliveries).where(
            deliveries.c.subscription_id == subscription_id, deliveries.c.period_key == period_key))

    def list_deliveries(
        self, subscription_id: int | None = None, status: str | None = None
    ) -> list[Delivery]:
        q = select(deliveries).order_by(deliveries.c.subscription_id, deliveries.c.slot_at)
        if subscription_id is not None:
            q = q.where(deliveries.c.subscription_id == subscription_id)
        if status:
            q = q.where(deliveries.c.status == status)
        return self._all(Delivery, q)

    def recent_deliveries(self, since: datetime) -> list[Delivery]:
        """Every delivery row whose slot is at or after `since`: one query per scheduler tick."""
        return self._all(Delivery, select(deliveries).where(deliveries.c.slot_at >= since).order_by(deliveries.c.id))

    def sent_prompt_ids(self, subscription_id: int) -> list[str]:
        """Prompts already delivered (or being delivered) to this subscription, oldest first."""
        q = (
            select(deliveries.c.prompt_id)
            .where(
                deliveries.c.subscription_id == subscription_id,
                deliveries.c.status.in_(("sent", "claimed")),
                deliveries.c.prompt_id.is_not(None),
            )
            .order_by(deliveries.c.slot_at)
        )
        with self.engine.connect() as conn:
            return [r[0] for r in conn.execute(q)]

    def claim_delivery(
        self,
        subscription_id: int,
        period_key: str,
        slot_at: datetime,
        prompt_id: str | None,
        *,
        now: datetime,
        lease: timedelta,
        max_attempts: int,
    ) -> Claim | None:
        """Take the right to send this (subscription, period), or return None if someone else has it.

        First claim: INSERT under UNIQUE(subscription_id, period_key); exactly one concurrent inserter
        wins. Otherwise a row exists: it can be taken over only when its claim is older than `lease`
        (the claimant crashed) or its last send failed with attempts left. On PostgreSQL the row is
        picked with FOR UPDATE SKIP LOCKED so racing replicas do not queue on it, and on every backend
        the takeover is a conditional UPDATE on the old claim_token, so exactly one reclaimer wins.
        A retried row keeps its prompt_id: the channel gets the prompt that was chosen first."""
        token = uuid.uuid4().hex
        ins = (
            self._insert(deliveries)
            .values(
                subscription_id=subscription_id,
                period_key=period_key,
                slot_at=slot_at,
                prompt_id=prompt_id,
                status="claimed",
                claimed_at=now,
                claim_token=token,
                attempts=1,
                created=now,
            )
            .on_conflict_do_nothing(index_elements=["subscription_id", "period_key"])
            .returning(deliveries.c.id)
        )
        with self.engine.begin() as conn:
            row = conn.execute(ins).first()
            if row is not None:
                return Claim(row.id, token, prompt_id, 1, reclaimed=False)
            stale = (
                select(deliveries)
                .where(
                    deliveries.c.subscription_id == subscription_id,
                    deliveries.c.period_key == period_key,
                    deliveries.c.attempts < max_attempts,
                    or_(
                        and_(deliveries.c.status == "claimed", deliveries.c.claimed_at < now - lease),
                        deliveries.c.status == "failed",
                    ),
                )
                .with_for_update(skip_locked=True)
            )
            old = conn.execute(stale).first()
            if old is None:
                return None
            took = conn.execute(
                update(deliveries)
                .where(
                    deliveries.c.id == old.id,
                    deliveries.c.status == old.status,
                    deliveries.c.claim_token == old.claim_token,
                )
                .values(
                    status="claimed", claim_token=token, claimed_at=now, attempts=deliveries.c.attempts + 1
                )
            ).rowcount
            if took != 1:
                return None
            return Claim(old.id, token, old.prompt_id, old.attempts + 1, reclaimed=True)

    def holds_claim(self, claim: Claim) -> bool:
        """Checked just before posting, to shrink the window in which a takeover could double-send."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(deliveries.c.status, deliveries.c.claim_token).where(
                    deliveries.c.id == claim.delivery_id
                )
            ).first()
        return row is not None and row.status == "claimed" and row.claim_token == claim.token

    def mark_delivery_sent(
        self,
        claim: Claim,
        message_id: str | None,
        *,
        answer_id: str | None = None,
        prompt_id: str | None = None,
        now: datetime | None = None,
    ) -> bool:
        """Record the post. Returns False if the claim had been taken over meanwhile; the row is still
        marked sent (the message exists), which stops the other claimant before it posts.
        `prompt_id` corrects the row when a retry had to post a different prompt (the first choice
        was removed from the library), so the rotation history stays true."""
        values = {
            "status": "sent",
            "sent_at": now or utcnow(),
            "message_id": message_id,
            "answer_id": answer_id,
            "error": None,
        }
        if prompt_id is not None:
            values["prompt_id"] = prompt_id
        with self.engine.begin() as conn:
            mine = conn.execute(
                update(deliveries)
                .where(
                    deliveries.c.id == claim.delivery_id,
                    deliveries.c.claim_token == claim.token,
                    deliveries.c.status == "claimed",
                )
                .values(**values)
            ).rowcount
            if mine:
                return True
            conn.execute(
                update(deliveries)
                .where(deliveries.c.id == claim.delivery_id, deliveries.c.status.in_(("claimed", "failed")))
                .values(**values)
            )
            return False

    def mark_delivery_failed(
        self, claim: Claim, error: str, *, final: bool = False, max_attempts: int | None = None
    ) -> bool:
        """A send failed before the platform accepted it. Retried on a later tick while attempts are
        left, unless `final` (e.g. the bot was removed from the conversation)."""
        values: dict[str, Any] = {"status": "failed", "error": error[:2000]}
        if final and max_attempts is not None:
            values["attempts"] = max_attempts
        with self.engine.begin() as conn:
            return (
                conn.execute(
                    update(deliveries)
                    .where(
                        deliveries.c.id == claim.delivery_id,
                        deliveries.c.claim_token == claim.token,
                        deliveries.c.status == "claimed",
                    )
                    .values(**values)
                ).rowcount
                == 1
            )

    def record_skipped(
        self,
        subscription_id: int,
        period_key: str,
        slot_at: datetime,
        reason: str,
        now: datetime | None = None,
    ) -> bool:
        """Note a slot that will never be sent (missed while down past its week, or nothing to send).
        A no-op if the period already has a row."""
        stmt = (
            self._insert(deliveries)
            .values(
                subscription_id=subscription_id,
                period_key=period_key,
                slot_at=slot_at,
                status="skipped",
                attempts=0,
                error=reason[:2000],
                created=now or utcnow(),
            )
            .on_conflict_do_nothing(index_elements=["subscription_id", "period_key"])
            .returning(deliveries.c.id)
        )
        with self.engine.begin() as conn:
            return conn.execute(stmt).first() is not None
