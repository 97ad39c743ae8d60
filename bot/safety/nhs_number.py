"""NHS numbers: ten digits whose last is a modulus-11 check digit, in whatever grouping people type."""

from __future__ import annotations

import re

from bot.safety.kinds import NHS_NUMBER, Finding

_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)


def check_digit_ok(digits: str) -> bool:
    """The NHS modulus-11 check on ten digits; a remainder giving check value 10 is never issued."""
    total = sum(int(d) * w for d, w in zip(digits[:9], _WEIGHTS, strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


_NHS_TEXT = re.compile(r"[\d\s\-–]+")
NON_DIGIT = re.compile(r"\D")


def is_valid_nhs_number(s: str) -> bool:
    """True when `s` holds exactly 10 digits (spaces and dashes ignored) with a valid mod-11 check digit."""
    if not _NHS_TEXT.fullmatch(s or ""):
        return False
    digits = NON_DIGIT.sub("", s)
    return len(digits) == 10 and check_digit_ok(digits)


# A run of digit groups joined by spaces, dashes or brackets ("943 476 5919", "(083) 016-6130"); the
# normalised view has already turned Unicode spaces, line breaks and underscores into spaces. Dots
# and slashes do not join groups here, so decimals, dates and version numbers stay apart; letters on
# either side (ids, hashes, "CORE20PLUS5") make it no identifier at all.
_GROUP_SEP = r"(?:[ ()\[\]]*-[ ()\[\]]*|[ ()\[\]]+)"
_DIGIT_CHAIN = re.compile(rf"(?<!\w)(?<!\d\.)\d+(?:{_GROUP_SEP}\d+)*(?!\w)(?!\.\d)")
_DIGITS = re.compile(r"\d+")
# Two layouts the chain leaves out: the standard 3-3-4 grouping with any mix of dots, slashes, dashes,
# brackets and spaces ("943.476.5919", "083.016 6130"), and ten digits glued to their label
# ("NHS9434765919"). A 3-3-4 shape is specific enough that a dot in it is no decimal point.
_NHS_EXTRA = re.compile(
    r"(?<![\w.])\(?\d{3}[ ./\-()]{1,3}\d{3}[ ./\-()]{1,3}\d{4}(?![\w/])(?!\.\d)"
    r"|(?:(?<=nhs)|(?<=NHS)|(?<=Nhs)|(?<=no)|(?<=No)|(?<=NO)|(?<=#))\d{10}(?!\w)(?!\.\d)"
)


def _chain_findings(chain: re.Match[str]) -> list[Finding]:
    groups = [
        (m.start() + chain.start(), m.end() + chain.start(), m.group())
        for m in _DIGITS.finditer(chain.group())
    ]
    out: list[Finding] = []
    # Any consecutive whole groups with exactly ten digits between them, e.g. "1. 943 476 5919 2024".
    # Every start is tried, overlapping an accepted window or not: in "000 000 0000 0100 000 0000"
    # a window taken early can straddle two numbers and leave half of the next one behind.
    for i in range(len(groups)):
        n, j = 0, i
        for j in range(i, len(groups)):
            n += len(groups[j][2])
            if n >= 10:
                break
        if n == 10 and check_digit_ok("".join(g[2] for g in groups[i : j + 1])):
            out.append(Finding(NHS_NUMBER, groups[i][0], groups[j][1]))
    return out


def nhs_findings(text: str) -> list[Finding]:
    """NHS numbers in the normalised `text`, possibly overlapping (the caller merges)."""
    out: list[Finding] = []
    for chain in _DIGIT_CHAIN.finditer(text):
        out += _chain_findings(chain)
    pos = 0
    # Every start, as for phone numbers: a candidate must not hide an overlapping one after it.
    while m := _NHS_EXTRA.search(text, pos):
        if check_digit_ok(NON_DIGIT.sub("", m.group())):
            out.append(Finding(NHS_NUMBER, m.start(), m.end()))
        pos = m.start() + 1
    return out
