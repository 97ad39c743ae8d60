"""The patient-data guard and the rule-based scope guard. Every question passes through here before
retrieval, logging or storage.

- `find_identifiers` / `redact`: NHS numbers (mod-11 checked), UK postcodes, dates of birth, email
  addresses, UK phone numbers and titled patient names, replaced by placeholders such as `[postcode]`.
- `classify_scope`: precision-first rules for requests hibot must decline whatever retrieval finds
  (dosing/prescribing, one patient's diagnosis or care, instruction injection).
- `guard`: both, plus the identifier-free `policy_text` used for retrieval.

Pure stdlib `re`; every pattern is compiled once at import. A typical question takes well under 0.2 ms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from bot.models import SCOPE_TEXT

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
_PRIORITY = {NHS_NUMBER: 0, EMAIL: 1, DATE_OF_BIRTH: 2, PHONE: 3, POSTCODE: 4, NAME: 5}


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


ScopeCategory = Literal["clinical", "individual_patient", "injection"]


@dataclass(frozen=True)
class ScopeVerdict:
    reason: str
    category: ScopeCategory
    message: str
    rule: str = ""  # the name of the rule that fired (never the matched text: it may hold patient data)


@dataclass
class Guarded:
    redacted: str
    had_pii: bool
    pii_kinds: list[str]
    policy_text: str
    pii_only: bool
    scope: ScopeVerdict | None


# ---------------------------------------------------------------------------------------------
# NHS numbers

_NHS_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)


def _nhs_check_ok(digits: str) -> bool:
    total = sum(int(d) * w for d, w in zip(digits[:9], _NHS_WEIGHTS, strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


_NHS_TEXT = re.compile(r"[\d\s\-–]+")
_NON_DIGIT = re.compile(r"\D")


def is_valid_nhs_number(s: str) -> bool:
    """True when `s` holds exactly 10 digits (spaces and dashes ignored) with a valid mod-11 check digit."""
    if not _NHS_TEXT.fullmatch(s or ""):
        return False
    digits = _NON_DIGIT.sub("", s)
    return len(digits) == 10 and _nhs_check_ok(digits)


# A run of digit groups joined by spaces or dashes ("943 476 5919", "943-476-5919"). Dots and
# slashes do not join groups, so decimals, dates and version numbers stay apart; letters on either
# side (ids, hashes, "CORE20PLUS5") make it no identifier at all.
_GROUP_SEP = r"(?:[ \t]*[\-–][ \t]*|[ \t]+)"
_DIGIT_CHAIN = re.compile(rf"(?<!\w)(?<!\d\.)\d+(?:{_GROUP_SEP}\d+)*(?!\w)(?!\.\d)")
_DIGITS = re.compile(r"\d+")
# Two layouts the chain leaves out: the 3-3-4 form with dots or slashes ("943.476.5919"), and ten digits
# glued to their label ("NHS9434765919", "No.9434765919" is already covered by the chain).
_NHS_EXTRA = re.compile(
    r"(?<![\w.])\d{3}(?P<sep>[./])\d{3}(?P=sep)\d{4}(?![\w/])(?!\.\d)"
    r"|(?:(?<=nhs)|(?<=NHS)|(?<=Nhs)|(?<=no)|(?<=No)|(?<=NO)|(?<=#))\d{10}(?!\w)(?!\.\d)"
)


def _nhs_findings(text: str) -> list[Finding]:
    out: list[Finding] = []
    for chain in _DIGIT_CHAIN.finditer(text):
        groups = [(m.start() + chain.start(), m.end() + chain.start(), m.group())
                  for m in _DIGITS.finditer(chain.group())]
        i = 0
        # Any consecutive whole groups with exactly ten digits between them, e.g. "1. 943 476 5919 2024".
        while i < len(groups):
            n = 0
            for j in range(i, len(groups)):
                n += len(groups[j][2])
                if n >= 10:
                    break
            if n == 10 and _nhs_check_ok("".join(g[2] for g in groups[i:j + 1])):
                out.append(Finding(NHS_NUMBER, groups[i][0], groups[j][1]))
                i = j + 1
            else:
                i += 1
    for m in _NHS_EXTRA.finditer(text):
        if _nhs_check_ok(_NON_DIGIT.sub("", m.group())):
            out.append(Finding(NHS_NUMBER, m.start(), m.end()))
    return out


# ---------------------------------------------------------------------------------------------
# Phone numbers: 01/02/03/07 national numbers (10-11 digits) and +44 / 0044 forms.

_PSEP = r"[ \t\-.()]{0,3}"
_PHONE = re.compile(
    rf"(?<![\w+])(?<!\d\.)(?:"
    rf"(?P<intl>(?:\+|\b00)[ \t]?44[ \t\-.]*(?:\(0\)[ \t\-.]*)?\(?\d(?:{_PSEP}\d){{8,9}})"
    rf"|(?P<nat>\(?0(?!\.)(?:{_PSEP}\d){{9,10}})"
    rf")(?!\w)(?!\.\d)"
)


def _phone_findings(text: str) -> list[Finding]:
    out = []
    for m in _PHONE.finditer(text):
        digits = _NON_DIGIT.sub("", m.group())
        if m.group("intl"):
            national = digits[4:] if digits.startswith("0044") else digits[2:]
            national = national.removeprefix("0")  # the "(0)" some people write after +44
            ok = 9 <= len(national) <= 10 and national[0] in "1237"
        else:
            ok = 10 <= len(digits) <= 11 and digits[1] in "1237"
        if ok:
            out.append(Finding(PHONE, m.start(), m.end()))
    return out


# ---------------------------------------------------------------------------------------------
# Postcodes: the Royal Mail letter rules keep acronyms and words out (no Q/V/X first letter,
# no C/I/K/M/O/V in the inward code), and a full inward part "9AA" is required.

_OUTWARD = (
    r"(?:[A-PR-UWYZ][A-HK-Y]?\d\d?"
    r"|[A-PR-UWYZ]\d[A-HJKPSTUW]"
    r"|[A-PR-UWYZ][A-HK-Y]\d[ABEHMNPRV-Y])"
)
_POSTCODE = re.compile(
    rf"(?<![A-Za-z0-9])(?:{_OUTWARD}[ \t]{{0,2}}\d[ABD-HJLNP-UW-Z]{{2}}|GIR[ \t]{{0,2}}0AA)(?![A-Za-z0-9])",
    re.IGNORECASE,
)


# ---------------------------------------------------------------------------------------------
# Dates of birth

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DOB_CUE = re.compile(
    r"(?<![A-Za-z\[])(?:d\.?[ \t]?o\.?[ \t]?b\b\.?|date[ \t]+of[ \t]+birth|birth[ \t]?date|birthday|born\b)",
    re.IGNORECASE,
)
_NUMERIC_DATE = re.compile(
    r"(?<![\w/.])(?<!\d-)(?:"
    r"(?P<d>\d{1,2})[/.\-](?P<m>\d{1,2})[/.\-](?P<y>\d{4}|\d{2})"
    r"|(?P<iy>\d{4})[/.\-](?P<im>\d{1,2})[/.\-](?P<id>\d{1,2})"
    r")(?![\w/])(?!-\d)(?!\.\d)"
)
_TEXT_DATE = re.compile(
    rf"\b(?:\d{{1,2}}(?:st|nd|rd|th)?[ \t]+(?:of[ \t]+)?{_MONTH}\.?,?[ \t]+(?:\d{{4}}|'?\d{{2}})"
    rf"|{_MONTH}\.?[ \t]+\d{{1,2}}(?:st|nd|rd|th)?,?[ \t]+\d{{4}})(?![\w])",
    re.IGNORECASE,
)
_MONTH_YEAR = re.compile(rf"\b{_MONTH}\.?[ \t]+\d{{4}}\b", re.IGNORECASE)
_COMPACT_DATE = re.compile(r"(?<![\w.])(?P<d>\d{2})(?P<m>\d{2})(?P<y>(?:18|19|20)\d{2})(?![\w])(?!\.\d)")
_CUE_REACH = 25  # characters between a DOB cue and a month-year or ddmmyyyy ("born in March 1954")


def _plausible_numeric_date(m: re.Match) -> tuple[bool, int | None]:
    if m.group("iy"):
        y, a, b = int(m.group("iy")), int(m.group("im")), int(m.group("id"))
        return 1 <= a <= 12 and 1 <= b <= 31 and 1880 <= y <= 2100, y
    a, b, ys = int(m.group("d")), int(m.group("m")), m.group("y")
    ok = (1 <= a <= 31 and 1 <= b <= 12) or (1 <= a <= 12 and 1 <= b <= 31)  # dd/mm or US mm/dd
    year = int(ys) if len(ys) == 4 else None
    return ok and (year is None or 1880 <= year <= 2100), year


def _dob_findings(text: str) -> list[Finding]:
    if not any(c.isdigit() for c in text):
        return []
    cues = [m.end() for m in _DOB_CUE.finditer(text)]
    out = []
    for m in _NUMERIC_DATE.finditer(text):
        ok, year = _plausible_numeric_date(m)
        # With a cue anywhere in the message every full date counts; without one, only a dd/mm/yyyy
        # date from the last century, which no guidance question cites but a patient's birth is.
        if ok and (cues or (year is not None and year < 2000 and not m.group("iy"))):
            out.append(Finding(DATE_OF_BIRTH, m.start(), m.end()))
    if cues:
        out.extend(Finding(DATE_OF_BIRTH, m.start(), m.end()) for m in _TEXT_DATE.finditer(text))
        for m in _MONTH_YEAR.finditer(text):
            if any(0 <= m.start() - c <= _CUE_REACH for c in cues):
                out.append(Finding(DATE_OF_BIRTH, m.start(), m.end()))
        for m in _COMPACT_DATE.finditer(text):
            if (1 <= int(m.group("d")) <= 31 and 1 <= int(m.group("m")) <= 12
                    and any(0 <= m.start() - c <= _CUE_REACH for c in cues)):
                out.append(Finding(DATE_OF_BIRTH, m.start(), m.end()))
    return out


# ---------------------------------------------------------------------------------------------
# Email addresses and names

# Teams conversation ids ("19:...@thread.skype", "...@unq.gbl.spaces") look like addresses but are not.
_EMAIL = re.compile(
    r"(?<![\w.+\-])[A-Za-z0-9._%+\-]+@(?!thread\.|unq\.gbl\.)[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}\b"
)

# Public figures people cite when asking about the guidance ("Mr Hunt's 2014 letter").
_PUBLIC_NAMES = {"Hunt", "Marmot", "Acheson", "Stevens", "Pritchard", "Streeting", "Javid", "Hancock",
                 "Barclay", "Coffey", "Whitty", "Lansley", "Burnham", "Johnson", "Sunak", "Starmer"}
_TITLED_NAME = re.compile(
    r"\b(?:Mr|Mrs|Ms|Miss|Mx)\.?[ \t]+(?P<first>[A-Z][a-z]+(?:[-'][A-Z][a-z]+)?)(?:[ \t]+[A-Z][a-z]+\b)?"
)
_CUED_NAME = re.compile(
    r"\b(?:(?:patient|pt|man|woman|lady|gentleman|boy|girl|child|baby|client|person|someone|son|daughter"
    r"|mother|father|wife|husband)[ \t]+(?:called|named)|(?:patient'?s?|his|her|their)[ \t]+name[ \t]*"
    r"(?:is|was|:|-|=))[ \t]*(?P<name>(?-i:[A-Z][a-z]+(?:[-'][A-Z][a-z]+)?(?:[ \t]+[A-Z][a-z]+)?))\b",
    re.IGNORECASE,
)


def _name_findings(text: str) -> list[Finding]:
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


# ---------------------------------------------------------------------------------------------
# Finding and redacting

def _merge(findings: list[Finding]) -> list[Finding]:
    """Overlapping detections become one span (so no digit of either survives), named by the longest."""
    merged: list[tuple[int, int, Finding]] = []
    for f in sorted(findings, key=lambda f: (f.start, -f.end)):
        if merged and f.start < merged[-1][1]:
            start, end, best = merged[-1]
            if (f.end - f.start, -_PRIORITY[f.kind]) > (best.end - best.start, -_PRIORITY[best.kind]):
                best = f
            merged[-1] = (start, max(end, f.end), best)
        else:
            merged.append((f.start, f.end, f))
    return [Finding(best.kind, s, e) for s, e, best in merged]


def find_identifiers(text: str) -> list[Finding]:
    """Patient identifiers in `text`, non-overlapping and in order."""
    if not text:
        return []
    found: list[Finding] = []
    if any(c.isdigit() for c in text):
        found += _nhs_findings(text)
        found += _phone_findings(text)
        found += _dob_findings(text)
        found += [Finding(POSTCODE, m.start(), m.end()) for m in _POSTCODE.finditer(text)]
    if "@" in text:
        found += [Finding(EMAIL, m.start(), m.end()) for m in _EMAIL.finditer(text)]
    found += _name_findings(text)
    return _merge(found)


def redact(text: str) -> Redaction:
    """Replace every identifier with its placeholder. Idempotent: placeholders hold no digits or cues."""
    findings = find_identifiers(text or "")
    if not findings:
        return Redaction(text=text or "", findings=[], had_pii=False)
    parts, last, kinds = [], 0, []
    for f in findings:
        parts += [text[last:f.start], PLACEHOLDERS[f.kind]]
        last = f.end
        if f.kind not in kinds:
            kinds.append(f.kind)
    parts.append(text[last:])
    return Redaction(text="".join(parts), findings=kinds, had_pii=True)


# ---------------------------------------------------------------------------------------------
# Scope rules. Each rule is precision-first: a policy question that merely mentions doses, patients
# or diagnosis must pass. Rules marked "soft" are vetoed by population/inequality wording.

_DOSE = r"(?:doses?|dosages?|dosing)"
_DRUG = (
    r"(?:metformin|insulin|paracetamol|aspirin|morphine|codeine|tramadol|fentanyl|gliclazide|levothyroxine"
    r"|warfarin|digoxin|furosemide|bumetanide|spironolactone|bendroflumethiazide|indapamide|salbutamol"
    r"|dexamethasone|methadone|buprenorphine|naloxone|sertraline|citalopram|escitalopram|mirtazapine"
    r"|amitriptyline|nortriptyline|gabapentin|pregabalin|lithium|clozapine|olanzapine|quetiapine"
    r"|risperidone|haloperidol|co-amoxiclav|trimethoprim|nitrofurantoin|adrenaline|epinephrine"
    r"|allopurinol|colchicine|methotrexate|hydroxychloroquine|tamoxifen|clopidogrel|ticagrelor"
    r"|dabigatran|heparin|levetiracetam|valproate|lamotrigine|carbamazepine|phenytoin|tirzepatide"
    r"|orlistat|varenicline|ferrous\s+\w+|folic\s+acid|vitamin\s+[a-z]\d*|statins?|antibiotics?"
    r"|steroids?|opioids?|antidepressants?|antipsychotics?|anticoagulants?|benzodiazepines?|diuretics?"
    r"|ace\s+inhibitors?|beta[\s-]blockers?|painkillers?|analgesi[ac]s?|(?:sglt-?2|dpp-?4|glp-?1)(?:\s+\w+)?"
    r"|ppis?|nsaids?|ssris?|snris?|doacs?|noacs?|arbs?|hrt|contraceptive\s+pill"
    r"|\w{3,}(?:cillin|mycin|floxacin|cycline|sartan|pril|olol|statin|azole|parin|xaban|gliptin"
    r"|gliflozin|glutide|dipine|triptan|oxetine|azepam|azolam|profen|olone|isone|codone|caine|mab"
    r"|tidine|setron|dronate|lukast|terol)s?)"
)
_DISEASE = (
    r"(?:sepsis|pneumonia|asthma|copd|diabetes|dka|hypertension|heart\s+failure|atrial\s+fibrillation|af"
    r"|angina|stroke|tia|ckd|aki|uti|cellulitis|meningitis|depression|anxiety|psychosis|schizophrenia"
    r"|bipolar(?:\s+disorder)?|dementia|delirium|eczema|psoriasis|migraine|epilepsy|gout|anaemia"
    r"|hyperkalaemia|hypoglycaemia|dvt|pulmonary\s+embolism|pe|chest\s+pain|back\s+pain|headache"
    r"|otitis\s+media|tonsillitis|bronchiolitis|croup|gastroenteritis|anaphylaxis|an\s+overdose|overdose"
    r"|a\s+(?:heart\s+attack|stroke|fall|fracture|seizure|fit))"
)
_SYMPTOM = (
    r"(?:(?:chest|abdominal|back|tummy|stomach)\s+pain|pain|fever|temperature|cough(?:ing)?|breathless\w*"
    r"|shortness\s+of\s+breath|short\s+of\s+breath|sob|rash|headaches?|bleed(?:s|ing)?|vomit\w*|diarrh\w*"
    r"|swelling|swollen|lumps?|collapsed?|collapsing|fell|a\s+fall|confus\w*|seizures?|fits|palpitations|weight\s+loss"
    r"|dizz\w*|faint\w*|wheez\w*|symptoms?|sepsis|jaundice|itch\w*|lesions?|ulcers?|nausea|fatigue"
    r"|low\s+mood|suicidal\w*|overdosed?|tight\s+chest|chest\s+tightness|raised\s+(?:bp|blood\s+pressure)"
    r"|(?:bp|blood\s+pressure|hba1c|sats|egfr|crp|potassium)\s+(?:of\s+|is\s+|was\s+)?\d+)"
)
_PERSON = (r"(?:patient|pt|man|woman|male|female|lady|gentleman|guy|chap|boy|girl|child|baby|infant|toddler"
           r"|teenager|mum|mother|dad|father|gent)")
_POLICY_VETO_PATTERN = (
    r"\b(?:inequalit\w*|disparit\w*|depriv\w*|core20\w*|plus\s+groups?|populations?|communit\w*|groups"
    r"|uptake|variation|ethnic\w*|equity|inequit\w*|underserved|inclusion\s+health|across|systems?"
    r"|services|guidance\s+say|policy|policies|board|trusts?|icbs?|icss?|pcns?)\b"
)


def _rx(pattern: str) -> re.Pattern:
    """Scope rules run case-sensitively on the lower-cased question: IGNORECASE made them 3-4x slower.
    So the pattern's own capitals (outside escapes such as \\W) are lower-cased here."""
    return re.compile(re.sub(r"\\.|[A-Z]", lambda m: m.group() if len(m.group()) == 2 else m.group().lower(),
                             pattern))


_POLICY_VETO = _rx(_POLICY_VETO_PATTERN)


# (name, pattern, soft) — soft rules do not fire when the question is framed around populations.
_INJECTION_RULES: list[tuple[str, re.Pattern, bool]] = [
    ("ignore_instructions", _rx(
        r"(?<!don't )(?<!dont )(?<!do not )(?<!never )\b(?:ignore|disregard|forget|override|bypass)\s+"
        r"(?:all\s+|any\s+|every\s+)?(?:of\s+)?(?:your|the\s+(?:previous|prior|above|earlier|preceding|system"
        r"|original|initial)|previous|prior|above|preceding|earlier|these|those)\s+(?:\w+\s+){0,2}?"
        r"(?:instructions?|prompts?|rules?|guidelines?|guidance|directions?|directives?|messages?|context"
        r"|sources?|training|programming|constraints?|restrictions?|guardrails?|polic(?:y|ies)|settings"
        r"|limitations?|filters?|safety|documents?|corpus|evidence)\b"), False),
    ("ignore_previous", _rx(
        r"\bignore\s+(?:all\s+)?(?:the\s+)?(?:previous|prior|above|preceding|earlier)\b"), False),
    ("imperative_disregard", _rx(
        r"(?:^|[.!?;:\n]\s*|\b(?:please|now|just|and|then|so|also)\s+)(?:ignore|disregard|forget|override)\s+"
        r"(?:the|this|that|all|any|these|those)\s+(?:\w+\s+){0,2}?(?:guidance|guidelines|instructions|rules"
        r"|documents?|sources|corpus|context|evidence|above)\b"), False),
    ("role_play", _rx(
        r"\bpretend\s+(?:to\s+be|you(?:'re|\s+are|\s+were)|that\s+you|you're)\b"
        r"|\byou(?:\s+are|'re)\s+now\s+(?:a|an|my|the|in|no\s+longer|free|unrestricted|going\s+to|called|named"
        r"|acting|dan)\b|\bfrom\s+now\s+on,?\s+(?:you|act|respond|answer|reply|only)\b"
        r"|\bact\s+as\s+(?:if|though)\s+you\b|\brole[\s-]?play\s+(?:as|with\s+me)\b|\blet'?s\s+role[\s-]?play\b"
        r"|\bjailbr[eo]a?k\w*|\bdeveloper\s+mode\b|\bdo\s+anything\s+now\b"), False),
    ("system_prompt", _rx(
        r"\bsystem\s+prompt\b|\byour\s+system\s+(?:message|instructions?)\b|\bnew\s+(?:instructions|rules|task)\s*:"
        r"|<\|?(?:im_start|system|endoftext)\|?>|\[/?(?:INST|SYS)\]|<<SYS>>"), False),
    ("reveal_instructions", _rx(
        r"\b(?:reveal|show|print|display|output|repeat|leak|tell\s+me|give\s+me|what\s+(?:is|are|were))\s+"
        r"(?:me\s+)?your\s+(?:\w+\s+)?(?:instructions|prompt|rules|configuration|guidelines)\b"), False),
    ("creative_writing", _rx(
        r"\b(?:write|compose|tell|give|generate|create|draft|make\s+up|sing|invent)\s+(?:me\s+|us\s+)?"
        r"(?:a|an|some|another|one)\s+(?:\w+\s+){0,3}?(?:poems?|jokes?|songs?|limericks?|haikus?|raps?|sonnets?"
        r"|fairy\s*tales?|riddles?|lyrics|screenplay|novel)\b"
        r"|\b(?:write|compose|make\s+up|create|generate|invent)\s+(?:me\s+|us\s+)?(?:a|an|some|another|one)\s+"
        r"(?:(?!success\b|case\b|patient\b|real\b|true\b)\w+\s+){0,3}?(?:story|stories)\b"
        r"|\btell\s+(?:me|us)\s+a\s+(?:(?:short|funny|bedtime|little|fictional|scary|silly)\s+)?stor(?:y|ies)\b"
        r"|\b(?:write|compose)\s+(?:me\s+)?(?:poetry|verse|lyrics)\b"), False),
    ("write_code", _rx(
        r"\b(?:write|give|generate|create|code)\s+(?:me\s+|us\s+)?(?:a|an|some)\s+(?:\w+\s+)?"
        r"(?:python|javascript|typescript|java|sql|bash|powershell|html|css|c\+\+|vba|excel)\s+"
        r"(?:function|script|program|code|query|snippet|class|macro|formula)\b"
        r"|\b(?:write|give|generate)\s+(?:me\s+|us\s+)?some\s+code\b(?!\s+of)"
        r"|\b(?:function|script|program)\s+in\s+(?:python|javascript|typescript|java|sql|bash|powershell|vba)\b"),
     False),
]

_CLINICAL_RULES: list[tuple[str, re.Pattern, bool]] = [
    ("dose_amount", _rx(
        r"\b\d+(?:\.\d+)?\s?(?:mg|mcg|µg|ug|micrograms?|milligrams?|ml|mls|millilitres?|iu|units?\s+of\s+insulin)"
        r"(?:/kg)?\b"), False),
    ("how_many_units", _rx(
        r"\bhow\s+many\s+(?:mg|mcg|micrograms|milligrams|ml|mls|tablets|puffs|units\s+of\s+\w+)\b"), False),
    ("dose_question", _rx(
        rf"\b(?:what|which)\s+(?:is\s+the\s+|are\s+the\s+|should\s+be\s+the\s+)?(?:\w+\s+)?{_DOSE}\b"
        rf"[^.?!\n]{{0,60}}\b(?:should|shall|do|can|would|must|to)\s+(?:I|we|you|he|she|they)?\s*"
        r"(?:give|prescribe|start|administer|use|take|increase|decrease|reduce|titrate|be\s+on)\b"), False),
    ("dose_of_drug", _rx(
        rf"\b{_DOSE}\s+(?:of|for)\s+(?:\w+\s+){{0,2}}?{_DRUG}\b|\b{_DRUG}\s+{_DOSE}\b"), True),
    ("named_dose", _rx(
        rf"\b(?:what|which)\s+(?:is\s+the\s+)?(?:\w+\s+)?{_DOSE}\s+(?:of|for)\b"
        rf"|\b(?:maximum|max|starting|start|loading|maintenance|usual|correct|right|safe|daily|paediatric"
        rf"|pediatric|adult|initial|weekly|stat)\s+{_DOSE}\b"), True),
    ("how_much_drug", _rx(
        rf"\bhow\s+much\s+(?:\w+\s+)?{_DRUG}\b"
        r"|\bhow\s+much\s+should\s+(?:I|we)\s+(?:give|prescribe)\b"), False),
    ("should_prescribe", _rx(
        rf"\b(?:should|shall|can|do|would|must)\s+(?:I|we)\s+(?:prescribe|give|start|stop|increase|decrease"
        rf"|reduce|titrate|switch|up|double|halve|withhold|add|change)\b[^.?!\n]{{0,40}}?\b{_DRUG}\b"
        rf"|\b(?:prescribe|start|put|switch|keep)\s+(?:him|her|them|my\s+patient|the\s+patient|this\s+patient)"
        r"\s+on\b"), True),
    ("what_to_prescribe", _rx(
        r"\bwhat\s+(?:should|can|do|shall|would)\s+(?:I|we)\s+prescribe\b"
        r"|\bwhat\s+(?:\w+\s+){0,2}?(?:drugs?|medications?|medicines?|antibiotics?|painkillers?|analgesia"
        r"|treatment|tablets|inhalers?)\s+(?:should|can|do|shall|would|to)\s+(?:I\s+|we\s+|you\s+)?"
        r"(?:give|prescribe|use|start|recommend|try)\b"
        rf"|\b(?:which|what)\s+(?:\w+\s+)?{_DRUG}\s+(?:should|shall|do|can|would|to)\s+(?:I\s+|we\s+|you\s+)?"
        r"(?:use|give|prescribe|start|choose|try|pick)\b"
        r"|\bis\s+it\s+(?:ok|okay|safe|fine|alright|appropriate)\s+to\s+(?:give|prescribe|co-prescribe|combine)\b"
        rf"|\bis\s+it\s+(?:ok|okay|safe|fine|alright|appropriate)\s+to\s+(?:start|stop|take|use|continue)\s+"
        rf"(?:\w+\s+){{0,2}}?{_DRUG}\b"), False),
    ("differential_diagnosis", _rx(
        r"\bdifferential\s+diagnos[ie]s\b|\bdifferentials\s+for\b|\bddx\b"), False),
    ("which_antibiotic", _rx(
        r"\b(?:which|what)\s+antibiotics?\s+(?:for|should|to|do|would|is\s+best)\b"), True),
    ("how_often_take", _rx(
        r"\bhow\s+(?:often|long)\s+should\s+(?:he|she|they|I|we|the\s+patient|my\s+patient)\s+"
        r"(?:take|be\s+on|use|continue|stay\s+on)\b"), False),
    ("how_to_diagnose", _rx(r"\bhow\s+(?:do|should|can|would|to|does\s+one)\s+(?:I\s+|we\s+|you\s+)?"
                            r"(?:diagnose|rule\s+out)\b"), True),
    ("how_to_treat_condition", _rx(
        rf"\bhow\s+(?:do|should|can|would|to)\s+(?:I\s+|we\s+|you\s+)?(?:treat|manage)\s+(?:a\s+|an\s+"
        rf"|suspected\s+|acute\s+|severe\s+|mild\s+|moderate\s+|chronic\s+|uncontrolled\s+)*{_DISEASE}\b"
        rf"|\b(?:first|second)[- ]line\s+(?:treatment|therapy|drug|management|antibiotic)\b"
        rf"|\bwhat(?:'s|\s+is)\s+the\s+(?:best\s+)?(?:treatment|management)\s+(?:of|for)\s+(?:a\s+|an\s+)?{_DISEASE}\b"),
     True),
]

_REFERENT = (
    rf"(?:\bmy\s+(?:patient|pt|client|service\s+user)\b|\b(?:this|that)\s+{_PERSON}\b"
    rf"|\ba\s+patient\s+of\s+mine\b|\bI(?:\s+have|'ve\s+got|\s+saw|'m\s+seeing|\s+am\s+seeing|\s+have\s+seen"
    rf"|'ve\s+seen|\s+had)\s+a\s+(?:\w+\s+){{0,2}}?{_PERSON}\b"
    rf"|\b(?:a|an|this|my|the|our)\s+\d{{1,3}}[- ]?(?:year|yr)s?[- ]old\b(?!s)"
    rf"|\b\d{{1,3}}\s?(?:yo|y/o|yrs?)\s+(?:m|f|male|female|man|woman)\b"
    rf"|^\W*(?:an?\s+)?(?:patient|pt)\s+(?:with|who|has|presenting|presents|c/o|complaining)\b"
    rf"|\[(?:NHS number|date of birth|name)\])"
)
# Requests about the case in front of the clinician; with a patient reference these always decline.
_HARD_DECISION = (
    r"(?:diagnose|differentials?|ddx|prognosis|(?:should|shall|do|can|would|must)\s+(?:I|we)\s+(?:\w+\s+)?"
    r"(?:diagnose|admit|discharge|prescribe|investigate|refer|treat|manage|scan|test)\b"
    r"|what\s+(?:should|do|would|can)\s+(?:I|we|you)\s+do(?:\s+(?:next|now|here|about\s+(?:him|her|this|it|that)"
    r"|with\s+(?:him|her)))?(?=\s*(?:[?.!,;]|$))"
    r"|next\s+steps?|what\s+now|is\s+it\s+safe|safe\s+to\s+(?:go\s+home|discharge|send|leave|drive|fly)"
    r"|wrong\s+with)"
)
# Verbs that also describe support and access ("manage their diabetes", "refer to a link worker").
_SOFT_DECISION = r"(?:treat|manage|refer)"
_VIGNETTE = (
    rf"\b(?:a|an|this|my)\s+\d{{1,3}}[- ]?(?:year|yr)s?[- ]old\s+(?:\w+\s+)?{_PERSON}\s+"
    r"(?:with|who|has|presents|presenting|presented|complaining|c/o|came|comes|attended|on)\b"
)
_REFERENT_RE = _rx(_REFERENT)
# The parts of a patient reference that only capitals tell apart ("Mrs Jones" but not "MS patients",
# "45M with" but not "£10m with"); matched on the original text.
_REFERENT_CASED = re.compile(
    r"\b(?:Mr|Mrs|Ms|Miss|Mx)\.?\s+[A-Z][a-z]+|(?<![£$€])\b\d{1,3}\s?(?:yo\s+)?[MF]\s+"
    r"(?:with|c/o|presents|presenting|has|who)\b"
)
_CLAUSE_BREAK = re.compile(r"[?!\n]")


class _Near:
    """Matches when a patient reference and `cue` share a clause: the cue at most `after` characters
    after the reference, or at most `before` characters ahead of it. Two single-pass scans instead of
    one regex with a lazy gap, which was ten times slower."""

    def __init__(self, cue: re.Pattern, after: int, before: int):
        self.cue, self.after, self.before = cue, after, before

    def search_ctx(self, ctx: _Context) -> bool:
        text = ctx.lower
        refs = [m.span() for m in _REFERENT_RE.finditer(text)]
        refs += [m.span() for m in _REFERENT_CASED.finditer(ctx.text)]
        if not refs:
            return False
        for cue in self.cue.finditer(text):
            for start, end in refs:
                if end <= cue.start():
                    gap = text[end:cue.start()]
                    limit = self.after
                elif cue.end() <= start:
                    gap = text[cue.end():start]
                    limit = self.before
                else:
                    return True  # overlapping: "my patient's BP 190" is both
                if len(gap) <= limit and not _CLAUSE_BREAK.search(gap):
                    return True
        return False


_INDIVIDUAL_RULES: list[tuple[str, re.Pattern | _Near, bool]] = [
    # "Look up the address for NHS number …": a records request about a named or numbered person.
    ("lookup_patient_record", _Near(_rx(
        r"\b(?:look\s*up|find|retrieve|pull\s+up|access|get|check|tell\s+me|give\s+me|summari[sz]e)\b"
        r"[^.?!\n]{0,60}?\b(?:address(?:es)?|gp\s+practice|records?|details|results|notes|letters?|history"
        r"|medications?|contact\s+details|phone\s+number)\b"), after=120, before=120), False),
    ("patient_with_symptom", _Near(_rx(rf"\b{_SYMPTOM}\b"), after=120, before=80), False),
    ("patient_hard_decision", _Near(_rx(rf"\b{_HARD_DECISION}\b"), after=120, before=80), False),
    ("patient_soft_decision", _Near(_rx(rf"\b{_SOFT_DECISION}\b"), after=120, before=1), True),
    ("case_vignette", _rx(_VIGNETTE), True),
    ("should_i_admit", _rx(
        r"\bshould\s+(?:I|we)\s+(?:admit|discharge|intubate|resuscitate|sedate|section|cannulate|catheteri[sz]e"
        r"|transfuse)\b"
        r"(?!\s+(?:that|to|it|we|I|our|this\s+(?:is|was)|the\s+fact|how|what|why|when))"), False),
    ("should_i_act_on_them", _rx(
        rf"\b(?:should|shall|can|do)\s+(?:I|we)\s+(?:refer|treat|investigate|test|scan|x-?ray|send|start|stop"
        rf"|escalate|review|see|prescribe|admit|discharge|examine|swab|reassure)\s+(?:him|her|this\s+{_PERSON}"
        rf"|my\s+patient|the\s+patient|\[name\]|(?:mr|mrs|miss|mx)\.?\s+[a-z])"), False),
    ("what_diagnosis", _rx(
        r"\bwhat(?:'s|\s+is|\s+are|\s+could\s+be)\s+(?:the\s+|his\s+|her\s+|their\s+|a\s+|my\s+)?(?:most\s+)?"
        r"(?:likely\s+|probable\s+|possible\s+)?(?:diagnosis|diagnoses|differentials?(?:\s+diagnos[ie]s)?|ddx)"
        r"\s*(?:here\b|for\s+(?:him|her|them|this|my|the\s+patient)\b|[?.!,;]|$)"), False),
    ("pronoun_with_symptom", _rx(
        rf"\b(?:he|she)\s+(?:has|had|is\s+having|presents|presented|is\s+presenting|complains|is\s+complaining"
        rf"|came\s+in|developed|reports|is\s+reporting)\b(?:\s+(?:with|of))?[^.?!\n]{{0,40}}?\b{_SYMPTOM}\b"),
     False),
    ("wrong_with_them", _rx(
        r"\bwhat(?:'s|\s+is)\s+wrong\s+with\s+(?:him|her|my\s+patient|this\s+patient)\b"
        r"|\bhow\s+(?:do|should|can|would)\s+I\s+(?:treat|manage|handle)\s+(?:him|her|this\s+patient"
        r"|my\s+patient)\b"), False),
]

_MESSAGES: dict[str, str] = {
    "clinical": (
        "I can't advise on medicines, doses, prescribing or clinical diagnosis and treatment: please use "
        "the BNF, NICE guidance, your local formulary or a pharmacist or senior colleague. " + SCOPE_TEXT
    ),
    "individual_patient": (
        "I can't help with the diagnosis or care of an individual patient: please use your usual clinical "
        "guidance and senior colleagues, and keep patient details out of this chat. " + SCOPE_TEXT
        + " If there is a policy question behind this case, ask it in general terms."
    ),
    "injection": (
        "I can only answer questions about reducing health inequalities from the guidance, and I can't "
        "change how I work, reveal my set-up or write other kinds of text. " + SCOPE_TEXT
    ),
}


# Cheap gates: a rule is tried only when one of these lower-case substrings is in the question, so a
# typical policy question touches few patterns. "<ref>" means a patient reference was found.
_NEEDS: dict[str, tuple[str, ...]] = {
    "lookup_patient_record": ("<ref>",),
    "ignore_instructions": ("ignore", "disregard", "forget", "override", "bypass"),
    "ignore_previous": ("ignore",),
    "imperative_disregard": ("ignore", "disregard", "forget", "override"),
    "role_play": ("pretend", " now", "act as", "role", "jailbr", "developer", "anything"),
    "system_prompt": ("system", "new instructions", "new rules", "new task", "<|", "<sys", "<<sys", "[inst",
                      "[/inst", "[sys", "[/sys"),
    "reveal_instructions": ("instructions", "prompt", "rules", "configuration", "guidelines"),
    "creative_writing": ("poem", "joke", "song", "limerick", "haiku", "rap", "sonnet", "tale", "riddle",
                         "lyric", "screenplay", "novel", "stor", "poetry", "verse"),
    "write_code": ("python", "javascript", "typescript", "java", "sql", "bash", "powershell", "html", "css",
                   "c++", "vba", "excel", "some code"),
    "dose_amount": ("mg", "mcg", "µg", "ug", "microgram", "milligram", "ml", "millilit", "iu", "unit"),
    "how_many_units": ("how many",),
    "dose_question": ("dos",),
    "dose_of_drug": ("dos",),
    "named_dose": ("dos",),
    "how_much_drug": ("how much",),
    "should_prescribe": ("should", "shall", "can", "do ", "would", "must", " on"),
    "what_to_prescribe": ("what", "which", "is it"),
    "differential_diagnosis": ("differential", "ddx"),
    "which_antibiotic": ("antibiotic",),
    "how_often_take": ("how often", "how long"),
    "how_to_diagnose": ("diagnose", "rule out"),
    "how_to_treat_condition": ("treat", "manage", "line"),
    "patient_with_symptom": ("<ref>",),
    "patient_hard_decision": ("<ref>",),
    "patient_soft_decision": ("<ref>",),
    "case_vignette": ("old",),
    "should_i_admit": ("should",),
    "should_i_act_on_them": ("should", "shall", "can", "do "),
    "what_diagnosis": ("diagnos", "differential", "ddx"),
    "pronoun_with_symptom": ("he ",),
    "wrong_with_them": ("wrong", "treat", "manage", "handle"),
}
# Every `_REFERENT` alternative contains one of these or a digit; most questions contain none.
_REFERENT_WORDS = ("patient", "pt", "client", "service user", "man", "male", "lady", "gent", "guy", "chap",
                   "boy", "girl", "child", "baby", "infant", "toddler", "teenager", "mum", "mother", "dad",
                   "father", "old", "yo", "y/o", "yr", "[", "mr", "ms", "mx", "miss")


class _Context:
    """Per-question facts computed at most once, and only when a rule needs them."""

    def __init__(self, text: str):
        self.text = text
        lower = text.lower()
        # Spans found in the lower-cased text are used on the original, so the length must not change
        # (a few characters, such as "İ", lower-case to two).
        self.lower = lower if len(lower) == len(text) else "".join(
            c.lower() if len(c.lower()) == 1 else c for c in text)
        self._vetoed: bool | None = None
        self._has_ref: bool | None = None

    @property
    def vetoed(self) -> bool:
        if self._vetoed is None:
            self._vetoed = _POLICY_VETO.search(self.lower) is not None
        return self._vetoed

    @property
    def has_ref(self) -> bool:
        if self._has_ref is None:
            maybe = any(w in self.lower for w in _REFERENT_WORDS) or any(c.isdigit() for c in self.text)
            self._has_ref = maybe and (_REFERENT_RE.search(self.lower) is not None
                                       or _REFERENT_CASED.search(self.text) is not None)
        return self._has_ref

    def gate_open(self, needs: tuple[str, ...]) -> bool:
        if needs == ("<ref>",):
            return self.has_ref
        return any(n in self.lower for n in needs)


def _first_match(rules: list[tuple[str, re.Pattern | _Near, bool]], ctx: _Context) -> str | None:
    for name, pattern, soft in rules:
        # The veto is dearer than most patterns, so it is only consulted once a soft rule has matched.
        if not ctx.gate_open(_NEEDS[name]):
            continue
        hit = pattern.search_ctx(ctx) if isinstance(pattern, _Near) else pattern.search(ctx.lower)
        if hit and not (soft and ctx.vetoed):
            return name
    return None


def classify_scope(text: str) -> ScopeVerdict | None:
    """A verdict when the question is one hibot must decline whatever retrieval finds, else None.

    Works on raw or redacted text; placeholders such as `[NHS number]` count as a patient reference."""
    if not text or not text.strip():
        return None
    ctx = _Context(text)
    for category, rules in (("injection", _INJECTION_RULES), ("clinical", _CLINICAL_RULES),
                            ("individual_patient", _INDIVIDUAL_RULES)):
        rule = _first_match(rules, ctx)
        if rule:
            return ScopeVerdict(reason="out_of_scope", category=category, message=_MESSAGES[category],
                                rule=rule)
    return None


# ---------------------------------------------------------------------------------------------
# guard: redact, strip the now-empty cue phrases, judge what is left, classify scope

_PLACEHOLDER_RE = "|".join(re.escape(p) for p in PLACEHOLDERS.values())
_ID_CUE = (
    r"(?:(?:(?:the|my|his|her|their|patient'?s?|pt'?s?)\s+)?"
    r"(?:nhs\s*(?:number|no\.?|num|#)|nhs|chi(?:\s+number)?|hospital\s+(?:number|no\.?)|mrn|number|no\.?"
    r"|post\s*code|postal\s+code|(?:home\s+)?address|lives?\s+(?:at|in)|living\s+(?:at|in)|resident\s+(?:at|in)"
    r"|from|at|in|d\.?\s?o\.?\s?b\.?|date\s+of\s+birth|birth\s*date|born(?:\s+on)?"
    r"|e-?mail(?:\s+address)?|contact(?:\s+(?:number|details|no\.?))?|(?:tele)?phone(?:\s+(?:number|no\.?))?"
    r"|tel\.?(?:\s+(?:no\.?|number))?|mobile(?:\s+(?:number|no\.?))?|mob\.?|name|called|named))"
)
_PLACEHOLDER = re.compile(_PLACEHOLDER_RE)
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
_FILLER = frozenset({
    "a", "an", "the", "and", "or", "of", "for", "to", "in", "at", "on", "by", "with", "from", "re",
    "regarding", "about", "is", "was", "are", "be", "been", "this", "that", "these", "those", "patient",
    "patients", "pt", "pts", "client", "mr", "mrs", "ms", "miss", "mx", "dr", "his", "her", "him", "he",
    "she", "they", "them", "their", "my", "me", "i", "our", "we", "you", "your", "it", "its", "nhs",
    "number", "no", "num", "postcode", "post", "code", "address", "dob", "birth", "date", "born", "name",
    "called", "named", "email", "e", "mail", "phone", "tel", "mobile", "contact", "details", "detail",
    "info", "information", "please", "pls", "thanks", "thank", "hi", "hello", "dear", "urgent", "check",
    "see", "advise", "help", "note", "ref", "lives", "living", "resident", "aged", "age", "years", "year",
    "old", "yo", "male", "female", "man", "woman", "m", "f", "what", "who", "how", "why", "when", "where",
    "which", "can", "could", "would", "should", "do", "does", "did", "any", "some", "also", "ok", "okay",
    "yes", "here", "there", "as", "per"
})


def _strip_identifiers(redacted: str) -> str:
    parts, last = [], 0
    for m in _PLACEHOLDER.finditer(redacted):
        window_start = max(last, m.start() - _CUE_WINDOW)
        cue = _CUE_BEFORE.search(redacted, window_start, m.start())
        parts += [redacted[last:cue.start() if cue else m.start()], " "]
        last = m.end()
    parts.append(redacted[last:])
    return "".join(parts)


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


def _tidy(s: str) -> str:
    s = _EMPTY_BRACKETS.sub(" ", s)
    s = _PUNCT_RUNS.sub(r"\1", s)
    s = _SPACE_BEFORE_PUNCT.sub(r"\1", s)
    s = _SPACES.sub(" ", s)
    return _EDGE.sub("", s).strip()


def _meaningful(text: str) -> bool:
    return any(w.lower().strip("'’") not in _FILLER for w in _WORD.findall(text) if len(w) > 1)


def guard(text: str) -> Guarded:
    red = redact(text or "")
    if red.had_pii:
        policy = _policy_text(red.text)
        pii_only = not _meaningful(policy)
    else:
        policy = _SPACES.sub(" ", red.text).strip()
        pii_only = False
    return Guarded(redacted=red.text, had_pii=red.had_pii, pii_kinds=list(red.findings), policy_text=policy,
                   pii_only=pii_only, scope=classify_scope(red.text))
