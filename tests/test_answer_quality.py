"""What every answer to every question set holds to: each sentence verbatim from the passage it cites,
no sentence twice, no section cited twice, no raw markdown, a short answer; and the shapes a reader
relies on (a list given whole, a definition first, a letter's furniture never quoted)."""

from __future__ import annotations

import json
import re
import statistics

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.engine.documents import heading_of
from bot.engine.text import strip_markup
from tests.support.eval_sets import all_sets, load

MARKER = re.compile(r"\s*\[(\d+)\]$")
# "The Secretary of State for Health wrote in 2014: “…”": an attribution frame around a quote.
FRAMED = re.compile(r"^(?:[A-Z][\w' ]+ wrote(?: in \d{4})?: )?“(.*)”$")


def norm(s: str) -> str:
    return re.sub(r"\s+", " ", strip_markup(s)).strip().lower()


def answer_lines(text: str) -> list[tuple[str, int]]:
    """(sentence, citation number) pairs; every sentence must end with a marker."""
    out = []
    for line in text.split("\n"):
        line = line.strip()
        if line.startswith("- "):
            line = line[2:]
        for part in re.findall(r".*?\[\d+\]", line):
            m = MARKER.search(part)
            sentence = part[: m.start()].strip()
            framed = FRAMED.match(sentence)
            out.append((framed.group(1) if framed else sentence, int(m.group(1))))
        assert re.sub(r".*?\[\d+\]", "", line).strip() == "", f"text without a citation marker: {line!r}"
    return out


def unlabelled(sentence: str, section: str | None, all_headings: frozenset[str] = frozenset()) -> str:
    """A summary's line less the heading of the part it stands for ("No 10 — …"): the label must be
    one of the headings of the section it cites, and what it lists after it in brackets ("Influences
    (Levelling up; Race and ethnicity; …) — …") headings of the library (`all_headings`)."""
    label, dash, rest = sentence.partition(" — ")
    parts = section.split(" > ") if section else []
    headings = {norm(heading_of(" > ".join(parts[: i + 1]))) for i in range(len(parts))}
    contents = re.fullmatch(r"(.+?) \((.+)\)", label)
    if contents and norm(contents.group(1)) in headings:
        inner = contents.group(2).split("; ")
        assert all(norm(h).lower() in all_headings for h in inner), (label, all_headings)
        label = contents.group(1)
    if not dash or norm(label) not in headings:
        return sentence
    framed = FRAMED.match(rest)
    return framed.group(1) if framed else rest


def quoted(ans) -> str:
    """The quoted lines of an answer: all of it, or a decline's last line (the passage it cites)."""
    return ans.answer.rsplit("\n", 1)[-1] if ans.abstained else ans.answer


@pytest.fixture(scope="module")
def answered(engine):
    """Every question of every set, answered once: (set name, question, Answer)."""
    return [
        (path.stem, q, engine.answer(q["question"], history=q.get("history")))
        for path in all_sets()
        for q in load(path)
    ]


def test_every_answer_sentence_is_verbatim_in_a_passage_it_cites(engine, answered):
    chunks = {c["chunk_id"]: norm(c["text"]) for c in engine.retriever.chunks}
    all_headings = frozenset(
        norm(heading_of(" > ".join(parts[: i + 1]))).lower()
        for c in engine.retriever.chunks
        for parts in [(c.get("section") or "").split(" > ")]
        for i in range(len(parts))
    )
    checked = 0
    for _, q, ans in answered:
        cited = {c.n: c for c in ans.citations}
        if ans.abstained and not ans.citations:
            continue  # a decline is a message; one that cites (not_in_guidance_detail) quotes last
        for sentence, n in answer_lines(quoted(ans)) + answer_lines(ans.more):
            assert n in cited, (q["id"], n)
            text = unlabelled(sentence, cited[n].section, all_headings)
            assert any(norm(text) in chunks[cid] for cid in cited[n].chunk_ids), (q["id"], sentence)
            checked += 1
        for c in ans.citations:
            for part in c.quote.split(" … "):
                assert any(norm(part) in chunks[cid] for cid in c.chunk_ids), (q["id"], part)
        for a in ans.actions:
            assert a.citation in cited and any(
                norm(a.text) in chunks[cid] for cid in cited[a.citation].chunk_ids
            )
        # A sentence that promises a list ("... through:") comes with the list it promises (a
        # not_in_guidance_detail decline cites such a sentence to show the list is not there).
        lines = [] if ans.abstained else ans.answer.split("\n")
        for line, after in zip(lines, [*lines[1:], ""][: len(lines)], strict=True):
            m = re.search(r":”?\s*\[(\d+)\]$", line)
            if m:
                assert after.startswith("- "), (q["id"], line)
    assert checked > 1000


def test_no_sentence_twice_no_section_twice_no_raw_markdown_and_answers_are_short(answered):
    words = []
    for _, q, ans in answered:
        if ans.abstained and not ans.citations:
            continue
        sentences = [norm(s) for s, _ in answer_lines(quoted(ans)) + answer_lines(ans.more)]
        assert len(sentences) == len(set(sentences)), (q["id"], "a sentence repeated")
        short = [norm(s) for s, _ in answer_lines(quoted(ans))]
        assert not [a for a in ans.actions if any(s in norm(a.text) for s in short)], (
            q["id"],
            "action repeats",
        )
        sources = [(c.doc_id, c.section or c.page) for c in ans.citations]
        assert len(sources) == len(set(sources)), (q["id"], "a source section listed twice")
        assert "**" not in ans.answer + ans.more and "](" not in ans.answer + ans.more, q["id"]
        if not ans.abstained:
            words.append(len(re.sub(r"\[\d+\]", "", ans.answer).split()))
    # The short answer a clinician reads in ten seconds; the rest is behind "More".
    assert statistics.median(words) <= 90, statistics.median(words)


def test_five_clinical_areas_come_out_as_a_whole_list(engine):
    ans = engine.answer("What are the five clinical areas of Core20PLUS5?")
    assert not ans.abstained
    text = ans.answer.lower()
    for area in ("maternity", "mental illness", "respiratory", "cancer", "hypertension"):
        assert area in text


def test_a_list_that_ingest_cut_across_two_passages_is_given_whole(engine):
    # the digital inclusion framework's six groups run over a passage boundary in the index
    ans = engine.answer(
        "Which groups does the digital inclusion framework say are most at risk of digital exclusion?"
    )
    items = [line for line in ans.answer.split("\n") if line.startswith("- ")]
    assert len(items) == 6, ans.answer
    assert any("broadband" in i for i in items) and any("older people" in i.lower() for i in items)
    assert len({i.rsplit("[", 1)[1] for i in items}) == 1  # one source, cited once


def test_a_promised_list_is_given_whole_and_alone(engine):
    # "… across four domains:" is followed in its passage by a second list (the maturity levels):
    # the answer gives the four domains, the two-word one included, and not the levels after them
    ans = engine.answer("What are the four domains in the NHS Providers self-assessment tool?")
    items = [line for line in ans.answer.split("\n") if line.startswith("- ")]
    assert len(items) == 4, ans.answer
    assert any("System partnerships" in i for i in items)
    assert not any("emerging" in i for i in items)
    # and a list promised with a semicolon ("… the following principles;") comes with it
    principles = engine.answer(
        "what principles does it work to?", history=["What are the aims of NHS England's strategy?"]
    )
    assert sum(line.startswith("- ") for line in principles.answer.split("\n")) == 3, principles.answer


def test_a_definition_question_opens_with_the_definition(engine):
    ans = engine.answer("What is Core20PLUS5?")
    first = answer_lines(ans.answer)[0][0]
    assert first.startswith("Core20PLUS5 is"), first


def test_first_person_text_is_attributed_not_presented_as_advice(engine):
    ans = engine.answer("What did the Hunt letter say it would report on?")
    assert not ans.abstained
    for line in re.split(r"(?<=\])\s+|\n", ans.answer):
        if re.search(r"\b(I|my)\b", line.split("“")[-1]):
            assert "“" in line, line
    assert "Secretary of State for Health wrote in 2014:" in ans.answer


def test_the_authors_we_is_attributed_to_the_publisher(answered):
    # "We recognise that trusts…" at the head of a line says who "we" is; "we" inside a sentence
    # ("the conditions in which we are born") is left as it is
    checked = 0
    for _set, _q, ans in answered:
        for line in re.split(r"(?<=\])\s+|\n", ans.answer + "\n" + ans.more):
            text = line.lstrip("- ")
            if re.match(r"(?:[^,.“]{3,80},\s+)?[Ww]e (?:recognise|recommend|have recommended)\b", text):
                raise AssertionError(f"unattributed: {line}")
            checked += "NHS Providers wrote in 2024: “We " in line
    assert checked >= 3


def test_a_named_document_is_summarised_from_its_own_statements(engine):
    ans = engine.answer("What does the Hunt letter say?")
    assert not ans.abstained
    assert {c.doc_id for c in ans.citations} == {"hunt-letter-2014"}
    assert "the aim is to develop the system further" in ans.answer + ans.more  # the letter's stated aim


def test_a_named_section_is_summarised_from_that_section(engine):
    ans = engine.answer("Summarise the self-assessment tool section of the board guide")
    assert not ans.abstained
    assert all("Self-assessment tool" in (c.section or "") for c in ans.citations), [
        c.section for c in ans.citations
    ]


def test_actions_are_addressed_to_the_reader(engine):
    board = engine.answer("What should our trust board do first on health inequalities?")
    nhse_deliverables = (
        "Review of all NHS England",
        "Embed public health core skills",
        "for all NHS England staff",
    )
    for a in board.actions:
        assert not a.text.startswith(nhse_deliverables), a.text
        assert "patient" not in a.text.lower(), a.text  # no consultation cue on a board question


def test_a_follow_up_about_a_role_gets_no_consultation_cue_and_actions_are_instructions(engine, answered):
    follow = engine.answer("and who should they report to?", history=["Does a trust need a board lead?"])
    assert not any(a.text.lower().startswith(("ask if they", "ask whether they")) for a in follow.actions)
    # Over every answer: a suggestion is something to do, not a statement of fact ("Appointing a
    # lead is a requirement…").
    for _, q, ans in answered:
        for a in ans.actions:
            assert not re.match(r"(?:\w+ly\s+)?\w{3,}ing\b", a.text), (q["id"], a.text)


LETTER = """---
title: A letter on fair access
publisher: Test Department
year: 2021
---
**Test Department**

From the Rt Hon A Minister MP
Secretary of State

1 Example Street
London

Dear colleagues,

I am writing about the duties on fair access for 2021-22. I expect every board to publish how it meets them.

- Reduction in waiting-time gaps between the most and least deprived areas.
- Reduction in gaps in cancer diagnosis at an early stage.

Real progress would mean that people in every neighbourhood can expect the same chance of a long
and healthy life, whatever their income.

*Yours sincerely*

**A MINISTER**
"""


def test_answers_quote_the_sentence_that_answers_not_the_letterhead_or_sign_off(tmp_path):
    """The sentence that answers leads; addresses, names and sign-offs of a letter are never quoted
    as if they answered anything (a one-document corpus knows few words, so the question shares some)."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "letter.md").write_text(LETTER)
    index = tmp_path / "index"
    result = CliRunner().invoke(app, ["ingest", "--corpus", str(corpus), "--index", str(index), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["status"] == "built"
    question = "According to the minister, what would real progress mean for families?"
    result = CliRunner().invoke(app, ["ask", question, "--json", "--index", str(index)])
    data = json.loads(result.stdout)
    assert not data["abstained"], data
    sentences = [s for s, _ in answer_lines(data["answer"])]
    assert sentences[0].startswith("Real progress would mean"), sentences
    quoted = " ".join(c["quote"] for c in data["citations"])
    for furniture in ("Example Street", "Yours sincerely", "A MINISTER", "From the Rt Hon"):
        assert furniture not in quoted
    assert "deprived areas." not in " ".join(s for s in sentences if "Real progress" in s)


def test_sources_are_numbered_in_the_order_a_reader_meets_them(answered):
    """The short answer's sources, then its actions', then those only "More" shows: what is on
    screen without "More" is numbered 1..k with no gap."""
    checked = 0
    for _, q, ans in answered:
        if ans.abstained:
            continue
        on_screen = {int(n) for n in re.findall(r"\[(\d+)\]", ans.answer)} | {a.citation for a in ans.actions}
        assert on_screen == set(range(1, len(on_screen) + 1)), (q["id"], sorted(on_screen))
        assert [c.n for c in ans.citations] == list(range(1, len(ans.citations) + 1)), q["id"]
        checked += 1
    assert checked > 400


def test_a_section_with_subsections_is_summarised_a_line_from_each(engine):
    ans = engine.answer("What does the NHS England strategy say under 'The Enablers'?")
    assert not ans.abstained
    parts = [c.section.split(" > ")[2] for c in ans.citations if c.section and c.section.count(" > ") >= 2]
    assert len(set(parts)) == len(parts) == 3 and all(p.startswith("Enabler ") for p in parts)  # each, once
    # led by the line where the strategy introduces them, by name ("…three process-focused enablers: …")
    lead = ans.answer.split("\n")[0]
    assert all(
        name in lead for name in ("Listening and Learning", "Gaining Knowledge", "Making the System Work")
    )
    assert ans.citations[0].section == "Section II – The Outcomes and The Enablers"


def test_a_chatty_request_for_a_documents_parts_gets_them_all(engine):
    """Asides about the asker ("brain fog today", "for my team", "I'm a governor") and words the library
    never uses do not turn a request for a document's or section's contents into a search for them."""
    ans = engine.answer(
        "soooo whats the 3 enablers in the nhse equality + HI strategy again? brain fog today 🙃"
    )
    assert {c.section.split(" > ")[-1] for c in ans.citations} >= {
        "Enabler 1: Listening and Learning",
        "Enabler 2: Gaining Knowledge",
        "Enabler 3: Making the System Work",
    }
    ans = engine.answer(
        "Can you run me through the wider influences on health inequalities policy that the map lists?"
    )
    assert len({c.section for c in ans.citations if c.section.startswith("Influences > ")}) == 5
    ans = engine.answer(
        "Summarise NHS England's Equality and Health Inequalities Strategy for my team in a few bullets"
    )
    assert len({c.section for c in ans.citations}) >= 4  # its parts, not one passage found by "team"
    # a named part asked about by its members' word: one of them ("the funding barrier"), not all
    ans = engine.answer("what does the RCP say about funding barriers?")
    assert {c.section.split(" > ")[-1] for c in ans.citations} == {"Funding"}


def test_a_page_of_a_document_is_summarised_from_that_page(engine):
    ans = engine.answer("What's on the second page of the Hunt letter?")
    assert not ans.abstained
    assert {c.page for c in ans.citations} == {2}
    assert "infant mortality" in ans.answer + ans.more  # the letter's page 2 lists the mortality goals
    assert engine.answer("What's on page 7 of the Hunt letter?").abstained  # it has two pages


def test_acknowledgements_answer_only_who_made_it_and_contact_sections_are_never_quoted(engine, answered):
    assert answered
    for _set, _q, ans in answered:
        sections = [c.section or "" for c in ans.citations]
        assert not [s for s in sections if re.search(r"get in touch", s, re.I)], ans.question
        if any(re.search(r"acknowledg", s, re.I) for s in sections):
            assert re.search(r"\bwho\b", ans.question, re.I), ans.question
    credit = engine.answer("Who came up with the self-assessment tool in the board guide?")
    assert credit.answer.startswith("The objectives and self-assessment tool included within this guide were")
    assert "Christine Camacho" in credit.answer


def test_a_figure_comes_with_its_pair_and_a_faq_answer_whole(engine):
    gap = engine.answer(
        "What's the life expectancy gap between the most and least deprived areas for men and women?"
    )
    assert "a decade less" in gap.answer and "7.3 years" in gap.answer
    faq = engine.answer(
        "I work in an ambulance trust - should we use the self-assessment tool in the board guide?"
    )
    assert "maturity matrix" in faq.answer


def test_the_sentence_that_answers_what_kind_of_thing_is_asked_leads(engine):
    """Whom a letter went to, whether something is only for some, how often, from which year: the line
    that says it comes first, not the passage's other lines."""
    to = engine.answer("Who at NHS England was Hunt's 2014 health inequalities letter addressed to?")
    assert to.answer.startswith("Professor Sir Malcolm Grant/ Simon Stevens, NHS England")
    only = engine.answer("is PCREF just for MH trusts or do us acute lot need to do it too?")
    assert "This framework is applicable to mental health trusts only." in only.answer
    often = engine.answer("how often r we meant to redo the HI self assessment thing?? every yr or what lol")
    assert "annually" in often.answer.split("[1]")[0]
    year = engine.answer("From which year did Hunt hope outcome measures could feed into the assessment?")
    assert "from 2015-16" in year.answer.split("[1]")[0]


def test_a_follow_up_asking_something_new_of_the_same_subject_is_answered_by_its_own_words(engine):
    duties = "What legal duties do ICBs have on health inequalities according to the RCP guidance?"
    report = engine.answer("Do they have to report on that anywhere?", history=[duties])
    assert report.answer.startswith("ICBs are required to prepare an annual report")
    aims = "What are the four aims that the 2022 Health and Care Act gave ICSs?"
    which = engine.answer("which of those is the inequalities one?", history=[aims])
    assert which.answer.lstrip("- ").startswith("Tackling inequalities in outcomes, experience and access")


def test_who_is_asking_and_chat_around_a_question_do_not_make_it_unanswerable(engine):
    albs = engine.answer(
        "I work at one of the arm's-length bodies Hunt wrote to in 2014. "
        "What were we expected to report back on?"
    )
    assert not albs.abstained and "I expect you to report on how you are developing" in albs.answer
    taught = engine.answer(
        "anyone know what % of physicians actualy got taught about HI during training? "
        "feels like none of us did"
    )
    assert not taught.abstained and "67 %" in taught.answer
    fts = engine.answer("do FTs actually have to put health inequalities stuff in the annual report now??")
    assert "NHSE requires foundation trusts to include information" in fts.answer


def test_other_countries_and_a_readers_own_contract_are_declined(engine):
    us = engine.answer("How has Medicaid expansion in the US affected racial disparities in health outcomes?")
    assert us.reason == "other_nation"
    leave = engine.answer(
        "My manager won't give me study leave for a course – can they refuse it under my contract?"
    )
    assert leave.abstained and leave.reason == "out_of_scope"
    ours = engine.answer("What does the board guide mean for us as a trust board?")
    assert not ours.abstained


def test_no_action_says_again_what_the_answer_says(answered):
    """A suggested action that is a line of the answer, or a part of one, is a sentence said twice."""
    checked = 0
    for _, q, ans in answered:
        lines = [norm(s) for s, _ in answer_lines(quoted(ans))] if not ans.abstained else []
        for action in ans.actions:
            said = norm(action.text).rstrip(".")
            assert not any(said in line or line in said for line in lines), (q["id"], action.text)
            checked += 1
    assert checked > 50
