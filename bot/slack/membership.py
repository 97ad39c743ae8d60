"""Whether a Slack user is in a conversation: a share goes only where its sharer could post themselves.

Slack's conversations select lists every public channel, not only the user's, so the choice is checked
with `users.conversations` (scopes channels:read and groups:read). A workspace that installed hibot
before those scopes were added answers `missing_scope`: the check is then skipped (hibot still has to
be in the channel to post) and logged once, until the app is reinstalled.
"""

from __future__ import annotations

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import logs

log = logs.get_logger("hibot.slack")
PAGE = 1000  # Slack's maximum page size for users.conversations
PAGES_MAX = 5  # a person in more than 5,000 channels: checked no further (refused)
UNCHECKABLE = {"missing_scope", "not_allowed_token_type"}
_warned = False


async def user_in_conversation(client: AsyncWebClient, user: str, channel: str) -> bool | None:
    """True or False; None when Slack would not say (an error other than a missing scope)."""
    global _warned
    cursor = None
    for _ in range(PAGES_MAX):
        try:
            resp = await client.users_conversations(
                user=user,
                types="public_channel,private_channel",
                exclude_archived=True,
                limit=PAGE,
                cursor=cursor,
            )
        except SlackApiError as e:
            error = e.response.get("error")
            if error in UNCHECKABLE:
                if not _warned:
                    _warned = True
                    log.warning("slack_membership_unchecked", error=error, fix="reinstall the app")
                return True
            log.warning("slack_membership_failed", error=error)
            return None
        if any(c.get("id") == channel for c in resp.get("channels") or []):
            return True
        cursor = (resp.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return False
    return False
