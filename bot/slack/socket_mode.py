"""`hibot serve --socket-mode`: the same Slack app over a WebSocket (no public URL needed).

Socket Mode needs the app-level token (`SLACK_APP_TOKEN`, xapp-…) and the bot token; Slack signs
nothing here, so the signing secret is optional. Retried envelopes carry the same event_id and are
deduplicated exactly as over HTTP.
"""

from __future__ import annotations

from concurrent.futures import Executor

from slack_sdk.web.async_client import AsyncWebClient

from bot import logs
from bot.config import Settings
from bot.runtime import AdapterStore, AnswerEngine
from bot.slack.app import build_slack_app
from bot.slack.client import make_client
from bot.slack.handlers import SlackHandlers

log = logs.get_logger("hibot.slack")


async def run_socket_mode(
    settings: Settings,
    engine: AnswerEngine,
    store: AdapterStore,
    client: AsyncWebClient | None = None,
    answer_pool: Executor | None = None,
) -> None:
    """Connect and serve until cancelled. Returns at once (one log line) when a token is missing."""
    missing = [
        n
        for n, v in (
            ("SLACK_BOT_TOKEN", settings.slack_bot_token),
            ("SLACK_APP_TOKEN", settings.slack_app_token),
        )
        if not v
    ]
    if missing:
        log.warning("slack_disabled", reason=f"{' and '.join(missing)} not set; Socket Mode is off")
        return
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    client = client or make_client(settings, settings.slack_bot_token)
    app = build_slack_app(settings, SlackHandlers.build(settings, engine, store, client, answer_pool), client)
    handler = AsyncSocketModeHandler(app, settings.slack_app_token)
    log.info("slack_socket_mode_starting")
    try:
        await handler.start_async()
    finally:
        await handler.close_async()
