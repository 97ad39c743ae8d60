"""Documents and sections by name: "What does the Hunt letter say?", "summarise the FAQ section".

A named document is found by its aliases and title words (corpus/sources.yaml); a section by its
heading. The summary is extractive and explainable: sentences scored by centrality (closeness to
the mean meaning of the document or section), position (documents state their purpose and main
recommendations early) and purpose cues ("This guide sets out…"), one per section, in source order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from bot.engine import text as T
from bot.engine.compose import FURNITURE

SUMMARY = re.compile(
    r"\b(?:summar(?:y|ise|ize|ies)|sum up|overview|gist|tl;?dr|"
    r"key (?:points|messages|recommendations|takeaways|"
    r"findings)|main (?:points|messages|recommendations|ideas|findings)|about|say|says|said|cover|covers|"
    r"contain|contains|in it|(?:what'?s|what is) in|highlights?|outline)\b",
    re.I,
)
# Words of a summary request that are not its topic.
REQUEST_WORDS = frozenset(
    T.tokenize(
        "what does did do is are the a an of in on from say says said about summary summarise summarize "
        "summarised summarized sum up overview gist key main points messages recommendations takeaways "
        "findings "
        "give me can you could please tell us cover covers contain contains highlight highlights outline "
        "document guidance section part chapter whole briefly quick quickly short it its this that there "
        "whats "
        "ideas basically overall generally for me briefly letter"
        " january february march april may june july august september october november december"
    )
)
SECTION_WORD = re.compile(r"\b(?:section|part|chapter|bit on|heading|appendix|appendices)\b", re.I)
SKIP_SECTION = re.compile(
    r"\b(?:references?|resources|acknowledg\w*|get in touch|contents|useful reading|"
    r"further reading|links)\b",
    re.I,
)
PURPOSE = re.compile(
    r"\b(?:this|the)\s+(?:guide|letter|document|strategy|report|paper|map|guidance|publication)\s+"
    r"(?:sets out|"
    r"aims?|describes|outlines|provides|summarises|explains|is (?:intended|designed|for)|will|looks at|"
    r"focuses)|\bpurpose of\b|\bwe recommend\b|\bin this (?:guide|document|letter|report)\b"
    r"|\b(?:I|we)\s+(?:would like to|want to|am writing to|are writing to|aim to)\s+"
    r"(?:set out|outline|describe|explain)\b",
    re.I,
)


@dataclass(frozen=True)
class Request:
    doc_id: str | None  # the document named, if any
    section: str | None  # the full section path named, if any
    summary: bool  # asks what the document/section says as a whole (no further topic)


def resolve(question: str, documents: dict[str, dict], sections: dict[str, list[str]]) -> Request:
    """The document and section a question names, and whether it asks for a summary of them."""
    q = question.lower().replace("’", "'")
    doc_id = _named_document(q, documents)
    section = _named_section(question, sections, doc_id)
    if doc_id is None and section is None:
        return Request(None, None, False)
    named = set()
    if doc_id:
        meta = documents[doc_id]
        named |= set(T.tokenize(" ".join([*(meta.get("aliases") or []), str(meta.get("year") or "")])))
    if section:
        named |= set(T.tokenize(section.split(" > ")[-1]))
    rest = [t for t in T.tokenize(question) if t not in named and t not in REQUEST_WORDS and not t.isdigit()]
    summary = bool(SUMMARY.search(q)) and not rest
    return Request(doc_id, section, summary)


def _named_document(q: str, documents: dict[str, dict]) -> str | None:
    best, best_len = None, 0
    for doc_id, meta in documents.items():
        for alias in [*(meta.get("aliases") or []), doc_id.replace("-", " ")]:
            a = alias.lower().replace("’", "'")
            pattern = r"(?<![\w])" + re.escape(a).replace("'", "'?s?") + r"(?:'s)?(?![\w])"
            if len(a) > best_len and re.search(pattern, q):
                best, best_len = doc_id, len(a)
    return best


def _named_section(question: str, sections: dict[str, list[str]], doc_id: str | None) -> str | None:
    """A section whose heading the question gives (all its content words), preferring the named
    document's; a one-word heading needs the word "section" (or similar) beside it."""
    q = set(T.tokenize(question))
    explicit = bool(SECTION_WORD.search(question))
    best, best_score = None, 0.0
    for d, paths in sections.items():
        if doc_id and d != doc_id:
            continue
        for path in paths:
            head = set(T.tokenize(re.sub(r"^\W*\d+\W*", "", path.split(" > ")[-1])))
            if not head or SKIP_SECTION.search(path) or (len(head) == 1 and not explicit):
                continue
            share = len(q & head) / len(head)
            if share >= 1.0 and len(head) > best_score:
                best, best_score = path, float(len(head))
    return best


def summary_rows(
    retriever, doc_id: str | None, section: str | None, limit: int
) -> list[tuple[dict, str, bool]]:
    """(passage, sentence, is list item) of the summary, in source order: central, early and
    purposeful sentences, one per section (one per passage for a section summary)."""
    by_chunk, vectors = retriever.units
    if vectors is None:
        return []
    candidates: list[tuple[dict, str, bool, int]] = []
    for c in retriever.chunks:
        sec = c.get("section") or ""
        if doc_id is not None and c["doc_id"] != doc_id:
            continue
        if section is not None and sec != section and not sec.startswith(section + " > "):
            continue
        if SKIP_SECTION.search(sec) or T.looks_like_references(c):
            continue
        for text, item, row in by_chunk.get(c["chunk_id"], []):
            if not (
                FURNITURE.search(text) or T.is_reference(text) or len(text.split()) < 6 or text.endswith(":")
            ):
                candidates.append((c, text, item, row))
    if not candidates:
        return []
    mat = vectors[[row for *_, row in candidates]]
    centroid = mat.mean(axis=0)
    centroid /= np.linalg.norm(centroid) or 1.0
    central = mat @ centroid
    scored = sorted(
        range(len(candidates)),
        # Central sentences carry the main points; early ones and "This guide sets out…" state the purpose.
        key=lambda i: (
            -(float(central[i]) + 0.3 / (1 + i / 10) + (0.2 if PURPOSE.search(candidates[i][1]) else 0.0))
        ),
    )
    picked: list[int] = []
    used: set[str] = set()
    for i in scored:
        c, text = candidates[i][0], candidates[i][1]
        key = c["chunk_id"] if section is not None else (c.get("section") or c["chunk_id"])
        if key not in used and text not in used:  # a sentence repeated in the source is said once
            used.update((key, text))
            picked.append(i)
        if len(picked) >= limit:
            break
    return [candidates[i][:3] for i in sorted(picked)]
