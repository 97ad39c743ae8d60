"""What every part of the `Store` shares: the SQLAlchemy engine, migrations, and small query helpers.

Synchronous SQLAlchemy 2 Core on purpose: every call is one short transaction, so async callers
wrap it in `asyncio.to_thread` and nothing holds a connection across an await.

SQLite runs in WAL mode with a busy timeout, and every transaction starts with `BEGIN IMMEDIATE`:
pysqlite's default deferred transactions upgrade a read lock to a write lock mid-transaction, which
fails at once (SQLITE_BUSY, no waiting) when two processes race; taking the write lock up front makes
concurrent writers queue behind the busy timeout instead.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Select, Table, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import StaticPool

from bot.storage.records import from_row

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_S = 30
# Any constant works; it only has to be the same in every replica that migrates at start-up.
_MIGRATION_LOCK_KEY = 0x68696_B07

R = TypeVar("R")


def utcnow() -> datetime:
    return datetime.now(UTC)


def engine_for(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL, a busy timeout and BEGIN IMMEDIATE (see the module doc)."""
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
        Path(u.database or "").expanduser().parent.mkdir(parents=True, exist_ok=True)
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


class StoreBase:
    """The engine and helpers each per-concern part of `Store` (bot/storage/store.py) builds on."""

    def __init__(self, url: str, user_hash_salt: str = "hibot", *, store_questions: bool = True):
        """`store_questions=False` (HIBOT_STORE_QUESTIONS=false) keeps only each question's hash in
        the audit trail, not its redacted text: the leads' report then has no questions to show."""
        self.url = url
        self.engine = engine_for(url)
        self.dialect = self.engine.dialect.name
        self._salt = user_hash_salt
        self.store_questions = store_questions

    # --- lifecycle ------------------------------------------------------------------------------
    def migrate(self) -> None:
        """Alembic upgrade to head; idempotent, and safe when several replicas start together."""
        self._alembic("upgrade", "head")

    def _alembic(self, command_name: str, *args, **kwargs) -> None:
        """Run an Alembic command on this store's engine, e.g. to write the next migration:
        `Store(url)._alembic("revision", message="add x", autogenerate=True)` (then review the file)."""
        from alembic import command  # deferred: only migrations need Alembic
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
        """What is stored instead of a platform user id: a salted SHA-256."""
        return hashlib.sha256(f"{self._salt}\x00{platform}\x00{user_id}".encode()).hexdigest()

    # --- query helpers --------------------------------------------------------------------------
    def _one(self, model: type[R], query: Select) -> R | None:
        """The first row of `query` as a `model` dataclass, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return from_row(model, row) if row else None

    def _all(self, model: type[R], query: Select) -> list[R]:
        with self.engine.connect() as conn:
            return [from_row(model, r) for r in conn.execute(query)]

    def _insert(self, table: Table) -> Any:
        """INSERT with this backend's ON CONFLICT support (both dialects spell it the same way)."""
        dialect = postgresql if self.dialect == "postgresql" else sqlite
        return dialect.insert(table)
