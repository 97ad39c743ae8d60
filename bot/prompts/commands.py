"""`prompts …` chat commands, shared by Slack (`/hibot prompts …`) and Teams (a `prompts …` message).

Changing a subscription is for leads (HIBOT_LEADS) and Slack workspace admins; `status` and `list`
are open to everyone. Replies are plain text that is also safe as Slack mrkdwn.
"""

from __future__ import annotations

import shlex
from datetime import UTC, datetime

from bot.models import Prompt
from bot.prompts.subscriptions import (
    DEFAULT_TIMEZONE,
    WEEKDAYS,
    ScheduleError,
    current_slot,
    describe_local,
    next_send_time,
    parse_audience,
    parse_time,
    parse_timezone,
    parse_weekday,
)

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
CHANGES = {"subscribe", "pause", "resume", "unsubscribe", "stop", "start"}


def _safe(text: str) -> str:
    """Slack mrkdwn treats &, < and > as markup; escape anything that came from outside."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _load_library(settings) -> list[Prompt]:
    from pathlib import Path

    from bot.prompts.library import load_library

    return load_library(Path(settings.prompts_dir))


def handle_prompts_command(
    store,
    settings,
    *,
    platform: str,
    conversation_id: str,
    user_id: str,
    text: str,
    is_admin: bool = False,
    reference: dict | None = None,
    now: datetime | None = None,
) -> str:
    now = now or datetime.now(UTC)
    try:
        words = shlex.split(text or "")
    except ValueError:  # an unmatched quote: fall back to plain words rather than failing
        words = (text or "").split()
    if not words or words[0].lower() in {"help", "?"}:
        return USAGE
    command, args = words[0].lower(), words[1:]
    if command in CHANGES and not (is_admin or settings.is_lead(platform, user_id)):
        return REFUSAL
    try:
        if command == "subscribe":
            return _subscribe(store, settings, platform, conversation_id, user_id, args, reference, now)
        if command in {"pause", "stop"}:
            sub = store.pause_subscription(platform, conversation_id, "paused by a lead", now=now)
            return (
                "Weekly prompts paused for this conversation. `prompts resume` starts them again."
                if sub
                else _none_here()
            )
        if command in {"resume", "start"}:
            sub = store.resume_subscription(platform, conversation_id, now=now)
            if sub is None:
                return _none_here()
            return (
                "Weekly prompts resumed. "
                + _schedule_line(sub)
                + "\nNext prompt: "
                + describe_local(next_send_time(sub, now), sub.timezone)
                + "."
            )
        if command == "unsubscribe":
            done = store.unsubscribe(platform, conversation_id, now=now)
            return "Unsubscribed: no more weekly prompts here." if done else _none_here()
        if command == "status":
            return _status(store, settings, platform, conversation_id, now)
        if command == "list":
            return _list(settings)
    except ScheduleError as e:
        return f"{_safe(str(e))}\n\n{USAGE}"
    return f"I don't know the prompts command '{_safe(command)}'.\n\n{USAGE}"


def _none_here() -> str:
    return "This conversation has no weekly prompt subscription. A lead can start one with `prompts subscribe monday 09:00`."


def _schedule_line(sub) -> str:
    filters = []
    if sub.audience and sub.audience != "all":
        filters.append(f"audience {sub.audience}")
    if sub.tag:
        filters.append(f"tag {_safe(sub.tag)}")
    extra = f" ({', '.join(filters)})" if filters else ""
    return f"Every {WEEKDAYS[sub.weekday].capitalize()} at {sub.time} {sub.timezone}{extra}."


def _subscribe(store, settings, platform, conversation_id, user_id, args, reference, now) -> str:
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
    weekday = parse_weekday(positional[0])
    hhmm = parse_time(positional[1])
    tz = parse_timezone(positional[2]) if len(positional) == 3 else DEFAULT_TIMEZONE
    audience = parse_audience(options["audience"]) if "audience" in options else None
    tag = options.get("tag", "").strip().lower() or None
    library = _try_library(settings)
    if tag and library is not None and not any(tag in {t.lower() for t in p.tags} for p in library):
        known = sorted({t.lower() for p in library for t in p.tags})
        raise ScheduleError(
            f"No prompt has the tag '{tag}'. Tags in the library: {', '.join(known) or 'none'}."
        )
    store.upsert_conversation(platform, conversation_id, reference, now=now)
    sub = store.subscribe(
        platform,
        conversation_id,
        weekday=weekday,
        time=hhmm,
        timezone=tz,
        audience=audience,
        tag=tag,
        created_by=user_id,
        now=now,
    )
    return (
        "Subscribed: this conversation gets a weekly prompt. "
        + _schedule_line(sub)
        + "\nFirst prompt: "
        + describe_local(next_send_time(sub, now), tz)
        + "."
    )


def _try_library(settings) -> list[Prompt] | None:
    try:
        return _load_library(settings)
    except Exception:  # noqa: BLE001 - tag validation is a courtesy; `list` reports a broken library
        return None


def _status(store, settings, platform, conversation_id, now) -> str:
    sub = store.get_subscription(platform, conversation_id)
    if sub is None:
        return _none_here()
    lines = [_schedule_line(sub)]
    if not sub.active:
        lines.append(f"Paused: {_safe(sub.paused_reason or 'paused')}. A lead can `prompts resume`.")
    else:
        key, _ = current_slot(sub, now)
        this_week = store.get_delivery(sub.id, key)
        done = this_week is not None and this_week.status in {"sent", "skipped"}
        lines.append("Next prompt: " + describe_local(next_send_time(sub, now, done), sub.timezone) + ".")
    sent = [d for d in store.list_deliveries(sub.id, status="sent") if d.sent_at]
    if sent:
        last = sent[-1]
        library = {p.id: p for p in (_try_library(settings) or [])}
        title = library[last.prompt_id].title if last.prompt_id in library else last.prompt_id
        lines.append(f"Last sent: “{_safe(title or '?')}” on {describe_local(last.sent_at, sub.timezone)}.")
    return "\n".join(lines)


def _list(settings) -> str:
    try:
        library = _load_library(settings)
    except Exception as e:  # noqa: BLE001 - the reply names the problem
        return f"The prompt library could not be loaded: {_safe(str(e))}"
    if not library:
        return "The prompt library is empty."
    lines = [f"Weekly prompts in the library ({len(library)}):"]
    lines += [f"• {_safe(p.title)} — for {p.audience} ({_safe(p.id)})" for p in library]
    return "\n".join(lines)
