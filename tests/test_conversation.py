"""Small talk and follow-ups in the terminal (`hibot ask`, `hibot chat`); Slack and Teams have their
own tests over HTTP. The engine answers these, so every surface says the same."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from bot.cli import app


@pytest.mark.parametrize(
    "message,reason",
    [
        ("hi", "greeting"),
        ("Good morning hibot!", "greeting"),
        ("help", "help"),
        ("what can you do?", "help"),
        ("thanks!", "thanks"),
        ("cheers, that's really useful", "thanks"),
        ("Beth yw Core20PLUS5?", "non_english"),
        ("¿Qué es Core20PLUS5?", "non_english"),
    ],
)
def test_small_talk_gets_its_own_short_reply(index_dir, message, reason):
    result = CliRunner().invoke(app, ["ask", message, "--json", "--index", str(index_dir)])
    data = json.loads(result.stdout)
    assert data["reason"] == reason and not data["citations"] and not data["actions"]
    assert len(data["answer"]) < 450
    if reason in {"greeting", "help"}:
        assert len(data["suggestions"]) == 3 and "Hunt letter" in data["answer"]  # what hibot covers
    if reason == "non_english":
        assert "English" in data["answer"]


def test_a_greeting_with_a_question_is_a_question(engine):
    ans = engine.answer("hi hibot, what is Core20PLUS5?")
    assert not ans.abstained and "Core20PLUS5" in ans.answer


def test_follow_up_reads_the_previous_turn(engine):
    first = engine.answer("What is Core20PLUS5?")
    follow = engine.answer("and for children and young people?", history=[first.question])
    assert not follow.abstained
    assert "epilepsy" in follow.answer.lower()


def test_chat_follows_up_in_context_and_thanks_is_not_a_repeat(index_dir):
    result = CliRunner().invoke(
        app,
        ["chat", "--index", str(index_dir)],
        input="What is Core20PLUS5?\nand for children and young people?\nthanks\nquit\n",
    )
    assert result.exit_code == 0, result.output
    turns = result.output.split("you>")
    assert len(turns) >= 4
    assert "Core20PLUS5" in turns[1] and "Sources" in turns[1]
    assert "epilepsy" in turns[2].lower() and "Sources" in turns[2]
    assert "welcome" in turns[3].lower() and "Sources" not in turns[3]


def test_does_another_document_say_the_same_asks_the_previous_question_of_it(engine):
    first = engine.answer("What does the RCP say about the financial case for tackling health inequalities?")
    assert {c.doc_id for c in first.citations} == {"rcp-reducing-health-inequalities"}
    again = engine.answer("does the board guide say the same?", history=[first.question])
    assert not again.abstained
    quoted = [c for c in again.citations if c.n and f"[{c.n}]" in again.answer]
    # the board guide's passages on the same topic, not a summary of the board guide
    assert quoted and {c.doc_id for c in quoted} == {"nhs-providers-board-guide-2024"}
    assert any(w in again.answer.lower() for w in ("cost", "financ", "productivity", "£"))


def test_casual_words_do_not_make_a_follow_up_unanswerable(engine):
    follow = engine.answer("and what about the PLUS bit?", history=["What does Core20 mean in Core20PLUS5?"])
    assert not follow.abstained
    assert "PLUS" in follow.answer


def test_a_topic_word_that_is_also_in_a_documents_title_is_still_a_topic(engine):
    # "leaders" is in the RCP guidance's title, but here it is what the question is about
    ans = engine.answer("What does the RCP guidance say leaders can do?")
    assert not ans.abstained
    assert any("leader" in (c.section or "").lower() for c in ans.citations), [
        c.section for c in ans.citations
    ]


def test_a_follow_up_stays_with_the_document_the_conversation_is_about(engine):
    # "in there": the NHS England strategy's deliverables, not another document's mention of GPs
    first = "What are the Making the System Work deliverables in the NHSE equality strategy?"
    follow = engine.answer("anything about GPs in there?", history=[first])
    assert not follow.abstained
    assert follow.citations[0].doc_id == "nhse-equality-health-inequalities-strategy"
    alone = engine.answer("anything about GPs in there?")
    assert alone.abstained or alone.citations[0].doc_id != "nhse-equality-health-inequalities-strategy"


def test_the_second_one_is_the_second_item_of_the_previous_answer(engine):
    first = engine.answer("What are the aims of NHS England's equality and health inequalities strategy?")
    items = [
        re.sub(r"\s*\[\d+\]$", "", line[2:]) for line in first.answer.split("\n") if line.startswith("- ")
    ]
    assert len(items) >= 3
    follow = engine.answer("and the third one?", history=[first.question])
    assert not follow.abstained
    assert items[2] in follow.answer.split("\n")[0]


def test_a_follow_up_naming_a_new_subject_is_answered_from_it(engine):
    first = "What's the main pressure on DHSC according to the policy map?"
    follow = engine.answer("and what about the Treasury?", history=[first])
    quoted = [c for c in follow.citations if f"[{c.n}]" in follow.answer]
    assert quoted and all("Treasury" in (c.section or "") for c in quoted), [c.section for c in quoted]


def test_a_summary_request_is_one_whatever_it_is_for(engine):
    plain = engine.answer("What are the main points of the RCP guidance?")
    for asked in (
        "I'm teaching FY doctors next week - what are the main points of the RCP guidance?",
        "What are the main points of the RCP guidance? Need a two-line version for a board paper.",
    ):
        assert engine.answer(asked).answer == plain.answer, asked
