"""`Answer` -> Teams message activity: an Adaptive Card 1.5 plus the schema.org citation entity.

The activity `text` carries the short answer with its `[n]` markers: Teams draws its native citation
pills from those markers and the entity (citations.py), and clients that cannot show the card still
get the answer. The card shows, in order: the answer, "More" (an Action.ShowCard holding the rest),
Sources, "What you can do", suggested questions (buttons that ask them), and 👍/👎. The buttons open a
dialog (task/fetch) for the rater alone, so no card carries a free-text box: 👎 asks for its comment
privately, in channels too.
- A shared copy (a channel post on someone's behalf, or a card inserted from the message extension)
  leads with the question, then who shared it and their note, then the answer.
- A decline shows the message written for its case, the sources it cites (if any) and suggestions.
- Conversation (greeting, help, thanks, non-English) is a plain short card: the words and the
  suggestions, nothing to cite, rate or share.

A large answer is re-rendered with tighter budgets (shorter quotes, fewer sources and actions, a
shortened answer) until it fits Teams' size limits (cards.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from bot.models import PII_WARNING, PII_WARNING_TEXT, Answer, Citation, Prompt
from bot.still_need_help import LABEL as STILL_NEED_HELP
from bot.teams.cards import (
    CARD_CONTENT_TYPE,
    CARD_MAX_BYTES,
    HIBOT_KEY,
    MESSAGE_MAX_BYTES,
    MESSAGE_MAX_UTF16_BYTES,
    action_set,
    attachment,
    card,
    card_bytes,
    card_of,
    container,
    fits,
    is_link,
    lines_as_blocks,
    link_text,
    md,
    message_back,
    message_bytes,
    plain,
    shorten,
    submit,
    task_fetch,
    text_block,
)
from bot.teams.citations import CITATION_ABSTRACT_MAX, CITATIONS_MAX, message_entity

__all__ = [  # rendering, and the size limits a rendered message keeps to (with the checks)
    "CARD_CONTENT_TYPE",
    "CARD_MAX_BYTES",
    "MESSAGE_MAX_BYTES",
    "MESSAGE_MAX_UTF16_BYTES",
    "ShareTarget",
    "card_bytes",
    "card_of",
    "fits",
    "message_bytes",
    "render_answer",
    "render_prompt",
    "render_shared",
]
SHARE_CHOICES_MAX = 50
SUGGESTIONS_MAX = 3
SUGGESTION_TITLE_MAX = 80
COMMENT_MAX = 500
NOTE_MAX = 500
QUESTION_MAX = 500
ACTION_LABELS = {"ask": "Ask", "advocate": "Advocate", "analyse": "Analyse"}
_MARKER = re.compile(r"\[(\d+)\]")


@dataclass(frozen=True)
class ShareTarget:
    """A channel the answer can be shared to (a stored Teams conversation where hibot is installed)."""

    conversation_id: str
    name: str


@dataclass(frozen=True)
class _Shared:
    by: str
    note: str = ""


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


# --- public API ----------------------------------------------------------------------------------
def render_answer(answer: Answer, *, share_targets: list[ShareTarget] | None = None) -> dict[str, Any]:
    """The message activity for one answer. `share_targets` (the asker's private view only) adds "Share to
    a channel"; the copy a channel sees is `render_shared`."""
    if answer.is_conversation:
        return _conversation_activity(answer)
    return _fit(lambda b: _answer_activity(answer, b, share_targets or [], None))


def render_shared(answer: Answer, shared_by: str, note: str | None = None) -> dict[str, Any]:
    """The copy a conversation sees: the question first, then "Shared by …" and the (already redacted)
    note, then the answer with its sources, actions and 👍/👎; never Share."""
    return _fit(lambda b: _answer_activity(answer, b, [], _Shared(shared_by or "a colleague", note or "")))


def render_prompt(prompt: Prompt, answer: Answer) -> dict[str, Any]:
    """A weekly prompt: title and nudge, the live cited answer, and "This week: <action>"."""
    return _fit(lambda b: _answer_activity(answer, b, [], None, prompt=prompt))


# --- conversation --------------------------------------------------------------------------------
def _conversation_activity(answer: Answer) -> dict[str, Any]:
    body = _warning(answer) + (lines_as_blocks(answer.answer) or [text_block(" ")])
    body += _more(answer.more) + _suggestions(answer)
    return {"type": "message", "text": answer.answer, "attachments": [attachment(card(body))]}


# --- answers and declines ------------------------------------------------------------------------
def _fit(build: Callable[[_Budget], dict[str, Any]]) -> dict[str, Any]:
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
    shared: _Shared | None,
    prompt: Prompt | None = None,
) -> dict[str, Any]:
    text = shorten(answer.answer or "", budget.answer_chars)
    more = shorten(answer.more or "", budget.answer_chars)
    cited = _cited_numbers(f"{text}\n{more}", answer)
    sources = [c for c in answer.citations if c.n in cited][: budget.sources]
    shown = {c.n for c in sources}
    body = _head(answer, shared, prompt)
    answer_blocks = (lines_as_blocks(text) or [text_block(" ")]) + _more(more)
    body += [container(answer_blocks, style="emphasis")] if answer.abstained else answer_blocks
    body += _sources(sources, budget)
    if prompt is not None:
        body.append(_this_week(prompt, answer, shown))
    elif not answer.abstained:
        body += _actions([a for a in answer.actions if a.citation in shown][: budget.actions])
    body += _suggestions(answer) + _feedback_blocks(answer.answer_id) + _help_blocks(answer)
    share = share_targets and not answer.abstained and not shared
    card_actions = [_share_action(answer.answer_id, share_targets[: budget.share_choices])] if share else []
    fallback = "\n\n".join(
        x
        for x in (
            *(_shared_lines(answer, shared) if shared else []),
            f"⚠️ {PII_WARNING_TEXT}" if PII_WARNING in answer.warnings else "",
            plain(prompt.title) if prompt is not None else "",
            text,
        )
        if x
    )
    # Teams pairs each claim with an [n] in the text; a source cited only in the card stays in the card.
    claims = [c for c in sources if f"[{c.n}]" in fallback]
    entity = message_entity(claims, abstract_chars=budget.abstract_chars, keywords=budget.keywords)
    return {
        "type": "message",
        "text": fallback,
        "attachments": [attachment(card(body, card_actions))],
        "entities": [entity],
    }


def _shared_lines(answer: Answer, shared: _Shared) -> list[str]:
    """The fallback text's head for a shared copy: question, who shared it, the note."""
    lines = [shorten(plain(answer.question), QUESTION_MAX), f"Shared by {plain(shared.by)[:100]}"]
    return lines + ([shorten(shared.note.strip(), NOTE_MAX)] if shared.note.strip() else [])


def _head(answer: Answer, shared: _Shared | None, prompt: Prompt | None) -> list[dict]:
    body: list[dict] = []
    if shared:
        question = md(shorten(plain(answer.question), QUESTION_MAX)) or "(no question text)"
        body.append(text_block(question, size="Medium", weight="Bolder", style="heading"))
        body.append(
            text_block(f"Shared by {plain(shared.by)[:100]}", isSubtle=True, size="Small", spacing="Small")
        )
        if shared.note.strip():
            note = text_block(f"📝 {md(shorten(shared.note.strip(), NOTE_MAX))}")
            body.append(container([note], style="accent", spacing="Small"))
    if prompt is not None:
        body.append(text_block(plain(prompt.title)[:200], size="Medium", weight="Bolder"))
        body.append(text_block(shorten(prompt.body or "", 1_000)))
    return body + _warning(answer)


def _warning(answer: Answer) -> list[dict]:
    if PII_WARNING not in answer.warnings:
        return []
    return [container([text_block(f"⚠️ {PII_WARNING_TEXT}", weight="Bolder")], style="warning")]


def _cited_numbers(text: str, answer: Answer) -> set[int]:
    """Sources the (possibly shortened) answer or its actions refer to; all of them if none is marked."""
    numbers = {int(m) for m in _MARKER.findall(text)}
    if not answer.abstained:
        numbers |= {a.citation for a in answer.actions}
    return numbers or {c.n for c in answer.citations}


def _more(more: str) -> list[dict]:
    """The rest of the answer, one click away."""
    if not more.strip():
        return []
    show = {
        "type": "Action.ShowCard",
        "title": "More",
        "card": {"type": "AdaptiveCard", "body": lines_as_blocks(more)},
    }
    return [action_set([show], spacing="Small")]


def _suggestions(answer: Answer) -> list[dict]:
    """Each suggested question as a button that asks it, as if the user had typed it."""
    questions = [q.strip() for q in answer.suggestions[:SUGGESTIONS_MAX] if q.strip()]
    if not questions:
        return []
    buttons = [
        message_back(shorten(q, SUGGESTION_TITLE_MAX), q, {HIBOT_KEY: "ask", "question": q})
        for q in questions
    ]
    return [action_set(buttons, spacing="Medium")]


def _sources(sources: list[Citation], budget: _Budget) -> list[dict]:
    if not sources:
        return []
    blocks = [text_block("**Sources**", spacing="Medium", separator=True)]
    for c in sources:
        title = link_text(shorten(c.title or c.doc_id, budget.title_chars))
        blocks.append(
            text_block(
                f"**[{c.n}]** [{title}]({c.url})" if is_link(c.url) else f"**[{c.n}]** {title}",
                spacing="Small",
            )
        )
        details = _details(c) if budget.source_details else ""
        if details:
            blocks.append(text_block(md(details), isSubtle=True, size="Small", spacing="None"))
        if c.currency_note:  # hazard: outdated guidance — always shown, whatever the budget
            blocks.append(
                text_block(f"⏳ {md(c.currency_note)}", color="Warning", size="Small", spacing="None")
            )
    return blocks


def _details(c: Citation) -> str:
    parts = [shorten(c.section, 120)] if c.section else []
    if c.page is not None:
        parts.append(f"p. {c.page}")
    origin = " ".join(str(x) for x in (c.publisher, c.year) if x)
    if origin:
        parts.append(origin)
    return " · ".join(parts)


def _actions(actions: list) -> list[dict]:
    if not actions:
        return []
    blocks = [text_block("**What you can do**", spacing="Medium", separator=True)]
    for a in actions:
        label = ACTION_LABELS.get(a.type, a.type.title())
        blocks.append(text_block(f"**{label}:** {md(shorten(a.text, 600))} [{a.citation}]"))
    return blocks


def _this_week(prompt: Prompt, answer: Answer, shown: set[int]) -> dict:
    label = ACTION_LABELS.get(prompt.action, prompt.action.title())
    action = next((a for a in answer.actions if a.type == prompt.action and a.citation in shown), None)
    line = f"**This week: {label}**"
    if action is not None:
        line += f" — {md(shorten(action.text, 600))} [{action.citation}]"
    return container([text_block(line)], style="accent", spacing="Medium")


def _feedback_blocks(answer_id: str) -> list[dict]:
    """👍/👎 open a dialog for the rater alone (task/fetch): thanks, or 👎's optional comment."""

    def rate(title: str, rating: int) -> dict:
        return task_fetch(title, {HIBOT_KEY: "feedback", "answer_id": answer_id, "rating": rating})

    return [
        text_block("Was this helpful?", spacing="Medium", separator=True, size="Small", isSubtle=True),
        action_set([rate("👍 Helpful", 1), rate("👎 Not helpful", -1)]),
    ]


def _help_blocks(answer: Answer) -> list[dict]:
    """ "Still need help?" under a decline (bot/teams/help.py posts it to the leads channel)."""
    if not answer.abstained or answer.is_conversation:
        return []
    return [action_set([submit(STILL_NEED_HELP, {HIBOT_KEY: "help", "answer_id": answer.answer_id})])]


def _share_action(answer_id: str, targets: list[ShareTarget]) -> dict:
    choices = [{"title": plain(t.name)[:120] or "Channel", "value": t.conversation_id} for t in targets]
    picker = {
        "type": "Input.ChoiceSet",
        "id": "conversation_id",
        "style": "compact",
        "isRequired": True,
        "errorMessage": "Choose a channel",
        "choices": choices,
    }
    return {
        "type": "Action.ShowCard",
        "title": "Share to a channel",
        "card": {
            "type": "AdaptiveCard",
            "body": [
                text_block(
                    "Post this answer, with your question and its sources, to a channel of your teams:"
                ),
                picker,
                {
                    "type": "Input.Text",
                    "id": "note",
                    "label": "Note (optional)",
                    "placeholder": "Why it matters for the team. No patient details.",
                    "isMultiline": True,
                    "maxLength": NOTE_MAX,
                },
            ],
            "actions": [submit("Share", {HIBOT_KEY: "share", "answer_id": answer_id})],
        },
    }
