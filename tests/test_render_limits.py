"""Every answer to every question in both eval sets renders within Slack's and Teams' limits, and
every Teams card validates against the shipped Adaptive Card 1.5 schema (no network)."""

from __future__ import annotations

import pytest

from bot.slack import render as slack_render
from bot.teams import render as teams_render
from tests.support.cards import CHANNELS, assert_valid_card, assert_within_slack_limits
from tests.support.eval_sets import load, question_sets


@pytest.fixture(scope="module")
def answers(engine) -> list:
    return [
        engine.answer(q["question"], history=q.get("history")) for path in question_sets() for q in load(path)
    ]


def test_every_eval_answer_fits_slack_limits_also_when_shared(answers):
    assert len(answers) >= 100
    for ans in answers:
        msg = slack_render.render_answer(ans, share=not ans.abstained)
        assert_within_slack_limits(msg.blocks, msg.text)
        shared = slack_render.share_message({"blocks": msg.blocks, "text": msg.text}, "U0CLINIC1")
        assert_within_slack_limits(shared.blocks, shared.text)


def test_every_eval_answer_is_a_valid_adaptive_card_within_teams_limits(answers):
    for ans in answers:
        activity = teams_render.render_answer(ans, share_targets=CHANNELS)
        card = teams_render.card_of(activity)
        assert_valid_card(card)
        assert teams_render.fits(activity)
        assert teams_render.card_bytes(card) <= teams_render.CARD_MAX_BYTES
