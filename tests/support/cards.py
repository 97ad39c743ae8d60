"""Checks every rendered message must pass: Slack's Block Kit limits and the Adaptive Card 1.5 schema
shipped in bot/teams/schemas (validated offline)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

from jsonschema import Draft6Validator, ValidationError, validators

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


def _branch_type(subschema: dict) -> str:
    """The element type an `anyOf` branch of the card schema stands for ("TextBlock" for
    `{"allOf": [{"$ref": "#/definitions/TextBlock"}]}`), or "" for other branches."""
    refs = [x.get("$ref", "") for x in subschema.get("allOf") or [] if isinstance(x, dict)]
    return refs[0].rsplit("/", 1)[-1] if refs else subschema.get("$ref", "").rsplit("/", 1)[-1]


def _any_of_by_type(validator, any_of, instance, schema):
    """`anyOf` as the standard defines it, trying first the branch named by the element's "type": the
    schema lists every element type, and failing the wrong ones first costs ~0.2 s a card."""
    wanted = instance.get("type") if isinstance(instance, dict) else None
    order = sorted(range(len(any_of)), key=lambda i: _branch_type(any_of[i]) != wanted)
    errors = []
    for i in order:
        errs = list(validator.descend(instance, any_of[i], schema_path=i))
        if not errs:
            return
        errors.extend(errs)
    yield ValidationError(f"{instance!r:.200} is not valid under any of the given schemas", context=errors)


_Validator = validators.extend(Draft6Validator, {"anyOf": _any_of_by_type})
_VALIDATOR = _Validator(CARD_SCHEMA)
# A card's body items and actions are validated one by one against the schema's own definitions for them
# (the card's `body` and `actions` are arrays of exactly these), each shape once per session: free text
# (only typed as string by the schema; formats are not checked) does not change whether a part is valid.
_PARTS = {
    key: _Validator(
        {"definitions": CARD_SCHEMA["definitions"], "$ref": f"#/definitions/ImplementationsOf.{kind}"}
    )
    for key, kind in (("body", "Element"), ("actions", "Action"))
}
_FREE_TEXT = {"text", "title", "url", "placeholder", "label", "errorMessage", "altText"}
_VALID_SHAPES: set[tuple[str, str]] = set()
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


def _shape(node):
    if isinstance(node, dict):
        return {k: "x" if k in _FREE_TEXT and isinstance(v, str) else _shape(v) for k, v in node.items()}
    return [_shape(v) for v in node] if isinstance(node, list) else node


def assert_valid_card(card: dict) -> None:
    """The card validates against the Adaptive Card 1.5 schema."""
    shell = {k: [] if k in _PARTS and isinstance(v, list) else v for k, v in card.items()}
    errors = [f"{list(e.absolute_path)}: {e.message[:200]}" for e in _VALIDATOR.iter_errors(shell)]
    for key, validator in _PARTS.items():
        parts = card.get(key)
        for i, part in enumerate(parts if isinstance(parts, list) else []):
            shape = (key, json.dumps(_shape(part), sort_keys=True))
            if shape in _VALID_SHAPES:
                continue
            found = [f"{[key, i, *e.absolute_path]}: {e.message[:200]}" for e in validator.iter_errors(part)]
            errors += found
            if not found:
                _VALID_SHAPES.add(shape)
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
