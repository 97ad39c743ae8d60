"""Questions about Scotland, Wales or Northern Ireland: health is devolved, and the guidance hibot
quotes is NHS England's. A list that starts with England ("England and Wales", "England, Wales and
Northern Ireland") is a mention of the UK, not a question about another nation."""

from __future__ import annotations

import re

from bot.safety.rules import Context, Rule
from bot.safety.vocabulary import rx, words

# Names whose only use in a health question is the nation itself. Not "Irish" (Irish Travellers are
# one of the groups the guidance covers) and not "NI" (National Insurance).
_NATION_WORDS = words(
    "scotland scottish wales welsh belfast edinburgh glasgow aberdeen dundee inverness cardiff "
    "swansea wrexham derry holyrood senedd stormont hscni cadwaladr"
) + ("northern ireland", "northern irish")
_NATION = rx(
    r"(?<!new\ssouth\s)(?<!prince\sof\s)(?<!princess\sof\s)\b(?:"
    + "|".join(w.replace(" ", r"\s+") for w in _NATION_WORDS)
    + r")\b"
)
_ENGLAND_FIRST_LIST = re.compile(r"\bengland(?:\s*(?:,|and|&)\s*(?:scotland|wales|northern\s+ireland))+\b")


class _OtherNation:
    """A nation named outside a list that England opens."""

    def matches(self, ctx: Context) -> bool:
        return _NATION.search(_ENGLAND_FIRST_LIST.sub(" ", ctx.lower)) is not None


# Health systems outside the UK asked about: "in the US", "Medicaid", "Canada's…". Not "American" alone
# (the corpus names no American group, but a question may quote an American study in passing).
_ABROAD = rx(
    r"\b(?:in|across|for)\s+(?:the\s+)?(?:united\s+states|america|canada|australia|new\s+zealand|"
    r"germany|france|netherlands|sweden|norway|denmark|india|china|japan|europe)\b"
    r"|\b(?:medicaid|medicare|obamacare|affordable\s+care\s+act)\b"
)
_US = re.compile(r"\b(?:in|across|for)\s+(?:the\s+)?(?:US|USA|U\.S\.A?\.?|EU)\b")  # "for us" is the reader


class _Abroad:
    """A health system outside the UK named as the place asked about."""

    def matches(self, ctx: Context) -> bool:
        return _ABROAD.search(ctx.lower) is not None or _US.search(ctx.text) is not None


NATION_RULES: tuple[Rule, ...] = (
    Rule("other_uk_nation", "other_nation", _OtherNation(), gate=tuple(w.split()[-1] for w in _NATION_WORDS)),
    Rule(
        "outside_the_uk",
        "other_nation",
        _Abroad(),
        gate=(
            "us",
            "u.s",
            "eu",
            "america",
            "united",
            "canada",
            "australia",
            "zealand",
            "germany",
            "france",
            "netherlands",
            "sweden",
            "norway",
            "denmark",
            "india",
            "china",
            "japan",
            "europe",
            "medica",
            "obamacare",
            "affordable",
        ),
    ),
)
