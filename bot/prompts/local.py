"""Local prompts written in chat (`prompts add …`): a lead's own nudge about a local service or
dashboard, checked by the same rules as the YAML library (bot/prompts/library.py) except that tags
are optional, and stored in the database (bot/storage/local_prompts.py).

Two ways to write one, because chat clients mangle quotes differently:

    prompts add Stop-smoking service | It takes self-referrals. Tell patients. | What about smoking? | ask
    prompts add title="Local dashboard" body="…" question="…?" action=analyse tags=data audience=leaders
"""

from __future__ import annotations

import re

from bot.models import Prompt
from bot.prompts.library import ACTIONS, AUDIENCES, BODY_MAX_SENTENCES, TAGS, count_sentences, normalise_tag

PREFIX = "local-"
FIELDS = ("title", "body", "question", "action", "tags", "audience")
USAGE = (
    "Write a local prompt as TITLE | BODY | QUESTION | ACTION [| TAGS], e.g.\n"
    "prompts add Our stop-smoking service | It takes self-referrals. Mention it this week. | "
    "What does the guidance say about smoking? | ask\n"
    "ACTION is ask, advocate or analyse; the QUESTION is answered live from the guidance."
)


class LocalPromptError(ValueError):
    """What is wrong with a prompt written in chat, worded for the lead who wrote it."""


def parse_fields(text: str) -> dict[str, str]:
    """The fields of `prompts add …` (everything after `add`), in either form."""
    text = text.replace("“", '"').replace("”", '"').strip()
    if re.match(r"^(title|body|question|action|tags|audience)=", text, re.IGNORECASE):
        pairs = re.findall(r'(\w+)=(?:"([^"]*)"|(\S+))', text)
        fields = {k.lower(): (quoted or bare).strip() for k, quoted, bare in pairs}
        unknown = sorted(set(fields) - set(FIELDS))
        if unknown:
            raise LocalPromptError(f"I don't know the field '{unknown[0]}'.\n\n{USAGE}")
        return fields
    parts = [p.strip() for p in text.split("|")]
    if len(parts) not in (4, 5):
        raise LocalPromptError(f"I need four parts separated by |, got {len(parts)}.\n\n{USAGE}")
    return dict(zip(("title", "body", "question", "action", "tags"), parts, strict=False))


def build_prompt(fields: dict[str, str], taken: set[str]) -> Prompt:
    """A validated Prompt with a fresh `local-…` id (never one in `taken`)."""
    title, body, question = (fields.get(k, "").strip() for k in ("title", "body", "question"))
    action = fields.get("action", "").strip().lower()
    audience = (fields.get("audience") or "all").strip().lower().replace("-", " ")
    problems = []
    if not title or len(title) > 80:
        problems.append("the title must be 1 to 80 characters")
    n = count_sentences(body) if body else 0
    if not 1 <= n <= BODY_MAX_SENTENCES or len(body) > 600:
        problems.append(f"the body must be 1 to {BODY_MAX_SENTENCES} sentences (up to 600 characters)")
    if not question.endswith("?") or len(question) > 200:
        problems.append("the question must end with '?' (up to 200 characters)")
    if action not in ACTIONS:
        problems.append(f"the action must be one of {', '.join(ACTIONS)}")
    if audience not in AUDIENCES:
        problems.append("the audience must be clinicians, leaders, board-members or all")
    tags = [normalise_tag(t) for t in re.split(r"[,\s]+", fields.get("tags") or "") if t.strip()]
    unknown = [t for t in tags if t not in TAGS]
    if unknown:
        problems.append(f"unknown tag '{unknown[0]}' (tags: {', '.join(TAGS)})")
    if problems:
        raise LocalPromptError("That prompt was not added: " + "; ".join(problems) + ".")
    return Prompt(
        id=fresh_id(title, taken),
        title=title,
        audience=audience,
        tags=tags,
        body=body,
        question=question,
        action=action,  # type: ignore[arg-type]  # checked against ACTIONS above
    )


def fresh_id(title: str, taken: set[str]) -> str:
    slug = "-".join(re.findall(r"[a-z0-9]+", title.lower()))[:40].strip("-") or "prompt"
    candidate, n = f"{PREFIX}{slug}", 2
    while candidate in taken:
        candidate, n = f"{PREFIX}{slug}-{n}", n + 1
    return candidate
