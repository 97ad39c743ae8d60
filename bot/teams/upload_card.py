"""The Teams form for a lead's checked file: an Adaptive Card asking for title, publisher, dates, link
and what it replaces, sent back with Action.Submit. Pure functions on plain dicts, like cards.py.

The submit's `value` is the card's inputs merged with the button's data, so the data's keys (where the
file came from) are prefixed to stay clear of the inputs' ids."""

from __future__ import annotations

from typing import Any

from bot.sources.chat_uploads import Choice, DocumentForm, review_default
from bot.teams.cards import HIBOT_KEY, attachment, card, submit, text_block

SUBMIT = "library_document"
FILE_KEYS = ("file_url", "file_name", "file_sha256")
CHOICES_MAX = 200


def _text_input(id_: str, label: str, value: str, **props: Any) -> dict[str, Any]:
    return {"type": "Input.Text", "id": id_, "label": label, **({"value": value} if value else {}), **props}


def _date_input(id_: str, label: str, value: str) -> dict[str, Any]:
    return {"type": "Input.Date", "id": id_, "label": label, **({"value": value[:10]} if value else {})}


def upload_card(filename: str, kind: str, form: DocumentForm, choices: list[Choice], ref: dict) -> dict:
    """The message carrying the form; `ref` (file_url, file_name, file_sha256) rides in the submit."""
    body: list[dict[str, Any]] = [
        text_block(f"“{filename}” can be added ({kind.upper()}).", weight="Bolder"),
        text_block("Tell people where this guidance comes from; answers cite it this way.", isSubtle=True),
        _text_input(
            "title",
            "Title",
            form.title,
            isRequired=True,
            errorMessage="A document needs a title.",
            maxLength=500,
        ),
        _text_input("publisher", "Publisher", form.publisher, maxLength=255),
        _date_input("published", "Date published", form.published),
        _text_input("url", "Link to the published document", form.url, style="Url"),
        _date_input("review_after", "Review after", form.review_after or review_default(form.published)),
    ]
    if choices:
        body.append(
            {
                "type": "Input.ChoiceSet",
                "id": "replaces",
                "label": "Replaces (leave empty for a new document)",
                "style": "compact",
                "isMultiSelect": False,
                "choices": [
                    {"title": f"{c.title} ({c.doc_id})", "value": c.doc_id} for c in choices[:CHOICES_MAX]
                ],
                **({"value": form.replaces} if form.replaces else {}),
            }
        )
    data = {HIBOT_KEY: SUBMIT, **{k: str(ref.get(k) or "") for k in FILE_KEYS}}
    content = card(body, [submit("Add to hibot's library", data)])
    return {"type": "message", "text": "", "attachments": [attachment(content)]}


def submitted_form(value: dict) -> DocumentForm:
    def read(key: str) -> str:
        return str(value.get(key) or "").strip()

    return DocumentForm(
        title=read("title"),
        publisher=read("publisher"),
        published=read("published"),
        url=read("url"),
        review_after=read("review_after"),
        replaces=read("replaces"),
    )
