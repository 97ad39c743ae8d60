"""`prompts …` chat commands, shared by Slack (`/hibot prompts …`) and Teams (a `prompts …` message).

Reads what was typed, checks who may do it (bot/roles.py: leads, Slack workspace admins, Teams team
owners), calls the weekly-prompts service (bot/prompts/service.py) and words the reply. Seeing what
is set up (status, next, history, list, preview) is open to everyone; changing it, writing local
prompts and test sends are for leads and admins. The library side (preview, next, history, send
now, add, remove) is worded in bot/prompts/chat_library.py.

Replies are plain text with `code` spans: the platform renderer escapes them for its own markup
(Slack mrkdwn treats &, < and > as markup; Teams shows plain text as it is).
"""

from __future__ import annotations

import shlex
from datetime import UTC, datetime
from typing import Protocol

from bot.config import Settings
from bot.prompts import chat_library
from bot.prompts.chat_library import PromptEngine
from bot.prompts.local import LocalPromptError
from bot.prompts.service import PromptsStore, SubscriptionStatus, WeeklyPrompts
from bot.prompts.subscriptions import WEEKDAYS, ScheduleError, describe_local
from bot.roles import LeadDirectory, Roles, refusal
from bot.storage.records import Subscription

USAGE = (
    "Weekly prompts — commands:\n"
    "• prompts subscribe WEEKDAY HH:MM|9am [TIMEZONE] [audience=clinicians|leaders|board-members|all]"
    " [tag=TAG]\n"
    "   e.g. prompts subscribe monday 9am  ·  prompts subscribe fri 13:30 Europe/London tag=data\n"
    "• prompts pause  ·  prompts resume  ·  prompts unsubscribe\n"
    "• prompts status  ·  prompts next  ·  prompts history  ·  prompts list  ·  prompts preview [ID]\n"
    "• prompts send now [ID] (a private test)  ·  prompts add TITLE | BODY | QUESTION | ACTION  ·  "
    "prompts remove ID"
)
SEE_INSTEAD = " Use `prompts status`, `prompts next` and `prompts list` to see what is set up."
REFUSAL = refusal("slack", "change this conversation's weekly prompts") + SEE_INSTEAD
NONE_HERE = (
    "This conversation has no weekly prompt subscription. "
    "A lead can start one with `prompts subscribe monday 09:00`."
)
CHANGES = {"subscribe", "pause", "resume", "unsubscribe", "stop", "start", "send", "add", "remove"}


class CommandStore(PromptsStore, LeadDirectory, Protocol):
    """What the chat command needs of the store."""


def refusal_text(platform: str) -> str:
    return refusal(platform, "change this conversation's weekly prompts") + SEE_INSTEAD


def handle_prompts_command(
    store: CommandStore,
    settings: Settings,
    *,
    platform: str,
    conversation_id: str,
    user_id: str,
    text: str,
    is_admin: bool = False,
    reference: dict | None = None,
    now: datetime | None = None,
    engine: PromptEngine | None = None,
    private: bool = True,
    conversation_name: str | None = None,
) -> str:
    """The plain-text reply to `prompts TEXT` typed in a conversation. `engine` answers prompt
    questions (preview, send now, add); `private` says whether only the person sees the reply
    (a Slack ephemeral, a Teams personal chat), which a test send needs. `conversation_name` is
    the channel's name as the platform gave it, kept so status and reports can name it."""
    now = now or datetime.now(UTC)
    words = _words(text)
    if not words or words[0].lower() in {"help", "?"}:
        return USAGE
    command, args = words[0].lower(), words[1:]
    if command in CHANGES and not Roles(store, settings).may_manage_prompts(platform, user_id, is_admin):
        return refusal_text(platform)
    service = WeeklyPrompts(store, settings.prompts_dir)
    where = (platform, conversation_id)
    try:
        if command == "subscribe":
            return _subscribe(service, where, user_id, args, reference, now, conversation_name)
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
            return status_text(status, service, conversation_name) if status else NONE_HERE
        if command == "add":
            rest = text.strip()[len(words[0]) :].strip()
            return chat_library.add(service, engine, rest, (platform, user_id))
        return chat_library.handle(service, engine, command, args, where, user_id, private, now) or (
            f"I don't know the prompts command '{command}'.\n\n{USAGE}"
        )
    except (ScheduleError, LocalPromptError) as e:
        return f"{e}\n\n{USAGE}" if isinstance(e, ScheduleError) else str(e)


def _words(text: str) -> list[str]:
    try:
        return shlex.split(text or "")
    except ValueError:  # an unmatched quote: fall back to plain words rather than failing
        return (text or "").split()


def schedule_line(sub: Subscription, name: str | None = None) -> str:
    filters = []
    if sub.audience and sub.audience != "all":
        filters.append(f"audience {sub.audience}")
    if sub.tag:
        filters.append(f"tag {sub.tag}")
    extra = f" ({', '.join(filters)})" if filters else ""
    where = f"{name}: e" if name else "E"
    return f"{where}very {WEEKDAYS[sub.weekday].capitalize()} at {sub.time} {sub.timezone}{extra}."


def _join_am_pm(positional: list[str]) -> list[str]:
    """`monday 9 am` -> `monday 9am`: people put a space before am/pm."""
    out: list[str] = []
    for word in positional:
        if out and word.lower() in {"am", "pm", "a.m.", "p.m."}:
            out[-1] += word
        else:
            out.append(word)
    return out


def _subscribe(
    service: WeeklyPrompts, where, user_id: str, args: list[str], reference, now, name: str | None
) -> str:
    positional = _join_am_pm([a for a in args if "=" not in a])
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
        name=name,
        now=now,
    )
    first = service.next_send(sub, now)
    warning = service.repeat_warning(sub)
    return (
        "Subscribed: this conversation gets a weekly prompt. "
        + schedule_line(sub)
        + (f"\nFirst prompt: {describe_local(first, sub.timezone)}." if first else "")
        + (f"\n{warning}" if warning else "")
    )


def _resumed(service: WeeklyPrompts, sub: Subscription, now: datetime) -> str:
    nxt = service.next_send(sub, now)
    return (
        "Weekly prompts resumed. "
        + schedule_line(sub)
        + (f"\nNext prompt: {describe_local(nxt, sub.timezone)}." if nxt else "")
    )


def status_text(
    status: SubscriptionStatus, service: WeeklyPrompts | None = None, name: str | None = None
) -> str:
    sub = status.subscription
    name = (service.conversation_name(sub.platform, sub.conversation_id) if service else None) or name
    lines = [schedule_line(sub, name)]
    if status.next_send is None:
        lines.append(f"Paused: {sub.paused_reason or 'paused'}. A lead can `prompts resume`.")
    else:
        nxt = service.next_prompt(sub) if service else None
        title = f" — “{nxt.title}”" if nxt else ""
        lines.append(f"Next prompt: {describe_local(status.next_send, sub.timezone)}{title}.")
    last = status.last_sent
    if last is not None and last.sent_at is not None:
        title = status.last_sent_title or "?"
        lines.append(f"Last sent: “{title}” on {describe_local(last.sent_at, sub.timezone)}.")
    return "\n".join(lines)
