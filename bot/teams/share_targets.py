"""Where a Teams user may share an answer: the channels of teams they belong to, where hibot is installed,
in their own organisation.

Installed channels come from the store. Membership is asked of the Bot Connector once per team (not per
channel), concurrently, and remembered for a few minutes per (user, team), so a personal-chat answer
costs at most one round of look-ups and usually none. A look-up that fails or is slow counts as "not a
member": the choice is left out rather than offered and then refused.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict

from botbuilder.schema import Activity

from bot.models import ConversationGone
from bot.runtime import AdapterStore
from bot.storage.records import Conversation
from bot.teams.connector import TeamsConnection, is_member
from bot.teams.render import ShareTarget
from bot.teams.replies import PLATFORM, extra, tenant_id

log = logging.getLogger("hibot.teams")
MEMBERSHIP_TTL_S = 600.0  # joining or leaving a team shows up in the share list within ten minutes
MEMBERSHIP_WAIT_S = 1.5  # an answer waits this long at most for the look-ups
MEMBERSHIP_CACHE_MAX = 10_000


class ShareTargets:
    def __init__(self, store: AdapterStore, connection: TeamsConnection):
        self.store = store
        self.connection = connection
        self._known: OrderedDict[tuple[str, str], tuple[bool, float]] = OrderedDict()

    async def for_user(self, a: Activity) -> list[ShareTarget]:
        """The channels `a`'s sender may share to, in the store's order."""
        user = a.from_property.id if a.from_property else ""
        channels = await self._installed_channels(a)
        teams = {c.team_id or c.conversation_id: c for c in channels}  # one channel per team to ask through
        members = await self._memberships(user, teams)
        return [
            ShareTarget(c.conversation_id, c.name or "Channel")
            for c in channels
            if members.get(c.team_id or c.conversation_id)
        ]

    async def _installed_channels(self, a: Activity) -> list[Conversation]:
        tenant = tenant_id(a)
        none: list[Conversation] = []
        convs = await extra("teams_share_targets", none, self.store.list_conversations, PLATFORM, "channel")
        out = []
        for c in convs:
            ref_tenant = ((c.reference or {}).get("conversation") or {}).get("tenantId")
            if not c.reference or (tenant and ref_tenant and ref_tenant != tenant):
                continue  # never offer (or accept) another organisation's channels
            out.append(c)
        return out

    async def _memberships(self, user: str, teams: dict[str, Conversation]) -> dict[str, bool]:
        now = time.monotonic()
        found: dict[str, bool] = {}
        ask: list[str] = []
        for team in teams:
            cached = self._known.get((user, team))
            if cached is not None and now - cached[1] < MEMBERSHIP_TTL_S:
                found[team] = cached[0]
            else:
                ask.append(team)
        if ask and user:
            checks = [self._is_member(user, team, teams[team]) for team in ask]
            try:
                answers: list[bool | None] = list(
                    await asyncio.wait_for(asyncio.gather(*checks), MEMBERSHIP_WAIT_S)
                )
            except TimeoutError:
                log.warning("teams_membership_slow: %d teams", len(ask))
                answers = [None] * len(ask)
            for team, member in zip(ask, answers, strict=True):
                found[team] = bool(member)
                if member is not None:  # a failed look-up is asked again next time
                    self._remember(user, team, member, now)
        return found

    async def _is_member(self, user: str, team: str, channel: Conversation) -> bool | None:
        c = self.connection
        try:
            return await is_member(c.adapter, c.app_id, channel.reference or {}, team, user)
        except ConversationGone:
            return False
        except Exception as e:  # noqa: BLE001 - a failed look-up leaves the choice out
            log.warning("teams_membership_failed: %s", type(e).__name__)
            return None

    def _remember(self, user: str, team: str, member: bool, now: float) -> None:
        self._known[(user, team)] = (member, now)
        self._known.move_to_end((user, team))
        while len(self._known) > MEMBERSHIP_CACHE_MAX:
            self._known.popitem(last=False)

    def forget(self, user: str, team: str) -> None:
        """After a refused share: ask again next time."""
        self._known.pop((user, team), None)
