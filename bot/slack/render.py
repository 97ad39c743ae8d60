"""`Answer` -> Slack Block Kit message. Pure functions: no network, no Bolt, no database.

Three shapes, from the same `Answer`:
- an answer: the short answer (linked `[n]` markers), Sources, "What you can do", then the buttons
  (More when there is more, 👍/👎, and Share where the caller asks for it: shared.py builds the post
  a conversation sees and the modal that asks where to post it);
- a decline: the message written for the case, the Sources it cites (if any), suggested questions
  as buttons, 👍/👎;
- conversation (greeting, help, thanks, non-English): a plain short message and the suggested
  questions as buttons; nothing to cite, rate or share.

Slack's limits shape the rest (see mrkdwn.py): a message is at most 50 blocks, so long answers are
shortened and say so, and two blocks are always kept free for the "Shared by" and "asked" markers a
copy may carry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.models import PII_WARNING, PII_WARNING_TEXT, Action, Answer, Citation
from bot.slack.mrkdwn import (
    BLOCKS_MAX,
    BUTTON_TEXT_MAX,
    CONTEXT_ELEMENTS_MAX,
    CONTEXT_TEXT_MAX,
    FALLBACK_TEXT_MAX,
    SECTION_TEXT_MAX,
    button,
    context,
    escape,
    link,
    mrkdwn,
    no_double_stars,
    section,
    shorten,
    split_text,
    truncate_mrkdwn,
)
from bot.still_need_help import LABEL as STILL_NEED_HELP

__all__ = [  # rendering, and the limits every rendered message keeps to
    "BLOCKS_MAX",
    "BUTTON_TEXT_MAX",
    "CONTEXT_ELEMENTS_MAX",
    "CONTEXT_TEXT_MAX",
    "FALLBACK_TEXT_MAX",
    "SECTION_TEXT_MAX",
    "SlackMessage",
    "render_answer",
    "render_expanded",
]
FEEDBACK_UP = "feedback_up"
FEEDBACK_DOWN = "feedback_down"
SHARE = "share_answer"
MORE = "show_more"
HELP = "still_need_help"  # "Still need help?" under a declined answer (bot/slack/help.py)
SUGGESTION = "ask_suggestion"  # + "_<i>": Slack wants action ids unique within a block
SUGGESTION_ACTION = re.compile(rf"^{SUGGESTION}_\d+$")

BUTTONS_BLOCK = "hibot_buttons"
SUGGESTIONS_BLOCK = "hibot_suggestions"
SHARED_BLOCK = "hibot_shared_by"
ASKED_BLOCK = "hibot_asked"
WARNING_BLOCK = "hibot_warning"
ABSTAINED_BLOCK = "hibot_abstained"
CONVERSATION_BLOCK = "hibot_conversation"
ANSWER_BLOCK = "hibot_answer"
SOURCES_BLOCK = "hibot_sources"
ACTIONS_BLOCK = "hibot_actions"
MARKER_BLOCKS = (SHARED_BLOCK, ASKED_BLOCK)  # a copy may carry both; room is always kept for them
TEXT_BLOCKS = tuple(f"{b}_" for b in (ANSWER_BLOCK, ABSTAINED_BLOCK, CONVERSATION_BLOCK))

ACTION_LABEL = {"ask": "Ask", "advocate": "Advocate", "analyse": "Analyse"}
_SHORTENED = "\n_… shortened to fit in Slack; the sources below are complete._"
_MARKER = re.compile(r"\[(\d+)\]")
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,30}$")


@dataclass(frozen=True)
class SlackMessage:
    blocks: list[dict[str, Any]]
    text: str  # notification / accessibility fallback

    def payload(self, **extra: Any) -> dict[str, Any]:
        """The chat.postMessage / chat.postEphemeral arguments (channel etc. in `extra`)."""
        return {**extra, "text": self.text, **({"blocks": self.blocks} if self.blocks else {})}


# --- text ----------------------------------------------------------------------------------------
def shown_text(answer: Answer, expanded: bool = False) -> str:
    """What the reader sees: the short answer, and the rest once "More" was pressed."""
    return f"{answer.answer}\n{answer.more}" if expanded and answer.more else answer.answer


def format_answer_text(answer: Answer, text: str | None = None) -> str:
    """Engine text as mrkdwn: escaped, `[n]` linked to the cited source, "- " items as bullets."""
    lines = []
    for raw in (answer.answer if text is None else text).splitlines():
        line = raw.rstrip()
        bullet = line.lstrip().startswith("- ")
        if bullet:
            line = line.lstrip()[2:]
        line = _link_markers(no_double_stars(escape(line)), answer)
        lines.append(f"• {line}" if bullet else line)
    return "\n".join(lines)


def _link_markers(escaped: str, answer: Answer) -> str:
    def repl(m: re.Match) -> str:
        c = answer.citation(int(m.group(1)))
        return link(c.url, f"[{c.n}]") if c else m.group(0)

    return _MARKER.sub(repl, escaped)


def format_source(c: Citation) -> str:
    """One numbered source line for the Sources context block (<= 2,000 characters)."""
    title = shorten(c.title or c.doc_id, 200)
    head = f"*[{c.n}]* {link(c.url, title)}"
    where = [
        shorten(c.section.replace(" > ", " › "), 300) if c.section else None,
        f"p. {c.page}" if c.page else None,
        shorten(c.publisher, 150) if c.publisher else None,
        str(c.year) if c.year else None,
    ]
    detail = " · ".join(escape(x) for x in where if x)
    text = f"{head} — {detail}" if detail else head
    if c.currency_note:
        text += f"\n:warning: _{escape(shorten(c.currency_note, 300))}_"
    if len(text) > CONTEXT_TEXT_MAX:  # only an extreme URL gets here: drop the link, keep the words
        text = f"*[{c.n}]* {escape(title)} — {detail}"
    return truncate_mrkdwn(text, CONTEXT_TEXT_MAX)


def format_action(answer: Answer, action: Action) -> str:
    label = ACTION_LABEL.get(action.type, action.type.title())
    c = answer.citation(action.citation)
    marker = link(c.url, f"[{c.n}]") if c else f"[{action.citation}]"
    return f"• *{label}:* {escape(action.text)} {marker}"


# --- blocks --------------------------------------------------------------------------------------
def _source_blocks(answer: Answer) -> list[dict[str, Any]]:
    if not answer.citations:
        return []
    blocks = [section("*Sources*", f"{SOURCES_BLOCK}_head")]
    elements = [mrkdwn(format_source(c)) for c in answer.citations]
    for i in range(0, len(elements), CONTEXT_ELEMENTS_MAX):
        blocks.append(
            {
                "type": "context",
                "block_id": f"{SOURCES_BLOCK}_{i // CONTEXT_ELEMENTS_MAX}",
                "elements": elements[i : i + CONTEXT_ELEMENTS_MAX],
            }
        )
    return blocks


def _action_blocks(answer: Answer) -> list[dict[str, Any]]:
    if not answer.actions:
        return []
    text = "*What you can do*\n" + "\n".join(format_action(answer, a) for a in answer.actions)
    return [section(chunk, f"{ACTIONS_BLOCK}_{i}") for i, chunk in enumerate(split_text(text))]


def _text_sections(answer: Answer, room: int, expanded: bool) -> list[dict[str, Any]]:
    """The answer's own words as sections, at most `room` of them (the last says when it was cut)."""
    shown = shown_text(answer, expanded)
    if answer.is_conversation:
        text, block_id = no_double_stars(escape(shown)), CONVERSATION_BLOCK
    elif answer.abstained:
        text, block_id = f":information_source: {format_answer_text(answer, shown)}", ABSTAINED_BLOCK
    else:
        text, block_id = format_answer_text(answer, shown), ANSWER_BLOCK
    chunks = split_text(text, SECTION_TEXT_MAX - len(_SHORTENED))
    if len(chunks) > room:
        chunks = chunks[: max(1, room)]
        chunks[-1] += _SHORTENED
    return [section(c, f"{block_id}_{i}") for i, c in enumerate(chunks)]


def _is_text_section(block: dict[str, Any]) -> bool:
    return str(block.get("block_id", "")).startswith(TEXT_BLOCKS)


def _body_blocks(answer: Answer, budget: int, expanded: bool) -> list[dict[str, Any]]:
    """The answer or decline with its sources and actions, in at most `budget` blocks."""
    if answer.is_conversation:
        return _text_sections(answer, budget, expanded)
    sources, actions = _source_blocks(answer), _action_blocks(answer)
    room = budget - len(sources) - len(actions)
    while room < 1 and actions:  # citations matter more than the suggested actions
        actions.pop()
        room += 1
    while room < 1 and len(sources) > 2:
        sources.pop()
        room += 1
    return (_text_sections(answer, room, expanded) + sources + actions)[:budget]


def buttons_block(answer: Answer, *, share: bool, expanded: bool = False) -> dict[str, Any] | None:
    """More (while there is more to show), 👍/👎 on answers and declines, Share (it opens a modal asking
    where to post and for an optional note) on answers shown to one person, "Still need help?" on
    declines."""
    elements = [button("More", MORE, answer.answer_id)] if answer.more and not expanded else []
    if not answer.is_conversation:
        elements += [
            button("👍 Helpful", FEEDBACK_UP, answer.answer_id),
            button("👎 Not helpful", FEEDBACK_DOWN, answer.answer_id),
        ]
    if share and not answer.abstained:
        elements.append(button("📣 Share", SHARE, answer.answer_id, style="primary"))
    if answer.abstained and not answer.is_conversation:
        elements.append(button(STILL_NEED_HELP, HELP, answer.answer_id))
    return {"type": "actions", "block_id": BUTTONS_BLOCK, "elements": elements} if elements else None


def suggestions_block(answer: Answer) -> dict[str, Any] | None:
    """Each suggested question as a button that asks it (value: the question)."""
    elements = [button(q, f"{SUGGESTION}_{i}", q) for i, q in enumerate(answer.suggestions[:3]) if q.strip()]
    return {"type": "actions", "block_id": SUGGESTIONS_BLOCK, "elements": elements} if elements else None


def _mention(user_id: str) -> str:
    return f"<@{user_id}>" if _USER_ID.match(user_id or "") else escape(user_id or "someone")


def asked_marker(user_id: str, question: str) -> dict[str, Any]:
    """Above an answer to a suggestion button: who pressed it and what it asked."""
    return context(
        f":speech_balloon: {_mention(user_id)} asked: _{escape(shorten(question, 300))}_", ASKED_BLOCK
    )


def fallback_text(answer: Answer, expanded: bool = False) -> str:
    parts = [f":warning: {PII_WARNING_TEXT}"] if PII_WARNING in answer.warnings else []
    parts.append(shown_text(answer, expanded))
    if answer.citations and not answer.is_conversation:
        parts.append("Sources: " + "; ".join(f"[{c.n}] {c.title}" for c in answer.citations))
    return truncate_mrkdwn(no_double_stars(escape("\n".join(parts))), FALLBACK_TEXT_MAX)


def render_answer(
    answer: Answer,
    *,
    share: bool = False,
    reserve: int = 0,
    asked_by: str | None = None,
    expanded: bool = False,
) -> SlackMessage:
    """The message for one answer. `share` adds the Share button (an answer shown to one asker); `reserve`
    keeps that many blocks free for a caller that wraps the answer (weekly prompts); `asked_by` marks
    an answer to a suggestion button; `expanded` shows the rest of the answer (after "More")."""
    head = [asked_marker(asked_by, answer.question)] if asked_by else []
    if PII_WARNING in answer.warnings:
        head.append(section(f":warning: *{escape(PII_WARNING_TEXT)}*", WARNING_BLOCK))
    tail = [
        b for b in (suggestions_block(answer), buttons_block(answer, share=share, expanded=expanded)) if b
    ]
    budget = BLOCKS_MAX - reserve - len(MARKER_BLOCKS) - len(head) - len(tail)
    body = _body_blocks(answer, budget, expanded)
    return SlackMessage(blocks=head + body + tail, text=fallback_text(answer, expanded))


def render_expanded(answer: Answer, shown_blocks: list[dict[str, Any]]) -> SlackMessage:
    """The shown message after "More": its answer sections now hold the whole answer and the More
    button is gone; everything else (markers, sources, a weekly prompt's title, Share) stays."""
    first = next((i for i, b in enumerate(shown_blocks) if _is_text_section(b)), None)
    if first is None:
        return render_answer(answer, expanded=True)
    rest = [_without_more(b) for b in shown_blocks if not _is_text_section(b)]
    rest = [b for b in rest if b.get("type") != "actions" or b["elements"]]
    body = _text_sections(answer, BLOCKS_MAX - len(rest), expanded=True)
    return SlackMessage(blocks=rest[:first] + body + rest[first:], text=fallback_text(answer, expanded=True))


def _without_more(block: dict[str, Any]) -> dict[str, Any]:
    if block.get("type") != "actions":
        return block
    return {**block, "elements": [e for e in block.get("elements", []) if e.get("action_id") != MORE]}


# --- sharing (the shared post itself is built in shared.py) -----------------------------------
def shared_marker(user_id: str) -> dict[str, Any]:
    return context(f":mega: Shared by {_mention(user_id)}", SHARED_BLOCK)
