"""Which of a day's slots can be booked right now."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from domain.pricing import PriceRules
from domain.slots import Slot


class SlotState(StrEnum):
    FREE = "free"
    TAKEN = "taken"
    BLOCKED = "blocked"
    PAST = "past"
    TOO_SOON = "too_soon"


BLOCKABLE = frozenset({SlotState.FREE, SlotState.TOO_SOON})
"""Slots an owner may block: free ones, even those too soon for a musician to book."""


@dataclass(frozen=True)
class SlotOffer:
    slot: Slot
    price_paise: int
    peak: bool
    state: SlotState

    @property
    def bookable(self) -> bool:
        return self.state is SlotState.FREE


def slot_state(
    slot: Slot,
    *,
    now: datetime,
    min_lead: timedelta,
    taken: Collection[str],
    blocked: Collection[str],
) -> SlotState:
    if slot.start <= now:
        return SlotState.PAST
    if slot.key in blocked:
        return SlotState.BLOCKED
    if slot.key in taken:
        return SlotState.TAKEN
    if slot.start < now + min_lead:
        return SlotState.TOO_SOON
    return SlotState.FREE


def day_offers(
    slots: Sequence[Slot],
    *,
    prices: PriceRules,
    tz: ZoneInfo,
    now: datetime,
    min_lead: timedelta,
    taken: Collection[str] = (),
    blocked: Collection[str] = (),
) -> list[SlotOffer]:
    return [
        SlotOffer(
            slot=slot,
            price_paise=prices.price(slot, tz),
            peak=prices.is_peak(slot, tz),
            state=slot_state(slot, now=now, min_lead=min_lead, taken=taken, blocked=blocked),
        )
        for slot in slots
    ]


@dataclass(frozen=True)
class DayBlock:
    """What blocking a whole day does: the free slots get blocked, the booked ones stay
    booked (and are reported); blocked and past ones are left as they are."""

    free: list[SlotOffer]
    booked: list[SlotOffer]


def day_block(offers: Sequence[SlotOffer]) -> DayBlock:
    return DayBlock(
        free=[o for o in offers if o.state in BLOCKABLE],
        booked=[o for o in offers if o.state is SlotState.TAKEN],
    )
