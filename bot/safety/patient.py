"""Decisions about one patient: their diagnosis, care, eligibility or referral. These fire whether or
not the message carries identifiers ("is she eligible for the hypertension pathway?", "should I refer
him?", "can this lady be fast-tracked?"); questions about groups ("patients who miss appointments",
"how should we support homeless patients?") name no one person and pass."""

from __future__ import annotations

from bot.safety.rules import REF, Near, Rule
from bot.safety.vocabulary import ONE_PERSON_OBJECT, ONE_PERSON_SUBJECT, PERSON, SYMPTOM, rx

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
    rf"\b(?:a|an|this|my)\s+\d{{1,3}}[- ]?(?:year|yr)s?[- ]old\s+(?:\w+\s+)?{PERSON}\s+"
    r"(?:with|who|has|presents|presenting|presented|complaining|c/o|came|comes|attended|on)\b"
)
# Many people as the object: "should we discharge patients who miss appointments?" is policy.
_NOT_MANY = (
    r"(?!\s+(?:\w+\s+)?(?:patients|people|pts|individuals|those|them|anyone|everyone|all|any"
    r"|children|adults|families|groups|users|residents|clients|men|women)\b)"
)
# Being found eligible or acted on, said of one person: "is she eligible", "can this lady be fast-tracked".
_ELIGIBLE = (
    r"(?:(?:in)?eligible|entitled|qualif(?:y|ies|ied)|suitable|a\s+(?:suitable\s+|good\s+)?candidate"
    r"|meets?\s+the\s+criteria|count\s+as|exempt)"
)
_ACTED_ON = (
    r"(?:referr?ed|discharged|admitted|fast[\s-]?tracked|prioriti[sz]ed|offered|seen|removed|deregistered"
    r"|de-registered|struck\s+off|registered|exempted|included|excluded|enrolled|added|invited|expedited"
    r"|escalated|signposted|treated|followed\s+up|kept\s+on|taken\s+off|put\s+on|accepted|turned\s+away"
    r"|charged|screened|tested|scanned|booked)"
)
# Acting on one person: "should I refer him?", "I'm thinking of discharging her". Not after "how":
# "how do I register my patient with a GP?" asks about a process the guidance describes.
_DECIDE = (
    r"(?:refer\w{0,4}|discharg\w{0,3}|admit\w{0,4}|fast[\s-]?track\w{0,3}|prioriti[sz]\w{0,3}|de-?regist\w{0,4}"
    r"|remov\w{0,3}|strik\w{0,3}|tak\w{0,3}|exempt\w{0,3}|enrol\w{0,4}|signpost\w{0,3}|escalat\w{0,3}"
    r"|expedit\w{0,3}|offer\w{0,3}|invit\w{0,3}|regist\w{0,4}|accept\w{0,3}|exclud\w{0,3}|includ\w{0,3}"
    r"|see|seeing|follow\w{0,3}\s+up|book\w{0,3}|keep\w{0,3}|put\w{0,4}|send\w{0,3}|charg\w{0,3}|screen\w{0,3}"
    r"|mov\w{1,3}|bump\w{0,3})"
)
# What people put between a name and the verb: "Mrs X (NHS 943…)", "Mr Y, 67, lives alone,".
# A redacted name or number right after the person ("my patient [name] …") is an aside too.
_ASIDE = r"(?:\s*\([^)]{0,80}\)|\s*,[^,?]{0,80},|\s*\[[^\]]{1,30}\])?"
_DECISION_FRAME = (
    r"(?:should|shall|can|could|do|would|must|may|might|need\s+to|ought\s+to|whether\s+(?:to|I|we)"
    r"|is\s+it\s+(?:ok|okay|appropriate|reasonable|right|possible|fine|acceptable|safe)\s+to"
    r"|thinking\s+(?:of|about)|planning\s+to|going\s+to|want\s+to|allowed\s+to|have\s+to)"
)

PATIENT_RULES: tuple[Rule, ...] = (
    # "Look up the address for NHS number …": a records request about a named or numbered person.
    Rule(
        "lookup_patient_record",
        "individual_patient",
        Near(
            rx(
                r"\b(?:look\s*up|find|retrieve|pull\s+up|access|get|check|tell\s+me|give\s+me|summari[sz]e)\b"
                r"[^.?!\n]{0,60}?\b(?:address(?:es)?|gp\s+practice|records?|details|results|notes|letters?|history"
                r"|medications?|contact\s+details|phone\s+number)\b"
            ),
            after=120,
            before=120,
        ),
        gate=(REF,),
    ),
    # "Look up the IMD decile for my patient …": a lookup about one person, whatever is looked up.
    Rule(
        "lookup_for_one",
        "individual_patient",
        rx(
            r"\b(?:look\s*up|find|retrieve|pull\s+up|check|get|work\s+out)\s+(?:\w+\s+){0,4}?(?:for|of|on)\s+"
            r"(?:my\s+|this\s+|the\s+|a\s+|our\s+)?(?:patient|pt|client|service\s+user|\[name\]|\[nhs\s+number\])"
            r"(?!s)\b"
        ),
        gate=("patient", "pt ", "client", "service user", "["),
    ),
    # "the names and addresses of everyone in…": a request for people's personal data.
    Rule(
        "personal_data_of_people",
        "individual_patient",
        rx(
            r"\b(?:names?|addresses|phone\s+numbers|contact\s+details|nhs\s+numbers|dates?\s+of\s+birth)"
            r"(?:\s+and\s+\w+(?:\s+\w+)?)?\s+of\s+(?:everyone|all|every|each|our|my|the\s+patients|patients)\b"
        ),
        gate=("name", "address", "phone", "contact", "nhs number", "birth"),
    ),
    Rule(
        "patient_with_symptom",
        "individual_patient",
        Near(rx(rf"\b{SYMPTOM}\b"), after=120, before=80),
        gate=(REF,),
    ),
    Rule(
        "patient_hard_decision",
        "individual_patient",
        Near(rx(rf"\b{_HARD_DECISION}\b"), after=120, before=80),
        gate=(REF,),
    ),
    Rule(
        "patient_soft_decision",
        "individual_patient",
        Near(rx(rf"\b{_SOFT_DECISION}\b"), after=120, before=1),
        gate=(REF,),
        soft=True,
    ),
    Rule("case_vignette", "individual_patient", rx(_VIGNETTE), gate=("old",), soft=True),
    Rule(
        "should_i_admit",
        "individual_patient",
        rx(
            r"\bshould\s+(?:I|we)\s+(?:admit|discharge|intubate|resuscitate|sedate|section|cannulate|catheteri[sz]e"
            r"|transfuse)\b"
            rf"(?!\s+(?:that|to|it|we|I|our|this\s+(?:is|was)|the\s+fact|how|what|why|when))(?!\s+more\b){_NOT_MANY}"
        ),
        gate=("should",),
    ),
    Rule(
        "should_i_act_on_them",
        "individual_patient",
        rx(
            rf"\b(?:should|shall|can|do)\s+(?:I|we)\s+(?:refer|treat|investigate|test|scan|x-?ray|send|start|stop"
            rf"|escalate|review|see|prescribe|admit|discharge|examine|swab|reassure)\s+(?:him|her|this\s+{PERSON}"
            rf"|my\s+patient|the\s+patient|\[name\]|(?:mr|mrs|miss|mx)\.?\s+[a-z])"
        ),
        gate=("should", "shall", "can", "do "),
    ),
    Rule(
        "what_diagnosis",
        "individual_patient",
        rx(
            r"\bwhat(?:'s|\s+is|\s+are|\s+could\s+be)\s+(?:the\s+|his\s+|her\s+|their\s+|a\s+|my\s+)?(?:most\s+)?"
            r"(?:likely\s+|probable\s+|possible\s+)?(?:diagnosis|diagnoses|differentials?(?:\s+diagnos[ie]s)?|ddx)"
            r"\s*(?:here\b|for\s+(?:him|her|them|this|my|the\s+patient)\b|[?.!,;]|$)"
        ),
        gate=("diagnos", "differential", "ddx"),
    ),
    Rule(
        "pronoun_with_symptom",
        "individual_patient",
        rx(
            rf"\b(?:he|she)\s+(?:has|had|is\s+having|presents|presented|is\s+presenting|complains|is\s+complaining"
            rf"|came\s+in|developed|reports|is\s+reporting)\b(?:\s+(?:with|of))?[^.?!\n]{{0,40}}?\b{SYMPTOM}\b"
        ),
        gate=("he ",),
    ),
    Rule(
        "wrong_with_them",
        "individual_patient",
        rx(
            r"\bwhat(?:'s|\s+is)\s+wrong\s+with\s+(?:him|her|my\s+patient|this\s+patient)\b"
            r"|\bhow\s+(?:do|should|can|would)\s+I\s+(?:treat|manage|handle)\s+(?:him|her|this\s+patient"
            r"|my\s+patient)\b"
        ),
        gate=("wrong", "treat", "manage", "handle"),
    ),
    Rule(
        "one_person_eligible",
        "individual_patient",
        rx(
            r"\b(?:is|isn't|was|would|wouldn't|will|could|can|can't|does|doesn't|did|should|shouldn't|might|may"
            rf"|has|must)\s+{ONE_PERSON_SUBJECT}{_ASIDE}\s+(?:(?:still|now|also|really|actually|even|automatically|then"
            rf"|definitely|be|get|being|been)\s+){{0,2}}(?:{_ELIGIBLE}|{_ACTED_ON})\b"
        ),
        gate=("he ", "[", "this ", "that ", "my "),
    ),
    Rule(
        "decide_for_one",
        "individual_patient",
        rx(
            rf"(?<!how\s)\b{_DECISION_FRAME}\s+(?:I\s+|we\s+|you\s+)?(?:(?:still|just|now|also|really|actually|not|go\s+ahead"
            rf"\s+and)\s+)?{_DECIDE}\s+{ONE_PERSON_OBJECT}\b"
        ),
        gate=("him", "her", "[", "this ", "that ", "my "),
    ),
    Rule(
        "what_to_do_about_one",
        "individual_patient",
        rx(
            rf"\bwhat\s+(?:should|do|can|shall|would)\s+(?:I|we)\s+do\s+(?:about|with|for)\s+{ONE_PERSON_OBJECT}\b"
        ),
        gate=("what",),
    ),
)
