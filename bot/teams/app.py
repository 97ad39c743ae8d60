"""POST /api/messages: Teams activities in, cited answers out.

The handler authenticates the request first (401 before anything else happens), then runs one botbuilder
turn: messages (questions, `prompts …` commands, card submits for feedback and sharing) and install /
uninstall events. Rendering is in `render`, SDK plumbing in `connector`.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from typing import Any

import jwt
import requests
from aiohttp import web
from botbuilder.core import TurnContext
from botbuilder.schema import Activity

from bot.config import Settings
from bot.engine import answer_off_loop
from bot.models import ConversationGone
from bot.teams import render
from bot.teams.connector import (
    TeamsConfigError,
    entity_dicts,
    http_status,
    is_member,
    make_adapter,
    make_auth,
    post_to_conversation,
    reference_dict,
    to_activity,
)
from bot.teams.history import TurnHistory
from bot.teams.mentions import base_conversation_id, first_word, strip_mentions

log = logging.getLogger("hibot.teams")
BOOKKEEPING_WAIT_S = 2.0  # how long a turn's HTTP response waits for its database writes
BOOKKEEPING = "hibot.bookkeeping"  # turn_state key: the turn's writes running beside it
PLATFORM = "teams"
HELP_WORDS = {"help", "hi", "hello", "?", "start"}


def teams_routes(settings: Settings, engine, store) -> list[web.RouteDef]:
    """The Teams route for `hibot serve`. Misconfigured credentials disable Teams (503), never the server."""
    try:
        handler = TeamsHandler(settings, engine, store)
    except TeamsConfigError as e:
        log.error("Teams disabled: %s", e)
        reason = str(e)

        async def disabled(_: web.Request) -> web.Response:
            return web.json_response({"error": f"Teams is not configured: {reason}"}, status=503)

        return [web.post("/api/messages", disabled)]
    if not settings.microsoft_app_id:
        log.warning("Teams in local emulator mode: MicrosoftAppId is empty, requests are not authenticated")
    return [web.post("/api/messages", handler.handle)]


class TeamsHandler:
    def __init__(self, settings: Settings, engine, store, history: TurnHistory | None = None):
        self.settings = settings
        self.auth = make_auth(settings)
        self.adapter = make_adapter(self.auth)
        self.adapter.on_turn_error = self._on_turn_error
        self.bot = HibotTeamsBot(settings, engine, store, self.adapter, history or TurnHistory())

    async def handle(self, request: web.Request) -> web.Response:
        if "application/json" not in (request.headers.get("Content-Type") or ""):
            return web.json_response({"error": "expected application/json"}, status=415)
        try:
            body = await request.json()
            activity = Activity().deserialize(body)
        except Exception:  # noqa: BLE001 - any unparseable body is the caller's error
            return web.json_response({"error": "invalid activity"}, status=400)
        if not isinstance(body, dict) or not activity.type:
            return web.json_response({"error": "invalid activity"}, status=400)
        # Authenticate before any work. botbuilder raises PermissionError for a missing or rejected token and
        # lets jwt decoding errors escape for a malformed one; both are 401 here, never a 500.
        try:
            auth_result = await self.auth.authenticate_request(
                activity, request.headers.get("Authorization", "")
            )
        except (PermissionError, jwt.PyJWTError, ValueError, KeyError, TypeError) as e:
            log.info("teams_unauthorized: %s", type(e).__name__)
            return web.json_response({"error": "unauthorized"}, status=401)
        except (requests.RequestException, OSError) as e:
            # A well-formed token makes botbuilder fetch Microsoft's signing keys (OpenID metadata); if that
            # fails we cannot decide, so ask the Bot Service to retry rather than accept or reject.
            log.warning("teams_auth_unavailable: %s", type(e).__name__)
            return web.json_response({"error": "token validation unavailable"}, status=503)
        invoke = await self.adapter.process_activity(auth_result, activity, self.bot.on_turn)
        if invoke:
            return web.json_response(invoke.body, status=invoke.status)
        return web.Response(status=201)

    async def _on_turn_error(self, ctx: TurnContext, error: Exception) -> None:
        log.error("teams_turn_failed: %s", type(error).__name__, exc_info=error)


class HibotTeamsBot:
    def __init__(self, settings: Settings, engine, store, adapter, history: TurnHistory):
        self.settings = settings
        self.engine = engine
        self.store = store
        self.adapter = adapter
        self.history = history
        self.app_id = settings.microsoft_app_id or ""
        self._background: set[asyncio.Task] = set()  # strong references until done

    # --- dispatch ----------------------------------------------------------------------------------------
    async def on_turn(self, ctx: TurnContext) -> None:
        kind = ctx.activity.type
        if kind == "message":
            await self.on_message(ctx)
        elif kind == "conversationUpdate":
            await self.on_conversation_update(ctx)
        elif kind == "installationUpdate":
            await self.on_installation_update(ctx)

    # --- messages ----------------------------------------------------------------------------------------
    async def on_message(self, ctx: TurnContext) -> None:
        a = ctx.activity
        if not await self._first_delivery(a):
            return  # a retried delivery of a message we already handled
        self._beside(ctx, self._remember_conversation(a))  # the reference, for proactive sends later
        try:
            await self._dispatch_message(ctx, a)
        finally:
            if ctx.turn_state.get(BOOKKEEPING):
                await asyncio.wait(ctx.turn_state[BOOKKEEPING], timeout=BOOKKEEPING_WAIT_S)

    async def _dispatch_message(self, ctx: TurnContext, a: Activity) -> None:
        value = a.value if isinstance(a.value, dict) else None
        if value and value.get(render.HIBOT_KEY) == "feedback":
            return await self.on_feedback(ctx, value)
        if value and value.get(render.HIBOT_KEY) == "share":
            return await self.on_share(ctx, value)
        question = strip_mentions(a.text, entity_dicts(a), a.recipient.id if a.recipient else None)
        word, rest = first_word(question)
        if not question or word in HELP_WORDS and not rest:
            await self._reply(ctx, render.render_welcome(a.conversation.conversation_type))
        elif word == "prompts":
            await self.on_prompts_command(ctx, rest)
        else:
            await self.on_question(ctx, question)

    def _beside(self, ctx: TurnContext, work) -> None:
        """Database bookkeeping runs beside the turn: a database outage (retried by the store) then
        delays neither the reply nor, beyond BOOKKEEPING_WAIT_S, the HTTP response."""
        task = asyncio.create_task(work, name="hibot-teams-bookkeeping")  # drained on shutdown
        self._background.add(task)
        task.add_done_callback(self._finished)
        ctx.turn_state.setdefault(BOOKKEEPING, []).append(task)

    def _finished(self, task: asyncio.Task) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("teams_bookkeeping_failed: %s", type(task.exception()).__name__)

    async def on_question(self, ctx: TurnContext, question: str) -> None:
        a = ctx.activity
        thread = a.conversation.id  # channel threads have their own id, so follow-ups stay in the thread
        history = self.history.get(thread)
        answer = await answer_off_loop(self.engine, question, history or None)
        self.history.add(thread, answer.question)  # redacted: no patient data kept in memory either
        targets = await self._share_targets(a) if a.conversation.conversation_type == "personal" else []
        activity = render.render_answer(answer, share_targets=targets)
        if await self._reply(ctx, activity) is not None:
            self._beside(ctx, asyncio.to_thread(self.store.save_answer, answer, PLATFORM, activity, _user_id(a)))

    async def on_prompts_command(self, ctx: TurnContext, text: str) -> None:
        from bot.prompts.commands import handle_prompts_command  # another package; loaded when first used

        a = ctx.activity
        reply = await asyncio.to_thread(
            handle_prompts_command,
            self.store,
            self.settings,
            platform=PLATFORM,
            conversation_id=base_conversation_id(a.conversation.id),
            user_id=_user_id(a),
            text=text,
            is_admin=False,
            reference=reference_dict(a),
        )
        await self._reply(ctx, render.render_text(_unescape_mrkdwn(reply)))

    async def on_feedback(self, ctx: TurnContext, value: dict) -> None:
        from bot.safety import redact

        answer_id = str(value.get("answer_id") or "")
        try:
            rating = int(value.get("rating"))
        except (TypeError, ValueError):
            rating = 0
        if rating not in (1, -1) or not answer_id:
            await self._reply(ctx, render.render_text("Sorry, I couldn't read that feedback."))
            return
        if await asyncio.to_thread(self.store.get_answer, answer_id) is None:
            await self._reply(ctx, render.render_text("Sorry, I can no longer find that answer."))
            return
        comment = str(value.get("comment") or "").strip()[: render.COMMENT_MAX]
        comment = redact(comment).text if comment else None  # free text may carry patient details
        await asyncio.to_thread(
            self.store.add_feedback, PLATFORM, _user_id(ctx.activity), answer_id, rating, comment or None
        )
        await self._reply(ctx, render.render_text("Thanks — your feedback was recorded."))

    async def on_share(self, ctx: TurnContext, value: dict) -> None:
        a = ctx.activity
        answer_id = str(value.get("answer_id") or "")
        target_id = str(value.get("conversation_id") or "")
        stored = await asyncio.to_thread(self.store.get_answer, answer_id) if answer_id else None
        target = (
            await asyncio.to_thread(self.store.get_conversation, PLATFORM, target_id) if target_id else None
        )
        allowed = {t.conversation_id for t in await self._share_targets(a)}
        if stored is None or target is None or target_id not in allowed or not target.reference:
            await self._reply(ctx, render.render_text("Sorry, I can't share that answer to that channel."))
            return
        user = a.from_property
        try:
            # Only people in the team may post there through hibot.
            if not await is_member(
                self.adapter, self.app_id, target.reference, target.team_id or target_id, user.id
            ):
                await self._reply(
                    ctx, render.render_text("You can only share to channels of teams you belong to.")
                )
                return
            shared = render.render_answer(stored.answer, shared_by=user.name or "a colleague")
            await post_to_conversation(self.adapter, self.app_id, target.reference, shared, target_id)
        except ConversationGone:
            await asyncio.to_thread(self.store.mark_conversation_removed, PLATFORM, target_id)
            await self._reply(
                ctx, render.render_text("hibot is no longer in that channel, so I couldn't share.")
            )
            return
        await self._reply(ctx, render.render_text(f"Shared to {target.name or 'the channel'}."))

    # --- install / uninstall -----------------------------------------------------------------------------
    async def on_conversation_update(self, ctx: TurnContext) -> None:
        a = ctx.activity
        bot_id = a.recipient.id if a.recipient else None
        if any(m.id == bot_id for m in a.members_removed or []):
            await self._removed(a)
        elif any(m.id == bot_id for m in a.members_added or []):
            await self._installed(ctx)

    async def on_installation_update(self, ctx: TurnContext) -> None:
        action = (ctx.activity.action or "").lower()
        if action == "add":
            await self._installed(ctx)
        elif action == "add-upgrade":
            await self._remember_conversation(ctx.activity)
        elif action.startswith("remove"):
            await self._removed(ctx.activity)

    async def _installed(self, ctx: TurnContext) -> None:
        a = ctx.activity
        conv_id = base_conversation_id(a.conversation.id)
        before = await asyncio.to_thread(self.store.get_conversation, PLATFORM, conv_id)
        await self._remember_conversation(a)
        if before is not None and not before.removed:
            return  # Teams sends both installationUpdate and conversationUpdate: welcome once
        # The same key for both events (and both replicas); a new one after each removal, so a reinstall
        # is welcomed again.
        generation = "new" if before is None else before.updated.isoformat()
        if not await asyncio.to_thread(
            self.store.claim_event, PLATFORM, _key("welcome", conv_id, generation)
        ):
            return
        await self._reply(ctx, render.render_welcome(a.conversation.conversation_type))

    async def _removed(self, a: Activity) -> None:
        conv_id = base_conversation_id(a.conversation.id)
        await asyncio.to_thread(self.store.mark_conversation_removed, PLATFORM, conv_id)
        team_id = _team_id(a)
        if team_id:  # removed from a team: none of its channels can be posted to any more
            for conv in await asyncio.to_thread(self.store.list_conversations, PLATFORM, "channel"):
                if conv.team_id == team_id and conv.conversation_id != conv_id:
                    await asyncio.to_thread(
                        self.store.mark_conversation_removed, PLATFORM, conv.conversation_id
                    )
        log.info("teams_conversation_removed")

    # --- helpers -----------------------------------------------------------------------------------------
    async def _remember_conversation(self, a: Activity) -> None:
        data = a.channel_data if isinstance(a.channel_data, dict) else {}
        team = data.get("team") or {}
        channel = data.get("channel") or {}
        kind = a.conversation.conversation_type or ("personal" if not a.conversation.is_group else None)
        await asyncio.to_thread(
            self.store.upsert_conversation,
            PLATFORM,
            base_conversation_id(a.conversation.id),
            reference_dict(a),
            channel_id=channel.get("id"),
            team_id=team.get("id"),
            name=_conversation_name(a, team, channel),
            kind=kind,
        )

    async def _first_delivery(self, a: Activity) -> bool:
        if not a.id:
            return True
        return await asyncio.to_thread(self.store.claim_event, PLATFORM, _key("msg", a.conversation.id, a.id))

    async def _share_targets(self, a: Activity) -> list[render.ShareTarget]:
        tenant = _tenant_id(a)
        # The share button is an extra: with the database away, answer now without it rather than
        # wait through the store's outage retries.
        list_now = getattr(self.store, "list_conversations_once", self.store.list_conversations)
        try:
            convs = await asyncio.to_thread(list_now, PLATFORM, "channel")
        except Exception as e:
            log.warning("teams_share_targets_unavailable: %s", type(e).__name__)
            return []
        targets = []
        for c in convs:
            ref_tenant = ((c.reference or {}).get("conversation") or {}).get("tenantId")
            if tenant and ref_tenant and ref_tenant != tenant:
                continue  # never offer (or accept) another organisation's channels
            targets.append(render.ShareTarget(c.conversation_id, c.name or "Channel"))
        return targets

    async def _reply(self, ctx: TurnContext, activity: dict[str, Any]) -> str | None:
        """Reply in the same conversation / thread (replyToId = the incoming activity). 403 means hibot was
        removed: the conversation is marked so nothing is sent there again. Returns the message id."""
        try:
            response = await ctx.send_activity(to_activity(activity))
        except Exception as e:
            if http_status(e) == 403:
                conv_id = base_conversation_id(ctx.activity.conversation.id)
                await asyncio.to_thread(self.store.mark_conversation_removed, PLATFORM, conv_id)
                log.warning("teams_forbidden: conversation marked removed")
                return None
            raise
        return getattr(response, "id", None) or ""


def _user_id(a: Activity) -> str:
    user = a.from_property
    if user is None:
        return ""
    return user.aad_object_id or user.id or ""


def _tenant_id(a: Activity) -> str | None:
    data = a.channel_data if isinstance(a.channel_data, dict) else {}
    return (data.get("tenant") or {}).get("id") or getattr(a.conversation, "tenant_id", None)


def _team_id(a: Activity) -> str | None:
    data = a.channel_data if isinstance(a.channel_data, dict) else {}
    return (data.get("team") or {}).get("id")


def _conversation_name(a: Activity, team: dict, channel: dict) -> str | None:
    if a.conversation.conversation_type == "channel" or team:
        team_name = team.get("name")
        # The General channel has the team's id and often arrives without a name.
        channel_name = channel.get("name") or (
            "General" if channel.get("id") in (None, team.get("id")) else None
        )
        if team_name and channel_name:
            return f"{team_name} › {channel_name}"
        return team_name or channel_name
    return a.conversation.name


def _key(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


def _unescape_mrkdwn(text: str) -> str:
    # The prompts commands escape for Slack mrkdwn; Teams shows entities literally in plain text.
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
