"""Redaction (bot/safety): every identifier replaced by its placeholder and nothing else, even when
it is written with Unicode spaces, zero-width characters, underscores, brackets or a line break."""

from __future__ import annotations

import itertools
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.safety import PLACEHOLDERS, find_identifiers, guard, redact

FAST = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- redaction properties ----------------------------------------------------------------------------

FRAGMENTS = [
    "9434765919",
    "943 476 5919",
    "943-476-5919",
    "SW1A 1AA",
    "m1 1ae",
    "DOB 12/03/1954",
    "born",
    "12/03/2020",
    "john.smith@example.com",
    "07700 900123",
    "+44 20 7946 0958",
    "Mrs Jones",
    "patient called Ann",
    "Core20PLUS5",
    "ICB",
    "2014-15",
    "ages 0-5",
    "section 13G",
    "2024",
    "[NHS number]",
    "[date of birth]",
]
messy = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(alphabet="abcMrsXY0123456789 -/.@+()", max_size=14)),
    max_size=8,
).map(" ".join)


@FAST
@given(messy)
def test_redaction_is_idempotent(text):
    once = redact(text).text
    assert redact(once).text == once


@FAST
@given(messy)
def test_redaction_removes_every_digit_of_each_identifier_and_no_other(text):
    findings = find_identifiers(text)
    inside = sum(ch.isdigit() for f in findings for ch in text[f.start : f.end])
    red = redact(text)
    assert sum(ch.isdigit() for ch in red.text) == sum(ch.isdigit() for ch in text) - inside
    assert sum(red.text.count(p) for p in PLACEHOLDERS.values()) >= len(findings)


@FAST
@given(messy)
def test_findings_are_ordered_and_never_overlap(text):
    spans = [(f.start, f.end) for f in find_identifiers(text)]
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))


@FAST
@given(messy)
def test_policy_text_never_holds_an_identifier(text):
    assert not redact(guard(text).policy_text).had_pii


def test_text_without_identifiers_is_returned_unchanged():
    text = "How can clinicians reduce inequalities in hypertension case-finding?"
    red = redact(text)
    assert red.text == text and red.findings == [] and not red.had_pii


def test_findings_list_each_kind_once_in_order_of_appearance():
    red = redact("SW1A 1AA, 9434765919, M1 1AE, jo@x.org")
    assert red.findings == ["postcode", "nhs_number", "email"]


# --- normalisation: identifiers written the way records systems, PDFs and phones paste them ------------


@pytest.mark.parametrize(
    "text,expected",
    [
        ("NHS 083\u00a0016\u00a06130 please", "NHS [NHS number] please"),
        ("NHS 083\u2009016\u202f6130 please", "NHS [NHS number] please"),
        ("NHS 083_016_6130 please", "NHS [NHS number] please"),
        ("NHS (083) 016 6130 please", "NHS [NHS number] please"),
        ("NHS 083 016\n6130 please", "NHS [NHS number] please"),
        ("NHS 083 016\r\n6130 please", "NHS [NHS number] please"),
        ("NHS 083\u200b016\u200c6130 please", "NHS [NHS number] please"),
        ("NHS 0\u200d83 0\u206016 61\ufeff30 please", "NHS [NHS number] please"),
        ("NHS ０８３ ０１６ ６１３０ please", "NHS [NHS number] please"),
        ("NHS 083.016 6130 please", "NHS [NHS number] please"),
        ("lives at ls1\u00a04ap now", "lives at [postcode] now"),
        ("lives at SW1A_1AA now", "lives at [postcode] now"),
        ("lives at SW1A\n1AA now", "lives at [postcode] now"),
        ("lives at S\u200bW1A 1\u200bAA now", "lives at [postcode] now"),
        ("ring 07700\u00a0900123 now", "ring [phone number] now"),
        ("ring 0113_496_0000 now", "ring [phone number] now"),
        ("ring 0113\n496 0000 now", "ring [phone number] now"),
        ("ring +44\u00a07700\u00a0900\u200b123 now", "ring [phone number] now"),
    ],
)
def test_identifiers_hidden_by_unicode_spaces_underscores_brackets_or_line_breaks_are_redacted(
    text, expected
):
    assert redact(text).text == expected


def test_spans_are_mapped_back_onto_the_original_characters():
    text = "see ０８３\u00a0０１６\u200b６１３０ today"
    [finding] = find_identifiers(text)
    assert text[finding.start : finding.end] == "０８３\u00a0０１６\u200b６１３０"


@pytest.mark.parametrize("email", ["jane_1980@example.org", "a_b_c@nhs.net"])
def test_underscores_inside_an_email_address_keep_it_one_address(email):
    assert redact(f"from {email} today").text == "from [email] today"


@pytest.mark.parametrize(
    "text",
    [
        "a_b_c",
        "snake_case_name",
        "2014_15 data",
        "ts 9434765919.123456",
        "score=0.3456789123",
        "version 1.2.3 of the 2024\u00a0guide",
    ],
)
def test_normalisation_finds_nothing_where_there_is_nothing(text):
    assert find_identifiers(text) == []


# Generators for the property below: a valid identifier, laid out with the separators people paste.
SPACE_LIKE = [" ", "\u00a0", "\u2009", "\u202f", "\u3000", "\u2007", "_", "\n", "\r\n", " \n", " _ ", "-"]
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]


def nhs_check_digit(nine: str) -> int:
    total = sum(int(d) * w for d, w in zip(nine, range(10, 1, -1), strict=True))
    c = 11 - total % 11
    return 0 if c == 11 else c


@st.composite
def with_zero_width(draw, text: str) -> str:
    """`text` with zero-width characters slipped in at random places, between or inside groups."""
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(ZERO_WIDTH)) + text[at:]
    return text


def joined(draw, groups: list[str]) -> str:
    """Groups joined by separators drawn one by one, so one number can mix several."""
    out = groups[0]
    for g in groups[1:]:
        out += draw(st.sampled_from([*SPACE_LIKE, *ZERO_WIDTH])) + g
    return out


def fullwidth(draw, digits: str) -> str:
    if draw(st.booleans()) and draw(st.booleans()):  # a quarter of the time
        return digits.translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})
    return digits


@st.composite
def pasted_nhs_number(draw) -> str:
    nine = draw(
        st.text(alphabet="0123456789", min_size=9, max_size=9).filter(lambda n: nhs_check_digit(n) != 10)
    )
    digits = fullwidth(draw, nine + str(nhs_check_digit(nine)))
    groups = [digits[:3], digits[3:6], digits[6:]]
    if draw(st.booleans()):
        groups[0] = f"({groups[0]})"
    return draw(with_zero_width(joined(draw, groups)))


POSTCODE_FIRST, POSTCODE_SECOND, INWARD = (
    "ABCDEFGHIJKLMNOPRSTUWYZ",
    "ABCDEFGHKLMNOPQRSTUVWXY",
    "ABDEFGHJLNPQRSTUWXYZ",
)


@st.composite
def pasted_postcode(draw) -> str:
    letter = lambda alphabet: draw(st.sampled_from(alphabet))  # noqa: E731
    digit = lambda: str(draw(st.integers(0, 9)))  # noqa: E731
    outward = draw(
        st.sampled_from(
            [
                lambda: letter(POSTCODE_FIRST) + digit(),
                lambda: letter(POSTCODE_FIRST) + digit() + digit(),
                lambda: letter(POSTCODE_FIRST) + letter(POSTCODE_SECOND) + digit(),
                lambda: letter(POSTCODE_FIRST) + letter(POSTCODE_SECOND) + digit() + digit(),
            ]
        )
    )()
    inward = digit() + letter(INWARD) + letter(INWARD)
    code = outward + draw(st.sampled_from(["", *SPACE_LIKE, *ZERO_WIDTH])) + inward
    code = code.lower() if draw(st.booleans()) else code
    return draw(with_zero_width(f"({code})" if draw(st.booleans()) else code))


@st.composite
def pasted_phone(draw) -> str:
    rest = draw(st.text(alphabet="0123456789", min_size=9, max_size=9))
    number = "0" + draw(st.sampled_from("1237")) + rest  # 11 digits: 01/02/03 landlines, 07 mobiles
    layout = draw(st.sampled_from([(5, 6), (4, 3, 4), (3, 4, 4)]))
    groups, at = [], 0
    for size in layout:
        groups.append(number[at : at + size])
        at += size
    if draw(st.booleans()):
        groups[0] = f"({groups[0]})"
    elif draw(st.booleans()):
        groups[0] = "+44" + draw(st.sampled_from(SPACE_LIKE[:5])) + groups[0][1:]
    return draw(with_zero_width(joined(draw, groups)))


# Words around the identifier: no digits, so any digit left afterwards belongs to the identifier.
words = st.text(alphabet="abcdefghij klmnopqrstuvwxyzABCDEFGHIJ.,?!:;'", max_size=40)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.one_of(pasted_nhs_number(), pasted_postcode(), pasted_phone()), min_size=1, max_size=3),
    st.lists(words, min_size=4, max_size=4),
)
def test_no_digit_of_a_pasted_identifier_survives_the_guard(identifiers, around):
    text = around[0] + " " + f" {around[1]} ".join(identifiers) + " " + around[2] + "? " + around[3]
    g = guard(text)
    for out in (g.redacted, g.policy_text):
        leftover = unicodedata.normalize("NFKC", out)
        assert not any(c.isdigit() for c in leftover), (text, out)
    assert g.had_pii
