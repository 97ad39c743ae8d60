"""Patient identifiers (bot/safety): NHS numbers with their mod-11 check, postcodes, dates of birth,
email addresses, phone numbers and names, found where they are and left alone where they only look alike."""

from __future__ import annotations

import re
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.safety import find_identifiers, is_valid_nhs_number, redact

FAST = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def kinds(text: str) -> list[str]:
    return [f.kind for f in find_identifiers(text)]


def check_digit(nine: str) -> int:
    total = sum(int(d) * w for d, w in zip(nine, range(10, 1, -1), strict=True))
    c = 11 - total % 11
    return 0 if c == 11 else c


# --- strategies -------------------------------------------------------------------------------

nine_digits = st.text(alphabet="0123456789", min_size=9, max_size=9)
valid_nhs = nine_digits.filter(lambda n: check_digit(n) != 10).map(lambda n: n + str(check_digit(n)))


@st.composite
def corrupted_nhs(draw) -> str:
    nine = draw(nine_digits)
    good = check_digit(nine)
    bad = draw(st.integers(0, 9).filter(lambda d: d != good))
    return nine + str(bad)


SEPARATORS = [" ", "-", "  ", " - ", "–", "\t", " -"]


@st.composite
def laid_out(draw, number: st.SearchStrategy[str]) -> str:
    """A 10-digit number split into groups at random places, joined by spaces or dashes."""
    digits = draw(number)
    cuts = sorted(draw(st.sets(st.integers(1, 9), max_size=9)))
    groups = [digits[a:b] for a, b in zip([0, *cuts], [*cuts, 10], strict=True)]
    out = groups[0]
    for g in groups[1:]:
        out += draw(st.sampled_from(SEPARATORS)) + g
    return out


# Surrounding text without digits, so every digit in the message belongs to the number.
surrounding = st.text(alphabet=string.ascii_letters + " .,?!:;()'\"—", max_size=40)


# --- NHS numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize("number", ["9434765919", "943 476 5919", "943-476-5919", "4010232137"])
def test_known_valid_nhs_numbers_pass_the_check(number):
    assert is_valid_nhs_number(number)


@pytest.mark.parametrize(
    "number",
    [
        "9434765918",  # wrong check digit
        "943476591",  # nine digits
        "94347659190",  # eleven digits
        "1234567890",  # check digit would be 10: never valid
        "943476591a",
        "",
    ],
)
def test_invalid_nhs_numbers_fail_the_check(number):
    assert not is_valid_nhs_number(number)


@FAST
@given(valid_nhs)
def test_generated_valid_numbers_pass_the_check(number):
    assert is_valid_nhs_number(number)


@FAST
@given(corrupted_nhs())
def test_a_corrupted_check_digit_fails_the_check(number):
    assert not is_valid_nhs_number(number)


@FAST
@given(laid_out(valid_nhs), surrounding, surrounding)
def test_valid_nhs_number_in_any_layout_is_found_and_fully_redacted(number, before, after):
    text = f"{before} {number} {after}"
    assert "nhs_number" in kinds(text)
    red = redact(text)
    assert "[NHS number]" in red.text
    assert not re.search(r"\d", red.text)
    assert red.had_pii


@FAST
@given(laid_out(corrupted_nhs()), surrounding, surrounding)
def test_number_with_corrupted_check_digit_is_not_called_an_nhs_number(number, before, after):
    assert "nhs_number" not in kinds(f"{before} {number} {after}")


phone_shaped_nine = st.builds(
    lambda second, rest: "0" + second + rest,
    st.sampled_from("1237"),
    st.text(alphabet="0123456789", min_size=7, max_size=7),
)


@FAST
@given(phone_shaped_nine.filter(lambda n: check_digit(n) != 10).map(lambda n: n + str(check_digit(n))))
def test_valid_nhs_number_shaped_like_a_phone_number_is_classed_as_nhs_number(number):
    assert kinds(f"call {number} today") == ["nhs_number"]


@pytest.mark.parametrize(
    "text",
    [
        "ref 9434765919abc",  # part of a longer token
        "build a1b2c39434765919ff",  # inside a hex id
        "ts 9434765919.123456",  # a decimal (Slack timestamps look like this)
        "94347659190",
    ],
)
def test_digits_inside_longer_tokens_are_not_nhs_numbers(text):
    assert "nhs_number" not in kinds(text)


@pytest.mark.parametrize(
    "text",
    [
        "score=0.3456789123",
        "took 12.0123456789 ms",
        "2024-03-12T10:00:00.123Z request 3f9a1c2b7d8e9f01 ts 1712345678.123456",
        "answer 9f86d081884c7d659a2feaa0c55ad015",
        "conversation 19:abc123@thread.skype",
    ],
)
def test_log_fields_that_look_numeric_are_left_alone(text):
    # bot/logs.py runs every logged string through redact(); ids, timings and timestamps must survive.
    assert redact(text).text == text


@pytest.mark.parametrize("text", ["NHS no 943.476.5919", "nhs 943/476/5919", "NHS9434765919", "#9434765919"])
def test_dotted_slashed_and_label_glued_nhs_numbers_are_found(text):
    red = redact(text)
    assert red.findings == ["nhs_number"] and not re.search(r"\d", red.text)


def test_nhs_number_next_to_other_numbers_is_still_found():
    red = redact("1. 943 476 5919 2024")
    assert red.text == "1. [NHS number] 2024"


# --- postcodes -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "postcode",
    [
        "SW1A 1AA",
        "sw1a 1aa",
        "SW1A1AA",
        "m1 1ae",
        "M1 1AE",
        "B33 8TH",
        "CR2 6XH",
        "DN55 1PT",
        "GIR 0AA",
        "EC1A 1BB",
        "W1A 0AX",
        "ls2 9jt",
    ],
)
def test_uk_postcodes_in_any_case_are_redacted(postcode):
    red = redact(f"Patient lives at {postcode}, what support is there?")
    assert red.findings == ["postcode"]
    assert postcode not in red.text and "[postcode]" in red.text


@pytest.mark.parametrize(
    "text",
    [
        "What are the five clinical areas of Core20PLUS5?",
        "Who are the PLUS groups?",
        "What does the ICB do? And the ICS? And a PCN?",
        "NHS England's 2024 guidance",
        "Vitamin B12 deficiency in deprived areas",
        "What did the 2014-15 assessment cover?",
        "5 clinical areas",
        "Section 13G of the NHS Act",
        "children aged 0-5",
        "the 2021/22 planning guidance",
        "COVID-19 vaccination uptake",
        "HbA1c 48 mmol/mol",
        "Equality Act 2010 section 149",
        "Level 3 training for 20% of staff",
        "CQC, UKHSA, OHID and DHSC",
    ],
)
def test_domain_vocabulary_has_no_identifiers(text):
    assert find_identifiers(text) == []
    assert not redact(text).had_pii


# --- dates of birth -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "DOB 12/03/1954",
        "dob: 12-03-54",
        "d.o.b. 12 March 1954",
        "Date of birth 1954-03-12",
        "born 12.03.1954",
        "born on the 3rd of March 1954",
        "born in March 1954",
        "date of birth: March 12, 1954",
        "DOB 1/2/60",
        "DOB 12031954",
    ],
)
def test_dates_with_a_birth_cue_are_redacted(text):
    red = redact(text)
    assert red.findings == ["date_of_birth"]
    assert not re.search(r"\d", red.text)


def test_any_full_date_counts_when_a_cue_is_present():
    red = redact("Patient 02/01/1948, DOB confirmed")
    assert red.findings == ["date_of_birth"]


def test_last_century_numeric_date_counts_without_a_cue():
    assert kinds("Seen today, 12/03/1954, in clinic") == ["date_of_birth"]


@pytest.mark.parametrize(
    "text",
    [
        "What did the 2014 letter say?",
        "What changed in 2024?",
        "born in 1954",  # a bare year is not a date of birth
        "The guidance was published on 12 March 2024",
        "Deadline 2024-06-30 for the plan",
        "the board meeting on 01/02/2024",
        "What happened between 2014-15 and 2023/24?",
    ],
)
def test_bare_years_and_recent_dates_without_a_cue_are_not_dates_of_birth(text):
    assert "date_of_birth" not in kinds(text)


# --- email, phone, names ---------------------------------------------------------------------------


@pytest.mark.parametrize("email", ["john.smith@example.com", "a.b+c@nhs.net", "JANE_DOE@trust.nhs.uk"])
def test_email_addresses_are_redacted(email):
    red = redact(f"contact {email} please")
    assert red.text == "contact [email] please"


@pytest.mark.parametrize(
    "phone",
    [
        "07700 900123",
        "07700900123",
        "07700-900-123",
        "(01632) 960123",
        "01632 960 123",
        "020 7946 0958",
        "+44 7700 900123",
        "+447700900123",
        "+44 (0)20 7946 0958",
        "0044 20 7946 0958",
        "0113 496 0000",
    ],
)
def test_uk_phone_numbers_are_redacted(phone):
    red = redact(f"ring {phone} after 5")
    assert red.findings == ["phone"], red.text
    assert red.text == "ring [phone number] after 5"


@pytest.mark.parametrize(
    "text",
    [
        "call 111 for advice",
        "a 999 call",
        "the 2014-15 assessment and 2023/24 funding",
        "12345 people",
        "1 in 5 adults",
    ],
)
def test_short_numbers_are_not_phone_numbers(text):
    assert "phone" not in kinds(text)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Should I admit Mrs Jones?", "Should I admit [name]?"),
        ("Mr John Smith came in", "[name] came in"),
        ("a patient called Sarah Khan needs help", "a patient called [name] needs help"),
        ("her name is Ada", "her name is [name]"),
    ],
)
def test_titled_and_introduced_patient_names_are_redacted(text, expected):
    assert redact(text).text == expected


@pytest.mark.parametrize(
    "text",
    [
        "What did Mr Hunt's 2014 letter say?",
        "What did Mr Jeremy Hunt ask for?",
        "What does MS Teams integration offer?",
        "How do we support MS patients with fatigue?",
        "Don't miss Out-of-hours data",
        "The programme is called Core20PLUS5",
    ],
)
def test_public_figures_and_lookalikes_are_not_names(text):
    assert "name" not in kinds(text)
