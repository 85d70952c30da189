"""Rooms, slots and bookings as the text a musician reads (HTML, already escaped).

Everything user- or owner-supplied goes through ``h`` here, so the dialogs can put
these strings straight into ``Format`` widgets under the HTML parse mode."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from operator import attrgetter
from zoneinfo import ZoneInfo

from domain.availability import SlotOffer, SlotState
from domain.money import format_inr
from domain.refund import RefundQuote
from domain.slots import describe_hours
from storage.models import Booking, Room

CAPTION_LIMIT = 1024  # Telegram's limit for a photo caption
STATE_WORDS = {
    SlotState.FREE: "free",
    SlotState.TAKEN: "booked",
    SlotState.BLOCKED: "unavailable",
    SlotState.PAST: "over",
    SlotState.TOO_SOON: "too soon",
}


def h(text: object) -> str:
    return html.escape(str(text), quote=False)


def day_label(day: date) -> str:
    return f"{day:%a %d %b %Y}"


def local_time(moment: datetime, zone: ZoneInfo) -> str:
    return f"{moment.astimezone(zone):%H:%M}"


def local_moment(moment: datetime, zone: ZoneInfo) -> str:
    """``12:45 on Wed 25 Nov (IST)``: a deadline in the room's own time."""
    local = moment.astimezone(zone)
    return f"{local:%H:%M} on {local:%a %d %b} ({local:%Z})"


def session_span(booking: Booking, zone: ZoneInfo) -> str:
    """``Thu 26 Nov 2026, 18:00–20:00`` in the room's time."""
    span = f"{local_time(booking.starts_at, zone)}–{local_time(booking.ends_at, zone)}"
    return f"{day_label(booking.day)}, {span}"


def slot_button(offer: SlotOffer, zone: ZoneInfo) -> str:
    label = offer.slot.label(zone)
    if not offer.bookable:
        return f"✕ {label} · {STATE_WORDS[offer.state]}"
    peak = " ★" if offer.peak else ""
    return f"{label} · {format_inr(offer.price_paise)}{peak}"


def slot_lines(offers: Sequence[SlotOffer], zone: ZoneInfo) -> str:
    return "\n".join(f"• {o.slot.label(zone)} — {format_inr(o.price_paise)}" for o in offers)


def room_card(room: Room, *, limit: int | None = None) -> str:
    hours = "\n".join(f"  {h(line)}" for line in describe_hours(room.hours)) or "  not set yet"
    amenities = ", ".join(h(a) for a in room.amenities) or "—"
    lines = [
        f"<b>{h(room.name)}</b> · {h(room.city)}",
        f"📍 {h(room.address)}",
        "",
        f"💰 {format_inr(room.hourly_paise)}/h · peak {format_inr(room.peak_hourly_paise)}/h "
        f"({h(room.peak_starts)}–{h(room.peak_ends)}{', weekends' if room.weekends_are_peak else ''})",
        f"👥 Up to {room.capacity} people",
        f"🎛 {amenities}",
        f"🕑 Opening hours ({h(room.timezone)}):",
        hours,
    ]
    header = "\n".join(lines)
    description = h(room.description)
    text = f"{header}\n\n{description}" if description else header
    if limit is not None and len(text) > limit:
        room_for_description = max(limit - len(header) - 3, 0)
        text = f"{header}\n\n{description[:room_for_description]}…" if room_for_description else header
    return text


def booking_line(booking: Booking, room: Room | None) -> str:
    """One line for a list: code, room, date, slots, amount, status."""
    name = h(room.name) if room else "a room that no longer exists"
    zone = room.zone if room else ZoneInfo("Asia/Kolkata")
    span = f"{local_time(booking.starts_at, zone)}–{local_time(booking.ends_at, zone)}"
    return (
        f"<b>{booking.code}</b> · {name}\n"
        f"   {day_label(booking.day)}, {span} ({len(booking.slots)} slot{_s(booking.slots)}) · "
        f"{format_inr(booking.amount_paise)} · {booking.status.human}"
    )


def booking_button(booking: Booking, room: Room | None) -> str:
    name = room.name if room else "Room"
    return f"{booking.code} · {booking.day:%d %b} · {name}"


def booking_details(booking: Booking, room: Room | None) -> str:
    zone = room.zone if room else ZoneInfo("Asia/Kolkata")
    slots = "\n".join(
        f"• {s.slot.label(zone)} — {format_inr(s.price_paise)}"
        for s in sorted(booking.slots, key=attrgetter("start"))
    )
    lines = [
        f"<b>Booking {booking.code}</b>",
        f"🏠 {h(room.name) if room else 'Room no longer listed'}",
    ]
    if room:
        lines.append(f"📍 {h(room.address)}")
    lines += [
        f"📅 {day_label(booking.day)}",
        slots,
        f"💰 {format_inr(booking.amount_paise)}",
        f"Status: <b>{booking.status.human}</b>",
    ]
    if booking.status.value == "PENDING_PAYMENT":
        lines.append(f"Held for you until {local_moment(booking.hold_expires_at, zone)}.")
    refund = booking.refund or {}
    if refund.get("due_paise"):
        lines.append(f"Refund: {format_inr(int(refund['due_paise']))} ({refund.get('status', 'due')}).")
    return "\n".join(lines)


def refund_preview(booking: Booking, quote: RefundQuote) -> str:
    if booking.status.value == "PENDING_PAYMENT":
        return (
            f"Cancel booking <b>{booking.code}</b>?\n\n"
            "Nothing has been paid yet, so there is nothing to refund; the slots will be "
            "released for other musicians."
        )
    if quote.amount_paise:
        money = f"you get <b>{format_inr(quote.amount_paise)}</b> back ({quote.percent}% of "
        money += f"{format_inr(booking.amount_paise)}), to the account you paid from."
    else:
        money = f"there is <b>no refund</b> at this notice (you paid {format_inr(booking.amount_paise)})."
    return f"Cancel booking <b>{booking.code}</b>?\n\nIf you cancel now, {money}"


def join_labels(labels: Iterable[str]) -> str:
    items = list(labels)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _s(items: Sequence[object]) -> str:
    return "" if len(items) == 1 else "s"
