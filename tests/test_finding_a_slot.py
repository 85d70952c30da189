"""Finding a slot through the real dispatcher (issue 17 §2, §3): the calendar's day marks,
the free-slot search (🔎 in the menu, /free) and the links that continue a search or a
room's day in the private chat."""

from __future__ import annotations

from datetime import date

import pytest
from aiogram.fsm.storage.base import BaseStorage
from aiogram_dialog.widgets.kbd.calendar_kbd import raw_from_date

from bot.dialogs.marks_cache import MARKS_TTL_SECONDS, DayMarksCache
from domain.start_links import day_parameter, free_parameter
from domain.words import musician_screens
from storage.booking_service import BookingService
from storage.database import Database
from storage.demo import DEMO_ROOMS
from storage.models import Room, User
from storage.users import last_city
from tests.dialog_support import Musician, RecordingPayments, make_dispatcher, make_services, slot_keys

THURSDAY = date(2026, 11, 26)  # Bass Cave open 10:00-22:00 IST
FRIDAY = date(2026, 11, 27)  # Bass Cave open 10:00-02:00 IST
OWNER = 9001


@pytest.fixture
def chat(db: Database, clock, service: BookingService, room: Room, dialog_storage: BaseStorage) -> Musician:
    dispatcher, manager = make_dispatcher(
        make_services(db, clock, service, RecordingPayments()), dialog_storage
    )
    return Musician(dispatcher, manager, user_id=1001, name="Asha")


@pytest.fixture
async def more_rooms(db: Database) -> list[Room]:
    """Loud Lane (Bengaluru, ₹450/h) and Tide Room (Mumbai)."""
    return [await Room(**spec, owner_ids=[9002]).insert() for spec in DEMO_ROOMS[1:]]


async def fill(service: BookingService, room: Room, day: date, *hours: int) -> None:
    """The owner blocks these hours (a claim like any booking's)."""
    await service.block_slots(room, day, slot_keys(room, day, *hours), owner_id=OWNER)


async def open_calendar(chat: Musician) -> None:
    await chat.send("/start")
    await chat.tap("🎸 Find a room")
    await chat.tap("Bengaluru.*")
    await chat.tap("Bass Cave Studio.*")
    await chat.tap("📅 Book")


def day_label(chat: Musician, day: date) -> str:
    wanted = f"calendar:{raw_from_date(day)}"
    (button,) = [b for b in chat.buttons() if (b.callback_data or "").endswith(wanted)]
    return button.text


# ---- §2 the calendar says which days are full ------------------------------------------


async def test_the_calendar_marks_full_days_and_days_with_few_slots_left(
    chat: Musician, service: BookingService, room: Room
) -> None:
    await fill(service, room, THURSDAY, *range(10, 22))  # every slot
    await fill(service, room, FRIDAY, *range(10, 24))  # 00:00 and 01:00 left
    await open_calendar(chat)
    assert day_label(chat, THURSDAY) == "26" + musician_screens.FULL_DAY
    assert day_label(chat, FRIDAY) == "27" + musician_screens.FEW_LEFT
    assert day_label(chat, date(2026, 11, 30)) == "30"
    assert day_label(chat, date(2026, 11, 25)) == "[ 25 ]"  # today keeps its brackets
    assert musician_screens.DAY_MARKS_LEGEND in chat.text


async def test_the_legend_shows_only_when_a_day_is_marked(chat: Musician) -> None:
    await open_calendar(chat)
    assert musician_screens.DAY_MARKS_LEGEND not in chat.text
    assert day_label(chat, THURSDAY) == "26"


async def test_a_full_day_opens_anyway(chat: Musician, service: BookingService, room: Room) -> None:
    await fill(service, room, THURSDAY, *range(10, 22))
    await open_calendar(chat)
    await chat.tap_day(THURSDAY)
    assert "Thu 26 Nov 2026" in chat.text
    assert musician_screens.EVERY_SLOT_TAKEN in chat.text


async def test_a_page_drawn_before_a_booking_is_never_shown_with_old_marks(
    chat: Musician, service: BookingService, room: Room
) -> None:
    """The month page is rendered once and copied (calendar_pages); the marks are part of
    its key, so another musician's booking changes what the next screen shows."""
    await open_calendar(chat)
    assert day_label(chat, THURSDAY) == "26"
    await fill(service, room, THURSDAY, *range(10, 21))  # 21:00 left
    await chat.tap("‹ Back to the room")
    await chat.tap("📅 Book")
    assert day_label(chat, THURSDAY) == "26" + musician_screens.FEW_LEFT
    await fill(service, room, THURSDAY, 21)
    await chat.tap("‹ Back to the room")
    await chat.tap("📅 Book")
    assert day_label(chat, THURSDAY) == "26" + musician_screens.FULL_DAY


async def test_marks_are_kept_until_a_claim_changes_here_or_a_few_seconds_pass(
    db: Database, clock, service: BookingService, room: Room, dialog_storage: BaseStorage
) -> None:
    """Another process's booking (its own BookingService) shows in the marks within
    MARKS_TTL_SECONDS; one made through this process's service at once (above)."""
    services = make_services(db, clock, service, RecordingPayments())
    dispatcher, manager = make_dispatcher(services, dialog_storage)
    seconds = [0.0]
    dispatcher["marks_cache"] = DayMarksCache(clock=lambda: seconds[0])
    chat = Musician(dispatcher, manager, user_id=1001, name="Asha")
    await open_calendar(chat)
    assert day_label(chat, THURSDAY) == "26"

    another_process = BookingService(clock, service.rules)
    await fill(another_process, room, THURSDAY, *range(10, 22))
    await chat.tap("‹ Back to the room")
    await chat.tap("📅 Book")
    assert day_label(chat, THURSDAY) == "26"  # kept: nothing changed here

    seconds[0] += MARKS_TTL_SECONDS
    await chat.tap("‹ Back to the room")
    await chat.tap("📅 Book")
    assert day_label(chat, THURSDAY) == "26" + musician_screens.FULL_DAY


async def test_the_next_month_page_is_marked_too(chat: Musician, service: BookingService, room: Room) -> None:
    december = date(2026, 12, 3)  # a Thursday
    await fill(service, room, december, *range(10, 22))
    await open_calendar(chat)
    await chat.tap_data(r".*calendar:\+")  # the pager's next month
    assert "December 2026" in " ".join(chat.button_texts())
    assert day_label(chat, december) == "03" + musician_screens.FULL_DAY


# ---- §3 free-slot search ------------------------------------------------------------------


async def browse_bengaluru(chat: Musician) -> None:
    await chat.send("/start")
    await chat.tap("🎸 Find a room")
    await chat.tap("Bengaluru.*")


@pytest.mark.usefixtures("more_rooms")
async def test_free_lists_the_citys_rooms_cheapest_first_with_their_free_times(
    chat: Musician, service: BookingService, room: Room
) -> None:
    await browse_bengaluru(chat)
    await fill(service, room, THURSDAY, 19)
    await chat.send("/free tomorrow 18-22")
    text = chat.text
    assert "Free slots in Bengaluru" in text
    assert "Thu 26 Nov, 18:00–22:00 (IST)" in text
    loud, bass = text.index("Loud Lane Jam Pad"), text.index("Bass Cave Studio")
    assert loud < bass  # ₹550 at peak before ₹800
    assert "<b>Loud Lane Jam Pad</b> · from ₹550\n   18:00–22:00" in text
    assert "<b>Bass Cave Studio</b> · from ₹800\n   18:00–19:00, 20:00–22:00" in text
    assert "Tide Room" not in text  # Mumbai
    assert chat.button_texts()[:2] == ["Loud Lane Jam Pad · ₹550", "Bass Cave Studio · ₹800"]


@pytest.mark.usefixtures("more_rooms")
async def test_tapping_a_result_opens_the_rooms_slot_screen_on_that_day_with_nothing_chosen(
    chat: Musician, room: Room
) -> None:
    await browse_bengaluru(chat)
    await chat.send("/free tomorrow 18-22")
    await chat.tap("Bass Cave Studio · .*")
    assert "<b>Bass Cave Studio</b> · Thu 26 Nov 2026" in chat.text
    assert "Chosen" not in chat.text
    assert not any(text.startswith("✅") for text in chat.button_texts())
    await chat.tap_slot(slot_keys(room, THURSDAY, 18)[0])
    assert "Chosen: 1 slot(s)" in chat.text
    await chat.tap("‹ Date")  # back to that room's calendar
    assert "Which day would you like to play?" in chat.text


async def test_free_asks_for_the_city_once_and_then_remembers_it(chat: Musician, user: User) -> None:
    await chat.send("/free tonight")
    assert musician_screens.FREE_WHICH_CITY in chat.text
    await chat.tap("Bengaluru.*")
    assert "Free slots in Bengaluru" in chat.text
    assert await last_city(user.id) == "Bengaluru"
    await chat.send("/free tonight")
    assert "Free slots in Bengaluru" in chat.text


async def test_the_menus_free_slots_button_searches_the_rest_of_today(chat: Musician) -> None:
    await browse_bengaluru(chat)
    await chat.send("/start")
    await chat.tap("🔎 Free slots")
    assert "Wed 25 Nov, 10:00–06:00 (IST)" in chat.text  # from now to the end of tonight
    assert "Bass Cave Studio" in chat.text
    await chat.tap("Tomorrow")
    assert "Thu 26 Nov, 00:00–06:00 (IST)" in chat.text
    await chat.tap("🏙 City")
    assert musician_screens.FREE_WHICH_CITY in chat.text


async def test_a_window_with_nothing_free_says_so(
    chat: Musician, service: BookingService, room: Room
) -> None:
    await browse_bengaluru(chat)
    await fill(service, room, THURSDAY, 18, 19)
    await chat.send("/free tomorrow 18-20")
    assert musician_screens.free_nothing("Bengaluru") in chat.text
    assert "Bass Cave" not in " ".join(chat.button_texts())


@pytest.mark.parametrize(
    ("args", "why"),
    [
        ("someday", "I don't know the day “someday”."),
        ("tomorrow 25-26", "I couldn't read the hours “25-26”"),
        ("2026-02-30", "“2026-02-30” is not a date on the calendar."),
        ("today 8-9", "That time is over already."),
        ("2026-11-01", "Sun 01 Nov 2026 is over already."),
    ],
)
async def test_bad_free_arguments_get_examples_and_open_nothing(chat: Musician, args: str, why: str) -> None:
    await chat.send(f"/free {args}")
    answer = chat.bot.sent_texts()[-1]
    assert answer.startswith(why)
    assert "/free tomorrow 18-22" in answer
    assert chat.manager.sent_messages == []  # no screen opened


# ---- the links a group hands over -------------------------------------------------------


async def test_a_day_link_opens_the_rooms_slot_screen_on_that_day(chat: Musician, room: Room) -> None:
    await chat.send(f"/start {day_parameter(room.slug, FRIDAY)}")
    assert "<b>Bass Cave Studio</b> · Fri 27 Nov 2026" in chat.text
    await chat.tap("✖ Cancel")
    assert "Hi Asha!" in chat.text  # the menu underneath


async def test_a_day_link_to_a_day_past_or_closed_opens_the_room_instead(chat: Musician, room: Room) -> None:
    await chat.send(f"/start {day_parameter(room.slug, date(2026, 11, 20))}")
    assert "Fri 20 Nov 2026 can no longer be booked at Bass Cave Studio" in chat.bot.sent_texts()[-1]
    assert "📍" in chat.text
    assert "📅 Book" in chat.button_texts()


async def test_a_day_link_to_no_room_opens_the_menu(chat: Musician, room: Room) -> None:
    await chat.send(f"/start {day_parameter('no-such-room', FRIDAY)}")
    assert "could not find that room" in chat.bot.sent_texts()[-1]
    assert "Hi Asha!" in chat.text


async def test_a_search_link_runs_the_search(chat: Musician) -> None:
    await browse_bengaluru(chat)
    await chat.send(f"/start {free_parameter('tomorrow 18-22')}")
    assert "Thu 26 Nov, 18:00–22:00 (IST)" in chat.text


async def test_the_book_and_bookings_links_open_those_places(chat: Musician) -> None:
    await chat.send("/start book")
    assert musician_screens.WHICH_CITY in chat.text
    await chat.send("/start bookings")
    assert "Your upcoming bookings" in chat.text


async def test_the_owner_link_opens_the_owners_menu(
    db: Database, clock, service: BookingService, room: Room, dialog_storage: BaseStorage
) -> None:
    dispatcher, manager = make_dispatcher(
        make_services(db, clock, service, RecordingPayments()), dialog_storage
    )
    owner = Musician(dispatcher, manager, user_id=OWNER, name="Ravi")
    await owner.send("/start owner")
    assert "Bass Cave Studio" in owner.text
    assert owner.button_texts()  # the owner's room menu
