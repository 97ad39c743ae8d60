"""Query planning: the question as each ranker needs it.

Both rankers need the same clean-up: chat spellings ("wot r"), the field's shorthand ("HI", "execs"),
acronyms and their expansions learned from the corpus at ingest ("ICB" <-> "integrated care board"),
and typos corrected against the corpus vocabulary (BM25 only matches words it has seen).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import cached_property

from bot.engine import text as T

CHAT_SPELLINGS = {
    "wot": "what",
    "wat": "what",
    "wht": "what",
    "r": "are",
    "u": "you",
    "ur": "your",
    "abt": "about",
    "pls": "please",
    "plz": "please",
    "govt": "government",
    "nhse": "NHS England",
    "b4": "before",
    "yrs": "years",
    "yr": "year",
    "mths": "months",
    "wks": "weeks",
    "2day": "today",
    "hw": "how",
    "y": "why",
    "shld": "should",
    "wrt": "with regard to",
    "dept": "department",
    "ppl": "people",
    "info": "information",
    "thx": "thanks",
    "im": "I am",
    "dont": "do not",
    "doesnt": "does not",
    "amb": "ambulance",
    "pts": "patients",
}
# Casual words that carry no topic ("the PLUS bit", "any stuff on…"): a question is not about
# something the corpus lacks because it uses them.
CHAT_FILLER = frozenset(
    "bit bits stuff thing things lot lots kinda sorta basically actually anyway ok okay".split()
)
# Chat shorthand of the field, matched case-sensitively ("HI" is health inequalities, "hi" a greeting).
DOMAIN_SHORTHAND = {
    "HI": "health inequalities",
    "HIs": "health inequalities",
    "exec": "executive",
    "execs": "executives",
    "NEDs": "non-executive directors",
    "NED": "non-executive director",
    "FT": "foundation trust",
    "FTs": "foundation trusts",
    "C20P5": "Core20PLUS5",
    "FAQ": "frequently asked questions",
    "FAQs": "frequently asked questions",
    "AHP": "allied health professional",
    "AHPs": "allied health professionals",
    "CYP": "children and young people",
    "CCIO": "chief clinical information officer",
    "CNIO": "chief nursing information officer",
    # bodies the guidance only ever names in full (not CCG or DHSC: it uses those as they stand)
    "DLUHC": "Department for Levelling Up, Housing and Communities",
    "HMT": "HM Treasury",
    "ALB": "arm's-length body",
    "ALBs": "arm's-length bodies",
}
# Who is asking, when they say so ("as a midwife", "junior doctor here"): the guidance addresses
# clinicians, leaders and boards in sections of their own, so the reader's word joins the search.
ROLES = (
    (
        re.compile(
            r"\b(?:clinicians?|doctors?|GPs?|nurses?|midwi(?:fe|ves)|consultants?|registrars?|physicians?|"
            r"AHPs?|pharmacists?|physios?|physiotherapists?|therapists?|paramedics?|health visitors?|"
            r"junior doctors?|resident doctors?|F[12]s?|medics?)\b",
            re.I,  # "Consultant here."
        ),
        "clinician",
    ),
    (
        re.compile(
            r"\b(?:(?:medical|clinical|divisional|care group|nursing) directors?|clinical leads?|"
            r"(?:service|divisional|department|HI|health inequalities) leads?|"
            r"heads? of (?:service|department)|(?:service |general |operational )?managers?)\b",
            re.I,
        ),
        "leader",
    ),
    (
        re.compile(
            r"\b(?:board members?|non-?executives?|NEDs?|trust chairs?|"
            r"(?<!medical )(?<!clinical )directors?)\b",
            re.I,
        ),
        "board",
    ),
)


def reader_role(question: str) -> str | None:
    """The role the reader says is theirs ("As a non-exec, …", "I'm a medical director.", "junior doctor
    here"): clinician, leader or board. A role named otherwise is what the question is about ("how many
    trusts have an HI lead?")."""
    named = readers_roles(question)
    return named[0][2] if named else None


def readers_roles(question: str) -> list[tuple[int, int, str]]:
    """Where the reader says what they are, in question order: (start, end, role)."""
    return sorted(
        (m.start(), m.end(), role)
        for pattern, role in ROLES
        for m in pattern.finditer(question)
        if SAYS_I_AM.search(question[: m.start()]) or HERE.match(question[m.end() :])
    )


# "As a …" opening the question or a clause (not "such as board members"), "I'm …", "I work as …".
SAYS_I_AM = re.compile(
    r"(?:(?:^|[.,;:!?–—-])\s*as|\bi'?m|\bi\s+am|\bi\s+work\s+as|\bspeaking\s+as)\s+"
    r"(?:an?|the|our|a\s+new|one\s+of\s+the)?\s*(?:[\w-]+\s+){0,3}?$",
    re.I,
)
HERE = re.compile(r"\s+here\b", re.I)


ACRONYM_DEF = re.compile(
    r"\b([A-Z][A-Za-z&'’\-]+(?:\s+(?:and|of|for|the|in|&)?\s*[A-Z][A-Za-z&'’\-]+){1,7})\s*\(([A-Z][A-Za-z0-9+]{1,11}s?)\)"
)


@dataclass
class QueryPlan:
    original: str
    text: str  # cleaned text for the dense encoder
    bm25_tokens: list[str] = field(default_factory=list)
    expansions: list[str] = field(default_factory=list)
    context: str = ""  # the earlier question a follow-up is read with ("" when none)


class Vocabulary:
    """What the corpus says, learned from its passages once per build."""

    def __init__(self, chunks: list[dict], documents: dict[str, dict] | None = None):
        self.chunks = chunks
        self.documents = documents or {}
        self._corrections: dict[tuple[str, int], str | None] = {}

    @cached_property
    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for c in self.chunks:
            for w in T.words(c["embed_text"]):
                counts[w] = counts.get(w, 0) + 1
        return counts

    @cached_property
    def text(self) -> str:
        """The corpus's words, lower-case, one space apart: to ask whether it ever says a phrase."""
        return " " + " ".join(" ".join(T.words(c["text"])) for c in self.chunks) + " "

    def says(self, phrase: str) -> bool:
        words = " ".join(T.words(phrase)).rstrip("s")  # "medical director(s)"
        return f" {words} " in self.text or f" {words}s " in self.text

    @cached_property
    def capitals(self) -> frozenset[str]:
        """Words the corpus writes in capitals ("ICB", "NHS"): "NICE" is a name, "nice" is not."""
        return frozenset(w for c in self.chunks for w in re.findall(r"\b[A-Z][A-Z0-9]{2,}\b", c["text"]))

    @cached_property
    def names(self) -> frozenset[str]:
        """Words of the documents' own names (titles, aliases, publishers): "Jeremy", "Providers"."""
        keys = ("title", "aliases", "publisher", "voice", "description")
        return frozenset(
            w
            for m in self.documents.values()
            for k in keys
            for w in T.words(" ".join(m[k]) if isinstance(m.get(k), list) else str(m.get(k) or ""))
        )

    @cached_property
    def chunk_tokens(self) -> list[set[str]]:
        return [set(T.tokenize(c["embed_text"])) for c in self.chunks]

    @cached_property
    def position(self) -> dict[str, int]:
        """Each passage's index by chunk id."""
        return {c["chunk_id"]: i for i, c in enumerate(self.chunks)}

    def share(self, query: set[str], tokens: set[str] | frozenset[str], unknown: float = 1.0) -> float:
        """The IDF-weighted share of the query's terms found in `tokens` (a term the corpus never
        uses weighs `unknown`)."""
        idf = self.idf
        # fsum: exact whatever the order, and sets iterate in a per-process order (hash seed), so a plain
        # sum could differ in its last bit between two processes and flip a tie.
        mass = math.fsum(idf.get(t, unknown) for t in query) or 1.0
        return math.fsum(idf.get(t, unknown) for t in query & tokens) / mass

    @cached_property
    def idf(self) -> dict[str, float]:
        df: dict[str, int] = {}
        for toks in self.chunk_tokens:
            for t in toks:
                df[t] = df.get(t, 0) + 1
        n = len(self.chunks) or 1
        return {t: math.log(1 + n / d) for t, d in df.items()}

    @cached_property
    def acronyms(self) -> dict[str, str]:
        """Acronym -> expansion, learned from "Long Form (ACR)" in the corpus itself."""
        found: dict[str, str] = {}
        for c in self.chunks:
            for long, short in ACRONYM_DEF.findall(c["text"]):
                key = short.rstrip("s").lower() if short.endswith("s") and len(short) > 2 else short.lower()
                initials = "".join(w[0] for w in re.findall(r"[A-Za-z]+", long) if w[0].isupper()).lower()
                # Keep only the words the initials actually cover ("... of the Integrated Care Board (ICB)").
                words = long.split()
                if initials and key[:1] == initials[:1] or key[:1] in initials:
                    start = next((i for i, w in enumerate(words) if w[:1].lower() == key[:1]), 0)
                    found.setdefault(key, " ".join(words[start:]))
        return found

    def correct(self, word: str, cutoff: int = 80) -> str | None:
        """The corpus word closest in spelling to `word` (a typo's correction), if close enough."""
        key = (word, cutoff)
        if key not in self._corrections:
            from rapidfuzz import fuzz, process

            best = process.extractOne(word, self.counts.keys(), scorer=fuzz.ratio, score_cutoff=cutoff)
            self._corrections[key] = best[0] if best else None
        return self._corrections[key]

    @cached_property
    def stems(self) -> frozenset[str]:
        """The corpus's words as `T.tokenize` gives them ("consulted" is "consult", as "consultation")."""
        return frozenset(T.tokenize(" ".join(self.counts)))

    def knows(self, word: str) -> bool:
        """A corpus word, a plural of one ("GPs", "ICBs"), or a close misspelling of one."""
        w = re.sub(r"['’]s?$", "", word.lower().strip("'’"))  # "RCP's" is the RCP
        if w in self.counts or w in self.names or w in T.STOPWORDS or len(w) < 3 or w in CHAT_SPELLINGS:
            return True
        if w.endswith("s") and w[:-1] in self.counts:
            return True
        return len(w) >= 5 and self.correct(w, cutoff=88) is not None


COUNT_WORDS = {"2": "two", "3": "three", "4": "four", "5": "five", "6": "six", "7": "seven", "8": "eight"}
COUNT = re.compile(r"\b([2-8])(?=\s+[A-Za-z]+s\b)")
GLUED_NUMBER = re.compile(r"([a-z]+)(\d+)")


def _joined(words: list[str], vocab: Vocabulary) -> list[str]:
    """Two words the corpus writes as one, as one ("ring fenced" is its "ringfenced"), and a word glued
    to a number, as two ("no10"): before any spelling correction, which would read "ring" as "bring"."""
    out: list[str] = []
    i = 0
    while i < len(words):
        glued = GLUED_NUMBER.fullmatch(words[i])
        if glued and words[i] not in vocab.counts and glued.group(1) in vocab.counts:
            out += [glued.group(1), glued.group(2)]  # "no10" is the corpus's "No 10"
            i += 1
            continue
        pair = words[i] + words[i + 1] if i + 1 < len(words) else ""
        if pair and words[i] not in vocab.counts and pair in vocab.counts and not pair.isdigit():
            out.append(pair)
            i += 2
        else:
            out.append(words[i])
            i += 1
    return out


def plan(vocab: Vocabulary, question: str, history: list[str] | None = None) -> QueryPlan:
    raw_words = re.findall(r"[A-Za-z0-9+']+|[^A-Za-z0-9+'\s]+", question)
    fixed = [DOMAIN_SHORTHAND.get(w) or CHAT_SPELLINGS.get(w.lower(), w) for w in raw_words]
    # "the 3 enablers" counts them as the guidance does ("three process-focused enablers"); a digit
    # there would find "Enabler 3" instead
    text = COUNT.sub(lambda m: COUNT_WORDS[m.group(1)], " ".join(fixed))
    # the role named first is the reader's ("as a clinical director, how can I get my consultants to…")
    named = sorted((m.start(), m.end(), role) for pattern, role in ROLES for m in [pattern.search(text)] if m)
    expansions: list[str] = [role for _, _, role in named[:1] if role not in text]
    if named and not vocab.says(text[named[0][0] : named[0][1]]):
        # a role the guidance never names ("clinical director", "director of performance") is read as
        # the one it addresses (a leader): its words would otherwise find whoever shares them ("Medical
        # directors should…")
        start, end, role = named[0]
        text = f"{text[:start]}{role}{text[end:]}"
        expansions = []
    corrected: list[str] = []
    for w in _joined(T.words(text), vocab):
        acronym = (
            w if w in vocab.acronyms else w[:-1] if w.endswith("s") and w[:-1] in vocab.acronyms else None
        )
        if acronym:
            expansions.append(vocab.acronyms[acronym])
        if w in vocab.counts or w in T.STOPWORDS or len(w) < 4 or w.isdigit():
            corrected.append(w)
            continue
        corrected.append(vocab.correct(w) or w)
    dense_text = " ".join(corrected) if corrected != T.words(text) else text
    # The last two turns: the previous question may itself be a follow-up ("what was the first one?").
    context = " ".join(history[-2:]) if history else ""
    bm25_text = " ".join(corrected + expansions + (T.words(context) if context else []))
    return QueryPlan(
        original=question,
        text=dense_text + (" " + " ".join(expansions) if expansions else ""),
        bm25_tokens=T.tokenize(bm25_text),
        expansions=expansions,
        context=context,
    )
