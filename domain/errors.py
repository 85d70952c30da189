"""What can go wrong with a booking, each with a message fit to show a musician."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime


class BookingError(Exception):
    """A booking request that was refused; ``str(error)`` is safe to show the user."""


class RoomNotFoundError(BookingError):
    def __init__(self) -> None:
        super().__init__("That room does not exist any more.")


class RoomPausedError(BookingError):
    def __init__(self) -> None:
        super().__init__("This room is not taking bookings right now.")


class UnknownUserError(BookingError):
    def __init__(self) -> None:
        super().__init__("Please send /start first so I know who you are.")


class DateInPastError(BookingError):
    def __init__(self) -> None:
        super().__init__("That date is in the past. Please pick today or a later day.")


class RoomClosedError(BookingError):
    def __init__(self) -> None:
        super().__init__("The room is closed on that day.")


class NoSlotsChosenError(BookingError):
    def __init__(self) -> None:
        super().__init__("Pick at least one slot.")


class TooManySlotsError(BookingError):
    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(f"You can book at most {limit} slots at once.")


class NoSuchSlotError(BookingError):
    def __init__(self) -> None:
        super().__init__("Some of those slots do not exist on that day. Please pick again.")


class SlotsNotBookableError(BookingError):
    """Slots that exist but have started already or start too soon to book."""

    def __init__(self, starts: Sequence[datetime]) -> None:
        self.starts = tuple(starts)
        super().__init__("Some of those slots have started or start too soon to book.")


class SlotsTakenError(BookingError):
    """Someone else holds some of the requested slots; ``starts`` says which."""

    def __init__(self, starts: Sequence[datetime]) -> None:
        self.starts = tuple(sorted(starts))
        super().__init__("Sorry, some of those slots were just taken.")


class TooManyUnpaidHoldsError(BookingError):
    """The musician already holds ``limit`` bookings that wait for payment."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        waiting = "one booking that waits" if limit == 1 else f"{limit} bookings that wait"
        super().__init__(
            f"You already have {waiting} for payment. Pay for one or cancel it in "
            "📋 My bookings, then book again."
        )


class BookingNotFoundError(BookingError):
    def __init__(self) -> None:
        super().__init__("I could not find that booking.")


class NotYourBookingError(BookingError):
    def __init__(self) -> None:
        super().__init__("That booking is not yours.")


class BookingNotCancellableError(BookingError):
    def __init__(self, status: str) -> None:
        super().__init__(f"This booking can no longer be cancelled (it is {status}).")


class IllegalTransitionError(BookingError):
    def __init__(self, current: str, target: str) -> None:
        self.current = current
        self.target = target
        super().__init__(f"A booking cannot go from {current} to {target}.")
