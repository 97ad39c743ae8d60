"""A synthetic corpus of N documents that read like a trust's own guidance, made from the real one.

Each document is a short local policy: front matter, a title naming a (made-up) trust, and one or
two sections whose paragraphs are passages of the real corpus, reworded. About half the sentences
get one or two of the edits a trust makes when it adapts national guidance (its own name for the
NHS body, "must" for "should", local figures, a framing sentence), so the text is new to the
embedding model and really embedded, while staying guidance, not noise. Deterministic per seed.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

from bot.engine.index import current_build_dir, read_chunks

PLACES = [
    "Northfield", "Ashby", "Brookmere", "Calder Vale", "Eastmoor", "Fenwick", "Greyston", "Harrowby",
    "Ivel", "Kestrel Bay", "Langdale", "Marshfield", "Nethercote", "Oakhurst", "Penrith Moor", "Queensbury",
    "Redwater", "Stourbridge Heath", "Tamworth Cross", "Upminster Vale", "Wexcombe", "Yarrowfield",
]  # fmt: skip
KINDS = [
    "NHS Foundation Trust", "Integrated Care Board", "Community Health Services", "Mental Health Trust",
    "Teaching Hospitals NHS Trust", "Primary Care Network",
]  # fmt: skip
TOPICS = [
    "tackling health inequalities", "equitable access to elective care", "Core20PLUS5 delivery",
    "inclusion health", "maternity equity", "population health management", "our anchor institution role",
    "board assurance on health inequalities", "reducing waiting list inequalities", "equality of outcomes",
]  # fmt: skip
# Edits a trust makes when it adapts national wording; each keeps the sentence a real sentence.
REWORDINGS = [
    (r"\bshould\b", "must"), (r"\bNHS England\b", "the ICB"), (r"\btrusts\b", "our services"),
    (r"\bpatients\b", "people who use our services"), (r"\breduce\b", "narrow"),
    (r"\bimprove\b", "strengthen"),
    (r"\bensure\b", "make sure"), (r"\bboards\b", "the board"), (r"\bcommunities\b", "local communities"),
    (r"\bdata\b", "local data"), (r"\bhealth inequalities\b", "inequalities in health"),
    (r"\borganisations\b", "partners"), (r"\bstaff\b", "colleagues"), (r"\bnational\b", "system-wide"),
]  # fmt: skip
FRAMES = [
    "In {place}, ", "Across {place}, ", "For {org}, ", "Locally, ", "In our area, ", "From 2025, ",
]  # fmt: skip
SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def source_passages(index_dir: Path) -> list[dict]:
    """The real corpus's passages (text and section), from a built index."""
    return [c for c in read_chunks(current_build_dir(index_dir)) if len(c["text"].split()) >= 40]


def reword(sentence: str, rng: random.Random, place: str, org: str) -> str:
    if rng.random() < 0.5:
        return sentence  # much of a local policy quotes national guidance as it stands
    for pattern, new in rng.sample(REWORDINGS, k=len(REWORDINGS)):
        if re.search(pattern, sentence):
            sentence = re.sub(pattern, new, sentence, count=1)
            if rng.random() < 0.6:
                break
    if rng.random() < 0.3:
        sentence = re.sub(r"\b\d{2,}\b", lambda m: str(int(m.group()) + rng.randint(1, 9)), sentence, count=1)
    if rng.random() < 0.25 and sentence[:1].isupper():
        sentence = rng.choice(FRAMES).format(place=place, org=org) + sentence[0].lower() + sentence[1:]
    return sentence


def document(i: int, passages: list[dict], rng: random.Random) -> tuple[str, str]:
    place, kind, topic = rng.choice(PLACES), rng.choice(KINDS), rng.choice(TOPICS)
    org = f"{place} {kind}"
    title = f"{org}: {topic} ({2022 + i % 4} policy {i:04d})"
    lines = [
        "---",
        f'title: "{title}"',
        f"publisher: {org}",
        f"year: {2022 + i % 4}",
        "---",
        f"# {title}",
        "",
    ]
    for passage in rng.sample(passages, k=rng.choice((1, 1, 2))):
        heading = (passage.get("section") or topic).split(" > ")[-1]
        lines += [f"## {heading}", ""]
        for paragraph in passage["text"].split("\n\n"):
            sentences = SENTENCE.split(paragraph.strip())
            lines += [" ".join(reword(s, rng, place, org) for s in sentences if s), ""]
    return f"policy-{i:04d}.md", "\n".join(lines)


def write_corpus(index_dir: Path, out: Path, n_docs: int, seed: int = 20) -> int:
    """Write n_docs markdown documents to `out`; returns the number of words written."""
    rng = random.Random(seed)
    passages = source_passages(index_dir)
    out.mkdir(parents=True, exist_ok=True)
    words = 0
    for i in range(n_docs):
        name, text = document(i, passages, rng)
        (out / name).write_text(text, encoding="utf-8")
        words += len(text.split())
    return words
