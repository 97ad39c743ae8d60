"""Compose an extractive answer: the most relevant sentences of the top passages, verbatim.

Nothing is generated. Each answer line is a sentence (or list item) cut from a retrieved chunk,
trimmed of list markers only, and carries the `[n]` of the chunk it came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot import lexical

LIST_LINE = re.compile(r"^\s*(?:[-*•>—–]|\d{1,2}[.)])\s+")
# Sentence ends: ., ! or ? followed by space and a capital/digit/quote, not after common abbreviations.
SENTENCE_END = re.compile(r"(?<!\be\.g)(?<!\bi\.e)(?<!\betc)(?<!\bDr)(?<!\bNo)(?<!\bvs)([.!?])\s+(?=[A-Z0-9‘“\"(])")
LIST_INTENT = re.compile(
    r"\b(what are|list|which|five|5|four|three|six|seven|areas?|domains?|steps|actions|ways|principles|"
    r"priorit(?:y|ies)|criteria|objectives|recommendations|themes|groups|questions)\b", re.I)
MIN_WORDS, MAX_WORDS = 60, 150
SIMILARITY_WEIGHT, OVERLAP_WEIGHT = 1.0, 0.5
# Reference lists and link dumps are sources, not answers.
REFERENCE_SECTION = re.compile(r"\b(references?|bibliography|endnotes|further reading|links|sources)\b", re.I)
REFERENCE_UNIT = re.compile(r"https?://|www\.|^\W*[A-Z][\w&.,' -]{1,80}\(\d{4}[a-z]?\)|\bLondon: |\bRetrieved\b|"
                            r"\bAvailable (?:at|from)\b|\bdoi\b", re.I)
EMPHASIS_LINE = re.compile(r"^\s*(\*{1,2}|_{1,2})[^*_]+\1[\s.:,]*$")
DEFINITION_Q = re.compile(r"^\s*(?:what(?:'s| is| are| does)|define|meaning of|explain)\s+(?:the\s+|an?\s+)?(.+?)[?.!]*\s*$", re.I)


@dataclass
class Unit:
    text: str  # verbatim span of the chunk text (whitespace-normalised)
    chunk_index: int  # position of the chunk in the hit list
    position: int  # order within the chunk
    is_list_item: bool
    score: float = 0.0
    tokens: frozenset = frozenset()
    similarity: float | None = None  # cosine of the question to this unit, when the index stores unit vectors

    @property
    def words(self) -> int:
        return len(self.text.split())


def split_units(text: str) -> list[tuple[str, bool]]:
    """Sentences and list items of a chunk, each a verbatim (whitespace-normalised) span."""
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
                units.append((_norm(LIST_LINE.sub("", piece)), True))
            elif not EMPHASIS_LINE.match(piece):  # sign-offs, letterheads, pseudo-headings
                units.extend((s, False) for s in _sentences(piece))
    return [(u, li) for u, li in units if len(u.split()) >= 3 and not u.startswith("#")
            and (li or not _is_furniture(u))]


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


def _sentences(paragraph: str) -> list[str]:
    paragraph = _norm(paragraph)
    parts, start = [], 0
    for m in SENTENCE_END.finditer(paragraph):
        parts.append(paragraph[start:m.end(1)].strip())
        start = m.end()
    parts.append(paragraph[start:].strip())
    return [p for p in parts if p]


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


def is_reference(text: str) -> bool:
    return bool(REFERENCE_UNIT.search(text))


def score_units(units: list[Unit], query_tokens: list[str], idf: dict[str, float], question: str = "") -> None:
    q = set(query_tokens)
    if not q:
        return
    qweight = sum(idf.get(t, 1.0) for t in q)
    m = DEFINITION_Q.match(question)
    subject = set(lexical.tokenize(m.group(1))) if m else set()
    for u in units:
        toks = u.tokens or frozenset(lexical.tokenize(u.text))
        overlap = sum(idf.get(t, 1.0) for t in q & toks) / (qweight or 1.0)
        # Passage rank matters most; among a passage's sentences, meaning and shared words decide.
        # Meaning catches the sentence that answers a paraphrase ("buying and hiring" ->
        # "procurement and employment"); shared words keep exact terms and names in front.
        if u.similarity is None:
            u.score = overlap
        else:
            u.score = SIMILARITY_WEIGHT * u.similarity + OVERLAP_WEIGHT * overlap
        u.score += 0.6 / (1 + u.chunk_index) + (0.05 if u.position == 0 else 0.0)
        # "What is X?" is best answered by a sentence that says what X is.
        if subject and subject <= toks and re.search(r"\b(is|are|means|refers to|describes)\b", u.text):
            u.score += 0.3
        # Very short fragments rarely answer anything on their own.
        if u.words < 6:
            u.score -= 0.15
        if is_reference(u.text):
            u.score = -1.0


def select(units: list[Unit], question: str, max_chunks: int = 3) -> list[Unit]:
    """Pick units until the answer is 60–150 words: best first, at most 2 per chunk, ≤ max_chunks chunks."""
    if not units:
        return []
    wants_list = bool(LIST_INTENT.search(question))
    by_score = sorted(units, key=lambda u: -u.score)
    best = by_score[0]
    if best.score < 0:
        return []
    chosen: list[Unit] = []
    listed = False  # the answer is a list from the source: keep its order
    if wants_list:
        items = [u for u in units if u.chunk_index == best.chunk_index and u.is_list_item]
        if len(items) >= 3:
            lead = [u for u in units if u.chunk_index == best.chunk_index and not u.is_list_item
                    and u.position < items[0].position]
            chosen = ([lead[-1]] if lead else []) + items[:10]
            listed = True
    if not chosen:
        chosen = [best]
        if best.text.endswith(":"):
            # "... an approach that:" promises a list; bring the list.
            chosen += [u for u in units if u.chunk_index == best.chunk_index and u.is_list_item
                       and u.position > best.position][:8]
            listed = len(chosen) > 1
    per_chunk: dict[int, int] = {}
    for u in chosen:
        per_chunk[u.chunk_index] = per_chunk.get(u.chunk_index, 0) + 1
    words = sum(u.words for u in chosen)
    for u in by_score:
        if words >= MIN_WORDS:
            break
        if u in chosen or u.score <= 0.2 or is_reference(u.text) or u.text.endswith(":"):
            continue  # (a line promising a list is no answer without the list)
        if per_chunk.get(u.chunk_index, 0) >= 2 and not wants_list:
            continue
        if u.chunk_index not in per_chunk and len(per_chunk) >= max_chunks:
            continue
        if words + u.words > MAX_WORDS and words > 0:
            continue
        chosen.append(u)
        per_chunk[u.chunk_index] = per_chunk.get(u.chunk_index, 0) + 1
        words += u.words
    # Lead with the passage holding the best sentence, and with that sentence; the rest of a
    # passage keeps its source order (a list keeps all of it).
    lead: dict[int, Unit] = {}
    for u in chosen:
        if u.chunk_index not in lead or u.score > lead[u.chunk_index].score:
            lead[u.chunk_index] = u
    return sorted(chosen, key=lambda u: (-lead[u.chunk_index].score, u.chunk_index,
                                         listed or u is not lead[u.chunk_index], u.position))
