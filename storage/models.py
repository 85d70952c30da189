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
so membership queries use ``{"owner_ids": {"$in": [telegram_id]}}``; and it neither
queries nor updates members of a list of subdocuments (``$push`` of one stores it as
text, the positional ``$`` and ``arrayFilters`` change nothing, ``"list.field": {"$in":
...}`` finds nothing), while paths into nested subdocuments work like top-level fields:
so a booking's refunds, which are moved one by one with conditional updates, are a
mapping keyed by their stable key (``refunds.<key>.status``), and its payments, which
are only ever added whole, a list written whole (see ``storage.payment_records``)."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from beanie import Document, Indexed, PydanticObjectId
from pydantic import BaseModel, Field, model_validator
from pymongo import ASCENDING, IndexModel

from domain.booking_status import BookingStatus
from domain.ledger import (
    OPEN,
    PaymentPurpose,
    legacy_refund_key,
    paid_paise,
    refundable_paise,
    returned_paise,
)
from domain.payouts import PayoutStatus, ReversalStatus
from domain.pricing import PriceRules
from domain.refund_status import RefundStatus
from domain.slots import DayHours, Slot, WeeklyHours, hours_from_mapping, parse_hours, session_slots

# The time helpers live in storage.times; importers that still name them here keep working.
from storage.times import UtcDatetime, as_utc, from_ms, to_ms, utc_now

__all__ = [
    "BookedSlot",
    "Booking",
    "PaymentEntry",
    "PayoutEntry",
    "PendingChange",
    "RefundEntry",
    "ReversalEntry",
    "Room",
    "SeriesMark",
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
    last_city: str | None = None
    """The city the musician last browsed: where /free and inline searches look."""
    language: str | None = None
    """The language the person reads (``domain.words.language.Language``'s code): from
    Telegram's language_code the first time, then as they choose with /language."""
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
    """Before sellers (``storage.sellers``): a room's own GSTIN, still its seller when no
    ``seller_id`` is set."""
    seller_id: str | None = None
    """The seller that issues this room's invoices (``storage.sellers.Seller``); None: the
    room's ``gstin`` if valid, else its first owner's unregistered series."""
    gst_state_code: str | None = None
    """The room's state (GST code), its place of supply; None: the seller GSTIN's state."""
    sac_code: str | None = None
    """The service code its invoices print; None: ``domain.gst.sac.DEFAULT_SAC``."""
    gst_rate_bp: int = 1800
    active: bool = True
    # Days that keep the opening hours and slot length they were booked under, so a
    # later change can never cut across a booked slot: "YYYY-MM-DD" -> "10:00-22:00/60".
    kept_grids: dict[str, str] = Field(default_factory=dict)
    rules: dict[str, Any] = Field(default_factory=dict)
    """The booking rules its owner set (``domain.room_rules.RoomRules.to_dict``'s keys);
    a rule not here follows the global settings (``BookingService.room_rules``)."""
    phone: str | None = None
    """E.164 (``+919845012345``), on the room card for musicians to call."""
    payout_account: str | None = None
    """The owner's Razorpay Route linked account (``acc_...``) that its bookings' money is
    transferred to (``payments.payouts``); None: payouts are off for the room."""
    access_info: str = Field(default="", repr=False)
    """How to get in (door code, floor, parking...): a secret of the room that only paid
    bookings are told, read when their message is delivered (``domain.check_in``); kept
    out of the room's repr, so no log line or traceback that shows a room shows it."""
    created_at: UtcDatetime = Field(default_factory=utc_now)

    class Settings:
        name = "rooms"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def hours(self) -> WeeklyHours:
        return _weekly_hours(tuple(self.opening_hours.items()))

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
        return _day_hours(hours), int(minutes)

    def slots_on(self, day: date) -> list[Slot]:
        session, minutes = self.grid_on(day)
        return session_slots(day, session, minutes, self.zone)

    def slots_on_days(self, days: Iterable[date]) -> dict[date, list[Slot]]:
        """``slots_on`` for many days (a calendar page), the weekly hours read once."""
        weekly, zone = self.hours, self.zone
        found = {}
        for day in days:
            if day.isoformat() in self.kept_grids:
                session, minutes = self.grid_on(day)
            else:
                session, minutes = weekly.on(day), self.slot_minutes
            found[day] = session_slots(day, session, minutes, zone)
        return found

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


class PaymentEntry(BaseModel):
    """One payment in a booking's ledger (``domain.ledger``): written once, never changed."""

    payment_id: str
    link_id: str | None = None
    reference: str | None = None
    """The link's reference id: the booking's code, or the weekly series' code."""
    share_paise: int
    """What of this payment is for this booking."""
    paid_paise: int
    """The whole payment (a series' payment is shared by its weeks)."""
    currency: str = "INR"
    paid_at: UtcDatetime | None = None
    purpose: PaymentPurpose = PaymentPurpose.BOOKING


class RefundEntry(BaseModel):
    """One refund out of one payment, moving along ``domain.refund_status`` on its own."""

    key: str
    """Stable: the entry's key in ``Booking.refunds`` and the idempotency key Razorpay sees."""
    payment_id: str | None = None
    amount_paise: int
    """What is owed; once the gateway has spoken, what it returned."""
    percent: int = 100
    reason: str | None = None
    """Why money is refunded in full (``domain.payment_fit.Refusal``), or None for a
    cancellation by the policy or by the room."""
    status: RefundStatus = RefundStatus.DUE
    refund_id: str | None = None
    claimed_ms: int | None = None
    attempts: int = 0
    last_error: str | None = None


class PendingChange(BaseModel):
    """A move or an extra hour of a paid booking that waits for its difference to be paid
    (``storage.moves``): its new slots are claimed under ``claims_owner`` until then."""

    kind: str
    """``domain.moves.ChangeKind``'s value."""
    reference: str
    """Its payment link's reference (``domain.moves.change_reference``)."""
    claims_owner: str
    day: date
    slots: list[BookedSlot]
    """Every slot of the session once changed."""
    amount_paise: int
    """The session's price once changed."""
    due_paise: int
    """What is to pay: the difference."""
    lapses_ms: int
    """When the claim is let go unpaid, in epoch milliseconds (indexed: the clock's job)."""
    link_id: str | None = None
    link_url: str | None = None
    requested_at: UtcDatetime | None = None


class ReversalEntry(BaseModel):
    """What one refund takes back from the owner's transfer (``domain.payouts``)."""

    refund_key: str
    amount_paise: int
    status: ReversalStatus = ReversalStatus.DUE
    reversal_id: str | None = None
    claimed_ms: int | None = None
    done_ms: int | None = None


class PayoutEntry(BaseModel):
    """The owner's transfer out of one payment of a booking (Razorpay Route), with the
    payment's gateway fee and tax, and what refunds reversed of it."""

    payment_id: str
    share_paise: int
    """The booking's share of the payment, as in its ``PaymentEntry``."""
    paid_paise: int
    """The whole payment."""
    account_id: str | None = None
    commission_bp: int = 0
    commission_paise: int = 0
    transfer_paise: int = 0
    status: PayoutStatus = PayoutStatus.DUE
    transfer_id: str | None = None
    transferred_ms: int | None = None
    claimed_ms: int | None = None
    attempts: int = 0
    last_error: str | None = None
    fee_paise: int | None = None
    """Razorpay's fee on the whole payment, its tax included (the payment entity's ``fee``);
    None until it is read."""
    tax_paise: int | None = None
    reversals: dict[str, ReversalEntry] = Field(default_factory=dict)
    """By the refund entry's key: one reversal per refund."""
    reversal_count: int = 0
    """``len(reversals)``, the condition of the update that adds one."""

    @property
    def reversed_paise(self) -> int:
        return sum(r.amount_paise for r in self.reversals.values() if r.status is not ReversalStatus.FAILED)

    @property
    def settled_paise(self) -> int:
        """What the owner keeps of it: transferred less reversed."""
        if self.status is not PayoutStatus.TRANSFERRED:
            return 0
        done = sum(r.amount_paise for r in self.reversals.values() if r.status is ReversalStatus.DONE)
        return self.transfer_paise - done


class SeriesMark(BaseModel):
    """A booking that is one week of a weekly series."""

    code: str
    """The series' code (``JW-...``), its payment link's reference."""
    index: int
    """0 for the first booked week (the series' lead: its link, invoice and news)."""
    count: int
    """How many weeks were booked."""

    @property
    def is_lead(self) -> bool:
        return self.index == 0


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
    """The booking's first payment's id (also in ``payments``), kept as a field of its own
    so that refund events find a booking, and a series' weeks, by one indexed equality."""
    payment: dict[str, Any] = Field(default_factory=dict)
    """The payment link while the booking waits for payment: ``link_id``, ``link_url``,
    ``check_after_ms``. (Before the ledger it also held the payment itself.)"""
    payments: list[PaymentEntry] = Field(default_factory=list)
    payment_count: int = 0
    """``len(payments)``, for the condition of the update that adds one."""
    refunds: dict[str, RefundEntry] = Field(default_factory=dict)
    """By ``RefundEntry.key``, oldest first."""
    refund_due_ms: Annotated[int | None, Indexed()] = None
    """When the refund job should look at this booking's refunds (one is owed), in epoch
    milliseconds; None when none is owed."""
    refund_version: int = 0
    """Bumped by every update that leaves a refund owed (``storage.payment_records``)."""
    payouts: dict[str, PayoutEntry] = Field(default_factory=dict)
    """The owner's transfers, by payment id (``payments.payouts``)."""
    payout_due_ms: Annotated[int | None, Indexed()] = None
    """When the payout job should look at this booking (a transfer or reversal is due), in
    epoch milliseconds; None when none is."""
    payout_version: int = 0
    """Bumped by every update that leaves a transfer or a reversal due."""
    series: SeriesMark | None = None
    flags: list[str] = Field(default_factory=list)
    invoice_number: str | None = None
    invoice: dict[str, Any] = Field(default_factory=dict)
    """The issued invoice as printed (``storage.invoices``): seller, recipient, taxes."""
    credit_note_number: str | None = None
    credit_note: dict[str, Any] = Field(default_factory=dict)
    """The credit note issued for the booking's refund, as printed."""
    gst_recipient: dict[str, str] = Field(default_factory=dict)
    """``{"gstin", "name"}`` the musician gave before paying, printed as the recipient."""
    reminders_sent: list[str] = Field(default_factory=list)
    refund_tiers: list[dict[str, int]] | None = None
    """The room's refund tiers when the booking was made (``RoomRules.to_dict``'s form):
    the deadlines the review screen promised hold even if the owner changes them later.
    None on bookings made before per-room rules: the room's rules decide."""
    no_show: bool = False
    """The owner marked the paid session as nobody came (issue 16 §7); only a record."""
    no_show_marked_at: UtcDatetime | None = None
    no_show_marked_by: int | None = None
    calendar_sequence: int = 0
    """The SEQUENCE of the booking's latest calendar file: a change of its times (a move)
    raises it in the same update and sends the file again (``storage.calendar_messages``)."""
    change: PendingChange | None = None
    """A move or an extra hour waiting for payment (issue 16 §2, §3)."""
    change_count: int = 0
    """How many moves and extensions were asked for: numbers their link references."""
    superseded_invoice_number: str | None = None
    """The latest invoice number a move or an extra hour superseded: the invoice counter's
    recovery step never stores it on the booking again (``storage.invoices``)."""
    earlier_invoices: list[dict[str, Any]] = Field(default_factory=list)
    """Invoices issued for the session's times before a move or an extra hour, kept as
    they were issued (the booking's ``invoice`` is then issued again for the new times)."""

    class Settings:
        name = "bookings"
        indexes = [
            IndexModel([("series.code", ASCENDING)], name="series_code"),
            IndexModel([("change.lapses_ms", ASCENDING)], name="change_lapses"),
        ]
        projection = None
        """Whole documents: Beanie would otherwise ask for this model's fields only, and a
        booking stored before the ledger keeps its money in ``refund`` (``legacy_ledger``)."""

    @model_validator(mode="before")
    @classmethod
    def _ledger_from_legacy(cls, data: Any) -> Any:
        """A booking stored before the ledger reads as one with it (see ``legacy_ledger``)."""
        return legacy_ledger(data) if isinstance(data, dict) else data

    @property
    def due_at(self) -> datetime | None:
        return from_ms(self.due_ms)

    @property
    def slot_starts(self) -> list[datetime]:
        return [s.start for s in self.slots]

    # ---- the ledger, read ----------------------------------------------------------

    @property
    def amount_paid_paise(self) -> int:
        """What this booking's payments brought for it (its shares)."""
        return paid_paise(self.payments)

    @property
    def refunded_paise(self) -> int:
        """What went back to the musician (refunds the gateway accepted or paid)."""
        return returned_paise(self.refunds.values())

    @property
    def refundable_paise(self) -> int:
        """What of its payments no refund has asked back yet."""
        return refundable_paise(self.payments, self.refunds.values())

    @property
    def paid_currency(self) -> str:
        return self.payments[0].currency if self.payments else self.currency

    @property
    def open_refunds(self) -> list[RefundEntry]:
        """Entries still to be asked for (due, or being asked)."""
        return [entry for entry in self.refunds.values() if entry.status in OPEN]

    @property
    def refund(self) -> dict[str, Any]:
        """The booking's refunds as the one record it had before the ledger (read-only,
        for readers written then): empty without any; several are summed."""
        entries = list(self.refunds.values())
        if not entries:
            return {}
        last = entries[-1]
        view: dict[str, Any] = {
            "due_paise": sum(e.amount_paise for e in entries),
            "percent": last.percent,
            "status": last.status.value,
        }
        optional = {
            "reason": last.reason,
            "id": last.refund_id,
            "amount_paise": sum(e.amount_paise for e in entries) if last.refund_id else None,
            "claimed_ms": last.claimed_ms,
            "attempts": sum(e.attempts for e in entries) or None,
            "last_error": last.last_error,
        }
        view.update({key: value for key, value in optional.items() if value is not None})
        return view


class SlotClaim(Document):
    """One document per claimed (room, slot start). Its id is the claim key, so the
    database's unique ``_id`` makes a second claim of a slot impossible."""

    id: str  # type: ignore[assignment]
    room_id: str
    room_day: Annotated[str, Indexed()]
    start: UtcDatetime
    end: UtcDatetime
    start_ms: Annotated[int | None, Indexed()] = None
    """``start`` in epoch milliseconds: the free-slot search asks for every room's claims
    in a window with one range on it (a range on the datetime itself is not served by the
    embedded database's index). Claims made before it existed get it at start-up
    (``storage.availability.stamp_claim_starts``)."""
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


def room_of_key(key: str) -> str:
    """The room id a ``room_day_key`` or a ``claim_id`` starts with."""
    return key.rpartition("|")[0]


def day_of_key(room_day: str) -> date:
    """The day of a ``room_day_key``."""
    return date.fromisoformat(room_day.rpartition("|")[2])


def room_days_between(room_id: PydanticObjectId | str, first: date, last: date) -> dict[str, str]:
    """A ``room_day`` condition for one room's days ``first`` to ``last``: one indexed
    range, as a room's keys sort by day. NX-27017's planner scans the whole collection
    for an ``$in`` on ``room_day`` (explain: SCAN), however few the keys."""
    return {"$gte": room_day_key(room_id, first), "$lte": room_day_key(room_id, last)}


def legacy_ledger(data: dict[str, Any]) -> dict[str, Any]:
    """A stored booking in the shape before the ledger (one ``payment_id`` with the
    payment in ``payment``, one ``refund`` record) in the ledger's shape: one payment
    entry and one refund entry, the refund keyed by the idempotency key it was asked
    for with then. Idempotent: a booking already in the ledger's shape is returned as it is
    (less any leftover ``refund``)."""
    data = dict(data)
    legacy_refund = data.pop("refund", None) or {}
    payment_id = data.get("payment_id")
    if payment_id and not data.get("payments"):
        record = data.get("payment") or {}
        paid = int(record.get("amount_paid_paise") or data.get("amount_paise") or 0)
        data["payments"] = [
            {
                "payment_id": payment_id,
                "link_id": record.get("link_id"),
                "reference": data.get("code"),
                "share_paise": paid,
                "paid_paise": paid,
                "currency": record.get("currency") or data.get("currency") or "INR",
                "paid_at": data.get("paid_at"),
                "purpose": PaymentPurpose.BOOKING.value,
            }
        ]
        data["payment_count"] = 1
    if legacy_refund.get("status") and not data.get("refunds"):
        booking_id = str(data.get("_id") or data.get("id") or "")
        key = legacy_refund_key(booking_id)
        data["refunds"] = {
            key: {
                "key": key,
                "payment_id": payment_id,
                "amount_paise": int(legacy_refund.get("amount_paise") or legacy_refund.get("due_paise") or 0),
                "percent": int(legacy_refund.get("percent") or 100),
                "reason": legacy_refund.get("reason"),
                "status": legacy_refund["status"],
                "refund_id": legacy_refund.get("id"),
                "claimed_ms": legacy_refund.get("claimed_ms"),
                "attempts": int(legacy_refund.get("attempts") or 0),
                "last_error": legacy_refund.get("last_error"),
            }
        }
        if legacy_refund["status"] in {status.value for status in OPEN} and data.get("refund_due_ms") is None:
            data["refund_due_ms"] = 0
    return data


@functools.lru_cache(maxsize=1024)
def _weekly_hours(opening_hours: tuple[tuple[str, str | None], ...]) -> WeeklyHours:
    """A room's weekly hours, parsed once per distinct stored form: several screens of
    every tap ask for them (25 µs a parse)."""
    return hours_from_mapping(dict(opening_hours))


@functools.lru_cache(maxsize=1024)
def _day_hours(stored: str) -> DayHours:
    return parse_hours(stored)
