"""The schema.org `Message` entity that makes Teams draw citation pills and the "AI generated" label.

Teams pairs each claim with an `[n]` marker in the activity's `text`. Its limits (Bot messages with
AI-generated content): name <= 80 characters, abstract <= 160, at most 3 keywords of <= 28
characters, at most 20 citations per message.
"""

from __future__ import annotations

from typing import Any

from bot.models import Citation
from bot.teams.cards import is_link, plain, shorten

CITATION_NAME_MAX = 80
CITATION_ABSTRACT_MAX = 160
KEYWORD_MAX = 28
KEYWORDS_MAX = 3
CITATIONS_MAX = 20


def message_entity(sources: list[Citation], *, abstract_chars: int, keywords: bool) -> dict[str, Any]:
    entity: dict[str, Any] = {
        "type": "https://schema.org/Message",
        "@type": "Message",
        "@context": "https://schema.org",
        "@id": "",
        "additionalType": ["AIGeneratedContent"],
    }
    claims = [_claim(c, abstract_chars, keywords) for c in sources[:CITATIONS_MAX]]
    if claims:
        entity["citation"] = claims
    return entity


def _claim(c: Citation, abstract_chars: int, keywords: bool) -> dict[str, Any]:
    appearance: dict[str, Any] = {
        "@type": "DigitalDocument",
        "name": shorten(plain(c.title or c.doc_id), CITATION_NAME_MAX),
        "abstract": shorten(plain(c.quote) or plain(c.title or c.doc_id), abstract_chars),
    }
    if is_link(c.url):
        appearance["url"] = c.url
    if keywords:
        words = [str(w) for w in (c.publisher, c.year, c.section) if w]
        if c.currency_note:
            words.insert(0, "Check for newer guidance")
        appearance["keywords"] = [shorten(w, KEYWORD_MAX) for w in words[:KEYWORDS_MAX]]
    return {"@type": "Claim", "position": c.n, "appearance": appearance}
