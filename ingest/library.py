"""Build the action library at ingest: the corpus's own recommendations, each kept with its source chunk.

An action is a list item or sentence from a passage that recommends something a clinician, leader
or board can do, classified into the RCP frame (ask / advocate / analyse). Nothing is written
here that is not in the corpus: `text` is the verbatim span.
"""

from __future__ import annotations

import re

from bot.engine.text import sentences, split_units

# Sections that carry recommendations (RCP "What can I do as a clinician/leader?", board guide
# objectives and questions for boards, strategy commitments).
RECOMMENDING_SECTION = re.compile(
    r"what can i do|actions?|recommend|ask|advocat|analys|questions? (?:for|to)|objective|"
    r"key (?:steps|questions)|"
    r"role of|how can|what (?:should|can)|priorit|next steps|checklist|self-assessment",
    re.I,
)
ASK = re.compile(
    r"^(?:ask|find out|check whether|check if|question)\b|\bask (?:who|if|whether|your|them|board)\b", re.I
)
ANALYSE = re.compile(
    r"^(?:analyse|analyze|look at|review|use data|collect|measure|monitor|audit|map|assess)\b|"
    r"\b(?:data|audit|analys[ei]s|monitor|measure|metrics|evaluate)\b",
    re.I,
)
ADVOCATE = re.compile(
    r"^(?:raise|advocate|share|champion|become|make the case|promote|educate|speak|join|lead|"
    r"encourage|support|involve|work with|engage)\b|\b(?:advocate|ambassador|raise awareness|"
    r"make the case|champion)\b",
    re.I,
)
IMPERATIVE = re.compile(
    r"^(?:ask|analyse|analyze|look|review|use|collect|measure|monitor|audit|map|assess|raise|"
    r"carry|appoint|appointing|nominate|train|publish|report|"
    r"advocate|share|champion|become|make|promote|educate|speak|join|lead|encourage|support|"
    r"involve|work|engage|consider|set|assign|start|find|check|identify|ensure|develop|build|"
    r"embed|listen|suggest|regularly|signpost|discuss|record|publish|invest|partner|create|"
    r"include|establish|understand)\b",
    re.I,
)


def classify(text: str, section: str) -> str | None:
    """ask / advocate / analyse; a recommendation to build, develop or appoint is championing change."""
    head = section.lower()
    if ASK.search(text) or "ask question" in head:
        return "ask"
    if text.lower().startswith(("analyse", "analyze")) or "analys" in head or "use data" in head:
        return "analyse"
    if ADVOCATE.search(text) or "advocat" in head or "raise awareness" in head:
        return "advocate"
    if ANALYSE.search(text):
        return "analyse"
    if re.match(r"(?:develop|build|appoint|embed|establish|set up|create|invest|train|nominate)", text, re.I):
        return "advocate"
    return None


# Who a recommendation is addressed to, from where it stands. Sections that describe what NHS England
# or "systems" will deliver, or summarise other organisations' documents, address no reader.
AUDIENCE = [
    (re.compile(r"as a clinician|clinicians? can", re.I), "clinician"),
    (re.compile(r"as a leader|leaders? can|for leaders", re.I), "leader"),
    (re.compile(r"board|objective|self-assessment|what good looks like|how to use the guide", re.I), "board"),
]
NO_READER = re.compile(r"deliverables|policy and guidance documents|what should be happening|resources", re.I)


def audience(section: str) -> str | None:
    if NO_READER.search(section):
        return None
    return next((who for pattern, who in AUDIENCE if pattern.search(section)), None)


def build_library(chunks: list[dict], docs_meta: dict) -> list[dict]:
    library: list[dict] = []
    seen: set[str] = set()
    for c in chunks:
        section = c.get("section") or ""
        in_reco = bool(RECOMMENDING_SECTION.search(section))
        for text, is_item in split_units(c["text"]):
            # An action is one instruction: keep the first sentence of a long item ("become a
            # Core20PLUS5 ambassador. This is a 1-year programme ...").
            first = sentences(text)[0] if text else text
            if len(text.split()) > 40 and len(first.split()) >= 3:
                text = first
            words = len(text.split())
            if words < 4 or words > 60 or text in seen:
                continue
            if not (IMPERATIVE.match(text) and (in_reco or is_item)):
                continue
            kind = classify(text, section)
            if kind is None:
                continue
            seen.add(text)
            library.append(
                {
                    "type": kind,
                    "text": text,
                    "chunk_id": c["chunk_id"],
                    "doc_id": c["doc_id"],
                    "section": section,
                    "audience": audience(section),
                }
            )
    return library
