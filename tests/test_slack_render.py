"""Slack Block Kit rendering (bot/slack/render.py, weekly.py, views.py).

Pure functions, so these build `Answer`s by hand; the wording is the test's own, only structure,
escaping and Slack's limits are asserted."""

from __future__ import annotations

import json
import re

from bot.models import PII_WARNING, PII_WARNING_TEXT, Action, Answer, Citation, Prompt
from bot.slack.mrkdwn import BUTTON_TEXT_MAX, escape, split_text
from bot.slack.render import (
    FEEDBACK_DOWN,
    FEEDBACK_UP,
    MORE,
    SHARE,
    SUGGESTION,
    SUGGESTION_ACTION,
    render_answer,
    render_expanded,
)
from bot.slack.shared import NOTE_BLOCK, QUESTION_BLOCK, shared_message
from bot.slack.views import feedback_modal, home_view, modal_answer_id, modal_comment
from bot.slack.weekly import render_prompt
from tests.support.cards import assert_within_slack_limits

URL = "https://example.org/guide?a=1&b=2"


def cite(n: int, **kw) -> Citation:
    base = {
        "n": n,
        "doc_id": f"doc-{n}",
        "title": f"Guide {n}",
        "publisher": "NHS England",
        "year": 2024,
        "section": "Part A > Section B",
        "page": n + 10,
        "url": f"https://example.org/doc{n}",
        "quote": "q",
        "chunk_id": f"c{n}",
        "score": 0.5,
    }
    return Citation(**{**base, **kw})


def answer(**kw) -> Answer:
    base = {
        "question": "What is Core20PLUS5?",
        "abstained": False,
        "reason": None,
        "answer": "Core20PLUS5 is an approach. [1]\n- first item [2]\n- second item [1]",
        "citations": [cite(1), cite(2)],
        "actions": [Action("ask", "Ask who leads this work", 1), Action("advocate", "Raise it at board", 2)],
    }
    return Answer(**{**base, **kw})


def blocks_with(blocks: list[dict], prefix: str) -> list[dict]:
    return [b for b in blocks if b.get("block_id", "").startswith(prefix)]


def all_text(blocks: list[dict]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def buttons(blocks: list[dict]) -> list[dict]:
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"]]


# --- the answer ----------------------------------------------------------------------------------
def test_citation_markers_link_to_the_cited_source():
    msg = render_answer(answer())
    text = blocks_with(msg.blocks, "hibot_answer")[0]["text"]["text"]
    assert "<https://example.org/doc1|[1]>" in text
    assert "<https://example.org/doc2|[2]>" in text


def test_marker_without_a_url_stays_plain():
    msg = render_answer(answer(citations=[cite(1, url=None), cite(2)]))
    text = blocks_with(msg.blocks, "hibot_answer")[0]["text"]["text"]
    assert "[1]" in text and "|[1]>" not in text


def test_list_lines_render_as_bullets():
    text = blocks_with(render_answer(answer()).blocks, "hibot_answer")[0]["text"]["text"]
    lines = text.split("\n")
    assert lines[1].startswith("• first item") and lines[2].startswith("• second item")
    assert not any(line.startswith("- ") for line in lines)


def test_sources_list_every_citation_with_title_section_page_publisher_year_and_link():
    msg = render_answer(answer())
    elements = [
        e["text"]
        for b in blocks_with(msg.blocks, "hibot_sources_")
        if b["type"] == "context"
        for e in b["elements"]
    ]
    assert len(elements) == 2
    first = elements[0]
    assert first.startswith("*[1]*")
    assert "<https://example.org/doc1|Guide 1>" in first
    assert "Section B" in first and "p. 11" in first and "NHS England" in first and "2024" in first


def test_currency_note_is_shown_when_set():
    note = "This guidance is from 2014; check for newer guidance."
    msg = render_answer(answer(citations=[cite(1, currency_note=note), cite(2)]))
    sources = all_text(blocks_with(msg.blocks, "hibot_sources_"))
    assert note in sources


def test_actions_section_lists_each_action_with_its_source_number():
    msg = render_answer(answer())
    text = blocks_with(msg.blocks, "hibot_actions")[0]["text"]["text"]
    assert "*Ask:* Ask who leads this work <https://example.org/doc1|[1]>" in text
    assert "*Advocate:* Raise it at board <https://example.org/doc2|[2]>" in text


def test_feedback_buttons_carry_the_answer_id():
    a = answer()
    ids = {e["action_id"]: e["value"] for e in buttons(render_answer(a).blocks)}
    assert ids == {FEEDBACK_UP: a.answer_id, FEEDBACK_DOWN: a.answer_id}


def test_share_button_is_added_only_when_asked():
    a = answer()
    share = [e for e in buttons(render_answer(a, share=True).blocks) if e["action_id"] == SHARE]
    assert [e["value"] for e in share] == [a.answer_id]


def test_patient_data_warning_is_the_first_block():
    msg = render_answer(answer(warnings=[PII_WARNING]))
    assert msg.blocks[0]["block_id"] == "hibot_warning"
    assert escape(PII_WARNING_TEXT) in msg.blocks[0]["text"]["text"]
    assert PII_WARNING_TEXT.split(".")[0] in msg.text


def test_abstention_has_a_clear_message_and_no_sources_actions_or_share():
    a = answer(
        abstained=True,
        reason="out_of_scope",
        answer="I can't answer that from the guidance.",
        citations=[],
        actions=[],
    )
    msg = render_answer(a, share=True)
    assert blocks_with(msg.blocks, "hibot_abstained")
    assert not blocks_with(msg.blocks, "hibot_sources") and not blocks_with(msg.blocks, "hibot_actions")
    # no Share for a decline; "Still need help?" asks a person instead (bot/slack/help.py)
    assert {e["action_id"] for e in buttons(msg.blocks)} == {FEEDBACK_UP, FEEDBACK_DOWN, "still_need_help"}


def test_decline_shows_the_passage_it_cites_and_its_suggestions_as_buttons():
    a = answer(
        abstained=True,
        reason="not_in_guidance_detail",
        actions=[],
        citations=[cite(1)],
        answer="The guidance mentions Core20PLUS5 [1] but not its budget.",
        suggestions=["What is Core20PLUS5?", "What are the five clinical areas?"],
    )
    msg = render_answer(a, share=True)
    assert "|[1]>" in blocks_with(msg.blocks, "hibot_abstained")[0]["text"]["text"]
    assert blocks_with(msg.blocks, "hibot_sources_0")
    suggestions = blocks_with(msg.blocks, "hibot_suggestions")[0]["elements"]
    assert [(e["action_id"], e["value"]) for e in suggestions] == [
        (f"{SUGGESTION}_0", "What is Core20PLUS5?"),
        (f"{SUGGESTION}_1", "What are the five clinical areas?"),
    ]
    assert all(SUGGESTION_ACTION.match(e["action_id"]) for e in suggestions)
    assert SHARE not in {e["action_id"] for e in buttons(msg.blocks)}


def test_conversation_is_a_plain_message_with_suggestions_and_nothing_to_rate_or_share():
    a = answer(
        abstained=True,
        reason="help",
        citations=[],
        actions=[],
        answer="I answer questions about **health inequalities** <from the guidance>.",
        suggestions=["What is Core20PLUS5?"],
    )
    msg = render_answer(a, share=True)
    [body] = blocks_with(msg.blocks, "hibot_conversation")
    assert body["text"]["text"] == "I answer questions about *health inequalities* &lt;from the guidance&gt;."
    assert {e["action_id"] for e in buttons(msg.blocks)} == {f"{SUGGESTION}_0"}
    assert "**" not in all_text(msg.blocks) + msg.text


def test_thanks_without_suggestions_is_one_section_and_no_buttons():
    msg = render_answer(
        answer(abstained=True, reason="thanks", answer="You're welcome.", citations=[], actions=[])
    )
    assert [b["type"] for b in msg.blocks] == ["section"] and msg.text == "You're welcome."


def test_more_button_shows_when_there_is_more_and_expanding_keeps_the_rest_of_the_message():
    a = answer(more="- a third item [2]\nA closing sentence. [1]")
    msg = render_answer(a, share=True)
    assert [e["action_id"] for e in buttons(msg.blocks)][0] == MORE
    shared = shared_message(a, "U0SHARER", "A note")
    expanded = render_expanded(a, shared.blocks)
    text = "\n".join(b["text"]["text"] for b in blocks_with(expanded.blocks, "hibot_answer"))
    assert "• a third item" in text and text.startswith("Core20PLUS5 is an approach.")
    assert [b["block_id"] for b in expanded.blocks[:3]] == [QUESTION_BLOCK, "hibot_shared_by", NOTE_BLOCK]
    assert MORE not in {e["action_id"] for e in buttons(expanded.blocks)}
    assert blocks_with(expanded.blocks, "hibot_sources_0") == blocks_with(msg.blocks, "hibot_sources_0")
    assert_within_slack_limits(expanded.blocks, expanded.text)


def test_no_more_button_without_more():
    assert MORE not in {e["action_id"] for e in buttons(render_answer(answer()).blocks)}


def test_answer_to_a_suggestion_says_who_asked_and_what():
    msg = render_answer(answer(question="What is <Core20>?"), asked_by="U0CLINIC1")
    assert msg.blocks[0]["block_id"] == "hibot_asked"
    assert (
        msg.blocks[0]["elements"][0]["text"]
        == ":speech_balloon: <@U0CLINIC1> asked: _What is &lt;Core20&gt;?_"
    )


def test_long_suggestions_fit_a_button_and_keep_the_whole_question_as_its_value():
    long = "What does the guidance say about " + "health inequalities " * 10
    [button] = blocks_with(render_answer(answer(suggestions=[long])).blocks, "hibot_suggestions")[0][
        "elements"
    ]
    assert len(button["text"]["text"]) <= BUTTON_TEXT_MAX and button["value"] == long


def test_user_and_source_text_is_escaped_but_generated_links_are_not():
    a = answer(
        answer="Use <b>data</b> & <!channel> tricks [1]",
        citations=[cite(1, title="A & B <script>", section="x > y", url=URL)],
        actions=[],
    )
    msg = render_answer(a)
    text = blocks_with(msg.blocks, "hibot_answer")[0]["text"]["text"]
    assert "&lt;b&gt;data&lt;/b&gt; &amp; &lt;!channel&gt;" in text
    assert "<https://example.org/guide?a=1&amp;b=2|[1]>" in text
    source = blocks_with(msg.blocks, "hibot_sources_0")[0]["elements"][0]["text"]
    assert "A &amp; B &lt;script&gt;" in source
    assert "<!channel>" not in all_text(msg.blocks) and "<!channel>" not in msg.text


def test_only_web_links_are_linked():
    msg = render_answer(answer(citations=[cite(1, url="javascript:alert(1)"), cite(2)]))
    assert "javascript:" not in all_text(msg.blocks)


def long_answer(citations: int = 40, sentences: int = 400) -> Answer:
    cites = [
        cite(
            i,
            title="T & " * 80,
            section="S > " * 120,
            currency_note="Old <guidance> " * 40,
            url=f"https://example.org/{'p' * 200}/{i}",
        )
        for i in range(1, citations + 1)
    ]
    lines = []
    for i in range(sentences):
        n = i % citations + 1
        text = (
            f"Sentence {i} about <inequalities> & access, with a long tail of words {'x' * (i % 50)}. [{n}]"
        )
        lines.append(f"- {text}" if i % 7 == 0 else text)
    lines.append("W" * 7000 + " [1]")  # one unbreakable word longer than two sections
    actions = [
        Action(("ask", "advocate", "analyse")[i % 3], "Do the thing & more " * 30, i % citations + 1)
        for i in range(30)
    ]
    return Answer(
        question="q",
        abstained=False,
        reason=None,
        answer="\n".join(lines),
        citations=cites,
        actions=actions,
        warnings=[PII_WARNING],
    )


def test_long_multi_citation_answer_stays_within_slack_limits():
    a = long_answer()
    msg = render_answer(a, share=True)
    assert_within_slack_limits(msg.blocks, msg.text)
    assert len(blocks_with(msg.blocks, "hibot_answer")) > 1  # split, not cut to one section
    sources = all_text(blocks_with(msg.blocks, "hibot_sources_"))
    assert all(f"*[{c.n}]*" in sources for c in a.citations)
    assert buttons(msg.blocks)  # the buttons survive the trimming


def test_answer_longer_than_fifty_blocks_is_shortened_and_says_so():
    a = long_answer(citations=3, sentences=3000)
    msg = render_answer(a)
    assert_within_slack_limits(msg.blocks, msg.text)
    assert "shortened" in blocks_with(msg.blocks, "hibot_answer")[-1]["text"]["text"]


def test_longest_answer_with_every_extra_still_fits_fifty_blocks():
    a = long_answer(citations=3, sentences=3000)
    a.more, a.suggestions = a.answer, ["What is Core20PLUS5?"] * 3
    msg = render_answer(a, share=True, asked_by="U0CLINIC1")
    shared = shared_message(a, "U0SHARER", "note " * 200)
    expanded = render_expanded(a, shared.blocks)
    for m in (msg, shared, expanded):
        assert_within_slack_limits(m.blocks, m.text)


def test_split_never_cuts_inside_a_link_or_an_entity():
    text = " ".join(f"&amp;<https://example.org/{i}|[{i}]>" for i in range(400))
    for chunk in split_text(text, 100):
        assert len(chunk) <= 100
        assert chunk.count("<") == chunk.count(">")
        assert not re.search(r"&[a-z]{0,3}$", chunk)


def test_shared_post_leads_with_the_question_then_who_shared_and_the_note_then_the_answer():
    a = answer()
    msg = render_answer(a, share=True)
    shared = shared_message(a, "U0SHARER", "For Tuesday's huddle\nsee [1] <!channel>")
    assert [b["block_id"] for b in shared.blocks[:3]] == [QUESTION_BLOCK, "hibot_shared_by", NOTE_BLOCK]
    assert shared.blocks[0]["text"]["text"] == f"*{escape(a.question)}*"
    assert shared.blocks[1]["elements"][0]["text"].endswith("Shared by <@U0SHARER>")
    assert shared.blocks[2]["text"]["text"] == ":memo: For Tuesday's huddle\nsee [1] &lt;!channel&gt;"
    assert SHARE not in {e["action_id"] for e in buttons(shared.blocks)}
    assert {FEEDBACK_UP, FEEDBACK_DOWN} <= {e["action_id"] for e in buttons(shared.blocks)}
    original = [b for b in msg.blocks if b["type"] != "actions"]
    assert [b for b in shared.blocks[3:] if b["type"] != "actions"] == original
    assert "<@U0SHARER>" in shared.text and a.question in shared.text


def test_shared_post_without_a_note_has_no_note_block():
    shared = shared_message(answer(), "U0SHARER", "   ")
    assert NOTE_BLOCK not in [b.get("block_id") for b in shared.blocks]


def test_shared_copy_of_the_longest_answer_stays_within_fifty_blocks():
    shared = shared_message(long_answer(citations=3, sentences=3000), "U0SHARER", "x" * 5000)
    assert_within_slack_limits(shared.blocks, shared.text)


def test_shared_marker_does_not_trust_a_malformed_user_id():
    shared = shared_message(answer(), "<!channel>")
    assert "<!channel>" not in all_text(shared.blocks)


# --- weekly prompts, help, home, modal ----------------------------------------------------------
def test_weekly_prompt_has_title_body_cited_answer_and_this_week_action():
    prompt = Prompt(
        id="p1",
        title="Know your Core20",
        audience="clinicians",
        tags=["data"],
        body="**Why** it matters:\n- one thing",
        question="What is Core20PLUS5?",
        action="advocate",
    )
    msg = render_prompt(prompt, answer())
    assert msg.blocks[0]["type"] == "header" and "Know your Core20" in msg.blocks[0]["text"]["text"]
    body = blocks_with(msg.blocks, "hibot_prompt_body")[0]["text"]["text"]
    assert "*Why*" in body and "• one thing" in body
    assert blocks_with(msg.blocks, "hibot_sources_0")
    week = blocks_with(msg.blocks, "hibot_this_week")[0]["text"]["text"]
    assert week.startswith("*This week:*") and "*Advocate:*" in week and "|[2]>" in week
    assert msg.blocks[-1]["type"] == "actions"
    assert_within_slack_limits(msg.blocks, msg.text)


def test_home_view_lists_usage_examples_and_the_users_subscriptions():
    class Sub:
        conversation_id, weekday, time, timezone = "C0123ABC", 0, "09:00", "Europe/London"
        audience, tag, active, paused_reason = None, "data", False, "paused by a lead"

    view = home_view([Sub()])
    text = all_text(view["blocks"])
    assert view["type"] == "home"
    assert "/hibot" in text and "Example questions" in text
    assert "<#C0123ABC>" in text and "Mondays at 09:00 (Europe/London)" in text and "paused" in text


def test_home_view_still_renders_when_subscriptions_are_unavailable():
    assert "could not be loaded" in all_text(home_view(None)["blocks"])


def test_feedback_modal_round_trips_the_answer_id_and_comment():
    view = feedback_modal("abc123", "C1")
    assert view["notify_on_close"] is True
    view["state"] = {
        "values": {"comment": {"comment_input": {"type": "plain_text_input", "value": " too vague "}}}
    }
    assert modal_answer_id(view) == "abc123" and modal_comment(view) == "too vague"
