"""`classify_scope`: the first rule that fires names why hibot must decline, whatever retrieval finds.

Rules are tried in this order, so a message that is several things at once gets the most important
reason: an attempt to change hibot's instructions, a clearly off-topic request, clinical advice, one
patient's care, then the reasons that only limit what the guidance can say (an opinion, another UK
nation, events after the newest document). Each family is precision-first: a policy question that
merely mentions doses, patients or diagnosis must pass.

A decision about one patient often comes with a general question in the same message ("Is Mrs X
eligible for the hypertension pathway? And what is Core20PLUS5?"). That question, when it stands on
its own, is returned as `remainder` so the engine can answer it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.safety.clinical import CLINICAL_RULES
from bot.safety.corpus_date import CORPUS_DATE_RULES
from bot.safety.injection import INJECTION_RULES
from bot.safety.kinds import PLACEHOLDERS
from bot.safety.nations import NATION_RULES
from bot.safety.normalise import normalise
from bot.safety.off_topic import OFF_TOPIC_RULES
from bot.safety.opinion import OPINION_RULES
from bot.safety.patient import PATIENT_RULES
from bot.safety.redaction import find_identifiers
from bot.safety.rules import Context, Reason, Rule, first_rule

RULES: tuple[Rule, ...] = (
    *INJECTION_RULES,
    *OFF_TOPIC_RULES,
    *CLINICAL_RULES,
    *PATIENT_RULES,
    *OPINION_RULES,
    *NATION_RULES,
    *CORPUS_DATE_RULES,
)


@dataclass(frozen=True)
class ScopeVerdict:
    reason: Reason
    rule: str  # the name of the rule that fired (never the matched text: it may hold patient data)
    remainder: str | None = None  # individual_patient only: a general question that can be answered alone


# Sentence ends, line breaks, and ", and what/how…" joining a second question. Not after a title
# or an abbreviation ("Mrs. X", "e.g. this").
_SEGMENT_BREAK = re.compile(
    r"(?<=[?!;])\s*|\n+"
    r"|(?<![Mm]rs)(?<![Mm]r)(?<![Mm]s)(?<![Dd]r)(?<![Nn]o)(?<![Ss]t)(?<!e\.g)(?<!i\.e)(?<!etc)\.\s+(?=[A-Z])"
    r"|(?i:,?\s+(?=(?:and|but|also)\s+(?:what|how|who|which|where|why|when|is|are|does|do|can|could)\b))"
)
_LEAD_IN = re.compile(
    r"^(?:\W*(?:and|also|but|plus|separately|secondly|more\s+generally|in\s+general|generally"
    r"|on\s+a\s+separate\s+note|as\s+a\s+general\s+question)\b)+[\s,:;\-]*",
    re.IGNORECASE,
)
_QUESTION_START = re.compile(
    r"^(?:what|how|who|whom|which|where|why|when|is|are|was|were|does|do|did|can|could|should|would|will"
    r"|tell\s+me|explain|describe|list|summari[sz]e|give\s+me)\b",
    re.IGNORECASE,
)
# A segment that mentions someone may be about the patient, so it is never answered on its own.
_PERSON_WORD = re.compile(
    r"\b(?:he|she|him|her|his|hers|himself|herself|they|them|their|theirs)\b", re.IGNORECASE
)
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'’]*")


def _stands_alone(segment: str) -> bool:
    if not (segment.endswith("?") or _QUESTION_START.match(segment)) or len(_WORD.findall(segment)) < 3:
        return False
    if _PERSON_WORD.search(segment) or any(p in segment for p in PLACEHOLDERS.values()):
        return False
    ctx = Context(segment)
    return not ctx.has_ref and first_rule(RULES, ctx) is None and not find_identifiers(segment)


def _remainder(text: str) -> str | None:
    segments = [_LEAD_IN.sub("", s.strip()).strip() for s in _SEGMENT_BREAK.split(text)]
    general = [s for s in segments if s and _stands_alone(s)]
    return " ".join(general) or None


def classify_scope(text: str) -> ScopeVerdict | None:
    """A verdict when the question is one hibot must decline whatever retrieval finds, else None.

    Works on raw or redacted text; placeholders such as `[NHS number]` count as a patient reference."""
    if not text or not text.strip():
        return None
    ctx = Context(normalise(text))
    rule = first_rule(RULES, ctx)
    if rule is None:
        return None
    remainder = _remainder(ctx.text) if rule.reason == "individual_patient" else None
    return ScopeVerdict(reason=rule.reason, rule=rule.name, remainder=remainder)
