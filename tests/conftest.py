"""Shared fixtures. `engine` is the answer engine the adapters call.

TEMPORARY: a canned engine until the real one lands; adapter tests must only assert on
structure (thread, citations present, blocks valid), never on canned wording.
"""

from __future__ import annotations

import pytest

from bot.models import Action, Answer, Citation, PII_WARNING


class CannedEngine:
    def answer(self, question: str, history: list[str] | None = None) -> Answer:
        if "dose" in question.lower():
            return Answer(question=question, abstained=True, reason="out_of_scope",
                          answer="I can't answer that from the guidance.")
        cits = [
            Citation(n=1, doc_id="nhs-providers-board-guide-2024", title="Reducing health inequalities: a guide for NHS trust board members",
                     publisher="NHS Providers", year=2024, section="Core20PLUS5", page=12,
                     url="https://nhsproviders.org/", quote="Core20PLUS5 is a national NHS England approach & <more>.",
                     chunk_id="c1", score=0.7),
            Citation(n=2, doc_id="rcp-reducing-health-inequalities", title="Reducing health inequalities",
                     publisher="Royal College of Physicians", year=2023, section="What can I do?", page=None,
                     url="https://www.rcp.ac.uk/", quote="Ask your trust board what it is doing.", chunk_id="c2", score=0.6),
        ]
        return Answer(question=question, abstained=False, reason=None,
                      answer="Core20PLUS5 is a national NHS England approach & <more>. [1] Ask your trust board what it is doing. [2]",
                      citations=cits, actions=[Action(type="ask", text="Ask your trust board what it is doing.", citation=2)],
                      warnings=[PII_WARNING] if "943 476 5919" in question else [])


@pytest.fixture(scope="session")
def engine():
    return CannedEngine()
