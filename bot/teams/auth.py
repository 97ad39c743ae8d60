"""The Bot Framework token on every Teams request, checked without ever holding up the server.

botbuilder's own validator fetches Microsoft's OpenID metadata and signing keys on the request's path
with no timeout and does not remember a failed fetch, so one unauthenticated request with a
well-formed token could stall every other request while that fetch hung. hibot validates the token
itself, with PyJWT, against keys it caches:

- the metadata and the key set are fetched in a thread (never on the event loop), with a timeout,
  one fetch at a time however many requests are waiting, and a request waits at most FETCH_TIMEOUT_S;
- the keys are kept for REFRESH_S, refetched early when a token names a key id not in the set (at
  most once per MIN_REFETCH_S, so unknown ids cannot make hibot hammer Microsoft), and kept when a
  refresh fails;
- a failed fetch is remembered for RETRY_AFTER_FAILURE_S: requests in that window are refused at
  once instead of trying again.

A token is accepted only when it is RS256-signed (never `none` or HMAC) by a key in the set that is
endorsed for the activity's channel, issued by the Bot Framework, for this bot's app id, unexpired
(five minutes' clock skew, as botbuilder allows), and carries the activity's `serviceUrl`. Anything
else, including "the keys cannot be fetched", is `Unauthorized` (401): the Bot Service retries.
Public cloud only: government clouds and skill (bot-to-bot) tokens are not accepted.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import jwt
import requests

log = logging.getLogger("hibot.teams")

OPENID_METADATA_URL = "https://login.botframework.com/v1/.well-known/openidconfiguration"
ISSUER = "https://api.botframework.com"
ALGORITHMS = ("RS256",)  # what the Bot Framework signs with; `none` and HS* are never accepted
CLOCK_SKEW_S = 300
FETCH_TIMEOUT_S = 5.0
REFRESH_S = 24 * 3600
MIN_REFETCH_S = 300
RETRY_AFTER_FAILURE_S = 30.0


class Unauthorized(Exception):
    """The request's token is missing, malformed, or cannot be verified: answer 401."""


@dataclass(frozen=True)
class SigningKey:
    key: Any
    endorsements: frozenset[str]


@dataclass
class KeySet:
    """Microsoft's signing keys, fetched off the event loop and cached with a negative cache."""

    metadata_url: str = OPENID_METADATA_URL
    timeout_s: float = FETCH_TIMEOUT_S
    keys: dict[str, SigningKey] = field(default_factory=dict)
    fetched_at: float = 0.0
    failed_at: float = float("-inf")
    _fetch: asyncio.Future | None = None

    async def get(self, kid: str) -> SigningKey:
        now = time.monotonic()
        stale = now - self.fetched_at > REFRESH_S
        unknown = kid not in self.keys and now - self.fetched_at > MIN_REFETCH_S
        if (stale or unknown) and now - self.failed_at > RETRY_AFTER_FAILURE_S:
            await self._refresh()
        key = self.keys.get(kid)
        if key is None:
            raise Unauthorized("signing key not known" if self.keys else "signing keys unavailable")
        return key

    async def _refresh(self) -> None:
        if self._fetch is None or self._fetch.done():
            self._fetch = asyncio.ensure_future(asyncio.to_thread(self._download))
            self._fetch.add_done_callback(self._fetched)
        try:
            # shield: one waiter timing out must not cancel the fetch the others wait for
            await asyncio.wait_for(asyncio.shield(self._fetch), self.timeout_s)
        except Exception as e:  # noqa: BLE001 - timeout or fetch error: the keys we have (if any) stand
            self.failed_at = time.monotonic()
            log.warning("teams_signing_keys_unavailable: %s", type(e).__name__)

    def _fetched(self, fut: asyncio.Future) -> None:
        if fut.cancelled() or fut.exception() is not None:
            self.failed_at = time.monotonic()
            return
        self.keys, self.fetched_at = fut.result(), time.monotonic()

    def _download(self) -> dict[str, SigningKey]:
        timeout = (self.timeout_s, self.timeout_s)
        meta = requests.get(self.metadata_url, timeout=timeout)
        meta.raise_for_status()
        jwks = requests.get(meta.json()["jwks_uri"], timeout=timeout)
        jwks.raise_for_status()
        return parse_keys(jwks.json())


def parse_keys(jwks: dict[str, Any]) -> dict[str, SigningKey]:
    keys = {}
    for k in jwks.get("keys") or []:
        try:
            if k.get("kty") == "RSA" and k.get("kid"):
                keys[k["kid"]] = SigningKey(
                    jwt.PyJWK(k, algorithm="RS256").key, frozenset(k.get("endorsements") or ())
                )
        except (jwt.PyJWTError, KeyError, ValueError, TypeError):
            continue  # one unusable key does not spoil the set
    if not keys:
        raise ValueError("no usable signing keys")
    return keys


class TokenValidator:
    def __init__(self, app_id: str, keys: KeySet):
        self.app_id = app_id
        self.keys = keys

    async def validate(
        self, auth_header: str | None, channel_id: str | None, service_url: str | None
    ) -> dict:
        """The token's claims, or Unauthorized."""
        scheme, _, token = (auth_header or "").partition(" ")
        if scheme.lower() != "bearer" or token.count(".") != 2:
            raise Unauthorized("no bearer token")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as e:
            raise Unauthorized("malformed token") from e
        if header.get("alg") not in ALGORITHMS or not isinstance(header.get("kid"), str):
            raise Unauthorized("token algorithm or key id not acceptable")
        key = await self.keys.get(header["kid"])
        if key.endorsements and channel_id not in key.endorsements:
            raise Unauthorized("signing key not endorsed for this channel")
        return self._claims(token, key, service_url)

    def _claims(self, token: str, key: SigningKey, service_url: str | None) -> dict:
        try:
            claims = jwt.decode(
                token,
                key.key,
                algorithms=list(ALGORITHMS),
                audience=self.app_id,
                issuer=ISSUER,
                leeway=CLOCK_SKEW_S,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.PyJWTError as e:
            raise Unauthorized(type(e).__name__) from e
        if not service_url or claims.get("serviceurl") != service_url:
            raise Unauthorized("serviceUrl does not match the token")
        return claims
