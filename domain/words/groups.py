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

GROUP_ANSWER = (
    "🎸 I book rehearsal rooms in a private chat, so nothing personal shows up here. "
    "Tap below to carry on there."
)
GROUP_TAP = "Bookings happen in my private chat: open it from my profile."
"""A tap on an old button in a group (an alert: at most 200 characters)."""
CONTINUE_IN_PRIVATE = "💬 Continue in private chat"
OPEN_IN_BOT = "📅 Open in JamRoom bot"
SEE_THE_ROOM = "🎸 See the room"
OPEN_IN_MAPS = "🗺 Open in Maps"
SHARE_WITH_BAND = "📣 Share with the band"
BOOK_IN_PRIVATE = "Find and book in a private chat"
"""The button above inline results, which opens the private chat."""


def _times(runs: Sequence[SlotFacts], zone: ZoneInfo) -> str:
    return ", ".join(slot_span(run, zone) for run in runs)


def _zone_name(runs: Sequence[SlotFacts], zone: ZoneInfo) -> str:
    return f"{runs[0].start.astimezone(zone):%Z}" if runs else ""


# ---- a room -----------------------------------------------------------------------------


def room_title(room: RoomFacts) -> str:
    return room.name


def room_description(room: RoomCardFacts) -> str:
    return f"{room.city} · from {money(room.hourly_paise)}/h"


def room_card(room: RoomCardFacts) -> str:
    return (
        f"🎸 <b>{h(room.name)}</b> · {h(room.city)}\n📍 {h(room.address)}\n"
        f"💰 from {money(room.hourly_paise)}/h, peak {money(room.peak_hourly_paise)}/h"
    )


# ---- a room's free times ----------------------------------------------------------------


def free_title(room: RoomFacts, day: date) -> str:
    return f"{room.name} · free {day_this_year(day)}"


def free_description(runs: Sequence[SlotFacts], zone: ZoneInfo, cheapest_paise: int) -> str:
    return f"{_times(runs, zone)} · from {money(cheapest_paise)}"


def free_card(room: RoomFacts, day: date, runs: Sequence[SlotFacts], cheapest_paise: int) -> str:
    """``runs``: the free slots, those back to back as one."""
    zone = room.zone
    return (
        f"🎸 <b>Free at {h(room.name)}</b>\n"
        f"📅 {day_this_year(day)}: {_times(runs, zone)} ({_zone_name(runs, zone)})\n"
        f"💰 from {money(cheapest_paise)}\n📍 {h(room.address)}"
    )


# ---- a musician's own session -------------------------------------------------------------


def session_title(room: RoomFacts) -> str:
    return f"Our session at {room.name}"


def session_description(booking: BookingFacts, room: RoomFacts) -> str:
    return session_span(booking, room.zone)


def session_card(booking: BookingFacts, room: RoomFacts, map_url: str) -> str:
    """Room, day, times and where: what the band needs to turn up. ``map_url``: "" when
    the room has no location."""
    where = f"📍 {h(room.address)}" + (f'\n<a href="{h(map_url)}">Open in Maps</a>' if map_url else "")
    return (
        f"🎶 <b>Jam session at {h(room.name)}</b>\n"
        f"📅 {session_span(booking, room.zone)} ({booking.starts_at.astimezone(room.zone):%Z})\n"
        f"{where}"
    )
