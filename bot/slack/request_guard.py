"""What every request to /slack/events passes before slack-bolt parses it.

Bolt parses the body before it checks the signature, so a malformed body from anyone (bad JSON, bad
UTF-8, a non-numeric timestamp) used to raise inside Bolt: a 500 and kilobytes of traceback in the
log, for an unauthenticated request. Here the signature is checked first, on the raw bytes (401 for a
missing, non-numeric or stale timestamp or a wrong signature), then the body must be UTF-8 and
parse (400); only then does Bolt see it, and it checks the signature again itself.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from urllib.parse import parse_qs

from aiohttp import web

MAX_AGE_S = 300  # Slack's own rule: requests older than five minutes are replays


def refusal(raw: bytes, headers, signing_secret: str, now: float | None = None) -> web.Response | None:
    """None when the request may go on to Bolt, else the 401/400 to answer."""
    if not signed(raw, headers, signing_secret, now):
        return web.json_response({"error": "invalid signature"}, status=401)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return web.json_response({"error": "body is not UTF-8"}, status=400)
    if not parses(text, headers.get("Content-Type") or ""):
        return web.json_response({"error": "malformed body"}, status=400)
    return None


def signed(raw: bytes, headers, signing_secret: str, now: float | None = None) -> bool:
    timestamp = headers.get("X-Slack-Request-Timestamp") or ""
    signature = headers.get("X-Slack-Signature") or ""
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12) or not signature:
        return False
    if abs((time.time() if now is None else now) - int(timestamp)) > MAX_AGE_S:
        return False
    base = b"v0:" + timestamp.encode() + b":" + raw
    expected = "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


def parses(text: str, content_type: str) -> bool:
    """JSON bodies (events) must be a JSON object; form bodies (commands, interactivity) must decode,
    with any `payload` field a JSON object."""
    try:
        if "application/json" in content_type:
            return isinstance(json.loads(text), dict)
        form = parse_qs(text, keep_blank_values=True, errors="strict")
        payload = form.get("payload")
        return payload is None or isinstance(json.loads(payload[0]), dict)
    except (ValueError, UnicodeDecodeError):
        return False
