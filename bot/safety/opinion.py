"""Requests for hibot's own view or a value judgement ("do you agree…", "was X a good Health
Secretary?", "which document is best?"). hibot only quotes the guidance, so it has no view to give.
What the guidance itself recommends ("what does the guide think boards should do?") and how-to
questions ("what is the best way to…") are in scope and must pass."""

from __future__ import annotations

from bot.safety.rules import Rule
from bot.safety.vocabulary import rx, words

# Judgements of a person, policy or document. The gate of `value_judgement` is built from these
# words, so adding one here cannot leave the rule gated shut.
_VERDICT_NOUNS = words(
    "good bad great terrible awful excellent brilliant poor useless pointless waste success failure "
    "disaster mistake scam joke gimmick"
)
_VERDICT_PREDICATES = words(
    "good bad great terrible awful excellent brilliant useless pointless worthless overrated "
    "underrated incompetent worthwhile successful"
) + (
    "any good",
    "no good",
    "worth it",
    "value for money",
    "good value",
    "fit for purpose",
    "a success",
    "a failure",
    "a good thing",
    "a bad thing",
)


def _alternatives(words: tuple[str, ...]) -> str:
    return "|".join(w.replace(" ", r"\s+") for w in words)


# A yes/no question about someone or something, opening its clause ("Was Jeremy Hunt a good Health
# Secretary?"), but not "is it…" / "is there…" (how-to and fact questions: "is there a good example…").
_YES_NO = (
    r"(?:^|[.?!:;,]\s*|\b(?:and|but|so|honestly|seriously)\s+)(?:is|was|are|were)\s+"
    r"(?!it\b|there\b)(?:[\w'’\-]+\s+){1,8}?"
)
# The verdict ends the clause within three words (or "at/for/as" and three words: "any good at tackling
# inequalities?", "any good as health secretary?"), so "are people in a poor state of health more
# likely to…" (a fact question) is not read as one.
_VERDICT = (
    rf"(?:(?:a|an)\s+(?:(?:really|very|complete|total|huge|genuinely)\s+)?(?:{_alternatives(_VERDICT_NOUNS)})\b"
    rf"(?:\s+[\w'’\-]+){{0,3}}|(?:{_alternatives(_VERDICT_PREDICATES)})\b(?:\s+(?:at|for|as)(?:\s+[\w'’\-]+){{1,3}})?)"
    r"\s*(?:[?.!,]|$|or\b)"
)
_DOCUMENT = (
    r"(?:documents?|guides?|guidance|reports?|strateg(?:y|ies)|sources?|papers?|frameworks?"
    r"|publications?|letters?|ones?|governments?|health\s+secretar(?:y|ies)|secretar(?:y|ies)\s+of\s+state"
    r"|ministers?)"
)
_BETTER = (
    r"(?:best|better|worst|worse|most\s+(?:useful|helpful|reliable|trustworthy|credible|valuable"
    r"|authoritative)|more\s+(?:useful|helpful|reliable|trustworthy|credible|authoritative))"
)

OPINION_RULES: tuple[Rule, ...] = (
    Rule(
        "asks_for_my_view",
        "opinion",
        rx(
            r"\bwhat\s+(?:do|did|would)\s+(?:you|u|ya)\s+(?:personally\s+)?(?:think|feel|reckon|make\s+of)\b"
            r"|\b(?:do|did|would)\s+you\s+(?:personally\s+)?(?:think|agree|disagree|believe|reckon|like|prefer"
            r"|rate|approve)\b|\bhow\s+do\s+you\s+feel\b|\bwhat\s+you\s+(?:think|feel|reckon)\b"
            r"|\byour\s+(?:own\s+|personal\s+|honest\s+)?opinion\b|\bin\s+your\s+(?:\w+\s+)?view\b"
            r"|\byour\s+(?:own\s+|personal\s+|honest\s+)?(?:view|views|thoughts|take|stance|verdict|feelings)\s+"
            r"(?:on|about|of|regarding)\b|\bwhat(?:'s|\s+is|\s+are)\s+your\s+(?:\w+\s+)?(?:views?|thoughts|take"
            r"|verdict)\b|\bwould\s+you\s+(?:say|agree)\b|\bare\s+you\s+(?:for|against|in\s+favou?r\s+of|a\s+fan\s+of)\b"
            r"|\bhow\s+would\s+you\s+(?:rate|rank|judge|grade|score)\b|\bagree\s+or\s+disagree\b"
        ),
        gate=("you", " u ", " ya "),
    ),
    Rule(
        "value_judgement",
        "opinion",
        rx(_YES_NO + _VERDICT),
        gate=tuple(sorted({max(w.split(), key=len) for w in _VERDICT_NOUNS + _VERDICT_PREDICATES})),
    ),
    Rule(
        "which_is_best",
        "opinion",
        rx(
            rf"\bwhich\s+(?:one|(?:of\s+(?:the|these|those|your)\s+)?(?:\w+\s+){{0,2}}?{_DOCUMENT})\s+"
            rf"(?:is|was|are|were|do\s+you\s+think\s+is)\s+(?:the\s+)?{_BETTER}\b"
            r"|\bwhich\s+is\s+(?:the\s+)?(?:best|better|worse|worst)\s*(?:[?:,]|$|or\b)"
            r"|\bwho\s+(?:is|was|were|are)\s+(?:the\s+)?(?:best|worst|greatest|better|worse)\s+(?:health\s+secretary"
            r"|secretary\s+of\s+state|prime\s+minister|minister|chief\s+executive|government|leader)"
            # a comparison of two people or bodies: "who was the better chief executive, A or B?",
            # "is A a more trustworthy source than B?"
            r"|\bwho\s+(?:is|was|were|are)\s+(?:the\s+)?(?:better|worse)\s+(?!placed|suited|able|positioned|equipped)"
            r"(?:[\w'’\-]+\s+){0,3}?[^?.!\n]{0,60}\bor\b"
            rf"|\b(?:is|are|was|were)\s+(?:[\w'’\-]+\s+){{1,6}}?(?:a\s+|an\s+)?{_BETTER}\s+(?:[\w'’\-]+\s+){{0,2}}?than\b"
        ),
        gate=("which", "who", "than"),
    ),
    Rule(
        # party politics: "which political party has the best plan for…?"
        "which_party",
        "opinion",
        rx(
            r"\bwhich\s+(?:political\s+)?part(?:y|ies)\b"
            r"|\b(?:labour|tory|tories|conservatives?|lib\s*dems?)\s+(?:or|vs\.?|versus)\b"
            # "who should I vote for, Keir Starmer or Rishi Sunak, if I care about the NHS?"
            r"|\b(?:who|which\s+\w+)\s+(?:should|do|would|shall)\s+(?:i|we|you)\s+vote\s+for\b"
        ),
        gate=("part", "labour", "tor", "conservative", "lib", "vote"),
    ),
    Rule(
        "is_it_fair",
        "opinion",
        rx(
            r"\bis\s+it\s+(?:fair|unfair|ethical|unethical|moral|immoral|justified|justifiable|outrageous|scandalous"
            r"|shameful|disgraceful|a\s+scandal)\s+(?:that|for|to)\b(?!\s+say\b)"
        ),
        gate=("is it",),
    ),
)
