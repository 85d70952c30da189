"""What the bot says where a band talks (issue 17 §5, §6): its one short answer to a
command in a group chat, and the cards a musician shares through inline mode (a room,
a room's free times, their own session). Nothing here names a musician or tells
anything personal: group members all read it.

Inline results' titles and descriptions are plain text (Telegram shows them as they
are); cards are HTML, like every message."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from zoneinfo import ZoneInfo

from domain.words.facts import BookingFacts, RoomCardFacts, RoomFacts, SlotFacts
from domain.words.formats import day_this_year, h, money, session_span, slot_span
from domain.words.language import N_, _, speaks_when_read

GROUP_ANSWER = N_(
    "🎸 I book rehearsal rooms in a private chat, so nothing personal shows up here. "
    "Tap below to carry on there."
)
GROUP_TAP = N_("Bookings happen in my private chat: open it from my profile.")
"""A tap on an old button in a group (an alert: at most 200 characters)."""
CONTINUE_IN_PRIVATE = N_("💬 Continue in private chat")
OPEN_IN_BOT = N_("📅 Open in JamRoom bot")
SEE_THE_ROOM = N_("🎸 See the room")
OPEN_IN_MAPS = N_("🗺 Open in Maps")
SHARE_WITH_BAND = N_("📣 Share with the band")
BOOK_IN_PRIVATE = N_("Find and book in a private chat")
"""The button above inline results, which opens the private chat."""


def _times(runs: Sequence[SlotFacts], zone: ZoneInfo) -> str:
    return ", ".join(slot_span(run, zone) for run in runs)


def _zone_name(runs: Sequence[SlotFacts], zone: ZoneInfo) -> str:
    return f"{runs[0].start.astimezone(zone):%Z}" if runs else ""


# ---- a room -----------------------------------------------------------------------------


def room_title(room: RoomFacts) -> str:
    return room.name


def room_description(room: RoomCardFacts) -> str:
    return _("{city} · from {price}/h").format(city=room.city, price=money(room.hourly_paise))


def room_card(room: RoomCardFacts) -> str:
    return _("🎸 <b>{room}</b> · {city}\n📍 {address}\n💰 from {price}/h, peak {peak_price}/h").format(
        room=h(room.name),
        city=h(room.city),
        address=h(room.address),
        price=money(room.hourly_paise),
        peak_price=money(room.peak_hourly_paise),
    )


# ---- a room's free times ----------------------------------------------------------------


def free_title(room: RoomFacts, day: date) -> str:
    return _("{room} · free {day}").format(room=room.name, day=day_this_year(day))


def free_description(runs: Sequence[SlotFacts], zone: ZoneInfo, cheapest_paise: int) -> str:
    return _("{times} · from {price}").format(times=_times(runs, zone), price=money(cheapest_paise))


def free_card(room: RoomFacts, day: date, runs: Sequence[SlotFacts], cheapest_paise: int) -> str:
    """``runs``: the free slots, those back to back as one."""
    zone = room.zone
    return _("🎸 <b>Free at {room}</b>\n📅 {day}: {times} ({zone})\n💰 from {price}\n📍 {address}").format(
        room=h(room.name),
        day=day_this_year(day),
        times=_times(runs, zone),
        zone=_zone_name(runs, zone),
        price=money(cheapest_paise),
        address=h(room.address),
    )


# ---- a musician's own session -------------------------------------------------------------


def session_title(room: RoomFacts) -> str:
    return _("Our session at {room}").format(room=room.name)


def session_description(booking: BookingFacts, room: RoomFacts) -> str:
    return session_span(booking, room.zone)


def session_card(booking: BookingFacts, room: RoomFacts, map_url: str) -> str:
    """Room, day, times and where: what the band needs to turn up. ``map_url``: "" when
    the room has no location."""
    open_map = _("Open in Maps")
    where = f"📍 {h(room.address)}" + (f'\n<a href="{h(map_url)}">{open_map}</a>' if map_url else "")
    return _("🎶 <b>Jam session at {room}</b>\n📅 {session} ({zone})\n{where}").format(
        room=h(room.name),
        session=session_span(booking, room.zone),
        zone=f"{booking.starts_at.astimezone(room.zone):%Z}",
        where=where,
    )


speaks_when_read(__name__)
