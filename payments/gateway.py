"""The one small gateway interface: Razorpay in production, the sandbox without keys."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from domain.gateway_errors import GatewayError  # defined below payments so jobs can catch it too


class GatewayTimeoutError(GatewayError):
    """The gateway did not answer in time; the request may or may not have taken effect."""


@dataclass(frozen=True)
class PaymentLinkRequest:
    booking_id: str
    reference_id: str
    amount_paise: int
    description: str
    expire_by: datetime
    callback_url: str
    customer_name: str | None = None
    customer_contact: str | None = None
    notes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PaymentLink:
    id: str
    short_url: str
    status: str  # created | paid | partially_paid | expired | cancelled
    amount_paise: int
    amount_paid_paise: int
    currency: str
    reference_id: str
    payment_id: str | None = None


@dataclass(frozen=True)
class Refund:
    id: str
    payment_id: str
    amount_paise: int
    status: str  # pending | processed | failed


class PaymentGateway(Protocol):
    name: str

    async def create_link(self, request: PaymentLinkRequest) -> PaymentLink: ...

    async def cancel_link(self, link_id: str) -> PaymentLink: ...

    async def fetch_link(self, link_id: str) -> PaymentLink: ...

    async def find_link(self, reference_id: str) -> PaymentLink | None:
        """The link made with ``reference_id`` (references are unique), if any: a create
        that timed out at our side may have made one."""
        ...

    async def refund(
        self,
        payment_id: str,
        amount_paise: int,
        idempotency_key: str,
        *,
        notes: Mapping[str, str] | None = None,
    ) -> Refund:
        """Refund part or all of a payment, once per ``idempotency_key``; the gateway keeps
        ``notes`` on the refund and echoes them in its webhooks."""
        ...


class GatewayRefusedError(GatewayError):
    """The gateway answered and refused the request (a 4xx): asking again changes nothing."""


# ---- Razorpay Route: payouts to owners' linked accounts --------------------------------


@dataclass(frozen=True)
class PaymentCharges:
    """What the gateway charged on a payment (the payment entity's ``fee``, tax included,
    and ``tax``)."""

    payment_id: str
    amount_paise: int
    fee_paise: int
    tax_paise: int


@dataclass(frozen=True)
class Transfer:
    id: str
    payment_id: str
    account_id: str
    amount_paise: int
    notes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Reversal:
    id: str
    transfer_id: str
    amount_paise: int
    notes: Mapping[str, str] = field(default_factory=dict)


class RouteGateway(Protocol):
    """A gateway that can pay owners (Razorpay Route). The sandbox is not one: payouts are
    off without Razorpay."""

    async def payment_charges(self, payment_id: str) -> PaymentCharges: ...

    async def transfers_of(self, payment_id: str) -> list[Transfer]:
        """Every transfer made from the payment, with its notes."""
        ...

    async def transfer(
        self, payment_id: str, account_id: str, amount_paise: int, notes: Mapping[str, str]
    ) -> Transfer: ...

    async def reversals_of(self, transfer_id: str) -> list[Reversal]: ...

    async def reverse(self, transfer_id: str, amount_paise: int, notes: Mapping[str, str]) -> Reversal: ...
