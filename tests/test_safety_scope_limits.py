"""Scope rules for what the guidance cannot speak to (bot/safety): hibot's own opinion or a value
judgement, another UK nation, and events after the newest document; with the near questions the
guidance does answer."""

from __future__ import annotations

import pytest

from bot.safety import classify_scope

OPINION = [
    "Which political party has the best plan for tackling health inequalities?",
    "tbh what do u think of the health secretary's record on HI?",
    "Honestly, was Jeremy Hunt any good as health secretary?",
    "Was Jeremy Hunt a good Health Secretary?",
    "Who was the better health secretary, Hunt or Lansley?",
    "Is the board guide a more reliable source than the policy map?",
    "are integrated care boards any good at reducing inequalities?",
    "Is Core20PLUS5 a waste of money?",
    "What do you think of the NHS England strategy?",
    "Do you agree with the RCP's recommendations?",
    "Which document is best for board members?",
    "Which guide is better, the RCP one or the NHS Providers one?",
    "In your opinion, are ICBs doing enough?",
    "Is the Equality and Health Inequalities Strategy any good?",
    "Is it fair that people in deprived areas wait longer for treatment?",
    "What's your view on the Hunt letter?",
    "Honestly, was the 2014 letter a failure?",
    "Who was the best Health Secretary?",
    "Would you say the PLUS groups are well chosen?",
]
OPINION_NEAR_MISSES = [
    "Who is better placed to lead on health inequalities, the board or the ICB?",
    "What does the strategy say about the ethnicity pay gap?",
    "What does the guide think boards should do?",
    "What is the best way to engage inclusion health groups?",
    "Is there a good example of an ICB using Core20PLUS5 data?",
    "Is it a good idea to record ethnicity at registration?",
    "What does good look like for board assurance on inequalities?",
    "Are people in poor housing more likely to have asthma?",
    "Which document covers the PLUS groups?",
    "Who is best placed to lead on health inequalities in a trust?",
    "How do you support patients who cannot read?",
    "What can you do as a clinician to reduce inequalities?",
    "Is good data a requirement for Core20PLUS5?",
    "What makes a good health inequalities lead?",
    "Which is the most deprived 20% of the population?",
]

OTHER_NATION = [
    "What is the Scottish Government's strategy on health inequalities?",
    "How does NHS Wales measure deprivation?",
    "What do Welsh health boards do about inequalities?",
    "Is there a Core20PLUS5 equivalent in Northern Ireland?",
    "What are health inequalities like in Belfast?",
    "How does England compare with Scotland on life expectancy?",
    "What does the Senedd say about health equity?",
    "Does the guidance apply to the Welsh NHS?",
    "What do health boards in Glasgow do for homeless people?",
]
OTHER_NATION_NEAR_MISSES = [
    "What does NHS Confederation do in England, Wales and Northern Ireland?",
    "What do mortality figures for England and Wales show about deprivation?",
    "How do health inequalities differ across the UK?",
    "What does NHS England expect of ICBs?",
    "How should we support Irish Traveller communities?",
    "What is the life expectancy gap in England?",
    "Was the study of deprivation done in New South Wales?",
]

AFTER_CORPUS_DATE = [
    "What's the latest hypertension figure for my ICB on the dashboard?",
    "What is the latest ONS figure for the life expectancy gap?",
    "Who is the current Secretary of State for Health?",
    "Has the Core20PLUS5 approach been scrapped?",
    "Is the new NHS 10-year plan still being written?",
    "When will the ICB mergers be finished?",
    "who is the health secretary now?",
    "What does the 2025/26 planning guidance say about inequalities?",
    "What will change for ICBs in 2026?",
    "What are this year's Core20PLUS5 priorities?",
    "What are the latest figures on hypertension detection?",
    "Has the new health inequalities strategy been published yet?",
    "What happened to the Core20PLUS5 programme since the election?",
    "Is the Hunt letter still in force?",
    "What are the waiting times now?",
    "What are the most recent statistics on deprivation and mortality?",
    "Have ICBs published their plans yet?",
    "What has NHS England announced since then?",
    "What is the new government's position on health inequalities?",
]
AFTER_CORPUS_DATE_NEAR_MISSES = [
    "What is the latest figure the RCP gives for the cost of inequalities?",
    "Has the gap in healthy life expectancy been narrowing?",
    "Will the guide be updated?",
    "What is the latest NHS England strategy on health inequalities?",
    "What does the current strategy say about data?",
    "What was the hypertension target for March 2025?",
    "What were the CQC's equality objectives for 2021-2025?",
    "What period does the statement from 2023 to 2025 cover?",
    "How many more people will live with major illness by 2040?",
    "What did the Secretary of State ask for in 2014?",
    "Who was the Secretary of State when the letter was written?",
    "What should the current board chair do about inequalities?",
    "Who is responsible for health inequalities on the board?",
    "Why do health inequalities still exist?",
    "Which ambitions have not yet been met?",
    "What has changed since the 2014 letter?",
    "What does the 2024 board guide say about data?",
    "What is the 2028 ambition for early cancer diagnosis?",
]


@pytest.mark.parametrize("question", OPINION)
def test_requests_for_an_opinion_or_value_judgement_are_declined_as_opinion(question):
    verdict = classify_scope(question)
    assert verdict is not None and verdict.reason == "opinion", verdict


@pytest.mark.parametrize("question", OTHER_NATION)
def test_questions_about_scotland_wales_or_northern_ireland_are_declined_as_other_nation(question):
    verdict = classify_scope(question)
    assert verdict is not None and verdict.reason == "other_nation", verdict


@pytest.mark.parametrize("question", AFTER_CORPUS_DATE)
def test_questions_about_events_after_the_newest_document_are_declined_as_after_corpus_date(question):
    verdict = classify_scope(question)
    assert verdict is not None and verdict.reason == "after_corpus_date", verdict


@pytest.mark.parametrize(
    "question", OPINION_NEAR_MISSES + OTHER_NATION_NEAR_MISSES + AFTER_CORPUS_DATE_NEAR_MISSES
)
def test_questions_the_guidance_answers_are_not_declined(question):
    assert classify_scope(question) is None
