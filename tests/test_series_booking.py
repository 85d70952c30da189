"""Weekly standing slots in the booking service: every week claimed with a single
booking's claims, at once or not at all; weeks that are taken, closed, too soon or too
far ahead named; one unpaid hold for the whole series; bad requests changing nothing;
and 20 bands asking for overlapping series at once never sharing a slot."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import date, timedelta
from typing import Any

import pytest

from domain.booking_status import BookingStatus
from domain.clock import ManualClock
from domain.errors import (
    NoWeekBookableError,
    RoomPausedError,
    SeriesNotPossibleError,
    SeriesWeeksTakenError,
    TooManyUnpaidHoldsError,
)
from domain.series import Obstacle
from storage.booking_service import BookingService
from storage.holds import HoldClaim
from storage.models import Booking, Room, SlotClaim, User
from storage.series import series_weeks
from tests.conftest import make_user
from tests.dialog_support import slot_keys

THURSDAY = date(2026, 11, 26)  # Bass Cave, open 10:00–22:00 on Thursdays; now is Wed 10:00 IST


def thursday(week: int) -> date:
    return THURSDAY + timedelta(weeks=week)


async def everything() -> dict[str, list[dict[str, Any]]]:
    return {
        "bookings": await Booking.get_pymongo_collection().find({}).sort("_id").to_list(),
        "slot_claims": await SlotClaim.get_pymongo_collection().find({}).sort("_id").to_list(),
        "hold_claims": await HoldClaim.get_pymongo_collection().find({}).sort("_id").to_list(),
    }


async def test_every_week_is_held_as_a_booking_of_one_series(
    service: BookingService, room: Room, user: User
) -> None:
    offer = await service.plan_weekly(room, THURSDAY, slot_keys(room, THURSDAY, 12, 13), 4)
    assert [(w.day, w.obstacle) for w in offer.plan.occurrences] == [(thursday(n), None) for n in range(4)]
    assert offer.total_paise == 4 * 120000

    weeks = await service.create_series(user.id, room.id, THURSDAY, slot_keys(room, THURSDAY, 12, 13), 4)
    assert [w.day for w in weeks] == [thursday(n) for n in range(4)]
    code = weeks[0].series.code if weeks[0].series else ""
    assert code.startswith("JW-")
    assert [(w.series.index, w.series.count) for w in weeks if w.series] == [(n, 4) for n in range(4)]
    assert {w.status for w in weeks} == {BookingStatus.PENDING_PAYMENT}
    assert len({w.code for w in weeks}) == 4
    assert {w.hold_expires_at for w in weeks} == {weeks[0].hold_expires_at}
    claims = await SlotClaim.find_all().to_list()
    assert Counter(c.booking_id for c in claims) == {str(w.id): 2 for w in weeks}
    assert [h.booking_id for h in await HoldClaim.find_all().to_list()] == [code]
    assert [w.id for w in await series_weeks(code)] == [w.id for w in weeks]


async def test_taken_closed_and_too_far_weeks_are_named_and_the_rest_booked(
    clock: ManualClock, room: Room, user: User
) -> None:
    service = BookingService(clock)
    rival = await make_user(2002)
    await service.create_booking(rival.id, room.id, thursday(2), slot_keys(room, thursday(2), 13))
    await service.block_slots(room, thursday(4), [s.key for s in room.slots_on(thursday(4))], owner_id=9001)
    keys = slot_keys(room, THURSDAY, 12, 13)
    offer = await service.plan_weekly(room, THURSDAY, keys, 12)
    obstacles = {w.week: w.obstacle for w in offer.impossible}
    # The room takes bookings 60 days ahead: Thursdays from 28 Jan are too far.
    assert obstacles == {
        2: Obstacle.TAKEN,
        4: Obstacle.CLOSED,
        9: Obstacle.TOO_FAR,
        10: Obstacle.TOO_FAR,
        11: Obstacle.TOO_FAR,
    }
    weeks = await service.create_series(user.id, room.id, THURSDAY, keys, 12)
    assert [w.day for w in weeks] == [thursday(n) for n in (0, 1, 3, 5, 6, 7, 8)]
    assert {w.series.count for w in weeks if w.series} == {7}


async def test_a_day_the_room_is_closed_or_too_soon_is_named(
    clock: ManualClock, room: Room, user: User
) -> None:
    service = BookingService(clock)
    # The room's hours changed for 10 Dec only (a day kept on its own grid): no 12:00 slot.
    room.kept_grids = {thursday(2).isoformat(): "14:00-22:00/60"}
    await room.save()
    clock.set(clock.now().replace(hour=6, minute=15))  # Wed 11:45 IST: a Wednesday series starting now
    wednesday = THURSDAY - timedelta(days=1)
    offer = await service.plan_weekly(room, wednesday, slot_keys(room, wednesday, 12), 3)
    assert [w.obstacle for w in offer.plan.occurrences] == [Obstacle.TOO_SOON, None, None]
    offer = await service.plan_weekly(room, THURSDAY, slot_keys(room, THURSDAY, 12), 3)
    assert [w.obstacle for w in offer.plan.occurrences] == [None, None, Obstacle.CLOSED]


@pytest.mark.parametrize(
    ("hours", "weeks", "problem"),
    [((12,), 1, "weeks_out_of_range"), ((12,), 13, "weeks_out_of_range"), ((12, 15), 4, "not_one_run")],
)
async def test_a_series_that_cannot_repeat_is_refused_changing_nothing(
    service: BookingService, room: Room, user: User, hours: tuple[int, ...], weeks: int, problem: str
) -> None:
    before = await everything()
    with pytest.raises(SeriesNotPossibleError) as refused:
        await service.create_series(user.id, room.id, THURSDAY, slot_keys(room, THURSDAY, *hours), weeks)
    assert refused.value.problem == problem
    assert await everything() == before


async def test_no_week_free_and_a_paused_room_are_refused(
    service: BookingService, room: Room, user: User
) -> None:
    for n in range(2):
        await service.block_slots(room, thursday(n), slot_keys(room, thursday(n), 12), owner_id=9001)
    before = await everything()
    with pytest.raises(NoWeekBookableError):
        await service.create_series(user.id, room.id, THURSDAY, slot_keys(room, THURSDAY, 12), 2)
    room.active = False
    await room.save()
    with pytest.raises(RoomPausedError):
        await service.create_series(user.id, room.id, THURSDAY, slot_keys(room, THURSDAY, 14), 2)
    assert await everything() == before


async def test_a_series_is_one_unpaid_hold(service: BookingService, room: Room, user: User) -> None:
    series = await service.create_series(user.id, room.id, THURSDAY, slot_keys(room, THURSDAY, 12), 6)
    await service.create_booking(user.id, room.id, THURSDAY, slot_keys(room, THURSDAY, 15))
    before = await everything()
    with pytest.raises(TooManyUnpaidHoldsError):
        await service.create_series(user.id, room.id, THURSDAY, slot_keys(room, THURSDAY, 17), 2)
    assert await everything() == before
    for week in series:  # paid: every week confirmed, the hold comes back with the last
        assert await service.confirm_payment(week, {"payment_id": "pay_series"}) is not None
        holds = [h.booking_id for h in await HoldClaim.find_all().to_list()]
        assert (series[0].series.code in holds) == (week is not series[-1])  # type: ignore[union-attr]
    assert len(await service.create_series(user.id, room.id, THURSDAY, slot_keys(room, THURSDAY, 17), 2)) == 2


async def test_giving_up_one_unpaid_week_gives_up_the_series(
    service: BookingService, room: Room, user: User
) -> None:
    weeks = await service.create_series(user.id, room.id, THURSDAY, slot_keys(room, THURSDAY, 12), 3)
    outcome = await service.cancel_by_musician(weeks[1].id, user.id)
    assert outcome.refund.amount_paise == 0
    assert [w.status for w in await series_weeks(weeks[0].series.code)] == [BookingStatus.CANCELLED] * 3  # type: ignore[union-attr]
    assert await SlotClaim.count() == 0
    assert await HoldClaim.count() == 0


async def test_weeks_taken_while_confirming_are_named_and_nothing_is_held(
    service: BookingService, room: Room, user: User
) -> None:
    rival = await make_user(2002)
    keys = slot_keys(room, THURSDAY, 12)
    # Another band's claims land between this band's look and its claims.
    real_plan = service.plan_weekly

    async def plan_then_lose(*args: Any) -> Any:
        offer = await real_plan(*args)
        await service.create_booking(rival.id, room.id, thursday(1), slot_keys(room, thursday(1), 12))
        await service.create_booking(rival.id, room.id, thursday(3), slot_keys(room, thursday(3), 12))
        return offer

    service.plan_weekly = plan_then_lose  # type: ignore[method-assign]
    with pytest.raises(SeriesWeeksTakenError) as taken:
        await service.create_series(user.id, room.id, THURSDAY, keys, 4)
    assert taken.value.days == (thursday(1), thursday(3))
    claims = await SlotClaim.find_all().to_list()
    assert {c.start for c in claims} == {
        *(s.start for s in room.slots_on(thursday(1)) if s.key in slot_keys(room, thursday(1), 12)),
        *(s.start for s in room.slots_on(thursday(3)) if s.key in slot_keys(room, thursday(3), 12)),
    }
    assert [h.booking_id for h in await HoldClaim.find_all().to_list()] != []  # the rival's, not ours
    assert all(not h.booking_id.startswith("JW-") for h in await HoldClaim.find_all().to_list())


BANDS = 20


async def test_twenty_bands_asking_for_overlapping_series_at_once_never_share_a_slot(
    service: BookingService, room: Room
) -> None:
    await User.get_pymongo_collection().insert_many(
        [{"_id": 7000 + i, "first_name": f"band{i}"} for i in range(BANDS)]
    )
    starts = [11, 12, 13, 14]
    wanted = [(starts[i % 4], 2 + i % 5, THURSDAY + timedelta(weeks=i % 3)) for i in range(BANDS)]

    async def attempt(i: int) -> list[Booking] | Exception:
        hour, weeks, first = wanted[i]
        keys = slot_keys(room, first, hour, hour + 1)
        try:
            return await service.create_series(7000 + i, room.id, first, keys, weeks)
        except (SeriesWeeksTakenError, NoWeekBookableError) as error:
            return error

    outcomes = await asyncio.gather(*(attempt(i) for i in range(BANDS)))
    series = [o for o in outcomes if isinstance(o, list)]
    # Safety, not luck: all-or-none claims can, on a busy machine, leave every band
    # beaten by another on some week (each then lets go of all it held); what must hold
    # is that no slot is ever held twice and nothing is left behind.
    assert len(series) + sum(isinstance(o, Exception) for o in outcomes) == BANDS
    held = Counter(slot.start for weeks in series for week in weeks for slot in week.slots)
    assert max(held.values(), default=1) == 1, "a slot is held by two bookings"
    claims = await SlotClaim.find_all().to_list()
    assert len(claims) == sum(held.values()), "claims left behind"
    owner_of = {c.start: c.booking_id for c in claims}
    for weeks in series:
        assert all(owner_of[s.start] == str(week.id) for week in weeks for s in week.slots)
        assert len({w.series.code for w in weeks if w.series}) == 1
    stored = await Booking.find_all().to_list()
    assert len(stored) == sum(len(weeks) for weeks in series), "a losing band left a booking behind"
    holds = sorted(h.booking_id for h in await HoldClaim.find_all().to_list())
    assert holds == sorted(weeks[0].series.code for weeks in series if weeks[0].series)
    if not series:
        lone = await attempt(0)  # with nobody racing, the same request is served
        assert isinstance(lone, list)


async def test_the_weeks_confirmed_are_booked_or_none_is(
    service: BookingService, room: Room, user: User
) -> None:
    keys = slot_keys(room, THURSDAY, 12)
    seen = [thursday(n) for n in range(3)]
    rival = await make_user(2002)
    await service.create_booking(rival.id, room.id, thursday(1), slot_keys(room, thursday(1), 12))
    before = await everything()
    with pytest.raises(SeriesWeeksTakenError) as taken:
        await service.create_series(user.id, room.id, THURSDAY, keys, 3, only=seen)
    assert taken.value.days == (thursday(1),)
    assert await everything() == before
    weeks = await service.create_series(user.id, room.id, THURSDAY, keys, 4, only=[thursday(0), thursday(3)])
    assert [w.day for w in weeks] == [thursday(0), thursday(3)]  # week 2 is free, but was not asked for
