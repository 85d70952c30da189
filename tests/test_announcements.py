"""One fan-out for "tell the musician, then each owner", against the real database."""

from __future__ import annotations

import pytest

from domain.booking_status import BookingStatus
from storage.announcements import Guard, announce
from storage.booking_service import BookingService
from storage.models import Booking, Room, User
from storage.outbox import OutboxMessage
from tests.conftest import NOW
from tests.payment_support import TOMORROW, keys


@pytest.fixture
async def shared_room(room: Room) -> Room:
    room.owner_ids = [9001, 9002, 9003]
    return await room.save()


@pytest.fixture
async def booking(service: BookingService, shared_room: Room, user: User) -> Booking:
    return await service.create_booking(user.id, shared_room.id, TOMORROW, keys(shared_room, TOMORROW, 12))


async def queued() -> list[OutboxMessage]:
    return await OutboxMessage.find_all().sort("created_at", "_id").to_list()


async def test_the_musician_then_each_owner_once_under_the_booking_s_keys(
    booking: Booking, shared_room: Room, user: User
) -> None:
    venue = {"latitude": 12.9, "longitude": 77.6, "title": "Bass Cave", "address": "Indiranagar"}
    buttons = [[{"text": "Map", "url": "https://maps.example.test"}]]
    for queued_now in (4, 0):  # the second time, every message is queued already
        told = await announce(
            booking,
            shared_room,
            musician="for you",
            owners="for the room",
            key="news",
            now=NOW,
            location=venue,
            buttons=buttons,
        )
        assert told == queued_now
    messages = await queued()
    assert [(m.chat_id, m.text, m.dedupe_key) for m in messages] == [
        (user.id, "for you", f"{booking.id}:news"),
        (9001, "for the room", f"{booking.id}:news:owner:9001"),
        (9002, "for the room", f"{booking.id}:news:owner:9002"),
        (9003, "for the room", f"{booking.id}:news:owner:9003"),
    ]
    assert (messages[0].location, messages[0].buttons) == (venue, buttons)
    assert all((m.location, m.buttons, m.guard) == (None, [], None) for m in messages[1:])


async def test_only_the_side_given_a_text_is_told_and_one_owner_can_be_left_out(
    booking: Booking, shared_room: Room
) -> None:
    assert (
        await announce(booking, shared_room, owners="co-owner news", key="x", now=NOW, except_owner=9002) == 2
    )
    assert await announce(booking, None, musician="just you", key="y", now=NOW) == 1
    assert [(m.chat_id, m.dedupe_key.split(":", 1)[1]) for m in await queued()] == [
        (9001, "x:owner:9001"),
        (9003, "x:owner:9003"),
        (booking.user_id, "y"),
    ]


async def test_a_guard_goes_with_every_message(booking: Booking, shared_room: Room) -> None:
    guard = Guard(send_if=(BookingStatus.CANCELLED,), wait_if=(BookingStatus.NOT_STARTED,))
    await announce(booking, shared_room, musician="m", owners="o", key="cancelled", now=NOW, guard=guard)
    expected = {"booking_id": str(booking.id), "send_if": ["CANCELLED"], "wait_if": ["NOT_STARTED"]}
    assert [m.guard for m in await queued()] == [expected] * 4


async def test_telling_owners_without_their_room_is_refused_and_queues_nothing(booking: Booking) -> None:
    with pytest.raises(ValueError, match="needs the room"):
        await announce(booking, None, musician="m", owners="o", key="k", now=NOW)
    assert await queued() == []
