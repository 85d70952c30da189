"""Waiting for a taken slot (issue 17 §1): who may wait, for how long, and what an
offer is. Pure rules; storage/waitlist.py keeps the waits.

A musician waits for one slot of one room. When the slot frees, the first musician
waiting is *offered* it: the slot is claimed in their name (the same unique claim a
booking takes) until the offer's deadline, and one tap books it. A wait ends when the
slot can no longer be booked (``MIN_LEAD`` before it starts), when its offer lapses or
is declined, or when the musician drops it or books the slot."""

from __future__ import annotations

from datetime import datetime, timedelta

from domain.availability import SlotState

MAX_OPEN_WAITS = 10
"""Open waits per musician at once."""

OFFER_WINDOW = timedelta(minutes=10)
"""How long a freed slot is held for the musician it is offered to."""

WAITABLE = frozenset({SlotState.TAKEN, SlotState.BLOCKED})
"""Slots worth waiting for: held by a booking (it may be cancelled or expire) or
blocked by the owner (who may unblock it)."""

OFFER_CALLBACK = "wl"
"""Prefix of an offer message's buttons: ``wl:pay:<offer id>``, ``wl:no:<offer id>``."""
PAY = "pay"
DECLINE = "no"
OFFER_ID_LENGTH = 24


def wait_ends_at(slot_start: datetime, min_lead: timedelta) -> datetime:
    """The last moment a wait can still lead to a booking: the slot's start less the
    lead a booking needs."""
    return slot_start - min_lead


def offer_deadline(now: datetime, slot_start: datetime, min_lead: timedelta) -> datetime | None:
    """When an offer made ``now`` lapses: ``OFFER_WINDOW`` from now, but never after the
    slot stops being bookable; None when it already has."""
    deadline = min(now + OFFER_WINDOW, wait_ends_at(slot_start, min_lead))
    return deadline if deadline > now else None


def offer_callback(action: str, offer_id: str) -> str:
    return f"{OFFER_CALLBACK}:{action}:{offer_id}"


def parse_offer_callback(data: str | None) -> tuple[str, str] | None:
    """(action, offer id) of an offer button's data; None for anything malformed."""
    prefix, _, rest = (data or "").partition(":")
    action, _, offer_id = rest.partition(":")
    if prefix != OFFER_CALLBACK or action not in (PAY, DECLINE):
        return None
    if len(offer_id) != OFFER_ID_LENGTH or any(c not in "0123456789abcdef" for c in offer_id):
        return None
    return action, offer_id
