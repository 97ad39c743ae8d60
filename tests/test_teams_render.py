"""Teams rendering (bot/teams/render.py): Answer -> message activity with an Adaptive Card and citations.

Cards are validated against the Adaptive Card 1.5 schema shipped in bot/teams/schemas (no network).
"""

from __future__ import annotations

import re

import pytest

from bot.models import PII_WARNING, PII_WARNING_TEXT, SCOPE_TEXT, Action, Answer, Citation, Prompt
from bot.teams import render
from bot.teams.cards import card_of
from bot.teams.render import ShareTarget
from bot.teams.welcome import render_welcome
from tests.support.cards import CHANNELS, assert_valid_card, walk


def texts(card: dict) -> str:
    return "\n".join(n["text"] for n in walk(card) if n.get("type") == "TextBlock")


def message_entity(activity: dict) -> dict:
    [entity] = [e for e in activity["entities"] if e.get("type") == "https://schema.org/Message"]
    return entity


def citation(n: int, **kw) -> Citation:
    base = {
        "n": n,
        "doc_id": f"doc-{n}",
        "title": f"Guide {n}",
        "publisher": "NHS England",
        "year": 2023,
        "section": "Core20PLUS5",
        "page": 12,
        "url": f"https://example.org/guide-{n}",
        "quote": f"Quoted passage {n}.",
        "chunk_id": f"doc-{n}#{n}",
        "score": 0.7,
    }
    return Citation(**{**base, **kw})


def sample_answer(**kw) -> Answer:
    base = {
        "question": "What is Core20PLUS5?",
        "abstained": False,
        "reason": None,
        "answer": "Core20PLUS5 is an approach to reduce healthcare inequalities [1].\n"
        "- It names five clinical areas [2].",
        "citations": [
            citation(1),
            citation(
                2,
                currency_note="This guidance is from 2014; check for newer guidance.",
                year=2014,
                page=None,
                url=None,
            ),
        ],
        "actions": [
            Action("ask", "Ask your board how it tracks Core20PLUS5.", 1),
            Action("advocate", "Advocate for inclusion health groups.", 2),
            Action("analyse", "Analyse waiting lists by deprivation.", 1),
        ],
    }
    return Answer(**{**base, **kw})


@pytest.fixture(scope="module")
def engine_answer(engine) -> Answer:
    return engine.answer("What is Core20PLUS5?")


def test_engine_answer_card_validates_against_adaptive_card_schema(engine_answer):
    activity = render.render_answer(engine_answer, share_targets=CHANNELS)
    assert_valid_card(card_of(activity))


def test_card_declares_schema_and_version_1_5():
    card = card_of(render.render_answer(sample_answer()))
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"


def test_activity_text_is_the_answer_with_citation_markers(engine_answer):
    activity = render.render_answer(engine_answer)
    assert activity["type"] == "message"
    assert activity["text"] == engine_answer.answer
    assert re.search(r"\[\d+\]", activity["text"])


def test_citation_entity_carries_ai_label_and_one_claim_per_cited_source(engine_answer):
    entity = message_entity(render.render_answer(engine_answer))
    assert entity["@type"] == "Message" and entity["@context"] == "https://schema.org"
    assert entity["additionalType"] == ["AIGeneratedContent"]
    positions = [c["position"] for c in entity["citation"]]
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", engine_answer.answer)}
    assert set(positions) == markers
    for claim in entity["citation"]:
        assert claim["@type"] == "Claim"
        assert claim["appearance"]["@type"] == "DigitalDocument"


def test_citation_appearance_respects_teams_limits():
    long = citation(1, title="T" * 300, quote="word " * 200, publisher="P" * 60, section="S" * 60)
    entity = message_entity(render.render_answer(sample_answer(citations=[long], actions=[])))
    appearance = entity["citation"][0]["appearance"]
    assert len(appearance["name"]) <= 80
    assert 0 < len(appearance["abstract"]) <= 160
    assert len(appearance["keywords"]) <= 3 and all(len(k) <= 28 for k in appearance["keywords"])
    assert appearance["url"] == long.url


def test_sources_show_title_link_section_page_and_publisher_year():
    body = texts(card_of(render.render_answer(sample_answer())))
    assert "[Guide 1](https://example.org/guide-1)" in body
    assert "Core20PLUS5 · p. 12 · NHS England 2023" in body


def test_currency_note_is_shown_for_outdated_guidance():
    body = texts(card_of(render.render_answer(sample_answer())))
    assert "This guidance is from 2014; check for newer guidance." in body


def test_each_action_is_shown_with_its_source_number():
    body = texts(card_of(render.render_answer(sample_answer())))
    assert "**Ask:** Ask your board how it tracks Core20PLUS5. [1]" in body
    assert "**Advocate:** Advocate for inclusion health groups. [2]" in body
    assert "**Analyse:** Analyse waiting lists by deprivation. [1]" in body


def test_feedback_buttons_submit_the_answer_id_and_rating():
    answer = sample_answer()
    card = card_of(render.render_answer(answer))
    submits = [
        n["data"]
        for n in walk(card)
        if n.get("type") == "Action.Submit" and n.get("data", {}).get("hibot") == "feedback"
    ]
    assert sorted(d["rating"] for d in submits) == [-1, 1]
    assert {d["answer_id"] for d in submits} == {answer.answer_id}
    assert not [n for n in walk(card) if n.get("type") == "Input.Text"]  # no free-text box on any card
    assert all(d["msteams"] == {"type": "task/fetch"} for d in submits)  # a private dialog instead


def test_share_action_lists_the_given_channels():
    answer = sample_answer()
    card = card_of(render.render_answer(answer, share_targets=CHANNELS))
    [show] = [a for a in card["actions"] if a["type"] == "Action.ShowCard"]
    [choices] = [n for n in walk(show) if n.get("type") == "Input.ChoiceSet"]
    assert choices["id"] == "conversation_id"
    assert [c["value"] for c in choices["choices"]] == [t.conversation_id for t in CHANNELS]
    [submit] = [n for n in walk(show) if n.get("type") == "Action.Submit"]
    assert submit["data"] == {"hibot": "share", "answer_id": answer.answer_id}
    assert_valid_card(card)


def test_no_share_action_without_channels():
    card = card_of(render.render_answer(sample_answer()))
    assert not any(n.get("type") == "Action.ShowCard" for n in walk(card))


def show_cards(card: dict, title: str) -> list[dict]:
    return [n for n in walk(card) if n.get("type") == "Action.ShowCard" and n.get("title") == title]


def test_more_is_a_show_card_right_after_the_answer_holding_the_rest():
    answer = sample_answer(more="- A third item [1].\nA closing sentence [2].")
    card = card_of(render.render_answer(answer, share_targets=CHANNELS))
    assert_valid_card(card)
    [more] = show_cards(card, "More")
    assert texts(more["card"]) == "• A third item [1].\nA closing sentence [2]."
    assert card["body"][2]["type"] == "ActionSet" and card["body"][2]["actions"] == [more]
    assert "A closing sentence" not in render.render_answer(answer)["text"]


def test_no_more_without_more():
    assert not show_cards(card_of(render.render_answer(sample_answer())), "More")


def test_suggestions_are_buttons_that_ask_the_question_as_if_typed():
    answer = sample_answer(suggestions=["What is Core20PLUS5?", "What can I do as a clinician?"])
    card = card_of(render.render_answer(answer))
    assert_valid_card(card)
    asks = [n for n in walk(card) if n.get("type") == "Action.Submit" and n["data"].get("hibot") == "ask"]
    assert [(a["title"], a["data"]["question"]) for a in asks] == [(q, q) for q in answer.suggestions]
    assert all(
        a["data"]["msteams"]
        == {"type": "messageBack", "text": a["data"]["question"], "displayText": a["data"]["question"]}
        for a in asks
    )


def test_conversation_is_a_short_card_with_suggestions_and_nothing_to_cite_rate_or_share():
    answer = sample_answer(
        abstained=True,
        reason="help",
        citations=[],
        actions=[],
        answer="I answer questions about health inequalities.",
        suggestions=["What is Core20PLUS5?"],
    )
    activity = render.render_answer(answer, share_targets=CHANNELS)
    card = card_of(activity)
    assert_valid_card(card)
    assert activity["text"] == answer.answer and "entities" not in activity
    assert [n["data"].get("hibot") for n in walk(card) if n.get("type") == "Action.Submit"] == ["ask"]
    assert not show_cards(card, "Share to a channel") and "Was this helpful?" not in texts(card)


def test_decline_that_cites_a_passage_shows_that_source_and_its_suggestions():
    answer = sample_answer(
        abstained=True,
        reason="not_in_guidance_detail",
        actions=[],
        answer="The guidance mentions Core20PLUS5 [1] but not its budget.",
        suggestions=["What is Core20PLUS5?"],
    )
    activity = render.render_answer(answer, share_targets=CHANNELS)
    card = card_of(activity)
    assert_valid_card(card)
    assert "**Sources**" in texts(card) and "[Guide 1](https://example.org/guide-1)" in texts(card)
    assert [c["position"] for c in message_entity(activity)["citation"]] == [1]
    assert not show_cards(card, "Share to a channel")
    assert any(n.get("data", {}).get("hibot") == "ask" for n in walk(card))


def test_abstention_has_no_sources_actions_or_share(engine):
    answer = engine.answer("What dose of amoxicillin should I give my patient?")
    assert answer.abstained
    activity = render.render_answer(answer, share_targets=CHANNELS)
    card = card_of(activity)
    assert_valid_card(card)
    assert "citation" not in message_entity(activity)
    assert "**Sources**" not in texts(card) and "**What you can do**" not in texts(card)
    assert not show_cards(card, "Share to a channel")
    assert answer.answer.splitlines()[0].strip() in texts(card)


def test_patient_data_warning_is_shown_first_and_prominently():
    activity = render.render_answer(sample_answer(warnings=[PII_WARNING]))
    card = card_of(activity)
    first = card["body"][0]
    assert first["type"] == "Container" and first["style"] == "warning"
    assert PII_WARNING_TEXT in first["items"][0]["text"]
    assert activity["text"].startswith("⚠️ " + PII_WARNING_TEXT)
    assert_valid_card(card)


def test_no_warning_block_without_patient_data():
    card = card_of(render.render_answer(sample_answer()))
    assert PII_WARNING_TEXT not in texts(card)


def test_huge_answer_stays_within_card_and_message_limits():
    many = [
        citation(
            i,
            title="A very long guidance title " * 10,
            quote="Long quoted passage. " * 200,
            section="Section " * 30,
            currency_note="This guidance is from 2014; check for newer guidance." if i % 2 else None,
        )
        for i in range(1, 61)
    ]
    text = " ".join(
        f"Sentence number {i} from the guidance with some words in it [{(i % 60) + 1}]." for i in range(3000)
    )
    answer = sample_answer(
        answer=text,
        citations=many,
        actions=[Action("ask", "Ask something long " * 50, (i % 60) + 1) for i in range(40)],
        warnings=[PII_WARNING],
    )
    channels = [ShareTarget(f"19:c{i}@thread.tacv2", f"Team {i} › Channel {i}") for i in range(300)]
    activity = render.render_answer(answer, share_targets=channels)
    card = card_of(activity)
    assert render.fits(activity) and render.card_bytes(card) <= render.CARD_MAX_BYTES
    assert render.message_bytes(activity, "utf-16-le") <= render.MESSAGE_MAX_UTF16_BYTES
    assert_valid_card(card)
    assert PII_WARNING_TEXT in texts(card)  # trimming never drops the warning
    entity = message_entity(activity)
    assert 0 < len(entity["citation"]) <= 20
    shown = {c["position"] for c in entity["citation"]}
    assert all(f"[{n}]" in texts(card) for n in shown)


def test_shared_copy_leads_with_the_question_then_the_sharer_and_note_and_offers_no_further_share():
    answer = sample_answer()
    activity = render.render_shared(answer, "Dr Jane Smith", "For the board paper [1](x)")
    card = card_of(activity)
    assert card["body"][0]["text"] == answer.question
    assert card["body"][1]["text"] == "Shared by Dr Jane Smith"
    assert card["body"][2]["items"][0]["text"] == "📝 For the board paper [1] (x)"  # no link smuggled in
    assert not show_cards(card, "Share to a channel")
    assert not [n for n in walk(card) if n.get("type") == "Input.Text"]
    assert message_entity(activity)["citation"]
    assert activity["text"].startswith(f"{answer.question}\n\nShared by Dr Jane Smith\n\nFor the board paper")
    assert_valid_card(card)


def test_shared_copy_without_a_note_has_no_note_block():
    card = card_of(render.render_shared(sample_answer(), "Dr Jane Smith", "  "))
    assert len([n for n in card["body"] if n.get("type") == "Container" and n.get("style") == "accent"]) == 0


def test_weekly_prompt_card_has_title_answer_and_this_week_action():
    prompt = Prompt(
        id="p1",
        title="Who is missing from your waiting list?",
        audience="clinicians",
        tags=["data"],
        body="Take five minutes to look at who is not on your list.",
        question="What is Core20PLUS5?",
        action="advocate",
    )
    activity = render.render_prompt(prompt, sample_answer())
    card = card_of(activity)
    assert_valid_card(card)
    body = texts(card)
    assert prompt.title in body and prompt.body in body
    assert "**This week: Advocate** — Advocate for inclusion health groups. [2]" in body
    assert message_entity(activity)["citation"]


def test_welcome_explains_scope_and_how_to_ask():
    activity = render_welcome("channel")
    card = card_of(activity)
    assert_valid_card(card)
    assert SCOPE_TEXT in texts(card)
    assert "@hibot" in texts(card)
