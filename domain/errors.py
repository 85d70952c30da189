"""What can go wrong with a booking: each refusal is a type carrying the facts of what
happened; what the user reads is ``domain.words.refusals.refusal(error)``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from domain.booking_status import BookingStatus


class BookingError(Exception):
    """A request that was refused, changing nothing. ``str(error)`` is the refusal in the
    bot's words (for logs and plain callers); the screens ask ``refusal(error)``."""

    def __str__(self) -> str:
        # Imported here: the words know every refusal, so they import this module.
        from domain.words.refusals import refusal

        return refusal(self)


class RoomNotFoundError(BookingError):
    pass


class RoomPausedError(BookingError):
    pass


class UnknownUserError(BookingError):
    pass


class DateInPastError(BookingError):
    pass


class RoomClosedError(BookingError):
    pass


class NoSlotsChosenError(BookingError):
    pass


class TooManySlotsError(BookingError):
    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


class NoSuchSlotError(BookingError):
    pass


class SlotsNotBookableError(BookingError):
    """Slots that exist but have started already or start too soon to book."""

    def __init__(self, starts: Sequence[datetime]) -> None:
        super().__init__(starts)
        self.starts = tuple(starts)


class SlotsTakenError(BookingError):
    """Someone else holds some of the requested slots; ``starts`` says which."""

    def __init__(self, starts: Sequence[datetime]) -> None:
        super().__init__(starts)
        self.starts = tuple(sorted(starts))


class TooManyUnpaidHoldsError(BookingError):
    """The musician already holds ``limit`` bookings that wait for payment."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


class BookingNotFoundError(BookingError):
    pass


class NotYourBookingError(BookingError):
    pass


class BookingNotCancellableError(BookingError):
    def __init__(self, status: BookingStatus) -> None:
        super().__init__(status)
        self.status = status


class IllegalTransitionError(BookingError):
    def __init__(self, current: str, target: str) -> None:
        super().__init__(current, target)
        self.current = current
        self.target = target


class NotOwnerError(BookingError):
    """Not an owner of the room (or no such room: a tampered id reveals nothing)."""


class InviteInvalidError(BookingError):
    """An owner invite that does not exist or was used."""


class InviteExpiredError(BookingError):
    pass
