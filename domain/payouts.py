"""What a room's owner is paid out of a booking through Razorpay Route, and what comes
back from the owner when the booking is refunded. Integer paise throughout.

The owner's share: the captured payment minus the platform's commission, a rate in
basis points (a setting, default 0). The commission is rounded down to a whole paisa,
so the platform never takes more than its stated rate and the owner gets the odd paisa;
``commission + transfer == paid`` exactly. Razorpay's own fee is not taken from the
share: it is charged to the platform's account (see the payment's ``fee``/``tax``).

Reversals. Route transfers from a captured payment (``POST /v1/payments/{id}/transfers``),
and money refunded to the musician is taken back from the owner in proportion by
reversing part of that transfer (``POST /v1/transfers/{id}/reversals``, partial
reversals allowed, each up to what is left). A refund of R out of P paid owes the owner's
part of it; to keep the rounding from adding up over several partial refunds, the rule
works on totals: after refunds totalling ``refunded`` the reversals total
``floor(transfer * refunded / paid)``, and each reversal is what is owed now minus what
was reversed before (``reversal_owed``). So reversals never exceed the transfer, never
take more than the owner's share of what was refunded, and a full refund reverses all
of it exactly. Taking ``reversed_paise`` as recorded makes a retried call ask for nothing
twice.

Razorpay refuses a transfer on a payment once a refund of it has begun, so a transfer
is made before any refund, or not at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

BASIS_POINTS = 10_000
"""100% in basis points."""


class PayoutProblem(StrEnum):
    COMMISSION_OUT_OF_RANGE = "commission_out_of_range"
    """A commission below 0 or above 10000 basis points."""
    NEGATIVE_AMOUNT = "negative_amount"
    REFUND_EXCEEDS_PAYMENT = "refund_exceeds_payment"
    TRANSFER_EXCEEDS_PAYMENT = "transfer_exceeds_payment"
    REVERSAL_EXCEEDS_TRANSFER = "reversal_exceeds_transfer"
    """More already recorded as reversed than was transferred: the records are wrong."""


class PayoutRefusedError(ValueError):
    """Amounts that cannot belong to one payment; ``problem`` says which rule broke."""

    def __init__(self, problem: PayoutProblem) -> None:
        self.problem = problem
        super().__init__(f"payout refused: {problem}")


@dataclass(frozen=True)
class OwnerShare:
    paid_paise: int
    commission_paise: int
    transfer_paise: int
    """What Route transfers to the owner's linked account."""

    @property
    def transfers_anything(self) -> bool:
        """False when the commission is the whole payment: no transfer is made."""
        return self.transfer_paise > 0


def owner_share(paid_paise: int, commission_bp: int = 0) -> OwnerShare:
    """The platform's commission (rounded down) and the owner's transfer of a payment."""
    if paid_paise < 0:
        raise PayoutRefusedError(PayoutProblem.NEGATIVE_AMOUNT)
    if not 0 <= commission_bp <= BASIS_POINTS:
        raise PayoutRefusedError(PayoutProblem.COMMISSION_OUT_OF_RANGE)
    commission = paid_paise * commission_bp // BASIS_POINTS
    return OwnerShare(paid_paise, commission, paid_paise - commission)


def reversal_owed(*, transfer_paise: int, paid_paise: int, refunded_paise: int, reversed_paise: int) -> int:
    """What to reverse from the owner now, after refunds of the payment totalling
    ``refunded_paise`` (this one included) and reversals so far of ``reversed_paise``."""
    if min(transfer_paise, paid_paise, refunded_paise, reversed_paise) < 0:
        raise PayoutRefusedError(PayoutProblem.NEGATIVE_AMOUNT)
    if refunded_paise > paid_paise:
        raise PayoutRefusedError(PayoutProblem.REFUND_EXCEEDS_PAYMENT)
    if transfer_paise > paid_paise:
        raise PayoutRefusedError(PayoutProblem.TRANSFER_EXCEEDS_PAYMENT)
    if reversed_paise > transfer_paise:
        raise PayoutRefusedError(PayoutProblem.REVERSAL_EXCEEDS_TRANSFER)
    if paid_paise == 0:
        return 0
    owed_in_all = transfer_paise * refunded_paise // paid_paise
    return max(0, owed_in_all - reversed_paise)


# ---- a room's linked account ------------------------------------------------------------

LINKED_ACCOUNT = re.compile(r"acc_[A-Za-z0-9]{14}")
"""Razorpay's id of a Route linked account: ``acc_`` and 14 letters or digits."""


def is_linked_account(text: str) -> bool:
    return bool(LINKED_ACCOUNT.fullmatch(text))


def parse_commission(text: str) -> int:
    """PLATFORM_COMMISSION_BP's value: whole basis points, 0 (none) to 10000 (all of it)."""
    value = int(text)
    if not 0 <= value <= BASIS_POINTS:
        raise PayoutRefusedError(PayoutProblem.COMMISSION_OUT_OF_RANGE)
    return value


# ---- a payout's life --------------------------------------------------------------------


class PayoutStatus(StrEnum):
    """One booking's transfer out of one payment.

    DUE --claimed--> REQUESTING --Razorpay's transfer--> TRANSFERRED
     ^                  |  \\--Razorpay refused it--> FAILED (a person pays the owner)
     `--no answer-------'
    OFF: the room had no linked account (or the gateway has no Route): nothing to do.
    SKIPPED: nothing to transfer (the commission is all of it), or a refund of the
    payment had begun before any transfer (Razorpay refuses one then).
    """

    DUE = "due"
    REQUESTING = "requesting"
    TRANSFERRED = "transferred"
    FAILED = "failed"
    OFF = "off"
    SKIPPED = "skipped"

    @property
    def settled(self) -> bool:
        """Nothing more will happen to it: a refund of its payment may go ahead."""
        return self not in (PayoutStatus.DUE, PayoutStatus.REQUESTING)


class ReversalStatus(StrEnum):
    DUE = "due"
    REQUESTING = "requesting"
    DONE = "done"
    FAILED = "failed"


def fee_share(fee_paise: int, *, share_paise: int, paid_paise: int) -> int:
    """The booking's part of its payment's gateway fee (a series' weeks share one
    payment), rounded down."""
    if paid_paise <= 0:
        return 0
    return fee_paise * share_paise // paid_paise
