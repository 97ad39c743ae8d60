"""Every Slack Web API client hibot uses is built here, one way: on `SLACK_API_BASE_URL` (tests point
it at a local fake) and waiting out HTTP 429 for as long as Slack's Retry-After says."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from slack_bolt.authorization import AuthorizeResult
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings

# Slack's Retry-After is usually a few seconds; 8 tries rides out a burst without giving up a reply.
RATE_LIMIT_RETRIES = 8


def make_client(settings: Settings, token: str | None = None) -> AsyncWebClient:
    """A Web API client on `settings.slack_api_base_url` that retries HTTP 429 after Retry-After."""
    base_url = settings.slack_api_base_url
    client = AsyncWebClient(token=token, base_url=base_url if base_url.endswith("/") else base_url + "/")
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES))
    return client


def single_workspace_authorize(client: AsyncWebClient) -> Callable[[], Awaitable[AuthorizeResult]]:
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
                    cached.append(
                        AuthorizeResult.from_auth_test_response(
                            bot_token=client.token, auth_test_response=response
                        )
                    )
        return cached[0]

    return authorize
