"""Hazard H2: an answer from outdated or superseded guidance says so, wherever it is shown."""

from __future__ import annotations

from datetime import date

from bot.engine import currency_note
from bot.render_text import render_answer


def test_citations_of_guidance_past_its_review_date_carry_a_visible_note(engine):
    ans = engine.answer("What did Jeremy Hunt's 2014 letter ask about health inequalities duties?")
    hunt = [c for c in ans.citations if c.doc_id == "hunt-letter-2014"]
    assert hunt, [c.doc_id for c in ans.citations]
    assert hunt[0].currency_note == "This guidance is from 2014; check for newer guidance."
    assert "This guidance is from 2014; check for newer guidance." in render_answer(ans)


def test_currency_note_follows_review_and_superseded_dates():
    doc = {"year": 2024, "review_after": "2027-06-01"}
    assert currency_note(doc, date(2026, 11, 23)) is None
    assert currency_note(doc, date(2027, 6, 2)) == "This guidance is from 2024; check for newer guidance."
    superseded = {"year": 2019, "superseded_by": "the 2024 guide", "review_after": "2030-01-01"}
    assert "superseded by the 2024 guide" in currency_note(superseded, date(2026, 1, 1))
