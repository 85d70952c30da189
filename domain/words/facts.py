"""The facts the words read, as protocols: storage's Beanie documents (``Booking``,
``Room``, ``User``, ``BookedSlot``) satisfy them as they are, so the words never import
storage and the arrows keep pointing down (tests/test_words.py checks the fit).

Members are read-only properties, so a document's field or property of a narrower type
(``list[BookedSlot]`` for ``Sequence[PricedSlotFacts]``) fits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any, Protocol, runtime_checkable
from zoneinfo import ZoneInfo

from domain.booking_status import BookingStatus
from domain.words.hours import OpeningHours


@runtime_checkable
class SlotFacts(Protocol):
    @property
    def start(self) -> datetime: ...

    @property
    def end(self) -> datetime: ...


@runtime_checkable
class PricedSlotFacts(SlotFacts, Protocol):
    @property
    def price_paise(self) -> int: ...


@runtime_checkable
class SeriesFacts(Protocol):
    """A booking's place in a weekly series."""

    @property
    def code(self) -> str: ...

    @property
    def index(self) -> int:
        """0 for the first booked week."""
        ...

    @property
    def count(self) -> int: ...


@runtime_checkable
class BookingFacts(Protocol):
    @property
    def code(self) -> str: ...

    @property
    def user_id(self) -> int: ...

    @property
    def day(self) -> date:
        """The booking's day: a night past midnight belongs to its evening."""
        ...

    @property
    def starts_at(self) -> datetime: ...

    @property
    def ends_at(self) -> datetime: ...

    @property
    def hold_expires_at(self) -> datetime: ...

    @property
    def slots(self) -> Sequence[PricedSlotFacts]: ...

    @property
    def amount_paise(self) -> int: ...

    @property
    def status(self) -> BookingStatus: ...

    @property
    def payment_id(self) -> str | None: ...

    @property
    def payment(self) -> Mapping[str, Any]:
        """The payment link: ``link_id``, ``link_url``..."""
        ...

    @property
    def paid_currency(self) -> str:
        """The currency the booking was paid in (a refund goes back in it)."""
        ...

    @property
    def series(self) -> SeriesFacts | None:
        """Its week of a weekly series, or None for a single booking."""
        ...

    @property
    def refund(self) -> Mapping[str, Any]:
        """Its refunds as one record: ``due_paise``, ``status``..."""
        ...

    @property
    def cancel_reason(self) -> str | None: ...

    @property
    def no_show(self) -> bool:
        """The room marked the paid session as nobody came."""
        ...


@runtime_checkable
class RoomFacts(Protocol):
    @property
    def slug(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def city(self) -> str: ...

    @property
    def address(self) -> str: ...

    @property
    def zone(self) -> ZoneInfo: ...

    @property
    def latitude(self) -> float | None: ...

    @property
    def longitude(self) -> float | None: ...

    @property
    def active(self) -> bool: ...


@runtime_checkable
class RoomCardFacts(RoomFacts, Protocol):
    """What a room's card and its settings screen show besides the room itself."""

    @property
    def timezone(self) -> str: ...

    @property
    def description(self) -> str: ...

    @property
    def amenities(self) -> Sequence[str]: ...

    @property
    def capacity(self) -> int: ...

    @property
    def hourly_paise(self) -> int: ...

    @property
    def peak_hourly_paise(self) -> int: ...

    @property
    def peak_starts(self) -> str: ...

    @property
    def peak_ends(self) -> str: ...

    @property
    def weekends_are_peak(self) -> bool: ...

    @property
    def hours(self) -> OpeningHours: ...

    @property
    def slot_minutes(self) -> int: ...

    @property
    def photo_file_id(self) -> str | None: ...

    @property
    def phone(self) -> str | None:
        """The room's phone number in E.164, for musicians to call."""
        ...


@runtime_checkable
class PersonFacts(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def display_name(self) -> str: ...

    @property
    def username(self) -> str | None: ...


@runtime_checkable
class WaitFacts(Protocol):
    """A musician's wait for a slot (``storage.waitlist.SlotWait``)."""

    @property
    def day(self) -> date:
        """The room's day the slot belongs to."""
        ...

    @property
    def slot(self) -> SlotFacts: ...

    @property
    def offer_until(self) -> datetime | None:
        """When the slot, free and held for the musician, goes to the next one; None
        while it is still taken."""
        ...
