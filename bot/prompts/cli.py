"""`hibot prompts …`: the prompt library, channel subscriptions, and one scheduler tick for cron."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

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

prompts_app = typer.Typer(help="The weekly prompt library and channel subscriptions.", no_args_is_help=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def _echo(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def _fail(message: str, code: int = 1) -> None:
    sys.stderr.write(f"Error: {message}\n")
    raise typer.Exit(code)


def _settings():
    from bot.config import get_settings

    return get_settings()


def _library():
    try:
        from bot.prompts.library import load_library

        return load_library(Path(_settings().prompts_dir))
    except Exception as e:  # noqa: BLE001 - PromptLibraryError or I/O: show the message, not a traceback
        _fail(f"the prompt library is invalid: {e}", 2)


def _prompt(prompt_id: str):
    library = _library()
    for p in library:
        if p.id == prompt_id:
            return p
    _fail(f"no prompt with id '{prompt_id}'. `hibot prompts list` shows the ids.", 1)


def _store():
    from bot.storage import open_store

    return open_store(_settings())


def _target(target: str) -> tuple[str, str]:
    platform, _, conversation_id = target.partition(":")  # Teams ids contain ':' themselves; split once
    if platform not in {"slack", "teams"} or not conversation_id:
        _fail("the conversation must look like slack:C0123456789 or teams:19:abc…@thread.tacv2", 2)
    return platform, conversation_id


def _prompt_dict(p) -> dict:
    return {
        "id": p.id,
        "title": p.title,
        "audience": p.audience,
        "tags": list(p.tags),
        "body": p.body,
        "question": p.question,
        "action": p.action,
    }


@prompts_app.command("list")
def list_prompts(as_json: JsonOpt = False) -> None:
    """List the prompt library (id, audience, tags, title)."""
    library = _library()
    if as_json:
        _echo(json.dumps([_prompt_dict(p) for p in library], ensure_ascii=False, indent=2))
        return
    width = max((len(p.id) for p in library), default=2)
    for p in library:
        _echo(f"{p.id:<{width}}  {p.audience:<13}  {', '.join(p.tags):<30}  {p.title}")
    _echo(f"{len(library)} prompts")


@prompts_app.command("show")
def show(
    prompt_id: Annotated[str, typer.Argument(help="The prompt id (see `hibot prompts list`).")],
    as_json: JsonOpt = False,
) -> None:
    """Show one prompt as written in its YAML file."""
    p = _prompt(prompt_id)
    if as_json:
        _echo(json.dumps(_prompt_dict(p), ensure_ascii=False, indent=2))
        return
    _echo(
        f"{p.title}  ({p.id})\naudience: {p.audience}\ntags: {', '.join(p.tags)}\naction: {p.action}\n\n"
        f"{p.body.strip()}\n\nquestion: {p.question}"
    )


@prompts_app.command("preview")
def preview(
    prompt_id: Annotated[str, typer.Argument(help="The prompt id (see `hibot prompts list`).")],
) -> None:
    """Answer the prompt's question now and print exactly the text a channel would see."""
    from bot.engine import get_engine
    from bot.prompts.render_text import render_prompt_text

    p = _prompt(prompt_id)
    answer = get_engine(_settings()).answer(p.question)
    _echo(render_prompt_text(p, answer))


@prompts_app.command("subscribe")
def subscribe(
    target: Annotated[str, typer.Argument(help="PLATFORM:CONVERSATION_ID, e.g. slack:C0123456789.")],
    weekday: Annotated[str, typer.Argument(help="Day of the week: monday … sunday (or mon … sun).")],
    at: Annotated[str, typer.Argument(metavar="HH:MM", help="Local time, 24-hour.")],
    tz: Annotated[str, typer.Option("--tz", help="IANA time zone.")] = DEFAULT_TIMEZONE,
    audience: Annotated[str | None, typer.Option(help="clinicians, leaders, board-members or all.")] = None,
    tag: Annotated[str | None, typer.Option(help="Only prompts with this tag.")] = None,
    by: Annotated[
        str | None, typer.Option("--by", help="Platform user id of the lead (stored hashed).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Subscribe a Slack channel or Teams conversation to one weekly prompt."""
    platform, conversation_id = _target(target)
    try:
        day, hhmm, zone = parse_weekday(weekday), parse_time(at), parse_timezone(tz)
        aud = parse_audience(audience) if audience else None
    except ScheduleError as e:
        _fail(str(e), 2)
    store = _store()
    conv = store.get_conversation(platform, conversation_id)
    now = datetime.now(UTC)
    sub = store.subscribe(
        platform,
        conversation_id,
        weekday=day,
        time=hhmm,
        timezone=zone,
        audience=aud,
        tag=tag.lower() if tag else None,
        created_by=by,
        now=now,
    )
    first = next_send_time(sub, now)
    if as_json:
        _echo(json.dumps({**_sub_dict(sub), "next_send": first.isoformat()}))
    else:
        _echo(
            f"Subscribed {target}: every {WEEKDAYS[day].capitalize()} at {hhmm} {zone}. "
            f"First prompt {describe_local(first, zone)}."
        )
    if conv is None and platform == "teams":
        sys.stderr.write(
            "Warning: no conversation reference stored for this Teams conversation yet; the bot must be "
            "installed there (or receive a message) before it can post.\n"
        )


@prompts_app.command("unsubscribe")
def unsubscribe(target: Annotated[str, typer.Argument(help="PLATFORM:CONVERSATION_ID")]) -> None:
    """Stop weekly prompts in a conversation (its delivery history is kept)."""
    platform, conversation_id = _target(target)
    if not _store().unsubscribe(platform, conversation_id):
        _fail(f"{target} has no subscription", 1)
    _echo(f"Unsubscribed {target}.")


@prompts_app.command("pause")
def pause(
    target: Annotated[str, typer.Argument(help="PLATFORM:CONVERSATION_ID")],
    reason: Annotated[str, typer.Option("--reason", help="Shown in `prompts status`.")] = "paused by a lead",
) -> None:
    """Pause a conversation's weekly prompts (the subscription and its rotation are kept)."""
    platform, conversation_id = _target(target)
    if _store().pause_subscription(platform, conversation_id, reason) is None:
        _fail(f"{target} has no subscription", 1)
    _echo(f"Paused {target}.")


@prompts_app.command("resume")
def resume(target: Annotated[str, typer.Argument(help="PLATFORM:CONVERSATION_ID")]) -> None:
    """Resume a paused conversation; weeks missed while paused are not sent late."""
    platform, conversation_id = _target(target)
    if _store().resume_subscription(platform, conversation_id) is None:
        _fail(f"{target} has no subscription", 1)
    _echo(f"Resumed {target}.")


def _sub_dict(sub) -> dict:
    return {
        "id": sub.id,
        "platform": sub.platform,
        "conversation_id": sub.conversation_id,
        "weekday": WEEKDAYS[sub.weekday],
        "time": sub.time,
        "timezone": sub.timezone,
        "audience": sub.audience,
        "tag": sub.tag,
        "active": sub.active,
        "paused_reason": sub.paused_reason,
    }


@prompts_app.command("status")
def status(as_json: JsonOpt = False) -> None:
    """Every subscription, its next send time and its last delivery."""
    store = _store()
    now = datetime.now(UTC)
    rows = []
    for sub in store.list_subscriptions():
        key, _ = current_slot(sub, now)
        this_week = store.get_delivery(sub.id, key)
        done = this_week is not None and this_week.status in {"sent", "skipped"}
        history = store.list_deliveries(sub.id)
        last = history[-1] if history else None
        rows.append(
            {
                **_sub_dict(sub),
                "next_send": next_send_time(sub, now, done).isoformat() if sub.active else None,
                "last_delivery": None
                if last is None
                else {
                    "period": last.period_key,
                    "status": last.status,
                    "prompt_id": last.prompt_id,
                    "sent_at": last.sent_at.isoformat() if last.sent_at else None,
                },
            }
        )
    if as_json:
        _echo(json.dumps(rows, indent=2))
        return
    if not rows:
        _echo("No subscriptions. Add one with `hibot prompts subscribe slack:C0123 monday 09:00`.")
        return
    for r in rows:
        state = "active" if r["active"] else f"paused ({r['paused_reason']})"
        nxt = (
            f"next {describe_local(datetime.fromisoformat(r['next_send']), r['timezone'])}"
            if r["next_send"]
            else ""
        )
        last = r["last_delivery"]
        last_s = (
            f"last {last['period']} {last['status']} {last['prompt_id'] or ''}".rstrip()
            if last
            else "never sent"
        )
        _echo(
            f"{r['platform']}:{r['conversation_id']}  {r['weekday']} {r['time']} {r['timezone']}  {state}  "
            f"{nxt}  {last_s}"
        )


@prompts_app.command("send-due")
def send_due(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what is due without claiming or posting.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Run one scheduler tick (for cron): post every prompt that is due, exactly once."""
    from bot.prompts.scheduler import Scheduler

    settings = _settings()
    store = _store()
    library = _library()
    if dry_run:
        engine, senders = None, {}
    else:
        from bot.engine import get_engine
        from bot.server import build_senders

        engine, senders = get_engine(settings), build_senders(settings)
    results = asyncio.run(Scheduler(store, engine, library, senders).run_due(dry_run=dry_run))
    if as_json:
        _echo(json.dumps([r.to_dict() for r in results], indent=2))
    else:
        for r in results:
            detail = r.message_id or r.error or ""
            _echo(
                f"{r.platform}:{r.conversation_id}  {r.period_key}  {r.status}  {r.prompt_id or ''}  {detail}"
            )
        _echo(
            f"{len(results)} due"
            if dry_run
            else f"{sum(r.status == 'sent' for r in results)} sent, "
            f"{sum(r.status == 'failed' for r in results)} failed"
        )
    if any(r.status == "failed" for r in results):
        raise typer.Exit(1)
