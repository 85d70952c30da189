"""What can go wrong with a booking: each refusal is a type with a stable ``key``, carrying
the facts of what happened; what the user reads is ``domain.words.refusals.refusal(error)``,
which ``str(error)`` gives too (in the bot's one language, for logs and plain callers)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import ClassVar

from domain.words.refusals import refusal


class BookingError(Exception):
    """A request that was refused, changing nothing."""

    key: ClassVar[str] = "refused"

    def __str__(self) -> str:
        return refusal(self)


class RoomNotFoundError(BookingError):
    key = "room_not_found"


class RoomPausedError(BookingError):
    key = "room_paused"


class UnknownUserError(BookingError):
    key = "unknown_user"


class DateInPastError(BookingError):
    key = "date_in_past"


class RoomClosedError(BookingError):
    key = "room_closed"


class NoSlotsChosenError(BookingError):
    key = "no_slots_chosen"


class TooManySlotsError(BookingError):
    key = "too_many_slots"

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


class NoSuchSlotError(BookingError):
    key = "no_such_slot"


class SlotsNotBookableError(BookingError):
    """Slots that exist but have started already or start too soon to book."""

    key = "slots_not_bookable"

    def __init__(self, starts: Sequence[datetime]) -> None:
        super().__init__(starts)
        self.starts = tuple(starts)


class SlotsTakenError(BookingError):
    """Someone else holds some of the requested slots; ``starts`` says which."""

    key = "slots_taken"

    def __init__(self, starts: Sequence[datetime]) -> None:
        super().__init__(starts)
        self.starts = tuple(sorted(starts))


class TooManyUnpaidHoldsError(BookingError):
    """The musician already holds ``limit`` bookings that wait for payment."""

    key = "too_many_unpaid_holds"

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


class BookingNotFoundError(BookingError):
    key = "booking_not_found"


class NotYourBookingError(BookingError):
    key = "not_your_booking"


class BookingNotCancellableError(BookingError):
    key = "booking_not_cancellable"

    def __init__(self, status: str) -> None:
        """``status``: the booking's ``BookingStatus`` (a str enum; this module is below it)."""
        super().__init__(status)
        self.status = status


class IllegalTransitionError(BookingError):
    key = "illegal_transition"

    def __init__(self, current: str, target: str) -> None:
        super().__init__(current, target)
        self.current = current
        self.target = target


class NotOwnerError(BookingError):
    """Not an owner of the room (or no such room: a tampered id reveals nothing)."""

    key = "not_owner"


class InviteInvalidError(BookingError):
    """An owner invite that does not exist or was used."""

    key = "invite_invalid"


class InviteExpiredError(BookingError):
    key = "invite_expired"


class SlotNotWaitableError(BookingError):
    """A wait asked for a slot that is free (book it instead), over or about to start,
    or not on the room's day at all (``state`` is None)."""

    key = "slot_not_waitable"

    def __init__(self, state: str | None) -> None:
        """``state``: the slot's ``SlotState`` (a str enum), None when there is no such slot."""
        super().__init__(state)
        self.state = state


class TooManyWaitsError(BookingError):
    """The musician already waits for ``limit`` slots."""

    key = "too_many_waits"

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


class WaitNotFoundError(BookingError):
    """No such wait among the musician's (dropped already, ended, or someone else's)."""

    key = "wait_not_found"


class OfferGoneError(BookingError):
    """The offer lapsed, was declined or was taken up already."""

    key = "offer_gone"


class NotYourOfferError(BookingError):
    key = "not_your_offer"
