"""Word lists and pattern fragments shared by the scope rules: drugs, conditions, symptoms, people,
the population wording that vetoes soft rules, and what counts as a reference to one patient."""

from __future__ import annotations

import re


def rx(pattern: str) -> re.Pattern[str]:
    """Scope rules run case-sensitively on the lower-cased question: IGNORECASE made them 3-4x slower.
    So the pattern's own capitals (outside escapes such as \\W) are lower-cased here."""
    return re.compile(
        re.sub(r"\\.|[A-Z]", lambda m: m.group() if len(m.group()) == 2 else m.group().lower(), pattern)
    )


def words(entries: str) -> tuple[str, ...]:
    """A gate or word list written as one space-separated string, which stays a few readable lines."""
    return tuple(entries.split())


DOSE = r"(?:doses?|dosages?|dosing)"
DRUG = (
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
DISEASE = (
    r"(?:sepsis|pneumonia|asthma|copd|diabetes|dka|hypertension|heart\s+failure|atrial\s+fibrillation|af"
    r"|angina|stroke|tia|ckd|aki|uti|cellulitis|meningitis|depression|anxiety|psychosis|schizophrenia"
    r"|bipolar(?:\s+disorder)?|dementia|delirium|eczema|psoriasis|migraine|epilepsy|gout|anaemia"
    r"|hyperkalaemia|hypoglycaemia|dvt|pulmonary\s+embolism|pe|chest\s+pain|back\s+pain|headache"
    r"|otitis\s+media|tonsillitis|bronchiolitis|croup|gastroenteritis|anaphylaxis|an\s+overdose|overdose"
    r"|a\s+(?:heart\s+attack|stroke|fall|fracture|seizure|fit))"
)
SYMPTOM = (
    r"(?:(?:chest|abdominal|back|tummy|stomach)\s+pain|pain|fever|temperature|cough(?:ing)?|breathless\w*"
    r"|shortness\s+of\s+breath|short\s+of\s+breath|sob|rash|headaches?|bleed(?:s|ing)?|vomit\w*|diarrh\w*"
    r"|swelling|swollen|lumps?|collapsed?|collapsing|fell|a\s+fall|confus\w*|seizures?|fits|palpitations"
    r"|weight\s+loss|dizz\w*|faint\w*|wheez\w*|symptoms?|sepsis|jaundice|itch\w*|lesions?|ulcers?|nausea"
    r"|fatigue|low\s+mood|suicidal\w*|overdosed?|tight\s+chest|chest\s+tightness|raised\s+(?:bp|blood\s+pressure)"
    r"|(?:bp|blood\s+pressure|hba1c|sats|egfr|crp|potassium)\s+(?:of\s+|is\s+|was\s+)?\d+)"
)
PERSON = (
    r"(?:patient|pt|man|woman|male|female|lady|gentleman|guy|chap|boy|girl|child|baby|infant|toddler"
    r"|teenager|mum|mother|dad|father|gent)"
)

# Population and system wording: a soft rule that matched is vetoed when the question has any of it.
POLICY_VETO = rx(
    r"\b(?:inequalit\w*|disparit\w*|depriv\w*|core20\w*|plus\s+groups?|populations?|communit\w*|groups"
    r"|uptake|variation|ethnic\w*|equity|inequit\w*|underserved|inclusion\s+health|across|systems?"
    r"|services|guidance\s+say|policy|policies|board|trusts?|icbs?|icss?|pcns?)\b"
)

# A reference to one patient: "my patient", "this man", "a 67-year-old", "45 yo F", a placeholder
# left by redaction. Matched on the lower-cased question.
REFERENT = rx(
    rf"(?:\bmy\s+(?:patient|pt|client|service\s+user)\b|\b(?:this|that)\s+{PERSON}\b"
    rf"|\ba\s+patient\s+of\s+mine\b|\bI(?:\s+have|'ve\s+got|\s+saw|'m\s+seeing|\s+am\s+seeing|\s+have\s+seen"
    rf"|'ve\s+seen|\s+had)\s+a\s+(?:\w+\s+){{0,2}}?{PERSON}\b"
    rf"|\b(?:a|an|this|my|the|our)\s+\d{{1,3}}[- ]?(?:year|yr)s?[- ]old\b(?!s)"
    rf"|\b\d{{1,3}}\s?(?:yo|y/o|yrs?)\s+(?:m|f|male|female|man|woman)\b"
    rf"|^\W*(?:an?\s+)?(?:patient|pt)\s+(?:with|who|has|presenting|presents|c/o|complaining)\b"
    rf"|\[(?:NHS number|date of birth|name)\])"
)
# The parts of a patient reference that only capitals tell apart ("Mrs Jones" or "Mrs X" but not
# "MS patients", "45M with" but not "£10m with"); matched on the original text.
REFERENT_CASED = re.compile(
    r"\b(?:Mr|Mrs|Ms|Miss|Mx)\.?\s+[A-Z](?:[a-z]+|\b)|(?<![£$€])\b\d{1,3}\s?(?:yo\s+)?[MF]\s+"
    r"(?:with|c/o|presents|presenting|has|who)\b"
)
# Every referent alternative contains one of these or a digit; most questions contain none.
REFERENT_WORDS = words(
    "patient pt client man male lady gent guy chap boy girl child baby infant toddler teenager mum "
    "mother dad father old yo y/o yr [ mr ms mx miss"
) + ("service user",)
# One person as the subject or object of a decision: a singular pronoun, "this/that (older) man",
# "my patient", or a placeholder left by redaction. Not "this patient group", which is many people.
_NOT_A_GROUP = (
    r"\b(?!\s+(?:group|population|cohort|list|pathway|record|data|safety|experience|voice|flow)s?\b)"
)
_ONE_PERSON = (
    rf"(?:this|that)\s+(?:(?!the\b|a\b|an\b|is\b|was\b)\w+\s+)?{PERSON}{_NOT_A_GROUP}|my\s+(?:patient|pt|client){_NOT_A_GROUP}"
    r"|\[(?:NHS number|name)\]"
)
ONE_PERSON_SUBJECT = rf"(?:he|she|{_ONE_PERSON})"
ONE_PERSON_OBJECT = rf"(?:him|her|{_ONE_PERSON})"
