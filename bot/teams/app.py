"""POST /api/messages: Teams activities in, cited answers out.

The handler authenticates the request first (401 before anything else happens), then runs one
botbuilder turn (bot.py). Rendering is in `render`, SDK plumbing in `connector`.
"""

from __future__ import annotations

import logging
from concurrent.futures import Executor

from aiohttp import web
from botbuilder.core import TurnContext
from botbuilder.schema import Activity

from bot.config import Settings
from bot.runtime import AdapterStore, AnswerEngine
from bot.safety.surrogates import without_lone_surrogates
from bot.teams.auth import Unauthorized
from bot.teams.bot import HibotTeamsBot
from bot.teams.connector import TeamsConfigError, TeamsConnection, connect

log = logging.getLogger("hibot.teams")
MESSAGES_PATH = "/api/messages"
LOOPBACK_PEERS = ("127.0.0.1", "::1")


def teams_routes(
    settings: Settings,
    engine: AnswerEngine,
    store: AdapterStore,
    connection: TeamsConnection | None = None,
    answer_pool: Executor | None = None,
    error: str | None = None,
) -> list[web.RouteDef]:
    """The Teams route for `hibot serve`. `connection` (and `answer_pool`) come from the composition
    root, `error` when it could not connect; a bare call connects itself. Misconfigured credentials
    disable Teams (503), never the server."""
    if connection is None and error is None:
        try:
            connection = connect(settings)
        except TeamsConfigError as e:
            error = str(e)
    if connection is None:
        log.error("Teams disabled: %s", error)

        async def disabled(_: web.Request) -> web.Response:
            return web.json_response({"error": f"Teams is not configured: {error}"}, status=503)

        return [web.post(MESSAGES_PATH, disabled)]
    loopback_only = not settings.microsoft_app_id and not settings.allow_unauthenticated_teams
    if not settings.microsoft_app_id:
        log.warning("Teams in local emulator mode: MicrosoftAppId is empty, requests are not authenticated")
    bot = HibotTeamsBot(settings, engine, store, connection, answer_pool)
    handler = TeamsHandler(bot, connection, loopback_only=loopback_only)
    return [web.post(MESSAGES_PATH, handler.handle)]


class TeamsHandler:
    def __init__(self, bot: HibotTeamsBot, connection: TeamsConnection, loopback_only: bool = False):
        self.bot = bot
        self.loopback_only = loopback_only  # emulator mode: unauthenticated, so loopback callers only
        self.auth = connection.auth
        self.adapter = connection.adapter
        self.service_urls = connection.service_urls
        self.adapter.on_turn_error = self._on_turn_error

    async def handle(self, request: web.Request) -> web.Response:
        if self.loopback_only and request.remote not in LOOPBACK_PEERS:
            log.warning("teams_emulator_refused_remote_peer")
            return web.json_response(
                {"error": "Teams emulator mode answers loopback callers only"}, status=403
            )
        if "application/json" not in (request.headers.get("Content-Type") or ""):
            return web.json_response({"error": "expected application/json"}, status=415)
        try:
            body = without_lone_surrogates(await request.json())  # before anything else reads it
            activity = Activity().deserialize(body)
        except Exception:  # noqa: BLE001 - any unparseable body is the caller's error
            return web.json_response({"error": "invalid activity"}, status=400)
        if not isinstance(body, dict) or not activity.type:
            return web.json_response({"error": "invalid activity"}, status=400)
        # Authenticate before any work (bot/teams/auth.py: cached keys, bounded waits). A token that fails
        # for any reason, the signing keys being unreachable included, is 401: never a 500, 503 or a hang.
        try:
            auth_result = await self.auth.authenticate_request(
                activity, request.headers.get("Authorization", "")
            )
        except Exception as e:  # noqa: BLE001 - every failure to authenticate is the same answer
            log.info("teams_unauthorized: %s", e if isinstance(e, Unauthorized) else type(e).__name__)
            return web.json_response({"error": "unauthorized"}, status=401)
        if not self.service_urls.allows(activity.service_url):
            # Before any reply or stored reference: the caller must not choose where hibot posts.
            log.warning("teams_service_url_refused")
            return web.json_response({"error": "serviceUrl not allowed"}, status=403)
        invoke = await self.adapter.process_activity(auth_result, activity, self.bot.on_turn)
        if invoke:
            return web.json_response(invoke.body, status=invoke.status)
        return web.Response(status=201)

    async def _on_turn_error(self, ctx: TurnContext, error: Exception) -> None:
        log.error("teams_turn_failed: %s", type(error).__name__, exc_info=error)
