"""Is this person an owner of the team this channel belongs to? Team owners count as admins for
weekly prompts and leads (bot/roles.py).

The Bot Connector's roster does not say who owns a team; Microsoft Graph does:
`GET /teams/{group id}/members?$filter=(microsoft.graph.aadUserConversationMember/userId eq '{aad id}')`
returns the member with `roles: ["owner"]`. The app reads it with the resource-specific consent
permission `TeamMember.Read.Group` (granted when the app is added to a team; declared in the Teams
manifest's `authorization.permissions.resourceSpecific`) and an app-only token from the bot's own
credentials. The team's group id comes with the activity (`channelData.team.aadGroupId`) or from the
Bot Connector's team details. In local emulator mode (no MicrosoftAppId) no token is sent, which is
what the tests' fake Graph expects. Any failure means "not an owner" (logged), never an error.
"""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import quote

import aiohttp
from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo

from bot.config import Settings

log = logging.getLogger("hibot.teams")
GRAPH_SCOPE = "https://graph.microsoft.com"
TIMEOUT = aiohttp.ClientTimeout(total=5)


async def is_team_owner(ctx: TurnContext, settings: Settings) -> bool:
    a = ctx.activity
    data = a.channel_data if isinstance(a.channel_data, dict) else {}
    team = data.get("team") or {}
    aad = a.from_property.aad_object_id if a.from_property else None
    if not team.get("id") or not aad:
        return False  # a personal or group chat has no team, hence no owner
    try:
        group = team.get("aadGroupId") or (await TeamsInfo.get_team_details(ctx, team["id"])).aad_group_id
        if not group:
            return False
        return await _graph_says_owner(settings, group, aad, _tenant(a, data))
    except Exception as e:  # noqa: BLE001 - no answer is "not an owner"; the refusal says who can
        log.warning("teams_owner_check_failed: %s", type(e).__name__)
        return False


def _tenant(a, data: dict) -> str | None:
    return (data.get("tenant") or {}).get("id") or (a.conversation.tenant_id if a.conversation else None)


async def _graph_says_owner(settings: Settings, group: str, aad: str, tenant: str | None) -> bool:
    url = (
        f"{settings.graph_base_url.rstrip('/')}/v1.0/teams/{quote(group, safe='')}/members"
        f"?$filter=(microsoft.graph.aadUserConversationMember/userId eq '{quote(aad, safe='')}')"
    )
    headers = {}
    token = await _app_token(settings, tenant)
    if token:
        headers["Authorization"] = f"Bearer {token}"
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session, session.get(url, headers=headers) as r:
        if r.status != 200:
            log.warning("teams_owner_check_status: %s", r.status)
            return False
        members = (await r.json()).get("value") or []
    return any("owner" in (m.get("roles") or []) for m in members)


async def _app_token(settings: Settings, tenant: str | None) -> str | None:
    """An app-only Graph token for the team's tenant; None in emulator mode (no app id)."""
    if not settings.microsoft_app_id:
        return None
    from botframework.connector.auth import MicrosoftAppCredentials

    creds = MicrosoftAppCredentials(
        settings.microsoft_app_id,
        settings.microsoft_app_password,
        channel_auth_tenant=tenant or settings.microsoft_app_tenant_id or None,
        oauth_scope=GRAPH_SCOPE,
    )
    return await asyncio.to_thread(creds.get_access_token)
