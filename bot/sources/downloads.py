"""Fetching a file a lead shared in chat, safely: only from the platform's own file hosts, never more
than the upload limit, and never buffering what a server streams past it.

- The caller says which URLs are the platform's (`allowed`): Slack's files host for
  `url_private_download`, the SharePoint hosts of a Teams `downloadUrl`. Anything else is refused
  before a connection is made, so a crafted event or card cannot make hibot fetch (and send the
  Slack bot token to) a host of the sender's choosing. Redirects are followed by hand, each hop
  checked the same way, and the credentials go only to the origin they were meant for.
- A size the platform states (Slack's `size`, a response's Content-Length) over the limit is
  refused before the body is read; otherwise the body is read in chunks and abandoned as soon as it
  passes the limit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import aiohttp

CHUNK = 64 * 1024
MAX_REDIRECTS = 3
TIMEOUT = aiohttp.ClientTimeout(total=180, sock_connect=15, sock_read=30)


class DownloadRefused(Exception):
    """The file was not fetched (or not kept); `message` is one sentence a lead can act on."""

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.message = message
        self.reason = reason  # a short code for the log line: too_large, host, http_404, …


@dataclass(frozen=True)
class Downloaded:
    data: bytes
    content_type: str  # as the host stated it ("" when it did not)


def megabytes(n: int) -> str:
    return f"{n / (1 << 20):.0f} MB" if n >= 1 << 20 else f"{max(1, n // 1024)} kB"


def too_large(size: int | None, max_bytes: int) -> DownloadRefused:
    """`size` None: the file went on past the limit while being read (its real size is not known)."""
    said = f"is {megabytes(size)}" if size is not None else f"is larger than {megabytes(max_bytes)}"
    return DownloadRefused(
        f"This file {said}; hibot takes documents up to {megabytes(max_bytes)}. "
        "Send a smaller version (for example without embedded images).",
        "too_large",
    )


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme, (parts.hostname or "").lower(), parts.port


async def fetch_capped(
    url: str,
    *,
    allowed: Callable[[str], bool],
    max_bytes: int,
    headers: dict[str, str] | None = None,
    where: str = "the chat",
) -> Downloaded:
    """The file's bytes, or DownloadRefused. `headers` (the bot token) go only to `url`'s origin."""
    if not allowed(url):
        raise DownloadRefused(f"I can only take files shared in {where} itself.", "host")
    home = _origin(url)
    async with aiohttp.ClientSession(timeout=TIMEOUT, trust_env=True) as session:
        for _ in range(MAX_REDIRECTS + 1):
            sent = headers if _origin(url) == home else None
            try:
                async with session.get(url, headers=sent, allow_redirects=False) as resp:
                    if resp.status in (301, 302, 303, 307, 308) and resp.headers.get("Location"):
                        url = urljoin(url, resp.headers["Location"])
                        if not allowed(url):
                            raise DownloadRefused(f"I can only take files shared in {where} itself.", "host")
                        continue
                    if resp.status != 200:
                        raise DownloadRefused(
                            f"I couldn't download that file from {where} (HTTP {resp.status}). "
                            "Please send it again.",
                            f"http_{resp.status}",
                        )
                    return Downloaded(await _read_capped(resp, max_bytes), resp.content_type or "")
            except (aiohttp.ClientError, TimeoutError) as e:
                raise DownloadRefused(
                    f"I couldn't download that file from {where}. Please send it again.", type(e).__name__
                ) from e
    raise DownloadRefused(f"I couldn't download that file from {where}. Please send it again.", "redirects")


async def _read_capped(resp: aiohttp.ClientResponse, max_bytes: int) -> bytes:
    if resp.content_length is not None and resp.content_length > max_bytes:
        raise too_large(resp.content_length, max_bytes)  # said up front: nothing read
    data = bytearray()
    async for chunk in resp.content.iter_chunked(CHUNK):
        data += chunk
        if len(data) > max_bytes:
            resp.close()  # stop reading at once; the rest is never received
            raise too_large(None, max_bytes)
    return bytes(data)
