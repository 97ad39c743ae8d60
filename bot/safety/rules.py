"""The `Rule` type and the machinery every scope rule shares.

A rule is a pattern plus a gate: cheap lower-case substrings, at least one of which every text the
pattern matches must contain, so a typical policy question touches few patterns. The gate lives on
the rule because a gate kept elsewhere could be forgotten (a KeyError at run time) or be wrong (the
rule silently never fires); tests check, over every example phrase, that a pattern never matches
where its gate is shut.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, Protocol, get_args

from bot.safety.vocabulary import POLICY_VETO, REFERENT, REFERENT_CASED, REFERENT_WORDS

Reason = Literal[
    "individual_patient",
    "clinical_advice",
    "opinion",
    "other_nation",
    "after_corpus_date",
    "injection",
    "out_of_scope",
]
REASONS: tuple[Reason, ...] = get_args(Reason)
# A gate entry that opens when the question refers to one patient ("my patient", "this man", "[name]").
REF = "<ref>"
CLAUSE_BREAK = re.compile(r"[?!\n]")


class Context:
    """Per-question facts computed at most once, and only when a rule needs them."""

    def __init__(self, text: str):
        self.text = text
        lower = text.lower()
        # Spans found in the lower-cased text are used on the original, so the length must not change
        # (a few characters, such as "İ", lower-case to two).
        self.lower = (
            lower
            if len(lower) == len(text)
            else "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
        )
        self._vetoed: bool | None = None
        self._has_ref: bool | None = None

    @property
    def vetoed(self) -> bool:
        if self._vetoed is None:
            self._vetoed = POLICY_VETO.search(self.lower) is not None
        return self._vetoed

    @property
    def has_ref(self) -> bool:
        if self._has_ref is None:
            maybe = any(w in self.lower for w in REFERENT_WORDS) or any(c.isdigit() for c in self.text)
            self._has_ref = maybe and (
                REFERENT.search(self.lower) is not None or REFERENT_CASED.search(self.text) is not None
            )
        return self._has_ref

    def referents(self) -> list[tuple[int, int]]:
        return [m.span() for m in REFERENT.finditer(self.lower)] + [
            m.span() for m in REFERENT_CASED.finditer(self.text)
        ]


class Matcher(Protocol):
    """A pattern that needs more than one regex search over the lower-cased question."""

    def matches(self, ctx: Context) -> bool: ...


@dataclass(frozen=True)
class Rule:
    """One reason to decline. `soft` rules do not fire when the question is framed around populations
    or systems ("how do we manage diabetes across our ICS?")."""

    name: str
    reason: Reason
    pattern: re.Pattern[str] | Matcher
    gate: tuple[str, ...]
    soft: bool = False

    def __post_init__(self) -> None:
        if self.reason not in REASONS:
            raise ValueError(f"rule {self.name}: unknown reason {self.reason!r}")
        # A bare string would gate on its single characters; a capital could never be in lower-case text.
        if isinstance(self.gate, str) or not self.gate or any(not g or g != g.lower() for g in self.gate):
            raise ValueError(f"rule {self.name}: gate must be a non-empty tuple of lower-case substrings")

    def gate_open(self, ctx: Context) -> bool:
        return any(ctx.has_ref if g == REF else g in ctx.lower for g in self.gate)

    def pattern_matches(self, ctx: Context) -> bool:
        if isinstance(self.pattern, re.Pattern):
            return self.pattern.search(ctx.lower) is not None
        return self.pattern.matches(ctx)

    def fires(self, ctx: Context) -> bool:
        # The veto is dearer than most patterns, so it is only consulted once a soft rule has matched.
        return self.gate_open(ctx) and self.pattern_matches(ctx) and not (self.soft and ctx.vetoed)


class Near:
    """Matches when a patient reference and `cue` share a clause: the cue at most `after` characters
    after the reference, or at most `before` characters ahead of it. Two single-pass scans instead of
    one regex with a lazy gap, which was ten times slower."""

    def __init__(self, cue: re.Pattern[str], after: int, before: int):
        self.cue, self.after, self.before = cue, after, before

    def matches(self, ctx: Context) -> bool:
        if not ctx.has_ref:
            return False
        text = ctx.lower
        refs = ctx.referents()
        for cue in self.cue.finditer(text):
            for start, end in refs:
                if end <= cue.start():
                    gap, limit = text[end : cue.start()], self.after
                elif cue.end() <= start:
                    gap, limit = text[cue.end() : start], self.before
                else:
                    return True  # overlapping: "my patient's BP 190" is both
                if len(gap) <= limit and not CLAUSE_BREAK.search(gap):
                    return True
        return False


def first_rule(rules: tuple[Rule, ...], ctx: Context) -> Rule | None:
    return next((rule for rule in rules if rule.fires(ctx)), None)
