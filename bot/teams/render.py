"""Answer -> Teams message activity: an Adaptive Card 1.5 plus the schema.org citation entity.

Pure functions on plain dicts (no botbuilder, no I/O), so they are unit-tested against the shipped Adaptive
Card schema. The activity `text` carries the answer with its `[n]` markers: Teams draws its native citation
pills from those markers and the `https://schema.org/Message` entity, and clients that cannot show the card
still get the answer.

Size: Teams rejects a bot message over 40 KB measured as UTF-16 (413 MessageSizeTooBig) and cards are kept
under ~28 KB, so a large answer is re-rendered with tighter budgets (shorter quotes, fewer sources and
actions, a shortened answer) until it fits.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from typing import Any

from bot.models import PII_WARNING, PII_WARNING_TEXT, SCOPE_TEXT, Answer, Citation, Prompt

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_VERSION = "1.5"
CARD_MAX_BYTES = 28_000  # UTF-8 JSON of the card
MESSAGE_MAX_BYTES = 100_000  # UTF-8 JSON of the whole activity
MESSAGE_MAX_UTF16_BYTES = 40_000  # Teams' documented limit, whole payload encoded as UTF-16

# Teams citation limits (Bot messages with AI-generated content): name <= 80, abstract <= 160,
# at most 3 keywords of <= 28 characters, at most 20 citations per message.
CITATION_NAME_MAX = 80
CITATION_ABSTRACT_MAX = 160
KEYWORD_MAX = 28
KEYWORDS_MAX = 3
CITATIONS_MAX = 20
SHARE_CHOICES_MAX = 50
COMMENT_MAX = 500

ACTION_LABELS = {"ask": "Ask", "advocate": "Advocate", "analyse": "Analyse"}
HIBOT_KEY = "hibot"  # marks our own Action.Submit payloads (the `value` of the submit activity)

_MARKER = re.compile(r"\[(\d+)\]")


@dataclass(frozen=True)
class ShareTarget:
    """A channel the answer can be shared to (a stored Teams conversation where hibot is installed)."""

    conversation_id: str
    name: str


@dataclass(frozen=True)
class _Budget:
    answer_chars: int = 12_000
    sources: int = CITATIONS_MAX
    actions: int = 12
    abstract_chars: int = CITATION_ABSTRACT_MAX
    keywords: bool = True
    source_details: bool = True
    share_choices: int = SHARE_CHOICES_MAX
    title_chars: int = 200


# Each step gives up something less important first; the last one always fits.
_BUDGETS = [
    _Budget(),
    _Budget(abstract_chars=100, share_choices=25, title_chars=120),
    _Budget(
        answer_chars=6_000,
        sources=12,
        actions=8,
        abstract_chars=80,
        keywords=False,
        share_choices=15,
        title_chars=100,
    ),
    _Budget(
        answer_chars=3_000,
        sources=8,
        actions=5,
        abstract_chars=60,
        keywords=False,
        source_details=False,
        share_choices=10,
        title_chars=80,
    ),
    _Budget(
        answer_chars=1_200,
        sources=5,
        actions=3,
        abstract_chars=40,
        keywords=False,
        source_details=False,
        share_choices=5,
        title_chars=60,
    ),
]


# --- public API ----------------------------------------------------------------------------------------
def render_answer(
    answer: Answer,
    *,
    share_targets: list[ShareTarget] | None = None,
    shared_by: str | None = None,
) -> dict[str, Any]:
    """The message activity for one answer. `share_targets` (personal chat only) adds "Share to a channel";
    `shared_by` marks a copy posted to a channel on someone's behalf."""
    return _fit(lambda b: _answer_activity(answer, b, share_targets or [], shared_by))


def render_prompt(prompt: Prompt, answer: Answer) -> dict[str, Any]:
    """A weekly prompt: title and nudge, the live cited answer, and "This week: <action>"."""
    return _fit(lambda b: _answer_activity(answer, b, [], None, prompt=prompt))


def render_welcome(kind: str | None = None) -> dict[str, Any]:
    """Sent once when hibot is installed in a chat, group chat or team."""
    in_channel = kind in ("channel", "groupChat")
    how = (
        "Mention me with your question, e.g. **@hibot What is Core20PLUS5?** — I reply in the thread."
        if in_channel
        else "Type a question here, e.g. **What is Core20PLUS5?** Follow-up questions use the previous one."
    )
    body: list[dict] = [
        _text("Hi, I'm hibot", size="Medium", weight="Bolder"),
        _text(SCOPE_TEXT),
        _text("**How to ask**", spacing="Medium"),
        _text(how),
        _text(
            "Every answer quotes the guidance with numbered sources, suggests actions you can take, and has "
            "👍/👎 buttons so you can tell us whether it helped."
        ),
        _text(
            "Please don't share patient-identifiable information (NHS numbers, names, dates of birth, "
            "postcodes)."
        ),
        _text(
            "Weekly prompts: a lead can type **prompts subscribe monday 09:00**; anyone can type "
            "**prompts status**.",
            isSubtle=True,
        ),
    ]
    card = _card(body)
    text = f"Hi, I'm hibot. {SCOPE_TEXT} {how.replace('**', '')}"
    return {"type": "message", "text": text, "attachments": [_attachment(card)]}


def render_text(text: str) -> dict[str, Any]:
    """A plain reply (confirmations, command output). Teams markdown needs blank lines for line breaks."""
    return {"type": "message", "text": text.replace("\r\n", "\n").replace("\n", "\n\n")}


def card_of(activity: dict[str, Any]) -> dict[str, Any] | None:
    for att in activity.get("attachments") or []:
        if att.get("contentType") == CARD_CONTENT_TYPE:
            return att["content"]
    return None


def card_bytes(card: dict[str, Any]) -> int:
    return len(json.dumps(card, ensure_ascii=False).encode("utf-8"))


def message_bytes(activity: dict[str, Any], encoding: str = "utf-8") -> int:
    return len(json.dumps(activity, ensure_ascii=False).encode(encoding))


def fits(activity: dict[str, Any]) -> bool:
    card = card_of(activity)
    return (
        (card is None or card_bytes(card) <= CARD_MAX_BYTES)
        and message_bytes(activity) <= MESSAGE_MAX_BYTES
        and message_bytes(activity, "utf-16-le") <= MESSAGE_MAX_UTF16_BYTES
    )


# --- building blocks -----------------------------------------------------------------------------------
def _fit(build) -> dict[str, Any]:
    activity: dict[str, Any] = {}
    for budget in _BUDGETS:
        activity = build(budget)
        if fits(activity):
            return activity
    # Pathological input (e.g. thousands of citations with huge titles): keep halving the answer.
    budget = _BUDGETS[-1]
    while not fits(activity) and budget.answer_chars > 100:
        budget = replace(
            budget,
            answer_chars=budget.answer_chars // 2,
            sources=max(1, budget.sources - 1),
            actions=max(0, budget.actions - 1),
            title_chars=max(30, budget.title_chars // 2),
        )
        activity = build(budget)
    return activity


def _answer_activity(
    answer: Answer,
    budget: _Budget,
    share_targets: list[ShareTarget],
    shared_by: str | None,
    prompt: Prompt | None = None,
) -> dict[str, Any]:
    text = _shorten(answer.answer or "", budget.answer_chars)
    pii = PII_WARNING in (answer.warnings or [])
    cited = set() if answer.abstained else _cited_numbers(text, answer)
    sources = [] if answer.abstained else [c for c in answer.citations if c.n in cited][: budget.sources]
    shown = {c.n for c in sources}
    actions = [] if answer.abstained else [a for a in answer.actions if a.citation in shown][: budget.actions]

    body: list[dict] = []
    if shared_by:
        body.append(_text(f"Shared by {_plain(shared_by)[:100]}", isSubtle=True, size="Small"))
    if prompt is not None:
        body.append(_text(_plain(prompt.title)[:200], size="Medium", weight="Bolder"))
        body.append(_text(_shorten(prompt.body or "", 1_000)))
    if pii:
        body.append(_container([_text(f"⚠️ {PII_WARNING_TEXT}", weight="Bolder")], style="warning"))
    answer_blocks = _answer_blocks(text)
    if answer.abstained:
        body.append(_container(answer_blocks, style="emphasis"))
    else:
        body.extend(answer_blocks)
    if sources:
        body.append(_text("**Sources**", spacing="Medium", separator=True))
        for c in sources:
            body.extend(_source_blocks(c, budget))
    if prompt is not None:
        body.append(_this_week(prompt, answer, shown))
    elif actions:
        body.append(_text("**What you can do**", spacing="Medium", separator=True))
        for a in actions:
            label = ACTION_LABELS.get(a.type, a.type.title())
            body.append(_text(f"**{label}:** {_md(_shorten(a.text, 600))} [{a.citation}]"))
    body.extend(_feedback_blocks(answer.answer_id))

    card_actions: list[dict] = []
    if share_targets and not answer.abstained and not shared_by:
        card_actions.append(_share_action(answer.answer_id, share_targets[: budget.share_choices]))
    card = _card(body, card_actions)

    fallback = text
    if prompt is not None:
        fallback = f"{_plain(prompt.title)}\n\n{fallback}"
    if pii:
        fallback = f"⚠️ {PII_WARNING_TEXT}\n\n{fallback}"
    if shared_by:
        fallback = f"Shared by {_plain(shared_by)[:100]}\n\n{fallback}"
    activity: dict[str, Any] = {
        "type": "message",
        "text": fallback,
        "attachments": [_attachment(card)],
        # Teams pairs each claim with an [n] in the text; a source cited only by an action stays in the card.
        "entities": [_message_entity([c for c in sources if f"[{c.n}]" in fallback], budget)],
    }
    return activity


def _cited_numbers(text: str, answer: Answer) -> set[int]:
    """Sources the (possibly shortened) answer or its actions refer to; all of them if none is marked."""
    numbers = {int(m) for m in _MARKER.findall(text)}
    numbers |= {a.citation for a in answer.actions}
    return numbers or {c.n for c in answer.citations}


def _answer_blocks(text: str) -> list[dict]:
    blocks: list[dict] = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("- "):
            # One block per item: Adaptive Card markdown lists are inconsistent across Teams clients.
            blocks.append(_text(f"• {_md(line[2:])}", spacing="None"))
        else:
            blocks.append(_text(_md(line)))
    return blocks or [_text(" ")]


def _source_blocks(c: Citation, budget: _Budget) -> list[dict]:
    title = _link_text(_shorten(c.title or c.doc_id, budget.title_chars))
    heading = f"**[{c.n}]** [{title}]({c.url})" if _is_link(c.url) else f"**[{c.n}]** {title}"
    blocks = [_text(heading, spacing="Small")]
    details = _details(c) if budget.source_details else ""
    if details:
        blocks.append(_text(_md(details), isSubtle=True, size="Small", spacing="None"))
    if c.currency_note:  # hazard: outdated guidance — always shown, whatever the budget
        blocks.append(_text(f"⏳ {_md(c.currency_note)}", color="Warning", size="Small", spacing="None"))
    return blocks


def _details(c: Citation) -> str:
    parts = []
    if c.section:
        parts.append(_shorten(c.section, 120))
    if c.page is not None:
        parts.append(f"p. {c.page}")
    origin = " ".join(str(x) for x in (c.publisher, c.year) if x)
    if origin:
        parts.append(origin)
    return " · ".join(parts)


def _this_week(prompt: Prompt, answer: Answer, shown: set[int]) -> dict:
    label = ACTION_LABELS.get(prompt.action, prompt.action.title())
    action = next((a for a in answer.actions if a.type == prompt.action and a.citation in shown), None)
    line = f"**This week: {label}**"
    if action is not None:
        line += f" — {_md(_shorten(action.text, 600))} [{action.citation}]"
    return _container([_text(line)], style="accent", spacing="Medium")


def _feedback_blocks(answer_id: str) -> list[dict]:
    def submit(title: str, rating: int) -> dict:
        return {
            "type": "Action.Submit",
            "title": title,
            "data": {HIBOT_KEY: "feedback", "answer_id": answer_id, "rating": rating},
        }

    return [
        _text("Was this helpful?", spacing="Medium", separator=True, size="Small", isSubtle=True),
        {
            "type": "Input.Text",
            "id": "comment",
            "placeholder": "Optional comment (no patient details)",
            "maxLength": COMMENT_MAX,
            "spacing": "Small",
        },
        {"type": "ActionSet", "actions": [submit("👍 Helpful", 1), submit("👎 Not helpful", -1)]},
    ]


def _share_action(answer_id: str, targets: list[ShareTarget]) -> dict:
    return {
        "type": "Action.ShowCard",
        "title": "Share to a channel",
        "card": {
            "type": "AdaptiveCard",
            "body": [
                _text("Post this answer, with its sources, to a channel where hibot is installed:"),
                {
                    "type": "Input.ChoiceSet",
                    "id": "conversation_id",
                    "style": "compact",
                    "isRequired": True,
                    "errorMessage": "Choose a channel",
                    "choices": [
                        {"title": _plain(t.name)[:120] or "Channel", "value": t.conversation_id}
                        for t in targets
                    ],
                },
            ],
            "actions": [
                {
                    "type": "Action.Submit",
                    "title": "Share",
                    "data": {HIBOT_KEY: "share", "answer_id": answer_id},
                }
            ],
        },
    }


def _message_entity(sources: list[Citation], budget: _Budget) -> dict:
    entity: dict[str, Any] = {
        "type": "https://schema.org/Message",
        "@type": "Message",
        "@context": "https://schema.org",
        "@id": "",
        "additionalType": ["AIGeneratedContent"],
    }
    claims = [_claim(c, budget) for c in sources[:CITATIONS_MAX]]
    if claims:
        entity["citation"] = claims
    return entity


def _claim(c: Citation, budget: _Budget) -> dict:
    appearance: dict[str, Any] = {
        "@type": "DigitalDocument",
        "name": _shorten(_plain(c.title or c.doc_id), CITATION_NAME_MAX),
        "abstract": _shorten(_plain(c.quote) or _plain(c.title or c.doc_id), budget.abstract_chars),
    }
    if _is_link(c.url):
        appearance["url"] = c.url
    if budget.keywords:
        words = [str(w) for w in (c.publisher, c.year, c.section) if w]
        if c.currency_note:
            words.insert(0, "Check for newer guidance")
        appearance["keywords"] = [_shorten(w, KEYWORD_MAX) for w in words[:KEYWORDS_MAX]]
    return {"@type": "Claim", "position": c.n, "appearance": appearance}


# --- small helpers -------------------------------------------------------------------------------------
def _card(body: list[dict], actions: list[dict] | None = None) -> dict:
    card: dict[str, Any] = {
        "$schema": CARD_SCHEMA,
        "type": "AdaptiveCard",
        "version": CARD_VERSION,
        "body": body,
    }
    if actions:
        card["actions"] = actions
    return card


def _attachment(card: dict) -> dict:
    return {"contentType": CARD_CONTENT_TYPE, "content": card}


def _text(text: str, **props: Any) -> dict:
    return {"type": "TextBlock", "text": text, "wrap": True, **props}


def _container(items: list[dict], **props: Any) -> dict:
    return {"type": "Container", "items": items, **props}


def _shorten(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a sentence or word boundary, marked with an ellipsis."""
    text = text or ""
    if len(text) <= limit:
        return text
    cut = text[: max(1, limit - 1)]
    for sep in (". ", "\n", " "):
        i = cut.rfind(sep)
        if i >= limit // 2:
            cut = cut[: i + (1 if sep == ". " else 0)]
            break
    return cut.rstrip() + "…"


def _plain(text: str | None) -> str:
    return " ".join((text or "").split())


def _md(text: str) -> str:
    # "[1](x)" would become a link in card markdown; a space keeps the marker a marker.
    return text.replace("](", "] (")


def _link_text(text: str) -> str:
    return _plain(text).replace("[", "(").replace("]", ")")


def _is_link(url: str | None) -> bool:
    return bool(url) and url.startswith(("https://", "http://")) and " " not in url
