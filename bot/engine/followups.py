"""Follow-ups that point past the previous turn's words: a new subject ("and what about the Treasury?")
or an item of the previous answer ("what's the aim of the second one?")."""

from __future__ import annotations

import re

from bot.engine import text as T
from bot.engine.sentences import Unit

# A follow-up naming a new subject: "and what about the Treasury?", "how about for children?", "and the
# culture one?". Not "and is it mandatory?": a question about the same subject.
NEW_SUBJECT = re.compile(
    r"^\W*(?:(?:and|ok(?:ay)?|so|but)\W+)*(?:(?:what|how)\s+about|and)\s+"
    r"(?!(?:is|are|was|were|do|does|did|can|could|should|would|will|has|have|what|how|who|when|why|which|"
    r"where|it|its|they|them|that|this|those|these|there|any|anything)\b)"
    r"(?:for\s+|in\s+|with\s+|on\s+)?(?P<subject>[^?]+?)\W*$",
    re.I,
)
QUOTED_NAME = re.compile(r"(?:^|\s)['‘\"“]([^'’\"”]{3,60})['’\"”](?=\W|$)")
CLAUSE_BREAK = re.compile(r"\s*[,;–—]\s*|\s+-\s+")
GENERIC_SUBJECT = frozenset(T.tokenize("one ones bit part thing things side bits stuff point points else"))

# "the second one", "the third aim", "and the last?": an item of the list the previous answer gave (not "the
# last decade", "the first time").
ORDINAL_REF = re.compile(
    r"\bthe\s+(first|second|third|fourth|fifth|sixth|seventh|last|1st|2nd|3rd|4th|5th)"
    r"(?:\s+(?:one|item|point|bit|part|aim|enabler|outcome|objective|barrier|criterion|priority|area|domain|"
    r"group|step|action|recommendation)s?\b(?!\s+(?:of|in)\b)|(?=\s*(?:[?.!,]|$)))",
    re.I,
)
ORDINAL_WORDS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh")
ORDINAL_DIGITS = ("1st", "2nd", "3rd", "4th", "5th")


def nth_item(question: str, previous_answer: str) -> str:
    """`question` with "the second one" replaced by the second item of the list the previous answer gave
    ("what's the aim of Enabler 2: Gaining Knowledge — …?"); as it was when it names no item there."""
    m = ORDINAL_REF.search(question)
    if not m:
        return question
    items = _list_items(previous_answer)
    word = m.group(1).lower()
    if word == "last":
        index = -1
    else:
        index = ORDINAL_DIGITS.index(word) if word in ORDINAL_DIGITS else ORDINAL_WORDS.index(word)
    if not items or index >= len(items):
        return question
    return f"{question[: m.start()]}{items[index]}{question[m.end() :]}"


# "Which of those is the inequalities one?", "which of them covers staff?": one item of the previous list.
WHICH_OF = re.compile(
    r"^\W*(?:(?:so|and|ok(?:ay)?|but)\W+)*which\s+(?:one\s+)?of\s+(?:those|these|them|the\s+\w+)\b", re.I
)


def picked_item(question: str, previous_answer: str) -> str | None:
    """The one item of the list the previous answer gave that holds the words of "which of those is the
    inequalities one?" ("Tackling inequalities in outcomes, experience and access"); None when no item,
    or more than one, does."""
    m = WHICH_OF.match(question)
    if not m:
        return None
    # (here "inequalities" picks an item: "the inequalities one")
    wanted = set(T.tokenize(question[m.end() :])) - (FOLLOW_UP_WORDS - TOPIC_WORDS) - GENERIC_SUBJECT
    items = [(item, set(T.tokenize(item))) for item in _list_items(previous_answer)]
    # ("which of those is specifically about inequalities?": a word no item has picks none of them)
    wanted = {w for w in wanted if any(w in words for _, words in items)}
    holding = [item for item, words in items if wanted and wanted <= words]
    return holding[0] if len(holding) == 1 else None


def points_into_list(question: str) -> bool:
    """ "The second one", "which of those…": the question is about an item of the previous answer's list."""
    return bool(ORDINAL_REF.search(question) or WHICH_OF.match(question))


def with_item(question: str, previous_answer: str) -> str:
    """What to search for a question pointing into the previous answer's list: "the second one" with the
    item put in its place, "which of those is the inequalities one?" as the item it picks; the question
    as it was when it names no item there."""
    if ORDINAL_REF.search(question):
        return nth_item(question, previous_answer)
    return picked_item(question, previous_answer) or question


def _list_items(answer: str) -> list[str]:
    """The items of the list an answer gave ("- …[n]"), without their citation markers."""
    return [re.sub(r"\s*\[\d+\]$", "", line[2:]) for line in answer.split("\n") if line.startswith("- ")]


def keep_to_new_subject(units: list[Unit], question: str, acronyms: dict[str, str]) -> None:
    """A follow-up that names a new subject ("and what about the Treasury?", "and OHID?") is answered
    from the passages about it: the previous turn's passages, which the search still brings, are left
    out when another passage names the subject (in its text or heading; an acronym or its expansion)."""
    m = NEW_SUBJECT.match(question)
    if not m:
        return
    # "and the 'triple aim' bit, does that cover trusts…?": the subject is the quoted name, or what comes
    # before the clause that asks about it
    quoted = QUOTED_NAME.search(question)
    subject = re.findall(
        r"[\w'’-]+", quoted.group(1) if quoted else CLAUSE_BREAK.split(m.group("subject"))[0]
    )
    names = (
        [frozenset(T.tokenize(" ".join(subject)))] if quoted else [frozenset(T.tokenize(w)) for w in subject]
    )
    names += [frozenset(T.tokenize(acronyms[w.lower()])) for w in subject if w.lower() in acronyms]
    names = [n for n in names if n and not n <= GENERIC_SUBJECT]
    said: dict[int, frozenset[str]] = {}
    for u in units:
        said[u.chunk_index] = said.get(u.chunk_index, frozenset()) | u.tokens | u.heading
    named = frozenset().union(*names)
    # the passages headed by its name ("No 10") before those that mention it ("Battling with No 10…")
    about = {u.chunk_index for u in units if u.heading and u.heading <= named} or {
        ci for ci, words in said.items() if any(n <= words for n in names)
    }
    if about:
        for u in units:
            if u.chunk_index not in about:
                u.score = min(u.score, 0.0)


def lead_with_own_words(units: list[Unit], question: str, idf: dict[str, float]) -> None:
    """A follow-up asking something new of the same subject ("Do they have to report on that
    anywhere?" after ICBs' legal duties) is answered by a sentence holding its own words ("ICBs are
    required to prepare an annual report…"), not by the previous answer's sentences, which the
    previous turn's words still rank high: when some sentence holds them, the others count for less."""
    own = {t for t in T.tokenize(question) if t in idf and t.isalpha() and t not in FOLLOW_UP_WORDS}
    if not own or NEW_SUBJECT.match(question):  # "and for women?" asks the same of a new subject
        return
    # its rarest word says most ("the aim of the knowledge one?": "knowledge", not "aim")
    for words in ({max(own, key=lambda t: (idf[t], t))}, own):
        if any(u.score > 0 and words & (u.tokens | u.heading) for u in units):
            break
    else:
        return
    for u in units:
        if u.score > 0 and not words & (u.tokens | u.heading):
            u.score *= OFF_SUBJECT_SHARE


# Words of a follow-up that point back or ask to go on, rather than saying what it is about.
FOLLOW_UP_WORDS = frozenset(
    T.tokenize(
        "more tell say says said explain expand detail details mean means meant again else also too then "
        "anywhere one ones bit part thing things stuff point points about what which how why who when does "
        "do did done doing have has need needs get got make made go going health inequalities nhs"
    )
)
TOPIC_WORDS = frozenset(T.tokenize("health inequalities nhs"))
OFF_SUBJECT_SHARE = 0.7
