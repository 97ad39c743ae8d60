"""Weekly prompts as one service: the library, a conversation's subscription, and its status.

Every surface calls this and only formats the result: the CLI (`hibot prompts …`, bot/prompts/cli.py)
and the chat command (`prompts …` in Slack and Teams, bot/prompts/commands.py). It returns plain
data (records, datetimes, `Prompt`s); nothing here knows about Slack mrkdwn, cards or terminals.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from bot.models import Prompt
from bot.prompts.library import load_library
from bot.prompts.local import PREFIX, build_prompt, parse_fields
from bot.prompts.subscriptions import (
    DEFAULT_TIMEZONE,
    ScheduleError,
    choose_prompt,
    current_slot,
    eligible_prompts,
    next_send_time,
    parse_audience,
    parse_time,
    parse_timezone,
    parse_weekday,
)
from bot.storage.lead_protocols import LocalPrompts
from bot.storage.protocols import Conversations, DeliveryLedger, Subscriptions
from bot.storage.records import Delivery, Subscription

SETTLED = {"sent", "skipped"}  # a week with a row in one of these states has had its prompt
REPEAT_WEEKS = 8  # a pool smaller than this repeats a prompt within two months: say so


class PromptsStore(Conversations, Subscriptions, DeliveryLedger, LocalPrompts, Protocol):
    """What the weekly-prompts service needs of the store."""


@dataclass(frozen=True)
class SubscriptionStatus:
    subscription: Subscription
    next_send: datetime | None  # None while paused
    last_delivery: Delivery | None  # the latest row, whatever its status
    last_sent: Delivery | None  # the latest prompt actually posted
    last_sent_title: str | None  # its title in the library (its id if the library no longer has it)


def load_prompts(prompts_dir: Path | str) -> list[Prompt]:
    """The prompt library, validated; raises PromptLibraryError (or OSError) naming what is wrong."""
    return load_library(Path(prompts_dir))


class WeeklyPrompts:
    def __init__(self, store: PromptsStore, prompts_dir: Path | str):
        self.store = store
        self.prompts_dir = Path(prompts_dir)

    # --- the library ----------------------------------------------------------------------------
    def library(self) -> list[Prompt]:
        """Every prompt: the YAML library (validated; raises PromptLibraryError or OSError naming
        what is wrong) and the prompts leads wrote in chat."""
        return load_prompts(self.prompts_dir) + self.store.list_local_prompts()

    def prompt(self, prompt_id: str) -> Prompt | None:
        return next((p for p in self.library_or_none() or [] if p.id == prompt_id), None)

    def titles(self) -> dict[str, str]:
        """Prompt id -> title, removed local prompts included (the history still names them)."""
        titles = {p.id: p.title for p in self.store.list_local_prompts(include_removed=True)}
        return titles | {p.id: p.title for p in self.library_or_none() or []}

    def next_prompt(self, sub: Subscription) -> Prompt | None:
        """The prompt the next post will carry (the rotation, as the scheduler chooses it)."""
        library = self.library_or_none() or []
        return choose_prompt(
            eligible_prompts(library, sub.audience, sub.tag), self.store.sent_prompt_ids(sub.id)
        )

    def pool_size(self, audience: str | None, tag: str | None) -> int:
        return len(eligible_prompts(self.library_or_none() or [], audience, tag))

    def repeat_warning(self, sub: Subscription) -> str | None:
        """Words for a lead when this subscription's pool repeats within REPEAT_WEEKS weeks."""
        n = self.pool_size(sub.audience, sub.tag)
        if n >= REPEAT_WEEKS:
            return None
        what = (
            f"tag '{sub.tag}'" if sub.tag else f"audience '{sub.audience}'" if sub.audience else "the library"
        )
        return (
            f"Note: {what} has only {n} prompt{'s' if n != 1 else ''}, so the same prompt comes back every "
            f"{n} week{'s' if n != 1 else ''}. Choose a broader tag, or add local prompts with `prompts add`."
            if n
            else f"Note: no prompt matches {what} yet, so nothing will be posted until one is added."
        )

    def history(
        self, platform: str, conversation_id: str, limit: int = 8
    ) -> list[tuple[Delivery, str | None]]:
        """This conversation's latest deliveries, newest first, each with its prompt's title."""
        sub = self.store.get_subscription(platform, conversation_id)
        if sub is None:
            return []
        titles = self.titles()
        rows = self.store.list_deliveries(sub.id)[-limit:][::-1]
        return [(d, titles.get(d.prompt_id or "", d.prompt_id)) for d in rows]

    def conversation_name(self, platform: str, conversation_id: str) -> str | None:
        conv = self.store.get_conversation(platform, conversation_id)
        return conv.name if conv is not None else None

    # --- prompts written in chat ----------------------------------------------------------------
    def add_local(self, text: str, created_by: tuple[str, str] | None = None) -> Prompt:
        """Parse, check and store a prompt written in chat; raises LocalPromptError with the reason."""
        taken = self.store.local_prompt_ids() | {p.id for p in self.library_or_none() or []}
        prompt = build_prompt(parse_fields(text), taken)
        if not self.store.add_local_prompt(prompt, created_by):  # pragma: no cover - a race on the id
            prompt = build_prompt(parse_fields(text), taken | self.store.local_prompt_ids())
            self.store.add_local_prompt(prompt, created_by)
        return prompt

    def remove_local(self, prompt_id: str) -> bool:
        """False when no local prompt in use has this id (library prompts live in prompts/*.yaml)."""
        return prompt_id.startswith(PREFIX) and self.store.remove_local_prompt(prompt_id)

    def library_or_none(self) -> list[Prompt] | None:
        """The library, or None when it cannot be loaded (for courtesies such as tag checks)."""
        try:
            return self.library()
        except Exception:  # noqa: BLE001 - `list` and the CLI report a broken library themselves
            return None

    # --- changing a subscription ----------------------------------------------------------------
    def subscribe(
        self,
        platform: str,
        conversation_id: str,
        *,
        weekday: str,
        time: str,
        timezone: str | None = None,
        audience: str | None = None,
        tag: str | None = None,
        created_by: str | None = None,
        reference: dict | None = None,
        name: str | None = None,
        now: datetime | None = None,
    ) -> Subscription:
        """Subscribe (or re-subscribe) a conversation to one weekly slot, from what a person typed.

        Raises ScheduleError with a message for that person when an argument is not valid. A chat
        command passes the conversation's `reference`, stored so the scheduler can post there."""
        day, hhmm = parse_weekday(weekday), parse_time(time)
        zone = parse_timezone(timezone) if timezone else DEFAULT_TIMEZONE
        aud = parse_audience(audience) if audience else None
        tag = (tag or "").strip().lower() or None
        self._check_tag(tag)
        now = now or datetime.now(UTC)
        if reference is not None or name:
            self.store.upsert_conversation(platform, conversation_id, reference, name=name, now=now)
        return self.store.subscribe(
            platform,
            conversation_id,
            weekday=day,
            time=hhmm,
            timezone=zone,
            audience=aud,
            tag=tag,
            created_by=created_by,
            now=now,
        )

    def _check_tag(self, tag: str | None) -> None:
        library = self.library_or_none() if tag else None
        if tag and library is not None and not any(tag in {t.lower() for t in p.tags} for p in library):
            known = sorted({t.lower() for p in library for t in p.tags})
            raise ScheduleError(
                f"No prompt has the tag '{tag}'. Tags in the library: {', '.join(known) or 'none'}."
            )

    def pause(
        self,
        platform: str,
        conversation_id: str,
        reason: str = "paused by a lead",
        now: datetime | None = None,
    ) -> Subscription | None:
        """None when the conversation has no subscription."""
        return self.store.pause_subscription(platform, conversation_id, reason, now=now)

    def resume(self, platform: str, conversation_id: str, now: datetime | None = None) -> Subscription | None:
        """Active again from now on (weeks missed while paused are not sent late); None if none."""
        return self.store.resume_subscription(platform, conversation_id, now=now)

    def unsubscribe(self, platform: str, conversation_id: str, now: datetime | None = None) -> bool:
        return self.store.unsubscribe(platform, conversation_id, now=now)

    def has_conversation(self, platform: str, conversation_id: str) -> bool:
        """Whether the bot has been in this conversation (Teams can only post where it has been)."""
        return self.store.get_conversation(platform, conversation_id) is not None

    # --- status ---------------------------------------------------------------------------------
    def next_send(self, sub: Subscription, now: datetime) -> datetime | None:
        """When the next prompt goes out: this week's slot unless this week is settled, else next
        week's; None while paused."""
        if not sub.active:
            return None
        key, _ = current_slot(sub, now)
        this_week = self.store.get_delivery(sub.id, key)
        return next_send_time(sub, now, this_week is not None and this_week.status in SETTLED)

    def status(
        self, platform: str, conversation_id: str, now: datetime | None = None
    ) -> SubscriptionStatus | None:
        sub = self.store.get_subscription(platform, conversation_id)
        return None if sub is None else self._status(sub, now or datetime.now(UTC), self.library_or_none())

    def statuses(self, now: datetime | None = None) -> list[SubscriptionStatus]:
        """Every current subscription (all platforms), in the order they were created."""
        now = now or datetime.now(UTC)
        library = self.library_or_none()
        return [self._status(sub, now, library) for sub in self.store.list_subscriptions()]

    def _status(self, sub: Subscription, now: datetime, library: list[Prompt] | None) -> SubscriptionStatus:
        history = self.store.list_deliveries(sub.id)
        sent = [d for d in history if d.status == "sent" and d.sent_at]
        last_sent = sent[-1] if sent else None
        titles = {p.id: p.title for p in library or []}
        title = None
        if last_sent is not None:
            title = titles.get(last_sent.prompt_id or "", last_sent.prompt_id)
        return SubscriptionStatus(
            subscription=sub,
            next_send=self.next_send(sub, now),
            last_delivery=history[-1] if history else None,
            last_sent=last_sent,
            last_sent_title=title,
        )
