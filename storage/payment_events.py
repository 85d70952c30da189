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

REPROCESS_AFTER_MS = 60_000
"""An event left "processing" this long (its process died) is processed again on the
next delivery; every effect of processing is idempotent, so that is safe."""


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
    """True when this delivery should process the event; False for a repeat."""
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
        now_ms = to_ms(now) or 0
        stale = await collection.find_one_and_update(
            {
                "_id": event_id,
                "state": EventState.PROCESSING.value,
                "claimed_ms": {"$lte": now_ms - REPROCESS_AFTER_MS},
            },
            {"$set": {"claimed_ms": now_ms}},
        )
        return stale is not None
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
