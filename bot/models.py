"""The plain data contracts shared by the engine and every adapter (see DESIGN.md, `Answer` JSON).

The engine returns an `Answer`; Slack and Teams only render and deliver it. Nothing here imports
a platform SDK, FAISS or the database.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

ActionType = Literal["ask", "advocate", "analyse"]
# Why an answer is not a full answer from the guidance (docs/declines.md has one example each).
AbstainReason = Literal[
    "individual_patient",
    "clinical_advice",
    "opinion",
    "other_nation",
    "after_corpus_date",
    "statistics_not_in_guidance",
    "not_in_guidance_detail",
    "injection",
    "out_of_scope",
    "no_evidence",
    "pii_only",
    "empty",
    # conversation, not questions: answered by the engine on every surface, never with citations
    "greeting",
    "help",
    "thanks",
    "non_english",
]
CONVERSATION_REASONS = frozenset({"greeting", "help", "thanks", "non_english"})


@dataclass
class Citation:
    n: int
    doc_id: str
    title: str
    publisher: str | None
    year: int | None
    section: str | None
    page: int | None
    url: str | None
    quote: str
    chunk_id: str
    score: float
    # Source currency (hazard: outdated guidance): set when the source is past its review date
    # or superseded, e.g. "This guidance is from 2014; check for newer guidance."
    currency_note: str | None = None
    # Every passage quoted under this citation: one citation per section (or page, for a document
    # without headings), so a section is listed once however many of its passages are quoted.
    chunk_ids: list[str] = field(default_factory=list)


@dataclass
class Action:
    type: ActionType
    text: str
    citation: int  # the `n` of the Citation this action is taken from; never an action without one


@dataclass
class Answer:
    question: str  # already redacted by the patient-data guard
    abstained: bool
    reason: AbstainReason | None
    answer: str  # the short answer a clinician reads first (verbatim sentences, each with its [n])
    citations: list[Citation] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    timing_ms: dict[str, float] = field(default_factory=dict)
    answer_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    index_build_id: str | None = None
    # The rest of the answer, behind "More" (Slack button, Teams ShowCard, `ask --full`); same rules.
    more: str = ""
    # Up to three questions hibot can answer, closest to what was asked: offered with a decline and
    # with help, as buttons where the surface has them.
    suggestions: list[str] = field(default_factory=list)

    @property
    def is_conversation(self) -> bool:
        """Small talk and meta-questions (greeting, help, thanks, non-English), not a declined question."""
        return self.reason in CONVERSATION_REASONS

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Answer:
        data = dict(data)
        data["citations"] = [Citation(**c) for c in data.get("citations") or []]
        data["actions"] = [Action(**a) for a in data.get("actions") or []]
        known = cls.__dataclass_fields__.keys()
        return cls(**{k: v for k, v in data.items() if k in known})

    def citation(self, n: int) -> Citation | None:
        return next((c for c in self.citations if c.n == n), None)


# The warning code the patient-data guard adds; adapters render it as a visible caution.
PII_WARNING = "pii_detected"
PII_WARNING_TEXT = (
    "Please don't share patient-identifiable information (NHS numbers, postcodes, dates of birth, "
    "contact details). I removed it before answering and nothing identifiable was stored."
)

SCOPE_TEXT = (
    "I answer questions about reducing health inequalities from the official guidance: the NHS "
    "England Equality and Health Inequalities Strategy, Core20PLUS5, the NHS Providers board guide "
    "(2024), the RCP's 'Reducing health inequalities' guidance for clinicians, the 2014 Hunt letter "
    "and the Health Inequalities Policy Map."
)


@dataclass
class Prompt:
    """One weekly prompt from `prompts/*.yaml` (validated by bot.prompts.library)."""

    id: str
    title: str
    audience: str  # clinicians | leaders | board members | all
    tags: list[str]
    body: str
    question: str
    action: ActionType


class ConversationGone(Exception):
    """The bot can no longer post here (Slack channel_not_found / not_in_channel, Teams 403)."""
