"""What a refused request says (``domain.errors``), to whoever asked: a musician booking,
an owner acting on a room. The error carries what happened (its ``key`` and facts);
these are its words, by key.

Imports nothing that imports ``domain.errors``, so the errors can say themselves here
(``str(error)``) without an import cycle."""

from __future__ import annotations

from typing import Any, Protocol

from domain.words.statuses import status_name

SOMETHING_REFUSED = "Sorry, I could not do that."
"""For a refusal this module has no words for yet (a new BookingError subclass)."""


class Refused(Protocol):
    """A refusal: its ``key`` says which, its other attributes the facts (``limit``...)."""

    key: str


def refusal(error: Refused) -> str:
    """Plain text (not HTML-escaped) fit to show the person who asked."""
    facts: Any = error
    match error.key:
        case "room_not_found":
            return "That room does not exist any more."
        case "room_paused":
            return "This room is not taking bookings right now."
        case "unknown_user":
            return "Please send /start first so I know who you are."
        case "date_in_past":
            return "That date is in the past. Please pick today or a later day."
        case "room_closed":
            return "The room is closed on that day."
        case "no_slots_chosen":
            return "Pick at least one slot."
        case "too_many_slots":
            return too_many_slots(facts.limit)
        case "no_such_slot":
            return "Some of those slots do not exist on that day. Please pick again."
        case "slots_not_bookable":
            return "Some of those slots have started or start too soon to book."
        case "slots_taken":
            return "Sorry, some of those slots were just taken."
        case "too_many_unpaid_holds":
            limit = facts.limit
            waiting = "one booking that waits" if limit == 1 else f"{limit} bookings that wait"
            return (
                f"You already have {waiting} for payment. Pay for one or cancel it in "
                "📋 My bookings, then book again."
            )
        case "booking_not_found":
            return "I could not find that booking."
        case "not_your_booking":
            return "That booking is not yours."
        case "booking_not_cancellable":
            return f"This booking can no longer be cancelled (it is {status_name(facts.status)})."
        case "illegal_transition":
            return f"A booking cannot go from {facts.current} to {facts.target}."
        case "not_owner":
            return "Only the owner of this room can do that."
        case "invite_invalid":
            return "This owner invite is not valid any more. Ask for a new one."
        case "invite_expired":
            return "This owner invite has expired. Ask JamRoom for a new one."
        case "slot_not_waitable":
            return slot_not_waitable(facts.state)
        case "too_many_waits":
            return (
                f"You already wait for {facts.limit} slots, the most at once. Drop one in "
                "📋 My bookings → 🔔 My waits, then try again."
            )
        case "wait_not_found":
            return "That wait is not among yours any more."
        case "offer_gone":
            return "Sorry, this offer has lapsed or was already used, so nothing was booked."
        case "not_your_offer":
            return "This offer is not yours, so nothing was booked."
    return SOMETHING_REFUSED


def slot_not_waitable(state: str | None) -> str:
    """Why a slot cannot be waited for: ``state`` is its ``SlotState`` value, None when
    the room has no such slot that day."""
    match state:
        case "free":
            return "That slot is free: book it now instead of waiting."
        case "past" | "too_soon":
            return "That slot starts too soon to wait for."
    return "That slot is not on this room's day, so there is nothing to wait for."


def too_many_slots(limit: int) -> str:
    """Also the slot picker's alert, before the service is asked."""
    return f"You can book at most {limit} slots at once."
