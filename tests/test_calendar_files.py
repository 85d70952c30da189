"""A booking's calendar file and Google Calendar link, without a database: the file is
parsed back with icalendar and every field checked; a cancellation and a moved session
keep the UID with a higher SEQUENCE; the link's fields are what Google reads and a
button Telegram accepts."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, Event

from domain.booking_status import BookingStatus
from domain.calendar_files import (
    CalendarFileRef,
    CalendarMethod,
    calendar_file,
    google_calendar_link,
    google_calendar_links,
)
from domain.sessions import Session
from domain.slots import Slot
from domain.urls import telegram_accepts_button_url

IST = ZoneInfo("Asia/Kolkata")
LONDON = ZoneInfo("Europe/London")
MADE_AT = datetime(2026, 11, 25, 4, 30, 12, tzinfo=UTC)
HOST = "jamroom_test_bot.t.me"
ORGANIZER = "https://t.me/jamroom_test_bot"


def ist(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=IST).astimezone(UTC)


@dataclass
class PaidSlot:
    start: datetime
    end: datetime
    price_paise: int = 80000


@dataclass
class Booked:
    """Thursday 26 Nov 2026, 18:00–20:00 IST, paid."""

    code: str = "JR-CAL123"
    user_id: int = 1001
    day: date = date(2026, 11, 26)
    slots: list[PaidSlot] = field(
        default_factory=lambda: [
            PaidSlot(ist(date(2026, 11, 26), 18), ist(date(2026, 11, 26), 19)),
            PaidSlot(ist(date(2026, 11, 26), 19), ist(date(2026, 11, 26), 20)),
        ]
    )
    amount_paise: int = 160000
    status: BookingStatus = BookingStatus.NOT_STARTED
    payment_id: str | None = "pay_1"
    payment: dict[str, Any] = field(default_factory=dict)
    refund: dict[str, Any] = field(default_factory=dict)
    cancel_reason: str | None = None
    hold_expires_at: datetime = MADE_AT

    @property
    def starts_at(self) -> datetime:
        return self.slots[0].start

    @property
    def ends_at(self) -> datetime:
        return self.slots[-1].end


@dataclass
class Place:
    slug: str = "bass-cave"
    name: str = "Bass Cave Studio"
    city: str = "Bengaluru"
    address: str = "2nd floor, 1082 12th Main Rd, Indiranagar, Bengaluru 560038"
    zone: ZoneInfo = IST
    latitude: float | None = 12.9719
    longitude: float | None = 77.6412
    active: bool = True
    access_info: str = "Door code 4471#, 2nd floor"


def made(
    booking: Booked, room: Place, method: CalendarMethod = CalendarMethod.PUBLISH, seq: int = 0
) -> bytes:
    ref = CalendarFileRef("66b0ced536349d307f9927e4", method, seq)
    return calendar_file([booking], room, ref, stamp=MADE_AT, uid_host=HOST, organizer_url=ORGANIZER)


def only_event(data: bytes) -> tuple[Calendar, Event]:
    calendar = Calendar.from_ical(data)
    assert isinstance(calendar, Calendar)
    (event,) = calendar.events
    return calendar, event


def test_the_confirmations_file_reads_back_with_every_field() -> None:
    calendar, event = only_event(made(Booked(), Place()))
    assert calendar["METHOD"] == "PUBLISH"
    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"] == "-//JamRoom bot//Bookings//EN"
    assert str(event["UID"]) == "JR-CAL123@jamroom_test_bot.t.me"
    assert event["SEQUENCE"] == 0
    assert event.decoded("DTSTAMP") == MADE_AT.replace(microsecond=0)
    assert str(event["SUMMARY"]) == "Rehearsal at Bass Cave Studio"
    assert str(event["LOCATION"]) == Place().address
    assert (event["GEO"].latitude, event["GEO"].longitude) == (12.9719, 77.6412)
    assert str(event["STATUS"]) == "CONFIRMED"
    assert "JR-CAL123" in str(event["DESCRIPTION"])
    assert str(event["ORGANIZER"]) == ORGANIZER
    assert event["ORGANIZER"].params["CN"] == "Bass Cave Studio"
    # Times in the room's zone, naming its VTIMEZONE, and the right instants.
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert (start.tzinfo.key, start.hour, end.hour) == ("Asia/Kolkata", 18, 20)  # type: ignore[union-attr]
    assert (start, end) == (Booked().starts_at, Booked().ends_at)
    assert event["DTSTART"].params["TZID"] == "Asia/Kolkata"
    assert [tz.tz_name for tz in calendar.timezones] == ["Asia/Kolkata"]
    assert calendar.get_missing_tzids() == set()
    (alarm,) = event.walk("VALARM")
    assert str(alarm["ACTION"]) == "DISPLAY"
    assert alarm.decoded("TRIGGER") == timedelta(hours=-1)
    assert str(alarm["DESCRIPTION"]) == "Your session at Bass Cave Studio starts in 1 hour."
    raw = made(Booked(), Place()).decode()
    assert "TRIGGER:-PT1H" in raw
    assert "BEGIN:VTIMEZONE" in raw.split("BEGIN:VEVENT")[0]  # before the event that names it


def test_the_file_never_tells_how_to_get_in() -> None:
    """The file goes out at confirmation, which is no place for the door code."""
    for method in CalendarMethod:
        assert b"4471" not in made(Booked(), Place(), method)
    assert all("4471" not in link for link in google_calendar_links(Booked(), Place()))


def test_a_room_without_coordinates_has_no_geo() -> None:
    _, event = only_event(made(Booked(), Place(latitude=None, longitude=None)))
    assert "GEO" not in event
    assert str(event["LOCATION"]) == Place().address


def test_a_cancellation_keeps_the_uid_with_a_higher_sequence() -> None:
    _, booked = only_event(made(Booked(), Place()))
    calendar, cancelled = only_event(made(Booked(), Place(), CalendarMethod.CANCEL, 1))
    assert calendar["METHOD"] == "CANCEL"
    assert cancelled["UID"] == booked["UID"]
    assert cancelled["SEQUENCE"] > booked["SEQUENCE"]
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert cancelled.decoded("DTSTART") == booked.decoded("DTSTART")
    assert cancelled.walk("VALARM") == []
    assert "ORGANIZER" in cancelled


def test_a_moved_session_is_the_same_event_with_a_higher_sequence() -> None:
    """What a move (issue 16 §2) sends: same UID, later SEQUENCE, the new times."""
    friday = date(2026, 11, 27)
    moved = Booked(day=friday, slots=[PaidSlot(ist(friday, 12), ist(friday, 14))])
    _, before = only_event(made(Booked(), Place()))
    _, after = only_event(made(moved, Place(), CalendarMethod.PUBLISH, 1))
    assert after["UID"] == before["UID"]
    assert after["SEQUENCE"] == 1
    assert after.decoded("DTSTART") == ist(friday, 12)


def test_a_room_abroad_gets_its_zone_with_its_clock_changes() -> None:
    day = date(2026, 3, 29)  # Britain moves its clocks at 01:00 UTC
    start = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # 00:30 GMT
    end = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 02:30 BST
    booking = Booked(day=day, slots=[PaidSlot(start, end)])
    calendar, event = only_event(made(booking, Place(zone=LONDON)))
    assert event["DTSTART"].params["TZID"] == "Europe/London"
    assert (event.decoded("DTSTART"), event.decoded("DTEND")) == (start, end)
    assert event.decoded("DTEND").hour == 2  # the local time written
    (zone,) = calendar.timezones
    assert {c.name for c in zone.subcomponents} == {"STANDARD", "DAYLIGHT"}


def test_each_session_is_an_event_of_its_own_with_a_stable_uid() -> None:
    """A booking is one session today (issue 16 §0); a booking stored with two runs
    still makes one event per run, never one from the first start to the last end."""
    day = date(2026, 11, 26)
    split = Booked(slots=[PaidSlot(ist(day, 12), ist(day, 13)), PaidSlot(ist(day, 18), ist(day, 19))])
    calendar = Calendar.from_ical(made(split, Place()))
    assert [str(e["UID"]) for e in calendar.events] == [
        "JR-CAL123@jamroom_test_bot.t.me",
        "JR-CAL123-2@jamroom_test_bot.t.me",
    ]
    assert [e.decoded("DTSTART").hour for e in calendar.events] == [12, 18]
    assert len(google_calendar_links(split, Place())) == 2


def test_the_google_link_carries_the_session_in_utc() -> None:
    booking = Booked()
    link = google_calendar_link(booking, Place(), Session((Slot(booking.starts_at, booking.ends_at),)))
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "calendar.google.com", "/calendar/render")
    query = {key: values[0] for key, values in parse_qs(parts.query, strict_parsing=True).items()}
    assert set(query) == {"action", "text", "dates", "details", "location", "ctz"}
    assert query["action"] == "TEMPLATE"
    assert query["text"] == "Rehearsal at Bass Cave Studio"
    assert re.fullmatch(r"\d{8}T\d{6}Z/\d{8}T\d{6}Z", query["dates"])
    assert query["dates"] == "20261126T123000Z/20261126T143000Z"  # 18:00–20:00 IST
    assert query["location"] == Place().address
    assert "JR-CAL123" in query["details"]
    assert query["ctz"] == "Asia/Kolkata"
    assert " " not in link
    assert telegram_accepts_button_url(link)


@pytest.mark.parametrize(
    "attachment",
    [
        "calendar:abc",
        "calendar:abc:PUBLISH",
        "calendar::PUBLISH:0",
        "calendar:abc:INVITE:0",
        "calendar:abc:CANCEL:-1",
        "calendar:abc:CANCEL:1:2",
        "invoice:abc:CANCEL:1",
    ],
)
def test_a_reference_it_did_not_write_is_refused(attachment: str) -> None:
    with pytest.raises(ValueError):
        CalendarFileRef.parse(attachment)


def test_a_reference_reads_back_as_written() -> None:
    ref = CalendarFileRef("66b0ced536349d307f9927e4", CalendarMethod.CANCEL, 3)
    assert ref.attachment == "calendar:66b0ced536349d307f9927e4:CANCEL:3"
    assert CalendarFileRef.parse(ref.attachment) == ref
