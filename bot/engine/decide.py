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
from bot.engine.query import DOMAIN_SHORTHAND, QueryPlan, Vocabulary
from bot.engine.retrieval import Hit
from bot.engine.tuning import Tuning


@dataclass(frozen=True)
class Evidence:
    dense: float  # best passage cosine among the top three
    sentence: float  # best sentence cosine among the top three passages
    coverage: float  # best IDF-weighted share of the question's terms in a top-three passage
    unknown_share: float  # share of the question's content words the corpus never uses
    unknown_names: int  # capitalised words the corpus never uses ("Medicaid", "Texas")


def evidence(hits: list[Hit], p: QueryPlan, vocab: Vocabulary, question: str, had_pii: bool) -> Evidence:
    top = hits[:3]
    idf = vocab.idf
    qs = set(p.bm25_tokens)
    mass = sum(idf.get(t, 1.0) for t in qs) or 1.0
    pos = {c["chunk_id"]: i for i, c in enumerate(vocab.chunks)}
    cover = max((sum(idf.get(t, 1.0) for t in qs & vocab.chunk_tokens[pos[h.chunk_id]]) / mass for h in top),
                default=0.0)  # fmt: skip
    unknown, names = unknown_terms(question, vocab)
    content = [w for w in T.words(question) if w not in T.STOPWORDS and len(w) >= 3]
    return Evidence(
        dense=max((h.dense for h in top), default=0.0),
        sentence=max((h.sentence for h in top), default=0.0),
        coverage=cover,
        unknown_share=len(unknown) / len(content) if content else 0.0,
        unknown_names=0 if had_pii else len(names),  # names beside identifiers are the patient's
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
        word = m.group(0)
        if word in DOMAIN_SHORTHAND or vocab.knows(word):
            continue
        unknown.append(word.lower())
        sentence_start = m.start() == 0 or question[: m.start()].rstrip()[-1:] in {".", "?", "!", ":"}
        if word[0].isupper() and not sentence_start:
            names.append(word.lower())
    return unknown, names


# --- what a question asks for that the passages may not hold -----------------------------------
FIGURE_Q = re.compile(
    r"\b(?:how many|how much|what (?:percentage|proportion|share|number|rate)|statistics?|figures?|"
    r"rates? of|percent(?:age)?|proportion of|numbers? of|latest data)\b",
    re.I,
)
DETAIL_Q = re.compile(
    r"\b(?:exact(?:ly)?|specific|precise(?:ly)?|word for word|verbatim|in full|full (?:list|text|details?)|"
    r"name (?:all|each|every)|list (?:all|each|every)|all (?:the )?(?:\w+ )?(?:outcomes|domains|actions|targets))\b",
    re.I,
)
FIGURE = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|hundred|thousand|million|"
    r"billion|half|third|quarter|per ?cent|percentage)\b",
    re.I,
)
COUNTED = re.compile(
    r"\b(\d+(?:\.\d+)?|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\b(?=\s+(?:[a-z-]+\s+){0,3}?"
    r"(?:outcomes|domains|actions|objectives|targets|principles|priorities|areas|steps|criteria|points|"
    r"recommendations|standards|indicators|ambitions|goals|measures|metrics))|\b(?:objective|outcome|section|"
    r"standard|domain|action|recommendation|indicator|criterion|goal)\s+(\d+(?:\.\d+)*)\b",
    re.I,
)


def missing_detail(question: str, passages: list[str]) -> bool:
    """The question names a numbered detail (the 11 outcomes, objective 7.2) that no found passage
    gives, or asks for exact figures that none holds."""
    body = " ".join(passages).lower()
    for m in COUNTED.finditer(question):
        value = (m.group(1) or m.group(2) or "").lower()
        if value and not re.search(rf"(?<![\w.]){re.escape(value)}(?![\w]|\.\d)", body):
            return True
    return bool(DETAIL_Q.search(question) and re.search(r"\btargets?|thresholds?|figures?|numbers?\b", question, re.I)
                and not FIGURE.search(body))  # fmt: skip


def missing_figure(question: str, answer_texts: list[str]) -> bool:
    """The question asks for a number and the answer holds none."""
    return bool(FIGURE_Q.search(question)) and not any(FIGURE.search(t) for t in answer_texts)
