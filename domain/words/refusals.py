"""What a refused request says (``domain.errors``), to whoever asked: a musician booking,
an owner acting on a room. The error carries what happened (its ``key`` and facts);
these are its words, by key.

Imports nothing that imports ``domain.errors``, so the errors can say themselves here
(``str(error)``) without an import cycle."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from domain.gst.gstin import GstinProblem
from domain.words.formats import SLOT, count, duration, join_labels, moment, time_span
from domain.words.language import N_, _, speaks_when_read
from domain.words.statuses import status_name

SOMETHING_REFUSED = N_("Sorry, I could not do that.")
"""For a refusal this module has no words for yet (a new BookingError subclass)."""


class Refused(Protocol):
    """A refusal: its ``key`` says which, its other attributes the facts (``limit``...)."""

    key: str


def refusal(error: Refused) -> str:
    """Plain text (not HTML-escaped) fit to show the person who asked."""
    facts: Any = error
    match error.key:
        case "room_not_found":
            return _("That room does not exist any more.")
        case "room_paused":
            return _("This room is not taking bookings right now.")
        case "unknown_user":
            return _("Please send /start first so I know who you are.")
        case "date_in_past":
            return _("That date is in the past. Please pick today or a later day.")
        case "room_closed":
            return _("The room is closed on that day.")
        case "no_slots_chosen":
            return _("Pick at least one slot.")
        case "too_many_slots":
            return too_many_slots(facts.limit)
        case "no_such_slot":
            return _("Some of those slots do not exist on that day. Please pick again.")
        case "slots_not_bookable":
            return _("Some of those slots have started or start too soon to book.")
        case "slots_taken":
            return _("Sorry, some of those slots were just taken.")
        case "too_many_unpaid_holds":
            limit = facts.limit
            waiting = (
                _("one booking that waits")
                if limit == 1
                else _("{limit} bookings that wait").format(limit=limit)
            )
            return _(
                "You already have {waiting} for payment. Pay for one or cancel it in "
                "📋 My bookings, then book again."
            ).format(waiting=waiting)
        case "booking_not_found":
            return _("I could not find that booking.")
        case "not_your_booking":
            return _("That booking is not yours.")
        case "booking_not_cancellable":
            return _("This booking can no longer be cancelled (it is {status}).").format(
                status=status_name(facts.status)
            )
        case "illegal_transition":
            return _("A booking cannot go from {current} to {target}.").format(
                current=facts.current, target=facts.target
            )
        case "not_owner":
            return _("Only the owner of this room can do that.")
        case "invite_invalid":
            return _("This owner invite is not valid any more. Ask for a new one.")
        case "invite_expired":
            return _("This owner invite has expired. Ask JamRoom for a new one.")
        case "slots_not_contiguous":
            return not_one_session(facts.runs, facts.zone)
        case "session_too_short":
            return _(
                "Sessions here are at least {minimum} on that day; you picked {chosen}. "
                "Add the slots next to yours."
            ).format(minimum=duration(facts.minimum_minutes), chosen=duration(facts.chosen_minutes))
        case "not_a_paid_session":
            state = status_name(facts.status)
            return _("Only a paid session can be marked as a no-show (this one is {state}).").format(
                state=state
            )
        case "session_not_over":
            ends = moment(facts.ends_at, facts.zone)
            return _("This session has not ended yet: mark a no-show after {ends}.").format(ends=ends)
        case "no_show_window_closed":
            return _(
                "A no-show can be marked or undone only within 24 hours of the session's end; "
                "that time ran out at {closed}."
            ).format(closed=moment(facts.closed_at, facts.zone))
        case "series_not_possible":
            return series_not_possible(facts.problem)
        case "owns_rooms":
            return _(
                "You own {rooms} here, so I can't delete your data yet: "
                "the rooms' bookings, payouts and invoices need their owner. Ask the bot's "
                "operator to hand the rooms over or remove you as their owner, then delete."
            ).format(rooms=join_labels(facts.rooms))
        case "session_in_progress":
            return _(
                "Your session is on right now and can't be cancelled. Delete your data after it "
                "ends at {ends}."
            ).format(ends=moment(facts.ends_at, facts.zone))
        case "no_week_bookable":
            return _("None of those weeks can be booked any more. Please pick another time.")
        case "series_weeks_taken":
            weeks = _("a week") if len(facts.days) == 1 else _("{weeks} weeks").format(weeks=len(facts.days))
            return _(
                "Sorry, {weeks} of that series just went to another musician; nothing was booked."
            ).format(weeks=weeks)
        case "slot_not_waitable":
            return slot_not_waitable(facts.state)
        case "too_many_waits":
            return _(
                "You already wait for {slots}, the most at once. Drop one in "
                "📋 My bookings → 🔔 My waits, then try again."
            ).format(slots=count(facts.limit, SLOT))
        case "wait_not_found":
            return _("That wait is not among yours any more.")
        case "offer_gone":
            return _("Sorry, this offer has lapsed or was already used, so nothing was booked.")
        case "not_your_offer":
            return _("This offer is not yours, so nothing was booked.")
        case "not_movable":
            return not_movable(facts.problem, facts.free_until, facts.zone)
        case "same_time":
            return _("That is the time your session already has. Pick another day or other slots.")
        case "slots_blocked":
            return _("The room has closed some of those slots. Please pick others.")
        case "not_extendable":
            return _(NOT_EXTENDABLE.get(facts.problem, SOMETHING_REFUSED))
        case "past_closing":
            return _(
                "There is no next hour to add: the room closes when your session ends, "
                "or it is already as long as a booking can be."
            )
        case "change_gone":
            return _(
                "That change is not waiting for payment any more. Your session is as shown in 📋 My bookings."
            )
    return _(SOMETHING_REFUSED)


MOVE_PROBLEMS = {
    "not_paid": N_("Only a paid booking can be moved. Pay for it first, or cancel it and book another time."),
    "started": N_("This session has started or is over, so it can no longer be moved."),
    "ended": N_("This booking is cancelled or expired, so it cannot be moved."),
    "series": N_("A week of a weekly booking cannot be moved on its own. You can cancel that week instead."),
    "pending": N_(
        "A change of this booking is already waiting for payment. Pay for it or let it lapse first."
    ),
}
"""Why a booking cannot be moved, by ``domain.moves.MoveProblem``'s value ("too_late" has its time)."""

NOT_EXTENDABLE = {
    "not_paid": N_("Only a paid session can get an extra hour."),
    "not_yet": N_("An hour can be added from one hour before the session starts."),
    "over": N_("This session is over or cancelled, so no hour can be added."),
    "pending": N_(
        "A change of this booking is already waiting for payment. Pay for it or let it lapse first."
    ),
}
"""Why no hour can be added, by ``domain.moves.ExtendProblem``'s value."""


def not_movable(problem: str, free_until: datetime | None, zone: ZoneInfo | None) -> str:
    if problem == "too_late" and free_until is not None and zone is not None:
        return _(
            "Sessions here can be moved until {until} (the full-refund deadline). "
            "It is too late to move this one; you can still cancel it."
        ).format(until=moment(free_until, zone))
    return _(MOVE_PROBLEMS.get(problem, SOMETHING_REFUSED))


SERIES_PROBLEMS = {
    "weeks_out_of_range": N_(
        "A weekly booking repeats for 2 to 12 weeks. Please pick a number in that range."
    ),
    "no_slots": N_("Pick the slots to repeat first."),
    "not_one_run": N_(
        "Only one unbroken run of slots can repeat weekly. Please pick slots next to each other."
    ),
    "crosses_clock_change": N_(
        "That session runs across a change of the clocks, so it cannot repeat at the same times. "
        "Please pick another time."
    ),
}
"""Why a weekly series cannot be set up, by ``domain.series.SeriesProblem``'s value."""


def series_not_possible(problem: str) -> str:
    return _(SERIES_PROBLEMS.get(problem, SOMETHING_REFUSED))


def slot_not_waitable(state: str | None) -> str:
    """Why a slot cannot be waited for: ``state`` is its ``SlotState`` value, None when
    the room has no such slot that day."""
    match state:
        case "free":
            return _("That slot is free: book it now instead of waiting.")
        case "past" | "too_soon":
            return _("That slot starts too soon to wait for.")
    return _("That slot is not on this room's day, so there is nothing to wait for.")


def too_many_slots(limit: int) -> str:
    """Also the slot picker's alert, before the service is asked."""
    return _("You can book at most {limit} slots at once.").format(limit=limit)


def not_one_session(runs: Sequence[tuple[datetime, datetime]], zone: ZoneInfo) -> str:
    """A choice of slots that makes several runs; a booking is one. Also the review's notice."""
    spans = join_labels(time_span(start, end, zone) for start, end in runs)
    if len(runs) == 2:
        return _("{spans} are not next to each other: book them as two bookings.").format(spans=spans)
    return _("{spans} are not next to each other: book them as separate bookings.").format(spans=spans)


class RefusedGstin(Protocol):
    """``domain.gst.gstin.GstinRefusedError``: what is wrong, and the length given."""

    problem: GstinProblem
    length: int


def gstin_refused(error: RefusedGstin) -> str:
    """Why a GSTIN, typed by a musician or given to the admin CLI, was not accepted.
    Plain text; it never repeats the number (it holds its owner's PAN)."""
    check = _("Please check it against the GST registration certificate and send it again.")
    match error.problem:
        case GstinProblem.EMPTY:
            return _("Please send a GSTIN: 15 letters and digits, like 29AAHCM7727Q1ZI.")
        case GstinProblem.WRONG_LENGTH:
            return _("A GSTIN has 15 characters; this one has {length}. {check}").format(
                length=error.length, check=check
            )
        case GstinProblem.BAD_CHARACTERS:
            return _("A GSTIN has only the letters A to Z and digits. {check}").format(check=check)
        case GstinProblem.UNKNOWN_STATE:
            return _(
                "A GSTIN starts with its state's code (01 to 38, or 97), and this one does not. {check}"
            ).format(check=check)
        case GstinProblem.BAD_PAN:
            return _(
                "Characters 3 to 12 of a GSTIN are the holder's PAN (5 letters, 4 digits, "
                "1 letter), and these are not. {check}"
            ).format(check=check)
        case GstinProblem.BAD_ENTITY_NUMBER:
            return _(
                "The 13th character of a GSTIN counts registrations from 1, so it is never 0. {check}"
            ).format(check=check)
        case GstinProblem.NOT_Z:
            return _(
                "The 14th character of a regular taxpayer's GSTIN is Z, and only those can be "
                "printed on a tax invoice. {check}"
            ).format(check=check)
        case GstinProblem.CHECKSUM:
            return _(
                "This GSTIN's last character does not match the others, so a character is "
                "probably mistyped. {check}"
            ).format(check=check)
    return _(SOMETHING_REFUSED)


speaks_when_read(__name__)
