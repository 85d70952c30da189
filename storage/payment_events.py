"""Razorpay webhook events, stored by ``x-razorpay-event-id`` so a repeat changes nothing.

The event id is the document ``_id``: recording an event is one insert, and a
second delivery of the same event (a retry, or two deliveries racing) loses it.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from beanie import Document
from pymongo.errors import DuplicateKeyError

from storage.models import UtcDatetime, to_ms


class EventState(StrEnum):
    PROCESSING = "processing"
    DONE = "done"


class PaymentEvent(Document):
    id: str  # type: ignore[assignment]
    event: str
    state: EventState = EventState.PROCESSING
    reference: str | None = None
    outcome: str | None = None
    received_at: UtcDatetime
    claimed_ms: int

    class Settings:
        name = "payment_events"


async def claim_event(event_id: str, event: str, reference: str | None, now: datetime) -> bool:
    """True when this delivery should process the event; False once it is done.

    An event still "processing" (another delivery is at it, or one failed half-way
    and could not clean up) is processed again: every effect of processing is a
    conditional update or a deduplicated message, so a second run changes nothing
    twice, while refusing it could leave a paid booking unconfirmed."""
    collection = PaymentEvent.get_pymongo_collection()
    document = {
        "_id": event_id,
        "event": event,
        "state": EventState.PROCESSING.value,
        "reference": reference,
        "outcome": None,
        "received_at": now,
        "claimed_ms": to_ms(now),
    }
    try:
        await collection.insert_one(document)
    except DuplicateKeyError:
        existing = await collection.find_one({"_id": event_id}, {"state": 1})
        return existing is None or existing.get("state") != EventState.DONE.value
    return True


async def finish_event(event_id: str, outcome: str) -> None:
    await PaymentEvent.get_pymongo_collection().update_one(
        {"_id": event_id}, {"$set": {"state": EventState.DONE.value, "outcome": outcome}}
    )


async def forget_event(event_id: str) -> None:
    """Drop a claim whose processing failed, so Razorpay's retry processes it afresh."""
    await PaymentEvent.get_pymongo_collection().delete_one(
        {"_id": event_id, "state": EventState.PROCESSING.value}
    )
