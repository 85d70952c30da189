"""Which days of the booking calendar are full, or nearly (issue 17 §2). Pure rules.

A day's mark comes from its slots and the claims around it (bookings, holds and owner
blocks alike, as the slot screen counts them): a slot is free when no claim overlaps it
and it starts at least ``min_lead`` from now, exactly as ``domain.availability`` says
for the slot screen, so the calendar and the day it opens never disagree."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from enum import StrEnum

from domain.slots import Slot

FEW_LEFT = 2
"""A day with this many free slots or fewer is marked "a few left"."""


class DayMark(StrEnum):
    OPEN = "open"
    FEW = "few"
    """Between one and ``FEW_LEFT`` slots free."""
    FULL = "full"
    """Open, but no slot can be booked any more: all claimed, started or too soon."""
    CLOSED = "closed"


class ClaimedSpans:
    """Claimed spans, sorted once, for the many "is this slot claimed?" questions of a
    page or a search (a bisect each, not a scan of every claim)."""

    def __init__(self, spans: Iterable[Slot]) -> None:
        self._spans = sorted(spans)
        self._starts = [span.start for span in self._spans]
        self._longest = max((span.end - span.start for span in self._spans), default=timedelta(0))

    def __len__(self) -> int:
        return len(self._spans)

    def holds(self, slot: Slot) -> bool:
        """Does any claim overlap ``slot``?"""
        first = bisect_left(self._starts, slot.start - self._longest)
        last = bisect_left(self._starts, slot.end)
        return any(span.end > slot.start for span in self._spans[first:last])


def is_free(slot: Slot, claimed: ClaimedSpans, *, now: datetime, min_lead: timedelta) -> bool:
    """Bookable now: unclaimed and far enough ahead (``domain.availability.SlotState.FREE``)."""
    return slot.start >= now + min_lead and not claimed.holds(slot)


def day_mark(
    slots: Sequence[Slot],
    claimed: ClaimedSpans,
    *,
    now: datetime,
    min_lead: timedelta,
    few_left: int = FEW_LEFT,
) -> DayMark:
    if not slots:
        return DayMark.CLOSED
    free = sum(1 for slot in slots if is_free(slot, claimed, now=now, min_lead=min_lead))
    if free == 0:
        return DayMark.FULL
    return DayMark.FEW if free <= few_left else DayMark.OPEN


def month_marks(
    slots_by_day: Mapping[date, Sequence[Slot]], claimed: ClaimedSpans, *, now: datetime, min_lead: timedelta
) -> dict[date, DayMark]:
    """Each day's mark from one set of claims covering all of them (and their neighbours,
    whose late sessions can run into a day)."""
    return {day: day_mark(slots, claimed, now=now, min_lead=min_lead) for day, slots in slots_by_day.items()}


def marked(marks: Mapping[date, DayMark], mark: DayMark) -> frozenset[date]:
    return frozenset(day for day, found in marks.items() if found is mark)
