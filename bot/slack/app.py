"""The Slack app: a slack-bolt `AsyncApp` served by `hibot serve` at POST /slack/events.

Bolt verifies every request's signature (forged, or older than 5 minutes -> 401), answers Slack's
url_verification and ssl_check, and drops hibot's own messages. With the default
`process_before_response=False`, Bolt acknowledges events itself before running their listener, and
runs command/action listeners in the background returning the HTTP response as soon as they call
`ack()`: so every listener below acks first (or is auto-acked) and delegates.
"""

from __future__ import annotations

from concurrent.futures import Executor

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.web.async_client import AsyncWebClient

from bot import logs
from bot.config import Settings
from bot.runtime import AdapterStore, AnswerEngine
from bot.safety.surrogates import clean_in_place
from bot.slack.client import make_client, single_workspace_authorize
from bot.slack.handlers import SlackHandlers
from bot.slack.help import HELP_RESOLVED
from bot.slack.render import FEEDBACK_DOWN, FEEDBACK_UP, HELP, MORE, SHARE, SUGGESTION_ACTION
from bot.slack.request_guard import refusal
from bot.slack.shared import SHARE_MODAL
from bot.slack.upload_form import DESCRIBE, UPLOAD_MODAL
from bot.slack.views import FEEDBACK_MODAL

log = logs.get_logger("hibot.slack")
COMMAND = "/hibot"
SHORTCUT = "ask_hibot"
EVENTS_PATH = "/slack/events"
_disabled_logged = False


def build_slack_app(settings: Settings, handlers: SlackHandlers, client: AsyncWebClient) -> AsyncApp:
    """The Bolt app with hibot's listeners. Without a signing secret (Socket Mode) requests are not
    signature-checked, so `slack_routes` never serves such an app over HTTP."""
    app = AsyncApp(
        # Bolt builds each request's client from this one plus the token `authorize` returns.
        client=make_client(settings),
        authorize=single_workspace_authorize(client),
        signing_secret=settings.slack_signing_secret or None,
        request_verification_enabled=bool(settings.slack_signing_secret),
        process_before_response=False,
    )
    register_listeners(app, handlers)
    app.middleware(_without_lone_surrogates)
    return app


async def _without_lone_surrogates(body, next):  # noqa: A002 - Bolt passes middleware arguments by name
    """Before any listener (and so any log line, database write or post): see bot/safety/surrogates."""
    clean_in_place(body)
    return await next()


def register_listeners(app: AsyncApp, h: SlackHandlers) -> None:
    q, b = h.questions, h.buttons

    @app.event("app_mention")
    async def app_mention(body, event, context):
        await q.on_app_mention(body, event, context)

    @app.event("message")
    async def message(body, event, context):
        # A file shared in the DM: a lead adding a document (anyone else's words are still answered).
        if h.uploads.wants(event) and await h.uploads.on_file_share(body, event, context):
            return
        await h.workspace.on_thread_reply(event, context)  # a reply under a weekly prompt counts for leads
        await q.on_message(body, event, context)

    @app.event("reaction_added")
    async def reaction_added(event):
        await h.workspace.on_reaction(event)

    @app.event("app_home_opened")
    async def app_home_opened(event):
        await h.workspace.on_home_opened(event)

    @app.command(COMMAND)
    async def hibot_command(ack, command, respond, context):
        await ack()
        await h.on_command(command, respond, context)

    @app.message_shortcut(SHORTCUT)
    async def ask_hibot(ack, body, respond, context):
        await ack()
        await q.on_message_shortcut(body, respond, context)

    @app.action(SUGGESTION_ACTION)
    async def suggestion(ack, body, respond, context):
        await ack()
        await q.on_suggestion(body, respond, context)

    @app.action(MORE)
    async def more(ack, body, respond):
        await ack()
        await b.on_more(body, respond)

    @app.action(SHARE)
    async def share(ack, body, respond):
        await ack()
        await b.on_share(body, respond)

    @app.view(SHARE_MODAL)
    async def share_submitted(ack, body, view):
        await b.on_share_submitted(body, view, ack)  # acks itself: a refused channel is shown on the modal

    @app.action(FEEDBACK_UP)
    async def feedback_up(ack, body, respond):
        await ack()
        await b.on_feedback_up(body, respond)

    @app.action(FEEDBACK_DOWN)
    async def feedback_down(ack, body, respond):
        await ack()
        await b.on_feedback_down(body, respond)

    @app.action(HELP)
    async def still_need_help(ack, body, respond):
        await ack()
        await h.help.on_help(body, respond)

    @app.action(HELP_RESOLVED)
    async def help_resolved(ack, body):
        await ack()
        await h.help.on_resolved(body)

    @app.action(DESCRIBE)
    async def describe_document(ack, body):
        await ack()
        await h.uploads.on_describe(body)

    @app.view(UPLOAD_MODAL)
    async def document_submitted(ack, body, view):
        await h.uploads.on_submitted(body, view, ack)  # acks itself: a field to fix is shown on the modal

    @app.view(FEEDBACK_MODAL)
    async def feedback_submitted(ack, body, view):
        await ack()
        await b.on_feedback_modal(body, view, closed=False)

    @app.view_closed(FEEDBACK_MODAL)
    async def feedback_closed(ack, body, view):
        await ack()
        await b.on_feedback_modal(body, view, closed=True)


def _disabled(reason: str) -> list[web.RouteDef]:
    global _disabled_logged
    if not _disabled_logged:
        _disabled_logged = True
        log.warning("slack_disabled", reason=reason)
    return []


def slack_routes(
    settings: Settings,
    engine: AnswerEngine,
    store: AdapterStore,
    client: AsyncWebClient | None = None,
    answer_pool: Executor | None = None,
) -> list[web.RouteDef]:
    """POST /slack/events for `hibot serve`; [] (and one log line) when Slack is not configured.
    `client` and `answer_pool` come from the composition root; a bare call builds its own client."""
    missing = [
        name
        for name, value in (
            ("SLACK_BOT_TOKEN", settings.slack_bot_token),
            ("SLACK_SIGNING_SECRET", settings.slack_signing_secret),
        )
        if not value
    ]
    if missing:
        return _disabled(
            f"{' and '.join(missing)} not set; Slack over HTTP is off "
            "(Socket Mode needs SLACK_BOT_TOKEN and SLACK_APP_TOKEN)"
        )
    client = client or make_client(settings, settings.slack_bot_token)
    app = build_slack_app(settings, SlackHandlers.build(settings, engine, store, client, answer_pool), client)

    async def slack_events(request: web.Request) -> web.Response:
        raw = await request.read()
        refused = refusal(raw, request.headers, settings.slack_signing_secret)  # before Bolt parses anything
        if refused is not None:
            log.info("slack_request_refused", status=refused.status)
            return refused
        bolt_request = AsyncBoltRequest(
            body=raw.decode("utf-8"), query=request.query_string, headers=dict(request.headers)
        )
        return await to_aiohttp_response(await app.async_dispatch(bolt_request))

    return [web.post(EVENTS_PATH, slack_events)]
