"""A weekly standing slot: one session repeated at the same local time for 2-12 weeks.

The musician picks a business day and one contiguous run of its slots (``domain.slots``:
a Friday that runs past midnight sells Saturday's 00:00-02:00 as Friday's). The series
repeats that run every 7 days at the same wall-clock times in the room's zone, on the
same weekday's business day. Slots are claimed by their UTC start, so across a
daylight-saving change the UTC instants move and the local times stay: in London a
Tuesday 19:00-21:00 is 19:00Z in winter and 18:00Z in summer. India has no clock
changes; the rule still holds there trivially.

A week whose session the clocks would cut into cannot be the same session: when its
local start does not exist that day (skipped by a spring change) or happens twice
(repeated by an autumn change), or the clock would not show the same end after the same
real length (a change during the session), that occurrence is impossible
(``Obstacle.CLOCK_CHANGE``). The selection itself must not
straddle a clock change, or "the same local times" would mean a longer or shorter
session in other weeks.

Whether an occurrence is closed or taken is not this module's to know: the caller passes
``obstacle_of``, which looks at the room's hours and its claims, and ``plan_series``
names every impossible week, so the musician can book the rest or go back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from domain.slots import parse_slot_key, slot_key

MIN_WEEKS = 2
MAX_WEEKS = 12
WEEK = timedelta(weeks=1)


class SeriesProblem(StrEnum):
    WEEKS_OUT_OF_RANGE = "weeks_out_of_range"
    """Fewer than MIN_WEEKS or more than MAX_WEEKS."""
    NO_SLOTS = "no_slots"
    NOT_ONE_RUN = "not_one_run"
    """Slots with a gap between them, or the same slot twice."""
    CROSSES_CLOCK_CHANGE = "crosses_clock_change"
    """The selected session itself spans a daylight-saving change."""


class SeriesRefusedError(ValueError):
    """A series that cannot be set up; ``weeks`` is what was asked for."""

    def __init__(self, problem: SeriesProblem, *, weeks: int | None = None) -> None:
        self.problem = problem
        self.weeks = weeks
        super().__init__(f"weekly series refused: {problem}")


class Obstacle(StrEnum):
    """Why one week's occurrence cannot be booked."""

    CLOCK_CHANGE = "clock_change"
    CLOSED = "closed"
    """The room is closed then, or does not sell those slots that day."""
    TAKEN = "taken"
    """Someone holds or booked some of those slots."""
    TOO_SOON = "too_soon"
    """It has started, or starts too soon to book."""
    TOO_FAR = "too_far"
    """Further ahead than the room takes bookings."""


@dataclass(frozen=True)
class WeeklySelection:
    """The first week's session: a business day and one contiguous run of its slots."""

    day: date
    slot_starts: tuple[datetime, ...]
    """UTC starts, earliest first, each ``slot_minutes`` after the one before."""
    slot_minutes: int
    tz: ZoneInfo

    def __post_init__(self) -> None:
        if self.slot_minutes <= 0:
            raise ValueError("slot length must be positive")
        if any(start.tzinfo is None for start in self.slot_starts):
            raise ValueError("slot starts must be aware datetimes")
        if not self.slot_starts:
            raise SeriesRefusedError(SeriesProblem.NO_SLOTS)
        step = timedelta(minutes=self.slot_minutes)
        if any(b - a != step for a, b in zip(self.slot_starts, self.slot_starts[1:], strict=False)):
            raise SeriesRefusedError(SeriesProblem.NOT_ONE_RUN)
        if self.wall_end - self.wall_start != self.length:
            raise SeriesRefusedError(SeriesProblem.CROSSES_CLOCK_CHANGE)

    @classmethod
    def from_keys(cls, day: date, keys: Iterable[str], slot_minutes: int, tz: ZoneInfo) -> WeeklySelection:
        """From the slot keys a dialog holds (``20261125T1230Z``), in any order."""
        starts = sorted(parse_slot_key(key) for key in keys)
        return cls(day, tuple(starts), slot_minutes, tz)

    @property
    def length(self) -> timedelta:
        return len(self.slot_starts) * timedelta(minutes=self.slot_minutes)

    @property
    def wall_start(self) -> datetime:
        """The local start as a naive wall-clock time."""
        return _wall(self.slot_starts[0], self.tz)

    @property
    def wall_end(self) -> datetime:
        return _wall(self.slot_starts[0] + self.length, self.tz)


@dataclass(frozen=True)
class Occurrence:
    week: int
    """0 for the selection itself."""
    day: date
    """The business day."""
    starts_at: datetime
    """Local time, in the room's zone."""
    ends_at: datetime
    slot_starts: tuple[datetime, ...]
    """UTC starts to claim; empty when the clocks make this week impossible."""
    obstacle: Obstacle | None = None

    @property
    def slot_keys(self) -> tuple[str, ...]:
        return tuple(slot_key(start) for start in self.slot_starts)


@dataclass(frozen=True)
class SeriesPlan:
    occurrences: tuple[Occurrence, ...]
    """Every week, in order, each with its obstacle if any."""

    @property
    def bookable(self) -> tuple[Occurrence, ...]:
        return tuple(o for o in self.occurrences if o.obstacle is None)

    @property
    def impossible(self) -> tuple[Occurrence, ...]:
        return tuple(o for o in self.occurrences if o.obstacle is not None)


def check_weeks(weeks: int) -> int:
    if not MIN_WEEKS <= weeks <= MAX_WEEKS:
        raise SeriesRefusedError(SeriesProblem.WEEKS_OUT_OF_RANGE, weeks=weeks)
    return weeks


def weekly_occurrences(selection: WeeklySelection, weeks: int) -> tuple[Occurrence, ...]:
    """The selection and the same local times on the next ``weeks - 1`` weeks."""
    check_weeks(weeks)
    return tuple(_occurrence(selection, week) for week in range(weeks))


def plan_series(
    selection: WeeklySelection, weeks: int, obstacle_of: Callable[[Occurrence], Obstacle | None]
) -> SeriesPlan:
    """Every occurrence with what stands in its way: the clocks, or what ``obstacle_of``
    (the room's hours and claims, asked once per week the clocks allow) says."""
    return SeriesPlan(
        tuple(
            occurrence if occurrence.obstacle else replace(occurrence, obstacle=obstacle_of(occurrence))
            for occurrence in weekly_occurrences(selection, weeks)
        )
    )


def _occurrence(selection: WeeklySelection, week: int) -> Occurrence:
    tz, shift = selection.tz, week * WEEK
    day = selection.day + shift
    if week == 0:
        first = selection.slot_starts[0]
        ends = first + selection.length
        return Occurrence(0, day, first.astimezone(tz), ends.astimezone(tz), selection.slot_starts)
    wall_start, wall_end = selection.wall_start + shift, selection.wall_end + shift
    start = _instant(wall_start, tz)
    if start is None or _wall(start + selection.length, tz) != wall_end:
        local_start, local_end = wall_start.replace(tzinfo=tz), wall_end.replace(tzinfo=tz)
        return Occurrence(week, day, local_start, local_end, (), Obstacle.CLOCK_CHANGE)
    end = start + selection.length
    step = timedelta(minutes=selection.slot_minutes)
    starts = tuple(start + index * step for index in range(len(selection.slot_starts)))
    return Occurrence(week, day, start.astimezone(tz), end.astimezone(tz), starts)


def _instant(wall: datetime, tz: ZoneInfo) -> datetime | None:
    """The one UTC instant the room's clock shows ``wall``; None when the clock skips
    that time or shows it twice that day (the two folds of PEP 495 disagree)."""
    local = wall.replace(tzinfo=tz)
    if local.replace(fold=1).utcoffset() != local.utcoffset():
        return None
    return local.astimezone(UTC)


def _wall(moment: datetime, tz: ZoneInfo) -> datetime:
    return moment.astimezone(tz).replace(tzinfo=None)
