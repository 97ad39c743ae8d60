"""Slack channel names to ids, for the terminal (`hibot prompts subscribe slack:#maternity …`): a
channel name is not an id, and a subscription stored under a name would never be delivered."""

from __future__ import annotations

import re

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import Settings

CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]+$")  # ids are upper case; channel names never are


class ChannelLookupError(ValueError):
    """The name could not be resolved; the message says why, for the person at the terminal."""


def resolve_channel(settings: Settings, target: str) -> str:
    """The channel id for `target` (an id, `#name` or `name`); raises ChannelLookupError."""
    if CHANNEL_ID.match(target):
        return target
    name = target.lstrip("#").strip().lower()
    if not name:
        raise ChannelLookupError("give a Slack channel id (C0123456789) or #name")
    if not settings.slack_bot_token:
        raise ChannelLookupError(
            f"'{target}' is not a channel id, and looking up #{name} needs SLACK_BOT_TOKEN. "
            "Use the channel id (in Slack: channel details → About → Channel ID)."
        )
    client = WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_base_url)
    cursor = None
    try:
        while True:
            page = client.conversations_list(
                types="public_channel,private_channel", exclude_archived=True, limit=1000, cursor=cursor
            )
            for channel in page.get("channels") or []:
                if str(channel.get("name", "")).lower() == name:
                    return str(channel["id"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
    except SlackApiError as e:
        raise ChannelLookupError(f"Slack refused the channel lookup: {e.response.get('error')}") from e
    raise ChannelLookupError(
        f"hibot can see no channel named #{name}. Invite hibot to it (`/invite @hibot`) or use its id."
    )
