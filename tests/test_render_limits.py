"""Every answer to every question in every shared eval set (and the project's own first set) renders
within Slack's and Teams' limits — as the answer its asker sees and as the post a conversation sees when
it is shared — and every Teams card validates against the shipped Adaptive Card 1.5 schema (no
network). A shared post's first section is always the question."""

from __future__ import annotations

import pytest

from bot.slack import render as slack_render
from bot.slack.mrkdwn import escape
from bot.slack.shared import QUESTION_BLOCK, shared_message
from bot.teams import render as teams_render
from tests.support.cards import CHANNELS, assert_valid_card, assert_within_slack_limits
from tests.support.eval_sets import SHARED_SETS, load, question_sets

NOTE = "Worth a look before our next equity huddle — see the actions at the end. " * 6  # ~450 chars


@pytest.fixture(scope="module")
def answers(engine) -> list:
    """One answer per question, computed once for the module (the render checks are cheap)."""
    paths = list(dict.fromkeys([*(p for p in SHARED_SETS if p.exists()), *question_sets()]))
    return [engine.answer(q["question"], history=q.get("history")) for path in paths for q in load(path)]


def test_every_eval_answer_fits_slack_limits_also_when_shared(answers):
    assert len(answers) >= 100
    for ans in answers:
        msg = slack_render.render_answer(ans, share=True)
        assert_within_slack_limits(msg.blocks, msg.text)
        shared = shared_message(ans, "U0CLINIC1", NOTE)
        assert_within_slack_limits(shared.blocks, shared.text)
        first = shared.blocks[0]
        assert first["type"] == "section" and first["block_id"] == QUESTION_BLOCK
        question = escape(" ".join(ans.question.split()).replace("*", ""))
        assert not question or first["text"]["text"].startswith(f"*{question[:40]}")


def test_every_eval_answer_is_a_valid_adaptive_card_within_teams_limits_also_when_shared(answers):
    for ans in answers:
        activity = teams_render.render_answer(ans, share_targets=CHANNELS)
        shared = teams_render.render_shared(ans, "Dr Jane Smith", NOTE)
        for a in (activity, shared):
            card = teams_render.card_of(a)
            assert_valid_card(card)
            assert teams_render.fits(a)
            assert teams_render.card_bytes(card) <= teams_render.CARD_MAX_BYTES
        first = teams_render.card_of(shared)["body"][0]
        assert first["type"] == "TextBlock" and first["weight"] == "Bolder"
        question = " ".join(ans.question.split())
        assert not question or first["text"].startswith(question[:40].replace("](", "] ("))
