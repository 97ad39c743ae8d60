"""Schedule arithmetic and rotation for weekly prompt subscriptions. Pure functions, no database.

A subscription's slot is "WEEKDAY at HH:MM" in its own IANA time zone, recomputed every week from
the local calendar, so 09:00 Europe/London stays 09:00 on the wall clock across both DST changes.
The period key is the ISO week of the slot in that local calendar ("2026-W13"): the unit of
exactly-once delivery.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.models import Prompt

DEFAULT_TIMEZONE = "Europe/London"
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_WEEKDAY_ALIASES = {"tues": 1, "weds": 2, "thur": 3, "thurs": 3}
_TIME = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")
_TIME_12H = re.compile(r"^(\d{1,2})(?:[:.]([0-5]\d))?(am|pm|a\.m\.|p\.m\.)$")
AUDIENCES = ("clinicians", "leaders", "board members", "all")


class ScheduleError(ValueError):
    """A subscription argument people typed is not valid; the message says how to fix it."""


def parse_weekday(text: str) -> int:
    word = text.strip().lower().rstrip(".")
    for i, name in enumerate(WEEKDAYS):
        if word == name or (len(word) >= 3 and name.startswith(word)) or word == name + "s":
            return i
    if word in _WEEKDAY_ALIASES:
        return _WEEKDAY_ALIASES[word]
    raise ScheduleError(
        f"'{text}' is not a day of the week. Use monday … sunday (or mon, tue, wed, thu, fri, sat, sun)."
    )


def parse_time(text: str) -> str:
    """ "HH:MM" from what people type: 09:00, 9:00, 9.30, 9am, 9:30pm, 12pm (noon), 12am (midnight)."""
    t = text.strip().lower().replace(" ", "")
    m = _TIME.match(t)
    if m:
        return f"{int(m.group(1)):02d}:{m.group(2)}"
    m = _TIME_12H.match(t)
    if m and 1 <= int(m.group(1)) <= 12:
        hour = int(m.group(1)) % 12 + (12 if m.group(3).startswith("p") else 0)
        return f"{hour:02d}:{m.group(2) or '00'}"
    raise ScheduleError(f"'{text}' is not a time. Use 9am, 9:30pm or 24-hour 09:00 / 13:30.")


@lru_cache(maxsize=1)
def _zones_by_lower() -> dict[str, str]:
    return {z.lower(): z for z in available_timezones()}


def parse_timezone(text: str) -> str:
    """The canonical IANA name ("europe/london" -> "Europe/London"); abbreviations like BST are refused
    because they do not say what happens at the DST change."""
    name = _zones_by_lower().get(text.strip().lower())
    if name is None:
        raise ScheduleError(
            f"'{text}' is not an IANA time zone. Use a name like Europe/London, Europe/Dublin or UTC."
        )
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as e:  # pragma: no cover - listed zones load
        raise ScheduleError(f"time zone '{text}' could not be loaded") from e
    return name


def parse_audience(text: str) -> str:
    value = text.strip().lower().replace("_", " ").replace("-", " ")
    value = " ".join(value.split())
    if value == "board":
        value = "board members"
    if value not in AUDIENCES:
        raise ScheduleError(
            f"'{text}' is not an audience. Use one of: clinicians, leaders, board-members, all."
        )
    return value


def period_key(local_day: date) -> str:
    iso = local_day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def slot_in_week(weekday: int, hhmm: str, timezone: str, local_day: date) -> tuple[str, datetime]:
    """(period key, slot instant in UTC) for the ISO week containing `local_day`.

    A wall time that does not exist that day (inside the spring-forward gap) resolves with the
    pre-transition offset (PEP 495 fold=0), i.e. one hour later on the new wall clock; an ambiguous
    one (autumn) resolves to its first occurrence."""
    monday = local_day - timedelta(days=local_day.weekday())
    slot_day = monday + timedelta(days=weekday)
    hh, mm = (int(x) for x in hhmm.split(":"))
    local = datetime.combine(slot_day, time(hh, mm), tzinfo=ZoneInfo(timezone))
    return period_key(slot_day), local.astimezone(UTC)


def local_day(now: datetime, timezone: str) -> date:
    return now.astimezone(ZoneInfo(timezone)).date()


def current_slot(sub, now: datetime) -> tuple[str, datetime]:
    """This local week's slot for a subscription-like object (weekday, time, timezone)."""
    return slot_in_week(sub.weekday, sub.time, sub.timezone, local_day(now, sub.timezone))


def slot_weeks_ago(sub, now: datetime, weeks: int) -> tuple[str, datetime]:
    return slot_in_week(
        sub.weekday, sub.time, sub.timezone, local_day(now, sub.timezone) - timedelta(weeks=weeks)
    )


def next_send_time(sub, now: datetime, this_week_done: bool = False) -> datetime:
    """When the next prompt is due: this week's slot if it is still to come (or due and not yet
    delivered), otherwise next week's."""
    _key, slot = current_slot(sub, now)
    if slot >= sub.starts_at and not this_week_done:
        return slot
    return slot_weeks_ago(sub, now, -1)[1]


def describe_local(instant: datetime, timezone: str) -> str:
    local = instant.astimezone(ZoneInfo(timezone))
    return f"{local:%A} {local.day} {local:%B %Y} at {local:%H:%M} {local.tzname()}"


def matches(prompt: Prompt, audience: str | None, tag: str | None) -> bool:
    if audience and audience != "all" and prompt.audience not in (audience, "all"):
        return False
    return not tag or tag.lower() in {t.lower() for t in prompt.tags}


def eligible_prompts(library: list[Prompt], audience: str | None, tag: str | None) -> list[Prompt]:
    return sorted((p for p in library if matches(p, audience, tag)), key=lambda p: p.id)


def choose_prompt(eligible: list[Prompt], sent_ids: list[str]) -> Prompt | None:
    """The next prompt in rotation: the first (by id) among those sent the fewest times.

    So no prompt repeats until every eligible one has been sent, then the cycle starts again; a
    prompt added to the library later is simply "never sent yet" and comes next."""
    if not eligible:
        return None
    counts = Counter(sent_ids)
    fewest = min(counts.get(p.id, 0) for p in eligible)
    return next(p for p in eligible if counts.get(p.id, 0) == fewest)
