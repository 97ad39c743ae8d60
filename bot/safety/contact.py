"""Contact details: UK phone numbers, UK postcodes and email addresses."""

from __future__ import annotations

import re

from bot.safety.kinds import EMAIL, PHONE, POSTCODE, Finding
from bot.safety.nhs_number import NON_DIGIT

# Phone numbers: 01/02/03/07 national numbers (10-11 digits) and +44 / 0044 forms. Separators are
# those of the normalised view (spaces, dashes, dots, brackets), at most four between two digits
# (") _ " after an area code is four).
_PSEP = r"[ \-.()]{0,4}"
_PHONE = re.compile(
    rf"(?<![\w+])(?<!\d\.)(?:"
    rf"(?P<intl>(?:\+|\b00) ?44[ \-.]*(?:\(0\)[ \-.]*)?\(?\d(?:{_PSEP}\d){{8,9}})"
    rf"|(?P<nat>\(?0(?!\.)(?:{_PSEP}\d){{9,10}})"
    rf")(?!\w)(?!\.\d)"
)


def _phone_ok(m: re.Match[str]) -> bool:
    digits = NON_DIGIT.sub("", m.group())
    if m.group("intl"):
        national = digits[4:] if digits.startswith("0044") else digits[2:]
        national = national.removeprefix("0")  # the "(0)" some people write after +44
        return 9 <= len(national) <= 10 and national[0] in "1237"
    return 10 <= len(digits) <= 11 and digits[1] in "1237"


def phone_findings(text: str) -> list[Finding]:
    """Every valid candidate at every start, overlapping ones included (the caller merges them): in
    "000 000 0108 (0100) 000 0000" the leftmost candidate "0108 (0100) 000" would otherwise hide the
    real number after it."""
    out = []
    pos = 0
    while m := _PHONE.search(text, pos):
        if _phone_ok(m):
            out.append(Finding(PHONE, m.start(), m.end()))
        pos = m.start() + 1
    return out


# Postcodes: the Royal Mail letter rules keep acronyms and words out (no Q/V/X first letter,
# no C/I/K/M/O/V in the inward code), and a full inward part "9AA" is required. Between the two
# halves: up to three spaces (a line break in the view is one) or a dash.
_OUTWARD = (
    r"(?:[A-PR-UWYZ][A-HK-Y]?\d\d?"
    r"|[A-PR-UWYZ]\d[A-HJKPSTUW]"
    r"|[A-PR-UWYZ][A-HK-Y]\d[ABEHMNPRV-Y])"
)
_GAP = r"(?: {0,3}| ?- ?)"
_POSTCODE = re.compile(
    rf"(?<![A-Za-z0-9])(?:{_OUTWARD}{_GAP}\d[ABD-HJLNP-UW-Z]{{2}}|GIR{_GAP}0AA)(?![A-Za-z0-9])",
    re.IGNORECASE,
)


def postcode_findings(text: str) -> list[Finding]:
    return [Finding(POSTCODE, m.start(), m.end()) for m in _POSTCODE.finditer(text)]


# Teams conversation ids ("19:...@thread.skype", "...@unq.gbl.spaces") look like addresses but are not.
_EMAIL = re.compile(
    r"(?<![\w.+\-])[A-Za-z0-9._%+\-]+@(?!thread\.|unq\.gbl\.)[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}\b"
)


def email_findings(text: str) -> list[Finding]:
    if "@" not in text:
        return []
    return [Finding(EMAIL, m.start(), m.end()) for m in _EMAIL.finditer(text)]
