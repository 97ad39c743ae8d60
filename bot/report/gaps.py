"""The corpus gaps: declined questions grouped by similarity, with counts.

Questions are compared on their content words (question words, "guidance", "NHS" and the like
removed), so "What does the guidance say about housing for refugees?" and "housing refugees
guidance?" meet. Grouping is leader-based, not chained: the most frequent wording of a group leads
it, and a question joins the first leader it matches (rapidfuzz token_set_ratio >= THRESHOLD), so a
one-word question cannot pull unrelated groups together through a chain of near neighbours.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

THRESHOLD = 80  # token_set_ratio on content words; 70 merged unrelated topics sharing one word
MAX_FORMS = 2000  # distinct wordings compared; rarer ones beyond this are counted as "other"
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
STOPWORDS = frozenset(
    """a about an and any are as at be been but by can could did do does doing for from had has have how i
    if in into is it its me my of on or our please say says should so tell than that the their them there
    these this those to us was we were what when where which who why will with would you your hibot
    guidance nhs health inequalities inequality there's what's""".split()
)


@dataclass
class Gap:
    question: str  # the group's most frequent wording (as stored: already redacted)
    count: int
    examples: list[str] = field(default_factory=list)  # other wordings, up to 3
    reasons: dict[str, int] = field(default_factory=dict)


def content_words(question: str) -> str:
    words = [w[:-1] if w.endswith("s") and len(w) > 3 else w for w in _WORD.findall(question.lower())]
    return " ".join(w for w in words if w not in STOPWORDS and not w.isdigit())


def group_declines(declined: list[tuple[str, str]], limit: int = 15) -> list[Gap]:
    """`declined` is (redacted question, reason) pairs; the `limit` largest groups, largest first."""
    by_form: dict[str, Counter[str]] = {}
    reasons: dict[str, Counter[str]] = {}
    for question, reason in declined:
        form = content_words(question)
        if not form:
            continue
        by_form.setdefault(form, Counter())[question.strip()] += 1
        reasons.setdefault(form, Counter())[reason] += 1
    forms = sorted(by_form, key=lambda f: (-sum(by_form[f].values()), f))[:MAX_FORMS]
    leaders = _leaders(forms)
    groups: dict[str, list[str]] = {}
    for form, leader in zip(forms, leaders, strict=True):
        groups.setdefault(leader, []).append(form)
    gaps = []
    for members in groups.values():
        wordings: Counter[str] = Counter()
        why: Counter[str] = Counter()
        for form in members:
            wordings.update(by_form[form])
            why.update(reasons[form])
        ranked = [q for q, _ in wordings.most_common()]
        gaps.append(Gap(ranked[0], sum(wordings.values()), ranked[1:4], dict(why.most_common())))
    gaps.sort(key=lambda g: (-g.count, g.question))
    return gaps[:limit]


def _leaders(forms: list[str]) -> list[str]:
    """For each form (most frequent first), the leader of its group."""
    if not forms:
        return []
    leaders: list[str] = []
    leader_of: list[str] = []
    for form in forms:
        match = process.extractOne(form, leaders, scorer=fuzz.token_set_ratio, score_cutoff=THRESHOLD)
        if match is None:
            leaders.append(form)
            leader_of.append(form)
        else:
            leader_of.append(match[0])
    return leader_of
