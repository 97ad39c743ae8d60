"""Questions hibot can answer, offered when it declines: the prompt library's questions closest in
meaning to what was asked, and the closest section of the guidance, asked for by its heading (which
the document-and-section path answers with that section's summary)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bot.engine.documents import SKIP_SECTION, heading_of
from bot.engine.text import tokenize


@dataclass(frozen=True)
class SectionQuestion:
    question: str  # "What does the board guide say under 'What to do with your results'?"
    passages: tuple[int, ...]  # the section's passages (positions in the build)


def section_questions(chunks: list[dict], documents: dict[str, dict]) -> list[SectionQuestion]:
    """One question per section heading of the guidance, naming its document by its first alias."""
    by_section: dict[tuple[str, str], list[int]] = {}
    for i, c in enumerate(chunks):
        section = c.get("section") or ""
        if section and not SKIP_SECTION.search(section):
            by_section.setdefault((c["doc_id"], section), []).append(i)
    out = []
    for (doc_id, section), passages in by_section.items():
        aliases = documents.get(doc_id, {}).get("aliases") or []
        if aliases:
            heading = heading_of(section)
            heading = heading.capitalize() if heading.isupper() else heading
            # A heading that is itself a full question (a FAQ's) is asked as it stands.
            if heading.endswith("?") and len(tokenize(heading)) >= 3:
                question = heading
            else:
                question = f"What does the {aliases[0]} say under '{heading}'" + (
                    "" if heading.endswith("?") else "?"
                )
            out.append(SectionQuestion(question, tuple(passages)))
    return out


def closest(
    examples: list[str],
    example_scores: np.ndarray,
    sections: list[SectionQuestion],
    passage_scores: np.ndarray,
    limit: int,
) -> list[str]:
    """The closest library questions with the closest section second: [library, section, library]."""
    library = [examples[i] for i in np.argsort(-example_scores, kind="stable")]
    picked = library[:1]
    if sections:
        best = max(sections, key=lambda s: float(passage_scores[list(s.passages)].max()))
        picked.append(best.question)
    picked += [q for q in library[1:] if q not in picked]
    return picked[:limit]
