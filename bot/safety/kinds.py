"""The kinds of patient identifier, their placeholders, and the records detection returns."""

from __future__ import annotations

from dataclasses import dataclass, field

NHS_NUMBER = "nhs_number"
POSTCODE = "postcode"
DATE_OF_BIRTH = "date_of_birth"
EMAIL = "email"
PHONE = "phone"
NAME = "name"

PLACEHOLDERS: dict[str, str] = {
    NHS_NUMBER: "[NHS number]",
    POSTCODE: "[postcode]",
    DATE_OF_BIRTH: "[date of birth]",
    EMAIL: "[email]",
    PHONE: "[phone number]",
    NAME: "[name]",
}
# When two detections overlap, the longer one names the merged span; on a tie this order decides,
# so a valid NHS number written like a 10-digit phone number is still called an NHS number.
PRIORITY = {NHS_NUMBER: 0, EMAIL: 1, DATE_OF_BIRTH: 2, PHONE: 3, POSTCODE: 4, NAME: 5}


@dataclass(frozen=True)
class Finding:
    kind: str
    start: int
    end: int


@dataclass
class Redaction:
    text: str
    findings: list[str] = field(default_factory=list)  # kinds found, first occurrence order, no repeats
    had_pii: bool = False
