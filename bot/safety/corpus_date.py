"""Questions about what happened after the newest document (late 2024): who holds an office now,
the latest figures, this year's planning guidance, 2025 onwards, "yet", "since then".

"Latest" and "current" alone are not enough: "what is the latest NHS England strategy on…" is
answered by the corpus. A rule fires only when such a word meets a time-sensitive object (an office
holder, figures, planning guidance), or on a year from 2025 that is not a target or the end of a
period the guidance already states ("by March 2025", "2021-2025")."""

from __future__ import annotations

import re

from bot.safety.rules import Context, Rule
from bot.safety.vocabulary import rx, words

_OFFICE = (
    r"(?:health\s+secretary|secretary\s+of\s+state(?:\s+for\s+health(?:\s+and\s+social\s+care)?)?"
    r"|health\s+minister|minister\s+(?:for|of)\s+(?:health|public\s+health|care)|prime\s+minister|chancellor"
    r"|chief\s+medical\s+officer|(?:chief\s+executive|ceo|chair|director)\s+of\s+(?:nhs\s+england|the\s+nhs|nhse"
    r"|dhsc|ohid|ukhsa|cqc|nice|the\s+department)|national\s+director\s+(?:for|of)\s+\w+"
    # "the new government" took office after the guidance; "the new government office set up after Covid"
    # is a body the guidance describes
    r"|government(?!\s+(?:office|department|body|bodies|agency|organi[sz]ation|unit)s?\b))"
)
_NOW = (
    r"(?:right\s+now|now|currently|today|at\s+the\s+moment|at\s+present|these\s+days|this\s+year"
    r"|this\s+(?:month|week|quarter))"
)
_FIGURES = (
    r"(?:figures?|statistics|stats?|numbers|rates?|estimates|prevalence|completeness|waiting\s+(?:times|lists?)"
    r"|league\s+tables?|data\s+(?:on|for|from|about)|news|announcements?|allocations?|developments|updates)"
)
_FIRST_YEAR_AFTER, _LAST_YEAR_CHECKED = 2025, 2029
_YEAR = re.compile(r"\b20(2[5-9])\b")
# A year the guidance may state as a target, deadline or the end of a period: "by March 2025",
# "until 31 March 2025", "2021-2025", "the 2028 ambition". Later years are projections and targets.
_TARGET_BEFORE = re.compile(
    r"(?:\b(?:by|until|till|through|before|up\s+to|end\s+of|deadline|to|target|ambition|aim|goal|projected"
    r"|projection|forecast)\b[^.?!\n]{0,14}|\d\s*[-–/]\s*)$"
)
_TARGET_AFTER = re.compile(
    r"^[^.?!\n]{0,20}?\b(?:targets?|ambitions?|goals?|aims?|deadlines?|projections?"
    r"|trajector(?:y|ies))\b"
)


class _YearAfterCorpus:
    """A year from 2025 to 2029 named as a time of events, not as a target or the end of a period."""

    def matches(self, ctx: Context) -> bool:
        text = ctx.lower
        for m in _YEAR.finditer(text):
            before, after = text[max(0, m.start() - 25) : m.start()], text[m.end() : m.end() + 30]
            if not _TARGET_BEFORE.search(before) and not _TARGET_AFTER.search(after):
                return True
        return False


CORPUS_DATE_RULES: tuple[Rule, ...] = (
    Rule(
        "office_holder_now",
        "after_corpus_date",
        rx(
            rf"\b(?:current|present|incumbent|new|incoming|sitting|today's)\s+(?:uk\s+)?{_OFFICE}"
            rf"|\bwho(?:'s|\s+is|\s+are)\s+(?:(?:the|our|uk|england's|current)\s+)*{_OFFICE}\b"
            r"(?!\s+(?:responsible|accountable|required|expected|meant|supposed|in\s+the\s+letter))"
            rf"|\b{_OFFICE}\s+(?:\w+\s+){{0,3}}?{_NOW}\b"
            r"|\bwho\s+(?:now\s+|currently\s+)?(?:runs|leads|heads|is\s+in\s+charge\s+of)\s+(?:nhs\s+england|the\s+nhs"
            r"|the\s+department|dhsc|the\s+government|the\s+country)\b"
        ),
        gate=words(
            "secretary minister chancellor officer chief ceo chair director government runs leads heads"
        )
        + ("in charge",),
    ),
    Rule(
        "latest_figures",
        "after_corpus_date",
        rx(
            r"\b(?:latest|most\s+recent|newest|current|up[\s-]to[\s-]date|today's|this\s+year's|last\s+year's"
            rf"|this\s+month's|recent)\s+(?:[\w'’\-]+\s+){{0,3}}?{_FIGURES}\b"
            # "the latest figure the RCP gives" is one of the guidance's own
            r"(?!\s+(?:(?:in|from|that|which)\s+)?(?:the\s+)?(?:rcp|guide|guidance|board\s+guide|document|letter"
            r"|strategy|policy\s+map|map|report)\b)"
        ),
        gate=("latest", "recent", "newest", "current", "up", "today", "year's", "month's"),
    ),
    Rule(
        # "how are trusts performing against the 62-day cancer standard?": performance the guidance predates
        "performance_now",
        "after_corpus_date",
        rx(r"\bhow\s+(?:are|is|have|has)\b[^.?!\n]{0,40}?\bperform(?:ing|ed)\s+(?:against|on)\b"),
        gate=("perform",),
    ),
    Rule(
        "figures_now",
        "after_corpus_date",
        rx(rf"\b(?:{_FIGURES}|targets?|funding|budget)\b[^.?!\n]{{0,40}}?\b{_NOW}\s*(?:[?.!]|$)"),
        gate=(
            "now",
            "currently",
            "today",
            "at the moment",
            "at present",
            "these days",
            "this year",
            "this month",
            "this week",
            "this quarter",
        ),
    ),
    Rule(
        "planning_guidance_now",
        "after_corpus_date",
        rx(
            r"\b(?:latest|current|newest|most\s+recent|this\s+year's|next\s+year's|new|upcoming|forthcoming|next)\s+"
            r"(?:nhs\s+)?(?:\w+\s+)?planning\s+guidance\b"
            r"|\b(?:upcoming|forthcoming|next)\s+(?:spending\s+review|budget|general\s+election|election)\b"
        ),
        gate=("planning", "spending", "budget", "election"),
    ),
    Rule(
        "year_after_corpus",
        "after_corpus_date",
        _YearAfterCorpus(),
        gate=tuple(str(y) for y in range(_FIRST_YEAR_AFTER, _LAST_YEAR_CHECKED + 1)),
    ),
    Rule(
        "this_years",
        "after_corpus_date",
        rx(
            r"\b(?:this|last|next)\s+(?:year|month|week)'s\b|\bso\s+far\s+this\s+year\b"
            r"|\b(?:published|announced|released|launched|introduced|updated|came\s+out|happened|changed)\s+"
            r"(?:\w+\s+){0,3}?(?:this|last)\s+(?:year|month|week)\b"
        ),
        gate=("this ", "last ", "next "),
    ),
    Rule(
        "published_yet",
        "after_corpus_date",
        rx(
            r"\b(?:has|have|is|are|did|does|do|was|were)\b[^.?!\n]{0,80}?(?<!not\s)(?<!n't\s)\byet\s*(?:[?.!,]|$)"
        ),
        gate=("yet",),
    ),
    Rule(
        "since_then",
        "after_corpus_date",
        rx(
            r"\bsince\s+(?:then|that\s+time|publication|(?:it|they|this|that)\s+(?:was|were)\s+published"
            r"|the\s+(?:general\s+)?election|last\s+year)\b"
            r"|\bwhat\s+(?:has\s+|have\s+)?(?:happened|become)\s+(?:to|of|with)\b[^.?!\n]{0,80}?\bsince\b"
        ),
        gate=("since",),
    ),
    Rule(
        "still_in_place",
        "after_corpus_date",
        rx(
            r"\b(?:is|are|does|do)\s+(?:[\w'’\-]+\s+){1,5}?still\s+(?:in\s+place|running|active|current|valid"
            r"|in\s+force|funded|going|happening|available|a\s+priority|the\s+(?:case|policy|target|priority|plan)"
            r"|in\s+(?:use|operation|effect)|apply|applies|operating|live)\b"
            r"|\b(?:is|are)\s+(?:[\w'’\-]+\s+){1,5}?still\s+being\s+\w+"
        ),
        gate=("still",),
    ),
    Rule(
        "replaced_or_finished_since",
        "after_corpus_date",
        rx(
            r"\b(?:has|have)\s+(?:[\w'’\-]+\s+){1,5}?(?:since\s+)?(?:been\s+)?(?:replaced|withdrawn|scrapped|abolished"
            r"|superseded|rescinded)\b"
            r"|\bwhen\s+will\s+(?:it|that|this|they|the\s+(?:[\w'’\-]+\s+){0,2}?[\w'’\-]+)\s+(?:be\s+)?(?:finished|completed|complete|done"
            r"|over|finalised|happen)\b"
        ),
        gate=("replaced", "withdrawn", "scrapped", "abolished", "superseded", "rescinded", "when will"),
    ),
)
