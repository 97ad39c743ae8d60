"""The Slack app: a slack-bolt `AsyncApp` served by `hibot serve` at POST /slack/events.

Bolt verifies every request's signature (forged, or older than 5 minutes -> 401), answers Slack's
url_verification and ssl_check, and drops hibot's own messages. With the default
`process_before_response=False`, Bolt acknowledges events itself before running their listener, and
runs command/action listeners in the background returning the HTTP response as soon as they call
`ack()`: so every listener below acks first (or is auto-acked) and the answer follows.
"""

from __future__ import annotations

import asyncio

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot import logs
from bot.config import Settings
from bot.slack.handlers import SlackHandlers
from bot.slack.render import FEEDBACK_DOWN, FEEDBACK_UP, SHARE
from bot.slack.views import FEEDBACK_MODAL, help_text

log = logs.get_logger("hibot.slack")
COMMAND = "/hibot"
SHORTCUT = "ask_hibot"
EVENTS_PATH = "/slack/events"
# Slack's Retry-After is usually a few seconds; 8 tries rides out a burst without giving up a reply.
RATE_LIMIT_RETRIES = 8
_disabled_logged = False


def make_client(settings: Settings, token: str | None = None) -> AsyncWebClient:
    """A Web API client on `settings.slack_api_base_url` that waits out HTTP 429 (Retry-After)."""
    base_url = settings.slack_api_base_url
    client = AsyncWebClient(token=token, base_url=base_url if base_url.endswith("/") else base_url + "/")
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES))
    return client


def single_workspace_authorize(client: AsyncWebClient):
    """Bolt's built-in single-workspace authorization calls auth.test for every request that arrives
    before the first answer is cached, so a burst at start-up meant a burst of auth.test calls (and
    slow acks). This calls it once, behind a lock, and reuses the result."""
    cached: list[AuthorizeResult] = []
    lock = asyncio.Lock()

    async def authorize() -> AuthorizeResult:
        if not cached:
            async with lock:
                if not cached:
                    response = await client.auth_test()
                    cached.append(AuthorizeResult.from_auth_test_response(
                        bot_token=client.token, auth_test_response=response))
        return cached[0]

    return authorize


def build_slack_app(settings: Settings, engine, store, client: AsyncWebClient | None = None) -> AsyncApp:
    """The Bolt app with hibot's listeners. Without a signing secret (Socket Mode) requests are not
    signature-checked, so `slack_routes` never serves such an app over HTTP."""
    client = client or make_client(settings, settings.slack_bot_token)
    app = AsyncApp(
        # Bolt builds each request's client from this one plus the token `authorize` returns.
        client=make_client(settings),
        authorize=single_workspace_authorize(client),
        signing_secret=settings.slack_signing_secret or None,
        request_verification_enabled=bool(settings.slack_signing_secret),
        process_before_response=False,
    )
    register_listeners(app, SlackHandlers(settings, engine, store, client))
    return app


def _is_help(text: str | None) -> bool:
    return (text or "").strip().lower() in {"", "help", "?", "-h", "--help"}


def register_listeners(app: AsyncApp, h: SlackHandlers) -> None:
    @app.event("app_mention")
    async def app_mention(body, event, context):
        await h.on_app_mention(body, event, context)

    @app.event("message")
    async def message(body, event, context):
        await h.on_message(body, event, context)

    @app.event("app_home_opened")
    async def app_home_opened(event):
        await h.on_home_opened(event)

    @app.command(COMMAND)
    async def hibot_command(ack, command, respond, context):
        if _is_help(command.get("text")):
            await ack(response_type="ephemeral", text=help_text())
            return
        await ack()
        await h.on_command(command, respond, context)

    @app.message_shortcut(SHORTCUT)
    async def ask_hibot(ack, body, respond, context):
        await ack()
        await h.on_message_shortcut(body, respond, context)

    @app.action(SHARE)
    async def share(ack, body, respond):
        await ack()
        await h.on_share(body, respond)

    @app.action(FEEDBACK_UP)
    async def feedback_up(ack, body, respond):
        await ack()
        await h.on_feedback_up(body, respond)

    @app.action(FEEDBACK_DOWN)
    async def feedback_down(ack, body, respond):
        await ack()
        await h.on_feedback_down(body, respond)

    @app.view(FEEDBACK_MODAL)
    async def feedback_submitted(ack, body, view):
        await ack()
        await h.on_feedback_modal(body, view, closed=False)

    @app.view_closed(FEEDBACK_MODAL)
    async def feedback_closed(ack, body, view):
        await ack()
        await h.on_feedback_modal(body, view, closed=True)


def _disabled(reason: str) -> list[web.RouteDef]:
    global _disabled_logged
    if not _disabled_logged:
        _disabled_logged = True
        log.warning("slack_disabled", reason=reason)
    return []


def slack_routes(settings: Settings, engine, store) -> list[web.RouteDef]:
    """POST /slack/events for `hibot serve`; [] (and one log line) when Slack is not configured."""
    missing = [name for name, value in (("SLACK_BOT_TOKEN", settings.slack_bot_token),
                                        ("SLACK_SIGNING_SECRET", settings.slack_signing_secret)) if not value]
    if missing:
        return _disabled(f"{' and '.join(missing)} not set; Slack over HTTP is off "
                         "(Socket Mode needs SLACK_BOT_TOKEN and SLACK_APP_TOKEN)")
    app = build_slack_app(settings, engine, store)

    async def slack_events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await app.async_dispatch(await to_bolt_request(request)))

    return [web.post(EVENTS_PATH, slack_events)]
