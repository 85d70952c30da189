"""What the clock tells musicians and owners."""

from __future__ import annotations

from datetime import datetime, timedelta
from html import escape

from domain.money import format_inr
from storage.models import Booking, Room


def _times(booking: Booking, room: Room) -> str:
    zone = room.zone
    first, last = booking.starts_at.astimezone(zone), booking.ends_at.astimezone(zone)
    return f"{first:%a %d %b}, {first:%H:%M}–{last:%H:%M}"


def map_link(room: Room) -> str:
    if room.latitude is None or room.longitude is None:
        return ""
    return f"https://www.google.com/maps/search/?api=1&query={room.latitude},{room.longitude}"


def reminder(booking: Booking, room: Room, before: timedelta) -> str:
    hours = before.total_seconds() / 3600
    when = f"in {hours:g} hour{'s' if hours != 1 else ''}" if hours < 48 else "soon"
    link = map_link(room)
    where = f"📍 {escape(room.address)}" + (f'\n<a href="{link}">Open in Maps</a>' if link else "")
    return (
        f"⏰ Your session at <b>{escape(room.name)}</b> starts {when}: {_times(booking, room)}.\n"
        f"{where}\nBooking <code>{booking.code}</code>."
    )


def session_started(booking: Booking, room: Room) -> str:
    return (
        f"🎶 Your session at {escape(room.name)} has started (until "
        f"{booking.ends_at.astimezone(room.zone):%H:%M}). Have a great jam!"
    )


def session_completed(booking: Booking, room: Room) -> str:
    return (
        f"✅ Session at {escape(room.name)} complete (<code>{booking.code}</code>). "
        "Thanks for jamming with us — book your next one any time with /book."
    )


def owner_session_started(booking: Booking, room: Room) -> str:
    return f"▶️ {escape(room.name)}: session <code>{booking.code}</code> started ({_times(booking, room)})."


def daily_digest(room: Room, day: datetime, bookings: list[Booking]) -> str:
    heading = f"📅 <b>{escape(room.name)}</b> — today, {day:%a %d %b}"
    if not bookings:
        return f"{heading}\nNo bookings today."
    zone = room.zone
    lines = [
        f"• {b.starts_at.astimezone(zone):%H:%M}–{b.ends_at.astimezone(zone):%H:%M} "
        f"<code>{b.code}</code> · {format_inr(b.amount_paise)}"
        for b in sorted(bookings, key=lambda b: b.starts_at)
    ]
    total = sum(b.amount_paise for b in bookings)
    return "\n".join([heading, *lines, f"{len(bookings)} booking(s), {format_inr(total)}"])
