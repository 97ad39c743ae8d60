"""`prompts …` chat commands, shared by Slack (`/hibot prompts …`) and Teams (a `prompts …` message).

Reads what was typed, checks who may do it, calls the weekly-prompts service (bot/prompts/service.py)
and words the reply. Changing a subscription is for leads (HIBOT_LEADS) and Slack workspace admins;
`status` and `list` are open to everyone.

Replies are plain text with `code` spans: the platform renderer escapes them for its own markup
(Slack mrkdwn treats &, < and > as markup; Teams shows plain text as it is).
"""

from __future__ import annotations

import shlex
from datetime import UTC, datetime

from bot.config import Settings
from bot.prompts.service import PromptsStore, SubscriptionStatus, WeeklyPrompts
from bot.prompts.subscriptions import WEEKDAYS, ScheduleError, describe_local
from bot.storage.records import Subscription

USAGE = (
    "Weekly prompts — commands:\n"
    "• prompts subscribe WEEKDAY HH:MM [TIMEZONE] [audience=clinicians|leaders|board-members|all] [tag=TAG]\n"
    "   e.g. prompts subscribe monday 09:00  ·  prompts subscribe fri 13:30 Europe/London tag=data\n"
    "• prompts pause  ·  prompts resume  ·  prompts unsubscribe\n"
    "• prompts status  ·  prompts list"
)
REFUSAL = (
    "Sorry, only health-inequalities leads and workspace admins can change this conversation's weekly "
    "prompts. Ask a lead to do it, or use `prompts status` and `prompts list` to see what is set up."
)
NONE_HERE = (
    "This conversation has no weekly prompt subscription. "
    "A lead can start one with `prompts subscribe monday 09:00`."
)
CHANGES = {"subscribe", "pause", "resume", "unsubscribe", "stop", "start"}


def handle_prompts_command(
    store: PromptsStore,
    settings: Settings,
    *,
    platform: str,
    conversation_id: str,
    user_id: str,
    text: str,
    is_admin: bool = False,
    reference: dict | None = None,
    now: datetime | None = None,
) -> str:
    """The plain-text reply to `prompts TEXT` typed in a conversation."""
    now = now or datetime.now(UTC)
    words = _words(text)
    if not words or words[0].lower() in {"help", "?"}:
        return USAGE
    command, args = words[0].lower(), words[1:]
    if command in CHANGES and not (is_admin or settings.is_lead(platform, user_id)):
        return REFUSAL
    service = WeeklyPrompts(store, settings.prompts_dir)
    where = (platform, conversation_id)
    try:
        if command == "subscribe":
            return _subscribe(service, where, user_id, args, reference, now)
        if command in {"pause", "stop"}:
            paused = service.pause(*where, now=now)
            return (
                "Weekly prompts paused for this conversation. `prompts resume` starts them again."
                if paused
                else NONE_HERE
            )
        if command in {"resume", "start"}:
            sub = service.resume(*where, now=now)
            return _resumed(service, sub, now) if sub else NONE_HERE
        if command == "unsubscribe":
            return (
                "Unsubscribed: no more weekly prompts here."
                if service.unsubscribe(*where, now=now)
                else NONE_HERE
            )
        if command == "status":
            status = service.status(*where, now=now)
            return status_text(status) if status else NONE_HERE
        if command == "list":
            return _list(service)
    except ScheduleError as e:
        return f"{e}\n\n{USAGE}"
    return f"I don't know the prompts command '{command}'.\n\n{USAGE}"


def _words(text: str) -> list[str]:
    try:
        return shlex.split(text or "")
    except ValueError:  # an unmatched quote: fall back to plain words rather than failing
        return (text or "").split()


def schedule_line(sub: Subscription) -> str:
    filters = []
    if sub.audience and sub.audience != "all":
        filters.append(f"audience {sub.audience}")
    if sub.tag:
        filters.append(f"tag {sub.tag}")
    extra = f" ({', '.join(filters)})" if filters else ""
    return f"Every {WEEKDAYS[sub.weekday].capitalize()} at {sub.time} {sub.timezone}{extra}."


def _subscribe(service: WeeklyPrompts, where, user_id: str, args: list[str], reference, now) -> str:
    positional = [a for a in args if "=" not in a]
    options: dict[str, str] = {}
    for a in args:
        if "=" in a:
            k, _, v = a.partition("=")
            if k.lower() not in {"audience", "tag"} or not v:
                raise ScheduleError(f"'{a}' is not an option I know; use audience=… or tag=….")
            options[k.lower()] = v
    if len(positional) < 2:
        raise ScheduleError("Tell me the day and time, e.g. `prompts subscribe monday 09:00`.")
    if len(positional) > 3:
        raise ScheduleError(f"Too many words: {' '.join(positional[3:])!r}.")
    sub = service.subscribe(
        *where,
        weekday=positional[0],
        time=positional[1],
        timezone=positional[2] if len(positional) == 3 else None,
        audience=options.get("audience"),
        tag=options.get("tag"),
        created_by=user_id,
        reference=reference,
        now=now,
    )
    first = service.next_send(sub, now)
    return (
        "Subscribed: this conversation gets a weekly prompt. "
        + schedule_line(sub)
        + (f"\nFirst prompt: {describe_local(first, sub.timezone)}." if first else "")
    )


def _resumed(service: WeeklyPrompts, sub: Subscription, now: datetime) -> str:
    nxt = service.next_send(sub, now)
    return (
        "Weekly prompts resumed. "
        + schedule_line(sub)
        + (f"\nNext prompt: {describe_local(nxt, sub.timezone)}." if nxt else "")
    )


def status_text(status: SubscriptionStatus) -> str:
    sub = status.subscription
    lines = [schedule_line(sub)]
    if status.next_send is None:
        lines.append(f"Paused: {sub.paused_reason or 'paused'}. A lead can `prompts resume`.")
    else:
        lines.append(f"Next prompt: {describe_local(status.next_send, sub.timezone)}.")
    last = status.last_sent
    if last is not None and last.sent_at is not None:
        title = status.last_sent_title or "?"
        lines.append(f"Last sent: “{title}” on {describe_local(last.sent_at, sub.timezone)}.")
    return "\n".join(lines)


def _list(service: WeeklyPrompts) -> str:
    try:
        library = service.library()
    except Exception as e:  # noqa: BLE001 - the reply names the problem
        return f"The prompt library could not be loaded: {e}"
    if not library:
        return "The prompt library is empty."
    lines = [f"Weekly prompts in the library ({len(library)}):"]
    lines += [f"• {p.title} — for {p.audience} ({p.id})" for p in library]
    return "\n".join(lines)
