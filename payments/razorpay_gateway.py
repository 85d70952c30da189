"""Razorpay through its official SDK. The SDK is synchronous (requests), so every call
runs in a thread with a timeout and never blocks the event loop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import razorpay
import requests

from payments.gateway import (
    GatewayError,
    GatewayRefusedError,
    GatewayTimeoutError,
    PaymentCharges,
    PaymentLink,
    PaymentLinkRequest,
    Refund,
    Reversal,
    Transfer,
)

log = logging.getLogger(__name__)

T = TypeVar("T")
MAX_NOTES = 15


class RazorpayGateway:
    name = "razorpay"

    def __init__(
        self,
        key_id: str,
        key_secret: str,
        *,
        base_url: str | None = None,
        timeout: float = 10.0,
        min_link_lifetime: timedelta = timedelta(minutes=16),
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        options = {"base_url": base_url} if base_url else {}
        self._client = razorpay.Client(auth=(key_id, key_secret), **options)
        self._timeout = timeout
        self._min_link_lifetime = min_link_lifetime
        self._now = now

    async def create_link(self, request: PaymentLinkRequest) -> PaymentLink:
        # Razorpay refuses expiries that are too close; the link may outlive the hold,
        # because the hold (not the link) decides whether the booking stands.
        expire_by = max(request.expire_by, self._now() + self._min_link_lifetime)
        body: dict[str, Any] = {
            "amount": request.amount_paise,
            "currency": "INR",
            "accept_partial": False,
            "reference_id": request.reference_id,
            "description": request.description,
            "expire_by": int(expire_by.timestamp()),
            "callback_url": request.callback_url,
            "callback_method": "get",
            "notes": dict(list(request.notes.items())[:MAX_NOTES]),
            "notify": {"sms": False, "email": False},
            "reminder_enable": False,
        }
        customer = {
            k: v for k, v in (("name", request.customer_name), ("contact", request.customer_contact)) if v
        }
        if customer:
            body["customer"] = customer
        raw = await self._call(self._client.payment_link.create, body)
        return link_from(raw)

    async def cancel_link(self, link_id: str) -> PaymentLink:
        return link_from(await self._call(self._client.payment_link.cancel, link_id))

    async def fetch_link(self, link_id: str) -> PaymentLink:
        return link_from(await self._call(self._client.payment_link.fetch, link_id))

    async def find_link(self, reference_id: str) -> PaymentLink | None:
        raw = await self._call(self._client.payment_link.all, {"reference_id": reference_id})
        found = [item for item in raw.get("payment_links") or [] if item.get("reference_id") == reference_id]
        return link_from(found[0]) if found else None

    async def refund(
        self,
        payment_id: str,
        amount_paise: int,
        idempotency_key: str,
        *,
        notes: Mapping[str, str] | None = None,
    ) -> Refund:
        kept = {"reason": "JamRoom booking refund", **(notes or {})}
        body = {"amount": amount_paise, "speed": "normal", "notes": dict(list(kept.items())[:MAX_NOTES])}
        raw = await self._call(
            self._client.payment.refund, payment_id, body, headers={"X-Refund-Idempotency": idempotency_key}
        )
        return Refund(
            id=str(raw["id"]),
            payment_id=str(raw.get("payment_id", payment_id)),
            amount_paise=int(raw.get("amount", amount_paise)),
            status=str(raw.get("status", "pending")),
        )

    # ---- Route: the owners' payouts ------------------------------------------------

    async def payment_charges(self, payment_id: str) -> PaymentCharges:
        raw = await self._call(self._client.payment.fetch, payment_id)
        return PaymentCharges(
            payment_id=str(raw.get("id", payment_id)),
            amount_paise=int(raw.get("amount") or 0),
            fee_paise=int(raw.get("fee") or 0),
            tax_paise=int(raw.get("tax") or 0),
        )

    async def transfers_of(self, payment_id: str) -> list[Transfer]:
        raw = await self._call(self._client.payment.transfers, payment_id)
        return [transfer_from(item, payment_id) for item in raw.get("items") or []]

    async def transfer(
        self, payment_id: str, account_id: str, amount_paise: int, notes: Mapping[str, str]
    ) -> Transfer:
        body = {
            "transfers": [
                {
                    "account": account_id,
                    "amount": amount_paise,
                    "currency": "INR",
                    "notes": dict(list(notes.items())[:MAX_NOTES]),
                    "on_hold": False,
                }
            ]
        }
        raw = await self._call(self._client.payment.transfer, payment_id, body)
        items = raw.get("items") or []
        if not items:
            raise GatewayError("Razorpay answered the transfer without one")
        return transfer_from(items[0], payment_id)

    async def reversals_of(self, transfer_id: str) -> list[Reversal]:
        raw = await self._call(self._client.transfer.reversals, transfer_id)
        return [reversal_from(item, transfer_id) for item in raw.get("items") or []]

    async def reverse(self, transfer_id: str, amount_paise: int, notes: Mapping[str, str]) -> Reversal:
        body = {"amount": amount_paise, "notes": dict(list(notes.items())[:MAX_NOTES])}
        raw = await self._call(self._client.transfer.reverse, transfer_id, body)
        return reversal_from(raw, transfer_id)

    async def _call(self, method: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        call = getattr(method, "__name__", "call")
        try:
            return await asyncio.wait_for(
                asyncio.to_thread(method, *args, timeout=self._timeout, **kwargs), self._timeout + 2
            )
        except (TimeoutError, requests.exceptions.Timeout) as error:
            raise GatewayTimeoutError(f"Razorpay did not answer {call} in {self._timeout:g}s") from error
        except razorpay.errors.BadRequestError as error:
            raise GatewayRefusedError(f"Razorpay refused {call}: {error}") from error
        except (razorpay.errors.ServerError, razorpay.errors.GatewayError) as error:
            raise GatewayError(f"Razorpay failed {call}: {error}") from error
        except (requests.exceptions.RequestException, ValueError) as error:
            raise GatewayError(f"Razorpay unreachable for {call}: {type(error).__name__}") from error


def link_from(raw: dict[str, Any]) -> PaymentLink:
    payments = raw.get("payments") or []
    captured = [p for p in payments if p.get("status") in ("captured", "authorized")]
    payment_id = (captured[-1] if captured else {}).get("payment_id") or (
        captured[-1] if captured else {}
    ).get("id")
    return PaymentLink(
        id=str(raw["id"]),
        short_url=str(raw.get("short_url", "")),
        status=str(raw.get("status", "created")),
        amount_paise=int(raw.get("amount", 0)),
        amount_paid_paise=int(raw.get("amount_paid", 0)),
        currency=str(raw.get("currency", "INR")),
        reference_id=str(raw.get("reference_id", "")),
        payment_id=payment_id,
    )


def transfer_from(raw: dict[str, Any], payment_id: str) -> Transfer:
    return Transfer(
        id=str(raw["id"]),
        payment_id=str(raw.get("source") or payment_id),
        account_id=str(raw.get("recipient") or ""),
        amount_paise=int(raw.get("amount") or 0),
        notes={str(k): str(v) for k, v in (raw.get("notes") or {}).items()},
    )


def reversal_from(raw: dict[str, Any], transfer_id: str) -> Reversal:
    return Reversal(
        id=str(raw["id"]),
        transfer_id=str(raw.get("transfer_id") or transfer_id),
        amount_paise=int(raw.get("amount") or 0),
        notes={str(k): str(v) for k, v in (raw.get("notes") or {}).items()},
    )
