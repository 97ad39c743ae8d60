"""`leads …` in chat (Slack `/hibot leads …`, a Teams `leads …` message): list, add and remove the
health-inequalities leads, who manage weekly prompts and receive the weekly digest.

The platform adapter resolves the people mentioned to platform user ids (Slack `<@U…>`, a Teams
@mention) and passes them in `mentioned`; this module checks who may do it and words the reply."""

from __future__ import annotations

from typing import Protocol

from bot.config import Settings
from bot.roles import LEAD_MANAGERS, PROMPT_MANAGERS, Roles, refusal
from bot.storage.leads import Lead

USAGE = (
    "Health-inequalities leads manage weekly prompts here and get the weekly digest.\n"
    "• leads — who they are\n"
    "• leads add @person  ·  leads remove @person"
)


class LeadsStore(Protocol):
    def seed_leads(self, ids: list[tuple[str, str]]) -> int: ...
    def is_lead(self, platform: str, user_id: str) -> bool: ...
    def add_lead(self, platform: str, user_id: str, added_by: str | None = None) -> bool: ...
    def remove_lead(self, platform: str, user_id: str) -> bool: ...
    def list_leads(self, platform: str | None = None) -> list[Lead]: ...


def mention(platform: str, user_id: str) -> str:
    """How a reply names a person: a real mention on Slack; Teams text replies cannot mention."""
    return f"<@{user_id}>" if platform == "slack" else user_id


def handle_leads_command(
    store: LeadsStore,
    settings: Settings,
    *,
    platform: str,
    user_id: str,
    text: str,
    mentioned: list[str],
    is_admin: bool = False,
) -> str:
    words = text.split()
    command = words[0].lower() if words else "list"
    roles = Roles(store, settings)
    if command in {"help", "?"}:
        return USAGE
    if command == "list":
        leads = store.list_leads(platform)
        if not leads:
            return (
                f"No leads yet. {LEAD_MANAGERS[platform].capitalize()} can add one with `leads add @person`."
            )
        names = ", ".join(mention(platform, lead.user_id) for lead in leads)
        return f"Leads ({len(leads)}): {names}.\nWeekly prompts are managed by {PROMPT_MANAGERS[platform]}."
    if command not in {"add", "remove"}:
        return f"I don't know the leads command '{command}'.\n\n{USAGE}"
    if not roles.may_manage_leads(platform, user_id, is_admin):
        return refusal(platform, f"{command} leads", LEAD_MANAGERS)
    if not mentioned:
        return f"Mention the person: `leads {command} @person`."
    done = []
    for person in mentioned:
        changed = (
            store.add_lead(platform, person, added_by=user_id)
            if command == "add"
            else store.remove_lead(platform, person)
        )
        state = (
            ("is now a lead" if changed else "was already a lead")
            if command == "add"
            else ("is no longer a lead" if changed else "was not a lead")
        )
        done.append(f"{mention(platform, person)} {state}.")
    return "\n".join(done)
