"""Prices in integer paise. A slot is charged at the peak rate when it starts in the
evening peak window or on a weekend day (the room's local time)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from zoneinfo import ZoneInfo

from domain.slots import Slot

WEEKEND = frozenset({5, 6})


@dataclass(frozen=True)
class PriceRules:
    hourly_paise: int
    peak_hourly_paise: int
    peak_starts: time = time(18, 0)
    peak_ends: time = time(23, 0)
    weekends_are_peak: bool = True

    def __post_init__(self) -> None:
        if self.hourly_paise <= 0 or self.peak_hourly_paise <= 0:
            raise ValueError("prices must be positive")

    def is_peak(self, slot: Slot, tz: ZoneInfo) -> bool:
        local = slot.start.astimezone(tz)
        if self.weekends_are_peak and local.weekday() in WEEKEND:
            return True
        return _in_window(local.time(), self.peak_starts, self.peak_ends)

    def price(self, slot: Slot, tz: ZoneInfo) -> int:
        rate = self.peak_hourly_paise if self.is_peak(slot, tz) else self.hourly_paise
        return prorate(rate, slot.minutes)


def prorate(hourly_paise: int, minutes: int) -> int:
    """The hourly rate for ``minutes``, rounded half up to a whole paisa."""
    return (hourly_paise * minutes + 30) // 60


def _in_window(moment: time, starts: time, ends: time) -> bool:
    if starts == ends:
        return False
    if starts < ends:
        return starts <= moment < ends
    return moment >= starts or moment < ends
