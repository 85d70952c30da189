"""What can go wrong with a booking: each refusal is a type with a stable ``key``, carrying
the facts of what happened; what the user reads is ``domain.words.refusals.refusal(error)``,
which ``str(error)`` gives too (in the bot's one language, for logs and plain callers)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import ClassVar
from zoneinfo import ZoneInfo

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


class SeriesNotPossibleError(BookingError):
    """A weekly series that cannot be set up at all: ``problem`` is
    ``domain.series.SeriesProblem``'s value, ``weeks`` what was asked for."""

    key = "series_not_possible"

    def __init__(self, problem: str, weeks: int | None = None) -> None:
        super().__init__(problem, weeks)
        self.problem = problem
        self.weeks = weeks


class NoWeekBookableError(BookingError):
    """Not one week of the asked-for series can be booked."""

    key = "no_week_bookable"


class SeriesWeeksTakenError(BookingError):
    """Weeks of a series that someone else took while it was being confirmed; ``days``
    names them (each week's business day). Nothing was booked."""

    key = "series_weeks_taken"

    def __init__(self, days: Sequence[date]) -> None:
        super().__init__(days)
        self.days = tuple(sorted(days))


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


class SlotsNotContiguousError(BookingError):
    """A booking is one contiguous run of slots; these slots make several. ``runs``: each
    run's (start, end), earliest first; ``zone``: the room's, to name them on its clock."""

    key = "slots_not_contiguous"

    def __init__(self, runs: Sequence[tuple[datetime, datetime]], zone: ZoneInfo) -> None:
        super().__init__(runs, zone)
        self.runs = tuple(runs)
        self.zone = zone


class SessionTooShortError(BookingError):
    """The room's minimum session on that day is longer than the slots chosen."""

    key = "session_too_short"

    def __init__(self, chosen_minutes: int, minimum_minutes: int) -> None:
        super().__init__(chosen_minutes, minimum_minutes)
        self.chosen_minutes = chosen_minutes
        self.minimum_minutes = minimum_minutes


class NotAPaidSessionError(BookingError):
    """Only a paid session can be marked as a no-show (``status``: the booking's)."""

    key = "not_a_paid_session"

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


class SessionNotOverError(BookingError):
    """A no-show is marked once the session has ended, at ``ends_at``."""

    key = "session_not_over"

    def __init__(self, ends_at: datetime, zone: ZoneInfo) -> None:
        super().__init__(ends_at, zone)
        self.ends_at = ends_at
        self.zone = zone


class NoShowWindowClosedError(BookingError):
    """A no-show is marked or undone only until ``closed_at`` (a while after the end)."""

    key = "no_show_window_closed"

    def __init__(self, closed_at: datetime, zone: ZoneInfo) -> None:
        super().__init__(closed_at, zone)
        self.closed_at = closed_at
        self.zone = zone


class OwnsRoomsError(BookingError):
    """An owner asked to delete their data while they own ``rooms`` (their names): the
    rooms' bookings, payouts and invoices need an owner, so the operator takes them first."""

    key = "owns_rooms"

    def __init__(self, rooms: Sequence[str]) -> None:
        super().__init__(rooms)
        self.rooms = list(rooms)


class SessionInProgressError(BookingError):
    """A musician asked to delete their data during their session, which ends at ``ends_at``:
    it cannot be cancelled, so deleting waits until it is over."""

    key = "session_in_progress"

    def __init__(self, ends_at: datetime, zone: ZoneInfo) -> None:
        super().__init__(ends_at, zone)
        self.ends_at = ends_at
        self.zone = zone


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


class NotMovableError(BookingError):
    """This booking cannot be moved now: ``problem`` is ``domain.moves.MoveProblem``'s
    value; ``free_until`` (with the room's ``zone``) when it was too late."""

    key = "not_movable"

    def __init__(
        self, problem: str, free_until: datetime | None = None, zone: ZoneInfo | None = None
    ) -> None:
        super().__init__(problem, free_until, zone)
        self.problem = problem
        self.free_until = free_until
        self.zone = zone


class SameTimeError(BookingError):
    """A move to the very slots the session has."""

    key = "same_time"


class SlotsBlockedError(BookingError):
    """The room's owner closed some of the requested slots."""

    key = "slots_blocked"


class NotExtendableError(BookingError):
    """An hour cannot be added now: ``problem`` is ``domain.moves.ExtendProblem``'s value."""

    key = "not_extendable"

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


class PastClosingError(BookingError):
    """The session already ends when the room closes (or its slot limit is reached)."""

    key = "past_closing"


class ChangeGoneError(BookingError):
    """The move or extension asked about is not waiting for payment any more."""

    key = "change_gone"
