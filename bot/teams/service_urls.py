"""Where hibot may send Teams traffic: the `serviceUrl` of an activity is checked against an allow-list
before any reply is sent or any conversation reference is stored, in every mode, and again before a
proactive post from a stored reference. Without it the caller of /api/messages chooses the host hibot
POSTs the answer to (server-side request forgery), and a stored reference would repeat that every week.

By default only Microsoft's Bot Framework hosts, over HTTPS. `HIBOT_TEAMS_SERVICE_URLS` replaces the
list (comma-separated hosts; "*.example.com" matches its subdomains). Loopback (the Bot Framework
Emulator, the tests' fake connector) is allowed, over plain HTTP too, when listed, or in emulator mode
(no app id) when no list is given.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.config import Settings

MICROSOFT_HOSTS = (
    "smba.trafficmanager.net",  # Teams, public cloud
    "*.botframework.com",  # the Bot Framework's own channels
    "*.teams.microsoft.com",  # Teams GCC
    "*.teams.microsoft.us",  # Teams GCC High / DoD
)
LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class ServiceUrls:
    hosts: tuple[str, ...] = MICROSOFT_HOSTS
    allow_loopback: bool = False

    def allows(self, url: str | None) -> bool:
        try:
            parts = urlsplit(url or "")
            host = (parts.hostname or "").lower()
            parts.port  # noqa: B018 - raises ValueError for a malformed port
        except ValueError:
            return False
        if not host or parts.username is not None or parts.password is not None:
            return False
        loopback = host in LOOPBACK
        if parts.scheme != "https" and not (loopback and parts.scheme == "http"):
            return False
        if loopback and self.allow_loopback:
            return True
        return any(_matches(host, pattern) for pattern in self.hosts)


def _matches(host: str, pattern: str) -> bool:
    pattern = pattern.lower().strip()
    if pattern.startswith("*."):
        return host.endswith(pattern[1:])
    return host == pattern


def service_urls(settings: Settings) -> ServiceUrls:
    listed = tuple(h.strip() for h in settings.teams_service_urls.split(",") if h.strip())
    return ServiceUrls(
        hosts=listed or MICROSOFT_HOSTS,
        allow_loopback=any(h in LOOPBACK for h in listed) if listed else not settings.microsoft_app_id,
    )
