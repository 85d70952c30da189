"""A booking in the musician's calendar: its calendar file (RFC 5545, written by the
``icalendar`` library) and its "Add to Google Calendar" link. Pure: the facts and the
moment come in, bytes and text go out.

One VEVENT per session (a booking is one contiguous run, ``domain.sessions``), each
with a UID that never changes for the booking, so a later file about the same booking
replaces the event in the musician's calendar instead of adding one: a moved session
is sent again as ``PUBLISH`` with the same UID and a higher SEQUENCE, a cancelled one
as ``CANCEL`` with the same UID and a higher SEQUENCE still.

A weekly series gets one file with every week's session, each under its week's own
UID: a week moved or cancelled later replaces or takes off just that event.

The file is made when the outbox delivers it (like the invoice): an outbox message
carries only its reference, ``CalendarFileRef.attachment``."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from urllib.parse import quote, urlencode

from icalendar import Alarm, Calendar, Event, Timezone, vCalAddress

from domain.codes import is_series_code
from domain.sessions import Session, sessions_in
from domain.slots import Slot
from domain.words import calendar as words
from domain.words.facts import BookingFacts, RoomFacts

CALENDAR_ATTACHMENT = "calendar:"
"""An outbox ``attachment`` of ``calendar:<booking id or series code>:<method>:<sequence>``."""
PRODID = "-//JamRoom bot//Bookings//EN"
ALARM_BEFORE = timedelta(hours=1)
GOOGLE_CALENDAR = "https://calendar.google.com/calendar/render"
GOOGLE_TIME = "%Y%m%dT%H%M%SZ"


class CalendarMethod(StrEnum):
    PUBLISH = "PUBLISH"
    """The session as it stands now: add it, or update the event with its UID."""
    CANCEL = "CANCEL"
    """The session will not happen: take the event with its UID off the calendar."""


@dataclass(frozen=True)
class CalendarFileRef:
    """Which file to make at delivery: of what, the method and its SEQUENCE (fixed
    when the message is queued, so a cancellation always outranks the file before it)."""

    subject: str
    """The booking's id, or a weekly series' code (``JW-...``): a file of its weeks."""
    method: CalendarMethod
    sequence: int

    @property
    def attachment(self) -> str:
        return f"{CALENDAR_ATTACHMENT}{self.subject}:{self.method.value}:{self.sequence}"

    @property
    def series_code(self) -> str | None:
        return self.subject if is_series_code(self.subject) else None

    @classmethod
    def parse(cls, attachment: str) -> CalendarFileRef:
        """ValueError for anything ``attachment`` did not write."""
        parts = attachment.split(":")
        if len(parts) != 4 or f"{parts[0]}:" != CALENDAR_ATTACHMENT or not parts[1]:
            raise ValueError(f"not a calendar file: {attachment!r}")
        _, subject, method, sequence = parts
        if not re.fullmatch(r"[0-9]{1,6}", sequence):
            raise ValueError(f"not a calendar file's sequence: {attachment!r}")
        return cls(subject, CalendarMethod(method), int(sequence))


@dataclass(frozen=True)
class CalendarEntry:
    """One session as a calendar event."""

    uid: str
    session: Session

    @property
    def start(self) -> datetime:
        return self.session.start

    @property
    def end(self) -> datetime:
        return self.session.end


def booking_sessions(booking: BookingFacts) -> tuple[Session, ...]:
    return sessions_in(Slot(slot.start, slot.end) for slot in booking.slots)


def calendar_entries(booking: BookingFacts, uid_host: str) -> list[CalendarEntry]:
    """The booking's sessions with their UIDs: ``<code>@<host>`` for the first, then
    ``<code>-2@<host>``... (the booking code never changes, so neither do they)."""
    return [
        CalendarEntry(f"{booking.code}@{uid_host}" if n == 1 else f"{booking.code}-{n}@{uid_host}", session)
        for n, session in enumerate(booking_sessions(booking), start=1)
    ]


def calendar_file(
    bookings: Sequence[BookingFacts],
    room: RoomFacts,
    ref: CalendarFileRef,
    *,
    stamp: datetime,
    uid_host: str,
    organizer_url: str,
) -> bytes:
    """The calendar file of a booking, or of a weekly series' weeks (one room): every
    session of each, under the booking's own UIDs. ``stamp`` (DTSTAMP) is when it is
    made; times are in the room's zone, with its VTIMEZONE; ``organizer_url`` names the
    room's side (iTIP wants an ORGANIZER; the bot's chat is the one address a musician
    can reach)."""
    entries = [(booking, entry) for booking in bookings for entry in calendar_entries(booking, uid_host)]
    if not entries:
        raise ValueError("a calendar file needs a session")
    first = min(entry.start for _, entry in entries)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", ref.method.value)
    calendar.add_component(room_timezone(room.zone.key, first.astimezone(room.zone).year))
    for booking, entry in entries:
        calendar.add_component(_event(booking, room, ref, entry, stamp, organizer_url))
    return calendar.to_ical()


@lru_cache(maxsize=64)
def room_timezone(tzid: str, year: int) -> Timezone:
    """The zone's VTIMEZONE from the year before ``year`` to the end of the year after:
    every clock change a calendar needs to place a session of ``year`` (or of a
    booking running into the next). Made once per zone and year: the library looks back
    for the zone's last change before it (1945, for India), which takes tens of ms."""
    return Timezone.from_tzid(tzid, first_date=date(year - 1, 1, 1), last_date=date(year + 2, 1, 1))


def _event(
    booking: BookingFacts,
    room: RoomFacts,
    ref: CalendarFileRef,
    entry: CalendarEntry,
    stamp: datetime,
    organizer_url: str,
) -> Event:
    event = Event()
    event.add("uid", entry.uid)
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("sequence", ref.sequence)
    event.add("dtstart", entry.start.astimezone(room.zone))
    event.add("dtend", entry.end.astimezone(room.zone))
    event.add("summary", words.event_summary(room))
    event.add("location", room.address)
    organizer = vCalAddress(organizer_url)
    organizer.params["CN"] = room.name
    event.add("organizer", organizer)
    if room.latitude is not None and room.longitude is not None:
        event.add("geo", (room.latitude, room.longitude))
    if ref.method is CalendarMethod.CANCEL:
        event.add("status", "CANCELLED")
        return event
    event.add("status", "CONFIRMED")
    event.add("description", words.event_description(booking, room))
    event.add("url", organizer_url)
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", words.alarm_text(room, ALARM_BEFORE))
    alarm.add("trigger", -ALARM_BEFORE)
    event.add_component(alarm)
    return event


def google_calendar_link(booking: BookingFacts, room: RoomFacts, session: Session) -> str:
    """Google Calendar's "add an event" page for one session: ``dates`` in UTC
    (``YYYYMMDDTHHMMSSZ/YYYYMMDDTHHMMSSZ``), ``ctz`` so it shows in the room's zone."""
    query = {
        "action": "TEMPLATE",
        "text": words.event_summary(room),
        "dates": f"{session.start.astimezone(UTC):{GOOGLE_TIME}}/{session.end.astimezone(UTC):{GOOGLE_TIME}}",
        "details": words.event_description(booking, room),
        "location": room.address,
        "ctz": room.zone.key,
    }
    return f"{GOOGLE_CALENDAR}?{urlencode(query, quote_via=quote, safe='/')}"


def google_calendar_links(booking: BookingFacts, room: RoomFacts) -> list[str]:
    """One link per session."""
    return [google_calendar_link(booking, room, session) for session in booking_sessions(booking)]
