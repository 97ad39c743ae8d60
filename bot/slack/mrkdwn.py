"""Slack mrkdwn and Block Kit primitives. Pure functions: no network, no Bolt, no database.

Slack gives `&`, `<` and `>` a meaning, so everything that came from a person or a source is escaped;
only the `<url|label>` links built here stay raw. Text is cut and split at line or word boundaries,
never inside a link or an HTML entity.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

SECTION_TEXT_MAX = 3000
CONTEXT_TEXT_MAX = 2000
CONTEXT_ELEMENTS_MAX = 10
BLOCKS_MAX = 50
BUTTON_TEXT_MAX = 75
BUTTON_VALUE_MAX = 2000
HEADER_TEXT_MAX = 150
FALLBACK_TEXT_MAX = 40_000
URL_MAX = 1000

_BOLD = re.compile(r"\*\*(.+?)\*\*")


def escape(text: str) -> str:
    """Slack's three control characters, for any text that did not come from this package."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def no_double_stars(text: str) -> str:
    """Markdown bold (`**x**`) as Slack bold (`*x*`); a stray `**` is dropped. Slack shows `**` raw."""
    return _BOLD.sub(r"*\1*", text).replace("**", "")


def safe_url(url: str | None) -> str | None:
    """A URL usable inside `<url|label>`: http(s) only, no characters that would end the link early."""
    if not url or not re.match(r"^https?://", url, re.IGNORECASE) or len(url) > URL_MAX:
        return None
    url = quote(url, safe=":/?#[]@!$&'()*+,;=%~-._")  # spaces, <, >, | and quotes get percent-encoded
    return url.replace("&", "&amp;")


def link(url: str | None, label: str) -> str:
    """`<url|label>` when the URL is usable, else just the (escaped) label."""
    label = escape(label).replace("|", "¦")
    u = safe_url(url)
    return f"<{u}|{label}>" if u else label


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(0, limit - 1)].rstrip() + "…"


def truncate_mrkdwn(text: str, limit: int) -> str:
    """Cut escaped mrkdwn to `limit` without leaving half an entity or half a link."""
    if len(text) <= limit:
        return text
    return _safe_cut(text, limit - 1).rstrip() + "…"


def _safe_cut(text: str, limit: int) -> str:
    cut = limit
    amp = text.rfind("&", max(0, cut - 6), cut)
    if amp != -1 and ";" not in text[amp:cut]:
        cut = amp
    lt = text.rfind("<", 0, cut)
    if lt != -1 and ">" not in text[lt:cut]:
        cut = lt
    return text[:cut] if cut > 0 else text[:limit]


# --- blocks --------------------------------------------------------------------------------------
def plain_text(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": shorten(text, limit), "emoji": True}


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def section(text: str, block_id: str) -> dict[str, Any]:
    return {"type": "section", "block_id": block_id, "text": mrkdwn(truncate_mrkdwn(text, SECTION_TEXT_MAX))}


def context(text: str, block_id: str) -> dict[str, Any]:
    return {
        "type": "context",
        "block_id": block_id,
        "elements": [mrkdwn(truncate_mrkdwn(text, CONTEXT_TEXT_MAX))],
    }


def button(text: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    b = {
        "type": "button",
        "action_id": action_id,
        "value": value[:BUTTON_VALUE_MAX],
        "text": plain_text(text, BUTTON_TEXT_MAX),
    }
    if style:
        b["style"] = style
    return b


# --- splitting -----------------------------------------------------------------------------------
def split_text(text: str, limit: int = SECTION_TEXT_MAX) -> list[str]:
    """Pack lines into chunks of at most `limit` characters; over-long lines break between words."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        for piece in [line] if len(line) <= limit else _split_line(line, limit):
            candidate = f"{current}\n{piece}" if current else piece
            if len(candidate) <= limit:
                current = candidate
            else:
                chunks.append(current)
                current = piece
    chunks.append(current)
    return [c.strip("\n") for c in chunks if c.strip()]


def _split_line(line: str, limit: int) -> list[str]:
    # Links built here contain no spaces (URLs are percent-encoded), so a space is always a safe cut.
    pieces: list[str] = []
    current = ""
    for word in line.split(" "):
        while len(word) > limit:
            head = _safe_cut(word, limit)
            if current:
                pieces.append(current)
                current = ""
            pieces.append(head)
            word = word[len(head) :]
        candidate = f"{current} {word}" if current else word
        if len(candidate) <= limit:
            current = candidate
        else:
            pieces.append(current)
            current = word
    if current:
        pieces.append(current)
    return pieces
