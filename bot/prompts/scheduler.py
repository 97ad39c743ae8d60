"""The weekly prompt scheduler: each subscription gets one post per local ISO week, exactly once,
across restarts and several replicas sharing one database.

Why a small polling loop and not APScheduler: the truth about what is due and what was sent has to
live in the database anyway (that is what makes it exactly-once across replicas and restarts), and
APScheduler 3 has no cross-process coordination, so every replica would fire every job and we would
still need the same DB claim. A 60 s tick that recomputes each subscription's local slot from the
database needs no job store, catches up after downtime by construction, follows DST through
zoneinfo, and is trivial to drive from tests (an injected clock) or cron (`hibot prompts send-due`).

One tick, per active subscription:
  1. earlier weeks whose slot passed with no delivery row -> recorded as `skipped` (missed while down);
  2. this week's slot, if it has passed and the week has no settled row -> claim it: INSERT under
     UNIQUE(subscription_id, period_key), or take over a claim older than the lease / a failed try
     (conditional UPDATE on claim_token; FOR UPDATE SKIP LOCKED on PostgreSQL);
  3. answer `prompt.question` with the engine, re-check the claim, post, mark `sent` with the message id.

Honest limit: if the process dies after the platform accepted the post but before `mark sent`
commits, the claim goes stale and the next tick posts again. Without an idempotency key on the
platform side (Slack and Teams have none for posting) that window cannot be closed, only kept short:
the answer is computed before the final claim check, nothing but the post sits between that check
and `mark sent`, and `mark sent` is retried briefly on a database error.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import structlog

from bot.models import Answer, ConversationGone, Prompt
from bot.prompts.render_text import render_prompt_text
from bot.prompts.subscriptions import choose_prompt, current_slot, eligible_prompts, slot_weeks_ago
from bot.storage.lead_protocols import LocalPrompts
from bot.storage.protocols import AnswerAudit, Conversations, DeliveryLedger, Retention, Subscriptions
from bot.storage.purge import RetentionJob

log = structlog.get_logger("hibot.prompts")

LEASE = timedelta(minutes=5)  # far longer than answer + post; shorter than anyone would wait for a retry
MAX_ATTEMPTS = 5
LOOKBACK_WEEKS = 8  # how far back missed weeks are recorded as skipped
KNOWN_WINDOW = timedelta(days=16)  # this week and last, from any UTC offset


class SchedulerStore(
    Conversations, Subscriptions, DeliveryLedger, AnswerAudit, Retention, LocalPrompts, Protocol
):
    """What the scheduler needs of the store (`Store` has it all)."""


class Tick(Protocol):
    """Other weekly work that rides on the scheduler's tick (the leads digest)."""

    async def run_due(self) -> Any: ...


class PromptSender(Protocol):
    platform: str

    async def send_prompt(
        self, conversation_id: str, reference: dict | None, prompt: Prompt, answer: Answer
    ) -> str: ...


@dataclass
class DeliveryResult:
    subscription_id: int
    platform: str
    conversation_id: str
    period_key: str
    status: str  # sent | failed | skipped | paused | due (dry run)
    prompt_id: str | None = None
    message_id: str | None = None
    attempts: int = 0
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def utc_clock() -> datetime:
    return datetime.now(UTC)


class Scheduler:
    def __init__(
        self,
        store: SchedulerStore,
        engine,
        library: list[Prompt],
        senders: dict[str, PromptSender],
        clock: Callable[[], datetime] = utc_clock,
        *,
        lease: timedelta = LEASE,
        max_attempts: int = MAX_ATTEMPTS,
        retention_days: int | None = None,
        digest: Tick | None = None,
    ):
        """`retention_days` is transitional: the server should run `RetentionJob` (bot/storage/purge.py)
        as its own task; until it does, this loop hosts it so the retention policy keeps applying."""
        self.store = store
        self.engine = engine
        self.shipped = list(library)  # the YAML library; prompts written in chat join it each tick
        self.library = list(library)
        self.by_id = {p.id: p for p in self.library}
        self.senders = senders
        self.clock = clock
        self.lease = lease
        self.max_attempts = max_attempts
        self.retention = RetentionJob(store, retention_days, clock) if retention_days is not None else None
        self.digest = digest  # the weekly leads digest (bot/report/digest.py), on the same tick

    # --- loop -----------------------------------------------------------------------------------
    async def run_forever(self, interval_s: float = 60) -> None:
        while True:
            started = time.monotonic()
            try:
                results = await self.run_due()
                if results:
                    log.info("prompts_tick", **_summary(results))
                if self.retention is not None:
                    await self.retention.run_due()
                if self.digest is not None:
                    await self.digest.run_due()
            except asyncio.CancelledError:
                raise
            except Exception:  # a database blip must not end the loop; the next tick retries
                log.exception("prompts_tick_failed")
            await asyncio.sleep(max(0.01, interval_s - (time.monotonic() - started)))

    async def run_due(self, dry_run: bool = False) -> list[DeliveryResult]:
        """One tick. With dry_run, report what is due (and which prompt) without claiming or posting."""
        now = self.clock()
        await self._refresh_library()
        subs = await asyncio.to_thread(self.store.list_subscriptions, active_only=True)
        # One read for the whole tick, covering this week and last in every time zone; a row written
        # after it is still caught by the claim's unique key.
        since = now - KNOWN_WINDOW
        recent = await asyncio.to_thread(self.store.recent_deliveries, since)
        known = {(d.subscription_id, d.period_key): d for d in recent}
        results: list[DeliveryResult] = []
        for sub in subs:
            try:
                results.extend(await self._run_subscription(sub, now, known, dry_run))
            except Exception as e:
                log.exception("prompt_subscription_failed", subscription_id=sub.id)
                try:
                    key = current_slot(sub, now)[0]
                except Exception:  # noqa: BLE001 - e.g. an unknown time zone written to the DB by hand
                    key = "?"
                results.append(self._result(sub, key, "failed", error=f"{type(e).__name__}: {e}"))
        return results

    async def _refresh_library(self) -> None:
        """The shipped library plus the prompts leads wrote in chat, read each tick so a prompt added
        (or removed) in chat is in (or out of) the rotation from the next tick, on every replica."""
        local = await asyncio.to_thread(self.store.list_local_prompts)
        self.library = self.shipped + local
        self.by_id = {p.id: p for p in self.library}

    # --- one subscription -----------------------------------------------------------------------
    def _result(self, sub, key: str, status: str, **kw) -> DeliveryResult:
        return DeliveryResult(sub.id, sub.platform, sub.conversation_id, key, status, **kw)

    async def _run_subscription(self, sub, now: datetime, known: dict, dry_run: bool) -> list[DeliveryResult]:
        store = self.store
        results = await self._record_missed_weeks(sub, now, known, now - KNOWN_WINDOW, dry_run)
        key, slot = current_slot(sub, now)
        if now < slot or slot < sub.starts_at:
            return results
        existing = known.get((sub.id, key))
        if existing is not None and not self._retryable(existing, now):
            return results

        sender = self.senders.get(sub.platform)
        if sender is None and not dry_run:
            # Not claimed: the week stays open for a process that has this platform configured.
            log.warning("prompt_no_sender", platform=sub.platform, subscription_id=sub.id)
            return results + [
                self._result(sub, key, "failed", error=f"no sender configured for {sub.platform}")
            ]
        conv = await asyncio.to_thread(store.get_conversation, sub.platform, sub.conversation_id)
        if conv is not None and conv.removed:
            if not dry_run:
                await self._pause_gone(sub, "the bot was removed from this conversation")
            return results + [self._result(sub, key, "paused", error="conversation removed")]

        prompt = await self._prompt_for(sub, existing)
        if prompt is None:
            reason = (
                f"no prompt in the library matches audience={sub.audience or 'any'} tag={sub.tag or 'any'}"
            )
            if not dry_run:
                await asyncio.to_thread(store.record_skipped, sub.id, key, slot, reason, now)
                log.warning("prompt_none_eligible", subscription_id=sub.id, period=key)
            return results + [self._result(sub, key, "skipped", error=reason)]
        if dry_run:
            return results + [self._result(sub, key, "due", prompt_id=prompt.id)]

        claim = await asyncio.to_thread(
            store.claim_delivery,
            sub.id,
            key,
            slot,
            prompt.id,
            now=now,
            lease=self.lease,
            max_attempts=self.max_attempts,
        )
        if claim is None:
            return results  # another worker holds it, or it was settled a moment ago
        if claim.prompt_id in self.by_id:
            prompt = self.by_id[claim.prompt_id]
        if claim.reclaimed:
            log.warning(
                "prompt_delivery_reclaimed", subscription_id=sub.id, period=key, attempt=claim.attempts
            )
        results.append(await self._deliver(sub, key, claim, prompt, conv.reference if conv else None))
        return results

    async def _prompt_for(self, sub, existing) -> Prompt | None:
        """A retry posts the prompt chosen first (if still in the library); else the next in rotation."""
        prompt = self.by_id.get(existing.prompt_id) if existing and existing.prompt_id else None
        if prompt is None:
            sent = await asyncio.to_thread(self.store.sent_prompt_ids, sub.id)
            prompt = choose_prompt(eligible_prompts(self.library, sub.audience, sub.tag), sent)
        return prompt

    def _retryable(self, d, now: datetime) -> bool:
        if d.status == "failed":
            return d.attempts < self.max_attempts
        if d.status == "claimed":
            return (
                d.claimed_at is not None
                and d.claimed_at < now - self.lease
                and d.attempts < self.max_attempts
            )
        return False  # sent or skipped

    async def _record_missed_weeks(
        self, sub, now: datetime, known: dict, since: datetime, dry_run: bool
    ) -> list[DeliveryResult]:
        """Weeks whose slot passed while nothing ran: recorded as skipped, never sent late."""
        results = []
        for weeks in range(1, LOOKBACK_WEEKS + 1):
            key, slot = slot_weeks_ago(sub, now, weeks)
            if slot < sub.starts_at or (sub.id, key) in known:
                break
            # Older than this tick's read (only after a long outage): ask the database itself.
            if slot < since and await asyncio.to_thread(self.store.get_delivery, sub.id, key) is not None:
                break
            if not dry_run:
                await asyncio.to_thread(
                    self.store.record_skipped,
                    sub.id,
                    key,
                    slot,
                    "missed: not running during that week's slot",
                    now,
                )
                log.warning("prompt_slot_missed", subscription_id=sub.id, period=key)
            results.append(self._result(sub, key, "skipped", error="missed"))
        return results

    async def _deliver(self, sub, key: str, claim, prompt: Prompt, reference: dict | None) -> DeliveryResult:
        """Answer the prompt's question, check the claim is still ours, post, and record it."""

        def failed(error: str, status: str = "failed") -> DeliveryResult:
            return self._result(sub, key, status, prompt_id=prompt.id, attempts=claim.attempts, error=error)

        try:
            answer = await asyncio.to_thread(self.engine.answer, prompt.question)
        except Exception as e:
            await asyncio.to_thread(
                self.store.mark_delivery_failed, claim, f"engine: {type(e).__name__}: {e}"
            )
            log.exception("prompt_answer_failed", subscription_id=sub.id, prompt_id=prompt.id)
            return failed(f"engine: {type(e).__name__}")
        # Last look before the irreversible step: if our lease ran out and someone took over, stop.
        if not await asyncio.to_thread(self.store.holds_claim, claim):
            log.warning("prompt_claim_lost", subscription_id=sub.id, period=key)
            return failed("claim taken over before sending")
        try:
            message_id = await self.senders[sub.platform].send_prompt(
                sub.conversation_id, reference, prompt, answer
            )
        except ConversationGone as e:
            await asyncio.to_thread(
                self.store.mark_delivery_failed,
                claim,
                f"conversation gone: {e}",
                final=True,
                max_attempts=self.max_attempts,
            )
            await self._pause_gone(sub, f"the bot was removed from this conversation ({e or 'gone'})")
            return failed("conversation gone", status="paused")
        except Exception as e:  # noqa: BLE001 - any other send failure is retried on a later tick
            await asyncio.to_thread(self.store.mark_delivery_failed, claim, f"{type(e).__name__}: {e}")
            log.warning(
                "prompt_send_failed",
                subscription_id=sub.id,
                period=key,
                attempt=claim.attempts,
                error=type(e).__name__,
            )
            return failed(f"{type(e).__name__}: {e}")
        await self._record_sent(sub, key, claim, prompt, answer, message_id)
        return self._result(
            sub, key, "sent", prompt_id=prompt.id, message_id=message_id, attempts=claim.attempts
        )

    async def _record_sent(
        self, sub, key: str, claim, prompt: Prompt, answer: Answer, message_id: str
    ) -> None:
        if not await self._mark_sent(claim, message_id, answer, prompt):
            log.error("prompt_possible_duplicate", subscription_id=sub.id, period=key)
        log.info(
            "prompt_sent",
            subscription_id=sub.id,
            platform=sub.platform,
            period=key,
            prompt_id=prompt.id,
            answer_id=answer.answer_id,
            attempt=claim.attempts,
        )
        await self._audit(sub, claim, prompt, answer, message_id)

    async def _mark_sent(self, claim, message_id: str, answer: Answer, prompt: Prompt) -> bool:
        delay = 0.2
        for attempt in range(4):
            try:
                return await asyncio.to_thread(
                    self.store.mark_delivery_sent,
                    claim,
                    message_id,
                    answer_id=answer.answer_id,
                    prompt_id=prompt.id,
                    now=self.clock(),
                )
            except Exception:
                if attempt == 3:
                    log.exception("prompt_mark_sent_failed", delivery_id=claim.delivery_id)
                    raise
                await asyncio.sleep(delay)
                delay *= 2
        return False  # pragma: no cover

    async def _audit(self, sub, claim, prompt: Prompt, answer: Answer, message_id: str) -> None:
        rendered = {
            "kind": "weekly_prompt",
            "prompt_id": prompt.id,
            "delivery_id": claim.delivery_id,
            "message_id": message_id,
            "text": render_prompt_text(prompt, answer),
        }
        try:
            await asyncio.to_thread(self.store.save_answer, answer, sub.platform, rendered)
        except Exception:  # the post is out; a missing audit row must not turn it into a failure
            log.exception("prompt_audit_failed", answer_id=answer.answer_id)

    async def _pause_gone(self, sub, reason: str) -> None:
        await asyncio.to_thread(self.store.pause_subscription, sub.platform, sub.conversation_id, reason)
        await asyncio.to_thread(self.store.mark_conversation_removed, sub.platform, sub.conversation_id)
        log.warning(
            "prompt_subscription_paused", subscription_id=sub.id, platform=sub.platform, reason=reason
        )


def _summary(results: list[DeliveryResult]) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in results:
        out[r.status] = out.get(r.status, 0) + 1
    return out
