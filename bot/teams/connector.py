"""The botbuilder edge: authentication, the CloudAdapter and proactive posts through the Bot Connector.

With `MicrosoftAppId` empty this is local emulator mode: inbound requests are not authenticated and
outgoing calls carry no token (botbuilder's credential factory treats an empty app id as "auth disabled"),
so nothing ever talks to login.microsoftonline.com. With an app id, every inbound request needs a valid
Bot Framework JWT and outgoing calls are signed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity, CallerIdConstants, ConversationAccount, ConversationReference, Entity
from botframework.connector.auth import AuthenticateRequestResult, ClaimsIdentity
from botframework.connector.auth.connector_factory import ConnectorFactory

from bot.config import Settings
from bot.models import ConversationGone
from bot.teams.auth import OPENID_METADATA_URL, KeySet, TokenValidator
from bot.teams.service_urls import ServiceUrls, service_urls

APP_TYPES = {
    "multitenant": "MultiTenant",
    "singletenant": "SingleTenant",
    "userassignedmsi": "UserAssignedMSI",
}


class TeamsConfigError(ValueError):
    """The Teams credentials are inconsistent (e.g. SingleTenant without a tenant id)."""


@dataclass
class BotConfig:
    """The attribute names botbuilder's ConfigurationBotFrameworkAuthentication reads."""

    APP_ID: str
    APP_PASSWORD: str
    APP_TYPE: str
    APP_TENANTID: str


def bot_config(settings: Settings) -> BotConfig:
    app_type = APP_TYPES.get((settings.microsoft_app_type or "MultiTenant").strip().lower())
    if app_type is None:
        raise TeamsConfigError(
            f"MicrosoftAppType must be one of {', '.join(APP_TYPES.values())}, "
            f"not {settings.microsoft_app_type!r}"
        )
    cfg = BotConfig(
        APP_ID=settings.microsoft_app_id or "",
        APP_PASSWORD=settings.microsoft_app_password or "",
        APP_TYPE=app_type,
        APP_TENANTID=settings.microsoft_app_tenant_id or "",
    )
    if cfg.APP_ID and app_type in ("SingleTenant", "UserAssignedMSI") and not cfg.APP_TENANTID:
        raise TeamsConfigError(f"MicrosoftAppType={app_type} needs MicrosoftAppTenantId")
    if cfg.APP_ID and app_type == "SingleTenant" and not cfg.APP_PASSWORD:
        raise TeamsConfigError("MicrosoftAppType=SingleTenant needs MicrosoftAppPassword")
    if not cfg.APP_ID:
        cfg.APP_TYPE = "MultiTenant"  # the only type botbuilder runs without an app id (emulator mode)
    return cfg


class _CachedConnectors(ConnectorFactory):
    """One connector client per (app id, serviceUrl, audience) for the life of the process. botbuilder
    builds a new one for every activity (~7 ms of msrest set-up) and never closes it; the client's
    credentials refresh their own token, so reuse is safe."""

    MAX = 64

    def __init__(self, inner: ConnectorFactory, cache: dict):
        self._inner, self._cache = inner, cache

    async def create(self, service_url: str, audience: str | None = None):
        key = (getattr(self._inner, "_app_id", None), service_url, audience)
        client = self._cache.get(key)
        if client is None:
            if len(self._cache) >= self.MAX:
                self._cache.clear()
            client = self._cache[key] = await self._inner.create(service_url, audience)
        return client


class _Authentication(ConfigurationBotFrameworkAuthentication):
    """botbuilder's authentication with hibot's own token check (bot/teams/auth.py: cached keys, never
    blocking), without the per-turn user-token (OAuth sign-in) client — hibot never signs users in, and
    building that client costs ~7 ms on every activity — and with connector clients reused."""

    def __init__(self, config: BotConfig, validator: TokenValidator):
        super().__init__(config)
        self._connectors: dict = {}
        self._validator = validator
        self._app_id = config.APP_ID

    async def authenticate_request(self, activity, auth_header):
        if not self._app_id:
            # Emulator mode: botbuilder would still try to validate (and fetch keys for) a token sent along.
            result = await super().authenticate_request(activity, None)
            if result.connector_factory is not None:  # reused here too, as below
                result.connector_factory = _CachedConnectors(result.connector_factory, self._connectors)
            return result
        claims = await self._validator.validate(auth_header, activity.channel_id, activity.service_url)
        identity = ClaimsIdentity(claims, True)
        result = AuthenticateRequestResult()
        result.claims_identity = identity
        result.audience = self.get_originating_audience()
        result.caller_id = CallerIdConstants.public_azure_channel  # no skills: the caller is the channel
        result.connector_factory = self.create_connector_factory(identity)
        return result

    def create_connector_factory(self, claims_identity):
        return _CachedConnectors(super().create_connector_factory(claims_identity), self._connectors)

    async def create_user_token_client(self, claims_identity):
        return None


class _CheckedAdapter(CloudAdapter):
    """The CloudAdapter, refusing a proactive post (weekly prompt, share, membership check) to a stored
    reference whose serviceUrl is not on the allow-list (one stored before the list existed)."""

    def __init__(self, auth: ConfigurationBotFrameworkAuthentication, allowed: ServiceUrls):
        super().__init__(auth)
        self.allowed = allowed

    async def continue_conversation(self, reference, callback, bot_app_id):
        if not self.allowed.allows(getattr(reference, "service_url", None)):
            raise ConversationGone("the stored serviceUrl is not an allowed Bot Framework host")
        return await super().continue_conversation(reference, callback, bot_app_id)


@dataclass(frozen=True)
class TeamsConnection:
    """Authentication and the CloudAdapter (the Bot Connector client), built once per process by the
    composition root and shared by the message handler and the weekly prompt sender."""

    auth: ConfigurationBotFrameworkAuthentication
    adapter: CloudAdapter
    app_id: str
    service_urls: ServiceUrls = ServiceUrls()


def connect(settings: Settings) -> TeamsConnection:
    """Raises TeamsConfigError for inconsistent credentials (Teams is then disabled, not the server)."""
    config = bot_config(settings)
    keys = KeySet(metadata_url=settings.teams_openid_metadata_url or OPENID_METADATA_URL)
    auth = _Authentication(config, TokenValidator(config.APP_ID, keys))
    allowed = service_urls(settings)
    return TeamsConnection(
        auth=auth,
        adapter=_CheckedAdapter(auth, allowed),
        app_id=settings.microsoft_app_id or "",
        service_urls=allowed,
    )


class _OpenEntity(Entity):
    """An entity that keeps every property on the wire. botbuilder's Entity serialises only `type`, which
    would drop the schema.org citation claims and the AI-generated label."""

    _attribute_map: ClassVar[dict] = {
        **Entity._attribute_map,
        "additional_properties": {"key": "", "type": "{object}"},
    }


def to_activity(data: dict[str, Any]) -> Activity:
    """A botbuilder Activity from our rendered dict, entities intact."""
    activity = Activity().deserialize(data)
    entities = []
    for e in data.get("entities") or []:
        entity = _OpenEntity(type=e.get("type"))
        entity.additional_properties = {k: v for k, v in e.items() if k != "type"}
        entities.append(entity)
    activity.entities = entities or None
    return activity


def entity_dicts(activity: Activity) -> list[dict[str, Any]]:
    """Incoming entities as plain dicts (mentions keep `mentioned` and `text`)."""
    out = []
    for e in activity.entities or []:
        if isinstance(e, dict):
            out.append(e)
        else:
            out.append({**(getattr(e, "additional_properties", None) or {}), "type": e.type})
    return out


def http_status(exc: BaseException) -> int | None:
    """The HTTP status of a failed Bot Connector call (msrest ErrorResponseException / HttpOperationError)."""
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None) or getattr(response, "status", None)
    return int(status) if isinstance(status, int) else None


def reference_dict(activity: Activity) -> dict[str, Any]:
    """The conversation reference to store for proactive posts: channel-level (no thread, no activity id),
    without the user's display name."""
    from bot.teams.mentions import base_conversation_id

    ref = TurnContext.get_conversation_reference(activity).serialize()
    ref.pop("activityId", None)
    if isinstance(ref.get("user"), dict):
        ref["user"].pop("name", None)
    conv = ref.get("conversation") or {}
    if conv.get("id"):
        conv["id"] = base_conversation_id(conv["id"])
    return ref


async def post_to_conversation(
    adapter: CloudAdapter,
    app_id: str,
    reference: dict[str, Any],
    activity: dict[str, Any],
    conversation_id: str | None = None,
) -> str:
    """Post `activity` as a new message (not a reply) in the referenced conversation; returns its id.

    Goes straight to the connector's send_to_conversation: `TurnContext.send_activity` in a continued
    conversation would address a reply to the synthetic continuation activity's random id.
    Raises ConversationGone on 403 (bot removed / not in conversation) or 404 (conversation gone)."""
    ref = ConversationReference().deserialize(reference)
    ref.activity_id = None
    target = conversation_id or (ref.conversation.id if ref.conversation else None)
    if not target or not ref.service_url:
        raise ConversationGone("no usable conversation reference stored")
    outcome: dict[str, Any] = {}

    async def send(ctx: TurnContext) -> None:
        client = ctx.turn_state[adapter.BOT_CONNECTOR_CLIENT_KEY]
        message = to_activity(activity)
        message.channel_id = ref.channel_id
        message.service_url = ref.service_url
        message.from_property = ref.bot
        message.conversation = ConversationAccount(
            id=target,
            conversation_type=ref.conversation.conversation_type if ref.conversation else None,
            tenant_id=ref.conversation.tenant_id if ref.conversation else None,
            is_group=ref.conversation.is_group if ref.conversation else None,
        )
        try:
            response = await client.conversations.send_to_conversation(target, message)
            outcome["id"] = (response.id if response is not None else None) or ""
        except Exception as e:  # noqa: BLE001 - re-raised below, outside botbuilder's pipeline
            outcome["error"] = e

    await adapter.continue_conversation(ref, send, app_id or None)
    error = outcome.get("error")
    if error is not None:
        if http_status(error) in (403, 404):
            raise ConversationGone(f"Teams returned {http_status(error)} for this conversation") from error
        raise error
    return outcome.get("id", "")


async def is_member(
    adapter: CloudAdapter, app_id: str, reference: dict[str, Any], conversation_id: str, user_id: str
) -> bool:
    """Whether `user_id` belongs to the conversation (a team, for a channel). 404 = not a member."""
    ref = ConversationReference().deserialize(reference)
    ref.activity_id = None
    outcome: dict[str, Any] = {}

    async def check(ctx: TurnContext) -> None:
        client = ctx.turn_state[adapter.BOT_CONNECTOR_CLIENT_KEY]
        try:
            await client.conversations.get_conversation_member(conversation_id, user_id)
            outcome["member"] = True
        except Exception as e:  # noqa: BLE001 - mapped to a result below
            outcome["error"] = e

    await adapter.continue_conversation(ref, check, app_id or None)
    error = outcome.get("error")
    if error is None:
        return bool(outcome.get("member"))
    status = http_status(error)
    if status == 404:
        return False
    if status == 403:
        raise ConversationGone("Teams returned 403 for this conversation") from error
    raise error
