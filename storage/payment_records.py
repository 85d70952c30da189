"""What a booking records of its money: its payment link and its refund.

Each change is one conditional update. A refund moves only along
``domain.refund_status``: the update that takes it to a state accepts every state that
may precede it, so our own record of a refund and Razorpay's webhooks about it can land
in either order, and whoever comes second changes nothing it should not."""

from __future__ import annotations

from typing import Any

from beanie import PydanticObjectId
from pymongo import ReturnDocument

from domain.refund_status import RefundStatus, sources_of
from storage.models import Booking


def _collection() -> Any:
    return Booking.get_pymongo_collection()


def _may_become(target: RefundStatus) -> dict[str, Any]:
    # ``$in`` with None also matches a booking without any refund status.
    return {"refund.status": {"$in": [s.value if s else None for s in sources_of(target)]}}


async def _moved(query: dict[str, Any], changes: dict[str, Any]) -> Booking | None:
    raw = await _collection().find_one_and_update(
        query, {"$set": changes}, return_document=ReturnDocument.AFTER
    )
    return Booking.model_validate(raw) if raw else None


# ---- the booking a payment speaks of -------------------------------------------------


async def booking_paid_by(payment_id: str) -> Booking | None:
    """The booking that records ``payment_id`` as its payment; refunds name only that."""
    return await Booking.find_one(Booking.payment_id == payment_id)


# ---- the payment link --------------------------------------------------------------


async def store_link(booking_id: PydanticObjectId, link_id: str, url: str) -> Booking | None:
    """Keep ``link_id`` as the booking's link unless it already has one (a racing confirm
    stored its own first): None then."""
    return await _moved(
        {"_id": booking_id, "payment.link_id": {"$exists": False}},
        {"payment.link_id": link_id, "payment.link_url": url},
    )


# ---- the refund --------------------------------------------------------------------


async def refund_not_needed(booking_id: PydanticObjectId) -> None:
    await _collection().update_one(
        {"_id": booking_id, **_may_become(RefundStatus.NOT_NEEDED)},
        {"$set": {"refund.status": RefundStatus.NOT_NEEDED.value}},
    )


async def claim_refund(booking_id: PydanticObjectId, now_ms: int, lease_ms: int) -> Booking | None:
    """Take the right to ask the gateway for the booking's refund: it is due, or another
    process took it over ``lease_ms`` ago and never answered (it died)."""
    return await _moved(
        {
            "_id": booking_id,
            "$or": [
                {"refund.status": RefundStatus.DUE.value},
                {
                    "refund.status": RefundStatus.REQUESTING.value,
                    "refund.claimed_ms": {"$lte": now_ms - lease_ms},
                },
            ],
        },
        {"refund.status": RefundStatus.REQUESTING.value, "refund.claimed_ms": now_ms},
    )


async def refund_request_failed(booking_id: PydanticObjectId, error: str) -> None:
    """The gateway refused or did not answer: due again, for the retry job."""
    await _collection().update_one(
        {"_id": booking_id, "refund.status": RefundStatus.REQUESTING.value},
        {
            "$set": {"refund.status": RefundStatus.DUE.value, "refund.last_error": error[:300]},
            "$inc": {"refund.attempts": 1},
        },
    )


async def refund_accepted(
    booking_id: PydanticObjectId, status: RefundStatus, refund_id: str, amount_paise: int
) -> Booking | None:
    """The gateway's answer to our request; None when Razorpay's webhook said more first
    (the webhook wrote the refund's id and amount, so nothing is lost)."""
    return await _moved(
        {"_id": booking_id, "refund.status": RefundStatus.REQUESTING.value},
        {"refund.status": status.value, "refund.id": refund_id, "refund.amount_paise": amount_paise},
    )


async def refund_news(
    booking_id: PydanticObjectId, status: RefundStatus, refund_id: str, amount_paise: int
) -> Booking | None:
    """Razorpay says the refund was processed or failed, with its amount: recorded from
    whatever state may lead there (our own record may not be written yet). None when
    it is already there, or past it (a failure reported after the money arrived)."""
    return await _moved(
        {"_id": booking_id, **_may_become(status)},
        {"refund.status": status.value, "refund.id": refund_id, "refund.amount_paise": amount_paise},
    )


async def refunds_to_retry(limit: int) -> list[Booking]:
    due = [RefundStatus.DUE.value, RefundStatus.REQUESTING.value]
    return await Booking.find({"refund.status": {"$in": due}}).limit(limit).to_list()
