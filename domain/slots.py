"""Opening hours and the slots a room offers on a day.

A day is a *business day*: its slots are those of the opening session that
*starts* on that day, so a room open Friday 18:00–02:00 sells the 00:00–02:00
slots that fall on Saturday's date as part of Friday, an owner names them as
Friday's (``slot_starting_at``), and until 02:00 on Saturday it is still Friday
there (``business_day``). Slots are identified by their absolute start instant
(UTC), which is what the slot claims are keyed on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.words.formats import time_span
from domain.words.hours import hours_clash, hours_lines, opening_span

MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True)
class DayHours:
    """One weekday's opening session. ``closes <= opens`` means it runs past midnight;
    ``closes == opens`` means open around the clock."""

    opens: time
    closes: time

    @property
    def length(self) -> timedelta:
        opens = self.opens.hour * 60 + self.opens.minute
        closes = self.closes.hour * 60 + self.closes.minute
        minutes = (closes - opens) % MINUTES_PER_DAY or MINUTES_PER_DAY
        return timedelta(minutes=minutes)

    @property
    def crosses_midnight(self) -> bool:
        return self.closes <= self.opens

    def label(self) -> str:
        return opening_span(self.opens, self.closes)


@dataclass(frozen=True)
class WeeklyHours:
    """Opening sessions by weekday (0 = Monday); a missing weekday is a closed day."""

    days: Mapping[int, DayHours]

    def __post_init__(self) -> None:
        for weekday in self.days:
            if weekday not in range(7):
                raise ValueError(f"weekday must be 0..6, got {weekday}")
        for weekday, hours in self.days.items():
            following = self.days.get((weekday + 1) % 7)
            if following is None:
                continue
            spill = _minutes(hours.opens) + hours.length.total_seconds() / 60 - MINUTES_PER_DAY
            if spill > _minutes(following.opens):
                raise ValueError(hours_clash(weekday))

    def on(self, day: date) -> DayHours | None:
        return self.days.get(day.weekday())

    def is_open(self, day: date) -> bool:
        return day.weekday() in self.days


@dataclass(frozen=True, order=True)
class Slot:
    start: datetime
    end: datetime

    @property
    def key(self) -> str:
        """Stable id of the slot's start instant, e.g. ``20261125T1230Z``."""
        return slot_key(self.start)

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)

    def label(self, tz: ZoneInfo) -> str:
        return time_span(self.start, self.end, tz)


def slot_key(start: datetime) -> str:
    utc = start.astimezone(UTC)  # %-formatting: a third of strftime's time, on every slot shown
    return "%04d%02d%02dT%02d%02dZ" % (utc.year, utc.month, utc.day, utc.hour, utc.minute)  # noqa: UP031


def parse_slot_key(key: str) -> datetime:
    """The start instant of a slot key; raises ValueError on anything malformed."""
    return datetime.strptime(key, "%Y%m%dT%H%MZ").replace(tzinfo=UTC)


def day_slots(day: date, hours: WeeklyHours, slot_minutes: int, tz: ZoneInfo) -> list[Slot]:
    """Every whole slot of the opening session that starts on ``day`` (empty when closed)."""
    return session_slots(day, hours.on(day), slot_minutes, tz)


def session_slots(day: date, session: DayHours | None, slot_minutes: int, tz: ZoneInfo) -> list[Slot]:
    """Every whole slot of ``session`` opening on ``day`` (empty when ``session`` is None)."""
    if slot_minutes <= 0:
        raise ValueError("slot length must be positive")
    if session is None:
        return []
    opens = datetime.combine(day, session.opens, tzinfo=tz).astimezone(UTC)
    closes = opens + session.length
    step = timedelta(minutes=slot_minutes)
    slots = []
    start = opens
    while start + step <= closes:
        slots.append(Slot(start, start + step))
        start += step
    return slots


def business_day(moment: datetime, tz: ZoneInfo, session_on: Callable[[date], DayHours | None]) -> date:
    """The business day ``moment`` belongs to: the calendar day in ``tz``, or the day
    before while the session that opened then still runs past midnight (at Saturday
    00:10 a room open Friday 10:00–02:00 is still in its Friday)."""
    today = local_day(moment, tz)
    yesterday = today - timedelta(days=1)
    session = session_on(yesterday)
    if session is not None and session.crosses_midnight:
        closes = datetime.combine(yesterday, session.opens, tzinfo=tz).astimezone(UTC) + session.length
        if moment < closes:
            return yesterday
    return today


def slot_starting_at(slots: Iterable[Slot], at: time, tz: ZoneInfo) -> Slot | None:
    """The slot among a business day's ``slots`` that starts at ``at`` on the room's
    clock: for a Friday that runs past midnight, "00:00" is the one on Saturday's date."""
    for slot in slots:
        local = slot.start.astimezone(tz)
        if (local.hour, local.minute) == (at.hour, at.minute):
            return slot
    return None


def overlaps(a: Slot, b: Slot) -> bool:
    return a.start < b.end and b.start < a.end


def local_day(moment: datetime, tz: ZoneInfo) -> date:
    return moment.astimezone(tz).date()


def parse_hours(text: str) -> DayHours:
    """``"10:00-22:00"`` → DayHours; raises ValueError with a readable message."""
    try:
        opens_text, closes_text = (part.strip() for part in text.replace("–", "-").split("-"))
        return DayHours(time.fromisoformat(opens_text), time.fromisoformat(closes_text))
    except ValueError as error:
        raise ValueError(f"opening hours must look like 10:00-22:00, got {text!r}") from error


def hours_from_mapping(raw: Mapping[str, str | None]) -> WeeklyHours:
    """Weekly hours from ``{"0": "10:00-22:00", "6": None}`` (missing or None: closed)."""
    return WeeklyHours({int(k): parse_hours(v) for k, v in raw.items() if v})


def hours_to_mapping(hours: WeeklyHours) -> dict[str, str]:
    return {str(k): f"{v.opens:%H:%M}-{v.closes:%H:%M}" for k, v in sorted(hours.days.items())}


def describe_hours(hours: WeeklyHours) -> list[str]:
    """Lines such as ``Mon–Fri 10:00–22:00`` grouping equal consecutive days (the words
    are ``domain.words.hours``')."""
    return hours_lines(hours)


def _minutes(moment: time) -> int:
    return moment.hour * 60 + moment.minute


def index_slots(slots: Iterable[Slot]) -> dict[str, Slot]:
    return {slot.key: slot for slot in slots}
