"""The words of a booking's calendar file and its Google Calendar link: the event's
title, description and alarm (plain text: calendars show no HTML), and the captions
of the files sent in the chat (HTML, like every message)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from domain.words.facts import BookingFacts, RoomFacts
from domain.words.formats import HOUR, SESSION, count, h, money, session_span
from domain.words.language import N_, _, speaks_when_read

Buttons = list[list[dict[str, str]]]

GOOGLE_CALENDAR = N_("📅 Add to Google Calendar")


def event_summary(room: RoomFacts) -> str:
    return _("Rehearsal at {room}").format(room=room.name)


def event_description(booking: BookingFacts, room: RoomFacts) -> str:
    return _(
        "JamRoom booking {code}, paid {amount}.\n"
        "{room}, {address}\n"
        "Your booking, the invoice and how to get in are in the chat with the bot."
    ).format(code=booking.code, amount=money(booking.amount_paise), room=room.name, address=room.address)


def alarm_text(room: RoomFacts, before: timedelta) -> str:
    return _("Your session at {room} starts in {hours}.").format(
        room=room.name, hours=count(before.total_seconds() / 3600, HOUR)
    )


def file_caption(booking: BookingFacts, room: RoomFacts) -> str:
    return _(
        "📅 {room}, {session}: open this file to add the session "
        "to your calendar (with a reminder an hour before), or tap Add to Google Calendar."
    ).format(room=h(room.name), session=session_span(booking, room.zone))


def series_file_caption(weeks: Sequence[BookingFacts], room: RoomFacts) -> str:
    """The caption of a weekly series' one file: ``weeks`` are those it holds."""
    return _(
        "📅 {room}, {sessions} a week apart from {session}: open this file to add them all "
        "to your calendar (each with a reminder an hour before)."
    ).format(
        room=h(room.name), sessions=count(len(weeks), SESSION), session=session_span(weeks[0], room.zone)
    )


def cancelled_caption(booking: BookingFacts, room: RoomFacts) -> str:
    return _(
        "🗓 Booking <code>{code}</code> ({room}, {session}) "
        "is cancelled: open this file to take it off your calendar. If you added it to Google "
        "Calendar with the button, delete the event there."
    ).format(code=booking.code, room=h(room.name), session=session_span(booking, room.zone))


def google_calendar_buttons(links: list[str]) -> Buttons:
    """One button per session's link (a booking is one session, so one button)."""
    return [[{"text": _(GOOGLE_CALENDAR), "url": link}] for link in links]


speaks_when_read(__name__)
