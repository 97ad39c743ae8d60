"""Text utilities shared by the engine and ingest: one tokenizer for corpus and queries, and the
split of a passage into answer units (sentences and list items), each a verbatim span.

Ingest imports this module to cut units and build BM25; the engine never imports ingest.
"""

from __future__ import annotations

import re
from functools import lru_cache

TOKEN = re.compile(r"[a-z0-9]+(?:[+'][a-z0-9]+)*")
STOPWORDS = frozenset(
    """
a about above after again against all am an and any are aren't as at be because been before being below
between both but by can could did do does doing down during each few for from further had has have having
he her here hers herself him himself his how i if in into is it its itself just me more most my myself no
nor not now of off on once only or other our ours ourselves out over own same she should so some such than
that the their theirs them themselves then there these they this those through to too under until up very
was we were what when where which while who whom why will with would you your yours yourself yourselves
tell say says said mean means please thanks hi hello hey whats
""".split()
)

LIST_LINE = re.compile(r"^\s*(?:[-*•>—–]|\d{1,2}[.)])\s+")
# Sentence ends: ., ! or ? followed by space and a capital/digit/quote, not after common abbreviations.
SENTENCE_END = re.compile(
    r"(?<!\be\.g)(?<!\bi\.e)(?<!\betc)(?<!\bDr)(?<!\bNo)(?<!\bvs)([.!?])\s+(?=[A-Z0-9‘“\"(])"
)
# Reference lists and link dumps are sources, not answers.
REFERENCE_SECTION = re.compile(r"\b(references?|bibliography|endnotes|further reading|links|sources)\b", re.I)
# Sections that are about the document, not its subject: thanks, how to contact the authors, contents.
FURNITURE_SECTION = re.compile(r"\b(acknowledg\w*|get in touch|contact us|contents)\b", re.I)
CREDITS_SECTION = re.compile(r"\backnowledg\w*", re.I)
REFERENCE_UNIT = re.compile(
    r"https?://|www\.|^\W*[A-Z][\w&.,' -]{1,80}\(\d{4}[a-z]?\)|\bLondon: |\bRetrieved\b|"
    r"\bAvailable (?:at|from)\b|\bdoi\b",
    re.I,
)
EMPHASIS_LINE = re.compile(r"^\s*(\*{1,2}|_{1,2})[^*_]+\1[\s.:,]*$")
# Markdown emphasis and links are markup of the curated corpus, not its words: an answer quotes the
# words, and each surface renders its own emphasis.
_EMPHASIS = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1|(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_LINK = re.compile(r"\[([^\]\n]+)\]\((?:[^)\s]+)\)")


@lru_cache(maxsize=1)
def _stemmer():
    try:
        import Stemmer

        return Stemmer.Stemmer("english").stemWord
    except ImportError:  # PyStemmer is a declared dependency; this only keeps a broken install usable
        return lambda w: w


def words(text: str) -> list[str]:
    return TOKEN.findall(text.lower().replace("’", "'"))


def tokenize(text: str) -> list[str]:
    stem = _stemmer()
    return [stem(w) for w in words(text) if w not in STOPWORDS]


def strip_markup(text: str) -> str:
    """Markdown emphasis (`**x**`, `*x*`, `__x__`) and links (`[x](url)`) reduced to their words."""
    text = _LINK.sub(r"\1", text)
    return _EMPHASIS.sub(lambda m: m.group(2) if m.group(2) is not None else m.group(3), text)


def norm(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


def split_units(text: str) -> list[tuple[str, bool]]:
    """Sentences and list items of a chunk, each a verbatim (whitespace-normalised, markup-free) span."""
    units: list[tuple[str, bool]] = []
    for block in re.split(r"\n\s*\n", text):
        # Items and paragraphs may wrap over several lines; glue continuation lines on.
        pieces: list[str] = []
        previous = ""
        for ln in (ln for ln in block.split("\n") if ln.strip()):
            if pieces and _continues(previous, ln):
                pieces[-1] += " " + ln.strip()
            else:
                pieces.append(ln)
            previous = ln
        for piece in pieces:
            if LIST_LINE.match(piece):
                units.append((strip_markup(norm(LIST_LINE.sub("", piece))), True))
            elif not EMPHASIS_LINE.match(piece):  # sign-offs, letterheads, pseudo-headings
                units.extend((strip_markup(s), False) for s in sentences(piece))
    # A list item of one or two words is still one of its list's items ("- System partnerships"), and
    # a line promising a list still promises it ("Systems should:"); a sentence that short is a fragment.
    return [
        (u, li)
        for u, li in units
        if len(u.split()) >= (1 if li else 2 if u.endswith(":") else 3)
        and not u.startswith("#")
        and (li or not _is_furniture(u))
    ]


def _is_furniture(line: str) -> bool:
    """A short unpunctuated line outside a list: an address, a name, a caption, a running head."""
    return len(line.split()) < 8 and not re.search(r"[.!?:;]\W*$", line)


def _continues(previous: str, line: str) -> bool:
    """Whether `line` wraps the line before it (a list item or paragraph) rather than starting anew.

    Chunk text has lost the blank lines between paragraphs, lists and letterhead lines, so a line
    joins the one above only when it reads as a continuation: indented or starting in lower case,
    or following a line of running text that stops mid-sentence. Short unpunctuated lines
    (addresses, names) stand alone, and so does a line that is all emphasis ("*Yours sincerely*").
    """
    if LIST_LINE.match(line) or EMPHASIS_LINE.match(previous) or EMPHASIS_LINE.match(line):
        return False
    if line[:1].isspace() or line.lstrip()[:1].islower():
        return True
    stops = re.search(r"[.!?:;)\]\"”’*]\s*$", previous)
    return not stops and len(previous.split()) >= 8


def sentences(paragraph: str) -> list[str]:
    paragraph = norm(paragraph)
    parts, start = [], 0
    for m in SENTENCE_END.finditer(paragraph):
        parts.append(paragraph[start : m.end(1)].strip())
        start = m.end()
    parts.append(paragraph[start:].strip())
    return [p for p in parts if p]


def is_reference(text: str) -> bool:
    return bool(REFERENCE_UNIT.search(text))


def looks_like_references(chunk: dict) -> bool:
    """A passage that is mostly a reference list or link dump."""
    if REFERENCE_SECTION.search(chunk.get("section") or ""):
        return True
    lines = [ln for ln in chunk["text"].split("\n") if ln.strip()]
    return bool(lines) and sum(1 for ln in lines if is_reference(ln)) / len(lines) >= 0.5
