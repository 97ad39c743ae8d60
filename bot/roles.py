"""Who may do what, on each platform. Leads live in the database (bot/storage/leads.py), seeded from
HIBOT_LEADS and added or removed in chat (`leads add @user`); admins come from the platform itself:
Slack workspace admins and owners, Teams team owners. Every refusal names who can do it there."""

from __future__ import annotations

from typing import Protocol

from bot.config import Settings

# Who may change weekly prompts, and who may add or remove leads, in each platform's words.
PROMPT_MANAGERS = {
    "slack": "health-inequalities leads and Slack workspace admins or owners",
    "teams": "health-inequalities leads and the owners of this team",
}
LEAD_MANAGERS = {
    "slack": "Slack workspace admins or owners, and the leads named in HIBOT_LEADS",
    "teams": "owners of this team, and the leads named in HIBOT_LEADS",
}


class LeadDirectory(Protocol):
    def seed_leads(self, ids: list[tuple[str, str]]) -> int: ...
    def is_lead(self, platform: str, user_id: str) -> bool: ...


def refusal(platform: str, action: str, managers: dict[str, str] = PROMPT_MANAGERS) -> str:
    who = managers.get(platform, managers["slack"])
    return f"Sorry, only {who} can {action}."


class Roles:
    def __init__(self, store: LeadDirectory, settings: Settings):
        self.store = store
        self.settings = settings

    def is_lead(self, platform: str, user_id: str) -> bool:
        """A lead in the database. HIBOT_LEADS is seeded first (a no-op once seeded), so a fresh
        deployment works before anyone has run a command, and a lead removed in chat stays removed."""
        if not user_id:
            return False
        if self.settings.lead_ids:
            self.store.seed_leads(self.settings.lead_pairs())
        return self.store.is_lead(platform, user_id)

    def may_manage_prompts(self, platform: str, user_id: str, is_admin: bool) -> bool:
        return is_admin or self.is_lead(platform, user_id)

    def may_manage_leads(self, platform: str, user_id: str, is_admin: bool) -> bool:
        """Admins, and the leads the deployment named (HIBOT_LEADS), who are still leads."""
        return is_admin or (self.settings.is_lead(platform, user_id) and self.is_lead(platform, user_id))
