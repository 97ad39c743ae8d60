"""Hypothesis strategies for patient identifiers as people paste them: NHS numbers (valid mod-11),
postcodes and UK phone numbers, each group joined by a separator drawn on its own — spaces,
non-breaking and other Unicode spaces, underscores, dashes, dots, line breaks — with brackets,
full-width digits and zero-width characters slipped in. `compact()` is how a test looks for one
afterwards: whatever the layout, the identifier's letters and digits in order."""

from __future__ import annotations

import unicodedata

from hypothesis import strategies as st

SEPARATORS = [
    " ",
    "  ",
    "\u00a0",
    "\u2009",
    "\u202f",
    "\u3000",
    "\u2007",
    "_",
    "-",
    "\u2013",
    ".",
    "\n",
    "\r\n",
]
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"]
WORDS = st.text(alphabet="abcdefghij klmnopqrstuvwxyzABCDEFGHIJ,?!:;'", max_size=30)


def compact(text: str) -> str:
    """Letters and digits only, case-folded, after NFKC: the identifier however it was laid out."""
    return "".join(c for c in unicodedata.normalize("NFKC", text) if c.isalnum()).lower()


def _check_digit(nine: str) -> int:
    total = sum(int(d) * w for d, w in zip(nine, range(10, 1, -1), strict=True))
    c = 11 - total % 11
    return 0 if c == 11 else c


@st.composite
def _laid_out(draw, groups: list[str]) -> str:
    if draw(st.booleans()):
        groups = [f"({groups[0]})", *groups[1:]]
    out = groups[0]
    for g in groups[1:]:
        out += draw(st.sampled_from(SEPARATORS)) + g
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(1, max(1, len(out) - 1)))
        out = out[:at] + draw(st.sampled_from(ZERO_WIDTH)) + out[at:]
    if draw(st.integers(0, 4)) == 0:  # now and then, full-width digits
        out = out.translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})
    return out


@st.composite
def nhs_number(draw) -> str:
    nine = draw(
        st.text(alphabet="0123456789", min_size=9, max_size=9).filter(lambda n: _check_digit(n) != 10)
    )
    digits = nine + str(_check_digit(nine))
    return draw(_laid_out([digits[:3], digits[3:6], digits[6:]]))


@st.composite
def postcode(draw) -> str:
    first, second, inward = "ABCDEFGHIJKLMNOPRSTUWYZ", "ABCDEFGHKLMNOPQRSTUVWXY", "ABDEFGHJLNPQRSTUWXYZ"
    outward = draw(st.sampled_from(first)) + draw(st.sampled_from(["", *second]))
    outward += str(draw(st.integers(1, 9)))
    code = [
        outward,
        str(draw(st.integers(0, 9))) + draw(st.sampled_from(inward)) + draw(st.sampled_from(inward)),
    ]
    text = code[0] + draw(st.sampled_from([" ", "\u00a0", "_", "\n", "", "\u200b"])) + code[1]
    return text.lower() if draw(st.booleans()) else text


@st.composite
def phone_number(draw) -> str:
    rest = draw(st.text(alphabet="0123456789", min_size=9, max_size=9))
    number = "0" + draw(st.sampled_from("1237")) + rest
    return draw(_laid_out([number[:4], number[4:7], number[7:]]))


identifier = st.one_of(nhs_number(), postcode(), phone_number())


@st.composite
def message_with_identifiers(draw) -> tuple[str, list[str]]:
    """A message mixing one to three identifiers with words, and the identifiers themselves."""
    ids = draw(st.lists(identifier, min_size=1, max_size=3))
    words = draw(st.lists(WORDS, min_size=len(ids) + 1, max_size=len(ids) + 1))
    text = words[0]
    for ident, word in zip(ids, words[1:], strict=True):
        text += f" {ident} {word}"
    return text, ids
