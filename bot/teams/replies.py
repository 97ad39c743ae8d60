"""Replying within a Teams turn, and what a turn needs to know about the incoming activity.

- `Replies.send` answers in the same conversation or thread; 403 means hibot was removed, so the
  conversation is marked and nothing is sent there again.
- `Replies.beside` runs the turn's database bookkeeping beside it: a database outage (retried by the
  store) then delays neither the reply nor, beyond BOOKKEEPING_WAIT_S, the HTTP response.
- Extras that read the database on the way to an answer (share targets: share_targets.py, follow-up
  history) wait at most EXTRAS_WAIT_S: an answer without them beats an answer held up by an outage.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from botbuilder.core import TurnContext
from botbuilder.schema import Activity

from bot.runtime import AdapterStore
from bot.teams.connector import http_status, to_activity
from bot.teams.mentions import base_conversation_id

log = logging.getLogger("hibot.teams")
PLATFORM = "teams"
BOOKKEEPING_WAIT_S = 2.0  # how long a turn's HTTP response waits for its database writes
BOOKKEEPING = "hibot.bookkeeping"  # turn_state key: the turn's writes running beside it
EXTRAS_WAIT_S = 1.0  # how long an answer waits for a database read it can do without
T = TypeVar("T")


class Replies:
    def __init__(self, store: AdapterStore):
        self.store = store
        self._background: set[asyncio.Task] = set()  # strong references until done

    async def send(self, ctx: TurnContext, activity: dict[str, Any]) -> str | None:
        """Reply in the same conversation / thread (replyToId = the incoming activity); the message id,
        or None when hibot may no longer post there."""
        try:
            response = await ctx.send_activity(to_activity(activity))
        except Exception as e:
            if http_status(e) == 403:
                conv_id = base_conversation_id(ctx.activity.conversation.id)
                await asyncio.to_thread(self.store.mark_conversation_removed, PLATFORM, conv_id)
                log.warning("teams_forbidden: conversation marked removed")
                return None
            raise
        return (response.id if response is not None else None) or ""

    def beside(self, ctx: TurnContext, work: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.create_task(work, name="hibot-teams-bookkeeping")  # drained on shutdown
        self._background.add(task)
        task.add_done_callback(self._finished)
        ctx.turn_state.setdefault(BOOKKEEPING, []).append(task)

    def _finished(self, task: asyncio.Task) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("teams_bookkeeping_failed: %s", type(task.exception()).__name__)

    async def settle(self, ctx: TurnContext) -> None:
        """Wait (bounded) for the turn's bookkeeping before the HTTP response goes back."""
        if ctx.turn_state.get(BOOKKEEPING):
            await asyncio.wait(ctx.turn_state[BOOKKEEPING], timeout=BOOKKEEPING_WAIT_S)


async def extra(what: str, default: T, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """A database read an answer can do without: at most EXTRAS_WAIT_S, else `default`."""
    try:
        return await asyncio.wait_for(asyncio.to_thread(fn, *args, **kwargs), EXTRAS_WAIT_S)
    except Exception as e:  # noqa: BLE001 - timeout or database error: answer without it
        log.warning("%s_unavailable: %s", what, type(e).__name__)
        return default


# --- the incoming activity -----------------------------------------------------------------------
def user_id(a: Activity) -> str:
    user = a.from_property
    if user is None:
        return ""
    return user.aad_object_id or user.id or ""


def tenant_id(a: Activity) -> str | None:
    data = a.channel_data if isinstance(a.channel_data, dict) else {}
    return (data.get("tenant") or {}).get("id") or a.conversation.tenant_id


def team_id(a: Activity) -> str | None:
    data = a.channel_data if isinstance(a.channel_data, dict) else {}
    return (data.get("team") or {}).get("id")


def key(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()
