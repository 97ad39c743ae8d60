"""Checks every rendered message must pass: Slack's Block Kit limits and the Adaptive Card 1.5 schema
shipped in bot/teams/schemas (validated offline)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

from jsonschema import Draft6Validator

from bot.slack.render import (
    BLOCKS_MAX,
    BUTTON_TEXT_MAX,
    CONTEXT_ELEMENTS_MAX,
    CONTEXT_TEXT_MAX,
    FALLBACK_TEXT_MAX,
    SECTION_TEXT_MAX,
)
from bot.teams.render import ShareTarget

ROOT = Path(__file__).resolve().parents[2]
CARD_SCHEMA = json.loads((ROOT / "bot/teams/schemas/adaptive-card-1.5.schema.json").read_text())
_VALIDATOR = Draft6Validator(CARD_SCHEMA)
LINK = re.compile(r"<(?:https?://[^<>|\s]+\|[^<>]*|@[UW][A-Z0-9]+)>")  # links and mentions built by hibot
CHANNELS = [
    ShareTarget("19:general@thread.tacv2", "Health Equity › General"),
    ShareTarget("19:data@thread.tacv2", "Health Equity › Data"),
]


def assert_within_slack_limits(blocks: list[dict], text: str) -> None:
    assert len(blocks) <= BLOCKS_MAX
    assert len(text) <= FALLBACK_TEXT_MAX
    for b in blocks:
        if b["type"] == "section":
            assert len(b["text"]["text"]) <= SECTION_TEXT_MAX
        if b["type"] == "context":
            assert len(b["elements"]) <= CONTEXT_ELEMENTS_MAX
            assert all(len(e["text"]) <= CONTEXT_TEXT_MAX for e in b["elements"])
        if b["type"] == "actions":
            assert all(len(e["text"]["text"]) <= BUTTON_TEXT_MAX for e in b["elements"])
        texts = [b.get("text", {}).get("text", "")]
        texts += [e.get("text", "") for e in b.get("elements", []) if e.get("type") == "mrkdwn"]
        for t in texts:
            # every < opens a link or mention built here and closes in the same block: nothing cut mid-link
            assert t.count("<") == t.count(">") == len(LINK.findall(t))
            assert not re.search(r"&[a-z]{0,3}$", t)


def assert_valid_card(card: dict) -> None:
    errors = [f"{list(e.absolute_path)}: {e.message[:200]}" for e in _VALIDATOR.iter_errors(card)]
    assert not errors, errors[:5]


def walk(node) -> Iterator[dict]:
    """Every dict inside a card (elements, actions, nested show-cards)."""
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from walk(v)
