"""The patient-data guard and the rule-based scope guard. Every question passes through here before
retrieval, logging or storage.

- `find_identifiers` / `redact` (redaction): NHS numbers (mod-11 checked), UK postcodes, dates of
  birth, email addresses, UK phone numbers and titled patient names, replaced by placeholders such as
  `[postcode]`. Matching runs on a normalised view (normalise) so Unicode spaces, zero-width
  characters, underscores and line breaks inside an identifier do not hide it.
- `classify_scope` (scope): precision-first rules (rules.Rule) for requests hibot must decline
  whatever retrieval finds, each naming its reason: injection, out_of_scope, clinical_advice,
  individual_patient, opinion, other_nation, after_corpus_date.
- `guard` (guarded): both, plus the identifier-free `policy_text` used for retrieval.

Pure stdlib `re` and `unicodedata`; every pattern is compiled once at import. See
docs/safety-rules.md for how to add a rule.
"""

from bot.safety.guarded import Guarded, guard
from bot.safety.kinds import (
    DATE_OF_BIRTH,
    EMAIL,
    NAME,
    NHS_NUMBER,
    PHONE,
    PLACEHOLDERS,
    POSTCODE,
    Finding,
    Redaction,
)
from bot.safety.nhs_number import is_valid_nhs_number
from bot.safety.redaction import find_identifiers, redact
from bot.safety.rules import REASONS, Reason, Rule
from bot.safety.scope import RULES, ScopeVerdict, classify_scope

__all__ = [
    "DATE_OF_BIRTH",
    "EMAIL",
    "NAME",
    "NHS_NUMBER",
    "PHONE",
    "PLACEHOLDERS",
    "POSTCODE",
    "REASONS",
    "RULES",
    "Finding",
    "Guarded",
    "Reason",
    "Redaction",
    "Rule",
    "ScopeVerdict",
    "classify_scope",
    "find_identifiers",
    "guard",
    "is_valid_nhs_number",
    "redact",
]
