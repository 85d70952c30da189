"""The owner side through the real dispatcher: refusals for musicians, owners of other
rooms and tampered buttons; schedule, earnings, blocks, termination, invites."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from aiogram.fsm.storage.base import BaseStorage
from aiogram.methods import SendMessage
from aiogram.types import Chat, Message
from aiogram_dialog.test_tools.keyboard import InlineButtonTextLocator

from domain.booking_status import BookingStatus
from domain.errors import SlotsTakenError
from domain.words.owner import NOT_AN_OWNER
from storage.booking_service import BookingService
from storage.database import Database
from storage.models import Booking, Room, SlotClaim, User
from storage.outbox import OutboxMessage
from storage.owners import create_invite
from tests.dialog_support import Musician, RecordingPayments, make_dispatcher, make_services, slot_keys

DAY = date(2026, 11, 26)


@pytest.fixture
def payments() -> RecordingPayments:
    return RecordingPayments()


@pytest.fixture
def people(
    db: Database,
    clock,
    service: BookingService,
    room: Room,
    user: User,
    payments,
    dialog_storage: BaseStorage,
) -> dict[str, Musician]:
    dispatcher, manager = make_dispatcher(make_services(db, clock, service, payments), dialog_storage)
    return {
        "owner": Musician(dispatcher, manager, user_id=9001, name="Ravi"),
        "musician": Musician(dispatcher, manager, user_id=user.id, name="Asha"),
        "other_owner": Musician(dispatcher, manager, user_id=7007, name="Meera"),
    }


def last_sent(person: Musician) -> SendMessage:
    return [c for c in person.bot.calls if isinstance(c, SendMessage)][-1]


def as_message(call: SendMessage) -> Message:
    return Message(
        message_id=1,
        date=datetime.now(UTC),
        chat=Chat(id=int(call.chat_id), type="private"),
        text=call.text,
        reply_markup=call.reply_markup,
    )


async def tap(person: Musician, message: Message, label: str) -> None:
    await person.client.click(message, InlineButtonTextLocator(f".*{label}.*"))


async def confirmed_booking(service: BookingService, room: Room, user: User, *hours: int) -> Booking:
    booking = await service.create_booking(user.id, room.id, DAY, slot_keys(room, DAY, *hours))
    paid = await service.confirm_payment(booking, {"payment_id": "pay_1"})
    assert paid is not None
    return paid


async def test_a_musician_gets_no_owner_menu(people: dict[str, Musician]) -> None:
    await people["musician"].send("/owner")
    assert people["musician"].bot.sent_texts()[-1] == NOT_AN_OWNER


async def test_termination_by_owner_only_with_full_refund_and_a_reason(
    people: dict[str, Musician], service: BookingService, room: Room, user: User, payments: RecordingPayments
) -> None:
    booking = await confirmed_booking(service, room, user, 12)
    await people["musician"].send(f"/terminate {booking.code} I changed my mind")
    assert people["musician"].bot.sent_texts()[-1] == "Only the owner of this room can do that."
    assert (await service.booking(booking.id)).status is BookingStatus.NOT_STARTED
    await people["owner"].send(f"/terminate {booking.code}")
    assert "Usage" in people["owner"].bot.sent_texts()[-1]
    await people["owner"].send(f"/terminate {booking.code} Power cut in the building")
    assert "being refunded" in people["owner"].bot.sent_texts()[-1]
    ended = await service.booking(booking.id)
    assert ended.status is BookingStatus.TERMINATED
    assert ended.refund["due_paise"] == ended.amount_paise
    assert await SlotClaim.count() == 0
    told = await OutboxMessage.find_one(OutboxMessage.dedupe_key == f"{booking.id}:terminated")
    assert told is not None
    assert "Power cut in the building" in told.text
    assert payments.refunds == [booking.code]


async def test_blocks_refuse_booked_slots_and_strangers(
    people: dict[str, Musician], service: BookingService, room: Room, user: User
) -> None:
    await confirmed_booking(service, room, user, 12)
    owner = people["owner"]
    await people["musician"].send(f"/block {room.slug} {DAY} 15:00")
    assert people["musician"].bot.sent_texts()[-1] == "Only the owner of this room can do that."
    await owner.send(f"/block {room.slug} {DAY} 11:00,12:00")
    assert "booked or blocked already: 12:00" in owner.bot.sent_texts()[-1]
    assert await SlotClaim.find({"kind": "block"}).count() == 0
    await owner.send(f"/block {room.slug} {DAY} 15:00,16:00")
    assert owner.bot.sent_texts()[-1].startswith("Blocked 2 slot(s)")
    with pytest.raises(SlotsTakenError):
        await service.create_booking(user.id, room.id, DAY, slot_keys(room, DAY, 15))
    await owner.send(f"/unblock {room.slug} {DAY} 15:00")
    assert owner.bot.sent_texts()[-1].startswith("Unblocked 1 slot(s)")
    await owner.send(f"/block {room.slug} tomorrow 15:00")
    assert "Usage" in owner.bot.sent_texts()[-1]


async def test_an_invite_link_makes_an_owner_once(people: dict[str, Musician], room: Room, clock) -> None:
    token = await create_invite([room], clock.now())
    newcomer = people["musician"]
    await newcomer.send(f"/start owner_{token}")
    assert "You now manage Bass Cave Studio" in newcomer.bot.sent_texts()[-1]
    assert (await Room.get(room.id)).is_owned_by(newcomer.user_id)  # type: ignore[union-attr]
    await people["other_owner"].send(f"/start owner_{token}")
    assert "not valid any more" in people["other_owner"].bot.sent_texts()[-1]


async def test_an_invite_link_400_days_old_is_refused_and_changes_nothing(
    people: dict[str, Musician], room: Room, clock
) -> None:
    token = await create_invite([room], clock.now() - timedelta(days=400))
    newcomer = people["musician"]
    await newcomer.send(f"/start owner_{token}")
    assert newcomer.bot.sent_texts()[-1] == "This owner invite has expired. Ask JamRoom for a new one."
    assert not (await Room.get(room.id)).is_owned_by(newcomer.user_id)  # type: ignore[union-attr]
    fresh = await create_invite([room], clock.now() - timedelta(days=6, hours=23))
    await newcomer.send(f"/start owner_{fresh}")
    assert "You now manage Bass Cave Studio" in newcomer.bot.sent_texts()[-1]
