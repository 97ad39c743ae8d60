"""Answer units — the sentences and list items of retrieved passages — and how well each answers a
question: shared words (rarer words weigh more), meaning, the passage's rank, and what the question asks
for (a definition, a figure, a date, an address). Composition (`compose`) picks and orders them."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from bot.engine import text as T
from bot.engine.tuning import Tuning

LIST_INTENT = re.compile(
    r"\b(what are|list|which|five|5|four|three|six|seven|areas?|domains?|steps|actions|ways|principles|"
    r"priorit(?:y|ies)|criteria|objectives|recommendations|themes|groups|questions)\b",
    re.I,
)
DEFINITION_Q = re.compile(
    r"^\s*(?:what(?:'s| is| are| does)|define|meaning of|explain|what is meant by)\s+"
    r"(?:the\s+|an?\s+)?(.+?)[?.!]*\s*$"
    r"|\bdefin(?:e|es|ition of)\s+(?:the\s+)?(.+?)[?.!]*\s*$",
    re.I,
)
ASKING_TO_DEFINE = frozenset(T.tokenize("define defines defined definition meaning explain describe"))
DEFINES = re.compile(r"\b(is|are|means|refers to|describes|was set up|aims to)\b")
# Opens by pointing back at a sentence the reader has not seen ("This means…", "These include…").
# "It is expected that…", "It is important to…" point at nothing: "it" stands for what follows.
DANGLING = re.compile(
    r"^(?:this|these|that|those|it(?!\s+(?:is|was|will be|would be|has been|may be|can be)\s+"
    r"(?:[\w-]+\s+){0,3}?(?:that|to)\b)|its|they|their|such|both|here|there)\b(?!\s+(?:guide|letter|"
    r"document|strategy|report|guidance|map|paper|section)\b)",
    re.I,
)
# Opens by carrying on from a sentence the reader has not seen: fine inside an answer, poor as its start.
CONNECTIVE = re.compile(
    r"^(?:lastly|finally|also|however|furthermore|additionally|in addition|similarly|therefore|"
    r"thus|moreover|instead|meanwhile|likewise|again|but|and|or|so)\b",
    re.I,
)
# Document furniture: contact lines, approvals, advisory groups, copyright, addresses, sign-offs.
FURNITURE = re.compile(
    r"\b(?:approved by|contact us|e-?mail(?:ed)? (?:us|to)|tel(?:ephone)?[:.]|registered charity|company no|"
    r"all rights reserved|copyright|©|isbn|printed (?:in|by)|advisory group|steering group|"
    r"acknowledg(?:e|ement)s?|yours (?:sincerely|faithfully)|this report was (?:written|prepared|produced)|"
    r"we would like to thank|for more information|find out more)\b",
    re.I,
)


# A question after a figure ("how many trusts…", "what % of…", "roughly how much…"), and a figure. Wider
# than decide.FIGURE_Q, which must be sure a question wants statistics before declining it: here a
# figure only moves up a sentence that already answers.
ASKS_FOR_FIGURE = re.compile(
    r"\bhow (?:many|much)\b|\bwhat (?:%|percent(?:age)?|proportion|share|number|fraction)\b|"
    r"\b(?:ballpark|roughly|approximately)\b",
    re.I,
)
# A question after a date or a span ("when was…", "what was the deadline…", "which period…", "how long…"),
# and a date or span: "by the end of June 2024", "spanning 23 April 2023 until …", "a 1-year programme".
ASKS_FOR_DATE = re.compile(
    r"^\W*when\b|\b(?:until|till|since|from) when\b|"
    r"\b(?:deadline|by when|(?:what|which) dates?|what year|which year|dated|timescales?|"
    r"time ?frame|(?:what|which) period|how long|duration|lasts|run (?:for|until|to))\b",
    re.I,
)
MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
DATE = re.compile(
    rf"\b{MONTH}\s+(?:19|20)\d\d\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+{MONTH}\b"
    r"|\b(?:by (?:the end of )?|from |until |since )(?:19|20)\d\d\b"
    # how long: "a 1-year programme", "over the past eighteen months" (not an age: "under 75 years")
    r"|\b(?:\d+-|(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|eighteen|twenty)[- ])"
    r"(?:years?|months?|weeks?)\b"
)
# A sentence about the document rather than its subject ("This section outlines how…").
SELF_DESCRIPTION = re.compile(
    r"^(?:in\s+)?(?:this|the following|the next)\s+(?:section|chapter|part|appendix)\b", re.I
)
# Directions round the document ("The frequently asked questions section provides more detail on areas not
# covered here."): they answer nothing, so an answer never quotes them.
NAVIGATION = re.compile(
    r"^(?:(?:this|the following|the next)\s+|the\s+(?:[\w-]+\s+){0,3}?)(?:section|chapter|appendix)\s+"
    r"(?:outlines|provides|sets out|describes|contains|includes|gives|covers|lists|summarises)\b",
    re.I,
)
QUANTITY = re.compile(r"\d\s*%|\bper ?cent\b|£\s*\d|\b\d+\s+in\s+\d+\b|\b\d{2,}\b(?<!\b(?:19|20)\d\d)", re.I)


@dataclass(eq=False)
class Unit:
    text: str  # verbatim span of the passage text (whitespace-normalised, markup removed)
    chunk_index: int  # position of the passage among the answer's passages
    position: int  # order within the passage
    is_list_item: bool
    tokens: frozenset = frozenset()
    heading: frozenset = frozenset()  # the words of its section's own heading ("HM Treasury")
    similarity: float | None = None  # cosine of the question to this unit, when the index stores unit vectors
    score: float = 0.0
    overlap: float = 0.0  # the share of the question's weighted words it holds (its heading's included)
    defines: bool = False  # opens with what a "what is X?" question asks about, then "is/are/means…"
    label: str = ""  # in a summary, the heading of the part the line stands for, said before it

    @property
    def words(self) -> int:
        return len(self.text.split())


def score_units(
    units: list[Unit],
    query_tokens: list[str],
    idf: dict[str, float],
    question: str,
    tuning: Tuning,
    own: set[str] | None = None,
    names: frozenset[str] = frozenset(),
    topics: frozenset[int] | set[int] = frozenset(),
) -> None:
    """Score each sentence for how well it answers. `own`: the question's own terms, when
    `query_tokens` also holds the previous turn's (a follow-up's own words decide which sentence
    answers it: "and the Treasury?" after a question about the DHSC); `names`: the words naming the
    document asked about, which say where to look, not what the answer says; `topics`: the passages
    headed by what the question is about, ranked as the first."""
    m = DEFINITION_Q.search(question)
    subject = set(T.tokenize(m.group(1) or m.group(2))) if m else set()
    # In "how does the map define X?", "define" asks for a definition; it is not what to look for.
    q = set(query_tokens) - (ASKING_TO_DEFINE if m else set())
    q = (q - names) or q
    weight = {
        t: idf.get(t, 1.0) * (1.0 if own is None or t in own else tuning.unit_context_weight) for t in q
    }
    qweight = math.fsum(weight.values()) or 1.0  # fsum: order-free (see Vocabulary.share)
    for u in units:
        toks = u.tokens or frozenset(T.tokenize(u.text))
        overlap = math.fsum(weight[t] for t in q & toks) / qweight
        # a bullet under "HM Treasury" is about the Treasury though it never names it
        overlap += tuning.unit_heading_weight * math.fsum(weight[t] for t in (q & u.heading) - toks) / qweight
        # Passage rank matters most; among a passage's sentences, meaning and shared words decide.
        # Meaning catches the sentence that answers a paraphrase; shared words keep exact terms in front.
        u.overlap = overlap
        u.score = tuning.unit_overlap_weight * overlap
        if u.similarity is not None:
            u.score += tuning.unit_similarity_weight * u.similarity
        u.score += tuning.unit_passage_rank_weight / (1 + (0 if u.chunk_index in topics else u.chunk_index))
        u.score += tuning.first_sentence_bonus if u.position == 0 else 0.0
        if subject and subject <= toks and DEFINES.search(u.text):
            u.score += tuning.definition_bonus  # "what is X?" is best answered by what X is
            u.defines = defines(u.text, frozenset(subject))
        if gives_what_is_asked(u.text, question):
            u.score += tuning.figure_bonus  # "how many…?" is answered by a figure, "when…?" by a date
        if u.words < 6:
            u.score -= tuning.short_fragment_penalty
        if CONNECTIVE.match(u.text) or DANGLING.match(u.text) or SELF_DESCRIPTION.match(u.text):
            u.score -= tuning.connective_penalty
        if names_only(u.text) and not ASKS_FOR_RECIPIENT.search(question):
            u.score -= tuning.names_only_penalty
        if T.is_reference(u.text) or FURNITURE.search(u.text) or NAVIGATION.match(u.text):
            u.score = -1.0


_SMALL_WORDS = frozenset("of and the for in on to at with a an".split())


def names_only(text: str) -> bool:
    """A line of names and titles, no sentence: a letter's list of addressees ("Sir Gordon Duff/Dr Ian
    Hudson, Medicines & Healthcare Regulatory Agency …"). It answers who a letter went to, nothing else."""
    words = [w for w in re.findall(r"[A-Za-z][\w'’&-]*", text) if w.lower() not in _SMALL_WORDS]
    return len(words) >= 8 and sum(1 for w in words if w[0].isupper()) >= 0.9 * len(words)


def defines(text: str, subject: frozenset[str]) -> bool:
    """The line says what `subject` is: "Health inequalities are unfair and avoidable differences…"."""
    head = DEFINES.split(text, maxsplit=1)[0]
    short = len(head.split()) <= len(subject) + 4
    return len(head) < len(text) and short and subject <= frozenset(T.tokenize(head))


def gives_what_is_asked(text: str, question: str) -> bool:
    """A figure for a question after a figure, a date for a question after a date, an email address for
    "what's the email to send feedback…?", a person for "which leader said…?" or "who came up with…?",
    the addressees for "who was the letter addressed to?", and the line saying whom something is for
    for "is it only for…?" ("This framework is applicable to mental health trusts only.")."""
    return bool(
        (ASKS_FOR_FIGURE.search(question) and QUANTITY.search(text))
        or (ASKS_HOW_OFTEN.search(question) and HOW_OFTEN.search(text))
        or (ASKS_DUTIES.search(question) and PROMISES_DUTIES.search(text))
        or (ASKS_FOR_DATE.search(question) and DATE.search(text))
        or (ASKS_FOR_ADDRESS.search(question) and EMAIL.search(text))
        or ((ASKS_FOR_PERSON.search(question) or ASKS_WHO_MADE.search(question)) and PERSON.search(text))
        or (ASKS_FOR_RECIPIENT.search(question) and names_only(text))
        or (ASKS_IF_ONLY.search(question) and APPLIES_TO.search(text))
    )


# "What are systems supposed to do?", "what must ICBs do?": the line promising what they should do ("Systems
# should:"), with its list.
ASKS_DUTIES = re.compile(
    r"\b(?:supposed|expected|required|meant|asked|told)\s+to\s+do\b"
    r"|\bwhat\s+(?:[\w'’-]+\s+){0,4}?(?:should|must|need\s+to|have\s+to|can)\s+(?:[\w'’-]+\s+){0,2}?do\b",
    re.I,
)
PROMISES_DUTIES = re.compile(
    r"\b(?:should|must|need to|are expected to|are required to|are asked to)\b[^.]*:$"
    r"|\bcan\b[^.]*\b(?:through|by|include|including):$"
)
# "How often should we redo the self-assessment?", "every year or what?": a frequency.
ASKS_HOW_OFTEN = re.compile(
    r"\bhow\s+(?:often|frequently|regularly)\b|\bevery\s+(?:year|yr|month|quarter)\b", re.I
)
HOW_OFTEN = re.compile(
    r"\b(?:annually|every\s+(?:year|month|quarter|\w+\s+years)|each\s+year|monthly|quarterly|yearly|"
    r"at\s+(?:appropriate|regular)\s+intervals|on\s+an\s+annual\s+basis)\b",
    re.I,
)
ASKS_FOR_ADDRESS = re.compile(r"\b(?:e-?mail|contact|get in touch|send (?:feedback|comments))\b", re.I)
# "what's the email for feedback on the guide?": the line giving an address (not "in contact with…")
ASKS_FOR_EMAIL = re.compile(
    r"\b(?:e-?mail|get in touch|send (?:feedback|comments|suggestions)|contact (?:details|address))\b", re.I
)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
# "Which NHS England leader described…?", "who said…?": a person, named with a title or as the one who said it
ASKS_FOR_PERSON = re.compile(
    r"\bwhich\s+(?:[\w-]+\s+){0,3}?(?:leader|person|minister|official|chief executive|individual)\b"
    r"|\bwho\s+(?:said|described|wrote|signed|called|chairs|chaired|developed|argued|stated)\b",
    re.I,
)
PERSON = re.compile(
    r"\b(?:Dr|Professor|Prof|Sir|Lord|Dame|Baroness)\.?\s+[A-Z][a-z]+"
    r"|\b[A-Z][a-z]+\s+[A-Z][a-z]+(?:'s)?\s+(?:has\s+)?(?:said|says|described|wrote|called|argued|stated)\b"
    r"|\b(?:created|developed|designed|devised|written|drafted|authored)\s+by\s+[A-Z][a-z]+\s+[A-Z][a-z]+"
)
# "Who came up with / originally developed the tool?", "who wrote the guide?": who made it (its credits).
ASKS_WHO_MADE = re.compile(
    r"\bwho\s+(?:(?:actually|originally|first|initially|really)\s+)?(?:created|came up with|designed|devised|"
    r"drafted|authored|put together|developed|wrote|produced)\b"
    r"|\b(?:developed|created|designed|devised|written|drafted|authored|produced)\s+by\s+whom\b"
    r"|\bwho\s+(?:is|was|were|are)\s+(?:[\w-]+\s+){0,6}?(?:developed|created|designed|devised|written|drafted|"
    r"authored)\s+by\b",
    re.I,
)
MADE_BY = re.compile(
    r"\b(?:created|developed|designed|devised|written|drafted|authored|produced)\s+by\s+[A-Z][a-z]+\s+[A-Z][a-z]+"
)
# "Who was the letter addressed to?", "who did Hunt send it to?": the letter's line of addressees.
ASKS_FOR_RECIPIENT = re.compile(
    r"\b(?:addressed|copied)\s+to\b|\brecipients?\b|\baddressees?\b"
    r"|\b(?:who|whom|which)\b[^?.]*\b(?:sent|written|sending|send|went|go|goes)\s+to\W*(?:$|\?)"
    r"|^\W*(?:was|is|were|did)\b[^?.]*\b(?:sent|addressed|copied|go|went)\s+(?:just\s+|only\s+)?to\b",
    re.I,
)
# "Is PCREF just for mental health trusts?", "does it apply to acute trusts too?": whom it is for.
ASKS_IF_ONLY = re.compile(
    r"^\W*(?:is|are|was|were|does|do)\b[^?]*\b(?:just|only|solely|exclusively|apply|applies|applicable)\b",
    re.I,
)
APPLIES_TO = re.compile(r"\b(?:applicable|applies|apply)\s+(?:only\s+)?to\b|\bonly\s+(?:for|to)\b|\bonly\.$")


def key(text: str) -> str:
    """A sentence as compared for repeats: its words, lower-case, without punctuation."""
    return " ".join(T.words(text))
