"""The weekly leads digest: this week's `hibot report` in brief, with the chart of weekly questions
and answer rate, sent to the configured leads channel on each platform (HIBOT_LEADS_CHANNEL) or, where
none is configured, to each lead by direct message; once per recipient per week across replicas.

Exactly once works as for weekly prompts (bot/prompts/scheduler.py): the week's ledger row is claimed
under UNIQUE(recipient, week) before sending (bot/storage/claims.py), the claim is checked again just
before the post, a crash between claim and post is retried after the lease, and a failed send is
retried on a later tick while attempts are left. The job runs on the scheduler's tick."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import structlog

from bot.config import Settings
from bot.models import ConversationGone
from bot.prompts.subscriptions import parse_time, parse_timezone, parse_weekday, slot_in_week
from bot.report.build import Report, ReportStore, build_report
from bot.report.chart import Chart, weekly_chart
from bot.report.formats import summary_lines
from bot.storage.lead_protocols import DigestLedger, Leads
from bot.storage.protocols import Conversations

log = structlog.get_logger("hibot.digest")
LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 5
CHART_WEEKS = 8


class DigestStore(ReportStore, DigestLedger, Leads, Conversations, Protocol):
    """What the digest needs of the store (`Store` has it all)."""

    def hash_user(self, platform: str, user_id: str) -> str: ...


@dataclass(frozen=True)
class Recipient:
    key: str  # the ledger key: channel:<platform>:<id> or lead:<salted hash>
    platform: str
    target: str  # Slack channel or user id; Teams conversation id
    reference: dict | None = None  # Teams: where to post


class DigestSender(Protocol):
    platform: str

    async def send_digest(self, recipient: Recipient, text: str, chart: Chart) -> str: ...


@dataclass
class DigestResult:
    recipient: str
    platform: str
    period_key: str
    status: str  # sent | failed | skipped
    message_id: str | None = None
    error: str | None = None


def parse_schedule(text: str) -> tuple[int, str, str] | None:
    """HIBOT_DIGEST "monday 08:00 Europe/London" -> (0, "08:00", "Europe/London"); None for "off"."""
    words = text.split()
    if not words or words[0].lower() in {"off", "none", "false", "no"}:
        return None
    if len(words) not in (2, 3):
        raise ValueError(f"HIBOT_DIGEST must be 'WEEKDAY HH:MM [ZONE]' or 'off', not {text!r}")
    zone = parse_timezone(words[2]) if len(words) == 3 else "Europe/London"
    return parse_weekday(words[0]), parse_time(words[1]), zone


def digest_text(report: Report) -> str:
    """The digest post: the week in numbers, then what a lead can act on."""
    lines = ["hibot weekly digest for leads", "", *summary_lines(report)]
    if report.gaps:
        lines += ["", "Asked but not in the guidance (the corpus gaps):"]
        lines += [f"• {g['count']} × {g['question']}" for g in report.gaps[:5]]
    if report.top_sections:
        lines += ["", "Most-asked topics:"]
        lines += [
            f"• {s['title']} — {s['section'] or 'whole document'} ({s['answers']})"
            for s in report.top_sections[:3]
        ]
    comments = report.feedback["down_with_comments"]
    if comments:
        lines += ["", f"👎 with comments ({len(comments)}), latest:"]
        lines += [f"• “{c['comment']}”" for c in comments[-3:]]
    if report.prompt_engagement:
        lines += ["", "Weekly prompts (replies, reactions):"]
        lines += [
            f"• {c['name'] or c['conversation_id']}: {c['replies']} replies, {c['reactions']} reactions"
            for c in report.prompt_engagement[:5]
        ]
    lines += ["", "The full report: `hibot report --since 7d` (or --csv for a spreadsheet)."]
    return "\n".join(lines)


class DigestJob:
    def __init__(
        self,
        store: DigestStore,
        settings: Settings,
        senders: dict[str, DigestSender],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        *,
        lease: timedelta = LEASE,
        max_attempts: int = MAX_ATTEMPTS,
    ):
        self.store = store
        self.settings = settings
        self.senders = senders
        self.clock = clock
        self.lease = lease
        self.max_attempts = max_attempts
        self.schedule = parse_schedule(settings.digest_schedule)

    async def run_due(self) -> list[DigestResult]:
        """One tick: if this week's digest slot has passed, send it to every recipient not yet sent."""
        if self.schedule is None or not self.senders:
            return []
        now = self.clock()
        weekday, hhmm, zone = self.schedule
        period, slot = slot_in_week(weekday, hhmm, zone, now.astimezone(ZoneInfo(zone)).date())
        if now < slot:
            return []
        recipients = await asyncio.to_thread(self.recipients)
        # One read per tick: recipients already settled this week are not claimed again (a row written
        # after this read is still caught by the claim's unique key).
        rows = await asyncio.to_thread(self.store.list_digest_deliveries, period)
        settled = {d.recipient for d in rows if d.status == "sent" or d.attempts >= self.max_attempts}
        content: dict[str, Any] = {}
        results = []
        for r in recipients:
            if r.key in settled:
                continue
            claim = await asyncio.to_thread(
                self.store.claim_digest,
                r.key,
                period,
                now=now,
                lease=self.lease,
                max_attempts=self.max_attempts,
            )
            if claim is None:
                continue  # sent already, or another replica has it
            if not content:
                content.update(await asyncio.to_thread(self._content, slot))
            results.append(await self._send(r, period, claim, content["text"], content["chart"]))
        return results

    def _content(self, slot: datetime) -> dict[str, Any]:
        week = build_report(self.store, slot - timedelta(days=7), slot)
        history = build_report(self.store, slot - timedelta(weeks=CHART_WEEKS), slot)
        return {"text": digest_text(week), "chart": weekly_chart(history.weekly)}

    async def _send(self, r: Recipient, period: str, claim, text: str, chart: Chart) -> DigestResult:
        def result(status: str, **kw) -> DigestResult:
            return DigestResult(r.key, r.platform, period, status, **kw)

        if not await asyncio.to_thread(self.store.holds_digest_claim, claim):
            return result("failed", error="claim taken over before sending")
        try:
            message_id = await self.senders[r.platform].send_digest(r, text, chart)
        except ConversationGone as e:
            await asyncio.to_thread(
                self.store.mark_digest_failed, claim, f"gone: {e}", final_attempts=self.max_attempts
            )
            return result("failed", error="conversation gone")
        except Exception as e:  # noqa: BLE001 - retried on a later tick while attempts are left
            await asyncio.to_thread(self.store.mark_digest_failed, claim, f"{type(e).__name__}: {e}")
            log.warning("digest_send_failed", platform=r.platform, error=type(e).__name__)
            return result("failed", error=type(e).__name__)
        if not await asyncio.to_thread(self.store.mark_digest_sent, claim, message_id, self.clock()):
            log.error("digest_possible_duplicate", recipient=r.key, period=period)
        log.info("digest_sent", platform=r.platform, period=period)
        return result("sent", message_id=message_id)

    def recipients(self) -> list[Recipient]:
        """The leads channel on each platform with a sender, else each lead there (by DM)."""
        out: list[Recipient] = []
        for platform in sorted(self.senders):
            channel = self.settings.leads_channel_for(platform)
            if channel:
                conv = self.store.get_conversation(platform, channel)
                out.append(
                    Recipient(
                        f"channel:{platform}:{channel}", platform, channel, conv.reference if conv else None
                    )
                )
                continue
            if self.settings.lead_ids:
                self.store.seed_leads(self.settings.lead_pairs())
            chats = self._teams_chats() if platform == "teams" else {}
            for lead in self.store.list_leads(platform):
                key = "lead:" + self.store.hash_user(platform, lead.user_id)  # `hibot forget` finds it
                if platform == "teams":
                    conv = chats.get(lead.user_id)
                    if conv is None:
                        continue  # hibot can only write to someone who has chatted with it
                    out.append(Recipient(key, platform, conv.conversation_id, conv.reference))
                else:
                    out.append(Recipient(key, platform, lead.user_id))
        return out

    def _teams_chats(self) -> dict[str, Any]:
        """Personal chats with hibot by the person's AAD id and Teams id (from the stored reference)."""
        chats = {}
        for conv in self.store.list_conversations("teams", "personal"):
            user = (conv.reference or {}).get("user") or {}
            for uid in (user.get("aadObjectId"), user.get("id")):
                if uid:
                    chats[uid] = conv
        return chats
