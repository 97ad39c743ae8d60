"""Patient names: a title and a capitalised name or initial ("Mrs Jones", "Mr B"), or a name introduced as one
("a patient called Sarah Khan", "her name is Ada"). Public figures people cite are left alone."""

from __future__ import annotations

import re

from bot.safety.kinds import NAME, Finding

# Public figures people cite when asking about the guidance ("Mr Hunt's 2014 letter").
_PUBLIC_NAMES = set(
    "Hunt Marmot Acheson Stevens Pritchard Streeting Javid Hancock Barclay Coffey Whitty Lansley Burnham "
    "Johnson Sunak Starmer".split()
)
_TITLED_NAME = re.compile(
    r"\b(?:Mr|Mrs|Ms|Miss|Mx)\.? +(?P<first>[A-Z][a-z]+(?:[-'][A-Z][a-z]+)?(?: +[A-Z][a-z]+\b)?|[A-Z]\b)"
)
_CUED_NAME = re.compile(
    r"\b(?:(?:patient|pt|man|woman|lady|gentleman|boy|girl|child|baby|client|person|someone|son|daughter"
    r"|mother|father|wife|husband) +(?:called|named)|(?:patient'?s?|his|her|their) +name *"
    r"(?:is|was|:|-|=)) *(?P<name>(?-i:[A-Z][a-z]+(?:[-'][A-Z][a-z]+)?(?: +[A-Z][a-z]+)?))\b",
    re.IGNORECASE,
)


def name_findings(text: str) -> list[Finding]:
    """Patient names in the normalised `text`."""
    out = []
    for m in _TITLED_NAME.finditer(text) if "M" in text else ():
        if _PUBLIC_NAMES.isdisjoint(m.group().replace("'", " ").split()):
            out.append(Finding(NAME, m.start(), m.end()))
    lower = text.lower()
    for m in _CUED_NAME.finditer(text) if "name" in lower or "called" in lower else ():
        name = m.group("name")
        # IGNORECASE is for the cue only: a name must still be written with a capital.
        if name[0].isupper() and _PUBLIC_NAMES.isdisjoint(name.split()):
            out.append(Finding(NAME, m.start("name"), m.end("name")))
    return out
