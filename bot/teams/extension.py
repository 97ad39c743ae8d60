"""Invoke activities: the message extension and the dialogs. Each returns the invoke response's body.

- "Ask hibot" (search command, `composeExtension/query`): the typed question is answered and the answer
  card — question first, sources, 👍/👎 — is offered as a result to insert into any compose box.
- "Ask hibot about this message" (action command, `composeExtension/fetchTask`): the selected message is
  answered in a dialog only the user sees, with Share to a channel of their teams.
- Buttons pressed inside a dialog, and the 👎 comment dialog, come back as `composeExtension/submitAction`
  or `task/submit`; 👍/👎 on a posted card open their dialog with `task/fetch` (submits.py records them).
The command ids are in manifest_commands.py; `hibot teams-package` refuses a manifest whose commands
this module does not handle.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import Activity

from bot.models import Answer
from bot.runtime import AdapterStore
from bot.teams.cards import HIBOT_KEY
from bot.teams.dialogs import answer_task, extension_message, extension_results, message_task
from bot.teams.help import TeamsHelp
from bot.teams.manifest_commands import ABOUT_MESSAGE_COMMAND, ASK_COMMAND, QUERY_PARAMETER
from bot.teams.render import render_answer, render_shared
from bot.teams.replies import PLATFORM, Replies, user_id
from bot.teams.share_targets import ShareTargets
from bot.teams.submits import Submits

log = logging.getLogger("hibot.teams")
QUESTION_MAX = 2_000  # longer selected messages are cut before they are asked
HINT = "Type a question about reducing health inequalities, e.g. What is Core20PLUS5?"
NO_TEXT = "That message has no text I can answer."
UNKNOWN = "Sorry, I don't know that command."
_TAG = re.compile(r"<[^>]+>")
_BREAK = re.compile(r"<\s*(br|/p|/div|/li)\s*/?>", re.IGNORECASE)

Ask = Callable[[str, list[str]], Awaitable[Answer]]


def message_text(payload: dict[str, Any]) -> str:
    """The words of a selected message: its HTML body as plain text (tags dropped, entities decoded)."""
    body = payload.get("body") or {}
    content = str(body.get("content") or "")
    if (body.get("contentType") or "html").lower() == "html":
        content = html.unescape(_TAG.sub("", _BREAK.sub("\n", content)))  # inline tags join their words
    return " ".join(content.split())[:QUESTION_MAX]


class Invokes:
    def __init__(
        self,
        store: AdapterStore,
        replies: Replies,
        targets: ShareTargets,
        submits: Submits,
        ask: Ask,
        still_need_help: TeamsHelp | None = None,
    ):
        self.store, self.replies, self.targets, self.submits, self.ask = store, replies, targets, submits, ask
        self.still_need_help = still_need_help  # "Still need help?" from the 👎 dialog

    async def on_invoke(self, ctx: TurnContext) -> tuple[int, dict[str, Any]]:
        a = ctx.activity
        value = a.value if isinstance(a.value, dict) else {}
        name = a.name or ""
        if name == "composeExtension/query":
            return 200, await self.on_query(ctx, value)
        if name == "composeExtension/fetchTask":
            return 200, await self.on_message_action(ctx, value)
        if name in ("composeExtension/submitAction", "task/submit"):
            return 200, await self.on_dialog_submit(ctx, _data(value))
        if name == "task/fetch":
            return 200, await self.submits.feedback_dialog(a, _data(value))
        return 501, {}  # an invoke hibot does not take part in (Teams shows nothing)

    async def on_query(self, ctx: TurnContext, value: dict) -> dict[str, Any]:
        if value.get("commandId") not in (None, ASK_COMMAND):
            return extension_message(UNKNOWN)
        question = next(
            (
                str(p.get("value") or "")
                for p in value.get("parameters") or []
                if p.get("name") == QUERY_PARAMETER
            ),
            "",
        ).strip()[:QUESTION_MAX]
        if not question:  # the first open of the search box (initialRun) or an emptied box
            return extension_message(HINT)
        answer = await self.ask(question, [])
        if answer.is_conversation or answer.abstained:
            return extension_message(answer.answer)  # nothing to insert: the reason, in the result list
        user = ctx.activity.from_property
        activity = render_shared(answer, (user.name if user else None) or "a colleague")
        self._save(ctx, answer, activity)
        log.info("teams_extension_answered reason=%s", answer.reason)
        return extension_results(answer.question, activity, answer.answer)

    async def on_message_action(self, ctx: TurnContext, value: dict) -> dict[str, Any]:
        if value.get("commandId") != ABOUT_MESSAGE_COMMAND:
            return message_task(UNKNOWN)
        question = message_text(value.get("messagePayload") or {})
        if not question:
            return message_task(NO_TEXT)
        return await self._answer_in_dialog(ctx, question)

    async def on_dialog_submit(self, ctx: TurnContext, data: dict) -> dict[str, Any]:
        """A button inside a dialog: Share, 👍/👎, the 👎 comment, or a suggested question."""
        kind, a = data.get(HIBOT_KEY), ctx.activity
        if kind == "share":
            return message_task(await self.submits.share(a, data))
        if kind == "feedback":
            return await self.submits.feedback_dialog(a, data)
        if kind == "feedback_comment":
            return await self.submits.feedback_comment(a, data)
        if kind == "help" and self.still_need_help is not None:  # "Still need help?" in the 👎 dialog
            return message_task(await self.still_need_help.request(a, str(data.get("answer_id") or "")))
        if kind == "ask" and str(data.get("question") or "").strip():
            return await self._answer_in_dialog(ctx, str(data["question"]).strip()[:QUESTION_MAX])
        return {}  # closes the dialog

    async def _answer_in_dialog(self, ctx: TurnContext, question: str) -> dict[str, Any]:
        """Answered privately, with Share to the user's channels (not for declines or small talk)."""
        answer = await self.ask(question, [])
        shareable = not answer.abstained and not answer.is_conversation
        targets = await self.targets.for_user(ctx.activity) if shareable else []
        activity = render_answer(answer, share_targets=targets)
        self._save(ctx, answer, activity)
        log.info("teams_message_action_answered reason=%s", answer.reason)
        return answer_task(activity)

    def _save(self, ctx: TurnContext, answer: Answer, activity: dict[str, Any]) -> None:
        """The audit record, and what Share and feedback read back, written beside the response."""
        a: Activity = ctx.activity
        self.replies.beside(
            ctx, asyncio.to_thread(self.store.save_answer, answer, PLATFORM, activity, user_id(a))
        )


def _data(value: dict) -> dict:
    data = value.get("data")
    return data if isinstance(data, dict) else {}
