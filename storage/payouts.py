"""What a booking records of the owner's payouts (``payments.payouts``): per payment id, the
transfer to the room's linked account and the reversals refunds took back from it, each
change one conditional update of one booking.

A transfer or a reversal is recorded as an intent (DUE) before anyone asks Razorpay, then
claimed under a lease (REQUESTING) by the one process that asks, then recorded with
Razorpay's id. ``payout_due_ms`` tells the payout job which bookings have one due, and
``payout_version`` keeps the job from clearing it over an intent recorded meanwhile (as
``refund_due_ms`` does for refunds). Entries live at ``payouts.<payment id>``: the
embedded database updates paths into subdocuments but not members of lists."""

from __future__ import annotations

from datetime import date
from typing import Any

from beanie import PydanticObjectId
from pymongo import ReturnDocument

from domain.payouts import PayoutStatus, ReversalStatus
from storage.earnings import bookings_between
from storage.models import Booking, PayoutEntry, ReversalEntry, Room
from storage.payment_records import is_refund_key, leasable


def _collection() -> Any:
    return Booking.get_pymongo_collection()


def _payout(payment_id: str) -> str:
    if not is_refund_key(payment_id):  # the same safe alphabet: a field name, no dots or $
        raise ValueError(f"not a payment id: {payment_id!r}")
    return f"payouts.{payment_id}"


def _reversal(payment_id: str, refund_key: str) -> str:
    if not is_refund_key(refund_key):
        raise ValueError(f"not a refund key: {refund_key!r}")
    return f"{_payout(payment_id)}.reversals.{refund_key}"


def _due(now_ms: int) -> dict[str, Any]:
    return {"$set": {"payout_due_ms": now_ms}, "$inc": {"payout_version": 1}}


async def _moved(query: dict[str, Any], update: dict[str, Any]) -> Booking | None:
    raw = await _collection().find_one_and_update(query, update, return_document=ReturnDocument.AFTER)
    return Booking.model_validate(raw) if raw else None


# ---- the room's account ------------------------------------------------------------------


async def set_payout_account(room: Room, account_id: str | None) -> Room:
    """Tie the room to its owner's linked account, or untie it (None). Bookings already
    paid keep the account their transfer was recorded with."""
    await Room.get_pymongo_collection().update_one({"_id": room.id}, {"$set": {"payout_account": account_id}})
    found = await Room.get(room.id)
    assert found is not None
    return found


# ---- transfers ---------------------------------------------------------------------------


async def record_payouts(booking: Booking, entries: list[PayoutEntry], now_ms: int) -> Booking | None:
    """Record what the booking's payments owe the owner, each unless its payment has an
    entry already (another delivery recorded it first: None then)."""
    if not entries:
        return None
    query: dict[str, Any] = {"_id": booking.id}
    changes: dict[str, Any] = {}
    for entry in entries:
        query[_payout(entry.payment_id)] = {"$exists": False}
        changes[_payout(entry.payment_id)] = entry.model_dump()
    update: dict[str, Any] = {"$set": changes}
    if any(entry.status is PayoutStatus.DUE for entry in entries):
        due = _due(now_ms)
        update = {"$set": {**changes, **due["$set"]}, "$inc": due["$inc"]}
    return await _moved(query, update)


async def claim_transfer(
    booking_id: PydanticObjectId, payment_id: str, now_ms: int, lease_ms: int
) -> Booking | None:
    """The right to ask Razorpay for the transfer: it is due, or another process claimed
    it ``lease_ms`` ago and never answered."""
    path = _payout(payment_id)
    return await _moved(
        {
            "_id": booking_id,
            **leasable(path, PayoutStatus.DUE, PayoutStatus.REQUESTING, now_ms, lease_ms),
        },
        {"$set": {f"{path}.status": PayoutStatus.REQUESTING.value, f"{path}.claimed_ms": now_ms}},
    )


async def record_fees(booking_id: PydanticObjectId, payment_id: str, fee_paise: int, tax_paise: int) -> None:
    path = _payout(payment_id)
    await _collection().update_one(
        {"_id": booking_id, f"{path}.payment_id": payment_id},
        {"$set": {f"{path}.fee_paise": fee_paise, f"{path}.tax_paise": tax_paise}},
    )


async def transfer_made(
    booking_id: PydanticObjectId, payment_id: str, transfer_id: str, now_ms: int
) -> Booking | None:
    path = _payout(payment_id)
    return await _moved(
        {"_id": booking_id, f"{path}.status": PayoutStatus.REQUESTING.value},
        {
            "$set": {
                f"{path}.status": PayoutStatus.TRANSFERRED.value,
                f"{path}.transfer_id": transfer_id,
                f"{path}.transferred_ms": now_ms,
            }
        },
    )


async def transfer_not_made(
    booking_id: PydanticObjectId, payment_id: str, error: str, now_ms: int, *, final: PayoutStatus | None
) -> None:
    """The request failed: due again for the job, or ``final`` (FAILED: Razorpay refused
    it; SKIPPED: a refund of the payment began first)."""
    path = _payout(payment_id)
    status = final or PayoutStatus.DUE
    sets: dict[str, Any] = {f"{path}.status": status.value, f"{path}.last_error": error[:300]}
    incs: dict[str, Any] = {f"{path}.attempts": 1}
    if final is None:
        due = _due(now_ms)
        sets.update(due["$set"])
        incs.update(due["$inc"])
    await _collection().update_one(
        {"_id": booking_id, f"{path}.status": PayoutStatus.REQUESTING.value}, {"$set": sets, "$inc": incs}
    )


# ---- reversals ---------------------------------------------------------------------------


async def add_reversal(
    booking: Booking, payment_id: str, entry: ReversalEntry, now_ms: int
) -> Booking | None:
    """Record what a refund takes back from the transfer, unless the payout's reversals
    changed since ``booking`` was read (its count moved: read again) or it has one for
    this refund."""
    path = _payout(payment_id)
    payout = booking.payouts[payment_id]
    due = _due(now_ms) if entry.status is ReversalStatus.DUE else {"$set": {}, "$inc": {}}
    update: dict[str, Any] = {
        "$set": {_reversal(payment_id, entry.refund_key): entry.model_dump(), **due["$set"]},
        "$inc": {f"{path}.reversal_count": 1, **due["$inc"]},
    }
    return await _moved(
        {
            "_id": booking.id,
            f"{path}.reversal_count": payout.reversal_count,
            _reversal(payment_id, entry.refund_key): {"$exists": False},
        },
        update,
    )


async def claim_reversal(
    booking_id: PydanticObjectId, payment_id: str, refund_key: str, now_ms: int, lease_ms: int
) -> Booking | None:
    path = _reversal(payment_id, refund_key)
    return await _moved(
        {
            "_id": booking_id,
            **leasable(path, ReversalStatus.DUE, ReversalStatus.REQUESTING, now_ms, lease_ms),
        },
        {"$set": {f"{path}.status": ReversalStatus.REQUESTING.value, f"{path}.claimed_ms": now_ms}},
    )


async def reversal_made(
    booking_id: PydanticObjectId, payment_id: str, refund_key: str, reversal_id: str, now_ms: int
) -> Booking | None:
    path = _reversal(payment_id, refund_key)
    return await _moved(
        {"_id": booking_id, f"{path}.status": ReversalStatus.REQUESTING.value},
        {
            "$set": {
                f"{path}.status": ReversalStatus.DONE.value,
                f"{path}.reversal_id": reversal_id,
                f"{path}.done_ms": now_ms,
            }
        },
    )


async def reversal_not_made(
    booking_id: PydanticObjectId, payment_id: str, refund_key: str, now_ms: int, *, refused: bool
) -> None:
    """Due again for the job, or FAILED when Razorpay refused it (a person must look)."""
    path = _reversal(payment_id, refund_key)
    if refused:
        update: dict[str, Any] = {"$set": {f"{path}.status": ReversalStatus.FAILED.value}}
    else:
        due = _due(now_ms)
        update = {"$set": {f"{path}.status": ReversalStatus.DUE.value, **due["$set"]}, "$inc": due["$inc"]}
    await _collection().update_one(
        {"_id": booking_id, f"{path}.status": ReversalStatus.REQUESTING.value}, update
    )


# ---- what the owner sees ----------------------------------------------------------------


async def paid_out_between(room: Room, first: date, last: date) -> list[Booking]:
    """The room's bookings with sessions from ``first`` to ``last`` that record a payment,
    newest session first (by the indexed ``room_day``, as earnings read them)."""
    found = await bookings_between(room, first, last)
    return sorted((b for b in found if b.payments), key=lambda b: b.starts_at, reverse=True)


# ---- the job -------------------------------------------------------------------------------


async def payouts_to_retry(now_ms: int, limit: int) -> list[Booking]:
    """Bookings with a transfer or reversal due, by the one indexed field the job needs."""
    return (
        await Booking.find({"payout_due_ms": {"$lte": now_ms}}).sort("payout_due_ms").limit(limit).to_list()
    )


def has_due(booking: Booking) -> bool:
    for payout in booking.payouts.values():
        if not payout.status.settled:
            return True
        if any(
            r.status in (ReversalStatus.DUE, ReversalStatus.REQUESTING) for r in payout.reversals.values()
        ):
            return True
    return False


async def payouts_settled(booking: Booking) -> bool:
    """The job is done with ``booking`` as read; stops looking at it unless something
    became due since (its version moved). True when cleared."""
    if has_due(booking):
        return False
    done = await _collection().update_one(
        {"_id": booking.id, "payout_version": booking.payout_version}, {"$set": {"payout_due_ms": None}}
    )
    return done.modified_count > 0
