"""Small talk and meta-questions: a greeting, a request for help, thanks, a message not in English.

These are not questions about the guidance, so they never reach retrieval and never carry
citations; every surface (terminal, Slack, Teams) gets the same reply because the engine gives it.
A greeting or thanks that comes with a real question ("hi, what is Core20PLUS5?") is a question.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

_FILLER = r"(?:hibot|bot|there|all|everyone|team|again|so much|very much|a lot|lots|loads|mate|folks)"
GREETING = re.compile(
    rf"^(?:hi+|hiya|hello+|hey+|howdy|yo|greetings|good\s+(?:morning|afternoon|evening|day)|morning|afternoon"
    rf"|evening)(?:\s+{_FILLER})*$"
)
THANKS = re.compile(
    rf"^(?:(?:ok(?:ay)?|great|perfect|brilliant|lovely|excellent|super|cool|nice|awesome|fab|good|fantastic)\s*)*"
    rf"(?:thanks?|thank\s+you|thankyou|thx|ty|ta|cheers|much\s+appreciated|appreciated)(?:\s+{_FILLER})*"
    rf"(?:(?:\s+(?:that'?s|that\s+is|this\s+is|it'?s|very|really|so|most|super))*\s+"
    rf"(?:great|helpful|useful|perfect|brilliant|handy|clear|fab|good|lovely|what\s+i\s+needed))*$"
    rf"|^(?:that'?s|that\s+is|this\s+is|very|really)\s+(?:very\s+|really\s+|so\s+)?(?:helpful|useful|great|"
    rf"perfect|brilliant)(?:\s+thanks?)?$|^(?:ok(?:ay)?|got\s+it|great|perfect|brilliant|lovely|👍|🙏|cool)$"
)
HELP = re.compile(
    r"^(?:help|\?|menu|commands|usage|start|get\s+started)$"
    r"|^(?:what|how)\s+(?:can|do|should|could)\s+(?:you|i|we)\s+(?:do|help(?:\s+(?:me|with))?|use\s+(?:you|this|"
    r"hibot|the\s+bot)|ask(?:\s+you)?)(?:\s+(?:for\s+me|here|with\s+this))?$"
    r"|^(?:who|what)\s+are\s+you$|^how\s+does\s+(?:this|hibot|it)\s+work$|^what\s+is\s+hibot$"
    r"|^what\s+(?:do\s+you\s+(?:cover|know(?:\s+about)?)|questions\s+can\s+i\s+ask|can\s+i\s+ask(?:\s+you)?)$"
    r"|^how\s+do\s+i\s+use\s+(?:this|you|hibot|the\s+bot)$|^help\s+me$|^can\s+you\s+help(?:\s+me)?$"
    r"|^(?:which|what)\s+(?:documents|sources|guidance|docs)\s+(?:do\s+you\s+(?:know(?:\s+about)?|use|cover|have"
    r"|answer\s+from)|are\s+you\s+(?:using|based\s+on))$|^what\s+do\s+you\s+answer\s+from$"
)
# Function words of the languages clinicians in England most often write in besides English. A
# message mostly in words the corpus never uses, with one of these, is read as not English.
FOREIGN_WORDS = frozenset(
    """
beth yw ydy sut mae yn ar gyfer iechyd pam pwy ble gan gyda oes
quel quelle quels quelles est les des pour comment que qu'est ce sont une dans avec sur santé
qué cuál cuáles es los las para cómo por el la del una salud son está
jak czy co jest dla jakie się nie na zdrowia są który która
was ist die der das und wie für warum welche gesundheit
che cosa è per come sono della salute
o que é para como saúde são uma
""".split()
)
_SCRIPT_LETTER = re.compile(r"[^\W\d_]")


def classify(message: str, knows: Callable[[str], bool]) -> str | None:
    """greeting | help | thanks | non_english, or None for a question. `knows(word)` says whether a
    word is the corpus's (or English function words / typos of corpus words)."""
    text = _plain(message)
    if not text:
        return None
    if HELP.match(text):
        return "help"
    if GREETING.match(text):
        return "greeting"
    if THANKS.match(text):
        return "thanks"
    if _not_english(message, text, knows):
        return "non_english"
    return None


def strip_greeting(message: str) -> str:
    """The question after a leading greeting ("hi hibot, what is X?" -> "what is X?")."""
    m = re.match(
        rf"^\s*(?:hi+|hiya|hello+|hey+|good\s+(?:morning|afternoon|evening))(?:\s+{_FILLER})*\s*[,!.:;\-–—]*\s+",
        message,
        re.I,
    )
    rest = message[m.end() :] if m else message
    rest = SLASHED.sub(lambda w: SLASHED_WORDS[w.group(0).lower()], rest)  # "came up w/ the objectives"
    return rest if rest.strip() else message


# Chat shorthand written with a slash, which word patterns cannot see as a word
SLASHED_WORDS = {"w/": "with", "w/o": "without"}
SLASHED = re.compile(r"(?<![\w/])w/o?(?![\w/])", re.I)


def _plain(message: str) -> str:
    text = re.sub(r"<@[A-Z0-9]+>|@hibot\b", " ", message, flags=re.I)  # a mention of the bot itself
    text = re.sub(r"[!?.,;:…~*_\"()\[\]-]+", " ", text.lower().replace("’", "'"))
    text = "".join(c for c in text if not unicodedata.category(c).startswith("S") or c in "👍🙏")
    return re.sub(r"\s+", " ", text).strip()


def _not_english(message: str, text: str, knows: Callable[[str], bool]) -> bool:
    letters = _SCRIPT_LETTER.findall(message)
    if letters and sum(1 for c in letters if ord(c) > 0x24F) / len(letters) > 0.5:
        return True  # mostly letters beyond Latin (Urdu, Arabic, Bengali, Chinese, ...)
    words = [w.strip("'") for w in re.findall(r"[^\W\d_][\w']*", text) if not any(ch.isdigit() for ch in w)]
    if len(words) < 2:
        return False
    foreign = sum(1 for w in words if w in FOREIGN_WORDS)
    unknown = sum(1 for w in words if not knows(w))
    return foreign >= 1 and (unknown + foreign) / len(words) >= 0.6 and unknown >= 1
