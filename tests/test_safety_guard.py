"""`guard` (bot/safety): the redacted question, the identifier-free policy text retrieval searches
for, whether anything but identifiers was asked, and the scope verdict passed through."""

from __future__ import annotations

import re

import pytest

from bot.safety import guard, redact

# --- guard -----------------------------------------------------------------------------------------


def test_guard_strips_the_identifier_and_its_cue_from_the_policy_text():
    g = guard("NHS number 943 476 5919 — what does Core20PLUS5 mean for him?")
    assert g.policy_text == "what does Core20PLUS5 mean for him?"
    assert g.had_pii and g.pii_kinds == ["nhs_number"] and not g.pii_only and g.scope is None
    assert g.redacted == "NHS number [NHS number] — what does Core20PLUS5 mean for him?"


def test_policy_text_drops_the_conjunction_left_between_two_identifiers():
    g = guard("patient's NHS no: 9434765919 and tel. 07700 900123; how do I find local data?")
    assert g.policy_text == "how do I find local data?"


def test_removing_a_placeholder_cannot_join_neighbours_into_a_new_identifier():
    g = guard("M1 9434765919 1AE what is Core20PLUS5")
    assert not redact(g.policy_text).had_pii and "Core20PLUS5" in g.policy_text


def test_guard_keeps_the_policy_part_when_identifiers_sit_mid_sentence():
    g = guard(
        "My patient (DOB 12/03/1954, lives at SW1A 1AA) is from a deprived area; what does Core20PLUS5 say?"
    )
    assert g.policy_text == "My patient is from a deprived area; what does Core20PLUS5 say?"
    assert set(g.pii_kinds) == {"date_of_birth", "postcode"} and not g.pii_only


@pytest.mark.parametrize(
    "text",
    [
        "9434765919",
        "patient SW1A 1AA DOB 01/02/1960",
        "Mrs Jones 07700 900123",
        "NHS no: 943-476-5919, DOB: 12/03/1954, postcode m1 1ae",
        "john.smith@example.com",
        "Re: Mr Smith, d.o.b. 1954-03-12 - please advise",
    ],
)
def test_message_of_only_identifiers_and_filler_is_pii_only(text):
    g = guard(text)
    assert g.had_pii and g.pii_only
    assert not re.search(r"\d", g.redacted)


@pytest.mark.parametrize("text", ["hello", "What is Core20PLUS5?", "  "])
def test_message_without_identifiers_is_never_pii_only(text):
    g = guard(text)
    assert not g.had_pii and not g.pii_only and g.pii_kinds == []


def test_guard_passes_the_scope_verdict_through():
    g = guard("Mrs Jones, NHS number 943 476 5919, lives at SW1A 2AA - should I refer her to cardiology?")
    assert g.scope is not None and g.scope.reason == "individual_patient"
    assert not g.pii_only and "943" not in g.redacted and "Jones" not in g.redacted


def test_policy_text_of_a_question_without_identifiers_is_the_question():
    g = guard("  What is   Core20PLUS5? ")
    assert g.policy_text == "What is Core20PLUS5?" and g.redacted == "  What is   Core20PLUS5? "
