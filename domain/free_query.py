"""What ``/free`` asks for, and which rooms answer it (issue 17 §3).

``/free`` takes a day and, optionally, hours: nothing or ``today`` (from now to the end of
today), ``tonight`` (from 18:00), ``tomorrow``, a weekday (``sat``: the next Saturday, today
if it is one), or an ISO date, each optionally followed by ``night`` (``sat night``); then
``18-22``, ``18:30-22`` or ``6pm-10pm``. Hindi's ``aaj``, ``kal``, ``parso`` and ``raat``
(``aaj raat``, ``kal raat``) work too, in Latin or Devanagari letters. Case does not
matter; times are on the musician's clock (Asia/Kolkata unless told otherwise).

A search day is a business day: it runs on past midnight until ``NIGHT_ENDS`` the next
morning, so at 01:00 on Saturday "today" is still Friday night, and hours before
``NIGHT_ENDS`` (``23-2``, ``1-3``) are that night's, as a room's after-midnight slots are
its evening's (``domain.slots.business_day``). The caller searches each room's slots of
``FreeWindow.day`` and keeps those inside the window.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Generic, Protocol, TypeVar
from zoneinfo import ZoneInfo

from domain.slots import Slot

MUSICIANS_ZONE = ZoneInfo("Asia/Kolkata")
NIGHT_ENDS = time(6)
TONIGHT_STARTS = time(18)
MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True)
class FreeWindow:
    """Search ``day``'s slots that start at or after ``starts`` and end by ``ends`` (aware UTC)."""

    day: date
    starts: datetime
    ends: datetime

    def holds(self, slot: Slot) -> bool:
        return self.starts <= slot.start and slot.end <= self.ends


class FreeQueryProblem(StrEnum):
    UNKNOWN_DAY = "unknown_day"
    """``part`` is not a day this parser knows."""
    BAD_DATE = "bad_date"
    """``part`` looks like an ISO date but is not one (``2026-02-30``)."""
    BAD_HOURS = "bad_hours"
    """``part`` is not an hour range such as 18-22, 18:30-22 or 6pm-10pm."""
    EMPTY_HOURS = "empty_hours"
    """The hour range starts where it ends (``18-18``)."""
    PAST_DAY = "past_day"
    """``day`` is before today."""
    OVER = "over"
    """The window asked for has passed already (``today 10-12`` in the evening)."""


class FreeQueryError(Exception):
    """Arguments of ``/free`` that say no window: ``problem``, the ``part`` of the text at
    fault, and the ``day`` meant when known. The caller answers with examples that work."""

    def __init__(self, problem: FreeQueryProblem, part: str = "", day: date | None = None) -> None:
        self.problem = problem
        self.part = part
        self.day = day
        super().__init__(f"{problem.value}: {part!r}")


# ---- parsing -------------------------------------------------------------------------------

_TODAY = frozenset({"today", "now", "aaj", "abhi", "आज", "अभी"})
_NIGHT = frozenset({"tonight", "tonite", "night", "evening", "raat", "rat", "रात"})
"""Tonight on its own; after a day (``aaj raat``, ``kal raat``, ``sat night``) that day's night."""
_TOMORROW = frozenset({"tomorrow", "tmrw", "kal", "कल"})
_DAY_AFTER = frozenset({"parso", "parson", "परसों"})
_WEEKDAYS = {
    name: weekday
    for weekday, names in enumerate(
        (
            ("monday", "mon"),
            ("tuesday", "tue", "tues"),
            ("wednesday", "wed"),
            ("thursday", "thu", "thur", "thurs"),
            ("friday", "fri"),
            ("saturday", "sat"),
            ("sunday", "sun"),
        )
    )
    for name in names
}
_ISO_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")
_RANGE_SEPARATOR = re.compile(r"-|–|—|to")
_TIME = re.compile(r"(\d{1,2})(?:[:.](\d{2}))?(am|pm|a\.m\.|p\.m\.)?")


def parse_free_query(text: str, *, now: datetime, zone: ZoneInfo = MUSICIANS_ZONE) -> FreeWindow:
    """The window ``text`` (what follows ``/free``) asks for at ``now`` in ``zone``;
    raises FreeQueryError saying what was wrong. A window never starts before ``now``."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    words = text.casefold().split()
    today = search_day(now, zone)
    day, night, rest = _day_words(words, today)
    if day < today:
        raise FreeQueryError(FreeQueryProblem.PAST_DAY, " ".join(words[: len(words) - len(rest)]), day)
    if rest:
        starts, ends = _hour_range("".join(rest), " ".join(rest), day, zone, evening=night)
    else:
        opens = TONIGHT_STARTS if night else time(0)
        starts = datetime.combine(day, opens, tzinfo=zone)
        ends = datetime.combine(day + timedelta(days=1), NIGHT_ENDS, tzinfo=zone)
    window = FreeWindow(day, max(starts.astimezone(UTC), now.astimezone(UTC)), ends.astimezone(UTC))
    if window.ends <= window.starts:
        raise FreeQueryError(FreeQueryProblem.OVER, text.strip(), day)
    return window


def search_day(now: datetime, zone: ZoneInfo = MUSICIANS_ZONE) -> date:
    """The day a musician means by "today" at ``now``: yesterday until ``NIGHT_ENDS``."""
    local = now.astimezone(zone)
    return local.date() - timedelta(days=1) if local.time() < NIGHT_ENDS else local.date()


def _day_words(words: list[str], today: date) -> tuple[date, bool, list[str]]:
    """(day, whether its night was asked for, the words left for the hours)."""
    if not words:
        return today, False, []
    first, rest = words[0], words[1:]
    if first in _NIGHT:
        return today, True, rest
    day = _day_word(first, today)
    if day is None:
        return today, False, words  # only hours: today's
    if rest and rest[0] in _NIGHT:
        return day, True, rest[1:]
    return day, False, rest


def _day_word(word: str, today: date) -> date | None:
    """The day ``word`` names, or None when it starts with a digit (hours, not a day)."""
    if word in _TODAY:
        return today
    if word in _TOMORROW:
        return today + timedelta(days=1)
    if word in _DAY_AFTER:
        return today + timedelta(days=2)
    if word in _WEEKDAYS:
        return today + timedelta(days=(_WEEKDAYS[word] - today.weekday()) % 7)
    if _ISO_DATE.fullmatch(word):
        try:
            return date.fromisoformat(_zero_padded(word))
        except ValueError:
            raise FreeQueryError(FreeQueryProblem.BAD_DATE, word) from None
    if word[0].isdigit():
        return None
    raise FreeQueryError(FreeQueryProblem.UNKNOWN_DAY, word)


def _zero_padded(text: str) -> str:
    year, month, day = text.split("-")
    return f"{year}-{int(month):02d}-{int(day):02d}"


@dataclass(frozen=True)
class _ClockTime:
    hour: int
    minute: int
    meridiem: str | None  # "am", "pm" or None for a 24-hour reading

    def minutes(self, meridiem: str | None = None) -> int:
        """Minutes after midnight, read with ``meridiem`` when the time has none of its own."""
        reading = self.meridiem or meridiem
        hour = self.hour % 12 + (12 if reading == "pm" else 0) if reading else self.hour
        return hour * 60 + self.minute


def _hour_range(
    squeezed: str, typed: str, day: date, zone: ZoneInfo, *, evening: bool
) -> tuple[datetime, datetime]:
    sides = _RANGE_SEPARATOR.split(squeezed)
    if len(sides) != 2:
        raise FreeQueryError(FreeQueryProblem.BAD_HOURS, typed, day)
    first, last = (_clock_time(side, typed, day) for side in sides)
    start, end = (minutes % MINUTES_PER_DAY for minutes in _range_minutes(first, last, evening=evening))
    if end == start:
        raise FreeQueryError(FreeQueryProblem.EMPTY_HOURS, typed, day)
    # Hours before NIGHT_ENDS are the night after ``day``, as its after-midnight slots are.
    night_after = start < NIGHT_ENDS.hour * 60 + NIGHT_ENDS.minute
    midnight = datetime.combine(day + timedelta(days=night_after), time(), tzinfo=zone)
    length = (end - start) % MINUTES_PER_DAY
    return _wall_clock(midnight, start, zone), _wall_clock(midnight, start + length, zone)


def _wall_clock(midnight: datetime, minutes: int, zone: ZoneInfo) -> datetime:
    """``minutes`` after ``midnight`` on the wall clock (a day later past 24:00)."""
    days, rest = divmod(minutes, MINUTES_PER_DAY)
    return datetime.combine(midnight.date() + timedelta(days=days), time(rest // 60, rest % 60), tzinfo=zone)


def _clock_time(text: str, typed: str, day: date) -> _ClockTime:
    found = _TIME.fullmatch(text)
    if found is None:
        raise FreeQueryError(FreeQueryProblem.BAD_HOURS, typed, day)
    hour, minute = int(found[1]), int(found[2] or 0)
    meridiem = found[3].replace(".", "") if found[3] else None
    too_big = hour > 24 or (hour == 24 and minute > 0) if meridiem is None else not 1 <= hour <= 12
    if too_big or minute > 59:
        raise FreeQueryError(FreeQueryProblem.BAD_HOURS, typed, day)
    return _ClockTime(hour, minute, meridiem)


def _range_minutes(first: _ClockTime, last: _ClockTime, *, evening: bool) -> tuple[int, int]:
    """Start and end in minutes after midnight. Bare hours are 24-hour times, except that a
    side without am/pm next to one with it is read to make the shorter range (``6-10pm``
    is 18-22, ``11-1pm`` is 11-13, ``10pm-1`` runs to 01:00), and after ``tonight`` bare
    hours are the night's (``tonight 9-11`` is 21-23, ``tonight 12-2`` is 00-02)."""
    if first.meridiem and not last.meridiem:
        start = first.minutes()
        return start, min(_readings(last), key=lambda end: _length(start, end))
    if last.meridiem and not first.meridiem:
        end = last.minutes()
        return min(_readings(first), key=lambda start: _length(start, end)), end
    if evening and not first.meridiem:  # and so neither side has am/pm
        start = next((s for s in _readings(first) if _at_night(s)), first.minutes())
        return start, min(_readings(last), key=lambda end: _length(start, end))
    return first.minutes(), last.minutes()


def _readings(moment: _ClockTime) -> tuple[int, ...]:
    """What a time can mean in minutes after midnight: ``6`` is 06:00 or 18:00, ``18`` only 18:00."""
    if moment.meridiem or moment.hour == 0 or moment.hour > 12:
        return (moment.minutes(),)
    return moment.minutes("am"), moment.minutes("pm")


def _length(start: int, end: int) -> int:
    """Minutes from ``start`` to ``end``, running past midnight; an empty range counts longest."""
    return (end - start - 1) % MINUTES_PER_DAY + 1


def _at_night(minutes: int) -> bool:
    return minutes >= TONIGHT_STARTS.hour * 60 or minutes < NIGHT_ENDS.hour * 60


# ---- answering -----------------------------------------------------------------------------


class PricedSlot(Protocol):
    """A free slot and what it costs (``domain.availability.SlotOffer`` is one)."""

    @property
    def slot(self) -> Slot: ...

    @property
    def price_paise(self) -> int: ...


Offer = TypeVar("Offer", bound=PricedSlot)


@dataclass(frozen=True)
class RoomFreeSlots(Generic[Offer]):
    """A room's free slots on the window's day, as the caller found them."""

    room_id: str
    name: str
    free: Sequence[Offer]


@dataclass(frozen=True)
class FreeRoom(Generic[Offer]):
    """A room with free slots in the window: those slots, earliest first."""

    room_id: str
    name: str
    slots: tuple[Offer, ...]

    @property
    def cheapest_paise(self) -> int:
        return min(offer.price_paise for offer in self.slots)


def free_rooms(rooms: Iterable[RoomFreeSlots[Offer]], window: FreeWindow) -> list[FreeRoom[Offer]]:
    """The rooms with free slots inside ``window``, cheapest first (by their cheapest
    slot in the window), then by name; rooms with none are left out."""
    found = []
    for room in rooms:
        inside = sorted((offer for offer in room.free if window.holds(offer.slot)), key=lambda o: o.slot)
        if inside:
            found.append(FreeRoom(room.room_id, room.name, tuple(inside)))
    return sorted(found, key=lambda r: (r.cheapest_paise, r.name.casefold(), r.room_id))
