"""Answer or decline, and the words of each decline.

`no_evidence` is decided from the retrieved evidence (how close the best passage and sentence are,
how much of the question they cover, whether the question names things the corpus never mentions);
the text-only reasons (clinical advice, an individual patient, opinion, other nations, after the
corpus date, injection) come from the safety rules; the detail and statistics reasons from what the
found passages hold. Every message says what hibot can do instead. docs/declines.md lists them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.engine import text as T
from bot.engine.query import CHAT_FILLER, CHAT_SPELLINGS, DOMAIN_SHORTHAND, QueryPlan, Vocabulary
from bot.engine.retrieval import Hit
from bot.engine.tuning import Tuning


@dataclass(frozen=True)
class CorpusUnit:
    """One sentence of the corpus, with what the detail and figure checks look up in it, worked
    out once per index (every question would otherwise re-read a thousand sentences)."""

    chunk_id: str
    position: int
    text: str
    item: bool  # a list item
    tokens: frozenset[str] = frozenset()
    # (number, stem) for each number followed within four words by a word: "five clinical areas"
    # gives ("5", "clinic") and ("5", "area"). Years do not count.
    counts: frozenset[tuple[str, str]] = frozenset()
    quantity: bool = False  # holds a figure that counts or measures (20%, £200 million, 1 in 5)

    @classmethod
    def of(cls, chunk_id: str, position: int, text: str, item: bool) -> CorpusUnit:
        words = T.words(text)
        counts = {
            (_number(w), t)
            for i, w in enumerate(words)
            if (w.isdigit() and not YEAR.fullmatch(w)) or w in NUMBER_WORDS
            for t in T.tokenize(" ".join(words[i + 1 : i + 5]))
        }
        return cls(
            chunk_id,
            position,
            text,
            item,
            frozenset(T.tokenize(text)),
            frozenset(counts),
            bool(FIGURE.search(text)) and _has_quantity(text),
        )


@dataclass(frozen=True)
class Evidence:
    dense: float  # best passage cosine among the top three
    sentence: float  # best sentence cosine among the top three passages
    coverage: float  # best IDF-weighted share of the question's terms in a top-three passage
    unknown_share: float  # share of the question's content words the corpus never uses
    unknown_names: int  # capitalised words the corpus never uses ("Medicaid", "Texas")


def evidence(
    hits: list[Hit],
    p: QueryPlan,
    vocab: Vocabulary,
    question: str,
    had_pii: bool,
    depth: int = 3,
) -> Evidence:
    """How well the top passages carry the question. A sentence in which the reader says who they are
    ("I work at one of the arm's-length bodies Hunt wrote to.") is not part of what they ask: its words
    are left out of what the passages must cover."""
    top = hits[:depth]
    m = ABOUT_ME.match(question)
    asker = set(T.tokenize(m.group(0))) - set(T.tokenize(question[m.end() :])) if m else set()
    qs = (set(p.bm25_tokens) - asker) or set(p.bm25_tokens)
    cover = max((vocab.share(qs, vocab.chunk_tokens[vocab.position[h.chunk_id]]) for h in top), default=0.0)
    unknown, names = unknown_terms(question, vocab)
    content = [w for w in T.words(question) if w not in T.STOPWORDS and w not in CHAT_FILLER and len(w) >= 3]
    return Evidence(
        dense=max((h.dense for h in top), default=0.0),
        sentence=max((h.sentence for h in top), default=0.0),
        coverage=cover,
        unknown_share=len(unknown) / len(content) if content else 0.0,
        unknown_names=0 if had_pii else len(names),  # names beside identifiers are the patient's
    )


# A first sentence saying who is asking, before the question: "I'm the governance lead for an arm's-length
# body. Which of…?"
ABOUT_ME = re.compile(
    r"^\W*(?:I'm|I am|I work|I sit|I run|I lead|I chair|we're|we are|we work|we run|our\s+\w+\s+(?:is|are))\b"
    r"[^.?!]*[.!]+\s+(?=\S)",
    re.I,
)


def enough(e: Evidence, t: Tuning) -> bool:
    """Whether the evidence can carry an answer. A close passage or sentence carries it on meaning
    alone; weaker evidence must also cover the question's words."""
    if max(e.dense, e.sentence - t.sentence_offset) < t.min_dense:
        return False
    # A named thing the corpus never mentions means the question is about something else,
    # however close its other words are to the guidance.
    if e.unknown_names and e.dense < t.max_dense_with_unknown_names:
        return False
    if e.dense >= t.weak_dense or e.sentence >= t.min_sentence_when_weak:
        return True
    if e.unknown_share >= t.max_unknown_share:
        return False
    return e.coverage >= t.min_coverage_when_weak


def unknown_terms(question: str, vocab: Vocabulary) -> tuple[list[str], list[str]]:
    """Content words the corpus has never seen (nor a close spelling), and which of them look like names."""
    unknown, names = [], []
    for m in re.finditer(r"[A-Za-z][A-Za-z'’]+", question):
        word = m.group(0).rstrip("'’")  # "the 'PLUS' in…": a closing quote is not part of the word
        # (an acronym the documents go by, "the EHI strategy", is known though their text never uses it)
        acronym = (
            word.isupper()
            and len(word) >= 3
            and word not in vocab.capitals
            and word.lower() not in vocab.names
        )
        if word in DOMAIN_SHORTHAND or word.lower() in CHAT_FILLER or (vocab.knows(word) and not acronym):
            continue
        if word.lower() in CALENDAR:  # "the November 2014 letter": a date, not something unknown
            continue
        unknown.append(word.lower())
        sentence_start = m.start() == 0 or question[: m.start()].rstrip()[-1:] in {".", "?", "!", ":"}
        if acronym or (word[0].isupper() and not sentence_start):
            names.append(word.lower())
    return unknown, names


CALENDAR = frozenset(
    "january february march april may june july august september october november december "
    "monday tuesday wednesday thursday friday saturday sunday".split()
)


# --- what a question asks for that the passages may not hold -----------------------------------
NUMBER_WORDS = {
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "eleven": "11",
    "twelve": "12",
    "twenty": "20",
}
_NUM = r"(?:\d+(?:\.\d+)*|" + "|".join(NUMBER_WORDS) + r")"
# "the 11 outcomes", "eight urgent actions", "objective 7.2": a numbered detail of something named.
_LISTED = (
    r"(?:outcomes|domains|actions|objectives|targets|principles|priorities|steps|criteria|recommendations|"
    r"standards|indicators|ambitions|goals|measures|metrics|enablers|themes|commitments|pillars|duties|"
    r"systems|organisations|trusts|ICBs|groups|areas|programmes|frameworks|reports|examples|items|questions)"
)
COUNTED = re.compile(
    rf"(?<![\d£.])\b(?P<n>(?!(?:19|20)\d\d\b){_NUM})\s+(?P<what>(?:[a-z-]+\s+){{0,2}}?{_LISTED})\b"
    rf"|\b(?P<what2>objective|outcome|section|standard|domain|action|recommendation|indicator|"
    rf"criterion|goal|principle|priority)\s+(?P<n2>\d+\.\d+(?:\.\d+)*)\b",
    re.I,
)
# Asks for the items themselves: "what were the eight…", "list the 11…", "which three…".
ENUMERATE = re.compile(
    r"(?:\b(?:what|which)\s+(?:exactly\s+|precisely\s+|specifically\s+)?(?:are|were|is|was)\s+"
    r"(?:exactly\s+|precisely\s+)?(?:the\s+|its\s+|their\s+)?|\b(?:list|name|give|"
    r"tell\s+me|enumerate|set\s+out)\s+(?:me\s+)?(?:all\s+|each\s+of\s+)?(?:the\s+|its\s+)?|"
    r"\bwhich\s+)$",
    re.I,
)
# A question after a figure: "how many …", "what percentage of …", "the DNA rate in …".
FIGURE_Q = re.compile(
    r"^\W*(?:\w+\W+){0,4}?(?:how many|how much|what(?:'s| is| are| was| were)? (?:the )?"
    r"(?:percentage|proportion|"
    r"share|number|rate|ratio)s? of\b|what %"
    r"|what(?:'s| is| are| was| were) the [\w-]+(?: [\w-]+)? rates? (?:by|in|for|among))"
    r"|\b(?:statistics|figures) (?:on|for|about|by)\b",
    re.I,
)
FIGURE = re.compile(
    rf"\d|\b(?:{'|'.join(NUMBER_WORDS)}|hundred|thousand|million|billion|half|third|quarter|"
    rf"per ?cent|percentage|times)\b",
    re.I,
)


def _number(token: str) -> str:
    return NUMBER_WORDS.get(token.lower(), token)


def missing_detail(question: str, units: list[CorpusUnit]) -> CorpusUnit | bool:
    """Whether the question names a numbered detail the guidance does not give: "the 11 outcomes",
    "objective 7.2", "which three systems…". The guidance may mention it ("three systems put their
    whole allocation…") without listing it; then the mention is returned, to be cited. False when the
    guidance gives the detail (the number beside the thing, with its list after a colon or below)."""
    for m in COUNTED.finditer(question):
        number = _number(m.group("n") or m.group("n2") or "")
        thing = T.tokenize(m.group("what") or m.group("what2") or "")
        if not number or not thing or not (m.group("n2") or ENUMERATE.search(question[: m.start()])):
            continue
        mentions = [u for u in units if (number, thing[-1]) in u.counts]
        # Given anywhere with any of its words ("five priorities" for "five priority actions")?
        related = [u for u in units if any((number, t) in u.counts for t in thing)]
        # Never mentioned in these words: the guidance may still give it in others, so no verdict.
        if mentions and not any(_lists(u, number, units) for u in related):
            return mentions[0]
    return False


def _lists(u: CorpusUnit, number: str, units: list[CorpusUnit]) -> bool:
    """The mention gives its items: inline after a colon, or as list items that follow it."""
    n = int(float(number)) if number.replace(".", "", 1).isdigit() else 0
    after = u.text.split(":", 1)[1] if ":" in u.text else ""
    if after and after.count(",") + after.count(";") + 1 >= max(n - 1, 2):
        return True
    following = [x for x in units if x.chunk_id == u.chunk_id and x.position > u.position]
    items = 0
    for x in following:
        if not (x.item or x.text.endswith("?")):  # list items, or criteria written as questions
            break
        items += 1
    return items >= max(n - 1, 2)


HOW_MANY = re.compile(r"\bhow many\s+((?:[\w-]+\s+){0,3}?[\w-]+s)\b", re.I)


def missing_figure(question: str, subject_text: str, units: list[CorpusUnit], idf: dict[str, float]) -> bool:
    """The question asks for a figure and no sentence of `units` (the whole corpus) has a quantity
    beside the question's subject: the three rarest corpus terms of `subject_text` (the question as
    planned, with the turn it follows)."""
    if not FIGURE_Q.search(question) or COUNTED.search(question):
        return False
    # the sentence asking for the figure, not the chat around it ("…during training? feels like none of
    # us did lol" names no subject); `subject_text` keeps the previous turn's words and expansions
    asking = next((s for s in re.split(r"(?<=[?.!])\s+", question) if FIGURE_Q.search(s)), question)
    others = set(T.tokenize(question)) - set(T.tokenize(asking))
    subject = [
        t
        for t in T.tokenize(FIGURE_Q.sub(" ", subject_text))
        if t not in _GENERIC and t not in others and t in idf
    ]
    if not subject:
        return False
    counted = HOW_MANY.search(question)
    if counted:  # "how many X": a number right before (a word of) X somewhere in the guidance
        words = T.tokenize(" ".join(CHAT_SPELLINGS.get(w, w) for w in counted.group(1).lower().split()))
        counted_words = set(words)
        return not words or not any(t in counted_words for u in units for _, t in u.counts)
    key = _rarest(subject, idf)
    return not any(u.quantity and u.tokens & key for u in units)


def _rarest(subject: list[str], idf: dict[str, float]) -> set[str]:
    return set(sorted(set(subject), key=lambda t: (-idf[t], t))[:3])  # ties broken by the word, not set order


def figure_line(question: str, units: list[CorpusUnit], idf: dict[str, float]) -> CorpusUnit | None:
    """For "roughly what proportion of trusts have an executive board lead?": the corpus's one line with a
    figure holding at least two of the question's three rarest words ("…around 85% of trusts have a
    board-level executive lead…"), wherever search ranked it; None when no line, or several, do best."""
    subject = [t for t in T.tokenize(question) if t not in _GENERIC and t in idf]
    key = _rarest(subject, idf)
    if len(key) < 2:
        return None
    held = [(len(u.tokens & key), u) for u in units if u.quantity]
    most = max((n for n, _ in held), default=0)
    best = [u for n, u in held if n == most]
    return best[0] if most >= 2 and len(best) == 1 else None


_GENERIC = frozenset(
    T.tokenize(
        "health inequalities nhs people patients year years time times way ways thing things anyone know "
        "knows tell"
    )
)


YEAR = re.compile(r"(?:19|20)\d\d")


def _has_quantity(unit: str) -> bool:
    """A figure that counts or measures (20%, 1 in 5, £200 million, 3 times), not a year or a list number."""
    return bool(
        re.search(
            r"\d\s*%|\bper ?cent\b|£\s*\d|\b\d+(?:\.\d+)?\s*(?:times|million|billion|"
            r"thousand|years?\b(?! ago))|\b\d+\s+in\s+\d+|\b(?:one|two|three|four|five|six|"
            r"seven|eight|nine|ten|twice|half)\b(?! of the)",
            unit,
            re.I,
        )
        or re.search(r"\b\d{1,3}(?:,\d{3})+\b|\b(?!19|20)\d{2,}\b", unit)
    )
