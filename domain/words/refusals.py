"""What a refused request says (``domain.errors``), to whoever asked: a musician booking,
an owner acting on a room. The error carries what happened; these are its words."""

from __future__ import annotations

from domain.errors import (
    BookingError,
    BookingNotCancellableError,
    BookingNotFoundError,
    DateInPastError,
    IllegalTransitionError,
    InviteExpiredError,
    InviteInvalidError,
    NoSlotsChosenError,
    NoSuchSlotError,
    NotOwnerError,
    NotYourBookingError,
    RoomClosedError,
    RoomNotFoundError,
    RoomPausedError,
    SlotsNotBookableError,
    SlotsTakenError,
    TooManySlotsError,
    TooManyUnpaidHoldsError,
    UnknownUserError,
)
from domain.words.statuses import status_name

SOMETHING_REFUSED = "Sorry, I could not do that."
"""For a refusal this module has no words for yet (a new BookingError subclass)."""


def refusal(error: BookingError) -> str:
    """Plain text (not HTML-escaped) fit to show the person who asked."""
    match error:
        case RoomNotFoundError():
            return "That room does not exist any more."
        case RoomPausedError():
            return "This room is not taking bookings right now."
        case UnknownUserError():
            return "Please send /start first so I know who you are."
        case DateInPastError():
            return "That date is in the past. Please pick today or a later day."
        case RoomClosedError():
            return "The room is closed on that day."
        case NoSlotsChosenError():
            return "Pick at least one slot."
        case TooManySlotsError(limit=limit):
            return too_many_slots(limit)
        case NoSuchSlotError():
            return "Some of those slots do not exist on that day. Please pick again."
        case SlotsNotBookableError():
            return "Some of those slots have started or start too soon to book."
        case SlotsTakenError():
            return "Sorry, some of those slots were just taken."
        case TooManyUnpaidHoldsError(limit=limit):
            waiting = "one booking that waits" if limit == 1 else f"{limit} bookings that wait"
            return (
                f"You already have {waiting} for payment. Pay for one or cancel it in "
                "📋 My bookings, then book again."
            )
        case BookingNotFoundError():
            return "I could not find that booking."
        case NotYourBookingError():
            return "That booking is not yours."
        case BookingNotCancellableError(status=status):
            return f"This booking can no longer be cancelled (it is {status_name(status)})."
        case IllegalTransitionError(current=current, target=target):
            return f"A booking cannot go from {current} to {target}."
        case NotOwnerError():
            return "Only the owner of this room can do that."
        case InviteInvalidError():
            return "This owner invite is not valid any more. Ask for a new one."
        case InviteExpiredError():
            return "This owner invite has expired. Ask JamRoom for a new one."
    return SOMETHING_REFUSED


def too_many_slots(limit: int) -> str:
    """Also the slot picker's alert, before the service is asked."""
    return f"You can book at most {limit} slots at once."
