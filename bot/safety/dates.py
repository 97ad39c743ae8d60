"""Dates of birth: any full date once a birth cue is in the message, else only an old dd/mm/yyyy date."""

from __future__ import annotations

import re

from bot.safety.kinds import DATE_OF_BIRTH, Finding

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DOB_CUE = re.compile(
    r"(?<![A-Za-z\[])(?:d\.? ?o\.? ?b\b\.?|date +of +birth|birth ?date|birthday|born\b)",
    re.IGNORECASE,
)
_NUMERIC_DATE = re.compile(
    r"(?<![\w/.])(?<!\d-)(?:"
    r"(?P<d>\d{1,2})[/.\-](?P<m>\d{1,2})[/.\-](?P<y>\d{4}|\d{2})"
    r"|(?P<iy>\d{4})[/.\-](?P<im>\d{1,2})[/.\-](?P<id>\d{1,2})"
    r")(?![\w/])(?!-\d)(?!\.\d)"
)
_TEXT_DATE = re.compile(
    rf"\b(?:\d{{1,2}}(?:st|nd|rd|th)? +(?:of +)?{_MONTH}\.?,? +(?:\d{{4}}|'?\d{{2}})"
    rf"|{_MONTH}\.? +\d{{1,2}}(?:st|nd|rd|th)?,? +\d{{4}})(?![\w])",
    re.IGNORECASE,
)
_MONTH_YEAR = re.compile(rf"\b{_MONTH}\.? +\d{{4}}\b", re.IGNORECASE)
_COMPACT_DATE = re.compile(r"(?<![\w.])(?P<d>\d{2})(?P<m>\d{2})(?P<y>(?:18|19|20)\d{2})(?![\w])(?!\.\d)")
_CUE_REACH = 25  # characters between a DOB cue and a month-year or ddmmyyyy ("born in March 1954")


def _plausible_numeric_date(m: re.Match[str]) -> tuple[bool, int | None]:
    if m.group("iy"):
        y, a, b = int(m.group("iy")), int(m.group("im")), int(m.group("id"))
        return 1 <= a <= 12 and 1 <= b <= 31 and 1880 <= y <= 2100, y
    a, b, ys = int(m.group("d")), int(m.group("m")), m.group("y")
    ok = (1 <= a <= 31 and 1 <= b <= 12) or (1 <= a <= 12 and 1 <= b <= 31)  # dd/mm or US mm/dd
    year = int(ys) if len(ys) == 4 else None
    return ok and (year is None or 1880 <= year <= 2100), year


def _numeric_dates(text: str, cued: bool) -> list[Finding]:
    out = []
    for m in _NUMERIC_DATE.finditer(text):
        ok, year = _plausible_numeric_date(m)
        # With a cue anywhere in the message every full date counts; without one, only a dd/mm/yyyy
        # date from the last century, which no guidance question cites but a patient's birth is.
        if ok and (cued or (year is not None and year < 2000 and not m.group("iy"))):
            out.append(Finding(DATE_OF_BIRTH, m.start(), m.end()))
    return out


def _cued_dates(text: str, cues: list[int]) -> list[Finding]:
    def near_cue(start: int) -> bool:
        return any(0 <= start - c <= _CUE_REACH for c in cues)

    out = [Finding(DATE_OF_BIRTH, m.start(), m.end()) for m in _TEXT_DATE.finditer(text)]
    out += [
        Finding(DATE_OF_BIRTH, m.start(), m.end()) for m in _MONTH_YEAR.finditer(text) if near_cue(m.start())
    ]
    for m in _COMPACT_DATE.finditer(text):
        if 1 <= int(m.group("d")) <= 31 and 1 <= int(m.group("m")) <= 12 and near_cue(m.start()):
            out.append(Finding(DATE_OF_BIRTH, m.start(), m.end()))
    return out


def dob_findings(text: str) -> list[Finding]:
    """Dates of birth in the normalised `text`."""
    if not any(c.isdigit() for c in text):
        return []
    cues = [m.end() for m in _DOB_CUE.finditer(text)]
    out = _numeric_dates(text, bool(cues))
    if cues:
        out += _cued_dates(text, cues)
    return out
