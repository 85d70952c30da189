"""The words of a booking's calendar file and its Google Calendar link: the event's
title, description and alarm (plain text: calendars show no HTML), and the captions
of the files sent in the chat (HTML, like every message)."""

from __future__ import annotations

from datetime import timedelta

from domain.words.facts import BookingFacts, RoomFacts
from domain.words.formats import HOUR, count, h, money, session_span

Buttons = list[list[dict[str, str]]]

GOOGLE_CALENDAR = "📅 Add to Google Calendar"


def event_summary(room: RoomFacts) -> str:
    return f"Rehearsal at {room.name}"


def event_description(booking: BookingFacts, room: RoomFacts) -> str:
    return (
        f"JamRoom booking {booking.code}, paid {money(booking.amount_paise)}.\n"
        f"{room.name}, {room.address}\n"
        "Your booking, the invoice and how to get in are in the chat with the bot."
    )


def alarm_text(room: RoomFacts, before: timedelta) -> str:
    return f"Your session at {room.name} starts in {count(before.total_seconds() / 3600, HOUR)}."


def file_caption(booking: BookingFacts, room: RoomFacts) -> str:
    return (
        f"📅 {h(room.name)}, {session_span(booking, room.zone)}: open this file to add the session "
        "to your calendar (with a reminder an hour before), or tap Add to Google Calendar."
    )


def cancelled_caption(booking: BookingFacts, room: RoomFacts) -> str:
    return (
        f"🗓 Booking <code>{booking.code}</code> ({h(room.name)}, {session_span(booking, room.zone)}) "
        "is cancelled: open this file to take it off your calendar. If you added it to Google "
        "Calendar with the button, delete the event there."
    )


def google_calendar_buttons(links: list[str]) -> Buttons:
    """One button per session's link (a booking is one session, so one button)."""
    return [[{"text": GOOGLE_CALENDAR, "url": link}] for link in links]
