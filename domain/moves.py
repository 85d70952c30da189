"""Moving a paid session and adding an hour to one (issue 16 §2, §3): the pure rules.

A move or an extension is a *change* of a booking: new slots claimed first under the
change's own claim owner (``change_claims_owner``), then either applied at once (a move
to a cheaper or equally priced time, the difference refunded) or held until the
difference is paid through a payment link of its own (``change_reference``), and let go
when that payment does not come in time. The booking keeps its old slots until the
change is applied, so a musician never loses both and never holds both.

Which moves are free: a move is free of any cancellation fee until the deadline of the
booking's top refund tier (the longest notice, e.g. 24 h before the start for the
default "24:100,6:50"); after it the session can no longer be moved (it can still be
cancelled by the policy). A room without refund tiers lets sessions move until they
start, like its bookings."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from domain.booking_status import BookingStatus
from domain.refund import RefundPolicy

EXTEND_BEFORE_START = timedelta(hours=1)
"""How long before its start a session can already have an hour added."""


class ChangeKind(StrEnum):
    MOVE = "move"
    EXTENSION = "extension"

    @property
    def letter(self) -> str:
        return "M" if self is ChangeKind.MOVE else "X"


REFERENCE = re.compile(r"^(?P<code>JR-[A-Z0-9]{6})-(?P<letter>[MX])(?P<number>[1-9][0-9]{0,3})$")


@dataclass(frozen=True)
class ChangeReference:
    """A change's payment-link reference: ``JR-7F3K2Q-M1`` (the booking's first move),
    ``JR-7F3K2Q-X2`` (its second extension request). Razorpay refuses a reference used
    before, so every request has a number of its own."""

    booking_code: str
    kind: ChangeKind
    number: int

    def __str__(self) -> str:
        return f"{self.booking_code}-{self.kind.letter}{self.number}"


def change_reference(booking_code: str, kind: ChangeKind, number: int) -> str:
    return str(ChangeReference(booking_code, kind, number))


def parse_change_reference(text: str) -> ChangeReference | None:
    found = REFERENCE.match(text or "")
    if found is None:
        return None
    kind = ChangeKind.MOVE if found["letter"] == "M" else ChangeKind.EXTENSION
    return ChangeReference(found["code"], kind, int(found["number"]))


def change_claims_owner(booking_id: str, reference: str, token: str) -> str:
    """The ``booking_id`` a change's new slot claims carry until the change is applied
    (``<booking id>:<reference>:<token>``): released on their own when it lapses. The
    token keeps two racing requests of one booking from sharing an owner."""
    return f"{booking_id}:{reference}:{token}"


def booking_of_claims_owner(owner: str) -> str | None:
    """The booking a change's claim owner belongs to; None for a booking's own claims."""
    booking_id, sep, rest = owner.partition(":")
    return booking_id if sep and rest else None


def free_move_until(policy: RefundPolicy, starts_at: datetime) -> datetime:
    """Until when a session can be moved without a fee: its top refund tier's deadline."""
    if not policy.tiers:
        return starts_at
    return starts_at - policy.tiers[0].notice


class MoveProblem(StrEnum):
    NOT_PAID = "not_paid"
    STARTED = "started"
    """Ongoing or over."""
    ENDED = "ended"
    """Cancelled, expired, terminated."""
    SERIES = "series"
    TOO_LATE = "too_late"
    PENDING = "pending"
    """Another move or extension waits for payment."""


def move_problem(
    status: BookingStatus,
    *,
    paid: bool,
    in_series: bool,
    pending_change: bool,
    starts_at: datetime,
    free_until: datetime,
    now: datetime,
) -> MoveProblem | None:
    """Why this booking cannot be moved now, or None."""
    if status is BookingStatus.PENDING_PAYMENT:
        return MoveProblem.NOT_PAID
    if status in (BookingStatus.ONGOING, BookingStatus.COMPLETED) or (
        status is BookingStatus.NOT_STARTED and now >= starts_at
    ):
        return MoveProblem.STARTED
    if status is not BookingStatus.NOT_STARTED:
        return MoveProblem.ENDED
    if not paid:
        return MoveProblem.NOT_PAID
    if in_series:
        return MoveProblem.SERIES
    if pending_change:
        return MoveProblem.PENDING
    if now > free_until:
        return MoveProblem.TOO_LATE
    return None


class ExtendProblem(StrEnum):
    NOT_PAID = "not_paid"
    NOT_YET = "not_yet"
    """More than an hour before the start."""
    OVER = "over"
    """Completed, cancelled, or past its end."""
    PENDING = "pending"


def extend_problem(
    status: BookingStatus,
    *,
    paid: bool,
    pending_change: bool,
    starts_at: datetime,
    ends_at: datetime,
    now: datetime,
) -> ExtendProblem | None:
    """Why an hour cannot be added to this session now, or None: only while it is
    ongoing, or in its last hour before the start."""
    if status is BookingStatus.PENDING_PAYMENT:
        return ExtendProblem.NOT_PAID
    if status not in (BookingStatus.NOT_STARTED, BookingStatus.ONGOING) or now >= ends_at:
        return ExtendProblem.OVER
    if not paid:
        return ExtendProblem.NOT_PAID
    if now < starts_at - EXTEND_BEFORE_START:
        return ExtendProblem.NOT_YET
    if pending_change:
        return ExtendProblem.PENDING
    return None


def due_ms_after_change(status: BookingStatus, starts_ms: int, ends_ms: int) -> int | None:
    """The booking's next moment for the clock once its times changed (``due_at_for``)."""
    if status is BookingStatus.NOT_STARTED:
        return starts_ms
    if status is BookingStatus.ONGOING:
        return ends_ms
    return None


class ClaimFate(StrEnum):
    """What the stale-claim sweep does with a claim of a booking that holds slots."""

    KEEP = "keep"
    ADOPT = "adopt"
    """A change's claim of a slot the booking now has (applied, not yet handed over)."""
    RELEASE = "release"


def claim_fate(
    owner: str, booking_id: str, pending_owner: str | None, slot_starts: set[datetime], start: datetime
) -> ClaimFate:
    """The fate of a claim owned by ``owner`` of a slot starting at ``start``, for the
    booking ``booking_id`` with these ``slot_starts`` and pending change (its claims'
    owner): a booking's own claim of a slot it no longer has (moved away) goes; a change's
    claim stays while the change waits, becomes the booking's once applied, else goes."""
    if owner == booking_id:
        return ClaimFate.KEEP if start in slot_starts else ClaimFate.RELEASE
    if owner == pending_owner:
        return ClaimFate.KEEP
    return ClaimFate.ADOPT if start in slot_starts else ClaimFate.RELEASE
