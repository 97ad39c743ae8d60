"""`hibot prompts …`: the prompt library, channel subscriptions, and one scheduler tick for cron.

A thin caller of the weekly-prompts service (bot/prompts/service.py), as the chat commands are:
this module parses arguments and prints; the rules live in the service.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
from datetime import UTC, datetime
from typing import Annotated, NoReturn

import typer

from bot.config import get_settings
from bot.models import Prompt
from bot.prompts.render_text import render_prompt_text
from bot.prompts.service import SubscriptionStatus, WeeklyPrompts, load_prompts
from bot.prompts.subscriptions import DEFAULT_TIMEZONE, WEEKDAYS, ScheduleError, describe_local
from bot.storage import open_store
from bot.storage.records import Subscription

prompts_app = typer.Typer(help="The weekly prompt library and channel subscriptions.", no_args_is_help=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
Target = Annotated[str, typer.Argument(help="PLATFORM:CONVERSATION_ID, e.g. slack:C0123456789.")]
PromptId = Annotated[str, typer.Argument(help="The prompt id (see `hibot prompts list`).")]


def _echo(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def _fail(message: str, code: int = 1) -> NoReturn:
    sys.stderr.write(f"Error: {message}\n")
    raise typer.Exit(code)


def _service() -> WeeklyPrompts:
    settings = get_settings()
    return WeeklyPrompts(open_store(settings), settings.prompts_dir)


def _library() -> list[Prompt]:
    try:
        return load_prompts(get_settings().prompts_dir)
    except Exception as e:  # noqa: BLE001 - PromptLibraryError or I/O: show the message, not a traceback
        _fail(f"the prompt library is invalid: {e}", 2)


def _prompt(prompt_id: str) -> Prompt:
    for p in _library():
        if p.id == prompt_id:
            return p
    _fail(f"no prompt with id '{prompt_id}'. `hibot prompts list` shows the ids.", 1)


TEAMS_CONVERSATION = re.compile(r"^(19:.+@thread\.(tacv2|skype|v2)|a:.+|8:.+)$")


def _target(target: str, resolve: bool = False) -> tuple[str, str]:
    """(platform, conversation id). With `resolve`, a Slack #name is looked up (a name stored as an
    id would never be delivered); a malformed id is refused either way."""
    platform, _, conversation_id = target.partition(":")  # Teams ids contain ':' themselves; split once
    if platform not in {"slack", "teams"} or not conversation_id:
        _fail("the conversation must look like slack:C0123456789 or teams:19:abc…@thread.tacv2", 2)
    if platform == "teams" and not TEAMS_CONVERSATION.match(conversation_id):
        _fail(f"'{conversation_id}' is not a Teams conversation id (19:…@thread.tacv2, or a: for a chat)", 2)
    if platform == "slack" and resolve:
        from bot.slack.channels import ChannelLookupError, resolve_channel  # slack_sdk, only here

        try:
            conversation_id = resolve_channel(get_settings(), conversation_id)
        except ChannelLookupError as e:
            _fail(str(e), 2)
    return platform, conversation_id


def _prompt_dict(p: Prompt) -> dict:
    return {
        "id": p.id,
        "title": p.title,
        "audience": p.audience,
        "tags": list(p.tags),
        "body": p.body,
        "question": p.question,
        "action": p.action,
    }


def _sub_dict(sub: Subscription) -> dict:
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


def _status_dict(status: SubscriptionStatus) -> dict:
    last = status.last_delivery
    return {
        **_sub_dict(status.subscription),
        "next_send": status.next_send.isoformat() if status.next_send else None,
        "last_delivery": None
        if last is None
        else {
            "period": last.period_key,
            "status": last.status,
            "prompt_id": last.prompt_id,
            "sent_at": last.sent_at.isoformat() if last.sent_at else None,
        },
    }


def _status_line(status: SubscriptionStatus, service: WeeklyPrompts, titles: dict[str, str]) -> str:
    sub, last = status.subscription, status.last_delivery
    name = service.conversation_name(sub.platform, sub.conversation_id)
    where = f"{sub.platform}:{sub.conversation_id}" + (f" ({name})" if name else "")
    state = "active" if sub.active else f"paused ({sub.paused_reason})"
    upcoming = service.next_prompt(sub) if status.next_send else None
    nxt = f"next {describe_local(status.next_send, sub.timezone)}" if status.next_send else ""
    nxt += f" “{upcoming.title}”" if upcoming else ""
    last_title = titles.get(last.prompt_id or "", last.prompt_id or "") if last else ""
    last_s = (
        f"last {last.period_key} {last.status} “{last_title}”"
        if last and last_title
        else (f"last {last.period_key} {last.status}" if last else "never sent")
    )
    return f"{where}  {WEEKDAYS[sub.weekday]} {sub.time} {sub.timezone}  {state}  {nxt}  {last_s}"


# --- the library ---------------------------------------------------------------------------------
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
def show(prompt_id: PromptId, as_json: JsonOpt = False) -> None:
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
def preview(prompt_id: PromptId) -> None:
    """Answer the prompt's question now and print exactly the text a channel would see."""
    from bot.engine_cache import get_engine  # deferred: loads the index and the model

    p = _prompt(prompt_id)
    answer = get_engine(get_settings()).answer(p.question)
    _echo(render_prompt_text(p, answer))


# --- subscriptions -------------------------------------------------------------------------------
@prompts_app.command("subscribe")
def subscribe(
    target: Target,
    weekday: Annotated[str, typer.Argument(help="Day of the week: monday … sunday (or mon … sun).")],
    at: Annotated[str, typer.Argument(metavar="TIME", help="Local time: 9am, 9:00 or 09:00.")],
    tz: Annotated[str, typer.Option("--tz", help="IANA time zone.")] = DEFAULT_TIMEZONE,
    audience: Annotated[str | None, typer.Option(help="clinicians, leaders, board-members or all.")] = None,
    tag: Annotated[str | None, typer.Option(help="Only prompts with this tag.")] = None,
    by: Annotated[
        str | None, typer.Option("--by", help="Platform user id of the lead (stored hashed).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Subscribe a Slack channel (id or #name) or Teams conversation to one weekly prompt."""
    platform, conversation_id = _target(target, resolve=True)
    service, now = _service(), datetime.now(UTC)
    try:
        sub = service.subscribe(
            platform,
            conversation_id,
            weekday=weekday,
            time=at,
            timezone=tz,
            audience=audience,
            tag=tag,
            created_by=by,
            now=now,
        )
    except ScheduleError as e:
        _fail(str(e), 2)
    first = service.next_send(sub, now)
    if as_json:
        _echo(json.dumps({**_sub_dict(sub), "next_send": first.isoformat() if first else None}))
    else:
        slot = f"every {WEEKDAYS[sub.weekday].capitalize()} at {sub.time} {sub.timezone}"
        when = f" First prompt {describe_local(first, sub.timezone)}." if first else ""
        _echo(f"Subscribed {platform}:{conversation_id}: {slot}.{when}")
    warning = service.repeat_warning(sub)
    if warning:
        sys.stderr.write(warning.replace("`prompts add`", "`prompts add` in chat") + "\n")
    if platform == "teams" and not service.has_conversation(platform, conversation_id):
        sys.stderr.write(
            "Warning: no conversation reference stored for this Teams conversation yet; the bot must be "
            "installed there (or receive a message) before it can post.\n"
        )


@prompts_app.command("unsubscribe")
def unsubscribe(target: Target) -> None:
    """Stop weekly prompts in a conversation (its delivery history is kept)."""
    if not _service().unsubscribe(*_target(target)):
        _fail(f"{target} has no subscription", 1)
    _echo(f"Unsubscribed {target}.")


@prompts_app.command("pause")
def pause(
    target: Target,
    reason: Annotated[str, typer.Option("--reason", help="Shown in `prompts status`.")] = "paused by a lead",
) -> None:
    """Pause a conversation's weekly prompts (the subscription and its rotation are kept)."""
    if _service().pause(*_target(target), reason) is None:
        _fail(f"{target} has no subscription", 1)
    _echo(f"Paused {target}.")


@prompts_app.command("resume")
def resume(target: Target) -> None:
    """Resume a paused conversation; weeks missed while paused are not sent late."""
    if _service().resume(*_target(target)) is None:
        _fail(f"{target} has no subscription", 1)
    _echo(f"Resumed {target}.")


@prompts_app.command("status")
def status(as_json: JsonOpt = False) -> None:
    """Every subscription, its next send time and its last delivery."""
    service = _service()
    statuses = service.statuses()
    if as_json:
        _echo(json.dumps([_status_dict(s) for s in statuses], indent=2))
        return
    if not statuses:
        _echo("No subscriptions. Add one with `hibot prompts subscribe slack:C0123 monday 09:00`.")
    titles = service.titles()
    for s in statuses:
        _echo(_status_line(s, service, titles))


# --- delivery ------------------------------------------------------------------------------------
@prompts_app.command("send-due")
def send_due(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what is due without claiming or posting.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Run one scheduler tick (for cron): post every prompt that is due, exactly once."""
    from bot.prompts.scheduler import Scheduler  # deferred: it brings the platform senders' imports

    settings = get_settings()
    store, library = open_store(settings), _library()
    if dry_run:
        engine, senders = None, {}
    else:
        from bot.engine_cache import get_engine  # deferred: loads the index and the model
        from bot.runtime import build_senders  # deferred: the platform clients

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
        sent, failed = sum(r.status == "sent" for r in results), sum(r.status == "failed" for r in results)
        _echo(f"{len(results)} due" if dry_run else f"{sent} sent, {failed} failed")
    if any(r.status == "failed" for r in results):
        raise typer.Exit(1)
