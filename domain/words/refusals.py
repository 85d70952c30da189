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
from domain.words.formats import duration, join_labels, moment, time_span
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
        case "slots_not_contiguous":
            return not_one_session(facts.runs, facts.zone)
        case "session_too_short":
            return (
                f"Sessions here are at least {duration(facts.minimum_minutes)} on that day; "
                f"you picked {duration(facts.chosen_minutes)}. Add the slots next to yours."
            )
        case "not_a_paid_session":
            state = status_name(facts.status)
            return f"Only a paid session can be marked as a no-show (this one is {state})."
        case "session_not_over":
            ends = moment(facts.ends_at, facts.zone)
            return f"This session has not ended yet: mark a no-show after {ends}."
        case "no_show_window_closed":
            return (
                "A no-show can be marked or undone only within 24 hours of the session's end; "
                f"that time ran out at {moment(facts.closed_at, facts.zone)}."
            )
        case "series_not_possible":
            return series_not_possible(facts.problem)
        case "no_week_bookable":
            return "None of those weeks can be booked any more. Please pick another time."
        case "series_weeks_taken":
            weeks = "a week" if len(facts.days) == 1 else f"{len(facts.days)} weeks"
            return f"Sorry, {weeks} of that series just went to another musician; nothing was booked."
        case "not_movable":
            return not_movable(facts.problem, facts.free_until, facts.zone)
        case "same_time":
            return "That is the time your session already has. Pick another day or other slots."
        case "slots_blocked":
            return "The room has closed some of those slots. Please pick others."
        case "not_extendable":
            return NOT_EXTENDABLE.get(facts.problem, SOMETHING_REFUSED)
        case "past_closing":
            return (
                "There is no next hour to add: the room closes when your session ends, "
                "or it is already as long as a booking can be."
            )
        case "change_gone":
            return (
                "That change is not waiting for payment any more. Your session is as shown in 📋 My bookings."
            )
    return SOMETHING_REFUSED


MOVE_PROBLEMS = {
    "not_paid": "Only a paid booking can be moved. Pay for it first, or cancel it and book another time.",
    "started": "This session has started or is over, so it can no longer be moved.",
    "ended": "This booking is cancelled or expired, so it cannot be moved.",
    "series": "A week of a weekly booking cannot be moved on its own. You can cancel that week instead.",
    "pending": "A change of this booking is already waiting for payment. Pay for it or let it lapse first.",
}
"""Why a booking cannot be moved, by ``domain.moves.MoveProblem``'s value ("too_late" has its time)."""

NOT_EXTENDABLE = {
    "not_paid": "Only a paid session can get an extra hour.",
    "not_yet": "An hour can be added from one hour before the session starts.",
    "over": "This session is over or cancelled, so no hour can be added.",
    "pending": "A change of this booking is already waiting for payment. Pay for it or let it lapse first.",
}
"""Why no hour can be added, by ``domain.moves.ExtendProblem``'s value."""


def not_movable(problem: str, free_until: datetime | None, zone: ZoneInfo | None) -> str:
    if problem == "too_late" and free_until is not None and zone is not None:
        return (
            f"Sessions here can be moved until {moment(free_until, zone)} (the full-refund deadline). "
            "It is too late to move this one; you can still cancel it."
        )
    return MOVE_PROBLEMS.get(problem, SOMETHING_REFUSED)


SERIES_PROBLEMS = {
    "weeks_out_of_range": "A weekly booking repeats for 2 to 12 weeks. Please pick a number in that range.",
    "no_slots": "Pick the slots to repeat first.",
    "not_one_run": "Only one unbroken run of slots can repeat weekly. Please pick slots next to each other.",
    "crosses_clock_change": (
        "That session runs across a change of the clocks, so it cannot repeat at the same times. "
        "Please pick another time."
    ),
}
"""Why a weekly series cannot be set up, by ``domain.series.SeriesProblem``'s value."""


def series_not_possible(problem: str) -> str:
    return SERIES_PROBLEMS.get(problem, SOMETHING_REFUSED)


def too_many_slots(limit: int) -> str:
    """Also the slot picker's alert, before the service is asked."""
    return f"You can book at most {limit} slots at once."


def not_one_session(runs: Sequence[tuple[datetime, datetime]], zone: ZoneInfo) -> str:
    """A choice of slots that makes several runs; a booking is one. Also the review's notice."""
    spans = join_labels(time_span(start, end, zone) for start, end in runs)
    them = "two bookings" if len(runs) == 2 else "separate bookings"
    return f"{spans} are not next to each other: book them as {them}."


class RefusedGstin(Protocol):
    """``domain.gst.gstin.GstinRefusedError``: what is wrong, and the length given."""

    problem: GstinProblem
    length: int


def gstin_refused(error: RefusedGstin) -> str:
    """Why a GSTIN, typed by a musician or given to the admin CLI, was not accepted.
    Plain text; it never repeats the number (it holds its owner's PAN)."""
    check = "Please check it against the GST registration certificate and send it again."
    match error.problem:
        case GstinProblem.EMPTY:
            return "Please send a GSTIN: 15 letters and digits, like 29AAHCM7727Q1ZI."
        case GstinProblem.WRONG_LENGTH:
            return f"A GSTIN has 15 characters; this one has {error.length}. {check}"
        case GstinProblem.BAD_CHARACTERS:
            return f"A GSTIN has only the letters A to Z and digits. {check}"
        case GstinProblem.UNKNOWN_STATE:
            return f"A GSTIN starts with its state's code (01 to 38, or 97), and this one does not. {check}"
        case GstinProblem.BAD_PAN:
            return (
                "Characters 3 to 12 of a GSTIN are the holder's PAN (5 letters, 4 digits, "
                f"1 letter), and these are not. {check}"
            )
        case GstinProblem.BAD_ENTITY_NUMBER:
            return f"The 13th character of a GSTIN counts registrations from 1, so it is never 0. {check}"
        case GstinProblem.NOT_Z:
            return (
                "The 14th character of a regular taxpayer's GSTIN is Z, and only those can be "
                "printed on a tax invoice. " + check
            )
        case GstinProblem.CHECKSUM:
            return (
                "This GSTIN's last character does not match the others, so a character is "
                f"probably mistyped. {check}"
            )
    return SOMETHING_REFUSED
