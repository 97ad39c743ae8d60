"""The Slack side of a lead adding a document: the message offering to add a checked file (its button
opens the form: a modal needs the trigger a click gives, and a file shared in a DM gives none) and the
modal asking for title, publisher, dates, link and what it replaces. Pure functions, like views.py."""

from __future__ import annotations

import json
from typing import Any

from bot.slack.mrkdwn import button, escape, plain_text, section
from bot.sources.chat_uploads import Choice, DocumentForm, review_default

DESCRIBE = "library_describe"  # the button under a checked file
UPLOAD_MODAL = "library_document"
FIELDS = ("title", "publisher", "published", "url", "review_after", "replaces")
VALUE = "value"
OPTIONS_MAX = 100  # Slack's static_select limit
OPTION_TEXT_MAX = 75


def checked_message(filename: str, kind: str, ref: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """(fallback text, blocks) for a file that passed the checks; `ref` travels in the button."""
    text = f"“{filename}” can be added ({kind.upper()}). Tell me its title, publisher and dates to add it."
    blocks = [
        section(escape(text), "library_checked"),
        {
            "type": "actions",
            "block_id": "library_actions",
            "elements": [button("Add to hibot's library…", DESCRIBE, json.dumps(ref), style="primary")],
        },
    ]
    return text, blocks


def _input(block: str, label: str, element: dict[str, Any], optional: bool = True) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block,
        "optional": optional,
        "label": plain_text(label, 2000),
        "element": {**element, "action_id": VALUE},
    }


def _text(initial: str, max_length: int) -> dict[str, Any]:
    e: dict[str, Any] = {"type": "plain_text_input", "max_length": max_length}
    return {**e, "initial_value": initial[:max_length]} if initial else e


def _date(initial: str) -> dict[str, Any]:
    e: dict[str, Any] = {"type": "datepicker"}
    return {**e, "initial_date": initial[:10]} if initial else e


def _url(initial: str) -> dict[str, Any]:
    e: dict[str, Any] = {"type": "url_text_input"}
    return {**e, "initial_value": initial} if initial else e


def _option(c: Choice) -> dict[str, Any]:
    return {"text": plain_text(f"{c.title} ({c.doc_id})", OPTION_TEXT_MAX), "value": c.doc_id[:150]}


def upload_modal(form: DocumentForm, choices: list[Choice], metadata: dict[str, Any]) -> dict[str, Any]:
    replaces: dict[str, Any] = {"type": "static_select", "placeholder": plain_text("A new document", 150)}
    options = [_option(c) for c in choices[:OPTIONS_MAX]]
    if options:
        replaces["options"] = options
        chosen = [o for o in options if o["value"] == form.replaces]
        if chosen:
            replaces["initial_option"] = chosen[0]
    blocks = [
        section("Tell people where this guidance comes from; answers cite it this way.", "library_intro"),
        _input("title", "Title", _text(form.title, 500), optional=False),
        _input("publisher", "Publisher", _text(form.publisher, 255)),
        _input("published", "Date published", _date(form.published)),
        _input("url", "Link to the published document", _url(form.url)),
        _input("review_after", "Review after", _date(form.review_after or review_default(form.published))),
    ]
    if options:
        blocks.append(_input("replaces", "Replaces (leave empty for a new document)", replaces))
    return {
        "type": "modal",
        "callback_id": UPLOAD_MODAL,
        "private_metadata": json.dumps(metadata)[:3000],
        "title": plain_text("Add a document", 24),
        "submit": plain_text("Add", 24),
        "close": plain_text("Cancel", 24),
        "blocks": blocks,
    }


def submitted_form(view: dict[str, Any]) -> DocumentForm:
    values = (view.get("state") or {}).get("values") or {}

    def read(block: str) -> str:
        v = (values.get(block) or {}).get(VALUE) or {}
        found = v.get("value") or v.get("selected_date") or (v.get("selected_option") or {}).get("value")
        return str(found or "").strip()

    return DocumentForm(**{name: read(name) for name in FIELDS})


def form_metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        found = json.loads(view.get("private_metadata") or "{}")
    except (TypeError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}
