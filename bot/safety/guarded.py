"""`guard`: what every question goes through before retrieval, logging or storage. It redacts
identifiers, strips the cue phrases they leave empty ("NHS number: "), judges whether anything but
identifiers is left, and classifies scope on the redacted text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.safety.kinds import PLACEHOLDERS
from bot.safety.normalise import normalise
from bot.safety.redaction import redact
from bot.safety.scope import ScopeVerdict, classify_scope


@dataclass
class Guarded:
    redacted: str
    had_pii: bool
    pii_kinds: list[str]
    policy_text: str  # the question without identifiers or their cues: what retrieval searches for
    pii_only: bool
    scope: ScopeVerdict | None


_ID_CUE = (
    r"(?:(?:(?:the|my|his|her|their|patient'?s?|pt'?s?)\s+)?"
    r"(?:nhs\s*(?:number|no\.?|num|#)|nhs|chi(?:\s+number)?|hospital\s+(?:number|no\.?)|mrn|number|no\.?"
    r"|post\s*code|postal\s+code|(?:home\s+)?address|lives?\s+(?:at|in)|living\s+(?:at|in)|resident\s+(?:at|in)"
    r"|from|at|in|d\.?\s?o\.?\s?b\.?|date\s+of\s+birth|birth\s*date|born(?:\s+on)?"
    r"|e-?mail(?:\s+address)?|contact(?:\s+(?:number|details|no\.?))?|(?:tele)?phone(?:\s+(?:number|no\.?))?"
    r"|tel\.?(?:\s+(?:no\.?|number))?|mobile(?:\s+(?:number|no\.?))?|mob\.?|name|called|named))"
)
_PLACEHOLDER = re.compile("|".join(re.escape(p) for p in PLACEHOLDERS.values()))
# The cue right before a placeholder ("NHS number: ", "lives at "), looked for only in a short window.
_CUE_BEFORE = re.compile(rf"\b{_ID_CUE}\s*(?:is|was|=|:|#|-|–|—)?\s*$", re.IGNORECASE)
_CUE_WINDOW = 40
_EMPTY_BRACKETS = re.compile(r"\(\s*[,;:/\-–—\s]*\)")
_PUNCT_RUNS = re.compile(r"\s*([,;:])(?:\s*[,;:\-–—/])+")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,;:?!.)])")
_SPACES = re.compile(r"\s+")
# Leftovers at either end, including a conjunction that joined two identifiers ("... and; how do I").
_EDGE = re.compile(r"^(?:[\s,;:\-–—/|.&]|\b(?:and|or)\b)+|[\s,;:\-–—/|&]+$", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'’]*")
# Words that carry no question on their own: what is left of "patient SW1A 1AA DOB 01/02/1960".
_FILLER = frozenset(
    """
    a an the and or of for to in at on by with from re regarding about is was are be been this that
    these those patient patients pt pts client mr mrs ms miss mx dr his her him he she they them
    their my me i our we you your it its nhs number no num postcode post code address dob birth date
    born name called named email e mail phone tel mobile contact details detail info information
    please pls thanks thank hi hello dear urgent check see advise help note ref lives living
    resident aged age years year old yo male female man woman m f what who how why when where which
    can could would should do does did any some also ok okay yes here there as per
    """.split()
)


def _strip_identifiers(redacted: str) -> str:
    parts, last = [], 0
    for m in _PLACEHOLDER.finditer(redacted):
        window_start = max(last, m.start() - _CUE_WINDOW)
        cue = _CUE_BEFORE.search(redacted, window_start, m.start())
        parts += [redacted[last : cue.start() if cue else m.start()], " "]
        last = m.end()
    parts.append(redacted[last:])
    return "".join(parts)


def _tidy(s: str) -> str:
    s = _EMPTY_BRACKETS.sub(" ", s)
    s = _PUNCT_RUNS.sub(r"\1", s)
    s = _SPACE_BEFORE_PUNCT.sub(r"\1", s)
    s = _SPACES.sub(" ", s)
    return _EDGE.sub("", s).strip()


def _policy_text(redacted: str) -> str:
    s = _tidy(_strip_identifiers(redacted))
    # Removing a placeholder can join its neighbours into a new identifier ("M1 [NHS number] 1AE").
    for _ in range(3):
        again = redact(s)
        if not again.had_pii:
            break
        s = _tidy(_strip_identifiers(again.text))
    else:
        s = redact(s).text  # pathological input: keep placeholders rather than risk an identifier
    return s


def _meaningful(text: str) -> bool:
    return any(w.lower().strip("'’") not in _FILLER for w in _WORD.findall(text) if len(w) > 1)


def guard(text: str) -> Guarded:
    red = redact(text or "")
    # Retrieval reads the normalised text: no zero-width characters or compatibility forms.
    clean = normalise(red.text)
    if red.had_pii:
        policy = _policy_text(clean)
        pii_only = not _meaningful(policy)
    else:
        policy = _SPACES.sub(" ", clean).strip()
        pii_only = False
    return Guarded(
        redacted=red.text,
        had_pii=red.had_pii,
        pii_kinds=list(red.findings),
        policy_text=policy,
        pii_only=pii_only,
        scope=classify_scope(red.text),
    )
