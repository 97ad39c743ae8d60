"""The composition root: the one place that builds the engine, the store and the senders (Slack's Web
API client, Teams' Bot Connector) and hands them to the adapters, the scheduler and the CLI.

The collaborators are typed with the `Protocol`s below, so an adapter says what it uses and a test
can pass the real engine or store (or a stand-in with the same methods) without patching anything.
Platform SDKs are imported only when that platform is configured.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from bot import logs, metrics
from bot.config import Settings
from bot.models import Answer
from bot.storage.durable import DurableWrites
from bot.storage.lead_protocols import HelpRequests, Leads, LocalPrompts, PromptEngagement
from bot.storage.protocols import (
    AnswerAudit,
    Conversations,
    DeliveryLedger,
    EventDedupe,
    FeedbackLog,
    Subscriptions,
)
from bot.storage.turns import ConversationTurns

if TYPE_CHECKING:
    from slack_sdk.web.async_client import AsyncWebClient

    from bot.prompts.scheduler import PromptSender
    from bot.report.digest import DigestSender
    from bot.teams.connector import TeamsConnection

log = logs.get_logger("hibot.runtime")
T = TypeVar("T")


# --- contracts -----------------------------------------------------------------------------------
class AnswerEngine(Protocol):
    """What the adapters and the scheduler ask of the engine."""

    @property
    def build_id(self) -> str: ...

    def answer(self, question: str, history: list[str] | None = None) -> Answer: ...


class LoadedEngine(AnswerEngine, Protocol):
    """What the server needs besides answers: warming up, and the build's manifest (corpus hash and
    build time for the audit trail and /metrics)."""

    @property
    def manifest(self) -> dict[str, Any]: ...

    def warm(self) -> None: ...


class AdapterStore(
    EventDedupe,
    Conversations,
    AnswerAudit,
    FeedbackLog,
    Subscriptions,
    DeliveryLedger,
    ConversationTurns,
    LocalPrompts,
    Leads,
    HelpRequests,
    PromptEngagement,
    Protocol,
):
    """The store as the Slack and Teams adapters use it: the parts of bot.storage's protocols they call
    (subscriptions, deliveries, local prompts and leads for the `prompts …` and `leads …` commands;
    help requests for "Still need help?"; engagement with weekly-prompt posts)."""


@dataclass(frozen=True)
class FollowUps:
    """How much of a chat is read as context for a follow-up, on every surface (Slack DMs, Teams
    chats). From the issue: "the last 3 user messages within the last 30 minutes"."""

    turns: int = 3
    window: timedelta = timedelta(minutes=30)


FOLLOW_UPS = FollowUps()


# --- the engine as the server runs it ------------------------------------------------------------
class InstrumentedEngine:
    """The engine, timed and counted for /metrics, with in-flight answers tracked for shutdown.

    Answers run on a pool of their own (`pool`): database calls sleeping through an outage's retries
    fill the shared pool, and answers must not wait behind them. An answer is ~10 ms of CPU and the
    machine has few cores, so a few threads are plenty."""

    ANSWER_THREADS = 4

    def __init__(self, engine: LoadedEngine):
        self._engine = engine
        self.in_flight = 0
        self.pool = ThreadPoolExecutor(max_workers=self.ANSWER_THREADS, thread_name_prefix="hibot-answer")

    @property
    def build_id(self) -> str:
        return self._engine.build_id

    @property
    def manifest(self) -> dict[str, Any]:
        return self._engine.manifest

    def swap(self, engine: LoadedEngine) -> LoadedEngine:
        """Answer from `engine` (loaded and warmed already) from now on; returns the old one. One
        assignment, so each answer runs wholly on one build: those under way finish on the old one."""
        old, self._engine = self._engine, engine
        return old

    def warm(self) -> None:
        self._engine.warm()

    def answer(self, question: str, history: list[str] | None = None) -> Answer:
        self.in_flight += 1
        t0 = time.perf_counter()
        try:
            ans = self._engine.answer(question, history)
        finally:
            self.in_flight -= 1
        metrics.ANSWER_SECONDS.observe(time.perf_counter() - t0)
        metrics.ANSWERS.labels(abstained=str(ans.abstained).lower()).inc()
        if ans.abstained:
            metrics.ABSTENTIONS.labels(reason=ans.reason or "unknown").inc()
        log.info(
            "answered",
            question=ans.question,
            abstained=ans.abstained,
            reason=ans.reason,
            answer_id=ans.answer_id,
            citations=len(ans.citations),
            ms=ans.timing_ms.get("total"),
        )
        return ans


# --- the store as the server runs it -------------------------------------------------------------
class InstrumentedStore:
    """The store as the adapters see it: every call retried through a short database outage, feedback
    counted, and retry de-duplication degraded to memory (not lost answers) while the database is down.
    Adapters that must not wait for an outage (share targets, history) put their own deadline on a call."""

    NOT_RETRIED = frozenset({"ping", "close", "migrate", "hash_user"})
    MEMORY_DEDUPE_MAX = 50_000

    def __init__(self, store: Any, corpus_hash: str | None = None, outbox_dir: Path | None = None):
        self._store = store
        self.corpus_hash = corpus_hash
        self._seen_in_memory: dict[tuple[str, str], float] = {}
        # Writes a user's action produced go to a durable outbox when the database refuses them
        # (bot/storage/durable.py): the answer still reaches the user and nothing is lost silently.
        self.durable = DurableWrites(store, outbox_dir, retrying, transient) if outbox_dir else None

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._store, name)
        if not callable(attr) or name in self.NOT_RETRIED or name.startswith("_"):
            return attr

        def retried(*args: Any, **kwargs: Any) -> Any:
            return retrying(name, attr, *args, **kwargs)

        return retried

    def save_answer(
        self, answer: Answer, platform: str, rendered: Any, user_id: str | None = None, **kwargs: Any
    ) -> None:
        # The audit trail ties every answer to the exact corpus it was drawn from.
        kwargs.setdefault("corpus_hash", self.corpus_hash)
        if self.durable is not None:
            return self.durable.save_answer(answer, platform, rendered, user_id, **kwargs)
        retrying("save_answer", self._store.save_answer, answer, platform, rendered, user_id, **kwargs)

    def add_feedback(
        self,
        platform: str,
        user_id: str,
        answer_id: str,
        rating: int,
        comment: str | None = None,
        *,
        now: datetime | None = None,
    ) -> bool | None:
        if self.durable is not None:
            stored = self.durable.add_feedback(platform, user_id, answer_id, rating, comment, now=now)
        else:
            fn = self._store.add_feedback
            stored = retrying("add_feedback", fn, platform, user_id, answer_id, rating, comment, now=now)
        if stored is not False:  # False: an answer hibot never gave (nothing stored)
            metrics.FEEDBACK.labels(platform=platform, rating="up" if rating > 0 else "down").inc()
        return stored

    def add_turn(self, platform: str, conversation_id: str, question: str, **kwargs: Any) -> None:
        if self.durable is not None:
            return self.durable.add_turn(platform, conversation_id, question, **kwargs)
        retrying("add_turn", self._store.add_turn, platform, conversation_id, question, **kwargs)

    def outbox_pending(self) -> int:
        return self.durable.outbox.pending() if self.durable is not None else 0

    def claim_event(self, platform: str, event_id: str, *args: Any, **kwargs: Any) -> bool:
        try:
            return retrying(
                "claim_event", self._store.claim_event, platform, event_id, *args, attempts=3, **kwargs
            )
        except Exception as e:
            if not transient(e):
                raise
            # Answer rather than go silent: dedupe in this process until the database is back.
            key = (platform, event_id)
            if key in self._seen_in_memory:
                return False
            if len(self._seen_in_memory) > self.MEMORY_DEDUPE_MAX:
                self._seen_in_memory.clear()
            self._seen_in_memory[key] = time.time()
            log.warning("dedupe_degraded_to_memory", platform=platform)
            return True


def transient(e: BaseException) -> bool:
    names = {type(x).__name__ for x in (e, e.__cause__, e.__context__) if x is not None}
    return bool(
        names
        & {
            "OperationalError",
            "InterfaceError",
            "DisconnectionError",
            "TimeoutError",
            "ConnectionRefusedError",
            "ConnectionError",
        }
    )


class _Outage:
    """Whether a database call has just failed through all its retries. While it has, further calls
    try only twice: a long outage otherwise fills the thread pool with calls sleeping through ~16 s of
    retries that their callers stopped waiting for (reads with a deadline) or that the outbox would
    take anyway (writes), and every request queues behind them. The first success ends it."""

    FAIL_FAST_ATTEMPTS = 2
    HOLD_S = 5.0
    until = 0.0


def retrying(op: str, fn: Callable[..., T], *args: Any, attempts: int = 8, **kwargs: Any) -> T:
    """Database calls survive a short outage: retry with backoff (~16 s in all), then report."""
    if time.monotonic() < _Outage.until:
        attempts = min(attempts, _Outage.FAIL_FAST_ATTEMPTS)
    delay = 0.2
    for i in range(attempts):
        try:
            result = fn(*args, **kwargs)
            _Outage.until = 0.0
            return result
        except Exception as e:
            if i == attempts - 1 or not transient(e):
                if transient(e):
                    _Outage.until = time.monotonic() + _Outage.HOLD_S
                    metrics.DB_ERRORS.labels(operation=op).inc()
                    log.error("db_call_failed", operation=op, error=type(e).__name__)
                raise
            if i == 0:
                log.warning("db_call_retrying", operation=op, error=type(e).__name__)
            time.sleep(delay)
            delay = min(delay * 2, 5.0)
    raise AssertionError("unreachable")


# --- the whole process ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Platforms:
    """The senders, each built once: Slack's Web API client (429-retrying, shared by the event
    handlers and the weekly prompts) and Teams' Bot Connector (auth + CloudAdapter, likewise)."""

    slack_client: AsyncWebClient | None = None  # None: SLACK_BOT_TOKEN not set
    teams: TeamsConnection | None = None  # None: Teams misconfigured (see teams_error)
    teams_error: str | None = None

    def prompt_senders(self) -> dict[str, PromptSender]:
        senders: dict[str, PromptSender] = {}
        if self.slack_client is not None:
            from bot.slack.sender import SlackPromptSender

            senders["slack"] = SlackPromptSender(self.slack_client)
        if self.teams is not None:
            from bot.teams.sender import TeamsPromptSender

            senders["teams"] = TeamsPromptSender(self.teams)
        return senders

    def digest_senders(self) -> dict[str, DigestSender]:
        """The weekly leads digest's senders, on the same clients as the prompts."""
        senders: dict[str, DigestSender] = {}
        if self.slack_client is not None:
            from bot.slack.digest import SlackDigestSender

            senders["slack"] = SlackDigestSender(self.slack_client)
        if self.teams is not None:
            from bot.teams.digest import TeamsDigestSender

            senders["teams"] = TeamsDigestSender(self.teams)
        return senders


def connect_platforms(settings: Settings) -> Platforms:
    slack_client = None
    if settings.slack_bot_token:
        from bot.slack.client import make_client

        slack_client = make_client(settings, settings.slack_bot_token)
    from bot.teams.connector import TeamsConfigError, connect

    try:
        teams, error = connect(settings), None
    except TeamsConfigError as e:
        teams, error = None, str(e)
        log.error("teams_disabled", reason=error)
    return Platforms(slack_client=slack_client, teams=teams, teams_error=error)


def build_senders(settings: Settings) -> dict[str, PromptSender]:
    """The weekly prompt senders alone, for `hibot prompts send-due`."""
    return connect_platforms(settings).prompt_senders()


@dataclass
class Runtime:
    """Everything `hibot serve` runs on, each built once."""

    settings: Settings
    engine: InstrumentedEngine
    store: InstrumentedStore
    platforms: Platforms
    senders: dict[str, PromptSender] = field(default_factory=dict)

    def close(self) -> None:
        self.engine.pool.shutdown(wait=False)
        self.store.close()


def build_runtime(settings: Settings, engine: LoadedEngine | None = None, store: Any = None) -> Runtime:
    """Build the process's collaborators; `engine`/`store` reuse loaded ones (tests), else they load."""
    if store is None:
        from bot.storage import open_store

        store = open_store(settings)
    loaded = engine if engine is not None else _load_engine(settings)
    platforms = connect_platforms(settings)
    return Runtime(
        settings=settings,
        engine=InstrumentedEngine(loaded),
        store=InstrumentedStore(
            store, loaded.manifest.get("corpus_hash"), Path(settings.data_dir) / "outbox"
        ),
        platforms=platforms,
        senders=platforms.prompt_senders(),
    )


def _load_engine(settings: Settings) -> LoadedEngine:
    from bot.engine_cache import get_engine

    return get_engine(settings)
