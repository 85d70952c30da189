"""Beanie documents: users, rooms, bookings and slot claims, with the indexes their
queries need.

Two facts of the embedded NX-27017 shape these documents: its planner uses
single-field indexes only, so hot queries lean on one selective indexed field
(``Booking.due_at``, ``room_day``); and it matches ObjectIds only on ``_id``
(equality on an ObjectId in any other field, or in a count or delete, finds
nothing), so every reference to another document is stored as a string; and a
datetime written by ``$set`` is stored as a naive text (its SQL path binds the raw
value), so times that are range-queried after an update are kept as integer epoch
milliseconds (``due_ms``) and every datetime is read through ``UtcDatetime``; and
``find({"list_field": value})`` does not match a list member there (``$in`` does),
so membership queries use ``{"owner_ids": {"$in": [telegram_id]}}``."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from beanie import Document, Indexed, PydanticObjectId
from pydantic import BaseModel, Field
from pymongo import ASCENDING, IndexModel

from domain.booking_status import BookingStatus
from domain.pricing import PriceRules
from domain.slots import DayHours, Slot, WeeklyHours, hours_from_mapping, parse_hours, session_slots

# The time helpers live in storage.times; importers that still name them here keep working.
from storage.times import UtcDatetime, as_utc, from_ms, to_ms, utc_now

__all__ = [
    "BookedSlot",
    "Booking",
    "Room",
    "SlotClaim",
    "User",
    "UtcDatetime",
    "as_utc",
    "claim_id",
    "from_ms",
    "room_day_key",
    "to_ms",
    "utc_now",
]


class User(Document):
    """A Telegram user; the document id is the Telegram user id."""

    id: int  # type: ignore[assignment]
    first_name: str = ""
    last_name: str | None = None
    username: str | None = None
    is_owner: bool = False
    blocked_bot: bool = False
    created_at: UtcDatetime = Field(default_factory=utc_now)

    class Settings:
        name = "users"

    @property
    def display_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part) or "Musician"


class Room(Document):
    slug: Annotated[str, Indexed(unique=True)]
    name: str
    city: Annotated[str, Indexed()]
    address: str
    latitude: float | None = None
    longitude: float | None = None
    description: str = ""
    amenities: list[str] = Field(default_factory=list)
    capacity: int = 5
    photo_file_id: str | None = None
    timezone: str = "Asia/Kolkata"
    opening_hours: dict[str, str] = Field(default_factory=dict)
    slot_minutes: int = 60
    hourly_paise: int
    peak_hourly_paise: int
    peak_starts: str = "18:00"  # BSON has no time-of-day type
    peak_ends: str = "23:00"
    weekends_are_peak: bool = True
    owner_ids: Annotated[list[int], Indexed()] = Field(default_factory=list)
    business_name: str | None = None
    gstin: str | None = None
    active: bool = True
    # Days that keep the opening hours and slot length they were booked under, so a
    # later change can never cut across a booked slot: "YYYY-MM-DD" -> "10:00-22:00/60".
    kept_grids: dict[str, str] = Field(default_factory=dict)
    created_at: UtcDatetime = Field(default_factory=utc_now)

    class Settings:
        name = "rooms"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def hours(self) -> WeeklyHours:
        return hours_from_mapping(self.opening_hours)

    @property
    def prices(self) -> PriceRules:
        return PriceRules(
            hourly_paise=self.hourly_paise,
            peak_hourly_paise=self.peak_hourly_paise,
            peak_starts=time.fromisoformat(self.peak_starts),
            peak_ends=time.fromisoformat(self.peak_ends),
            weekends_are_peak=self.weekends_are_peak,
        )

    def grid_on(self, day: date) -> tuple[DayHours | None, int]:
        """The opening session and slot length that apply to ``day``."""
        kept = self.kept_grids.get(day.isoformat())
        if kept is None:
            return self.hours.on(day), self.slot_minutes
        hours, _, minutes = kept.partition("/")
        return parse_hours(hours), int(minutes)

    def slots_on(self, day: date) -> list[Slot]:
        session, minutes = self.grid_on(day)
        return session_slots(day, session, minutes, self.zone)

    def is_open_on(self, day: date) -> bool:
        return self.grid_on(day)[0] is not None

    def is_owned_by(self, telegram_id: int) -> bool:
        return telegram_id in self.owner_ids


class BookedSlot(BaseModel):
    start: UtcDatetime
    end: UtcDatetime
    price_paise: int

    @property
    def slot(self) -> Slot:
        return Slot(self.start, self.end)


class Booking(Document):
    code: Annotated[str, Indexed(unique=True)]
    user_id: Annotated[int, Indexed()]
    room_id: Annotated[str, Indexed()]
    day: date
    room_day: Annotated[str, Indexed()]
    """``"<room id>|<YYYY-MM-DD>"``: one selective indexed field for a room's day schedule."""
    slots: list[BookedSlot]
    amount_paise: int
    currency: str = "INR"
    status: Annotated[BookingStatus, Indexed()] = BookingStatus.PENDING_PAYMENT
    starts_at: UtcDatetime
    ends_at: UtcDatetime
    hold_expires_at: UtcDatetime
    due_ms: Annotated[int | None, Indexed()] = None
    """When this booking next needs the clock's attention (hold expiry, session start or
    end), in epoch milliseconds; None once final. Jobs find due work with one indexed
    range on this field."""
    created_at: UtcDatetime = Field(default_factory=utc_now)
    updated_at: UtcDatetime = Field(default_factory=utc_now)
    paid_at: UtcDatetime | None = None
    cancelled_at: UtcDatetime | None = None
    cancel_reason: str | None = None
    payment_id: Annotated[str | None, Indexed()] = None
    """The gateway's payment id once paid; refund events find their booking by it."""
    payment: dict[str, Any] = Field(default_factory=dict)
    refund: dict[str, Any] = Field(default_factory=dict)
    flags: list[str] = Field(default_factory=list)
    invoice_number: str | None = None
    reminders_sent: list[str] = Field(default_factory=list)

    class Settings:
        name = "bookings"

    @property
    def due_at(self) -> datetime | None:
        return from_ms(self.due_ms)

    @property
    def slot_starts(self) -> list[datetime]:
        return [s.start for s in self.slots]


class SlotClaim(Document):
    """One document per claimed (room, slot start). Its id is the claim key, so the
    database's unique ``_id`` makes a second claim of a slot impossible."""

    id: str  # type: ignore[assignment]
    room_id: str
    room_day: Annotated[str, Indexed()]
    start: UtcDatetime
    end: UtcDatetime
    kind: str = "booking"  # "booking", "block" or "offer" (held for a waiting musician)
    booking_id: Annotated[str | None, Indexed()] = None
    note: str | None = None
    created_by: int | None = None
    created_at: UtcDatetime = Field(default_factory=utc_now)
    offer_id: str | None = None
    """An offer's id (``kind == "offer"``; ``created_by`` is the musician offered it)."""
    expires_ms: Annotated[int | None, Indexed()] = None
    """When an offer lapses, in epoch ms; only offers carry it, so the clock finds lapsed
    ones with one small indexed range."""
    claimed_ms: int | None = None
    """When an offer became its booking's claim: younger than the stale-claims cutoff, it
    is not mistaken for a claim whose booking was never written."""

    class Settings:
        name = "slot_claims"
        indexes = [IndexModel([("created_at", ASCENDING)])]


def claim_id(room_id: PydanticObjectId | str, slot_key: str) -> str:
    return f"{room_id}|{slot_key}"


def room_day_key(room_id: PydanticObjectId | str, day: date) -> str:
    return f"{room_id}|{day.isoformat()}"
