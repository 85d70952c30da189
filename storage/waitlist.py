"""Musicians waiting for taken slots (issue 17 §1), and the offers made to them.

A wait is a document whose ``_id`` is ``<user id>|<n>`` with ``n`` below
``MAX_OPEN_WAITS``, so however many joins of one musician race, at most that many
waits exist (the unpaid holds' trick, storage/holds.py); its ``key``
(``<slot claim id>|<user id>``) is unique too, so a musician waits for a slot once.

An offer is a slot claim of kind ``offer`` in the musician's name, written by the
booking service under the slot's unique claim id like any booking's, so an offer and
a booking (or two offers) of one slot can never both hold it. The wait records the
offer's id and deadline, for My bookings and for the offer's buttons.

Offers are made by ``Waitlist.offer_free``, a conditional, idempotent step: it offers a
slot only by winning the slot's claim, queues the offer's message under the offer's
own dedupe key, and marks the wait only while it is unmarked. Every release of a claim
ends in the booking service's one hook, which calls it for the freed slots at once,
and the clock calls it for every waited slot each tick, so a crash between a release
and its offer (or between an offer and its message) is made good by the next tick, and
two processes doing it at once offer a slot once."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Collection, Iterable
from datetime import date, datetime, timedelta
from functools import partial
from typing import Annotated, Any, Protocol

from beanie import Document, Indexed
from bson import ObjectId
from pydantic import Field

from domain.clock import Clock
from domain.errors import BookingError, TooManyWaitsError
from domain.slots import Slot
from domain.waitlist import DECLINE, MAX_OPEN_WAITS, PAY, offer_callback, offer_deadline
from domain.words import musician
from storage.models import Room, SlotClaim, claim_id, room_of_key
from storage.outbox import enqueue
from storage.times import UtcDatetime, from_ms, to_ms, utc_now

log = logging.getLogger(__name__)

FEW_SLOTS = 16
"""Up to this many slots, their waits are read one indexed equality per slot."""


class SlotWait(Document):
    id: str  # type: ignore[assignment]
    """``<user id>|<n>``, ``n`` below MAX_OPEN_WAITS."""
    key: Annotated[str, Indexed(unique=True)]
    """``<slot claim id>|<user id>``: one wait per musician and slot."""
    user_id: Annotated[int, Indexed()]
    room_id: str
    day: date
    """The room's business day the slot belongs to (a night past midnight: its evening)."""
    claim_id: Annotated[str, Indexed()]
    """The slot's claim id (``<room id>|<slot key>``): the waits of one slot."""
    start: UtcDatetime
    end: UtcDatetime
    ends_ms: Annotated[int, Indexed()]
    """When the wait ends: the slot can no longer be booked."""
    queued_ms: int
    """First come, first offered."""
    offer_id: Annotated[str | None, Indexed()] = None
    offer_until_ms: Annotated[int | None, Indexed()] = None
    created_at: UtcDatetime = Field(default_factory=utc_now)

    class Settings:
        name = "slot_waits"

    @property
    def slot(self) -> Slot:
        return Slot(self.start, self.end)

    @property
    def offer_until(self) -> datetime | None:
        return from_ms(self.offer_until_ms)


def wait_key(slot_claim_id: str, user_id: int) -> str:
    return f"{slot_claim_id}|{user_id}"


def _queue_order(wait: SlotWait) -> tuple[int, str]:
    return wait.queued_ms, wait.key


# ---- a musician's waits ------------------------------------------------------------


async def add_wait(
    user_id: int, room: Room, day: date, slot: Slot, *, ends_at: datetime, now: datetime
) -> SlotWait:
    """Wait for ``slot``; the wait already there when the musician waits for it already.
    Raises TooManyWaitsError when all of the musician's MAX_OPEN_WAITS are taken."""
    slot_claim = claim_id(room.id, slot.key)
    key = wait_key(slot_claim, user_id)
    existing = await SlotWait.find_one({"key": key})
    if existing is not None:
        return existing
    used = {
        w["_id"]
        for w in await SlotWait.get_pymongo_collection().find({"user_id": user_id}, {"_id": 1}).to_list()
    }
    for n in range(MAX_OPEN_WAITS):
        wait_id = f"{user_id}|{n}"
        if wait_id in used:
            continue
        wait = SlotWait(
            id=wait_id,
            key=key,
            user_id=user_id,
            room_id=str(room.id),
            day=day,
            claim_id=slot_claim,
            start=slot.start,
            end=slot.end,
            ends_ms=to_ms(ends_at) or 0,
            queued_ms=to_ms(now) or 0,
            created_at=now,
        )
        try:
            return await wait.insert()
        except Exception as error:  # DuplicateKeyError, on either unique field
            if not _is_duplicate(error):
                raise
            again = await SlotWait.find_one({"key": key})
            if again is not None:  # the same join, racing
                return again
    raise TooManyWaitsError(MAX_OPEN_WAITS)


def _is_duplicate(error: Exception) -> bool:
    return getattr(error, "code", None) == 11000


async def waits_of(user_id: int) -> list[SlotWait]:
    """The musician's open waits, soonest slot first."""
    waits = await SlotWait.find({"user_id": user_id}).to_list()
    return sorted(waits, key=lambda w: (w.start, w.room_id))


async def wait_of(user_id: int, wait_id: str) -> SlotWait | None:
    wait = await SlotWait.find_one({"_id": wait_id})
    return wait if wait is not None and wait.user_id == user_id else None


async def wait_by_offer(offer_id: str) -> SlotWait | None:
    return await SlotWait.find_one({"offer_id": offer_id})


async def remove_wait(wait: SlotWait) -> bool:
    """End this wait (its number may have gone to a newer wait since: the key says)."""
    result = await SlotWait.get_pymongo_collection().delete_one({"_id": wait.id, "key": wait.key})
    return bool(result.deleted_count)


# ---- the clock's reads -------------------------------------------------------------


async def waiting_on(slot_claim_ids: Iterable[str]) -> dict[str, list[SlotWait]]:
    """The waits of each slot, first come first."""
    ids = sorted(set(slot_claim_ids))
    if not ids:
        return {}
    queues: dict[str, list[SlotWait]] = defaultdict(list)
    if len(ids) <= FEW_SLOTS:
        # NX-27017's planner scans for an ``$in`` on ``claim_id`` (explain: SCAN) but uses
        # its index for a range: a release frees one session's slots (a run in one room,
        # whose claim ids sort together), so it asks once per room, for the run's range.
        wanted = set(ids)
        found = []
        for room_ids in _by_room(ids):
            span = {"$gte": room_ids[0], "$lte": room_ids[-1]}
            found += [w for w in await SlotWait.find({"claim_id": span}).to_list() if w.claim_id in wanted]
    else:  # the clock's pass over every waited slot: one read of them all
        found = await SlotWait.find({"claim_id": {"$in": ids}}).to_list()
    for wait in found:
        queues[wait.claim_id].append(wait)
    return {slot: sorted(queue, key=_queue_order) for slot, queue in queues.items()}


def _by_room(sorted_claim_ids: list[str]) -> list[list[str]]:
    """Sorted claim ids (``<room id>|<slot key>``) in one sorted list per room."""
    rooms: dict[str, list[str]] = defaultdict(list)
    for slot_claim_id in sorted_claim_ids:
        rooms[room_of_key(slot_claim_id)].append(slot_claim_id)
    return list(rooms.values())


async def waited_slots(now: datetime) -> set[str]:
    """The claim ids of every slot someone still waits for."""
    cursor = SlotWait.get_pymongo_collection().find({"ends_ms": {"$gt": to_ms(now)}}, {"claim_id": 1})
    return {w["claim_id"] async for w in cursor}


async def end_waits_over(now: datetime) -> int:
    """Waits whose slot can no longer be booked end."""
    result = await SlotWait.get_pymongo_collection().delete_many({"ends_ms": {"$lte": to_ms(now)}})
    return result.deleted_count


async def end_lapsed_offers(now: datetime) -> int:
    """Waits whose offer lapsed end: the next musician's turn."""
    result = await SlotWait.get_pymongo_collection().delete_many({"offer_until_ms": {"$lte": to_ms(now)}})
    return result.deleted_count


async def mark_offered(wait: SlotWait, offer_id: str, until: datetime) -> bool:
    result = await SlotWait.get_pymongo_collection().update_one(
        {"_id": wait.id, "key": wait.key, "offer_id": None},
        {"$set": {"offer_id": offer_id, "offer_until_ms": to_ms(until)}},
    )
    return bool(result.modified_count)


async def claims_of(slot_claim_ids: Collection[str]) -> dict[str, dict[str, Any]]:
    """The claims that hold these slots now, by claim id."""
    cursor = SlotClaim.get_pymongo_collection().find(
        {"_id": {"$in": sorted(slot_claim_ids)}},
        {"kind": 1, "offer_id": 1, "created_by": 1, "expires_ms": 1},
    )
    return {c["_id"]: c async for c in cursor}


# ---- offering ----------------------------------------------------------------------


class OfferDesk(Protocol):
    """What offering needs from the booking service, which owns every slot claim."""

    async def room(self, room_id: str) -> Room: ...

    def booking_lead(self, room: Room) -> timedelta:
        """How long before a slot starts it stops being bookable at ``room``."""
        ...

    async def claim_offer(
        self, room: Room, day: date, slot: Slot, *, user_id: int, offer_id: str, expires_at: datetime
    ) -> bool:
        """Claim ``slot`` for the musician offered it; False when it is held."""
        ...

    async def free_offer(self, slot_claim_id: str, offer_id: str) -> int:
        """Release this offer's claim (through the one release hook)."""
        ...

    async def free_lapsed_offers(self) -> int:
        """Release every offer's claim past its deadline (through the one release hook,
        which offers the slots on)."""
        ...


class Waitlist:
    def __init__(self, desk: OfferDesk, clock: Clock) -> None:
        self.desk = desk
        self.clock = clock

    async def tick(self) -> int:
        """The clock's pass: waits whose slot can no longer be booked end, lapsed offers
        end and give their slots back (which offers them on at once), and every waited
        slot found free is offered. Returns how many offers were made."""
        now = self.clock.now()
        await end_waits_over(now)
        await end_lapsed_offers(now)
        await self.desk.free_lapsed_offers()
        return await self.offer_free(await waited_slots(now))

    async def offer_free(self, slot_claim_ids: Collection[str]) -> int:
        """Offer each of these slots that is free to its first waiting musician, and make
        good an offer whose message or mark a crash left out. Returns offers made."""
        queues = await waiting_on(slot_claim_ids)
        if not queues:
            return 0
        held = await claims_of(queues)
        offered = 0
        for slot_claim_id, queue in queues.items():
            claim = held.get(slot_claim_id)
            try:
                if claim is None:
                    offered += await self._offer_first(queue)
                elif claim.get("kind") == "offer":
                    await self._make_good(slot_claim_id, claim, queue)
            except BookingError as error:  # the room is gone or closed that day: the waits end in time
                log.info("no offer for %s: %s", slot_claim_id, error.key)
        return offered

    async def _offer_first(self, queue: list[SlotWait]) -> int:
        now = self.clock.now()
        for wait in queue:
            if wait.offer_id is not None:
                # Its offer was declined or lapsed (the slot is free again) and a crash kept
                # the wait: it had its turn.
                await remove_wait(wait)
                continue
            if (to_ms(now) or 0) >= wait.ends_ms:
                continue
            room = await self.desk.room(wait.room_id)
            if not room.active:
                return 0
            deadline = offer_deadline(now, wait.start, self.desk.booking_lead(room))
            if deadline is None:
                return 0
            offer_id = str(ObjectId())
            won = await self.desk.claim_offer(
                room, wait.day, wait.slot, user_id=wait.user_id, offer_id=offer_id, expires_at=deadline
            )
            if not won:
                return 0
            await self._announce(wait, room, offer_id, deadline)
            return 1
        return 0

    async def _make_good(self, slot_claim_id: str, claim: dict[str, Any], queue: list[SlotWait]) -> None:
        offer_id = claim.get("offer_id") or ""
        until = from_ms(claim.get("expires_ms"))
        if until is None or until <= self.clock.now():
            return  # lapsed: the clock frees it
        wait = next((w for w in queue if w.user_id == claim.get("created_by")), None)
        if wait is None:  # the musician dropped the wait while it was offered
            await self.desk.free_offer(slot_claim_id, offer_id)
        elif wait.offer_id != offer_id:
            await self._announce(wait, await self.desk.room(wait.room_id), offer_id, until)

    async def _announce(self, wait: SlotWait, room: Room, offer_id: str, until: datetime) -> None:
        """The message first, then the mark: both idempotent, so a crash in between is
        made good by the next pass, and the message goes once."""
        await enqueue(
            wait.user_id,
            partial(musician.slot_offered, room, wait.day, wait.slot, until),  # in the musician's language
            dedupe_key=f"offer:{offer_id}",
            now=self.clock.now(),
            buttons=partial(
                musician.offer_buttons, offer_callback(PAY, offer_id), offer_callback(DECLINE, offer_id)
            ),
        )
        await mark_offered(wait, offer_id, until)
