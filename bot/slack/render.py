"""`Answer` -> Slack Block Kit message. Pure functions: no network, no Bolt, no database.

Slack's limits shape everything here: a section's text is at most 3,000 characters, a context
element 2,000 (and 10 elements a block), button text 75, a message 50 blocks, and the `text`
fallback (used for notifications and screen readers) 40,000. Long answers are split across
sections at line or word boundaries, never inside a link or an HTML entity.

Slack mrkdwn gives `&`, `<` and `>` a meaning, so everything that came from a person or a source is
escaped; only the `<url|[n]>` links built here stay raw. One block is always kept free so a shared
copy can carry its "Shared by" marker without breaking the 50-block limit.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from bot.models import PII_WARNING, PII_WARNING_TEXT, Answer, Citation, Prompt

SECTION_TEXT_MAX = 3000
CONTEXT_TEXT_MAX = 2000
CONTEXT_ELEMENTS_MAX = 10
BLOCKS_MAX = 50
BUTTON_TEXT_MAX = 75
HEADER_TEXT_MAX = 150
FALLBACK_TEXT_MAX = 40_000
URL_MAX = 1000

FEEDBACK_UP = "feedback_up"
FEEDBACK_DOWN = "feedback_down"
SHARE = "share_answer"
BUTTONS_BLOCK = "hibot_buttons"
SHARED_BLOCK = "hibot_shared_by"
WARNING_BLOCK = "hibot_warning"
ABSTAINED_BLOCK = "hibot_abstained"
ANSWER_BLOCK = "hibot_answer"
SOURCES_BLOCK = "hibot_sources"
ACTIONS_BLOCK = "hibot_actions"
THIS_WEEK_BLOCK = "hibot_this_week"

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


# --- escaping and links --------------------------------------------------------------------------
def escape(text: str) -> str:
    """Slack's three control characters, for any text that did not come from this module."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


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


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(0, limit - 1)].rstrip() + "…"


def _truncate_mrkdwn(text: str, limit: int) -> str:
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


def plain_text(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": _shorten(text, limit), "emoji": True}


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def section(text: str, block_id: str) -> dict[str, Any]:
    return {"type": "section", "block_id": block_id, "text": mrkdwn(_truncate_mrkdwn(text, SECTION_TEXT_MAX))}


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
            word = word[len(head):]
        candidate = f"{current} {word}" if current else word
        if len(candidate) <= limit:
            current = candidate
        else:
            pieces.append(current)
            current = word
    if current:
        pieces.append(current)
    return pieces


# --- the answer ----------------------------------------------------------------------------------
def format_answer_text(answer: Answer) -> str:
    """The answer as mrkdwn: escaped, `[n]` linked to the cited source, "- " items as bullets."""
    lines = []
    for raw in answer.answer.splitlines():
        line = raw.rstrip()
        bullet = line.lstrip().startswith("- ")
        if bullet:
            line = line.lstrip()[2:]
        line = _link_markers(escape(line), answer)
        lines.append(f"• {line}" if bullet else line)
    return "\n".join(lines)


def _link_markers(escaped: str, answer: Answer) -> str:
    def repl(m: re.Match) -> str:
        c = answer.citation(int(m.group(1)))
        return link(c.url, f"[{c.n}]") if c else m.group(0)

    return _MARKER.sub(repl, escaped)


def format_source(c: Citation) -> str:
    """One numbered source line for the Sources context block (<= 2,000 characters)."""
    title = _shorten(c.title or c.doc_id, 200)
    head = f"*[{c.n}]* {link(c.url, title)}"
    where = [
        _shorten(c.section.replace(" > ", " › "), 300) if c.section else None,
        f"p. {c.page}" if c.page else None,
        _shorten(c.publisher, 150) if c.publisher else None,
        str(c.year) if c.year else None,
    ]
    detail = " · ".join(escape(x) for x in where if x)
    text = f"{head} — {detail}" if detail else head
    if c.currency_note:
        text += f"\n:warning: _{escape(_shorten(c.currency_note, 300))}_"
    if len(text) > CONTEXT_TEXT_MAX:  # only an extreme URL gets here: drop the link, keep the words
        text = f"*[{c.n}]* {escape(title)} — {detail}"
    return _truncate_mrkdwn(text, CONTEXT_TEXT_MAX)


def format_action(answer: Answer, action) -> str:
    label = ACTION_LABEL.get(action.type, action.type.title())
    c = answer.citation(action.citation)
    marker = link(c.url, f"[{c.n}]") if c else f"[{action.citation}]"
    return f"• *{label}:* {escape(action.text)} {marker}"


def _source_blocks(answer: Answer) -> list[dict[str, Any]]:
    if not answer.citations:
        return []
    blocks = [section("*Sources*", f"{SOURCES_BLOCK}_head")]
    elements = [mrkdwn(format_source(c)) for c in answer.citations]
    for i in range(0, len(elements), CONTEXT_ELEMENTS_MAX):
        blocks.append({"type": "context", "block_id": f"{SOURCES_BLOCK}_{i // CONTEXT_ELEMENTS_MAX}",
                       "elements": elements[i : i + CONTEXT_ELEMENTS_MAX]})
    return blocks


def _action_blocks(answer: Answer) -> list[dict[str, Any]]:
    if not answer.actions:
        return []
    text = "*What you can do*\n" + "\n".join(format_action(answer, a) for a in answer.actions)
    return [section(chunk, f"{ACTIONS_BLOCK}_{i}") for i, chunk in enumerate(split_text(text))]


def _answer_blocks(answer: Answer, budget: int) -> list[dict[str, Any]]:
    """Everything but the buttons, in at most `budget` blocks."""
    warning = [section(f":warning: *{escape(PII_WARNING_TEXT)}*", WARNING_BLOCK)] if PII_WARNING in answer.warnings else []
    if answer.abstained:
        chunks = split_text(f":information_source: {escape(answer.answer)}")
        body = [section(c, f"{ABSTAINED_BLOCK}_{i}") for i, c in enumerate(chunks)]
        return (warning + body)[:budget]
    chunks = split_text(format_answer_text(answer), SECTION_TEXT_MAX - len(_SHORTENED))
    sources, actions = _source_blocks(answer), _action_blocks(answer)
    room = budget - len(warning) - len(sources) - len(actions)
    while room < 1 and actions:  # citations matter more than the suggested actions
        actions.pop()
        room += 1
    while room < 1 and len(sources) > 2:
        sources.pop()
        room += 1
    if len(chunks) > room:
        chunks = chunks[: max(1, room)]
        chunks[-1] += _SHORTENED
    body = [section(c, f"{ANSWER_BLOCK}_{i}") for i, c in enumerate(chunks)]
    return (warning + body + sources + actions)[:budget]


def _button(text: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    b = {"type": "button", "action_id": action_id, "value": value, "text": plain_text(text, BUTTON_TEXT_MAX)}
    if style:
        b["style"] = style
    return b


def buttons_block(answer: Answer, *, share: bool) -> dict[str, Any]:
    elements = [
        _button("👍 Helpful", FEEDBACK_UP, answer.answer_id),
        _button("👎 Not helpful", FEEDBACK_DOWN, answer.answer_id),
    ]
    if share and not answer.abstained:
        elements.append(_button("📣 Share to channel", SHARE, answer.answer_id, style="primary"))
    return {"type": "actions", "block_id": BUTTONS_BLOCK, "elements": elements}


def fallback_text(answer: Answer) -> str:
    parts = [f":warning: {PII_WARNING_TEXT}"] if PII_WARNING in answer.warnings else []
    parts.append(answer.answer)
    if answer.citations and not answer.abstained:
        parts.append("Sources: " + "; ".join(f"[{c.n}] {c.title}" for c in answer.citations))
    return _truncate_mrkdwn(escape("\n".join(parts)), FALLBACK_TEXT_MAX)


def render_answer(answer: Answer, *, share: bool = False, reserve: int = 0) -> SlackMessage:
    """The message for one answer. `share` adds the Share button (ephemeral answers only);
    `reserve` keeps that many blocks free for a caller that wraps the answer (weekly prompts)."""
    budget = BLOCKS_MAX - 1 - reserve - 1  # one for the buttons, one for a later "Shared by" marker
    blocks = _answer_blocks(answer, budget) + [buttons_block(answer, share=share)]
    return SlackMessage(blocks=blocks, text=fallback_text(answer))


# --- sharing -------------------------------------------------------------------------------------
def shared_marker(user_id: str) -> dict[str, Any]:
    who = f"<@{user_id}>" if _USER_ID.match(user_id or "") else escape(user_id or "someone")
    return {"type": "context", "block_id": SHARED_BLOCK, "elements": [mrkdwn(f":mega: Shared by {who}")]}


def share_message(rendered: dict[str, Any], user_id: str) -> SlackMessage:
    """The stored, already-rendered answer as a public post: same blocks and citations, no Share
    button, marked "Shared by <@user>"."""
    blocks = [b for b in copy.deepcopy(rendered.get("blocks") or []) if b.get("block_id") != SHARED_BLOCK]
    for b in blocks:
        if b.get("type") == "actions":
            b["elements"] = [e for e in b.get("elements", []) if e.get("action_id") != SHARE]
    blocks = [shared_marker(user_id), *(b for b in blocks if b.get("type") != "actions" or b["elements"])]
    who = f"<@{user_id}>" if _USER_ID.match(user_id or "") else "someone"
    text = _truncate_mrkdwn(f"Shared by {who}: {rendered.get('text', '')}", FALLBACK_TEXT_MAX)
    return SlackMessage(blocks=blocks[:BLOCKS_MAX], text=text)


# --- weekly prompts ------------------------------------------------------------------------------
def _markdown_to_mrkdwn(text: str) -> str:
    text = escape(text.strip())
    text = re.sub(r"\*\*(.+?)\*\*", r"*\1*", text)  # markdown bold -> Slack bold
    return re.sub(r"^\s*[-*] ", "• ", text, flags=re.MULTILINE)


def this_week_line(prompt: Prompt, answer: Answer) -> str:
    label = ACTION_LABEL.get(prompt.action, prompt.action.title())
    action = next((a for a in answer.actions if a.type == prompt.action), None)
    if action is not None:
        return f"*This week:* {format_action(answer, action)[2:]}"
    return f"*This week:* *{label}* — {escape(answer.question)}"


def render_prompt(prompt: Prompt, answer: Answer) -> SlackMessage:
    """A weekly prompt post: title, body, the engine's cited answer, then the prompt's action."""
    head = [
        {"type": "header", "block_id": "hibot_prompt_title",
         "text": plain_text(f"Weekly prompt: {prompt.title}", HEADER_TEXT_MAX)},
        *[section(c, f"hibot_prompt_body_{i}") for i, c in enumerate(split_text(_markdown_to_mrkdwn(prompt.body)))][:3],
    ]
    tail = [section(this_week_line(prompt, answer), THIS_WEEK_BLOCK)]
    answer_msg = render_answer(answer, reserve=len(head) + len(tail))
    blocks = head + answer_msg.blocks[:-1] + tail + answer_msg.blocks[-1:]
    text = _truncate_mrkdwn(f"Weekly prompt: {escape(prompt.title)}\n{answer_msg.text}", FALLBACK_TEXT_MAX)
    return SlackMessage(blocks=blocks, text=text)
