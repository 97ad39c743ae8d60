"""The library side of `prompts …` in chat: list, next, history, preview, send now (a private test),
add and remove a local prompt. Called by bot/prompts/commands.py after the permission check; every
function returns the plain-text reply."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.models import Answer, Prompt
from bot.prompts.local import PREFIX, build_prompt, parse_fields
from bot.prompts.local import USAGE as ADD_USAGE
from bot.prompts.render_text import render_prompt_text
from bot.prompts.service import WeeklyPrompts
from bot.prompts.subscriptions import describe_local

NO_ENGINE = "Previews need the answer engine, which is still loading. Please try again in a minute."
NOT_PRIVATE = (
    "A test send is only for you, so it goes to your chat with hibot: open a chat with hibot and type "
    "`prompts send now` there (add a prompt id for a particular one)."
)


class PromptEngine(Protocol):
    def answer(self, question: str, history: list[str] | None = None) -> Answer: ...


def handle(
    service: WeeklyPrompts,
    engine: PromptEngine | None,
    command: str,
    args: list[str],
    where: tuple[str, str],
    user_id: str,
    private: bool,
    now: datetime,
) -> str | None:
    """The reply, or None for a command this module does not know."""
    if command == "list":
        return library_text(service)
    if command == "next":
        return next_text(service, where)
    if command == "history":
        return history_text(service, where)
    if command == "preview":
        return preview(service, engine, where, args[0] if args else None, test=False)
    if command == "send":
        if [a.lower() for a in args[:1]] != ["now"]:
            return "Did you mean `prompts send now`? It sends you the next prompt privately, as a test."
        if not private:
            return NOT_PRIVATE
        return preview(service, engine, where, args[1] if len(args) > 1 else None, test=True)
    if command == "remove":
        return remove(service, args[0] if args else "")
    return None


def library_text(service: WeeklyPrompts) -> str:
    try:
        library = service.library()
    except Exception as e:  # noqa: BLE001 - the reply names the problem
        return f"The prompt library could not be loaded: {e}"
    if not library:
        return "The prompt library is empty."
    lines = [f"Weekly prompts in the library ({len(library)}):"]
    lines += [
        f"• {p.title} — for {p.audience} ({p.id}{', written here' if p.id.startswith(PREFIX) else ''})"
        for p in library
    ]
    return "\n".join(lines)


def next_text(service: WeeklyPrompts, where: tuple[str, str]) -> str:
    """The title of the next prompt, for this conversation or (elsewhere) every subscription here."""
    sub = service.store.get_subscription(*where)
    subs = [sub] if sub else [s for s in service.store.list_subscriptions(where[0]) if s.active]
    if not subs:
        return "No weekly prompts are set up. A lead can start them with `prompts subscribe monday 9am`."
    lines = []
    for s in subs:
        name = service.conversation_name(s.platform, s.conversation_id) or (
            "here" if s is sub else s.conversation_id
        )
        nxt, when = service.next_prompt(s), service.next_send(s, datetime.now().astimezone())
        title = f"“{nxt.title}”" if nxt else "nothing (no prompt matches its audience and tag)"
        at = f" on {describe_local(when, s.timezone)}" if when else " (paused)"
        lines.append(f"• {name}: {title}{at}")
    return "Next weekly prompt:\n" + "\n".join(lines)


def history_text(service: WeeklyPrompts, where: tuple[str, str]) -> str:
    rows = service.history(*where)
    if not rows:
        return "No weekly prompt has been sent here yet."
    sub = service.store.get_subscription(*where)
    zone = sub.timezone if sub else "Europe/London"
    lines = ["Weekly prompts sent here, latest first:"]
    for d, title in rows:
        when = describe_local(d.sent_at or d.slot_at, zone)
        state = "" if d.status == "sent" else f" ({d.status}{': ' + d.error if d.error else ''})"
        lines.append(f"• {when}: “{title or '—'}”{state}")
    return "\n".join(lines)


def _pick(service: WeeklyPrompts, where: tuple[str, str], prompt_id: str | None) -> Prompt | str:
    if prompt_id:
        return service.prompt(prompt_id) or f"No prompt has the id '{prompt_id}'. `prompts list` shows them."
    sub = service.store.get_subscription(*where)
    chosen = service.next_prompt(sub) if sub else next(iter(service.library_or_none() or []), None)
    return chosen or "There is no prompt to show: the library is empty."


def preview(
    service: WeeklyPrompts,
    engine: PromptEngine | None,
    where: tuple[str, str],
    prompt_id: str | None,
    test: bool,
) -> str:
    """The post exactly as a channel would get it, answered now (the schedule is not touched)."""
    prompt = _pick(service, where, prompt_id)
    if isinstance(prompt, str):
        return prompt
    if engine is None:
        return NO_ENGINE
    post = render_prompt_text(prompt, engine.answer(prompt.question))
    head = "Test send: only you see this; the weekly schedule is unchanged." if test else "Preview:"
    return f"{head}\n\n{post}"


def add(service: WeeklyPrompts, engine: PromptEngine | None, text: str, author: tuple[str, str]) -> str:
    if not text:
        return ADD_USAGE
    draft = build_prompt(parse_fields(text), set())  # the checks, before the engine or the store
    if engine is not None:
        answer = engine.answer(draft.question)
        if answer.abstained or not answer.citations:
            return (
                f"That prompt was not added: hibot cannot answer its question from the guidance "
                f"({answer.reason or 'no citations'}). Ask something the guidance covers, e.g. "
                "“What does the guidance say about smoking cessation?”"
            )
    prompt = service.add_local(text, author)
    tags = (
        f", tags {', '.join(prompt.tags)}" if prompt.tags else " (no tags: it joins untagged subscriptions)"
    )
    return (
        f"Added “{prompt.title}” as {prompt.id}, for {prompt.audience}{tags}. It joins the rotation beside "
        f"the library. `prompts preview {prompt.id}` shows it; `prompts remove {prompt.id}` takes it out."
    )


def remove(service: WeeklyPrompts, prompt_id: str) -> str:
    if not prompt_id:
        return "Say which one: `prompts remove local-…` (`prompts list` shows the ids)."
    if service.remove_local(prompt_id):
        return f"Removed {prompt_id}: it will not be sent again (its past posts stay in the history)."
    if service.prompt(prompt_id) is not None:
        return (
            f"{prompt_id} is part of the shipped library (prompts/{prompt_id}.yaml); only prompts written "
            "in chat can be removed here."
        )
    return f"No prompt written in chat has the id '{prompt_id}'. `prompts list` shows them."
