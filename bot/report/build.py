"""The leads' report as plain data: one read of the store, counted here. `hibot report` prints it
(bot/report/formats.py) and the weekly digest posts a summary of it (bot/report/digest.py).

Every free text that leaves this module (questions, comments) passes the patient-data guard again,
whatever the database holds: rows stored before a guard fix, or written by hand, still show no
identifier."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.report.gaps import group_declines
from bot.safety import redact
from bot.storage.help_requests import HelpRequest
from bot.storage.insights import AskedRow, FeedbackRow, PromptPostRow

# Replies that are conversation, not questions: not counted as asked, answered or declined.
CONVERSATION = frozenset({"greeting", "help", "thanks", "non_english", "empty"})
# Declines that show what the guidance lacks; the rest (patient data, clinical advice, opinion,
# injection) are hibot declining by design and say nothing about the corpus.
GAP_REASONS = frozenset(
    {
        "no_evidence",
        "not_in_guidance_detail",
        "statistics_not_in_guidance",
        "after_corpus_date",
        "out_of_scope",
        "other_nation",
    }
)
TOP = 10


class ReportStore(Protocol):
    def asked_since(self, since: datetime, until: datetime | None = None) -> list[AskedRow]: ...
    def feedback_since(self, since: datetime, until: datetime | None = None) -> list[FeedbackRow]: ...
    def prompt_posts_since(self, since: datetime, until: datetime | None = None) -> list[PromptPostRow]: ...
    def list_help_requests(self, since: datetime | None = None) -> list[HelpRequest]: ...


def clean(text: str | None) -> str:
    """Free text as it may be shown: the patient-data guard, then one line."""
    return " ".join(redact(text or "").text.split())


@dataclass
class Report:
    since: str
    until: str
    questions: int
    answered: int
    declined: int
    conversation: int
    answer_rate: float | None
    questions_stored: bool  # False when HIBOT_STORE_QUESTIONS=false (no text to show)
    by_platform: dict[str, int]
    declines_by_reason: dict[str, int]
    top_documents: list[dict[str, Any]]
    top_sections: list[dict[str, Any]]
    gaps: list[dict[str, Any]]
    feedback: dict[str, Any]
    prompt_engagement: list[dict[str, Any]]
    help_requests: dict[str, int]
    weekly: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def build_report(
    store: ReportStore, since: datetime, until: datetime, titles: dict[str, str] | None = None
) -> Report:
    """`titles` names prompt ids (the library and local prompts) in the engagement table."""
    rows = store.asked_since(since, until)
    asked = [r for r in rows if r.reason not in CONVERSATION]
    answered = [r for r in asked if not r.abstained]
    declined = [r for r in asked if r.abstained]
    stored = any(r.question for r in asked) or not asked
    return Report(
        since=since.isoformat(),
        until=until.isoformat(),
        questions=len(asked),
        answered=len(answered),
        declined=len(declined),
        conversation=len(rows) - len(asked),
        answer_rate=round(len(answered) / len(asked), 3) if asked else None,
        questions_stored=stored,
        by_platform=dict(Counter(r.platform for r in asked).most_common()),
        declines_by_reason=dict(Counter(r.reason or "unknown" for r in declined).most_common()),
        top_documents=_top_documents(answered),
        top_sections=_top_sections(answered),
        gaps=_gaps(declined),
        feedback=_feedback(store.feedback_since(since, until)),
        prompt_engagement=_engagement(store.prompt_posts_since(since, until), titles or {}),
        help_requests=_help(store.list_help_requests(since)),
        weekly=_weekly(asked),
    )


def _top_documents(answered: list[AskedRow]) -> list[dict[str, Any]]:
    """Documents by the number of answers citing them (an answer counts once per document)."""
    counts: Counter[str] = Counter()
    title: dict[str, str] = {}
    for r in answered:
        for c in r.citations:
            title.setdefault(c["doc_id"], c.get("title") or c["doc_id"])
        counts.update({c["doc_id"] for c in r.citations if c.get("doc_id")})
    return [{"doc_id": d, "title": title[d], "answers": n} for d, n in counts.most_common(TOP)]


def _top_sections(answered: list[AskedRow]) -> list[dict[str, Any]]:
    """Sections by the number of answers citing them: the topics clinicians ask about."""
    counts: Counter[tuple[str, str]] = Counter()
    title: dict[str, str] = {}
    for r in answered:
        for c in r.citations:
            title.setdefault(c["doc_id"], c.get("title") or c["doc_id"])
        counts.update({(c["doc_id"], c.get("section") or "") for c in r.citations if c.get("doc_id")})
    return [
        {"doc_id": d, "title": title[d], "section": sec, "answers": n}
        for (d, sec), n in counts.most_common(TOP)
    ]


def _gaps(declined: list[AskedRow]) -> list[dict[str, Any]]:
    pairs = [(r.question, r.reason or "unknown") for r in declined if r.reason in GAP_REASONS and r.question]
    return [
        {
            "question": clean(g.question),
            "count": g.count,
            "examples": [clean(e) for e in g.examples],
            "reasons": g.reasons,
        }
        for g in group_declines(pairs)
    ]


def _feedback(rows: list[FeedbackRow]) -> dict[str, Any]:
    down = [r for r in rows if r.rating < 0]
    return {
        "up": sum(r.rating > 0 for r in rows),
        "down": len(down),
        "down_with_comments": [
            {
                "answer_id": r.answer_id,
                "created": r.created.isoformat(),
                "platform": r.platform,
                "question": clean(r.question),
                "comment": clean(r.comment),
            }
            for r in down
            if r.comment and r.comment.strip()
        ][-50:],  # the latest 50: a report, not an export
    }


def _engagement(posts: list[PromptPostRow], titles: dict[str, str]) -> list[dict[str, Any]]:
    """Per channel: prompt posts sent and the replies, reactions and 👍/👎 they drew."""
    channels: dict[tuple[str, str], dict[str, Any]] = {}
    for p in posts:
        ch = channels.setdefault(
            (p.platform, p.conversation_id),
            {
                "platform": p.platform,
                "conversation_id": p.conversation_id,
                "name": p.conversation_name,
                "posts": 0,
                "replies": 0,
                "reactions": 0,
                "feedback_up": 0,
                "feedback_down": 0,
                "last_prompt": None,
            },
        )
        ch["posts"] += 1
        ch["replies"] += p.replies
        ch["reactions"] += p.reactions
        ch["feedback_up"] += p.feedback_up
        ch["feedback_down"] += p.feedback_down
        ch["last_prompt"] = titles.get(p.prompt_id or "", p.prompt_id)
    return sorted(channels.values(), key=lambda c: (-(c["replies"] + c["reactions"]), c["conversation_id"]))


def _help(requests: list[HelpRequest]) -> dict[str, int]:
    return {"opened": len(requests), "resolved": sum(r.resolved_at is not None for r in requests)}


def _weekly(asked: list[AskedRow]) -> list[dict[str, Any]]:
    """Questions and answer rate per ISO week (for the chart)."""
    weeks: dict[str, list[int]] = {}
    for r in asked:
        iso = r.created.isocalendar()
        w = weeks.setdefault(f"{iso.year}-W{iso.week:02d}", [0, 0])
        w[0] += 1
        w[1] += not r.abstained
    return [
        {"week": k, "questions": q, "answered": a, "answer_rate": round(a / q, 3) if q else None}
        for k, (q, a) in sorted(weeks.items())
    ]


def parse_since(text: str, now: datetime) -> datetime:
    """`7d`, `4w`, `24h` or an ISO date; raises ValueError with a message for a person."""
    t = text.strip().lower()
    units = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
    if t[:-1].isdigit() and t[-1:] in units:
        return now - int(t[:-1]) * units[t[-1]]
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"'{text}' is not a period: use 7d, 4w, 24h or a date like 2026-11-01") from None
    return when if when.tzinfo else when.replace(tzinfo=now.tzinfo)
