"""Check-in info's rules without a database (what an owner may type, when a booking is
told), and storing it: only an owner of the room can, in one conditional update."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.booking_status import BookingStatus
from domain.check_in import (
    MAX_CHECK_IN,
    SHOWN_BEFORE,
    check_in_shown,
    parse_check_in,
    parse_phone,
    reminder_brings_check_in,
)
from domain.errors import NotOwnerError
from domain.room_settings import SettingError
from storage.models import Room
from storage.room_settings import save_check_in

STARTS = datetime(2026, 11, 26, 12, 30, tzinfo=UTC)
ENDS = STARTS + timedelta(hours=2)
MS = timedelta(milliseconds=1)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("98450 12345", "+919845012345"),
        ("+91 98450 12345", "+919845012345"),
        ("+91-98450-12345", "+919845012345"),
        ("919845012345", "+919845012345"),
        ("098450 12345", "+919845012345"),
        ("080 4123 4567", "+918041234567"),
        ("(080) 4123-4567", "+918041234567"),
        ("0091 98450 12345", "+919845012345"),
        ("+44 20 7946 0958", "+442079460958"),
        ("  +1 (212) 555-0123 ", "+12125550123"),
        ("-", None),
        ("None", None),
    ],
)
def test_a_phone_number_is_stored_whole_with_its_country(typed: str, stored: str | None) -> None:
    assert parse_phone(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "call me",
        "12345",
        "55512345",  # no area code
        "5845012345",  # ten digits that are no Indian mobile
        "+91 98450 1234",  # one digit short
        "+91 98450 123456",
        "+0 1234 5678",
        "+1234567890123456",  # 16 digits
        "98450 12345 ext 2",
        "٩٨٤٥٠١٢٣٤٥",  # Arabic-Indic digits: not what Telegram dials
        "+91 98450 12345\n+91 98450 54321",
        '{"$gt": ""}',
    ],
)
def test_anything_else_is_refused_with_what_to_send(typed: str) -> None:
    with pytest.raises(SettingError, match=r"like \+91 98450 12345"):
        parse_phone(typed)


def test_check_in_info_is_kept_as_written_within_its_limit() -> None:
    written = "Door code 4471#\nCall Ravi on arrival"
    assert parse_check_in(f"  {written}  ") == written
    assert parse_check_in("x" * MAX_CHECK_IN) == "x" * MAX_CHECK_IN
    assert parse_check_in("-") == ""
    assert parse_check_in(" remove ") == ""
    with pytest.raises(SettingError, match=f"under {MAX_CHECK_IN} characters"):
        parse_check_in("x" * (MAX_CHECK_IN + 1))
    with pytest.raises(SettingError, match="or - to remove"):
        parse_check_in("   \n ")


@pytest.mark.parametrize(
    ("status", "now", "shown"),
    [
        (BookingStatus.NOT_STARTED, STARTS - SHOWN_BEFORE - MS, False),
        (BookingStatus.NOT_STARTED, STARTS - SHOWN_BEFORE, True),
        (BookingStatus.NOT_STARTED, STARTS - MS, True),
        (BookingStatus.ONGOING, STARTS + timedelta(hours=1), True),
        (BookingStatus.ONGOING, ENDS, False),
        (BookingStatus.COMPLETED, ENDS - MS, False),
        (BookingStatus.PENDING_PAYMENT, STARTS - timedelta(minutes=30), False),
        (BookingStatus.EXPIRED, STARTS - timedelta(minutes=30), False),
        (BookingStatus.CANCELLED, STARTS - timedelta(minutes=30), False),
        (BookingStatus.TERMINATED, STARTS - timedelta(minutes=30), False),
    ],
)
def test_only_a_paid_booking_is_told_and_only_from_two_hours_before(
    status: BookingStatus, now: datetime, shown: bool
) -> None:
    assert check_in_shown(status, STARTS, ENDS, now) is shown


def test_the_hour_before_reminder_brings_it_and_the_day_before_one_does_not() -> None:
    assert reminder_brings_check_in(timedelta(hours=1))
    assert reminder_brings_check_in(SHOWN_BEFORE)
    assert not reminder_brings_check_in(timedelta(hours=24))


async def test_only_an_owner_of_the_room_stores_its_check_in_info(room: Room) -> None:
    saved = await save_check_in(str(room.id), 9001, {"access_info": "Code 4471", "phone": "+919845012345"})
    assert (saved.access_info, saved.phone) == ("Code 4471", "+919845012345")
    for intruder, room_id in ((7007, str(room.id)), (9001, "not-an-id"), (9001, "0" * 24)):
        with pytest.raises(NotOwnerError):
            await save_check_in(room_id, intruder, {"access_info": "Code 0000"})
    stored = await Room.get(room.id)
    assert stored is not None
    assert stored.access_info == "Code 4471"
    with pytest.raises(ValueError, match="not check-in fields"):
        await save_check_in(str(room.id), 9001, {"hourly_paise": 1})


def test_a_rooms_repr_never_shows_its_check_in_info() -> None:
    """A room in a log line or a traceback shows no door code."""
    shown = repr(Room.model_construct(name="Bass Cave", access_info="Code 4471"))
    assert "Bass Cave" in shown
    assert "4471" not in shown
