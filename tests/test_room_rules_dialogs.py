"""Per-room rules and one session per booking in the dialogs (issue 16 §0 and §4): the
owner's Booking rules screen with its refusals, the room's card, the slot picker's
limit, the review's refund deadlines as clock times, and a choice with a gap refused at
Review. Through the real dispatcher and database."""

from __future__ import annotations

from datetime import date

import pytest
from aiogram.fsm.storage.base import BaseStorage

from domain.booking_status import BookingStatus
from storage.booking_service import BookingService
from storage.database import Database
from storage.models import Booking, Room, User
from storage.owners import revoke_rooms
from tests.dialog_support import (
    Musician,
    RecordingPayments,
    make_dispatcher,
    make_services,
    open_day,
    slot_keys,
)

THURSDAY = date(2026, 11, 26)  # tomorrow by the test clock (Wed 25 Nov, 10:00 IST)
SATURDAY = date(2026, 11, 28)
OWNER = 9001


@pytest.fixture
def people(
    db: Database, clock, service: BookingService, room: Room, user: User, dialog_storage: BaseStorage
) -> dict[str, Musician]:
    dispatcher, manager = make_dispatcher(
        make_services(db, clock, service, RecordingPayments()), dialog_storage
    )
    return {
        "owner": Musician(dispatcher, manager, user_id=OWNER, name="Ravi"),
        "musician": Musician(dispatcher, manager, user_id=user.id, name="Asha"),
    }


async def fresh(room: Room) -> Room:
    stored = await Room.get(room.id)
    assert stored is not None
    return stored


async def open_rules(owner: Musician) -> None:
    await owner.send("/owner")
    await owner.tap("⚙️ Room settings")
    await owner.tap("📏 Booking rules")


# ---- the owner sets the rules -------------------------------------------------------------------


async def test_the_owner_sets_each_rule_and_reads_them_back(people: dict[str, Musician], room: Room) -> None:
    owner = people["owner"]
    await open_rules(owner)
    assert "⏱ Shortest session: any length on weekdays, any length on weekends" in owner.text
    assert "🗓 60 days ahead at most" in owner.text
    assert "⌛ Until 30 minutes before the start" in owner.text
    assert "🔢 At most 8 slots per booking" in owner.text
    assert "↩️ Refunds: 100% back up to 24 h before; 50% back up to 6 h before" in owner.text
    assert "↺ Use the defaults" not in owner.button_texts()

    for button, typed, done in [
        ("⏱ Min weekends", "2", "✅ Shortest session on weekends: 2 hours."),
        ("⏱ Min weekdays", "180m", "✅ Shortest session on weekdays: 3 hours."),
        ("🗓 How far ahead", "30 days", "✅ How far ahead: 30 days."),
        ("⌛ How late", "2h", "✅ How late before the start: 2 hours."),
        ("🔢 Slot limit", "6", "✅ Slots per booking: 6 slots."),
        ("↩️ Refunds", "48:100, 24:50", "✅ Refunds: 100% back up to 48 h before; 50% back up to 24 h before"),
    ]:
        await owner.tap(button)
        await owner.send(typed)
        assert done in owner.text, button
    assert "3 hours on weekdays, 2 hours on weekends" in owner.text
    assert (await fresh(room)).rules == {
        "weekend_min_session_minutes": 120,
        "weekday_min_session_minutes": 180,
        "horizon_days": 30,
        "lead_minutes": 120,
        "max_slots": 6,
        "refund_tiers": [{"notice_minutes": 2880, "percent": 100}, {"notice_minutes": 1440, "percent": 50}],
    }
    await owner.tap("↩️ Refunds")
    await owner.send("none")
    assert "✅ Refunds: none." in owner.text
    await owner.tap("↺ Use the defaults")
    assert "follows the bot's default booking rules again" in owner.text
    assert (await fresh(room)).rules == {}


@pytest.mark.parametrize(
    ("button", "typed", "said"),
    [
        ("🔢 Slot limit", "lots", "Send a number of slots, like 8."),
        ("🔢 Slot limit", "30", "Slots per booking must be 1 to 24 slots."),
        ("🗓 How far ahead", "0", "How far ahead must be 1 to 365 days."),
        ("⌛ How late", "3 days", "Send minutes like 30, or hours like 2h."),
        ("⌛ How late", "72h", "How late before the start must be between 0 minutes and 48 hours."),
        (
            "⏱ Min weekends",
            "1.25",
            "Slots here are 60 minutes long: the minimum must be a whole number of them.",
        ),
        ("⏱ Min weekdays", "10", "Shortest session on weekdays must be 0 to 480 minutes."),
        (
            "↩️ Refunds",
            "6:100, 24:50",
            "More notice must never give less back: 24 h gives 50% but 6 h gives 100%.",
        ),
        ("↩️ Refunds", "24:100, 24:50", "Two tiers have the same notice (24 h): give each its own."),
        ("↩️ Refunds", "24:150", "A tier's notice can be at most 720 hours, its percent 0 to 100."),
        (
            "↩️ Refunds",
            "a week: all",
            "Send tiers like 48:100, 24:50 (hours of notice:percent back), or none.",
        ),
        ("↩️ Refunds", "1:90,2:91,3:92,4:93,5:94,6:95", "Please give at most 5 refund tiers."),
    ],
)
async def test_a_rule_the_room_cannot_keep_is_explained_and_changes_nothing(
    people: dict[str, Musician], room: Room, button: str, typed: str, said: str
) -> None:
    owner = people["owner"]
    await open_rules(owner)
    await owner.tap(button)
    question = owner.text
    await owner.send(typed)
    assert owner.bot.sent_texts()[-1] == f"⚠️ {said} Nothing was changed."
    assert owner.text == question  # still asking
    assert (await fresh(room)).rules == {}


async def test_a_minimum_over_the_slot_limit_and_a_slot_length_it_does_not_fit_are_refused(
    people: dict[str, Musician], room: Room
) -> None:
    owner = people["owner"]
    await open_rules(owner)
    await owner.tap("🔢 Slot limit")
    await owner.send("2")
    await owner.tap("⏱ Min weekends")
    await owner.send("3")
    assert owner.bot.sent_texts()[-1] == (
        "⚠️ 3 hours is more than the 2 hours a musician can book under the slot limit: raise the "
        "slot limit first. Nothing was changed."
    )
    await owner.send("2")
    await owner.tap("‹ Settings")
    await owner.tap("⏱ Slot length")
    await owner.tap("45 min")
    assert "A 45-minute slot does not fit this room's booking rules" in owner.text
    assert "Nothing was changed." in owner.text
    assert (await fresh(room)).slot_minutes == 60


async def test_an_owner_who_lost_the_room_changes_no_rule(
    people: dict[str, Musician], room: Room, service: BookingService
) -> None:
    owner = people["owner"]
    await open_rules(owner)
    await owner.tap("🔢 Slot limit")
    await revoke_rooms(OWNER, [room.id])  # taken away while the question is open
    await owner.send("2")
    assert owner.bot.sent_texts()[-1] == "Only the owner of this room can do that."
    assert (await fresh(room)).rules == {}
    assert service.room_rules(await fresh(room)).max_slots == 8


# ---- musicians meet the rules -------------------------------------------------------------------


async def test_the_card_shows_the_rooms_rules_and_the_picker_its_slot_limit(
    people: dict[str, Musician], room: Room
) -> None:
    await Room.get_pymongo_collection().update_one(
        {"_id": room.id},
        {"$set": {"rules": {"max_slots": 2, "weekend_min_session_minutes": 120, "horizon_days": 14}}},
    )
    musician = people["musician"]
    await musician.send("/start")
    await musician.tap("🎸 Find a room")
    await musician.tap("Bengaluru.*")
    await musician.tap("Bass Cave Studio.*")
    assert "📏 Sessions: at least 2 hours on weekends · up to 2 slots in a row" in musician.text
    assert "🗓 Book up to 14 days ahead, until 30 minutes before the start" in musician.text
    assert "↩️ Refunds: 100% back up to 24 h before; 50% back up to 6 h before; no refund after that." in (
        musician.text
    )
    await musician.tap("📅 Book")
    await musician.tap_day(THURSDAY)
    assert "Pick up to 2 slots in a row" in musician.text
    for key in slot_keys(room, THURSDAY, 12, 13, 14):
        await musician.tap_slot(key)
    assert musician.bot.alerts()[-1] == "You can book at most 2 slots at once."
    assert "Chosen: 2 slot(s)" in musician.text


async def test_a_choice_with_a_gap_is_refused_at_review_naming_the_runs(
    people: dict[str, Musician], room: Room
) -> None:
    musician = people["musician"]
    await open_day(musician, THURSDAY)
    for key in slot_keys(room, THURSDAY, 12, 18):
        await musician.tap_slot(key)
    await musician.tap("Review.*")
    assert (
        "⚠️ 12:00–13:00 and 18:00–19:00 are not next to each other: book them as two bookings."
    ) in musician.text
    assert "Please check your booking" not in musician.text
    await musician.tap_slot(slot_keys(room, THURSDAY, 18)[0])  # one run left
    await musician.tap("Review.*")
    assert "Please check your booking" in musician.text
    await musician.tap("✅ Confirm")
    booking = await Booking.find_one(Booking.user_id == musician.user_id)
    assert booking is not None
    assert [s.start.astimezone(room.zone).hour for s in booking.slots] == [12]
    assert booking.status is BookingStatus.PENDING_PAYMENT


async def test_a_session_shorter_than_the_rooms_minimum_is_refused_at_review(
    people: dict[str, Musician], room: Room
) -> None:
    await Room.get_pymongo_collection().update_one(
        {"_id": room.id}, {"$set": {"rules": {"weekend_min_session_minutes": 120}}}
    )
    musician = people["musician"]
    await open_day(musician, SATURDAY)
    await musician.tap_slot(slot_keys(room, SATURDAY, 12)[0])
    await musician.tap("Review.*")
    assert "⚠️ Sessions here are at least 2 hours on that day; you picked 1 hour." in musician.text
    await musician.tap_slot(slot_keys(room, SATURDAY, 13)[0])
    await musician.tap("Review.*")
    assert "Please check your booking" in musician.text
    assert await Booking.count() == 0


async def test_the_review_gives_the_rooms_refund_deadlines_as_clock_times(
    people: dict[str, Musician], room: Room
) -> None:
    await Room.get_pymongo_collection().update_one(
        {"_id": room.id},
        {
            "$set": {
                "rules": {
                    "refund_tiers": [
                        {"notice_minutes": 48 * 60, "percent": 100},
                        {"notice_minutes": 6 * 60, "percent": 50},
                    ]
                }
            }
        },
    )
    musician = people["musician"]
    await open_day(musician, SATURDAY)
    await musician.tap_slot(slot_keys(room, SATURDAY, 18)[0])
    await musician.tap("Review.*")
    assert (
        "↩️ Full refund if you cancel by 18:00 on Thu 26 Nov (IST); 50% back if you cancel by "
        "12:00 on Sat 28 Nov (IST); no refund after that."
    ) in musician.text
    await musician.tap("‹ Slots")
    await musician.tap("‹ Date")
    await musician.tap_day(THURSDAY)  # 48 h before Thursday 12:00 has passed: only the 50% is left
    await musician.tap_slot(slot_keys(room, THURSDAY, 12)[0])
    await musician.tap("Review.*")
    assert "↩️ 50% back if you cancel by 06:00 on Thu 26 Nov (IST); no refund after that." in musician.text


async def test_the_review_says_when_nothing_comes_back(people: dict[str, Musician], room: Room) -> None:
    await Room.get_pymongo_collection().update_one(
        {"_id": room.id}, {"$set": {"rules": {"refund_tiers": []}}}
    )
    musician = people["musician"]
    await open_day(musician, THURSDAY)
    await musician.tap_slot(slot_keys(room, THURSDAY, 12)[0])
    await musician.tap("Review.*")
    assert "↩️ No refund if you cancel this booking." in musician.text
