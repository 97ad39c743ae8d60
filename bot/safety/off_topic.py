"""Clearly off-topic requests: creative writing, code, sport results, recipes, the weather,
translation and general-knowledge trivia. Conservative on purpose: a question that touches health,
services or people ("how can sport reduce inequalities?", "how do we translate leaflets into Urdu?")
is left to retrieval, which abstains on its own when the guidance has nothing."""

from __future__ import annotations

from bot.safety.rules import Rule
from bot.safety.vocabulary import rx, words

_SPORTS = (
    r"(?:football|soccer|cricket|rugby|tennis|golf|basketball|baseball|formula\s+(?:one|1)|f1|snooker"
    r"|darts|boxing|premier\s+league|champions\s+league|world\s+cup|wimbledon|six\s+nations|the\s+ashes"
    r"|super\s+bowl|grand\s+national)"
)
_SPORT_ASK = (
    r"(?:who\s+(?:won|will\s+win|is\s+winning|scored)|scores?|results?|fixtures?|league\s+table|standings"
    r"|kick[\s-]?off|odds|tickets|transfer)"
)
_DISH = (
    r"(?:cake|bread|pasta|curry|soup|pizza|lasagne|chicken|beef|rice|eggs?|pancakes?|biscuits?|cookies?"
    r"|brownies?|omelette|stew|pie|roast|dinner|lunch|breakfast|meal|sauce|risotto|steak|salad|smoothie"
    r"|cocktail|scones?)"
)
_LANGUAGE = (
    r"(?:english|french|spanish|german|italian|portuguese|polish|romanian|urdu|punjabi|bengali"
    r"|gujarati|arabic|somali|chinese|mandarin|cantonese|hindi|turkish|russian|ukrainian|farsi|pashto)"
)

OFF_TOPIC_RULES: tuple[Rule, ...] = (
    Rule(
        "creative_writing",
        "out_of_scope",
        rx(
            r"\b(?:write|compose|tell|give|generate|create|draft|make\s+up|sing|invent)\s+(?:me\s+|us\s+)?"
            r"(?:a|an|some|another|one)\s+(?:\w+\s+){0,3}?(?:poems?|jokes?|songs?|limericks?|haikus?|raps?|sonnets?"
            r"|fairy\s*tales?|riddles?|lyrics|screenplay|novel)\b"
            r"|\b(?:write|compose|make\s+up|create|generate|invent)\s+(?:me\s+|us\s+)?(?:a|an|some|another|one)\s+"
            r"(?:(?!success\b|case\b|patient\b|real\b|true\b)\w+\s+){0,3}?(?:story|stories)\b"
            r"|\btell\s+(?:me|us)\s+a\s+(?:(?:short|funny|bedtime|little|fictional|scary|silly)\s+)?stor(?:y|ies)\b"
            r"|\b(?:write|compose)\s+(?:me\s+)?(?:poetry|verse|lyrics)\b"
        ),
        gate=words(
            "poem joke song limerick haiku rap sonnet tale riddle lyric screenplay novel stor poetry verse"
        ),
    ),
    Rule(
        "write_code",
        "out_of_scope",
        rx(
            r"\b(?:write|give|generate|create|code)\s+(?:me\s+|us\s+)?(?:a|an|some)\s+(?:\w+\s+)?"
            r"(?:python|javascript|typescript|java|sql|bash|powershell|html|css|c\+\+|vba|excel)\s+"
            r"(?:function|script|program|code|query|snippet|class|macro|formula)\b"
            r"|\b(?:write|give|generate)\s+(?:me\s+|us\s+)?some\s+code\b(?!\s+of)"
            r"|\b(?:function|script|program)\s+in\s+(?:python|javascript|typescript|java|sql|bash|powershell|vba)\b"
        ),
        gate=words("python javascript typescript java sql bash powershell html css c++ vba excel")
        + ("some code",),
    ),
    Rule(
        "sport_results",
        "out_of_scope",
        rx(
            rf"\b{_SPORTS}\b[^.?!\n]{{0,40}}?\b{_SPORT_ASK}\b|\b{_SPORT_ASK}\b[^.?!\n]{{0,40}}?\b{_SPORTS}\b"
            r"|\bwho\s+(?:won|will\s+win)\s+(?:the\s+)?(?:\w+\s+)?(?:match|game|final|cup|league|race|tournament"
            r"|championship|grand\s+prix)\b"
        ),
        gate=words("won win scor result fixture league standings kick odds ticket transfer"),
    ),
    Rule(
        "recipe",
        "out_of_scope",
        rx(
            rf"\brecipes?\s+(?:for|to\s+make)\s+(?:a\s+|an\s+|some\s+)?(?:\w+\s+)?{_DISH}\b"
            r"|\b(?:give|send|share|find|suggest)\s+(?:me\s+|us\s+)?(?:a|an|some|the)\s+(?:\w+\s+)?recipes?\b"
            rf"|\bhow\s+(?:do\s+(?:i|you)|can\s+(?:i|you)|to|should\s+i)\s+(?:cook|bake|roast|fry|grill|boil|make)\s+"
            rf"(?:a\s+|an\s+|some\s+|the\s+|my\s+)?(?:\w+\s+)?{_DISH}\b"
        ),
        gate=("recipe", "cook", "bake", "roast", "fry", "grill", "boil", "make"),
    ),
    Rule(
        "weather",
        "out_of_scope",
        rx(
            r"\bwhat(?:'s|\s+is)\s+the\s+weather\b|\bweather\s+(?:forecast|today|tomorrow|this\s+weekend|like\s+in)\b"
            r"|\bwill\s+it\s+(?:rain|snow)\b"
        ),
        gate=("weather", "rain", "snow"),
    ),
    Rule(
        "translate_text",
        "out_of_scope",
        rx(
            rf"^\W*(?:please\s+|can\s+you\s+|could\s+you\s+)?translate\b[^?\n]{{0,200}}?\b(?:into|to)\s+{_LANGUAGE}\b"
        ),
        gate=("translate",),
    ),
    Rule(
        # A member of staff's own employment and admin: pay, pension, tax, leave, overtime, protected time,
        # flexible working, HR policy, job and training applications, information-rights requests. The
        # guidance is about patients' inequalities.
        "staff_admin",
        "out_of_scope",
        rx(
            r"\bpay\s+(?:rises?|awards?|deals?|scales?|offers?|increases?|uplifts?|claims?|rates?)\b|\bpayslips?\b"
            # "the BMA rate card for covering shifts during strikes", "locum rates"
            r"|\brate\s+cards?\b|\b(?:strike|locum|overtime|shift)\s+(?:pay|rates?)\b"
            r"|\bpension\s+(?:scheme|contributions?|rates?|age|pot)\b|\btax\s+(?:return|code|relief)s?\b"
            r"|\b(?:annual|study|parental|maternity|sick)\s+leave\s+(?:entitlement|allowance|policy|request)s?\b"
            # asked for oneself: "can I claim study leave or extra pay…?", "can I get protected time…?"
            r"|\b(?:can|could|may|do|will|should|would)\s+i\s+(?:get|have|claim|take|request|be\s+paid)\b"
            r"[^?]{0,40}?\b(?:(?:study|annual|unpaid)\s+leave|extra\s+pay|overtime|protected\s+time|flexible\s+working"
            r"|time\s+off)\b"
            r"|\b(?:our|my)\s+(?:trust'?s\s+)?hr\s+polic(?:y|ies)\b"
            # "My manager won't give me study leave…", "…under my contract?"
            r"|\b(?:my|me|i)\b[^?.]{0,40}?\b(?:study|annual|unpaid|special|compassionate)\s+leave\b"
            r"|\bunder\s+my\s+(?:employment\s+)?contract\b"
            r"|\bapply\s+(?:for|to)\s+(?:[\w'’\-]+\s+){0,3}?(?:training\s+(?:posts?|programmes?|numbers?)|jobs?|posts?"
            r"|vacanc(?:y|ies)|specialty\s+training|foundation\s+(?:programme|training))\b"
            r"|\b(?:subject\s+access|freedom\s+of\s+information|foi)\s+requests?\b"
        ),
        gate=(
            "pay",
            "rate",
            "pension",
            "tax",
            "leave",
            "apply",
            "subject access",
            "freedom of",
            "foi",
            "overtime",
            "protected",
            "flexible",
            "hr ",
            "time off",
            "contract",
        ),
    ),
    Rule(
        "trivia",
        "out_of_scope",
        rx(
            r"\bwhat(?:'s|\s+is)\s+the\s+capital\s+(?:city\s+)?of\s+(?!the\b)\w+"
            r"|\bwhat(?:'s|\s+is)\s+\d+\s*(?:[+*×x/]|plus|minus|times|divided\s+by|multiplied\s+by)\s*\d+\s*\??$"
            r"|\b(?:horoscope|star\s+sign|lottery\s+numbers|bitcoin|share\s+price|stock\s+price)\b"
        ),
        gate=("capital", "what", "horoscope", "star", "lottery", "bitcoin", "price"),
    ),
)
