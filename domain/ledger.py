"""A booking's money as a small ledger: the payments that paid for it and the refunds
that gave some of it back.

A payment can pay for several bookings (a weekly series: one payment, one booking per
week), and a booking can be paid by several payments (a move to a dearer slot, an extra
hour), so each payment entry says what of the payment is this booking's (its share).
A refund comes out of exactly one payment, as Razorpay refunds payments: a booking's
refund that spans payments is several entries. Which payments a refund comes out of is
``allocate_refund``: the newest first, never more of a payment than this booking's share
of it minus what was already asked back from it.

Each refund entry lives through ``domain.refund_status`` on its own. An entry holds its
payment's money from the moment it is owed until it is known not to be needed: a failed
refund still holds it (the owner must pay it some other way, and Razorpay may report it
processed later), so no later refund can ask the same money back twice."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Protocol

from domain.refund_status import RefundStatus, can_become


class PaymentPurpose(StrEnum):
    """What a payment bought."""

    BOOKING = "booking"
    SERIES = "series"
    """One payment for every week of a weekly series."""
    MOVE = "move"
    """The difference when a paid session moved to a dearer slot."""
    EXTENSION = "extension"
    """An hour added to a session."""


class PaymentFacts(Protocol):
    @property
    def payment_id(self) -> str: ...

    @property
    def share_paise(self) -> int:
        """What of the payment is for this booking."""
        ...

    @property
    def paid_paise(self) -> int:
        """The whole payment."""
        ...

    @property
    def currency(self) -> str: ...

    @property
    def paid_at(self) -> datetime | None: ...


class RefundFacts(Protocol):
    @property
    def key(self) -> str: ...

    @property
    def payment_id(self) -> str | None: ...

    @property
    def amount_paise(self) -> int: ...

    @property
    def status(self) -> RefundStatus | None: ...

    @property
    def refund_id(self) -> str | None: ...


OPEN = frozenset({RefundStatus.DUE, RefundStatus.REQUESTING})
"""States in which a refund still needs asking for: the retry job's work."""


def holds_money(refund: RefundFacts) -> bool:
    """Whether the entry takes its amount out of its payment's share (every state but
    NOT_NEEDED: a failed refund is still owed)."""
    return refund.status is not RefundStatus.NOT_NEEDED


def refund_key(booking_id: str, number: int) -> str:
    """The ``number``-th refund entry of a booking (from 1): the entry's key in the ledger
    and the idempotency key Razorpay sees, stable however often it is asked for. The first
    is ``refund-<booking id>``, the key of the one refund a booking had before the ledger,
    so a refund asked for before the upgrade and retried after it is one refund."""
    return f"refund-{booking_id}" if number == 1 else f"refund-{booking_id}-{number}"


def legacy_refund_key(booking_id: str) -> str:
    """The key of the one refund a booking had before the ledger."""
    return refund_key(booking_id, 1)


def next_refund_keys(booking_id: str, existing: Iterable[str], how_many: int) -> list[str]:
    """Keys for ``how_many`` new entries after the ``existing`` ones."""
    taken = set(existing)
    keys: list[str] = []
    number = 1
    while len(keys) < how_many:
        key = refund_key(booking_id, number)
        if key not in taken:
            keys.append(key)
        number += 1
    return keys


# ---- sums ------------------------------------------------------------------------------


def paid_paise(payments: Iterable[PaymentFacts]) -> int:
    """What the booking's payments brought for it: the sum of its shares."""
    return sum(p.share_paise for p in payments)


def returned_paise(refunds: Iterable[RefundFacts]) -> int:
    """What went back to the musician: entries the gateway accepted or paid; nothing while
    only owed, or after a failure."""
    return sum(r.amount_paise for r in refunds if r.status is not None and r.status.money_returned)


def owed_paise(refunds: Iterable[RefundFacts]) -> int:
    """What is owed and not yet with the gateway."""
    return sum(r.amount_paise for r in refunds if r.status in OPEN)


def refundable_by_payment(payments: Iterable[PaymentFacts], refunds: Iterable[RefundFacts]) -> dict[str, int]:
    """Per payment id: this booking's share of it that no refund entry holds yet."""
    left = {p.payment_id: p.share_paise for p in payments}
    for refund in refunds:
        if refund.payment_id in left and holds_money(refund):
            left[refund.payment_id] -= refund.amount_paise
    return {payment_id: max(0, amount) for payment_id, amount in left.items()}


def refundable_paise(payments: Iterable[PaymentFacts], refunds: Iterable[RefundFacts]) -> int:
    return sum(refundable_by_payment(payments, refunds).values())


# ---- allocation ------------------------------------------------------------------------


@dataclass(frozen=True)
class RefundPart:
    """What one refund entry asks back from one payment."""

    payment_id: str
    amount_paise: int


_EARLIEST = datetime.min.replace(tzinfo=UTC)


def newest_first(payments: Sequence[PaymentFacts]) -> list[PaymentFacts]:
    """By the moment each was paid, newest first; payments recorded in the same moment
    (or without one) keep their order, the later-recorded first."""
    order = list(enumerate(payments))
    order.sort(key=lambda item: (item[1].paid_at or _EARLIEST, item[0]), reverse=True)
    return [payment for _, payment in order]


def allocate_refund(
    amount_paise: int, payments: Sequence[PaymentFacts], refunds: Iterable[RefundFacts]
) -> tuple[RefundPart, ...]:
    """Where a refund of ``amount_paise`` comes from: the newest payment first, each at most
    what of this booking's share is still refundable. Asked for more than is left, it
    gives what is left (the parts then add up to less)."""
    if amount_paise < 0:
        raise ValueError("a refund cannot be negative")
    left = refundable_by_payment(payments, refunds)
    parts: list[RefundPart] = []
    wanted = amount_paise
    for payment in newest_first(payments):
        if wanted <= 0:
            break
        take = min(wanted, left.get(payment.payment_id, 0))
        if take > 0:
            parts.append(RefundPart(payment.payment_id, take))
            left[payment.payment_id] -= take
            wanted -= take
    return tuple(parts)


# ---- whose refund Razorpay speaks of ---------------------------------------------------


@dataclass(frozen=True)
class RefundMatch:
    """The entry a gateway refund belongs to: ``key`` on the booking ``owner``; ``key`` is
    None when the refund is news to the ledger (made in Razorpay's dashboard) and only
    ``owner`` records its payment."""

    owner: str
    key: str | None


def match_refund(
    ledgers: Mapping[str, Sequence[RefundFacts]],
    *,
    refund_id: str,
    payment_id: str,
    target: RefundStatus,
) -> RefundMatch | None:
    """Which entry of which booking (``ledgers``: booking id -> its refund entries, every
    booking that records ``payment_id``) a refund without our notes speaks of: the entry
    with its refund id; else the one entry of that payment that may still become
    ``target`` without a refund id (our request's answer was lost); else, when one booking
    records the payment and none of its entries can be it, a refund of its own. None when
    several could match: a person must look."""
    for owner, entries in ledgers.items():
        for entry in entries:
            if entry.refund_id == refund_id:
                return RefundMatch(owner, entry.key)
    waiting = [
        RefundMatch(owner, entry.key)
        for owner, entries in ledgers.items()
        for entry in entries
        if entry.payment_id == payment_id
        and not entry.refund_id
        and entry.status is not None
        and can_become(entry.status, target)
    ]
    if len(waiting) == 1:
        return waiting[0]
    if not waiting and len(ledgers) == 1:
        return RefundMatch(next(iter(ledgers)), None)
    return None
