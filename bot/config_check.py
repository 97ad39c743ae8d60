"""`hibot config check`: the effective settings with secrets masked, and what each platform lacks."""

from __future__ import annotations

from bot.config import Settings

SECRETS = {
    "slack_bot_token",
    "slack_signing_secret",
    "slack_app_token",
    "microsoft_app_password",
    "user_hash_salt",
}


def mask(name: str, value: object) -> str:
    text = "" if value is None else str(value)
    if name in SECRETS and text:
        return text[:4] + "…" + f" ({len(text)} chars)" if len(text) > 8 else "***"
    if name == "database_url" and "@" in text:
        scheme, rest = text.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}"
    return text


def report(settings: Settings) -> dict:
    values = settings.model_dump()
    values["database_url"] = settings.effective_database_url
    missing: dict[str, list[str]] = {"slack": [], "teams": []}
    if not settings.slack_bot_token:
        missing["slack"].append("SLACK_BOT_TOKEN")
    if not (settings.slack_signing_secret or settings.slack_app_token):
        missing["slack"].append("SLACK_SIGNING_SECRET (HTTP) or SLACK_APP_TOKEN (Socket Mode)")
    if (
        settings.microsoft_app_id
        and not settings.microsoft_app_password
        and settings.microsoft_app_type != "UserAssignedMSI"
    ):
        missing["teams"].append("MicrosoftAppPassword")
    if settings.microsoft_app_type == "SingleTenant" and not settings.microsoft_app_tenant_id:
        missing["teams"].append("MicrosoftAppTenantId (SingleTenant)")
    notes = []
    if not settings.microsoft_app_id:
        notes.append(
            "Teams: MicrosoftAppId empty -> local emulator mode, no token checks (never in production)"
        )
    if settings.user_hash_salt == "hibot":
        notes.append("HIBOT_USER_HASH_SALT is the default: set a secret salt in production")
    return {
        "settings": {k: mask(k, v) for k, v in sorted(values.items())},
        "missing": missing,
        "notes": notes,
    }
