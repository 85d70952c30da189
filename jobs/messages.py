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


def daily_digest(local_now: datetime, sections: list[tuple[Room, list[Booking]]]) -> str:
    """One message per owner and day: each room's bookings, in the room's own zone."""
    parts = [f"📅 <b>Today, {local_now:%a %d %b}</b>"]
    for room, bookings in sections:
        parts.append(f"\n<b>{escape(room.name)}</b>")
        if not bookings:
            parts.append("No bookings today.")
            continue
        zone = room.zone
        parts.extend(
            f"• {b.starts_at.astimezone(zone):%H:%M}–{b.ends_at.astimezone(zone):%H:%M} "
            f"<code>{b.code}</code> · {format_inr(b.amount_paise)}"
            for b in bookings
        )
        total = sum(b.amount_paise for b in bookings)
        parts.append(f"{len(bookings)} booking(s), {format_inr(total)}")
    return "\n".join(parts)


def book_again_buttons(room: Room, bot_username: str | None) -> list[list[dict[str, str]]]:
    """A deep link that opens the room's card (``/start room_<slug>``)."""
    if not bot_username:
        return []
    return [[{"text": "📅 Book again", "url": f"https://t.me/{bot_username}?start=room_{room.slug}"}]]


def map_buttons(room: Room) -> list[list[dict[str, str]]]:
    link = map_link(room)
    return [[{"text": "🗺 Open in Maps", "url": link}]] if link else []
